//! Query results for programs: a JSON array of row objects or CSV with a header line, from
//! batches in memory or from a DataFusion stream as it arrives (in constant memory).

use std::io::Write;

use arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;

use crate::MetricsError;
use crate::typed::json_rows;

/// Writes `batches` as a pretty JSON array of row objects (nulls as `null`), then a newline.
///
/// # Errors
/// [`MetricsError::Arrow`] for a value Arrow cannot write as JSON, [`MetricsError::Json`] and
/// [`MetricsError::Io`] when writing fails.
pub fn write_json(out: &mut impl Write, batches: &[RecordBatch]) -> Result<(), MetricsError> {
    let rows = json_rows(batches)?;
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)?;
    Ok(())
}

/// Writes `batches` as CSV with a header line.
///
/// # Errors
/// [`MetricsError::Arrow`] when the CSV writer fails (on a value or on `out`).
pub fn write_csv(out: &mut impl Write, batches: &[RecordBatch]) -> Result<(), MetricsError> {
    let mut writer = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(out);
    for batch in batches {
        writer.write(batch)?;
    }
    Ok(())
}

/// Writes a result stream as [`write_json`] does, batch by batch as it arrives; returns the
/// rows written.
///
/// # Errors
/// [`MetricsError::DataFusion`] when the query fails while running, else as [`write_json`].
pub async fn write_json_stream(
    out: &mut impl Write,
    mut stream: SendableRecordBatchStream,
) -> Result<u64, MetricsError> {
    let mut rows_written = 0u64;
    while let Some(batch) = stream.next().await {
        for row in json_rows(&[batch?])? {
            out.write_all(if rows_written == 0 { b"[\n" } else { b",\n" })?;
            let text = serde_json::to_string_pretty(&row)?;
            for (i, line) in text.lines().enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                }
                write!(out, "  {line}")?;
            }
            rows_written += 1;
        }
    }
    out.write_all(if rows_written == 0 { b"[]\n" } else { b"\n]\n" })?;
    Ok(rows_written)
}

/// Writes a result stream as CSV with a header line (also for no rows), batch by batch as
/// it arrives; returns the rows written.
///
/// # Errors
/// [`MetricsError::DataFusion`] when the query fails while running, else as [`write_csv`].
pub async fn write_csv_stream(
    out: &mut impl Write,
    mut stream: SendableRecordBatchStream,
) -> Result<u64, MetricsError> {
    let schema = stream.schema();
    let mut writer = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(out);
    let mut rows = 0u64;
    let mut any = false;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
        any = true;
    }
    if !any {
        writer.write(&RecordBatch::new_empty(schema))?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    async fn stream(sql: &str) -> SendableRecordBatchStream {
        let ctx = SessionContext::new();
        ctx.sql(sql).await.unwrap().execute_stream().await.unwrap()
    }

    #[tokio::test]
    async fn streams_and_batches_give_the_same_text() {
        let sql = "SELECT * FROM (VALUES (1, 'a'), (2, NULL)) AS t(n, s) ORDER BY n";
        let mut json = Vec::new();
        assert_eq!(
            write_json_stream(&mut json, stream(sql).await)
                .await
                .unwrap(),
            2
        );
        let json = String::from_utf8(json).unwrap();
        assert_eq!(
            json,
            "[\n  {\n    \"n\": 1,\n    \"s\": \"a\"\n  },\n  {\n    \"n\": 2,\n    \"s\": null\n  }\n]\n"
        );
        let batches = SessionContext::new()
            .sql(sql)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let mut whole = Vec::new();
        write_json(&mut whole, &batches).unwrap();
        assert_eq!(String::from_utf8(whole).unwrap(), json);

        let mut csv = Vec::new();
        assert_eq!(
            write_csv_stream(&mut csv, stream(sql).await).await.unwrap(),
            2
        );
        assert_eq!(String::from_utf8(csv).unwrap(), "n,s\n1,a\n2,\n");
        let mut whole = Vec::new();
        write_csv(&mut whole, &batches).unwrap();
        assert_eq!(String::from_utf8(whole).unwrap(), "n,s\n1,a\n2,\n");
    }

    #[tokio::test]
    async fn no_rows_still_give_a_valid_document() {
        let sql = "SELECT 1 AS n WHERE false";
        let mut json = Vec::new();
        assert_eq!(
            write_json_stream(&mut json, stream(sql).await)
                .await
                .unwrap(),
            0
        );
        assert_eq!(json, b"[]\n");
        let mut csv = Vec::new();
        write_csv_stream(&mut csv, stream(sql).await).await.unwrap();
        assert_eq!(csv, b"n\n");
    }
}
