//! Sales series from the canonical sales table: one value per day, ISO week (Monday start)
//! or calendar month, for the total or per category, sub-category, region, country,
//! segment or product, with periods without sales filled as zero.
//!
//! The measure is completed sales (`line_amount` of `sale` lines, the KPIs' completed
//! revenue) by default, net revenue (sales plus cancellations and adjustments, which are
//! negative) or units sold. A series starts at its group's first period with a line and ends
//! at the data's last period. By default only whole periods are kept: a week or month that
//! the data covers only in part (Online Retail starts on a Wednesday and stops on 9 December)
//! would look like a collapse in sales; the dropped periods are listed in the result. A period
//! is partial when more than one of its days lies before the data's first date or after its
//! last date (the KPIs' rule).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use chrono::{Datelike, Days, Months, NaiveDate};
use retail_ingest::names::ProductNames;
use retail_ingest::schema::col as columns;
use serde::Serialize;

use crate::ForecastError;

/// The length of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Frequency {
    /// Calendar days.
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Frequency {
    /// The usual season length: 7 for days, 52 for weeks, 12 for months.
    pub fn season_length(self) -> usize {
        match self {
            Frequency::Day => 7,
            Frequency::Week => 52,
            Frequency::Month => 12,
        }
    }

    /// The first day of the period holding `date`.
    pub fn period_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Frequency::Day => date,
            Frequency::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Frequency::Month => date.with_day(1).unwrap_or(date),
        }
    }

    /// The first day of the next period after the one starting at `start` (the calendar's
    /// last day, `NaiveDate::MAX`, past its end).
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Frequency::Day => start.checked_add_days(Days::new(1)),
            Frequency::Week => start.checked_add_days(Days::new(7)),
            Frequency::Month => start.checked_add_months(Months::new(1)),
        }
        .unwrap_or(NaiveDate::MAX)
    }

    /// How many periods run from the one starting at `first` to the one starting at `last`,
    /// both included (0 when `last` comes before `first`).
    pub fn periods_between(self, first: NaiveDate, last: NaiveDate) -> u64 {
        let steps = match self {
            Frequency::Day => (last - first).num_days(),
            Frequency::Week => (last - first).num_days().div_euclid(7),
            Frequency::Month => {
                (i64::from(last.year()) * 12 + i64::from(last.month0()))
                    - (i64::from(first.year()) * 12 + i64::from(first.month0()))
            }
        };
        u64::try_from(steps + 1).unwrap_or(0)
    }

    /// The plural name of the period, for messages.
    fn plural(self) -> &'static str {
        match self {
            Frequency::Day => "days",
            Frequency::Week => "weeks",
            Frequency::Month => "months",
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Frequency::Day => "day",
            Frequency::Week => "week",
            Frequency::Month => "month",
        })
    }
}

impl FromStr for Frequency {
    type Err = ForecastError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" | "d" => Ok(Frequency::Day),
            "week" | "weekly" | "w" => Ok(Frequency::Week),
            "month" | "monthly" | "m" => Ok(Frequency::Month),
            _ => Err(ForecastError::InvalidParameter {
                parameter: "freq",
                message: format!("'{text}' is not one of day, week, month"),
            }),
        }
    }
}

/// What each series is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupBy {
    /// One series for all sales.
    Total,
    /// Product category.
    Category,
    /// Product sub-category.
    SubCategory,
    /// Sales region.
    Region,
    /// Country.
    Country,
    /// Customer segment.
    Segment,
    /// Product id.
    Product,
}

impl GroupBy {
    fn column(self) -> Option<&'static str> {
        match self {
            GroupBy::Total => None,
            GroupBy::Category => Some(columns::CATEGORY),
            GroupBy::SubCategory => Some(columns::SUB_CATEGORY),
            GroupBy::Region => Some(columns::REGION),
            GroupBy::Country => Some(columns::COUNTRY),
            GroupBy::Segment => Some(columns::SEGMENT),
            GroupBy::Product => Some(columns::PRODUCT_ID),
        }
    }
}

impl FromStr for GroupBy {
    type Err = ForecastError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "total" | "none" => Ok(GroupBy::Total),
            "category" => Ok(GroupBy::Category),
            "sub_category" | "subcategory" => Ok(GroupBy::SubCategory),
            "region" => Ok(GroupBy::Region),
            "country" => Ok(GroupBy::Country),
            "segment" => Ok(GroupBy::Segment),
            "product" => Ok(GroupBy::Product),
            _ => Err(ForecastError::InvalidParameter {
                parameter: "by",
                message: format!(
                    "'{text}' is not one of total, category, sub-category, region, country, \
                     segment, product"
                ),
            }),
        }
    }
}

