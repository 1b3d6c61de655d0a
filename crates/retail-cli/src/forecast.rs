//! `retail forecast`: sales series from transactions (or a plain dated series), a model per
//! series, forecasts with intervals.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use clap::Args;
use retail_forecast::series::{DatedSeries, Gaps, read_future_regressors, read_series_csv_with};
use retail_forecast::{
    DEFAULT_MAX_HORIZON, DEFAULT_MAX_PERIODS, ForecastError, Frequency, GroupBy, Limits,
    ModelChoice, Regressors, SeriesBuilder, forecast_many_with_limits,
    forecast_series_with_regressors_and_limits,
};
use retail_report::text::forecast::{
    SeriesView, forecast_json, forecast_table, write_forecast_csv,
};
use serde_json::json;

use crate::input::{ReadArgs, load_sliced};
use crate::output::Format;
use crate::progress::Progress;
use crate::slice::{CustomerSliceArg, SliceArgs};

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Transaction files; none reads the embedded Online Retail sample.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    slice: SliceArgs,
    #[command(flatten)]
    customers: CustomerSliceArg,
    /// A plain two-column (date,value) series instead of transactions; columns after the
    /// value (named by a header) are external regressors for ARIMA (price, promotion …).
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["files", "by", "freq", "partition"])]
    series: Option<PathBuf>,
    /// With --series and regressors: their values over the forecast periods (header
    /// date,<the regressors' names>; rows from the period after the series' last date).
    #[arg(long, value_name = "FILE.csv", requires = "series")]
    future: Option<PathBuf>,
    /// One series per category, sub-category, region, country, segment or product (the
    /// largest `--top` of them), or the total.
    #[arg(long, value_name = "GROUP", default_value = "total")]
    by: String,
    /// With `--by product`: forecast every product; postage, fees and adjustments are left
    /// out by default (docs/schema.md).
    #[arg(long)]
    all_products: bool,
    /// Period length: day, week (ISO, Monday start) or month.
    #[arg(long, value_name = "FREQ", default_value = "week")]
    freq: String,
    /// Periods to forecast (at most --max-horizon).
    #[arg(long, value_name = "N", default_value_t = 12)]
    horizon: usize,
    /// The largest --horizon accepted (docs/forecast.md, "Limits").
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_HORIZON)]
    max_horizon: usize,
    /// The most periods the sales data may span (first to last date) when building series
    /// from transactions: a mistyped year fails fast instead of making a huge series.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PERIODS, conflicts_with = "series")]
    max_periods: usize,
    /// With --series: read a file with missing periods or irregular spacing as it is (a
    /// warning names the first offending line) instead of rejecting it.
    #[arg(long, requires = "series")]
    allow_gaps: bool,
    /// auto, ets, arima, naive, snaive, theta (R's thetaf), autotheta (or stm, otm, dstm,
    /// dotm), croston, croston-sba, croston-opt, tsb, adida, imapa (intermittent demand), an
    /// ETS specification such as AAdM or an ARIMA order such as (0,1,1)(0,1,1)12.
    #[arg(long, value_name = "MODEL", default_value = "auto")]
    model: String,
    /// Season length (default: 7 daily, 52 weekly, 12 monthly, 4 quarterly).
    #[arg(long, value_name = "M")]
    season_length: Option<usize>,
    /// Prediction interval levels in percent, comma-separated.
    #[arg(
        long,
        value_name = "LEVELS",
        default_value = "80,95",
        value_delimiter = ','
    )]
    level: Vec<f64>,
    /// With --by: forecast the largest N groups.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Worker threads (default, or 0: all cores).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// With --by: fit only partition K of N of the groups (0-based; the groups ranked by sales
    /// and dealt round-robin), one task of a distributed map (docs/distributed.md). The N
    /// outputs together hold exactly the series of one run without it.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    partition: Option<(usize, usize)>,
    /// Output format: a table per series; JSON with every series' model, parameters,
    /// criteria and forecast; CSV with one row per series and period (key, period, model,
    /// forecast, bounds).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

