//! `retail convert`: any supported export to canonical Parquet (or CSV), optionally one file
//! per month (the layout a distributed engine or any Parquet reader scans in parallel and
//! prunes by month).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use retail_ingest::{IngestError, write};
use retail_metrics::load;

use crate::input::{self, ReadArgs};
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
    /// Default: CSV when `--out` ends in `.csv`, else Parquet.
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
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
    let format = args
        .format
        .unwrap_or_else(|| match write::FileFormat::from_path(&args.out) {
            write::FileFormat::Csv => FileFormat::Csv,
            _ => FileFormat::Parquet,
        });
    let slice = args.slice.slice_with(&args.customers)?;
    let sources = crate::input::sources(&args.files, false);
    let params = args.read.load_params(&slice)?;
    // Canonical Parquet (a directory of month files, say) is scanned in place.
    let in_place = input::in_place(&args.files, &args.read)?;
    // One schema for every file written: the optional columns any input has, from the
    // headers or footers, before any row is read.
    let extras = match &in_place {
        Some(found) => found.optional_columns(),
        None => load::optional_columns(&sources, &params).map_err(input::load_error)?,
    };
    let mut writer = write::SalesWriter::create(
        &args.out,
        retail_ingest::canonical_schema_with(extras),
        format.into(),
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
    let mut progress = Progress::new(1);
    progress.step("converting");
    // Each batch is written as soon as it is read: memory stays bounded by the batches in
    // flight and the open files' current row groups, whatever the input's size.
    let mut rows = 0usize;
    let remove_partial = |err: anyhow::Error| {
        if args.partition_by == Partitioning::None {
            // Not a half-written file where a finished one is expected.
            let _ = std::fs::remove_file(&args.out);
        }
        err
    };
    let reports = if in_place.is_some() {
        let schema = retail_ingest::canonical_schema_with(extras);
        let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        input::for_each_batch(&args.files, &args.read, &slice, &columns, |batch| {
            rows += batch.num_rows();
            Ok(writer.write(batch)?)
        })
        .map_err(remove_partial)?
    } else {
        let summary = load::load_each(&sources, &params, input::note_report, |batch| {
            let batch = retail_ingest::with_optional_columns(&batch, extras)?;
            rows += batch.num_rows();
            writer.write(&batch)?;
            Ok(())
        })
        .map_err(|err| remove_partial(input::load_error(err)))?;
        input::note_slice(summary.slice.as_ref());
        summary.reports
    };
    let files = writer.finish()?;
    progress.finish();
    let rejected: u64 = reports.iter().map(|r| r.rows_rejected).sum();
    let read: u64 = reports.iter().map(|r| r.rows_read).sum();
    writeln!(
        out,
        "{read} rows read, {rows} written, {rejected} rejected; {} {} file(s):",
        files.len(),
        match format {
            FileFormat::Parquet => "Parquet",
            FileFormat::Csv => "CSV",
        }
    )?;
    for file in files {
        writeln!(out, "  {} ({} rows)", file.path.display(), file.rows)?;
    }
    Ok(())
}