/// The value summed per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Measure {
    /// `line_amount` of completed (`sale`) lines.
    #[default]
    Sales,
    /// `line_amount` of every line: sales minus cancellations and adjustments.
    NetRevenue,
    /// `quantity` of completed lines.
    Units,
}

impl Measure {
    /// What is summed, for people: `completed sales`, `net revenue` or `units sold`.
    pub fn describe(self) -> &'static str {
        match self {
            Measure::Sales => "completed sales",
            Measure::NetRevenue => "net revenue",
            Measure::Units => "units sold",
        }
    }
}

impl FromStr for Measure {
    type Err = ForecastError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "sales" | "revenue" => Ok(Measure::Sales),
            "net-revenue" | "net" => Ok(Measure::NetRevenue),
            "units" | "quantity" => Ok(Measure::Units),
            _ => Err(ForecastError::InvalidParameter {
                parameter: "measure",
                message: format!("'{text}' is not one of revenue, units, net-revenue"),
            }),
        }
    }
}

/// How to cut the sales table into series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesBuilder {
    frequency: Frequency,
    group_by: GroupBy,
    measure: Measure,
    whole_periods: bool,
    max_periods: usize,
}

/// One group's series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesSeries {
    /// The group (`total`, a category, a product id, …; `(none)` for lines without one).
    pub key: String,
    /// First day of each period.
    pub periods: Vec<NaiveDate>,
    /// The measure per period (0 where nothing sold).
    pub values: Vec<f64>,
    /// The product's name for a series by product (the name its completed sale lines carry
    /// most often, `retail_ingest::names`), when the source names products.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The series of every group, largest total first (ties by key).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesSet {
    /// Period length.
    pub frequency: Frequency,
    /// Split.
    pub group_by: GroupBy,
    /// Measure.
    pub measure: Measure,
    /// The series.
    pub series: Vec<SalesSeries>,
    /// Lines whose value went into a series.
    pub lines_used: u64,
    /// Lines not counted by the measure (cancellations and adjustments for sales and units).
    pub lines_other_kind: u64,
    /// Lines in partial periods that were dropped.
    pub lines_in_partial_periods: u64,
    /// Starts of the partial periods dropped (at most one at each end).
    pub partial_periods: Vec<NaiveDate>,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, ForecastError> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| ForecastError::InvalidParameter {
            parameter: "sales",
            message: format!("the table has no `{name}` column; pass the canonical sales table"),
        })
}

fn wrong_type(name: &str, expected: &str) -> ForecastError {
    ForecastError::InvalidParameter {
        parameter: "sales",
        message: format!("column `{name}` is not {expected}"),
    }
}

impl SeriesBuilder {
    /// Series of completed sales at `frequency`, split by `group_by`, whole periods only.
    pub const fn new(frequency: Frequency, group_by: GroupBy) -> SeriesBuilder {
        SeriesBuilder {
            frequency,
            group_by,
            measure: Measure::Sales,
            whole_periods: true,
            max_periods: crate::limits::DEFAULT_MAX_PERIODS,
        }
    }

    /// The most periods the data may span (default [`crate::DEFAULT_MAX_PERIODS`]): data
    /// whose first and last dates are further apart is an error naming both dates, before
    /// any series is built (a mistyped year makes a series of hundreds of thousands of
    /// periods).
    pub const fn with_max_periods(mut self, max_periods: usize) -> SeriesBuilder {
        self.max_periods = max_periods;
        self
    }

    /// The value summed per period.
    pub const fn with_measure(mut self, measure: Measure) -> SeriesBuilder {
        self.measure = measure;
        self
    }

    /// Keep partial first and last periods (default false: they are dropped and listed).
    pub const fn with_partial_periods(mut self, keep: bool) -> SeriesBuilder {
        self.whole_periods = !keep;
        self
    }

