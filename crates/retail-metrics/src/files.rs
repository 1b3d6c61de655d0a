//! Canonical sales files (Parquet or CSV, as `retail_ingest::write` and `retail convert`
//! write them) queried where they lie, through a DataFusion listing table, instead of read
//! into memory:
//! - [`canonical_parquet`] tells from the files' footers alone whether inputs are canonical
//!   Parquet, with their row counts and first and last timestamps;
//! - [`register_sales_in_place`] registers them as `sales` with a [`SalesSlice`] pushed into
//!   the scan: only the needed columns are decoded, and files and row groups whose statistics
//!   lie outside the slice (another month) are not read;
//! - [`register_sales_files`] registers canonical Parquet or CSV as they are (what a Ballista
//!   cluster's executors read, module `distributed`).
//!
//! ```no_run
//! # async fn example() -> Result<(), retail_metrics::MetricsError> {
//! use retail_metrics::files::{canonical_parquet, register_sales_in_place};
//! use retail_metrics::{KpiParams, KpiSuite, MemoryLimit, SalesSlice, new_session};
//!
//! let paths = ["sales_by_month/".into()];
//! let Some(files) = canonical_parquet(&paths)? else {
//!     panic!("not canonical Parquet: read it with retail_metrics::load");
//! };
//! let ctx = new_session(MemoryLimit::default())?;
//! let slice = SalesSlice::new().with_from(chrono::NaiveDate::from_ymd_opt(2011, 11, 1).unwrap());
//! let kept = register_sales_in_place(&ctx, &files, &slice).await?;
//! let suite = KpiSuite::run(&ctx, &KpiParams::default()).await?;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use datafusion::parquet::file::statistics::Statistics;
use datafusion::prelude::SessionContext;
use retail_ingest::{
    IngestReport, OPTIONAL_COLUMNS, OptionalColumns, canonical_schema, canonical_schema_with,
    col as c,
};

use crate::load::SliceCount;
use crate::{MetricsError, SALES_TABLE, SalesSlice};

/// Canonical Parquet inputs, as their footers describe them ([`canonical_parquet`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CanonicalParquet {
    /// The paths given: files, or directories read recursively.
    pub paths: Vec<PathBuf>,
    /// One report per path: its rows (all accepted: canonical files hold checked rows) and
    /// first and last timestamps.
    pub reports: Vec<IngestReport>,
    /// Parquet files in all.
    pub files: usize,
    /// Their size in bytes.
    pub bytes: u64,
    /// The optional columns any of them has (the table's schema).
    optional: OptionalColumns,
}

impl CanonicalParquet {
    /// The optional columns any of the files has: the table's schema is
    /// `retail_ingest::canonical_schema_with` of them.
    pub fn optional_columns(&self) -> OptionalColumns {
        self.optional
    }
}

/// Whether every path is canonical Parquet: a `.parquet` file, or a directory whose files
/// (read recursively, hidden ones left out) are all `.parquet`, each with the canonical
/// columns and types. Only the footers are read. `Ok(None)` when a file is something else
/// (a CSV, a raw export in Parquet, a file that does not open as Parquet): such inputs are
/// read row by row ([`crate::load`]), which checks every row and names the problems.
///
/// # Errors
/// [`MetricsError::NotCanonicalFile`] naming the directory, or the file in it, when a
/// directory holds no `.parquet` file, a CSV file, a file that does not open as Parquet or
/// one without the canonical columns (only canonical files are read from a directory).
pub fn canonical_parquet(paths: &[PathBuf]) -> Result<Option<CanonicalParquet>, MetricsError> {
    if paths.is_empty() {
        return Ok(None);
    }
    let mut found = CanonicalParquet {
        paths: paths.to_vec(),
        reports: Vec::with_capacity(paths.len()),
        files: 0,
        bytes: 0,
        optional: OptionalColumns::NONE,
    };
    for path in paths {
        let mut files = Vec::new();
        if !path.exists() || collect_files(path, &mut files).is_err() {
            return Ok(None);
        }
        // Only canonical files are read from a directory: anything else in it is an error
        // here, where it can be named. A file that is not canonical is read row by row.
        let in_directory = path.is_dir();
        let refuse = |file: &Path, message: String| {
            if in_directory {
                Err(not_canonical(file, message))
            } else {
                Ok(None)
            }
        };
        if files.is_empty() {
            return refuse(
                path,
                "a directory is read when it holds canonical Parquet files (`retail convert \
                 --partition-by month` writes them); it holds no .parquet file"
                    .to_string(),
            );
        }
        let mut rows = 0u64;
        let mut first: Option<i64> = None;
        let mut last: Option<i64> = None;
        let mut extras = OptionalColumns::NONE;
        for (file, format) in &files {
            if *format != SalesFileFormat::Parquet {
                return refuse(
                    file,
                    "a CSV file in a directory of Parquet; convert it with `retail convert` \
                     or move it out"
                        .to_string(),
                );
            }
            let Some(footer) = parquet_footer(file) else {
                return refuse(file, "it does not open as Parquet".to_string());
            };
            let have = match check_parquet_columns(file, footer.schema()) {
                Ok(have) => have,
                Err(err) if in_directory => return Err(err),
                Err(_) => return Ok(None),
            };
            extras = extras.union(have);
            let metadata = footer.metadata();
            rows += metadata.file_metadata().num_rows().max(0) as u64;
            let timestamp = metadata
                .file_metadata()
                .schema_descr()
                .columns()
                .iter()
                .position(|column| column.path().string() == c::TIMESTAMP);
            for group in metadata.row_groups() {
                let stats = timestamp.and_then(|i| group.column(i).statistics());
                if let Some(Statistics::Int64(stats)) = stats {
                    if let Some(&min) = stats.min_opt() {
                        first = Some(first.map_or(min, |f| f.min(min)));
                    }
                    if let Some(&max) = stats.max_opt() {
                        last = Some(last.map_or(max, |l| l.max(max)));
                    }
                }
            }
            found.files += 1;
            found.bytes += std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        }
        found.optional = found.optional.union(extras);
        let optional: Vec<&str> = extras.names().collect();
        found.reports.push(IngestReport::canonical_in_place(
            path.display().to_string(),
            rows,
            first,
            last,
            &optional,
        ));
    }
    Ok(Some(found))
}

