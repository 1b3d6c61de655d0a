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
use retail_ingest::schema::col as columns;
use serde::Serialize;

use crate::ForecastError;
pub use crate::spacing::Irregularity;

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
    pub fn new(frequency: Frequency, group_by: GroupBy) -> SeriesBuilder {
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
    pub fn with_max_periods(mut self, max_periods: usize) -> SeriesBuilder {
        self.max_periods = max_periods;
        self
    }

    /// The value summed per period.
    pub fn with_measure(mut self, measure: Measure) -> SeriesBuilder {
        self.measure = measure;
        self
    }

    /// Keep partial first and last periods (default false: they are dropped and listed).
    pub fn with_partial_periods(mut self, keep: bool) -> SeriesBuilder {
        self.whole_periods = !keep;
        self
    }

    /// Builds the series from canonical sales batches.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `sales` when a batch lacks a canonical column
    /// or has it with another type, or `max_periods` when the sales span more periods than that.
    pub fn build(&self, batches: &[RecordBatch]) -> Result<SeriesSet, ForecastError> {
        let freq = self.frequency;
        // (group, period start) → value; dates of all lines for the data's span.
        let mut groups: HashMap<String, HashMap<NaiveDate, f64>> = HashMap::new();
        let mut first_date: Option<NaiveDate> = None;
        let mut last_date: Option<NaiveDate> = None;
        let mut lines_other_kind = 0u64;
        let mut per_period_lines: HashMap<NaiveDate, u64> = HashMap::new();
        for batch in batches {
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
            let group = match self.group_by.column() {
                Some(name) => Some(
                    column(batch, name)?
                        .as_string_opt::<i32>()
                        .ok_or_else(|| wrong_type(name, "Utf8"))?,
                ),
                None => None,
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
                first_date = Some(first_date.map_or(date, |d| d.min(date)));
                last_date = Some(last_date.map_or(date, |d| d.max(date)));
                let is_sale = kind.value(row) == "sale";
                let value = match self.measure {
                    Measure::Sales if is_sale => amount.value(row),
                    Measure::Units if is_sale => quantity.value(row) as f64,
                    Measure::NetRevenue => amount.value(row),
                    _ => {
                        lines_other_kind += 1;
                        continue;
                    }
                };
                let key = match group {
                    Some(g) if g.is_valid(row) => g.value(row),
                    Some(_) => "(none)",
                    None => "total",
                };
                let period = freq.period_start(date);
                *per_period_lines.entry(period).or_default() += 1;
                let entry = match groups.get_mut(key) {
                    Some(e) => e,
                    None => groups.entry(key.to_string()).or_default(),
                };
                *entry.entry(period).or_default() += value;
            }
        }
        let (Some(first_date), Some(last_date)) = (first_date, last_date) else {
            return Ok(SeriesSet {
                frequency: freq,
                group_by: self.group_by,
                measure: self.measure,
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
        if span > self.max_periods as u64 {
            return Err(ForecastError::InvalidParameter {
                parameter: "max_periods",
                message: format!(
                    "the sales run from {first_date} to {last_date}, {span} {}: more than \
                     max_periods ({}); a mistyped date far from the others is the usual cause \
                     (raise max_periods for a longer history)",
                    freq.plural(),
                    self.max_periods
                ),
            });
        }
        let mut partial_periods = Vec::new();
        if self.whole_periods {
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
                    out.push(values.get(&p).copied().unwrap_or(0.0));
                    p = freq.next(p);
                }
                let total = out.iter().sum::<f64>();
                Some((
                    total,
                    SalesSeries {
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
            group_by: self.group_by,
            measure: self.measure,
            series: series.into_iter().map(|(_, s)| s).collect(),
            lines_used,
            lines_other_kind,
            lines_in_partial_periods,
            partial_periods,
        })
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
    }
}

/// A plain dated series read from a `date,value[,regressor…]` CSV file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatedSeries {
    /// The dates, oldest first.
    pub dates: Vec<NaiveDate>,
    /// The values.
    pub values: Vec<f64>,
    /// The season length the spacing of the dates implies: 7 for daily, 52 for weekly, 12
    /// for monthly, 4 for quarterly, 1 for yearly or irregular data.
    pub season_length: usize,
    /// External regressors (columns after the value, named by the header): name and one
    /// value per date.
    pub regressors: Vec<(String, Vec<f64>)>,
    /// With [`Gaps::Allow`], the first date that does not follow its predecessor by the
    /// series' step (missing periods or irregular spacing), if any.
    pub irregular: Option<Irregularity>,
}

/// What [`read_series_csv_with`] does with dates that do not follow the series' step (the
/// step the median spacing implies: a day, a week, a calendar month, a quarter, a year, or
/// that many days): missing periods or irregular spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Gaps {
    /// An error naming the file, line and column of the first such date (the default: the
    /// models assume one value per period, and a gap shifts every season after it).
    #[default]
    Reject,
    /// Read the series as it is and report the first such date in
    /// [`DatedSeries::irregular`].
    Allow,
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim().trim_matches('"');
    let head = text.get(..10).unwrap_or(text);
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(head, "%Y/%m/%d"))
        .ok()
}

/// The file's name for messages and its text (an unreadable file is an error at line 0).
fn read_text(path: &std::path::Path) -> Result<(String, String), ForecastError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((file, text)),
        Err(e) => Err(ForecastError::Read {
            file,
            line: 0,
            column: None,
            message: e.to_string(),
            source: Some(e),
        }),
    }
}