    /// The canonical columns [`SeriesBuilder::build`] reads: the line kind, timestamp, amount
    /// and quantity, the grouping column, and product names for a series per product. A
    /// reader that can project (a query over Parquet) need give only these.
    pub fn columns(&self) -> Vec<&'static str> {
        let mut names = vec![
            columns::LINE_KIND,
            columns::TIMESTAMP,
            columns::LINE_AMOUNT,
            columns::QUANTITY,
        ];
        names.extend(self.group_by.column());
        if self.group_by == GroupBy::Product {
            names.push(columns::PRODUCT_NAME);
        }
        names
    }

    /// Builds the series from canonical sales batches ([`SeriesBuilder::accumulator`] over
    /// each of them).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `sales` when a batch lacks a canonical column
    /// or has it with another type, or `max_periods` when the sales span more periods than that.
    pub fn build(&self, batches: &[RecordBatch]) -> Result<SeriesSet, ForecastError> {
        let mut accumulator = self.accumulator();
        for batch in batches {
            accumulator.push(batch)?;
        }
        accumulator.finish()
    }

    /// An accumulator that takes the sales a batch at a time (a query's stream, say) and holds
    /// only the sums per group and period: what [`SeriesBuilder::build`] gives for all the
    /// batches pushed.
    pub fn accumulator(&self) -> SeriesAccumulator {
        SeriesAccumulator {
            builder: *self,
            groups: HashMap::new(),
            first_date: None,
            last_date: None,
            lines_other_kind: 0,
            per_period_lines: HashMap::new(),
            names: ProductNames::new(),
        }
    }
}

/// The sums of a [`SeriesBuilder`] so far ([`SeriesBuilder::accumulator`]): memory grows with
/// the groups and periods, not with the lines.
#[derive(Debug, Clone)]
pub struct SeriesAccumulator {
    builder: SeriesBuilder,
    /// (group, period start) → value.
    groups: HashMap<String, HashMap<NaiveDate, OrderFreeSum>>,
    /// Dates of all lines, for the data's span.
    first_date: Option<NaiveDate>,
    last_date: Option<NaiveDate>,
    lines_other_kind: u64,
    per_period_lines: HashMap<NaiveDate, u64>,
    names: ProductNames,
}

