//! The same KPI SQL on an [Apache DataFusion Ballista](https://datafusion.apache.org/ballista/)
//! cluster (feature `distributed`).
//!
//! A Ballista session is an ordinary [`SessionContext`] whose query planner ships every plan to
//! the cluster's scheduler, so [`crate::KpiSuite::run`] and [`crate::run_sql`] work on it
//! unchanged. Two things differ from a local run, and this module handles both:
//! - the executors read `sales` themselves, so it must be files they can reach (canonical
//!   Parquet or CSV: [`register_sales_files`]), not batches in the client's memory;
//! - the suite's stage tables become views (a plan, sent along with each query) instead of
//!   tables materialised in the client's memory ([`is_distributed`]).
//!
//! With feature `standalone`, [`LocalCluster`] starts a scheduler and executors in this process
//! on loopback: what the tests and `retail cluster` use.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::DataType;
use ballista::prelude::SessionContextExt;
use ballista_core::config::BallistaConfig;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use retail_ingest::{OPTIONAL_COLUMNS, OptionalColumns, canonical_schema, canonical_schema_with};

use crate::{MetricsError, SALES_TABLE};

/// Connects to the Ballista scheduler at `url` (`df://HOST:PORT`; the port defaults to 50050).
/// Nothing is sent until the first query, so an unreachable scheduler shows up there.
pub async fn connect(url: &str) -> Result<SessionContext, MetricsError> {
    check_url(url)?;
    SessionContext::remote(url)
        .await
        .map_err(|e| MetricsError::Cluster {
            url: url.to_string(),
            message: e.to_string(),
        })
}

fn check_url(url: &str) -> Result<(), MetricsError> {
    let rest = url
        .strip_prefix("df://")
        .ok_or_else(|| MetricsError::InvalidParameter {
            parameter: "cluster",
            message: format!("'{url}' is not a Ballista scheduler URL (df://HOST:PORT)"),
        })?;
    let host = rest.split([':', '/']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(MetricsError::InvalidParameter {
            parameter: "cluster",
            message: format!("'{url}' names no host (df://HOST:PORT)"),
        });
    }
    Ok(())
}

/// True when `ctx` runs its queries on a Ballista cluster.
pub fn is_distributed(ctx: &SessionContext) -> bool {
    ctx.state()
        .config()
        .options()
        .extensions
        .get::<BallistaConfig>()
        .is_some()
}

/// What `sales` is read from on a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SalesFileFormat {
    /// `.parquet` files with the canonical columns (the optional columns any file has are
    /// read, null in the files without them; other columns are ignored).
    Parquet,
    /// `.csv` files with a header of exactly the canonical columns, in order, then the same
    /// optional columns in every file.
    Csv,
}

impl SalesFileFormat {
    fn extension(self) -> &'static str {
        match self {
            SalesFileFormat::Parquet => ".parquet",
            SalesFileFormat::Csv => ".csv",
        }
    }
}

