#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod compact;
#[cfg(feature = "distributed")]
pub mod distributed;
pub mod exact_sum;
pub mod export;
pub mod files;
pub mod kpi;
pub mod load;
pub mod slice;
pub mod suite;
pub mod typed;

use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{DFParserBuilder, Statement};
use datafusion::sql::sqlparser::dialect::dialect_from_str;
use retail_ingest::canonical_schema;

pub use kpi::{CustomerRanking, Grain, Place, ProductRanking};
pub use slice::{SalesSlice, SliceFilter, sales_context_sliced};
pub use suite::{KpiParams, KpiSuite, KpiTable};

/// Name of the table the canonical rows are registered under.
pub const SALES_TABLE: &str = "sales";

/// Everything that can go wrong computing metrics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// A file given as canonical Parquet or CSV is not (or cannot be read). Canonical files
    /// are written by `retail_ingest::write`.
    #[error("{}: not a canonical sales file: {message}", path.display())]
    NotCanonicalFile {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What does not fit.
        message: String,
    },
    /// A source could not be opened or read ([`load`]).
    #[error(transparent)]
    Ingest(#[from] retail_ingest::IngestError),
    /// An Arrow operation failed (the categories table, the unification of optional
    /// columns, writing JSON or CSV).
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Writing a result failed ([`export`]).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Writing a result as JSON failed ([`export`]).
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// The sources have no data rows.
    #[error("{}: no data rows, nothing to compute", sources.join(", "))]
    NoDataRows {
        /// The sources, as their reports name them.
        sources: Vec<String>,
    },
    /// None of the sources' rows was accepted.
    #[error(
        "{}: none of the {rows_read} rows was accepted ({})",
        sources.join(", "),
        rejected_by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect::<Vec<_>>().join(", ")
    )]
    NoRowsAccepted {
        /// The sources, as their reports name them.
        sources: Vec<String>,
        /// Rows read in all.
        rows_read: u64,
        /// Rows rejected by reason, in the reasons' order.
        rejected_by_reason: Vec<(String, u64)>,
    },
    /// The slice keeps none of the lines read (a misspelt value is far likelier than a wish
    /// for empty results).
    #[error("the slice ({slice}) keeps none of the {lines} lines read; check the values")]
    EmptySlice {
        /// The slice in words.
        slice: String,
        /// Lines accepted before the slice.
        lines: u64,
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

/// How much memory DataFusion's operators (the hash tables of aggregations and joins, sorts)
/// may hold in a session before they spill to disk, in the operating system's temporary
/// directory (`TMPDIR`). Tables in memory (a [`MemTable`] of read rows, the suite's stage
/// tables) and Parquet decoding buffers are not counted: the process's peak is above it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum MemoryLimit {
    /// No limit: nothing spills.
    Unbounded,
    /// At most this many bytes.
    Bytes(usize),
    /// This fraction (0 to 1, exclusive of 0) of the machine's physical memory; unbounded
    /// where it cannot be told (no `/proc/meminfo`).
    FractionOfMemory(f64),
}

impl Default for MemoryLimit {
    /// A quarter of physical memory ([`DEFAULT_MEMORY_FRACTION`]).
    fn default() -> Self {
        MemoryLimit::FractionOfMemory(DEFAULT_MEMORY_FRACTION)
    }
}

/// The default [`MemoryLimit`]: a quarter of physical memory, so that the operators' state
/// and the memory that is not counted (the tables held, decoding buffers, the allocator's
/// slack) together stay well below the machine.
pub const DEFAULT_MEMORY_FRACTION: f64 = 0.25;

