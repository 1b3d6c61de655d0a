//! `retail sql --out FILE`: a result with the canonical columns written as a canonical sales
//! file (Parquet, or CSV for a `.csv` name) that every command reads back (layout `canonical`).

use std::path::Path;

use anyhow::{Result, bail};
use arrow::array::ArrayRef;
use arrow::compute::cast;
use arrow::datatypes::SchemaRef;
use arrow::datatypes::{DataType, Schema};
use arrow::record_batch::RecordBatch;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;
use retail_ingest::write::{BatchFileWriter, FileFormat};
use retail_ingest::{IngestError, OptionalColumns, canonical_schema, canonical_schema_with};

/// Streams the result into `path`; returns the rows written. A result without the canonical
/// columns is refused before the file is created; a null in a required column stops the
/// writing and removes the partial file.
pub async fn write_canonical(path: &Path, mut stream: SendableRecordBatchStream) -> Result<u64> {
    let target = check_columns(&stream.schema())?;
    let mut writer = BatchFileWriter::create(path, target.clone(), FileFormat::from_path(path))?;
    let mut rows = 0u64;
    let result: Result<()> = async {
        while let Some(batch) = stream.next().await {
            let batch = conform(&batch?, &target)?;
            rows += batch.num_rows() as u64;
            writer.write(&batch)?;
        }
        writer.finish()?;
        Ok(())
    }
    .await;
    if let Err(err) = result {
        let _ = std::fs::remove_file(path);
        // The writer's errors name the file already.
        if err.downcast_ref::<IngestError>().is_some() {
            return Err(err);
        }
        return Err(err.context(format!("cannot write {}", path.display())));
    }
    Ok(rows)
}

/// The type family a result column may have to be cast to its canonical type without loss.
fn castable(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    from == to
        || match to {
            Utf8 => matches!(from, Utf8View | LargeUtf8 | Null),
            Int64 => matches!(from, Int8 | Int16 | Int32 | UInt8 | UInt16 | UInt32 | Null),
            Float64 => matches!(
                from,
                Float16 | Float32 | Int8 | Int16 | Int32 | UInt8 | UInt16 | UInt32 | Null
            ),
            Timestamp(_, None) => matches!(from, Timestamp(_, None) | Date32 | Date64),
            _ => false,
        }
}

/// The canonical schema the result is written with: the canonical columns in order, then
/// the optional columns (customer_name, …) the result has, in their order.
fn check_columns(schema: &Schema) -> Result<SchemaRef> {
    let got: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let extras = got
        .get(canonical_schema().fields().len()..)
        .and_then(OptionalColumns::from_names)
        .unwrap_or_default();
    let canonical = canonical_schema_with(extras);
    let want: Vec<&str> = canonical
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    if got != want {
        bail!(
            "--out writes a canonical sales file: the result must have the canonical columns \
             in order ({}), optionally followed by optional columns ({}) in that order, as \
             `SELECT * FROM sales WHERE …` does; this one has: {}",
            canonical_schema()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", "),
            retail_ingest::OPTIONAL_COLUMNS.join(", "),
            got.join(", ")
        );
    }
    for (have, field) in schema.fields().iter().zip(canonical.fields()) {
        if !castable(have.data_type(), field.data_type()) {
            bail!(
                "--out writes a canonical sales file: column {} is {} in the result, {} in \
                 the canonical schema",
                field.name(),
                have.data_type(),
                field.data_type()
            );
        }
    }
    Ok(canonical)
}

/// A result batch as a canonical batch (lossless casts; nulls in required columns refused).
fn conform(batch: &RecordBatch, canonical: &SchemaRef) -> Result<RecordBatch> {
    let canonical = canonical.clone();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(canonical.fields().len());
    for (column, field) in batch.columns().iter().zip(canonical.fields()) {
        let column = if column.data_type() == field.data_type() {
            column.clone()
        } else {
            cast(column, field.data_type())?
        };
        if !field.is_nullable() && column.null_count() > 0 {
            bail!(
                "column {} has a null value, and every canonical line needs one",
                field.name()
            );
        }
        columns.push(column);
    }
    Ok(RecordBatch::try_new(canonical, columns)?)
}
