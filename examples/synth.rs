//! Writes a deterministic synthetic scale-up of a real transaction file as Parquet of the
//! canonical schema (`retail_ingest::synth::scale_up`).
//!
//! ```sh
//! cargo run --release --example synth -- --rows 10000000 --out /tmp/retail_10m.parquet [SOURCE]
//! cargo run --release --example synth -- --rows 100000000 --months /tmp/retail_100m/ [SOURCE]
//! ```
//!
//! `--out` writes one Snappy Parquet file, the copies one after the other (each spans the
//! source's dates); `--months` writes one canonical file per month (`retail convert
//! --partition-by month`'s layout and zstd settings), so the rows are clustered by month.
//! Either way the copies are written as they are made: memory stays that of the source.
//!
//! SOURCE defaults to the full Online Retail file of `../shared/data` when present, else the
//! embedded sample.

use std::path::PathBuf;

use retail_ingest::{IngestParams, read_transactions, samples, synth};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rows: usize = 10_000_000;
    let mut out: Option<PathBuf> = None;
    let mut source: Option<PathBuf> = None;
    let mut months: Option<PathBuf> = None;
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
            "--months" => months = Some(args.next().ok_or("--months needs a directory")?.into()),
            other if !other.starts_with("--") => source = Some(other.into()),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let source = source.or_else(retail_benches::online_retail_csv_gz);
    if let Some(dir) = &months {
        return write_months(dir, rows, source);
    }
    let out = out.ok_or("--out FILE.parquet or --months DIR is required")?;
    let batches = read_source(source.as_ref())?;
    let file = std::fs::File::create(&out)?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, retail_ingest::canonical_schema(), Some(props))?;
    let mut written = 0usize;
    synth::scale_up_each(&batches, rows, |batch| {
        written += batch.num_rows();
        writer.write(&batch)
    })?;
    writer.close()?;
    eprintln!(
        "wrote {} rows (scale-up of {}) to {}",
        written,
        source.map_or("the embedded sample".to_string(), |p| p
            .display()
            .to_string()),
        out.display()
    );
    Ok(())
}

/// The rows to copy: `source`, or the embedded sample.
fn read_source(
    source: Option<&PathBuf>,
) -> Result<Vec<arrow::record_batch::RecordBatch>, Box<dyn std::error::Error>> {
    let options = IngestParams::default();
    Ok(match source {
        Some(path) => read_transactions(path, &options)?.batches,
        None => samples::open(
            "online_retail_sample.csv.gz",
            samples::ONLINE_RETAIL,
            &options,
        )?
        .collect::<Result<Vec<_>, _>>()?,
    })
}

/// The scale-up as one canonical file per month under `dir`.
fn write_months(
    dir: &std::path::Path,
    rows: usize,
    source: Option<PathBuf>,
) -> Result<(), Box<dyn std::error::Error>> {
    use retail_ingest::write::{FileFormat, Partitioning, SalesWriter};
    let batches = read_source(source.as_ref())?;
    let mut writer = SalesWriter::create(
        dir,
        retail_ingest::canonical_schema(),
        FileFormat::Parquet,
        Partitioning::Month,
    )?;
    synth::scale_up_each(&batches, rows, |batch| writer.write(&batch))?;
    let files = writer.finish()?;
    eprintln!(
        "wrote {} rows in {} month files to {}",
        files.iter().map(|f| f.rows).sum::<usize>(),
        files.len(),
        dir.display()
    );
    Ok(())
}