impl MemoryLimit {
    /// The limit in bytes; `None` for no limit.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] (`memory_limit`) for a fraction outside (0, 1] or a
    /// limit below 16 MiB (too little for any query to run).
    pub fn bytes(self) -> Result<Option<usize>, MetricsError> {
        let bytes = match self {
            MemoryLimit::Unbounded => return Ok(None),
            MemoryLimit::Bytes(bytes) => bytes,
            MemoryLimit::FractionOfMemory(fraction) => {
                if !(fraction > 0.0 && fraction <= 1.0) {
                    return Err(MetricsError::InvalidParameter {
                        parameter: "memory_limit",
                        message: format!("{fraction} of memory; must be above 0 and at most 1"),
                    });
                }
                match physical_memory() {
                    Some(total) => (total as f64 * fraction) as usize,
                    None => return Ok(None),
                }
            }
        };
        if bytes < MIN_MEMORY_LIMIT {
            return Err(MetricsError::InvalidParameter {
                parameter: "memory_limit",
                message: format!("{bytes} bytes; must be at least 16 MiB"),
            });
        }
        Ok(Some(bytes))
    }
}

const MIN_MEMORY_LIMIT: usize = 16 << 20;

impl std::str::FromStr for MemoryLimit {
    type Err = MetricsError;

    /// `none`, a share of RAM (`25%`), or a size in bytes with an optional `K`, `M`, `G` or
    /// `T` (powers of 1024; `8G`, `512M`, `1.5G`). A size below 16 MiB is refused later, by
    /// [`MemoryLimit::bytes`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |message: String| MetricsError::InvalidParameter {
            parameter: "memory_limit",
            message,
        };
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") {
            return Ok(MemoryLimit::Unbounded);
        }
        if let Some(percent) = text.strip_suffix('%') {
            let value: f64 = percent
                .trim()
                .parse()
                .map_err(|_| bad(format!("'{text}' is not a percentage such as 25%")))?;
            if !(value > 0.0 && value <= 100.0) {
                return Err(bad(format!(
                    "{text} of RAM; give more than 0% and at most 100%"
                )));
            }
            return Ok(MemoryLimit::FractionOfMemory(value / 100.0));
        }
        let upper = text.to_ascii_uppercase();
        let number = upper.trim_end_matches(['B', 'I']);
        let (digits, shift) = match number.chars().last() {
            Some('K') => (&number[..number.len() - 1], 10),
            Some('M') => (&number[..number.len() - 1], 20),
            Some('G') => (&number[..number.len() - 1], 30),
            Some('T') => (&number[..number.len() - 1], 40),
            _ => (number, 0),
        };
        let not_a_size = || bad(format!("'{text}' is not a size such as 8G, 512M or 40%"));
        let value: f64 = digits.trim().parse().map_err(|_| not_a_size())?;
        let bytes = value * (1u64 << shift) as f64;
        if !(bytes.is_finite() && bytes >= 1.0 && bytes < usize::MAX as f64) {
            return Err(not_a_size());
        }
        Ok(MemoryLimit::Bytes(bytes as usize))
    }
}

