//! Output formats: tables for people, JSON / CSV / Parquet for programs.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use arrow::record_batch::RecordBatch;
use clap::ValueEnum;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use retail_metrics::export;

/// Table or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    /// Aligned text for people.
    Table,
    /// JSON for programs.
    Json,
}

/// Table, JSON or CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// JSON for programs.
    Json,
    /// CSV with a header line.
    Csv,
}

/// File format of `--out` files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// One CSV file per table.
    Csv,
    /// One Parquet file per table.
    Parquet,
}

impl FileFormat {
    pub fn extension(self) -> &'static str {
        retail_ingest::write::FileFormat::from(self).extension()
    }
}

impl From<FileFormat> for retail_ingest::write::FileFormat {
    fn from(format: FileFormat) -> Self {
        match format {
            FileFormat::Csv => retail_ingest::write::FileFormat::Csv,
            FileFormat::Parquet => retail_ingest::write::FileFormat::Parquet,
        }
    }
}

/// How many rows a table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxRows {
    /// At most this many.
    Limit(usize),
    /// Every row.
    Unlimited,
}

impl std::str::FromStr for MaxRows {
    type Err = String;

    fn from_str(s: &str) -> Result<MaxRows, String> {
        if s.eq_ignore_ascii_case("inf") {
            return Ok(MaxRows::Unlimited);
        }
        s.parse()
            .map(MaxRows::Limit)
            .map_err(|_| format!("'{s}' is neither a row count nor `inf`"))
    }
}

/// Writes record batches as an aligned table (`retail_report::text::batches_table`).
pub fn write_table(out: &mut impl Write, batches: &[RecordBatch]) -> Result<()> {
    write!(out, "{}", retail_report::text::batches_table(batches)?)?;
    Ok(())
}

/// Writes record batches as a JSON array of row objects.
pub fn write_json(out: &mut impl Write, batches: &[RecordBatch]) -> Result<()> {
    Ok(export::write_json(out, batches)?)
}

/// Writes a result stream in `format` as it arrives: JSON and CSV batch by batch in constant
/// memory; a table keeps at most `max_rows` rows and says how many it left out.
pub async fn write_stream(
    out: &mut impl Write,
    mut stream: SendableRecordBatchStream,
    format: Format,
    max_rows: MaxRows,
) -> Result<()> {
    match format {
        Format::Table => {
            let limit = match max_rows {
                MaxRows::Limit(n) => n,
                MaxRows::Unlimited => usize::MAX,
            };
            let mut kept = Vec::new();
            let (mut kept_rows, mut total) = (0usize, 0u64);
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                total += batch.num_rows() as u64;
                if kept_rows < limit {
                    let take = batch.num_rows().min(limit - kept_rows);
                    kept_rows += take;
                    kept.push(batch.slice(0, take));
                }
            }
            if kept_rows > 0 || total == 0 {
                write_table(out, &kept)?;
            }
            if total > kept_rows as u64 {
                writeln!(
                    out,
                    "({} of {} rows shown; --maxrows N or --maxrows inf shows more)",
                    retail_report::format::thousands(kept_rows as u64),
                    retail_report::format::thousands(total)
                )?;
            }
        }
        Format::Json => {
            export::write_json_stream(out, stream).await?;
        }
        Format::Csv => {
            export::write_csv_stream(out, stream).await?;
        }
    }
    Ok(())
}

/// Writes record batches as CSV with a header.
pub fn write_csv(out: &mut impl Write, batches: &[RecordBatch]) -> Result<()> {
    Ok(export::write_csv(out, batches)?)
}

/// Writes record batches in `format`.
pub fn write_batches(out: &mut impl Write, batches: &[RecordBatch], format: Format) -> Result<()> {
    match format {
        Format::Table => write_table(out, batches),
        Format::Json => write_json(out, batches),
        Format::Csv => write_csv(out, batches),
    }
}

/// Fails now, before any work, when `path` cannot be written later: its directory is missing,
/// it is a directory, or it cannot be opened for writing. Leaves no file behind.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        anyhow::bail!("cannot write {}: it is a directory", path.display());
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Writes record batches to a file (CSV or Parquet); an empty result still gets its header
/// (CSV) or schema (Parquet).
pub fn write_file(
    path: &Path,
    schema: arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
    format: FileFormat,
) -> Result<()> {
    retail_ingest::write::write_batches(path, schema, batches, format.into())?;
    Ok(())
}
