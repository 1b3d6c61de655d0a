//! Forecasts for people (a table per series) and for programs (a JSON object per series, CSV
//! with one row per series and period).

use std::io::Write;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use retail_forecast::SeriesForecast;
use serde_json::{Value, json};

use super::TextTable;
use crate::ReportError;
use crate::format::money;

/// One forecast series as the renderings take it.
#[derive(Debug, Clone, Copy)]
pub struct SeriesView<'a> {
    /// The series' key (`total`, a group's value, a file's name).
    pub key: &'a str,
    /// A product's name, for a series by product.
    pub name: Option<&'a str>,
    /// The periods of the history the model was fitted to, oldest first.
    pub history: &'a [NaiveDate],
    /// The fitted model and its forecast.
    pub result: &'a SeriesForecast,
    /// The periods forecast, one per step of the horizon.
    pub future: &'a [NaiveDate],
}

impl SeriesView<'_> {
    /// The first and the last period of the history (empty text without one).
    fn span(&self) -> (String, String) {
        let text = |d: Option<&NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        (text(self.history.first()), text(self.history.last()))
    }
}

/// A series' forecast as a table: each future period with its point forecast and the bounds
/// of each interval (`levels` in percent, in the order of the forecast's intervals), money
/// with two decimals; the title names the model, its AICc and the history, and a note says
/// why a naive forecast replaced the model, if one did.
pub fn forecast_table(series: &SeriesView<'_>, levels: &[f64]) -> TextTable {
    let r = series.result;
    let (first, last) = series.span();
    let title = format!(
        "{}{}: {}{} on {} periods ({first} to {last})",
        series.key,
        series.name.map(|n| format!(" {n}")).unwrap_or_default(),
        r.model,
        r.aicc.map(|a| format!(", AICc {a:.1}")).unwrap_or_default(),
        series.history.len(),
    );
    let mut headers = vec!["period".to_string(), "forecast".into()];
    for level in levels {
        headers.push(format!("{level}% low"));
        headers.push(format!("{level}% high"));
    }
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut table = TextTable::new(&title, &header_refs).text_columns(&[0]);
    for (h, period) in series.future.iter().enumerate() {
        let mut cells = vec![period.to_string(), money(r.forecast.point[h])];
        for interval in &r.forecast.intervals {
            cells.push(money(interval.lower[h]));
            cells.push(money(interval.upper[h]));
        }
        table.row(cells);
    }
    if let Some(reason) = &r.fallback {
        table.note(format!("naive forecast: {reason}"));
    }
    table
}

/// A series' forecast as JSON: its key, model, parameters, criteria, fallback, history span,
/// and one object per future period with the forecast and `lower_L` / `upper_L` per level
/// (`levels` in percent, in the order of the forecast's intervals: the keys' suffixes, as the
/// caller wrote them, not `100 · level`, which can print as `56.99999999999999`).
pub fn forecast_json(series: &SeriesView<'_>, levels: &[f64]) -> Value {
    let r = series.result;
    let horizons: Vec<Value> = series
        .future
        .iter()
        .enumerate()
        .map(|(h, period)| {
            let mut row = serde_json::Map::new();
            row.insert("period".into(), json!(period.to_string()));
            row.insert("forecast".into(), json!(r.forecast.point[h]));
            for (level, interval) in levels.iter().zip(&r.forecast.intervals) {
                row.insert(format!("lower_{level}"), json!(interval.lower[h]));
                row.insert(format!("upper_{level}"), json!(interval.upper[h]));
            }
            Value::Object(row)
        })
        .collect();
    let mut doc = json!({
        "key": series.key,
        "model": r.model,
        "parameters": r.parameters,
        "loglik": r.loglik,
        "aic": r.aic,
        "aicc": r.aicc,
        "bic": r.bic,
        "fallback": r.fallback,
        "history": {
            "periods": series.history.len(),
            "first": series.history.first().map(|d| d.to_string()),
            "last": series.history.last().map(|d| d.to_string()),
        },
        "forecast": horizons,
    });
    if let Some(name) = series.name {
        doc["name"] = json!(name);
    }
    doc
}

