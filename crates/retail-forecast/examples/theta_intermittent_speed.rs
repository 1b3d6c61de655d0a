//! Times the Theta and intermittent-demand models per series, one thread, on deterministic
//! synthetic weekly series (156 weeks): the smooth ones of `synthetic::weekly_series(count,
//! 156, 2026)` for Theta (season 52), and the same series thinned to about one selling week
//! in three for the intermittent models. `--write-smooth FILE` and `--write-intermittent FILE`
//! write them (`unique_id,ds,y`) for benches/compare_theta_intermittent.py; each line printed
//! is `model series seconds` (fits and 12-week point forecasts, no intervals).
//!
//! ```text
//! cargo run --release -p retail-forecast --example theta_intermittent_speed -- --series 1000
//! ```

use std::io::Write;
use std::time::Instant;

use retail_forecast::synthetic::weekly_series;
use retail_forecast::{Fit, Intermittent, IntermittentMethod, PredictLevels, Theta, ThetaVariant};

/// Keeps about one value in three (a fixed 64-bit LCG per series), rounded to whole units.
fn thin(series: &[Vec<f64>]) -> Vec<Vec<f64>> {
    series
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut state = 0x2545_F491_4F6C_DD1Du64 ^ (k as u64 + 1);
            s.iter()
                .map(|v| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                    if u < 1.0 / 3.0 {
                        (v / 100.0).round().max(1.0)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

fn write(path: &str, series: &[Vec<f64>]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "unique_id,ds,y")?;
    for (k, s) in series.iter().enumerate() {
        for (t, v) in s.iter().enumerate() {
            writeln!(out, "{k},{t},{v}")?;
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let count: usize = value("--series").map_or(Ok(1000), |v| v.parse())?;
    let smooth = weekly_series(count, 156, 2026);
    let sparse = thin(&smooth);
    if let Some(path) = value("--write-smooth") {
        write(path, &smooth)?;
    }
    if let Some(path) = value("--write-intermittent") {
        write(path, &sparse)?;
    }
    let time = |name: &str, series: &[Vec<f64>], fit: &dyn Fn(&[f64]) -> f64| {
        let start = Instant::now();
        let mut total = 0.0;
        for s in series {
            total += fit(s);
        }
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{name:18} {:5} {seconds:9.4}  mean first forecast {:.4}",
            series.len(),
            total / series.len() as f64
        );
    };
    let theta = |model: Theta| {
        move |y: &[f64]| {
            model
                .fit(y)
                .and_then(|f| f.predict_levels(12, &[]))
                .map_or(f64::NAN, |f| f.point[0])
        }
    };
    time(
        "thetaf",
        &smooth,
        &theta(Theta::new(ThetaVariant::Classic, 52)?),
    );
    time("AutoTheta", &smooth, &theta(Theta::auto(52)?));
    for (name, method) in [
        ("CrostonClassic", IntermittentMethod::Croston),
        ("CrostonSBA", IntermittentMethod::CrostonSba),
        ("CrostonOptimized", IntermittentMethod::CrostonOptimized),
        ("TSB", IntermittentMethod::tsb(0.1, 0.1)?),
        ("ADIDA", IntermittentMethod::Adida),
        ("IMAPA", IntermittentMethod::Imapa),
    ] {
        let model = Intermittent::new(method)?;
        time(name, &sparse, &|y| {
            model
                .fit(y)
                .and_then(|f| f.predict_levels(12, &[]))
                .map_or(f64::NAN, |f| f.point[0])
        });
    }
    Ok(())
}
