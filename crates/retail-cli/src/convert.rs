//! `retail convert`: any supported export to canonical Parquet (or CSV), optionally one file
//! per month (the layout a distributed engine or any Parquet reader scans in parallel and
//! prunes by month).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use arrow::record_batch::RecordBatch;
use clap::{Args, ValueEnum};
use retail_ingest::{IngestError, write};

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

impl From<Partitioning> for write::Partitioning {
    fn from(partitioning: Partitioning) -> Self {
        match partitioning {
            Partitioning::None => write::Partitioning::None,
            Partitioning::Month => write::Partitioning::Month,
        }
    }
}

pub fn run(args: &ConvertArgs, out: &mut impl Write) -> Result<()> {
    let mut progress = Progress::new(2);
    progress.step("reading");
    let slice = args.slice.slice_with(&args.customers)?;
    let (batches, reports) = load_sliced(&args.files, &args.read, &slice)?;
    progress.step("writing");
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let files = write::write_sales(
        &args.out,
        &batches,
        args.format.into(),
        args.partition_by.into(),
    )
    .map_err(|err| match err {
        IngestError::OutputPath { path, .. } => match args.partition_by {
            Partitioning::None => anyhow!(
                "{} is a directory; give a file name (or use --partition-by month)",
                path.display()
            ),
            Partitioning::Month => anyhow!(
                "{} is a file; --partition-by month writes a directory",
                path.display()
            ),
        },
        err => err.into(),
    })?;
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
    for file in files {
        writeln!(out, "  {} ({} rows)", file.path.display(), file.rows)?;
    }
    Ok(())
}
