//! The KPI suite over Online Retail (the full file when `../shared/data` is present, else the
//! embedded sample) and its synthetic scale-ups; data is loaded outside the timed code.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use retail_ingest::{IngestParams, read_transactions, samples, synth};
use retail_metrics::{KpiParams, KpiSuite, sales_context};

fn kpis(c: &mut Criterion) {
    let options = IngestParams::default();
    let (batches, label) = match retail_benches::online_retail_csv_gz() {
        Some(path) => (
            read_transactions(&path, &options).expect("ingest").batches,
            "online_retail_541909",
        ),
        None => (
            samples::open("s", samples::ONLINE_RETAIL, &options)
                .expect("sample")
                .collect::<Result<Vec<_>, _>>()
                .expect("ingest"),
            "online_retail_sample_99096",
        ),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("kpi_suite");
    group.sample_size(10);
    let sizes: Vec<(String, Vec<_>)> = vec![
        (label.to_string(), batches.clone()),
        (
            "scale_up_2000000".to_string(),
            synth::scale_up(&batches, 2_000_000),
        ),
    ];
    for (name, data) in sizes {
        let ctx = sales_context(data).expect("context");
        group.bench_function(format!("all/{name}"), |b| {
            b.iter(|| {
                black_box(
                    runtime
                        .block_on(KpiSuite::run(&ctx, &KpiParams::default()))
                        .expect("suite")
                        .tables
                        .len(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, kpis);
criterion_main!(benches);