/// Reads a `date,value` CSV (a header line is optional; dates `YYYY-MM-DD`, `YYYY-MM` or
/// `YYYY/MM/DD`, a time after the date is ignored). Rows must be in time order with no
/// repeated date, one per period: the step is inferred from the median spacing of the dates
/// (and the season length from it), and a date more than one step after the previous one
/// (missing periods) or off the step is an error naming its line ([`Gaps::Reject`]).
/// Columns after the value are external regressors (price, promotion, holiday flags); they
/// need a header line naming them, and a number on every row.
///
/// # Errors
///
/// As [`read_series_csv_with`] with [`Gaps::Reject`].
pub fn read_series_csv(path: &std::path::Path) -> Result<DatedSeries, ForecastError> {
    read_series_csv_with(path, Gaps::Reject)
}

/// [`read_series_csv`] with a choice of what to do with missing periods and irregular
/// spacing (`gaps`).
///
/// # Errors
///
/// [`ForecastError::Read`] naming the file, line and column: the file cannot be read (with
/// the I/O error as its source), a date or number cannot be parsed, dates repeat or go
/// backwards, a regressor lacks a header or a value, there are no data rows, or (with
/// [`Gaps::Reject`]) a period is missing or off the step.
pub fn read_series_csv_with(
    path: &std::path::Path,
    gaps: Gaps,
) -> Result<DatedSeries, ForecastError> {
    let (file, text) = read_text(path)?;
    let mut lines: Vec<u64> = Vec::new();
    let mut dates = Vec::new();
    let mut values = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut width = 2;
    for (i, line) in text.lines().enumerate() {
        let number = i as u64 + 1;
        let error = |column: Option<usize>, message: String| ForecastError::Read {
            file: file.clone(),
            line: number,
            column,
            message,
            source: None,
        };
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let Some(date) = parse_date(fields[0]) else {
            if i == 0 {
                // A header: the columns after date and value name the regressors.
                if fields.len() < 2 {
                    return Err(error(None, "expected at least date,value".into()));
                }
                width = fields.len();
                names = fields[2..]
                    .iter()
                    .map(|f| f.trim().trim_matches('"').to_string())
                    .collect();
                columns = vec![Vec::new(); names.len()];
                continue;
            }
            return Err(error(
                Some(1),
                format!(
                    "'{}' is not a date such as 2011-12-31 or 2011-12",
                    fields[0].trim()
                ),
            ));
        };
        if fields.len() != width {
            return Err(error(
                None,
                if width == 2 && fields.len() > 2 && i == 0 {
                    format!(
                        "{} fields: regressor columns after date,value need a header line \
                         naming them",
                        fields.len()
                    )
                } else {
                    format!(
                        "expected {width} fields ({}), found {}",
                        ["date", "value"]
                            .into_iter()
                            .chain(names.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join(","),
                        fields.len()
                    )
                },
            ));
        }
        // A finite number in field `column` (1-based); `of` names a regressor in messages.
        let number = |column: usize, of: Option<&str>| -> Result<f64, ForecastError> {
            let text = fields[column - 1].trim();
            let of = of.map(|name| format!(" ({name})")).unwrap_or_default();
            match text.trim_matches('"').parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                Ok(_) => Err(error(
                    Some(column),
                    format!("'{text}' is not a finite number{of}"),
                )),
                Err(_) => Err(error(Some(column), format!("'{text}' is not a number{of}"))),
            }
        };
        for (j, column) in columns.iter_mut().enumerate() {
            column.push(number(j + 3, Some(&names[j]))?);
        }
        let value = number(2, None)?;
        if let Some(&last) = dates.last()
            && date <= last
        {
            return Err(error(
                Some(1),
                format!("{date} does not come after the previous date {last}; sort the file"),
            ));
        }
        dates.push(date);
        values.push(value);
        lines.push(i as u64 + 1);
    }
    if values.is_empty() {
        return Err(ForecastError::Read {
            file,
            line: 0,
            column: None,
            message: "no data rows".into(),
            source: None,
        });
    }
    let mut spacings: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    spacings.sort_unstable();
    let median = spacings.get(spacings.len() / 2).copied();
    let season_length = match median {
        Some(1) => 7,
        Some(7) => 52,
        Some(28..=31) => 12,
        Some(89..=92) => 4,
        _ => 1,
    };
    let irregular = median.and_then(|days| {
        crate::spacing::irregularity(&dates, &lines, crate::spacing::Step::from_median_days(days))
    });
    if let (Gaps::Reject, Some(irregular)) = (gaps, &irregular) {
        return Err(ForecastError::Read {
            file,
            line: irregular.line,
            column: Some(1),
            message: format!(
                "{}{} (gaps = Gaps::Allow reads the file as it is)",
                irregular.message,
                match irregular.count {
                    1 => String::new(),
                    2 => "; 1 more such date".to_string(),
                    n => format!("; {} more such dates", n - 1),
                }
            ),
            source: None,
        });
    }
    Ok(DatedSeries {
        dates,
        values,
        season_length,
        regressors: names.into_iter().zip(columns).collect(),
        irregular,
    })
}