impl SeriesAccumulator {
    /// Adds the lines of one batch of canonical sales (at least the
    /// [`SeriesBuilder::columns`]).
    ///
    /// # Errors
    /// [`ForecastError::InvalidParameter`] naming `sales` when the batch lacks one of those
    /// columns or has it with another type.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<(), ForecastError> {
        let freq = self.builder.frequency;
        let group_by = self.builder.group_by;
        let measure = self.builder.measure;
        let kind = column(batch, columns::LINE_KIND)?
            .as_string_opt::<i32>()
            .ok_or_else(|| wrong_type(columns::LINE_KIND, "Utf8"))?;
        let time = column(batch, columns::TIMESTAMP)?
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| wrong_type(columns::TIMESTAMP, "Timestamp(µs)"))?;
        let amount = column(batch, columns::LINE_AMOUNT)?
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| wrong_type(columns::LINE_AMOUNT, "Float64"))?;
        let quantity = column(batch, columns::QUANTITY)?
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| wrong_type(columns::QUANTITY, "Int64"))?;
        let group = match group_by.column() {
            Some(name) => Some(
                column(batch, name)?
                    .as_string_opt::<i32>()
                    .ok_or_else(|| wrong_type(name, "Utf8"))?,
            ),
            None => None,
        };
        // Product names, for a series per product when the source has them.
        let product_names = match group_by {
            GroupBy::Product => batch
                .column_by_name(columns::PRODUCT_NAME)
                .and_then(|c| c.as_string_opt::<i32>()),
            _ => None,
        };
        for row in 0..batch.num_rows() {
            if time.is_null(row) {
                continue;
            }
            let Some(date) = chrono::DateTime::from_timestamp_micros(time.value(row))
                .map(|t| t.naive_utc().date())
            else {
                continue;
            };
            self.first_date = Some(self.first_date.map_or(date, |d| d.min(date)));
            self.last_date = Some(self.last_date.map_or(date, |d| d.max(date)));
            let is_sale = kind.value(row) == "sale";
            let value = match measure {
                Measure::Sales if is_sale => amount.value(row),
                Measure::Units if is_sale => quantity.value(row) as f64,
                Measure::NetRevenue => amount.value(row),
                _ => {
                    self.lines_other_kind += 1;
                    continue;
                }
            };
            let key = match group {
                Some(g) if g.is_valid(row) => g.value(row),
                Some(_) => "(none)",
                None => "total",
            };
            if let (true, Some(names_column), Some(g)) = (is_sale, product_names, group)
                && names_column.is_valid(row)
                && g.is_valid(row)
            {
                self.names
                    .add(g.value(row), names_column.value(row), time.value(row));
            }
            let period = freq.period_start(date);
            *self.per_period_lines.entry(period).or_default() += 1;
            let entry = match self.groups.get_mut(key) {
                Some(e) => e,
                None => self.groups.entry(key.to_string()).or_default(),
            };
            entry.entry(period).or_default().add(value);
        }
        Ok(())
    }

    /// The series of the lines pushed.
    ///
    /// # Errors
    /// [`ForecastError::InvalidParameter`] naming `max_periods` when the sales span more
    /// periods than that.
    pub fn finish(self) -> Result<SeriesSet, ForecastError> {
        let SeriesAccumulator {
            builder,
            groups,
            first_date,
            last_date,
            lines_other_kind,
            per_period_lines,
            names,
        } = self;
        let freq = builder.frequency;
        let (Some(first_date), Some(last_date)) = (first_date, last_date) else {
            return Ok(SeriesSet {
                frequency: freq,
                group_by: builder.group_by,
                measure: builder.measure,
                series: Vec::new(),
                lines_used: 0,
                lines_other_kind,
                lines_in_partial_periods: 0,
                partial_periods: Vec::new(),
            });
        };
        let mut first_period = freq.period_start(first_date);
        let mut last_period = freq.period_start(last_date);
        let span = freq.periods_between(first_period, last_period);
        if span > builder.max_periods as u64 {
            return Err(ForecastError::InvalidParameter {
                parameter: "max_periods",
                message: format!(
                    "the sales run from {first_date} to {last_date}, {span} {}: more than \
                     max_periods ({}); a mistyped date far from the others is the usual cause \
                     (raise max_periods for a longer history)",
                    freq.plural(),
                    builder.max_periods
                ),
            });
        }
        let mut partial_periods = Vec::new();
        if builder.whole_periods {
            // Partial: more than one day of the period outside the data's first and last
            // dates (the rule of the KPIs' `is_partial`, docs/kpis.md). One missing day is
            // a quiet day, not a cut: Superstore's last order is on 30 December 2017 and
            // its December is whole.
            if first_period + Days::new(1) < first_date {
                partial_periods.push(first_period);
                first_period = freq.next(first_period);
            }
            if freq.next(last_period) - Days::new(2) > last_date && last_period >= first_period {
                partial_periods.push(last_period);
                last_period = last_period
                    .checked_sub_days(Days::new(1))
                    .unwrap_or(last_period);
                last_period = freq.period_start(last_period);
            }
        }
        let lines_in_partial_periods: u64 = partial_periods
            .iter()
            .filter_map(|p| per_period_lines.get(p))
            .sum();
        let lines_used: u64 = per_period_lines.values().sum::<u64>() - lines_in_partial_periods;
        let mut series: Vec<(f64, SalesSeries)> = groups
            .into_iter()
            .filter_map(|(key, values)| {
                let start = values
                    .keys()
                    .filter(|&&p| p >= first_period && p <= last_period)
                    .min()
                    .copied()?;
                // At most max_periods (checked above).
                let count = freq.periods_between(start, last_period) as usize;
                let mut periods = Vec::with_capacity(count);
                let mut out = Vec::with_capacity(count);
                let mut p = start;
                for _ in 0..count {
                    periods.push(p);
                    out.push(values.get(&p).map_or(0.0, OrderFreeSum::value));
                    p = freq.next(p);
                }
                let total = out.iter().sum::<f64>();
                Some((
                    total,
                    SalesSeries {
                        name: names.name(&key).map(str::to_string),
                        key,
                        periods,
                        values: out,
                    },
                ))
            })
            .collect();
        series.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
        Ok(SeriesSet {
            frequency: freq,
            group_by: builder.group_by,
            measure: builder.measure,
            series: series.into_iter().map(|(_, s)| s).collect(),
            lines_used,
            lines_other_kind,
            lines_in_partial_periods,
            partial_periods,
        })
    }
}