/// Registers canonical files, or directories of them read recursively (such as the month
/// partitions `retail_ingest::write::write_months` writes, and with it `retail convert
/// --partition-by month`), as the table `sales`: Parquet
/// (`.parquet`) or CSV (`.csv`, the canonical header), told apart by their extension.
///
/// The paths are made absolute: every executor must be able to open them (a shared directory
/// when the executors are on other machines). Every file is checked against the canonical
/// schema first (Parquet: each column's presence and type; CSV: the header), so a raw export
/// registered by mistake is an error naming the file and the column, not a table of nulls.
pub async fn register_sales_files(
    ctx: &SessionContext,
    paths: &[PathBuf],
) -> Result<(), MetricsError> {
    if paths.is_empty() {
        return Err(MetricsError::InvalidParameter {
            parameter: "files",
            message: "no canonical Parquet or CSV file or directory given".to_string(),
        });
    }
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(not_canonical(path, "no such file or directory".to_string()));
        }
        let before = files.len();
        collect_files(path, &mut files).map_err(|e| not_canonical(path, e.to_string()))?;
        if files.len() == before {
            return Err(not_canonical(
                path,
                "no .parquet or .csv file in it".to_string(),
            ));
        }
    }
    let format = files[0].1;
    if let Some((other, _)) = files.iter().find(|(_, f)| *f != format) {
        return Err(not_canonical(
            other,
            format!(
                "a mix of {} and {} files; give one format",
                format.extension(),
                if format == SalesFileFormat::Parquet {
                    ".csv"
                } else {
                    ".parquet"
                }
            ),
        ));
    }
    let options = match format {
        SalesFileFormat::Parquet => ListingOptions::new(Arc::new(ParquetFormat::default())),
        SalesFileFormat::Csv => {
            ListingOptions::new(Arc::new(CsvFormat::default().with_has_header(true)))
        }
    }
    .with_file_extension(format.extension());
    let mut extras = OptionalColumns::NONE;
    let mut urls = Vec::with_capacity(paths.len());
    for path in paths {
        let url = listing_url(path)?;
        if format == SalesFileFormat::Parquet {
            let found = options
                .infer_schema(&ctx.state(), &url)
                .await
                .map_err(|e| not_canonical(path, e.to_string()))?;
            extras = extras.union(check_parquet_columns(path, &found)?);
        }
        urls.push(url);
    }
    if format == SalesFileFormat::Csv {
        for (i, (file, _)) in files.iter().enumerate() {
            let have = check_csv_header(file)?;
            if i > 0 && have != extras {
                return Err(not_canonical(
                    file,
                    format!(
                        "its optional columns ({}) differ from those of {} ({}); CSV files are \
                         read by position, so they must have the same header",
                        names(have),
                        files[0].0.display(),
                        names(extras)
                    ),
                ));
            }
            extras = have;
        }
    }
    let schema = canonical_schema_with(extras);
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(SALES_TABLE, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// The `.parquet` and `.csv` files at `path` (itself, or under it), with their format.
fn collect_files(path: &Path, out: &mut Vec<(PathBuf, SalesFileFormat)>) -> std::io::Result<()> {
    let metadata = std::fs::metadata(path)?;
    if metadata.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            let hidden = entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(['.', '_']));
            if !hidden {
                collect_files(&entry, out)?;
            }
        }
    } else {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".parquet") {
            out.push((path.to_path_buf(), SalesFileFormat::Parquet));
        } else if name.ends_with(".csv") {
            out.push((path.to_path_buf(), SalesFileFormat::Csv));
        }
    }
    Ok(())
}

fn names(extras: OptionalColumns) -> String {
    if extras.is_empty() {
        "none".to_string()
    } else {
        extras.names().collect::<Vec<_>>().join(", ")
    }
}

/// Checks the canonical columns; returns the optional columns the files have.
fn check_parquet_columns(
    path: &Path,
    found: &arrow::datatypes::Schema,
) -> Result<OptionalColumns, MetricsError> {
    for field in canonical_schema().fields() {
        match found.field_with_name(field.name()) {
            Err(_) => {
                return Err(not_canonical(
                    path,
                    format!("it has no column '{}'", field.name()),
                ));
            }
            Ok(have) if !same_type(have.data_type(), field.data_type()) => {
                return Err(not_canonical(
                    path,
                    format!(
                        "column '{}' is {}, the canonical schema has {}",
                        field.name(),
                        have.data_type(),
                        field.data_type()
                    ),
                ));
            }
            Ok(_) => {}
        }
    }
    let mut extras = OptionalColumns::NONE;
    for name in OPTIONAL_COLUMNS {
        if let Ok(field) = found.field_with_name(name) {
            if !same_type(field.data_type(), &DataType::Utf8) {
                return Err(not_canonical(
                    path,
                    format!("column '{name}' is {}, it must be text", field.data_type()),
                ));
            }
            extras = extras.with(name).unwrap_or(extras);
        }
    }
    Ok(extras)
}

/// A CSV file is read by position, so its header must be the canonical columns in order,
/// then optional columns in their order; returns those.
fn check_csv_header(path: &Path) -> Result<OptionalColumns, MetricsError> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| not_canonical(path, e.to_string()))?;
    let mut header = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut header)
        .map_err(|e| not_canonical(path, e.to_string()))?;
    let have: Vec<&str> = header.trim_end_matches(['\r', '\n']).split(',').collect();
    let extras = have
        .get(canonical_schema().fields().len()..)
        .and_then(OptionalColumns::from_names)
        .unwrap_or_default();
    let schema = canonical_schema_with(extras);
    let want: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    if let Some(i) = (0..want.len().max(have.len())).find(|&i| have.get(i) != want.get(i)) {
        let message = match (have.get(i), want.get(i)) {
            (Some(h), Some(w)) => format!("line 1, column {}: header '{h}', expected '{w}'", i + 1),
            (None, Some(w)) => format!("line 1: the header ends before column '{w}'"),
            (Some(h), None) => format!("line 1, column {}: '{h}' is not a canonical column", i + 1),
            (None, None) => return Ok(extras),
        };
        return Err(not_canonical(path, message));
    }
    Ok(extras)
}