/// Reads the regressors' values for the forecast periods: a CSV with a header `date,` and the
/// regressors' names (any order, extra columns are errors), then one row per period in time
/// order. `periods` are the forecast periods the rows must start with (the file may hold more
/// rows; those are left out). Returns one row per period, columns in `names` order.
///
/// # Errors
///
/// [`ForecastError::Read`] naming the file, line and column: the file cannot be read, the
/// header does not name exactly `names`, a date or value cannot be parsed, or the rows do not
/// start with `periods` or are fewer than them.
pub fn read_future_regressors(
    path: &std::path::Path,
    names: &[String],
    periods: &[NaiveDate],
) -> Result<ndarray::Array2<f64>, ForecastError> {
    let (file, text) = read_text(path)?;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let error = |line: u64, column: Option<usize>, message: String| ForecastError::Read {
        file: file.clone(),
        line,
        column,
        message,
        source: None,
    };
    let Some((number, header)) = lines.next() else {
        return Err(error(
            0,
            None,
            "empty file: expected a header date,<regressors>".into(),
        ));
    };
    let header: Vec<String> = header
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .collect();
    if parse_date(&header[0]).is_some() {
        return Err(error(
            number,
            Some(1),
            format!("expected a header line date,{}", names.join(",")),
        ));
    }
    // Where each of `names` sits in the file.
    let mut position = Vec::with_capacity(names.len());
    for name in names {
        match header[1..].iter().position(|h| h == name) {
            Some(p) => position.push(p + 1),
            None => {
                return Err(error(
                    number,
                    None,
                    format!("no column '{name}' (the header has {})", header.join(",")),
                ));
            }
        }
    }
    if let Some(extra) = header[1..].iter().find(|h| !names.contains(h)) {
        return Err(error(
            number,
            None,
            format!(
                "column '{extra}' is not a regressor of the series (they are {})",
                names.join(",")
            ),
        ));
    }
    let mut out = ndarray::Array2::zeros((periods.len(), names.len()));
    let mut row = 0;
    for (number, line) in lines {
        if row == periods.len() {
            break;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != header.len() {
            return Err(error(
                number,
                None,
                format!("expected {} fields, found {}", header.len(), fields.len()),
            ));
        }
        let date = parse_date(fields[0]).ok_or_else(|| {
            error(
                number,
                Some(1),
                format!("'{}' is not a date such as 2011-12-31", fields[0].trim()),
            )
        })?;
        if date != periods[row] {
            return Err(error(
                number,
                Some(1),
                format!(
                    "{date}: expected the forecast period {} (the rows must start right after \
                     the series' last date, one per period)",
                    periods[row]
                ),
            ));
        }
        for (j, &p) in position.iter().enumerate() {
            let field = fields[p].trim().trim_matches('"');
            let v: f64 = field
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    error(
                        number,
                        Some(p + 1),
                        format!("'{field}' is not a finite number ({})", names[j]),
                    )
                })?;
            out[[row, j]] = v;
        }
        row += 1;
    }
    if row < periods.len() {
        return Err(error(
            0,
            None,
            format!(
                "{row} rows for {} forecast periods: the regressors must be known for every \
                 period up to the horizon ({})",
                periods.len(),
                periods.last().map(|d| d.to_string()).unwrap_or_default()
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn series_files_read_with_positions_in_errors() {
        let dir =
            std::env::temp_dir().join(format!("retail-forecast-series-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.csv");
        std::fs::write(
            &good,
            "date,value\r\n1949-01,112\r\n1949-02,118\r\n1949-03,132\r\n",
        )
        .unwrap();
        let s = read_series_csv(&good).unwrap();
        assert_eq!(s.values, vec![112.0, 118.0, 132.0]);
        assert_eq!(s.season_length, 12);
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "date,value\n2020-01-06,1\n2020-01-13,x\n").unwrap();
        let err = read_series_csv(&bad).unwrap_err().to_string();
        assert!(err.ends_with("bad.csv:3:2: 'x' is not a number"), "{err}");
        std::fs::write(&bad, "2020-01-13,1\n2020-01-06,2\n").unwrap();
        let err = read_series_csv(&bad).unwrap_err().to_string();
        assert!(err.contains("bad.csv:2:1"), "{err}");
        let weekly = dir.join("weekly.csv");
        std::fs::write(&weekly, "2020-01-06,1\n2020-01-13,2\n2020-01-20,2\n").unwrap();
        assert_eq!(read_series_csv(&weekly).unwrap().season_length, 52);
        assert!(read_series_csv(&dir.join("missing.csv")).is_err());
        // Regressor columns: named by the header, numbers on every row.
        let with = dir.join("with.csv");
        std::fs::write(
            &with,
            "week,sales,price,promo\n2020-01-06,10,2.5,0\n2020-01-13,12,2.0,1\n",
        )
        .unwrap();
        let s = read_series_csv(&with).unwrap();
        assert_eq!(
            s.regressors,
            vec![
                ("price".to_string(), vec![2.5, 2.0]),
                ("promo".to_string(), vec![0.0, 1.0])
            ]
        );
        std::fs::write(
            &with,
            "week,sales,price\n2020-01-06,10,2.5\n2020-01-13,12,cheap\n",
        )
        .unwrap();
        let err = read_series_csv(&with).unwrap_err().to_string();
        assert!(
            err.ends_with("with.csv:3:3: 'cheap' is not a number (price)"),
            "{err}"
        );
        std::fs::write(&with, "2020-01-06,10,2.5\n").unwrap();
        let err = read_series_csv(&with).unwrap_err().to_string();
        assert!(
            err.contains("with.csv:1: 3 fields: regressor columns"),
            "{err}"
        );
        // Future values: by name, from the first forecast period on.
        let future = dir.join("future.csv");
        std::fs::write(
            &future,
            "date,promo,price\n2020-01-20,1,1.5\n2020-01-27,0,2.5\n",
        )
        .unwrap();
        let names = ["price".to_string(), "promo".to_string()];
        let periods: Vec<NaiveDate> = ["2020-01-20", "2020-01-27"]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        let x = read_future_regressors(&future, &names, &periods).unwrap();
        assert_eq!(x, ndarray::array![[1.5, 1.0], [2.5, 0.0]]);
        let err = read_future_regressors(&future, &names[..1], &periods)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("future.csv:1: column 'promo' is not a regressor"),
            "{err}"
        );
        let err = read_future_regressors(&future, &names, &periods[1..])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("future.csv:2:1: 2020-01-20: expected the forecast period 2020-01-27"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
