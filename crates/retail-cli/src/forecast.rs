//! `retail forecast`: sales series from transactions (or a plain dated series), a model per
//! series, forecasts with intervals.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use retail_forecast::{
    DEFAULT_MAX_HORIZON, DEFAULT_MAX_PERIODS, ForecastError, ForecastParams, Frequency, Gaps,
    GroupBy, Limits, Measure, ModelChoice, Reconciliation, SeriesBacktest, SeriesBuilder,
    SeriesFile,
};
use retail_report::text::backtest::{
    backtest_json, reconciled_table, series_table, summarize, summary_table,
};
use retail_report::text::forecast::{
    SeriesView, forecast_json, forecast_table, write_forecast_csv,
};
use serde_json::json;

use crate::input::{ReadArgs, for_each_batch};
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
    /// What each series sums per period: revenue (of completed sales), units (sold) or
    /// net-revenue (sales minus cancellations and adjustments).
    #[arg(
        long,
        value_name = "MEASURE",
        default_value = "revenue",
        conflicts_with = "series"
    )]
    measure: String,
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
    /// auto (per series, the best of ETS, ARIMA, Theta and their mean, or of the
    /// intermittent-demand methods, by cross-validation), ensemble (the mean of ETS, ARIMA and
    /// Theta), ets, arima, arima-boxcox (on the Box-Cox scale, positive series), naive, snaive, theta (R's thetaf), autotheta (or stm, otm, dstm,
    /// dotm), croston, croston-sba, croston-opt, tsb, adida, imapa (intermittent demand), an
    /// ETS specification such as AAdM or an ARIMA order such as (0,1,1)(0,1,1)12.
    #[arg(long, value_name = "MODEL", default_value = "auto")]
    model: String,
    /// Instead of forecasting, score the models on the last K × --horizon periods: K
    /// rolling origins, --horizon apart, each forecasting --horizon periods (MASE, RMSSE and
    /// interval coverage per series and model; --model takes a comma-separated list here).
    #[arg(long, value_name = "K")]
    backtest: Option<usize>,
    /// With --by: make the groups' forecasts add up to the total's: bottom-up (the groups'
    /// stand, the total is their sum) or mint (minimum trace with shrinkage, from the fits'
    /// in-sample errors). Groups beyond --top are summed as one "(other)" group; with
    /// --backtest, MASE per series before and after.
    #[arg(long, value_name = "METHOD", conflicts_with_all = ["series", "partition"])]
    reconcile: Option<String>,
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

