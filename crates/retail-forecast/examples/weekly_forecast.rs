//! Times automatic ETS and ARIMA on deterministic synthetic weekly series (156 weeks, season
//! 52), one thread, and optionally writes the series for the peers' side of the comparison.
//!
//! ```text
//! cargo run --release -p retail-forecast --example weekly_forecast -- --series 1000 --write /tmp/weekly.csv
//! ```

use std::io::Write;
use std::time::Instant;

use retail_forecast::synthetic::weekly_series;
use retail_forecast::{AutoArima, AutoEts, Fit};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let count: usize = value("--series").map_or(Ok(1000), |v| v.parse())?;
    // Fewer series for the slower searches: --seasonal-series N, --arima-series N.
    let arima_count: usize = value("--arima-series").map_or(Ok(count), |v| v.parse())?;
    let series = weekly_series(count, 156, 2026);
    if let Some(path) = value("--write") {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(out, "unique_id,ds,y")?;
        for (k, s) in series.iter().enumerate() {
            for (t, v) in s.iter().enumerate() {
                writeln!(out, "{k},{t},{v}")?;
            }
        }
    }
    let time = |name: &str, n: usize, f: &dyn Fn(&[f64]) -> String| {
        let start = Instant::now();
        let mut models = std::collections::BTreeMap::<String, usize>::new();
        for s in series.iter().take(n) {
            *models.entry(f(s)).or_default() += 1;
        }
        let seconds = start.elapsed().as_secs_f64();
        let mut top: Vec<_> = models.into_iter().collect();
        top.sort_by_key(|b| std::cmp::Reverse(b.1));
        top.truncate(3);
        println!(
            "{name:32} {n:5} series {seconds:8.2} s  {:8.1} series/s  top models {top:?}",
            n as f64 / seconds
        );
    };
    time("auto ETS, non-seasonal", count, &|y| {
        AutoEts::new(1)
            .and_then(|m| m.fit(y))
            .map_or_else(|e| e.to_string(), |f| f.spec.to_string())
    });
    let seasonal_count: usize = value("--seasonal-series").map_or(Ok(count), |v| v.parse())?;
    time("auto ETS, season 52", seasonal_count, &|y| {
        AutoEts::new(52)
            .and_then(|m| m.fit(y))
            .map_or_else(|e| e.to_string(), |f| f.spec.to_string())
    });
    time("auto ARIMA, season 52", arima_count, &|y| {
        AutoArima::new(52)
            .and_then(|m| m.fit(y))
            .map_or_else(|e| e.to_string(), |f| f.model_name())
    });
    Ok(())
}
