//! `augurs-peer SERIES.csv N`: fits augurs-ets' `AutoETS::non_seasonal()` (its `ZZN` search)
//! to each of the first N series of a `unique_id,ds,y` file, one at a time, after one warm-up
//! fit, and prints one JSON document: per series the fit's seconds (the loop is
//! single-threaded), the chosen model in R's notation, log-likelihood, AICc, 12 point
//! forecasts and the in-sample fitted values (for the caller's likelihood check).

use std::collections::BTreeMap;
use std::time::Instant;

use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;

const HORIZON: usize = 12;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, count] = args.as_slice() else {
        return Err("usage: augurs-peer SERIES.csv N".into());
    };
    let count: usize = count.parse()?;
    let text = std::fs::read_to_string(path)?;
    let mut series: BTreeMap<u64, Vec<(u64, f64)>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [id, ds, y] = fields.as_slice() else {
            return Err(format!("{path}:{}: expected unique_id,ds,y", i + 1).into());
        };
        series
            .entry(id.parse()?)
            .or_default()
            .push((ds.parse()?, y.parse()?));
    }
    let series: Vec<(u64, Vec<f64>)> = series
        .into_iter()
        .take(count)
        .map(|(id, mut points)| {
            points.sort_by_key(|p| p.0);
            (id, points.into_iter().map(|p| p.1).collect())
        })
        .collect();
    if let Some((_, y)) = series.first() {
        AutoETS::non_seasonal().fit(y)?; // warm-up
    }
    let mut results = Vec::new();
    for (id, y) in &series {
        let start = Instant::now();
        let fitted = AutoETS::non_seasonal().fit(y)?;
        let seconds = start.elapsed().as_secs_f64();
        let model = fitted.model();
        let kind = model.model_type();
        let trend = kind.trend.to_string();
        let name = format!(
            "ETS({},{}{},{})",
            kind.error,
            trend,
            if model.damped() { "d" } else { "" },
            kind.season
        );
        let forecast = fitted.predict(HORIZON, None)?.point;
        let in_sample = fitted.predict_in_sample(None)?.point;
        results.push(format!(
            "{{\"id\":{id},\"cpu\":{seconds:?},\"model\":\"{name}\",\"loglik\":{:?},\"aicc\":{:?},\
             \"forecast\":{},\"fitted\":{}}}",
            model.log_likelihood(),
            model.aicc(),
            json_floats(&forecast),
            json_floats(&in_sample)
        ));
    }
    println!(
        "{{\"version\":\"augurs-ets 0.10.3\",\"results\":[{}]}}",
        results.join(",")
    );
    Ok(())
}

/// A JSON array of floats (NaN and infinities as Python's json reads them).
fn json_floats(values: &[f64]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|v| {
            if v.is_finite() {
                format!("{v:?}")
            } else if v.is_nan() {
                "NaN".into()
            } else if *v > 0.0 {
                "Infinity".into()
            } else {
                "-Infinity".into()
            }
        })
        .collect();
    format!("[{}]", items.join(","))
}