/// The machine's physical memory in bytes (`MemTotal` of `/proc/meminfo`); `None` where it
/// cannot be read.
pub fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line
        .trim_start_matches("MemTotal:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// A fresh DataFusion session whose operators spill to disk past `limit`.
///
/// # Errors
/// [`MetricsError::InvalidParameter`] for a limit out of range ([`MemoryLimit::bytes`]);
/// [`MetricsError::DataFusion`] when the runtime cannot be built.
pub fn new_session(limit: MemoryLimit) -> Result<SessionContext, MetricsError> {
    let Some(bytes) = limit.bytes()? else {
        return Ok(SessionContext::new());
    };
    let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
        .with_memory_limit(bytes, 1.0)
        .build_arc()?;
    Ok(SessionContext::new_with_config_rt(
        datafusion::prelude::SessionConfig::new(),
        runtime,
    ))
}

/// Registers canonical batches as the table `sales` in a fresh DataFusion session.
///
/// # Errors
/// [`MetricsError::DataFusion`] when the batches' optional columns do not unify or the table
/// cannot be registered.
pub fn sales_context(batches: Vec<RecordBatch>) -> Result<SessionContext, MetricsError> {
    let ctx = SessionContext::new();
    register_sales(&ctx, batches)?;
    Ok(ctx)
}

/// Registers canonical batches as the table `sales` in a caller's session: the sixteen
/// canonical columns and the optional columns the batches have (a batch without one of
/// them gets it as nulls). The batches are
/// spread over as many partitions as the session has target partitions, so scans run on
/// every core.
///
/// It also replaces the session's `SUM` by [`exact_sum`]'s, whose floating-point totals do not
/// depend on the order partitions finish in (the same bits on every run).
///
/// # Errors
/// [`MetricsError::DataFusion`] when the batches' optional columns do not unify or the table
/// cannot be registered.
pub fn register_sales(ctx: &SessionContext, batches: Vec<RecordBatch>) -> Result<(), MetricsError> {
    register_batches(ctx, batches, false)
}

/// [`register_sales`] with the descriptive text columns held dictionary-encoded ([`compact`]):
/// the same values and query results in a smaller table (10M lines of Online Retail: those
/// columns take 281 MiB instead of 694). The batches are converted one by one and dropped, so
/// a caller that hands over its only copy holds the compact table alone afterwards; one that
/// keeps its batches (to read them again) holds both, and is better served by
/// [`register_sales`], which shares them. Whether the process's peak falls depends on the
/// allocator returning the freed text: docs/benchmarks.md ("A compact table in memory").
///
/// # Errors
/// As [`register_sales`].
pub fn register_sales_compact(
    ctx: &SessionContext,
    batches: Vec<RecordBatch>,
) -> Result<(), MetricsError> {
    register_batches(ctx, batches, true)
}

fn register_batches(
    ctx: &SessionContext,
    batches: Vec<RecordBatch>,
    compact: bool,
) -> Result<(), MetricsError> {
    exact_sum::register(ctx);
    // Sources with different optional columns (Superstore's customer names, Online Retail's
    // none) share one schema: every optional column any of them has.
    let batches = retail_ingest::unify_optional_columns(batches).map_err(DataFusionError::from)?;
    let mut schema = batches
        .first()
        .map_or_else(canonical_schema, RecordBatch::schema);
    if compact {
        schema = compact::compact_schema(&schema);
    }
    let batches = if compact {
        compact::compact_batches(batches, &schema).map_err(DataFusionError::from)?
    } else {
        batches
    };
    let partitions = ctx.state().config().target_partitions().max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); partitions];
    for (i, batch) in batches.into_iter().enumerate() {
        parts[i % partitions].push(batch);
    }
    let table = MemTable::try_new(schema, parts)?;
    ctx.register_table(SALES_TABLE, Arc::new(table))?;
    Ok(())
}

/// Folds the lines of the table `sales` in `ctx` (in memory or in place), a batch at a time
/// and only the given `columns` of the lines in `slice`: for a consumer that sums or groups
/// the lines (series, baskets) and need not hold them. The batches come in one fixed order
/// (the table's partitions one after the other, files in path order, no repartitioning), so
/// that what is folded does not depend on thread timing.
///
/// # Errors
/// [`MetricsError::DataFusion`] when there is no table `sales`, a column is missing or the
/// scan fails; [`MetricsError::InvalidParameter`] for a bad slice; and `f`'s errors.
pub async fn for_each_sales_batch<E>(
    ctx: &SessionContext,
    columns: &[&str],
    slice: &SalesSlice,
    mut f: impl FnMut(&RecordBatch) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<MetricsError>,
{
    use futures::StreamExt;
    let expr = slice.expr()?;
    let scan = async {
        // One partition per input, so that nothing is repartitioned round-robin.
        let config = ctx.copied_config().with_target_partitions(1);
        let single = SessionContext::new_with_config_rt(config, ctx.runtime_env());
        single.register_table(SALES_TABLE, ctx.table_provider(SALES_TABLE).await?)?;
        let mut frame = single.table(SALES_TABLE).await?;
        if let Some(expr) = expr {
            frame = frame.filter(expr)?;
        }
        frame
            .select_columns(columns)?
            .execute_stream_partitioned()
            .await
    };
    let partitions = scan.await.map_err(MetricsError::from)?;
    for mut stream in partitions {
        while let Some(batch) = stream.next().await {
            f(&batch.map_err(MetricsError::from)?)?;
        }
    }
    Ok(())
}

/// What SQL given by a user may do besides reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SqlAccess {
    /// Queries only (the default): no DDL (`CREATE`, `DROP`), no DML (`INSERT`, `COPY … TO`,
    /// which writes files), no statements (`SET`, transactions).
    #[default]
    ReadOnly,
    /// Everything DataFusion supports, including writing files with `COPY … TO`.
    ReadWrite,
}

