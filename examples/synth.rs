//! Writes a deterministic synthetic scale-up of a real transaction file as Parquet of the
//! canonical schema (`retail_ingest::synth::scale_up`).
//!
//! ```sh
//! cargo run --release --example synth -- --rows 10000000 --out /tmp/retail_10m.parquet [SOURCE]
//! ```
//!
//! SOURCE defaults to the full Online Retail file of `../shared/data` when present, else the
//! embedded sample.

use std::path::PathBuf;

use retail_ingest::{IngestParams, read_transactions, samples, synth};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rows: usize = 10_000_000;
    let mut out: Option<PathBuf> = None;
    let mut source: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => {
                rows = args
                    .next()
                    .ok_or("--rows needs a number")?
                    .replace('_', "")
                    .parse()?
            }
            "--out" => out = Some(args.next().ok_or("--out needs a file")?.into()),
            other if !other.starts_with("--") => source = Some(other.into()),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let out = out.ok_or("--out FILE.parquet is required")?;
    let options = IngestParams::default();
    let source = source.or_else(retail_benches::online_retail_csv_gz);
    let batches = match &source {
        Some(path) => read_transactions(path, &options)?.batches,
        None => samples::open(
            "online_retail_sample.csv.gz",
            samples::ONLINE_RETAIL,
            &options,
        )?
        .collect::<Result<Vec<_>, _>>()?,
    };
    let grown = synth::scale_up(&batches, rows);
    let file = std::fs::File::create(&out)?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, retail_ingest::canonical_schema(), Some(props))?;
    for batch in &grown {
        writer.write(batch)?;
    }
    writer.close()?;
    eprintln!(
        "wrote {} rows (scale-up of {}) to {}",
        grown.iter().map(|b| b.num_rows()).sum::<usize>(),
        source.map_or("the embedded sample".to_string(), |p| p
            .display()
            .to_string()),
        out.display()
    );
    Ok(())
}