/// Writes the forecasts as CSV with a header (`series,period,model,forecast`, then
/// `lower_L,upper_L` per level in `levels`), one row per series and future period, through
/// Arrow's CSV writer (quoting as RFC 4180 needs it). Numbers are written in their shortest
/// form that reads back exactly (`8`, not `8.0`).
///
/// # Errors
///
/// [`ReportError::Arrow`] when `out` fails.
pub fn write_forecast_csv(
    out: impl Write,
    series: &[SeriesView<'_>],
    levels: &[f64],
) -> Result<(), ReportError> {
    let mut names = vec![
        "series".to_string(),
        "period".into(),
        "model".into(),
        "forecast".into(),
    ];
    for level in levels {
        names.push(format!("lower_{level}"));
        names.push(format!("upper_{level}"));
    }
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for s in series {
        let r = s.result;
        for (h, period) in s.future.iter().enumerate() {
            let mut cells = vec![
                s.key.to_string(),
                period.to_string(),
                r.model.clone(),
                r.forecast.point[h].to_string(),
            ];
            for interval in &r.forecast.intervals {
                cells.push(interval.lower[h].to_string());
                cells.push(interval.upper[h].to_string());
            }
            for (column, cell) in columns.iter_mut().zip(cells) {
                column.push(cell);
            }
        }
    }
    let schema = Schema::new(
        names
            .iter()
            .map(|name| Field::new(name, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    );
    let arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|column| Arc::new(StringArray::from(column)) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(Arc::new(schema), arrays)?;
    arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(out)
        .write(&batch)
        .map_err(ReportError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retail_forecast::{Frequency, ModelChoice, forecast_series, future_periods};

    fn month(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, 1).unwrap()
    }

    /// The naive forecast of 5, 6, 7, 8 (January to April 2020): 8 for May and June.
    struct Naive {
        history: Vec<NaiveDate>,
        result: SeriesForecast,
        future: Vec<NaiveDate>,
    }

    impl Naive {
        fn new() -> Naive {
            let history: Vec<NaiveDate> = (1..=4).map(month).collect();
            let choice: ModelChoice = "naive".parse().unwrap();
            let result = forecast_series(&[5.0, 6.0, 7.0, 8.0], choice, 12, 2, &[0.8]).unwrap();
            let future = future_periods(&history, Some(Frequency::Month), 2).unwrap();
            Naive {
                history,
                result,
                future,
            }
        }

        fn view<'a>(&'a self, key: &'a str) -> SeriesView<'a> {
            SeriesView {
                name: None,
                key,
                history: &self.history,
                result: &self.result,
                future: &self.future,
            }
        }
    }

    #[test]
    fn a_table_per_series_with_money_and_the_levels() {
        let naive = Naive::new();
        let view = naive.view("total");
        // 8 ± 1.2816 σ √h with σ = 1, the step of the history.
        assert_eq!(
            forecast_table(&view, &[80.0]).render(),
            "total: Naive on 4 periods (2020-01-01 to 2020-04-01)\n\
             \x20 period      forecast  80% low  80% high\n\
             \x20 ──────────  ────────  ───────  ────────\n\
             \x20 2020-05-01      8.00     6.72      9.28\n\
             \x20 2020-06-01      8.00     6.19      9.81\n"
        );
    }

    #[test]
    fn json_holds_the_model_the_history_and_each_period() {
        let naive = Naive::new();
        let view = naive.view("total");
        let json = forecast_json(&view, &[80.0]);
        assert_eq!(json["key"], "total");
        assert_eq!(json["model"], "Naive");
        assert_eq!(json["history"]["periods"], 4);
        assert_eq!(json["history"]["first"], "2020-01-01");
        assert_eq!(json["history"]["last"], "2020-04-01");
        assert_eq!(json["forecast"][1]["period"], "2020-06-01");
        assert_eq!(json["forecast"][1]["forecast"], 8.0);
        assert_eq!(
            json["forecast"][0]["lower_80"],
            naive.result.forecast.intervals[0].lower[0]
        );
    }

    #[test]
    fn csv_quotes_what_needs_quotes_and_writes_numbers_shortest() {
        let naive = Naive::new();
        let view = naive.view("Bags, \"jumbo\"");
        let mut out = Vec::new();
        write_forecast_csv(&mut out, &[view], &[80.0]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let interval = &naive.result.forecast.intervals[0];
        assert_eq!(
            text,
            format!(
                "series,period,model,forecast,lower_80,upper_80\n\
                 \"Bags, \"\"jumbo\"\"\",2020-05-01,Naive,8,{},{}\n\
                 \"Bags, \"\"jumbo\"\"\",2020-06-01,Naive,8,{},{}\n",
                interval.lower[0], interval.upper[0], interval.lower[1], interval.upper[1]
            )
        );
        assert!((interval.lower[0] - 6.718_448).abs() < 1e-6, "{text}");
    }
}