/// The footer of a Parquet file, or `None` when it does not open as one.
fn parquet_footer(path: &Path) -> Option<ArrowReaderMetadata> {
    let file = std::fs::File::open(path).ok()?;
    ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).ok()
}

/// Registers canonical Parquet files ([`canonical_parquet`]) as the table `sales`, queried in
/// place: nothing is read until a query runs, and each query reads only the columns it needs.
/// A slice that keeps part of the lines is pushed into the scan (files and row groups whose
/// timestamp or other statistics lie outside it are skipped) and its lines are counted:
/// `Some` count then, `None` for every line. It also replaces the session's `SUM` by
/// [`crate::exact_sum`]'s, as [`crate::register_sales`] does, so that both give the same bits.
///
/// # Errors
/// - [`MetricsError::InvalidParameter`] for a bad slice (as [`SalesSlice::expr`]);
/// - [`MetricsError::NotCanonicalFile`] when a file changed since [`canonical_parquet`] read
///   it; [`MetricsError::DataFusion`] when the scan fails;
/// - [`MetricsError::EmptySlice`] when the slice keeps no line.
pub async fn register_sales_in_place(
    ctx: &SessionContext,
    files: &CanonicalParquet,
    slice: &SalesSlice,
) -> Result<Option<SliceCount>, MetricsError> {
    let expr = slice.expr()?;
    crate::exact_sum::register(ctx);
    // The footers were read and checked by `canonical_parquet`: not again here.
    let urls = files
        .paths
        .iter()
        .map(|p| listing_url(p))
        .collect::<Result<Vec<_>, _>>()?;
    let table = listing_table(urls, SalesFileFormat::Parquet, files.optional)?;
    let Some(expr) = expr else {
        ctx.register_table(SALES_TABLE, table)?;
        return Ok(None);
    };
    let view = ctx.read_table(table)?.filter(expr)?.into_view();
    ctx.register_table(SALES_TABLE, view)?;
    let kept = ctx.table(SALES_TABLE).await?.count().await? as u64;
    let accepted = files.reports.iter().map(|r| r.rows_accepted).sum();
    if kept == 0 {
        return Err(MetricsError::EmptySlice {
            slice: slice.describe(),
            lines: accepted,
        });
    }
    Ok(Some(SliceCount {
        description: slice.describe(),
        kept,
        accepted,
    }))
}

/// What canonical sales files hold.
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
    let table = sales_listing_table(ctx, paths).await?;
    ctx.register_table(SALES_TABLE, table)?;
    Ok(())
}

/// The canonical files at `paths` as one listing table (what [`register_sales_files`]
/// registers), checked as it says.
async fn sales_listing_table(
    ctx: &SessionContext,
    paths: &[PathBuf],
) -> Result<Arc<ListingTable>, MetricsError> {
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
    let options = listing_options(format);
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
    listing_table(urls, format, extras)
}

/// How canonical files of `format` are listed and read.
fn listing_options(format: SalesFileFormat) -> ListingOptions {
    match format {
        SalesFileFormat::Parquet => ListingOptions::new(Arc::new(ParquetFormat::default())),
        SalesFileFormat::Csv => {
            ListingOptions::new(Arc::new(CsvFormat::default().with_has_header(true)))
        }
    }
    .with_file_extension(format.extension())
}

/// The listing table over `urls` with the canonical columns and `extras`.
fn listing_table(
    urls: Vec<ListingTableUrl>,
    format: SalesFileFormat,
    extras: OptionalColumns,
) -> Result<Arc<ListingTable>, MetricsError> {
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(listing_options(format))
        .with_schema(canonical_schema_with(extras));
    Ok(Arc::new(ListingTable::try_new(config)?))
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
