//! CSV (plain and gzip) and Parquet ingest of Online Retail into the canonical schema.
//!
//! Uses the full 541,909-line file of `../shared/data` when present, else the embedded
//! 99,096-line sample. The plain CSV is decompressed to a temporary file outside the timed code.

use std::hint::black_box;
use std::io::{Read, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retail_ingest::{IngestOptions, read_transactions, samples};

fn ingest(c: &mut Criterion) {
    let dir = std::env::temp_dir().join("retail-bench-ingest");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (gz_path, label) = match retail_benches::online_retail_csv_gz() {
        Some(p) => (p, "online_retail_541909"),
        None => {
            let p = dir.join("sample.csv.gz");
            std::fs::write(&p, samples::ONLINE_RETAIL).expect("write sample");
            (p, "online_retail_sample_99096")
        }
    };
    let mut plain = Vec::new();
    flate2_decode(&std::fs::read(&gz_path).expect("read gz"), &mut plain);
    let csv_path = dir.join("online_retail.csv");
    std::fs::File::create(&csv_path)
        .and_then(|mut f| f.write_all(&plain))
        .expect("write csv");

    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(plain.len() as u64));
    for threads in [1, 2] {
        let options = IngestOptions::default()
            .with_threads(threads);
        group.bench_function(format!("csv/{label}/threads={threads}"), |b| {
            b.iter(|| {
                black_box(
                    read_transactions(&csv_path, &options)
                        .expect("ingest")
                        .num_rows(),
                )
            })
        });
    }
    let options = IngestOptions::default();
    group.bench_function(format!("csv_gzip/{label}/threads=2"), |b| {
        b.iter(|| {
            black_box(
                read_transactions(&gz_path, &options)
                    .expect("ingest")
                    .num_rows(),
            )
        })
    });
    if let Some(parquet) = retail_benches::online_retail_parquet() {
        group.bench_function("parquet/online_retail_541909", |b| {
            b.iter(|| {
                black_box(
                    read_transactions(&parquet, &options)
                        .expect("ingest")
                        .num_rows(),
                )
            })
        });
    }
    group.finish();
}

fn flate2_decode(gz: &[u8], out: &mut Vec<u8>) {
    let mut decoder = flate2::read::MultiGzDecoder::new(gz);
    decoder.read_to_end(out).expect("gunzip");
}

criterion_group!(benches, ingest);
criterion_main!(benches);