fn parse_partition(text: &str) -> std::result::Result<(usize, usize), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("'{text}' is not K/N (such as 0/4)"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("'{k}' is not a partition number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("'{n}' is not a partition count"))?;
    if n == 0 || k >= n {
        return Err(format!(
            "partition {k} of {n}: K must be 0 to N-1 and N at least 1"
        ));
    }
    Ok((k, n))
}

struct Input {
    key: String,
    periods: Vec<NaiveDate>,
    values: Vec<f64>,
}

pub fn run(args: &ForecastArgs, out: &mut impl Write) -> Result<()> {
    if args.horizon == 0 {
        bail!("--horizon must be at least 1");
    }
    let limits = Limits::default().with_max_horizon(args.max_horizon);
    if let Err(err) = limits.check_horizon(args.horizon) {
        bail!(
            "--horizon {}: {err} (--max-horizon raises the limit)",
            args.horizon
        );
    }
    let choice: ModelChoice = args.model.parse()?;
    // --level is in percent for people; the libraries take fractions (0.8 for 80 %).
    if let Some(bad) = args.level.iter().find(|l| !(**l > 0.0 && **l < 100.0)) {
        bail!("bad --level: {bad} is not a percentage strictly between 0 and 100");
    }
    let levels: Vec<f64> = args.level.iter().map(|l| l / 100.0).collect();
    let mut regressors: Option<Regressors> = None;
    let (inputs, freq, season_length, description) = match &args.series {
        Some(path) => {
            if !args.slice.slice_with(&args.customers)?.is_everything() {
                bail!(
                    "--series {}: the slice flags (--from, --to, --where, --country, ...) select \
                     sales lines; a series file has none",
                    path.display()
                );
            }
            let DatedSeries {
                dates,
                values,
                season_length,
                regressors: columns,
                irregular,
            } = read_series_csv_with(path, Gaps::Allow)?;
            if let Some(irregular) = irregular {
                let more = match irregular.count {
                    1 => String::new(),
                    2 => "; 1 more such date".to_string(),
                    n => format!("; {} more such dates", n - 1),
                };
                let place = format!("{}:{}:1", path.display(), irregular.line);
                if !args.allow_gaps {
                    bail!(
                        "{place}: {}{more} (--allow-gaps reads the series as it is)",
                        irregular.message
                    );
                }
                crate::note!(
                    "retail: warning: {place}: {}{more}; read as it is (--allow-gaps)",
                    irregular.message
                );
            }
            match (&args.future, columns.is_empty()) {
                (Some(future), false) => {
                    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
                    let history =
                        ndarray::Array2::from_shape_fn((values.len(), columns.len()), |(t, j)| {
                            columns[j].1[t]
                        });
                    let periods = retail_forecast::future_periods(&dates, None, args.horizon)
                        .map_err(|e| anyhow::Error::new(e).context("bad --horizon"))?;
                    regressors = Some(Regressors {
                        future: read_future_regressors(future, &names, &periods)?,
                        names,
                        history,
                    });
                }
                (None, false) => bail!(
                    "{} has regressor columns ({}): give their future values with --future \
                     FILE.csv",
                    path.display(),
                    columns
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                (Some(future), true) => bail!(
                    "--future {}: {} has no regressor columns (date,value only)",
                    future.display(),
                    path.display()
                ),
                (None, true) => {}
            }
            let m = args.season_length.unwrap_or(season_length);
            let key = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "series".into());
            let description = format!("{} ({} values)", path.display(), values.len());
            (
                vec![Input {
                    key,
                    periods: dates,
                    values,
                }],
                None,
                m,
                description,
            )
        }
        None => {
            let freq: Frequency = args.freq.parse()?;
            let by: GroupBy = args.by.parse()?;
            let mut progress = Progress::new(1);
            progress.step("reading");
            let slice = args.slice.slice_with(&args.customers)?;
            let read = if by == GroupBy::Product {
                args.read.merchandise_unless(args.all_products)
            } else {
                args.read.clone()
            };
            let (batches, _) = load_sliced(&args.files, &read, &slice)?;
            progress.finish();
            let set = SeriesBuilder::new(freq, by)
                .with_max_periods(args.max_periods)
                .build(&batches)
                .map_err(|err| match err {
                    ForecastError::InvalidParameter {
                        parameter: "max_periods",
                        ..
                    } => anyhow!("{err} (--max-periods raises the limit)"),
                    err => err.into(),
                })?;
            if set.series.is_empty() {
                bail!("no completed sales in the input: nothing to forecast");
            }
            if !set.partial_periods.is_empty() {
                crate::note!(
                    "retail: dropped {} partial {freq}(s) at the edges of the data ({} lines): \
                     starting {}",
                    set.partial_periods.len(),
                    set.lines_in_partial_periods,
                    set.partial_periods
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let groups = set.series.len();
            let (part, parts) = args.partition.unwrap_or((0, 1));
            let inputs: Vec<Input> = set
                .into_partition(args.top, part, parts)
                .map_err(|err| match err {
                    ForecastError::InvalidParameter {
                        parameter: "partition",
                        ..
                    } if by == GroupBy::Total => {
                        anyhow!("--partition splits the groups of --by; the total is one series")
                    }
                    err => err.into(),
                })?
                .into_iter()
                .map(|s| Input {
                    key: s.key,
                    periods: s.periods,
                    values: s.values,
                })
                .collect();
            let description = format!(
                "completed sales per {freq}{}",
                if by == GroupBy::Total {
                    String::new()
                } else {
                    format!(
                        ", the largest {} of {groups} groups by {}{}",
                        args.top.max(1).min(groups),
                        args.by,
                        if parts > 1 {
                            format!(" (partition {part} of {parts}: {} series)", inputs.len())
                        } else {
                            String::new()
                        }
                    )
                }
            );
            (
                inputs,
                Some(freq),
                args.season_length.unwrap_or(freq.season_length()),
                description,
            )
        }
    };
    if season_length == 0 {
        bail!("--season-length must be at least 1");
    }
    let series: Vec<Vec<f64>> = inputs.iter().map(|i| i.values.clone()).collect();
    let mut progress = Progress::new(1);
    progress.step(&format!("fitting {} series", series.len()));
    let results = match &regressors {
        Some(regressors) => vec![forecast_series_with_regressors_and_limits(
            &series[0],
            choice,
            season_length,
            args.horizon,
            &levels,
            regressors,
            &limits,
        )],
        None => forecast_many_with_limits(
            &series,
            choice,
            season_length,
            args.horizon,
            &levels,
            args.threads,
            &limits,
        ),
    };
    progress.finish();
    let mut rows = Vec::new();
    for (input, result) in inputs.iter().zip(results) {
        let result = result
            .with_context(|| format!("series {}: {} could not be fitted", input.key, args.model))?;
        if let Some(reason) = &result.fallback {
            crate::note!(
                "retail: series {}: naive forecast instead ({reason})",
                input.key
            );
        }
        let future = retail_forecast::future_periods(&input.periods, freq, args.horizon)
            .map_err(|e| anyhow::Error::new(e).context("bad --horizon"))?;
        rows.push((input, result, future));
    }
    let views: Vec<SeriesView<'_>> = rows
        .iter()
        .map(|(input, result, future)| SeriesView {
            key: &input.key,
            history: &input.periods,
            result,
            future,
        })
        .collect();
    match args.format {
        Format::Json => {
            let series: Vec<_> = views
                .iter()
                .map(|v| forecast_json(v, &args.level))
                .collect();
            serde_json::to_writer_pretty(
                &mut *out,
                &json!({
                    "input": description,
                    "frequency": freq.map(|f| f.to_string()),
                    "season_length": season_length,
                    "horizon": args.horizon,
                    "levels": args.level,
                    "series": series,
                }),
            )?;
            writeln!(out)?;
        }
        Format::Csv => write_forecast_csv(&mut *out, &views, &args.level)?,
        Format::Table => {
            writeln!(out, "Forecast of {description}\n")?;
            for view in &views {
                writeln!(out, "{}", forecast_table(view, &args.level).render())?;
            }
        }
    }
    Ok(())
}
