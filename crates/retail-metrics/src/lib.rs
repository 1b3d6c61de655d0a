#![doc = include_str!("../README.md")]

use std::sync::Arc;

use arrow::array::{Array, Int64Array, StringArray};
use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use retail_ingest::{LineKind, canonical_schema};

/// Name of the table the canonical rows are registered under.
pub const SALES_TABLE: &str = "sales";

/// Everything that can go wrong computing metrics.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// DataFusion rejected or failed a query (a user's SQL error comes back this way).
    #[error("{0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// A query returned a shape the typed result does not expect.
    #[error("query '{query}' returned an unexpected shape: {message}")]
    UnexpectedShape {
        /// The KPI query.
        query: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Registers canonical batches as the table `sales` in a fresh DataFusion session.
pub fn sales_context(batches: Vec<RecordBatch>) -> Result<SessionContext, MetricsError> {
    let ctx = SessionContext::new();
    register_sales(&ctx, batches)?;
    Ok(ctx)
}

/// Registers canonical batches as the table `sales` in a caller's session (local or remote).
pub fn register_sales(ctx: &SessionContext, batches: Vec<RecordBatch>) -> Result<(), MetricsError> {
    let table = MemTable::try_new(canonical_schema(), vec![batches])?;
    ctx.register_table(SALES_TABLE, Arc::new(table))?;
    Ok(())
}

/// The SQL of [`lines_by_kind`].
pub const LINES_BY_KIND_SQL: &str =
    "SELECT line_kind, COUNT(*) AS lines FROM sales GROUP BY line_kind ORDER BY line_kind";

/// Number of lines of each kind (kinds with no lines are left out).
pub async fn lines_by_kind(ctx: &SessionContext) -> Result<Vec<(LineKind, i64)>, MetricsError> {
    let batches = ctx.sql(LINES_BY_KIND_SQL).await?.collect().await?;
    let shape = |message: String| MetricsError::UnexpectedShape {
        query: "lines_by_kind",
        message,
    };
    let mut out = Vec::new();
    for batch in &batches {
        let kinds = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| shape("line_kind is not text".into()))?;
        let lines = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| shape("lines is not Int64".into()))?;
        for i in 0..batch.num_rows() {
            let kind = LineKind::parse(kinds.value(i))
                .ok_or_else(|| shape(format!("unknown line kind '{}'", kinds.value(i))))?;
            out.push((kind, lines.value(i)));
        }
        debug_assert_eq!(kinds.null_count(), 0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retail_ingest::{IngestOptions, samples};

    #[tokio::test]
    async fn counts_lines_by_kind_of_the_superstore_sample() {
        let reader = samples::open(
            "superstore.csv.gz",
            samples::SUPERSTORE,
            &IngestOptions::default(),
        )
        .unwrap();
        let batches = reader.collect::<Result<Vec<_>, _>>().unwrap();
        let ctx = sales_context(batches).unwrap();
        // Superstore has 9,994 lines, all sales.
        assert_eq!(
            lines_by_kind(&ctx).await.unwrap(),
            vec![(LineKind::Sale, 9_994)]
        );
        let err = ctx
            .sql("SELECT nope FROM sales")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("nope"), "{err}");
    }
}