/// `auto,theta,(0,1,1)(0,1,1)12` → the three models: commas inside an ARIMA order's
/// parentheses do not separate.
fn split_models(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
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
    // --level is in percent for people; the libraries take fractions (0.8 for 80 %).
    if let Some(bad) = args.level.iter().find(|l| !(**l > 0.0 && **l < 100.0)) {
        bail!("bad --level: {bad} is not a percentage strictly between 0 and 100");
    }
    let choices: Vec<ModelChoice> = split_models(&args.model)
        .into_iter()
        .map(|m| m.parse().map_err(crate::flags::bad_flag))
        .collect::<Result<_>>()?;
    if choices.len() > 1 && args.backtest.is_none() {
        bail!("--model takes one model; several are compared with --backtest K");
    }
    let mut params = ForecastParams::new(choices[0])
        .with_horizon(args.horizon)
        .with_levels(args.level.iter().map(|l| l / 100.0).collect())
        .with_threads(args.threads)
        .with_limits(limits);
    if let Some(season_length) = args.season_length {
        params = params.with_season_length(season_length);
    }
    params.check().map_err(crate::flags::bad_flag)?;
    let reconcile = args
        .reconcile
        .as_deref()
        .map(str::parse::<Reconciliation>)
        .transpose()
        .map_err(crate::flags::bad_flag)?;
    if reconcile.is_some() && choices.len() > 1 {
        bail!("--reconcile backtests one model at a time: give --model one model");
    }
    let (series, regressors, freq, implied_season_length, description, hierarchy) = match &args
        .series
    {
        Some(path) => {
            if !args.slice.slice_with(&args.customers)?.is_everything() {
                bail!(
                    "--series {}: the slice flags (--from, --to, --where, --country, ...) select \
                     sales lines; a series file has none",
                    path.display()
                );
            }
            let file = SeriesFile::read(path, Gaps::Allow, args.future.as_deref(), args.horizon)
                .map_err(crate::flags::bad_flag)?;
            if let Some(irregular) = &file.irregular {
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
            let description = format!("{} ({} values)", path.display(), file.series.values.len());
            let season_length = file.season_length;
            (
                vec![file.series],
                file.regressors,
                None,
                season_length,
                description,
                None,
            )
        }
        None => {
            let freq: Frequency = args.freq.parse()?;
            let by: GroupBy = args.by.parse()?;
            let measure: Measure = args.measure.parse()?;
            let mut progress = Progress::new(1);
            progress.step("reading");
            let slice = args.slice.slice_with(&args.customers)?;
            let read = if by == GroupBy::Product {
                args.read.merchandise_unless(args.all_products)
            } else {
                args.read.clone()
            };
            let builder = SeriesBuilder::new(freq, by)
                .with_measure(measure)
                .with_max_periods(args.max_periods);
            let mut sums = builder.accumulator();
            for_each_batch(&args.files, &read, &slice, &builder.columns(), |batch| {
                Ok(sums.push(batch)?)
            })?;
            progress.finish();
            let set = sums.finish().map_err(|err| match err {
                ForecastError::InvalidParameter {
                    parameter: "max_periods",
                    ..
                } => anyhow!("{err} (--max-periods raises the limit)"),
                err => err.into(),
            })?;
            if set.series.is_empty() {
                bail!(
                    "no {} in the input: nothing to forecast",
                    measure.describe()
                );
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
            if let Some(method) = reconcile {
                if by == GroupBy::Total {
                    bail!(
                        "--reconcile {method} makes groups add up to the total: pass --by \
                         category, region, country, product, ..."
                    );
                }
                let hierarchy = set
                    .into_hierarchy(args.top)
                    .map_err(crate::flags::bad_flag)?;
                let other = hierarchy.parts.last().filter(|p| p.key == "(other)");
                let description = format!(
                    "{} per {freq}: the total and the largest {} of {groups} groups by {}{}, \
                     reconciled ({method})",
                    measure.describe(),
                    hierarchy.parts.len() - usize::from(other.is_some()),
                    args.by,
                    if other.is_some() {
                        ", the others summed as (other)"
                    } else {
                        ""
                    }
                );
                let series = hierarchy.series().cloned().collect();
                (
                    series,
                    None,
                    Some(freq),
                    freq.season_length(),
                    description,
                    Some(hierarchy),
                )
            } else {
                let (part, parts) = args.partition.unwrap_or((0, 1));
                let series =
                    set.into_partition(args.top, part, parts)
                        .map_err(|err| match err {
                            ForecastError::InvalidParameter {
                                parameter: "partition",
                                ..
                            } if by == GroupBy::Total => {
                                anyhow!(
                                    "--partition splits the groups of --by; the total is one series"
                                )
                            }
                            err => err.into(),
                        })?;
                let description = format!(
                    "{} per {freq}{}",
                    measure.describe(),
                    if by == GroupBy::Total {
                        String::new()
                    } else {
                        format!(
                            ", the largest {} of {groups} groups by {}{}",
                            args.top.max(1).min(groups),
                            args.by,
                            if parts > 1 {
                                format!(" (partition {part} of {parts}: {} series)", series.len())
                            } else {
                                String::new()
                            }
                        )
                    }
                );
                (
                    series,
                    None,
                    Some(freq),
                    freq.season_length(),
                    description,
                    None,
                )
            }
        }
    };
    let season_length = params.season_length_or(implied_season_length);
    if let Some(folds) = args.backtest {
        if regressors.is_some() {
            bail!("--backtest scores models without regressors: leave out the regressor columns");
        }
        if let (Some(hierarchy), Some(method)) = (&hierarchy, reconcile) {
            let mut progress = Progress::new(1);
            progress.step(&format!(
                "backtesting {} with {method} reconciliation on {} series",
                args.model,
                series.len()
            ));
            let rows = params
                .backtest_coherent(hierarchy, implied_season_length, folds, method)
                .map_err(crate::flags::bad_flag)?;
            progress.finish();
            return write_reconciled_backtest(out, &rows, args, &description, folds);
        }
        let mut progress = Progress::new(1);
        progress.step(&format!(
            "backtesting {} model(s) on {} series",
            choices.len(),
            series.len()
        ));
        let backtests = params
            .backtest(series, implied_season_length, &choices, folds)
            .map_err(crate::flags::bad_flag)?;
        progress.finish();
        return write_backtests(out, &backtests, args, &description, season_length, folds);
    }
    let mut progress = Progress::new(1);
    progress.step(&format!("fitting {} series", series.len()));
    let (outcomes, reconciliation) = match (hierarchy, reconcile) {
        (Some(hierarchy), Some(method)) => {
            let coherent = params
                .forecast_coherent(hierarchy, freq, implied_season_length, method)
                .map_err(crate::flags::bad_flag)?;
            let info = json!({
                "method": method,
                "shrinkage_lambda": coherent.lambda,
                "base_forecasts": coherent.outcomes.iter().zip(&coherent.base)
                    .map(|(o, b)| json!({"key": o.series.key, "forecast": b}))
                    .collect::<Vec<_>>(),
            });
            (coherent.outcomes, Some(info))
        }
        _ => (
            params
                .forecast(series, freq, implied_season_length, regressors.as_ref())
                .map_err(crate::flags::bad_flag)?,
            None,
        ),
    };
    progress.finish();
    let mut rows = Vec::new();
    for outcome in outcomes {
        let key = &outcome.series.key;
        let result = outcome
            .result
            .with_context(|| format!("series {key}: {} could not be fitted", args.model))?;
        if let Some(reason) = &result.fallback {
            crate::note!("retail: series {key}: naive forecast instead ({reason})");
        }
        rows.push((outcome.series, result, outcome.future));
    }
    let views: Vec<SeriesView<'_>> = rows
        .iter()
        .map(|(series, result, future)| SeriesView {
            key: &series.key,
            name: series.name.as_deref(),
            history: &series.periods,
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
                    "reconciliation": reconciliation,
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

/// `retail forecast --backtest K --reconcile METHOD`: MASE per series before and after, as a
/// table or JSON.
fn write_reconciled_backtest(
    out: &mut impl Write,
    rows: &[retail_forecast::ReconciledBacktest],
    args: &ForecastArgs,
    description: &str,
    folds: usize,
) -> Result<()> {
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &json!({
                    "input": description,
                    "model": args.model,
                    "horizon": args.horizon,
                    "origins": folds,
                    "series": rows,
                }),
            )?;
            writeln!(out)?;
        }
        Format::Csv => bail!("--backtest writes a table or JSON (--format json)"),
        Format::Table => {
            let title = format!(
                "Backtest of {description}: model {}, {folds} origin(s), {} periods ahead each \
                 (MASE: the error over the in-sample error of the naive forecast; below 1 beats \
                 it)",
                args.model, args.horizon
            );
            write!(out, "{}", reconciled_table(rows, &title).render())?;
        }
    }
    Ok(())
}

/// `retail forecast --backtest K`: a table per series and a summary per model, or JSON.
fn write_backtests(
    out: &mut impl Write,
    backtests: &[SeriesBacktest],
    args: &ForecastArgs,
    description: &str,
    season_length: usize,
    folds: usize,
) -> Result<()> {
    let summaries = summarize(backtests, args.level.len());
    match args.format {
        Format::Json => {
            let mut doc = backtest_json(backtests, &args.level);
            doc["input"] = json!(description);
            doc["season_length"] = json!(season_length);
            doc["horizon"] = json!(args.horizon);
            doc["origins"] = json!(folds);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        Format::Csv => bail!("--backtest writes a table or JSON (--format json)"),
        Format::Table => {
            writeln!(
                out,
                "Backtest of {description}: {folds} origin(s), {} periods ahead each\n",
                args.horizon
            )?;
            for backtest in backtests {
                writeln!(out, "{}", series_table(backtest, &args.level).render())?;
            }
            let title = "Every series (MASE and RMSSE: the error over the in-sample error of the \
                         naive forecast, seasonal with more than a season of history; below 1 \
                         beats it)";
            write!(
                out,
                "{}",
                summary_table(&summaries, &args.level, title).render()
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn model_lists_split_outside_parentheses() {
        assert_eq!(
            super::split_models("auto,theta,(0,1,1)(0,1,1)[12],AAdM"),
            ["auto", "theta", "(0,1,1)(0,1,1)[12]", "AAdM"]
        );
        assert_eq!(super::split_models("(2,0,0)"), ["(2,0,0)"]);
    }
}