fn listing_url(path: &Path) -> Result<ListingTableUrl, MetricsError> {
    let absolute = std::path::absolute(path).map_err(|e| not_canonical(path, e.to_string()))?;
    if !absolute.exists() {
        return Err(not_canonical(path, "no such file or directory".to_string()));
    }
    let mut text = absolute.to_string_lossy().into_owned();
    // A trailing slash is how a listing URL says "directory".
    if absolute.is_dir() && !text.ends_with('/') {
        text.push('/');
    }
    Ok(ListingTableUrl::parse(text)?)
}

fn not_canonical(path: &Path, message: String) -> MetricsError {
    MetricsError::NotCanonicalFile {
        path: path.to_path_buf(),
        message,
    }
}

/// Strings may come back as any of Arrow's string types (DataFusion reads Parquet strings as
/// views); everything else must match exactly.
fn same_type(have: &DataType, want: &DataType) -> bool {
    let is_text =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    have == want || (is_text(have) && is_text(want))
}

/// A Ballista scheduler and executors running in this process on loopback (feature
/// `standalone`): a real cluster (gRPC between scheduler and executors, shuffles through Arrow
/// Flight) without starting anything else. It runs on the tokio runtime that started it, until
/// that runtime ends. Give that runtime's workers deep stacks (32 MiB; tokio's default 2 MiB
/// overflows in debug builds, where decoding a KPI plan recurses deeply).
#[cfg(feature = "standalone")]
#[derive(Debug, Clone)]
pub struct LocalCluster {
    url: String,
    executors: usize,
    task_slots: usize,
}

#[cfg(feature = "standalone")]
impl LocalCluster {
    /// Starts a scheduler on a free loopback port and `executors` executors with `task_slots`
    /// concurrent tasks each.
    pub async fn start(executors: usize, task_slots: usize) -> Result<LocalCluster, MetricsError> {
        use ballista_core::serde::BallistaCodec;
        use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;

        for (parameter, value) in [("executors", executors), ("task_slots", task_slots)] {
            if !(1..=256).contains(&value) {
                return Err(MetricsError::InvalidParameter {
                    parameter,
                    message: format!("{value}; must be 1 to 256"),
                });
            }
        }
        let failed = |message: String| MetricsError::Cluster {
            url: "df://localhost".to_string(),
            message,
        };
        let address = ballista_scheduler::standalone::new_standalone_scheduler()
            .await
            .map_err(|e| failed(format!("the scheduler did not start: {e}")))?;
        let grpc = format!("http://localhost:{}", address.port());
        let mut attempts = 0;
        let scheduler = loop {
            match SchedulerGrpcClient::connect(grpc.clone()).await {
                Ok(client) => break client,
                Err(e) if attempts >= 100 => {
                    return Err(failed(format!(
                        "the scheduler at {grpc} did not answer: {e}"
                    )));
                }
                Err(_) => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        };
        for _ in 0..executors {
            ballista_executor::new_standalone_executor(
                scheduler.clone(),
                task_slots,
                BallistaCodec::default(),
            )
            .await
            .map_err(|e| failed(format!("an executor did not start: {e}")))?;
        }
        Ok(LocalCluster {
            url: format!("df://localhost:{}", address.port()),
            executors,
            task_slots,
        })
    }

    /// The scheduler's URL for [`connect`] and `retail kpis --cluster`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Number of executors.
    pub fn executors(&self) -> usize {
        self.executors
    }

    /// Concurrent tasks per executor.
    pub fn task_slots(&self) -> usize {
        self.task_slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduler_urls_are_checked() {
        assert!(check_url("df://localhost:50050").is_ok());
        assert!(check_url("df://10.0.0.7").is_ok());
        for bad in [
            "localhost:50050",
            "http://localhost:50050",
            "df://",
            "df://:50050",
        ] {
            let err = check_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid cluster:"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_local_session_is_not_distributed() {
        assert!(!is_distributed(&SessionContext::new()));
    }

    #[test]
    fn string_types_are_interchangeable_and_nothing_else_is() {
        assert!(same_type(&DataType::Utf8View, &DataType::Utf8));
        assert!(same_type(&DataType::Int64, &DataType::Int64));
        assert!(!same_type(&DataType::Int32, &DataType::Int64));
        assert!(!same_type(&DataType::Utf8, &DataType::Float64));
    }
}
