#![doc = include_str!("../README.md")]

#[cfg(feature = "distributed")]
pub mod distributed;
pub mod kpi;
pub mod suite;
pub mod typed;

use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use retail_ingest::canonical_schema;

pub use kpi::{CustomerRanking, Grain, ProductRanking};
pub use suite::{KpiOptions, KpiSuite, KpiTable};

/// Name of the table the canonical rows are registered under.
pub const SALES_TABLE: &str = "sales";

/// Everything that can go wrong computing metrics.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// DataFusion rejected or failed a query (a user's SQL error comes back this way).
    #[error("{0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// A parameter is outside its valid range.
    #[error("invalid {parameter}: {message}")]
    InvalidParameter {
        /// The option.
        parameter: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A Ballista cluster could not be reached or started.
    #[error("cluster {url}: {message}")]
    Cluster {
        /// The scheduler's URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A file given as canonical Parquet or CSV is not (or cannot be read).
    #[error("{}: not a canonical sales file: {message} (write one with `retail convert`)", path.display())]
    NotCanonicalFile {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What does not fit.
        message: String,
    },
    /// A KPI's rows do not fit its typed result (a bug, reported rather than panicking).
    #[error("KPI '{kpi}' does not fit its typed result: {message}")]
    UnexpectedShape {
        /// The KPI.
        kpi: String,
        /// What did not fit.
        message: String,
    },
}

/// Registers canonical batches as the table `sales` in a fresh DataFusion session.
pub fn sales_context(batches: Vec<RecordBatch>) -> Result<SessionContext, MetricsError> {
    let ctx = SessionContext::new();
    register_sales(&ctx, batches)?;
    Ok(ctx)
}

/// Registers canonical batches as the table `sales` in a caller's session. The batches are
/// spread over as many partitions as the session has target partitions, so scans run on
/// every core.
pub fn register_sales(ctx: &SessionContext, batches: Vec<RecordBatch>) -> Result<(), MetricsError> {
    let partitions = ctx.state().config().target_partitions().max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); partitions];
    for (i, batch) in batches.into_iter().enumerate() {
        parts[i % partitions].push(batch);
    }
    let table = MemTable::try_new(canonical_schema(), parts)?;
    ctx.register_table(SALES_TABLE, Arc::new(table))?;
    Ok(())
}

/// Runs any SQL over the registered tables and collects the result.
pub async fn run_sql(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, MetricsError> {
    Ok(ctx.sql(sql).await?.collect().await?)
}
