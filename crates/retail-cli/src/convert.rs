//! `retail convert`: any supported export to canonical Parquet (or CSV), optionally one file
//! per month (the layout a distributed engine or any Parquet reader scans in parallel and
//! prunes by month).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow::array::{Array, TimestampMicrosecondArray, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::record_batch::RecordBatch;
use clap::{Args, ValueEnum};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use retail_ingest::datetime::civil_from_days;
use retail_ingest::{canonical_schema, col};

use crate::input::{ReadArgs, load_sliced};
use crate::output::FileFormat;
use crate::progress::Progress;
use crate::slice::{CustomerSliceArg, SliceArgs};

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Transaction files (CSV, gzip CSV or Parquet); none converts the embedded sample.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    slice: SliceArgs,
    #[command(flatten)]
    customers: CustomerSliceArg,
    /// Where to write: a file, or with `--partition-by month` a directory.
    #[arg(short, long, value_name = "PATH")]
    out: PathBuf,
    /// File format: Parquet (zstd), or CSV with the canonical header (ISO timestamps).
    #[arg(long, value_enum, default_value = "parquet")]
    format: FileFormat,
    /// `month` writes `OUT/month=YYYY-MM/part-0.parquet` (or `.csv`), one file per calendar
    /// month of the invoice date.
    #[arg(long, value_enum, default_value = "none")]
    partition_by: Partitioning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Partitioning {
    /// One file.
    None,
    /// One file per month, in hive-style directories.
    Month,
}

pub fn run(args: &ConvertArgs, out: &mut impl Write) -> Result<()> {
    let mut progress = Progress::new(2);
    progress.step("reading");
    let slice = args.slice.slice_with(&args.customers)?;
    let (batches, reports) = load_sliced(&args.files, &args.read, &slice)?;
    progress.step("writing");
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let files = match args.partition_by {
        Partitioning::None => {
            if args.out.is_dir() {
                bail!(
                    "{} is a directory; give a file name (or use --partition-by month)",
                    args.out.display()
                );
            }
            write_canonical(&args.out, &batches, args.format)?;
            vec![(args.out.clone(), rows)]
        }
        Partitioning::Month => {
            if args.out.is_file() {
                bail!(
                    "{} is a file; --partition-by month writes a directory",
                    args.out.display()
                );
            }
            write_months(&args.out, &batches, args.format)?
        }
    };
    progress.finish();
    let rejected: u64 = reports.iter().map(|r| r.rows_rejected).sum();
    let read: u64 = reports.iter().map(|r| r.rows_read).sum();
    writeln!(
        out,
        "{read} rows read, {rows} written, {rejected} rejected; {} {} file(s):",
        files.len(),
        match args.format {
            FileFormat::Parquet => "Parquet",
            FileFormat::Csv => "CSV",
        }
    )?;
    for (path, rows) in files {
        writeln!(out, "  {} ({rows} rows)", path.display())?;
    }
    Ok(())
}

fn write_canonical(path: &Path, batches: &[RecordBatch], format: FileFormat) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    // The canonical columns and the optional columns the sources have (load_sliced gives every
    // batch the same schema).
    let schema = batches
        .first()
        .map_or_else(canonical_schema, RecordBatch::schema);
    if format == FileFormat::Csv {
        let mut writer = arrow::csv::WriterBuilder::new()
            .with_header(true)
            .build(std::io::BufWriter::new(file));
        if batches.is_empty() {
            writer.write(&RecordBatch::new_empty(schema))?;
        }
        for batch in batches {
            writer
                .write(batch)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        return Ok(());
    }
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(properties))?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer
        .close()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Splits the rows by the calendar month of their invoice date and writes one file per month.
fn write_months(
    dir: &Path,
    batches: &[RecordBatch],
    format: FileFormat,
) -> Result<Vec<(PathBuf, usize)>> {
    let mut months: BTreeMap<(i64, u32), Vec<RecordBatch>> = BTreeMap::new();
    for batch in batches {
        for (month, part) in split_by_month(batch)? {
            months.entry(month).or_default().push(part);
        }
    }
    let mut written = Vec::with_capacity(months.len());
    for ((year, month), parts) in months {
        let path = dir.join(format!(
            "month={year:04}-{month:02}/part-0.{}",
            format.extension()
        ));
        write_canonical(&path, &parts, format)?;
        written.push((path, parts.iter().map(RecordBatch::num_rows).sum()));
    }
    Ok(written)
}

fn split_by_month(batch: &RecordBatch) -> Result<Vec<((i64, u32), RecordBatch)>> {
    let timestamps = batch
        .column_by_name(col::TIMESTAMP)
        .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
        .context("canonical batch without its timestamp column")?;
    let mut rows: BTreeMap<(i64, u32), Vec<u32>> = BTreeMap::new();
    for (i, micros) in timestamps.values().iter().enumerate() {
        if timestamps.is_null(i) {
            bail!("canonical batch with a null timestamp (row {i})");
        }
        let (year, month, _) = civil_from_days(micros.div_euclid(86_400_000_000));
        rows.entry((year, month)).or_default().push(i as u32);
    }
    rows.into_iter()
        .map(|(month, indices)| {
            let part = take_record_batch(batch, &UInt32Array::from(indices))?;
            Ok((month, part))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};

    #[test]
    fn rows_split_by_calendar_month_including_before_1970() {
        // 1969-12-31 23:59:59, 2011-01-01 00:00, 2010-12-31 23:59:59.999999, 2011-01-31 12:00
        let micros = [
            -1_000_000,
            1_293_840_000_000_000,
            1_293_839_999_999_999,
            1_296_475_200_000_000,
        ];
        let schema = canonical_schema();
        let n = micros.len();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| -> ArrayRef {
                match f.name().as_str() {
                    col::TIMESTAMP => Arc::new(TimestampMicrosecondArray::from(micros.to_vec())),
                    col::QUANTITY => Arc::new(Int64Array::from(vec![1; n])),
                    col::LINE_AMOUNT => Arc::new(Float64Array::from(vec![1.0; n])),
                    _ if f.data_type() == &arrow::datatypes::DataType::Float64 => {
                        Arc::new(Float64Array::from(vec![None::<f64>; n]))
                    }
                    _ => Arc::new(StringArray::from(vec!["x"; n])),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(schema, columns).unwrap();
        let parts = split_by_month(&batch).unwrap();
        let got: Vec<((i64, u32), usize)> = parts.iter().map(|(m, b)| (*m, b.num_rows())).collect();
        assert_eq!(got, vec![((1969, 12), 1), ((2010, 12), 1), ((2011, 1), 2)]);
        let january = parts[2].1.column_by_name(col::TIMESTAMP).unwrap();
        let january = january
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        assert_eq!(january.values().to_vec(), vec![micros[1], micros[3]]);
    }
}