/// A sum whose bits do not depend on the order its values come in (batches of a query over
/// files in another order, a table split otherwise), so that the same lines give the same
/// series, and the same forecasts, however they are read. The rule of retail-metrics' `SUM`
/// (its `exact_sum` module), so a weekly series equals the KPIs' weekly revenue to the bit:
/// each value rounded to a multiple of 2⁻⁴⁰ and added as a 128-bit integer; a magnitude of
/// 2⁷⁰ or more, NaN or infinity makes the sum fall back to floating-point addition.
#[derive(Debug, Clone, Copy, Default)]
struct OrderFreeSum {
    /// In units of 2⁻⁴⁰.
    exact: i128,
    /// Plain floating-point sum, used when `inexact`.
    float: f64,
    inexact: bool,
}

impl OrderFreeSum {
    /// Fixed-point scale: values are added as multiples of 2⁻⁴⁰.
    const FRACTION_BITS: i32 = 40;
    /// 2⁷⁰: a sum of 2⁵⁷ such values still fits 128 bits.
    const EXACT_LIMIT: f64 = 1_180_591_620_717_411_303_424.0;

    fn add(&mut self, x: f64) {
        self.float += x;
        if self.inexact || !x.is_finite() || x.abs() >= Self::EXACT_LIMIT {
            self.inexact = true;
            return;
        }
        let units = (x * f64::powi(2.0, Self::FRACTION_BITS)).round() as i128;
        match self.exact.checked_add(units) {
            Some(sum) => self.exact = sum,
            None => self.inexact = true,
        }
    }

    fn value(&self) -> f64 {
        if self.inexact {
            self.float
        } else {
            self.exact as f64 * f64::powi(2.0, -Self::FRACTION_BITS)
        }
    }
}

/// The `horizon` periods after the last of `periods`: by `freq` when given, otherwise stepping
/// like the series' own dates (a calendar month, quarter or year when the last step is one,
/// else the same number of days).
///
/// # Errors
/// [`ForecastError::InvalidParameter`] naming `horizon` when the periods run past the calendar.
pub fn future_periods(
    periods: &[NaiveDate],
    freq: Option<Frequency>,
    horizon: usize,
) -> Result<Vec<NaiveDate>, ForecastError> {
    let Some(&last) = periods.last() else {
        return Ok(Vec::new());
    };
    let step_days = periods
        .len()
        .checked_sub(2)
        .map(|i| (last - periods[i]).num_days())
        .unwrap_or(1)
        .max(1);
    let mut out = Vec::with_capacity(horizon);
    let mut p = last;
    for _ in 0..horizon {
        let next = match freq {
            Some(f) => Some(f.next(p)).filter(|&n| n > p),
            None if (28..=31).contains(&step_days) => p.checked_add_months(chrono::Months::new(1)),
            None if (89..=92).contains(&step_days) => p.checked_add_months(chrono::Months::new(3)),
            None if (365..=366).contains(&step_days) => {
                p.checked_add_months(chrono::Months::new(12))
            }
            None => p.checked_add_days(chrono::Days::new(step_days as u64)),
        };
        p = next.ok_or_else(|| ForecastError::InvalidParameter {
            parameter: "horizon",
            message: format!("{horizon}: the forecast periods after {last} run past the calendar"),
        })?;
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_are_cut_as_documented() {
        // 2010-12-01 is a Wednesday.
        assert_eq!(
            Frequency::Week.period_start(date(2010, 12, 1)),
            date(2010, 11, 29)
        );
        assert_eq!(
            Frequency::Week.period_start(date(2010, 12, 5)),
            date(2010, 11, 29)
        );
        assert_eq!(
            Frequency::Week.period_start(date(2010, 12, 6)),
            date(2010, 12, 6)
        );
        assert_eq!(
            Frequency::Month.period_start(date(2011, 2, 28)),
            date(2011, 2, 1)
        );
        assert_eq!(Frequency::Month.next(date(2011, 1, 1)), date(2011, 2, 1));
        assert_eq!("weekly".parse::<Frequency>().unwrap(), Frequency::Week);
        assert!("fortnight".parse::<Frequency>().is_err());
        assert_eq!(
            "sub-category".parse::<GroupBy>().unwrap(),
            GroupBy::SubCategory
        );
        assert_eq!(Frequency::Week.season_length(), 52);
        assert_eq!("revenue".parse::<Measure>().unwrap(), Measure::Sales);
        assert_eq!("Units".parse::<Measure>().unwrap(), Measure::Units);
        assert_eq!(
            "net_revenue".parse::<Measure>().unwrap(),
            Measure::NetRevenue
        );
        assert!("profit".parse::<Measure>().is_err());
    }
}
