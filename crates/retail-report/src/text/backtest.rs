//! Backtests of forecasting models (`retail_forecast::ForecastParams::backtest`) for people
//! (a table per series and a summary per model) and for programs (JSON).

use retail_forecast::{ReconciledBacktest, SeriesBacktest};
use serde_json::{Value, json};

use super::TextTable;
use crate::format::{num, pct};

/// The scores of one model over every series it could be scored on.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    /// The model choice (`auto`, `theta`, …).
    pub choice: String,
    /// Series scored (with a MASE).
    pub series: usize,
    /// Series that could not be scored (errors, zero scales).
    pub failed: usize,
    /// Mean MASE over the series.
    pub mean_mase: Option<f64>,
    /// Median MASE over the series.
    pub median_mase: Option<f64>,
    /// Mean RMSSE over the series.
    pub mean_rmsse: Option<f64>,
    /// Per level (in the order given), the interval coverage pooled over every series
    /// (each series weighs by its hold-out points, equal for all).
    pub coverage: Vec<Option<f64>>,
    /// Folds in which the naive forecast stood in.
    pub fallbacks: usize,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Per model (in the order of each series' results), the mean and median MASE, mean RMSSE
/// and pooled coverage over the series; `levels` is how many interval levels were asked for.
pub fn summarize(backtests: &[SeriesBacktest], levels: usize) -> Vec<ModelSummary> {
    let models = backtests.first().map_or(0, |b| b.results.len());
    (0..models)
        .map(|j| {
            let mut choice = String::new();
            let (mut mases, mut rmsses) = (Vec::new(), Vec::new());
            let mut coverage = vec![Vec::new(); levels];
            let (mut failed, mut fallbacks) = (0, 0);
            for b in backtests {
                match &b.results[j] {
                    Ok(r) => {
                        choice.clone_from(&r.choice);
                        match r.mase {
                            Some(m) => mases.push(m),
                            None => failed += 1,
                        }
                        rmsses.extend(r.rmsse);
                        for (c, level) in coverage.iter_mut().zip(&r.coverage) {
                            c.push(level.share);
                        }
                        fallbacks += r.fallbacks;
                    }
                    Err(_) => failed += 1,
                }
            }
            ModelSummary {
                choice,
                series: mases.len(),
                failed,
                mean_mase: mean(&mases),
                median_mase: median(&mases),
                mean_rmsse: mean(&rmsses),
                coverage: coverage.iter().map(|c| mean(c)).collect(),
                fallbacks,
            }
        })
        .collect()
}

/// The summary per model as a table; `levels` in percent (the coverage columns' names).
pub fn summary_table(summaries: &[ModelSummary], levels: &[f64], title: &str) -> TextTable {
    let mut headers = vec![
        "model".to_string(),
        "series".into(),
        "mean MASE".into(),
        "median MASE".into(),
        "mean RMSSE".into(),
    ];
    for level in levels {
        headers.push(format!("{level}% covered"));
    }
    headers.push("naive stood in".into());
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut table = TextTable::new(title, &refs).text_columns(&[0]);
    for s in summaries {
        let mut row = vec![
            s.choice.clone(),
            if s.failed > 0 {
                format!("{} ({} failed)", s.series, s.failed)
            } else {
                s.series.to_string()
            },
            num(s.mean_mase),
            num(s.median_mase),
            num(s.mean_rmsse),
        ];
        row.extend(s.coverage.iter().map(|&c| pct(c)));
        row.push(s.fallbacks.to_string());
        table.row(row);
    }
    table
}

/// One series' scores per model as a table (`levels` in percent); a model that could not be
/// scored shows its error.
pub fn series_table(backtest: &SeriesBacktest, levels: &[f64]) -> TextTable {
    let s = &backtest.series;
    let title = format!(
        "{}{}: {} periods",
        s.key,
        s.name
            .as_deref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default(),
        s.values.len()
    );
    let mut headers = vec!["model".to_string(), "MASE".into(), "RMSSE".into()];
    for level in levels {
        headers.push(format!("{level}% covered"));
    }
    headers.push("fitted at the last origin".into());
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let last = headers.len() - 1;
    let mut table = TextTable::new(&title, &refs).text_columns(&[0, last]);
    for result in &backtest.results {
        match result {
            Ok(r) => {
                let mut row = vec![r.choice.clone(), num(r.mase), num(r.rmsse)];
                row.extend(r.coverage.iter().map(|c| pct(Some(c.share))));
                row.push(r.models.last().cloned().unwrap_or_default());
                table.row(row);
            }
            Err(err) => table.note(format!("{err}")),
        }
    }
    table
}

/// Every series' scores per model and the summary, as JSON: `levels` in percent name the
/// coverage keys (`coverage_80`).
pub fn backtest_json(backtests: &[SeriesBacktest], levels: &[f64]) -> Value {
    let coverage = |shares: Vec<Option<f64>>| -> Value {
        levels
            .iter()
            .zip(shares)
            .map(|(level, share)| (format!("coverage_{level}"), json!(share)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let series: Vec<Value> = backtests
        .iter()
        .map(|b| {
            let models: Vec<Value> = b
                .results
                .iter()
                .map(|r| match r {
                    Ok(r) => json!({
                        "model": r.choice,
                        "mase": r.mase,
                        "rmsse": r.rmsse,
                        "coverage": coverage(r.coverage.iter().map(|c| Some(c.share)).collect()),
                        "origins": r.origins,
                        "fitted": r.models,
                        "fallbacks": r.fallbacks,
                    }),
                    Err(err) => json!({"error": err.to_string()}),
                })
                .collect();
            json!({
                "key": b.series.key,
                "name": b.series.name,
                "periods": b.series.values.len(),
                "models": models,
            })
        })
        .collect();
    let summary: Vec<Value> = summarize(backtests, levels.len())
        .into_iter()
        .map(|s| {
            json!({
                "model": s.choice,
                "series": s.series,
                "failed": s.failed,
                "mean_mase": s.mean_mase,
                "median_mase": s.median_mase,
                "mean_rmsse": s.mean_rmsse,
                "coverage": coverage(s.coverage),
                "fallbacks": s.fallbacks,
            })
        })
        .collect();
    json!({"summary": summary, "series": series})
}

/// MASE per series before and after reconciliation (`retail forecast --backtest K
/// --reconcile METHOD`), the total first, and the mean over the series.
pub fn reconciled_table(rows: &[ReconciledBacktest], title: &str) -> TextTable {
    let finite = |v: f64| v.is_finite().then_some(v);
    let mut table = TextTable::new(title, &["series", "MASE before", "MASE after", "change"])
        .text_columns(&[0]);
    let change = |before: f64, after: f64| {
        finite(after / before - 1.0)
            .map_or_else(|| "–".to_string(), |c| format!("{:+.1}%", c * 100.0))
    };
    for r in rows {
        let label = match &r.name {
            Some(name) => format!("{} {name}", r.key),
            None => r.key.clone(),
        };
        table.row(vec![
            label,
            num(finite(r.mase_base)),
            num(finite(r.mase_reconciled)),
            change(r.mase_base, r.mase_reconciled),
        ]);
    }
    let scored: Vec<&ReconciledBacktest> = rows
        .iter()
        .filter(|r| r.mase_base.is_finite() && r.mase_reconciled.is_finite())
        .collect();
    if !scored.is_empty() {
        let n = scored.len() as f64;
        let before = scored.iter().map(|r| r.mase_base).sum::<f64>() / n;
        let after = scored.iter().map(|r| r.mase_reconciled).sum::<f64>() / n;
        table.row(vec![
            format!("mean of {}", scored.len()),
            num(Some(before)),
            num(Some(after)),
            change(before, after),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use retail_forecast::{ForecastParams, ModelChoice, SalesSeries};

    #[test]
    fn the_summary_averages_the_series_scores() {
        // Naive, one origin of one step: 1, 2, 4 → forecast 4 against 7, scale 1.5: MASE 2;
        // 10, 10, 12 → forecast 12 against 12, scale 1: MASE 0.
        let series = |key: &str, values: Vec<f64>| SalesSeries {
            key: key.into(),
            periods: Vec::new(),
            values,
            name: None,
        };
        let backtests = ForecastParams::new(ModelChoice::Naive)
            .with_horizon(1)
            .with_levels(vec![0.8])
            .backtest(
                vec![
                    series("a", vec![1.0, 2.0, 4.0, 7.0]),
                    series("b", vec![10.0, 10.0, 12.0, 12.0]),
                ],
                1,
                &[ModelChoice::Naive],
                1,
            )
            .unwrap();
        let summary = summarize(&backtests, 1);
        assert_eq!(summary.len(), 1);
        assert_eq!(summary[0].choice, "naive");
        assert_eq!(summary[0].series, 2);
        assert!((summary[0].mean_mase.unwrap() - 1.0).abs() < 1e-12);
        assert!((summary[0].median_mase.unwrap() - 1.0).abs() < 1e-12);
        // 7 is outside 4 ± 1.28·√2.5; 12 is the forecast itself.
        assert_eq!(summary[0].coverage, [Some(0.5)]);
        let json = backtest_json(&backtests, &[80.0]);
        assert_eq!(json["summary"][0]["coverage"]["coverage_80"], 0.5);
        assert_eq!(json["series"][1]["models"][0]["mase"], 0.0);
        let text = summary_table(&summary, &[80.0], "Backtest").render();
        assert!(text.contains("naive"), "{text}");
        assert!(text.contains("50.0%"), "{text}");
    }
}