impl SqlAccess {
    fn options(self) -> SQLOptions {
        let write = self == SqlAccess::ReadWrite;
        SQLOptions::new()
            .with_allow_ddl(write)
            .with_allow_dml(write)
            .with_allow_statements(write)
    }
}

/// Splits SQL text into its statements (separated by `;`) with the session's dialect, without
/// planning them: a later statement may read what an earlier one created.
///
/// # Errors
/// [`MetricsError::DataFusion`] when the text does not parse.
pub fn parse_statements(ctx: &SessionContext, sql: &str) -> Result<Vec<Statement>, MetricsError> {
    let state = ctx.state();
    let parser_options = &state.config().options().sql_parser;
    let dialect = dialect_from_str(parser_options.dialect).ok_or_else(|| {
        DataFusionError::Plan(format!(
            "unsupported SQL dialect {}",
            parser_options.dialect
        ))
    })?;
    let statements = DFParserBuilder::new(sql)
        .with_dialect(dialect.as_ref())
        .with_recursion_limit(parser_options.recursion_limit.get())
        .build()?
        .parse_statements()?;
    Ok(statements.into())
}

/// Plans one statement under `access`, ready to run as a stream
/// ([`DataFrame::execute_stream`]) or collected. DDL and statements take effect here.
///
/// # Errors
/// [`MetricsError::DataFusion`] for an invalid statement or one that `access` forbids.
pub async fn plan_statement(
    ctx: &SessionContext,
    statement: Statement,
    access: SqlAccess,
) -> Result<DataFrame, MetricsError> {
    let plan = ctx.state().statement_to_plan(statement).await?;
    access.options().verify_plan(&plan)?;
    Ok(ctx.execute_logical_plan(plan).await?)
}

/// Runs one read-only SQL query over the registered tables and collects the result.
///
/// # Errors
/// [`MetricsError::DataFusion`] for invalid SQL, a query that would write or change the
/// session ([`SqlAccess::ReadOnly`]), or a failure while running it.
pub async fn run_sql(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, MetricsError> {
    let frame = ctx
        .sql_with_options(sql, SqlAccess::ReadOnly.options())
        .await?;
    Ok(frame.collect().await?)
}

#[cfg(test)]
mod memory_limit_tests {
    use super::*;

    #[test]
    fn memory_limits_read_as_people_write_them() {
        let parse = |text: &str| text.parse::<MemoryLimit>();
        assert_eq!(parse("none").unwrap(), MemoryLimit::Unbounded);
        assert_eq!(parse("8G").unwrap(), MemoryLimit::Bytes(8 << 30));
        assert_eq!(parse("512MiB").unwrap(), MemoryLimit::Bytes(512 << 20));
        assert_eq!(parse("1.5g").unwrap(), MemoryLimit::Bytes(3 << 29));
        assert_eq!(parse("65536").unwrap(), MemoryLimit::Bytes(65_536));
        assert_eq!(parse("40%").unwrap(), MemoryLimit::FractionOfMemory(0.4));
        for bad in ["lots", "0%", "150%", "-1G", "", "G"] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid memory_limit: "), "{bad}: {err}");
        }
        // Below 16 MiB: refused when the session is made, naming the parameter.
        let err = MemoryLimit::Bytes(1024).bytes().unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid memory_limit: 1024 bytes; must be at least 16 MiB"
        );
        assert_eq!(MemoryLimit::Unbounded.bytes().unwrap(), None);
        // A quarter of this machine's memory, where /proc/meminfo tells it.
        if let Some(total) = physical_memory() {
            assert_eq!(
                MemoryLimit::default().bytes().unwrap(),
                Some((total as f64 * 0.25) as usize)
            );
        }
    }
}
