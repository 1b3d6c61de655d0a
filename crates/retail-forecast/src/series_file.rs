//! Plain dated series read from files: `date,value[,regressor…]` CSVs ([`read_series_csv`]),
//! the regressors' future values ([`read_future_regressors`]), and both together as a series
//! ready to forecast ([`SeriesFile`]).

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::ForecastError;
use crate::model::Regressors;
use crate::series::{SalesSeries, future_periods};
use crate::spacing::Irregularity;

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

/// A plain dated series read from a `date,value[,regressor…]` file, ready to forecast: the
/// series keyed by the file's name, the season length its dates imply, and its regressors with
/// their future values.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesFile {
    /// The series, keyed by the file's stem (`sales` for `sales.csv`).
    pub series: SalesSeries,
    /// The season length the spacing of the dates implies.
    pub season_length: usize,
    /// The regressors over the history and the forecast periods, when the file has any.
    pub regressors: Option<Regressors>,
    /// With [`Gaps::Allow`], the first date that does not follow its predecessor by one step.
    pub irregular: Option<Irregularity>,
}

impl SeriesFile {
    /// Reads `path` ([`read_series_csv_with`] with `gaps`) and, when it has regressor
    /// columns, their values over the `horizon` forecast periods from `future`
    /// ([`read_future_regressors`]).
    ///
    /// # Errors
    ///
    /// The errors of [`read_series_csv_with`] and [`read_future_regressors`];
    /// [`ForecastError::InvalidParameter`] naming `future` when the file has regressor
    /// columns and `future` is `None`, or has none and `future` is given; `horizon` when the
    /// forecast periods run past the calendar.
    pub fn read(
        path: &Path,
        gaps: Gaps,
        future: Option<&Path>,
        horizon: usize,
    ) -> Result<SeriesFile, ForecastError> {
        let DatedSeries {
            dates,
            values,
            season_length,
            regressors: columns,
            irregular,
        } = read_series_csv_with(path, gaps)?;
        let names: Vec<String> = columns.iter().map(|(name, _)| name.clone()).collect();
        let regressors = match (future, names.is_empty()) {
            (Some(future), false) => {
                let history =
                    ndarray::Array2::from_shape_fn((values.len(), columns.len()), |(t, j)| {
                        columns[j].1[t]
                    });
                let periods = future_periods(&dates, None, horizon)?;
                Some(Regressors {
                    future: read_future_regressors(future, &names, &periods)?,
                    names,
                    history,
                })
            }
            (None, false) => {
                return Err(ForecastError::InvalidParameter {
                    parameter: "future",
                    message: format!(
                        "{} has regressor columns ({}): their values over the forecast periods \
                         are needed (a CSV date,{})",
                        path.display(),
                        names.join(","),
                        names.join(",")
                    ),
                });
            }
            (Some(future), true) => {
                return Err(ForecastError::InvalidParameter {
                    parameter: "future",
                    message: format!(
                        "{}: {} has no regressor columns (date,value only)",
                        future.display(),
                        path.display()
                    ),
                });
            }
            (None, true) => None,
        };
        let key = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "series".into());
        Ok(SeriesFile {
            series: SalesSeries {
                key,
                periods: dates,
                values,
                name: None,
            },
            season_length,
            regressors,
            irregular,
        })
    }
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

    #[test]
    fn series_files_with_regressors_need_their_future_values() {
        let dir = std::env::temp_dir().join(format!("retail-job-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sales.csv");
        std::fs::write(
            &path,
            "date,value,promo\n2024-01-01,5,0\n2024-02-01,6,1\n2024-03-01,7,0\n",
        )
        .unwrap();
        let err = SeriesFile::read(&path, Gaps::Reject, None, 2).unwrap_err();
        assert!(
            matches!(
                err,
                ForecastError::InvalidParameter {
                    parameter: "future",
                    ..
                }
            ),
            "{err}"
        );
        let future = dir.join("future.csv");
        std::fs::write(&future, "date,promo\n2024-04-01,1\n2024-05-01,0\n").unwrap();
        let file = SeriesFile::read(&path, Gaps::Reject, Some(&future), 2).unwrap();
        assert_eq!(file.series.key, "sales");
        assert_eq!(file.series.values, [5.0, 6.0, 7.0]);
        assert_eq!(file.season_length, 12);
        let regressors = file.regressors.unwrap();
        assert_eq!(regressors.names, ["promo"]);
        assert_eq!(regressors.history.column(0).to_vec(), [0.0, 1.0, 0.0]);
        assert_eq!(regressors.future.column(0).to_vec(), [1.0, 0.0]);
        let plain = dir.join("plain.csv");
        std::fs::write(&plain, "date,value\n2024-01-01,5\n2024-02-01,6\n").unwrap();
        assert!(SeriesFile::read(&plain, Gaps::Reject, Some(&future), 2).is_err());
        let file = SeriesFile::read(&plain, Gaps::Reject, None, 2).unwrap();
        assert!(file.regressors.is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
