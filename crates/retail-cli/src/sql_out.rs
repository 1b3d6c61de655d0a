//! `retail sql --out FILE`: a result with the canonical columns written as a canonical sales
//! file (Parquet, or CSV for a `.csv` name) that every command reads back (layout `canonical`).

use std::path::Path;

use anyhow::{Result, anyhow};
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;
use retail_ingest::IngestError;
use retail_ingest::write::{self, BatchFileWriter, FileFormat};

/// Streams the result into `path`; returns the rows written. A result without the canonical
/// columns is refused before the file is created; a null in a required column stops the
/// writing and removes the partial file.
pub async fn write_canonical(path: &Path, mut stream: SendableRecordBatchStream) -> Result<u64> {
    let target = write::canonical_target(&stream.schema()).map_err(out_error)?;
    let mut writer = BatchFileWriter::create(path, target.clone(), FileFormat::from_path(path))?;
    let mut rows = 0u64;
    let result: Result<()> = async {
        while let Some(batch) = stream.next().await {
            let batch = write::conform_canonical(&batch?, &target).map_err(conform_error)?;
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

/// The library's refusal as `--out`'s: it names the flag and the query to write.
fn out_error(err: IngestError) -> anyhow::Error {
    match err {
        IngestError::NotCanonicalColumns { columns } => anyhow!(
            "--out writes a canonical sales file: the result must have the canonical columns \
             in order ({}), optionally followed by optional columns ({}) in that order, as \
             `SELECT * FROM sales WHERE …` does; this one has: {}",
            write::canonical_column_names().join(", "),
            retail_ingest::OPTIONAL_COLUMNS.join(", "),
            columns.join(", ")
        ),
        IngestError::NotCanonicalType {
            column,
            found,
            expected,
        } => anyhow!(
            "--out writes a canonical sales file: column {column} is {found} in the result, \
             {expected} in the canonical schema"
        ),
        err => err.into(),
    }
}

/// A conform error as the writing loop reports it (the file is named by the caller).
fn conform_error(err: IngestError) -> anyhow::Error {
    match err {
        IngestError::CanonicalCast { source, .. } => source.into(),
        err => anyhow!("{err}"),
    }
}
