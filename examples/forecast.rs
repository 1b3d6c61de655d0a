//! Forecast weekly sales from transactions, the way an embedding application would: build the
//! weekly series from the canonical table, let the automatic choice pick a model, and print
//! the next weeks with 80 % and 95 % intervals.
//!
//! ```sh
//! cargo run --example forecast                 # the embedded Superstore sample
//! cargo run --example forecast -- sales.csv.gz
//! ```

use retail_forecast::{Frequency, GroupBy, ModelChoice, SeriesBuilder, forecast_series};
use retail_ingest::{IngestParams, read_transactions, samples};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = IngestParams::default();
    let batches = match std::env::args().nth(1) {
        Some(file) => read_transactions(&file, &options)?.batches,
        None => samples::open("superstore.csv.gz", samples::SUPERSTORE, &options)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    // Completed sales per ISO week, zero-filled; partial weeks at the edges are left out.
    let set = SeriesBuilder::new(Frequency::Week, GroupBy::Total).build(&batches)?;
    let series = set.series.first().ok_or("no completed sales")?;
    let horizon = 8;
    let result = forecast_series(
        &series.values,
        ModelChoice::Auto,
        Frequency::Week.season_length(),
        horizon,
        &[0.8, 0.95],
    )?;
    println!(
        "{} weeks from {}; model {}",
        series.values.len(),
        series.periods[0],
        result.model
    );
    let mut week = *series.periods.last().ok_or("empty series")?;
    for h in 0..horizon {
        week = Frequency::Week.next(week);
        let (i80, i95) = (&result.forecast.intervals[0], &result.forecast.intervals[1]);
        println!(
            "{week}  {:>10.0}  80%: [{:>9.0}, {:>9.0}]  95%: [{:>9.0}, {:>9.0}]",
            result.forecast.point[h], i80.lower[h], i80.upper[h], i95.lower[h], i95.upper[h]
        );
    }
    Ok(())
}
