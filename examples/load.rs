//! Load transaction files into memory as canonical Arrow batches, the way an embedding
//! application would, and print what was loaded as JSON.
//!
//! ```sh
//! cargo run --release --example load -- sales.csv.gz more-sales.parquet
//! ```
//!
//! With no file it loads the embedded Online Retail sample.

use std::time::Instant;

use retail_ingest::{IngestParams, read_transactions, samples};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let options = IngestParams::default();
    let mut loaded = Vec::new();
    if files.is_empty() {
        let start = Instant::now();
        let mut reader = samples::open(
            "online_retail_sample.csv.gz",
            samples::ONLINE_RETAIL,
            &options,
        )?;
        let batches = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
        loaded.push((batches, reader.into_report(), start.elapsed()));
    }
    for file in &files {
        let start = Instant::now();
        let t = read_transactions(file, &options)?;
        loaded.push((t.batches, t.report, start.elapsed()));
    }
    // The tables stay in memory until here, as they would in an application.
    let files: Vec<_> = loaded
        .iter()
        .map(|(batches, report, elapsed)| {
            let bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
            serde_json::json!({
                "source": report.source,
                "layout": report.layout,
                "seconds": elapsed.as_secs_f64(),
                "rows_read": report.rows_read,
                "rows_accepted": report.rows_accepted,
                "rows_rejected": report.rows_rejected,
                "arrow_bytes": bytes,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({ "files": files }))?
    );
    Ok(())
}
