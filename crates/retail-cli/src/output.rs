//! Output formats: tables for people, JSON / CSV / Parquet for programs.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use arrow::record_batch::RecordBatch;
use clap::ValueEnum;

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
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
        }
    }
}

/// Writes record batches as an aligned table.
pub fn write_table(out: &mut impl Write, batches: &[RecordBatch]) -> Result<()> {
    if batches.iter().all(|b| b.num_rows() == 0) {
        writeln!(out, "(no rows)")?;
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        arrow::util::pretty::pretty_format_batches(batches)?
    )?;
    Ok(())
}

/// Writes record batches as a JSON array of row objects.
pub fn write_json(out: &mut impl Write, batches: &[RecordBatch]) -> Result<()> {
    let rows = retail_metrics::typed::json_rows(batches)?;
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)?;
    Ok(())
}

/// Writes record batches as CSV with a header.
pub fn write_csv(out: &mut impl Write, batches: &[RecordBatch]) -> Result<()> {
    let mut writer = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(out);
    for batch in batches {
        writer.write(batch)?;
    }
    Ok(())
}

/// Writes record batches in `format`.
pub fn write_batches(out: &mut impl Write, batches: &[RecordBatch], format: Format) -> Result<()> {
    match format {
        Format::Table => write_table(out, batches),
        Format::Json => write_json(out, batches),
        Format::Csv => write_csv(out, batches),
    }
}

/// Writes record batches to a file (CSV or Parquet); an empty result still gets its header
/// (CSV) or schema (Parquet).
pub fn write_file(
    path: &Path,
    schema: arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
    format: FileFormat,
) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    match format {
        FileFormat::Csv => {
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(file);
            if batches.is_empty() {
                writer.write(&RecordBatch::new_empty(schema))?;
            }
            for batch in batches {
                writer.write(batch)?;
            }
        }
        FileFormat::Parquet => {
            let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None)?;
            for batch in batches {
                writer.write(batch)?;
            }
            writer.close()?;
        }
    }
    Ok(())
}
