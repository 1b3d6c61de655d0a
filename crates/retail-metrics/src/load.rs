//! Reading several sales sources into memory, with a [`SalesSlice`] applied batch by batch
//! while reading (so a slice of a large file never holds the whole file), a product-to-category
//! table filled in first, and merchandise-only lines told per source (each source's layout has
//! its own product classes).
//!
//! ```no_run
//! use retail_metrics::SalesSlice;
//! use retail_metrics::load::{LoadParams, Source, load};
//!
//! let params = LoadParams::new()
//!     .with_slice(SalesSlice::new().with_countries(["France"]))
//!     .with_merchandise_only(true);
//! let sources = [Source::File("online_retail.csv".into())];
//! let loaded = load(&sources, &params, |report| {
//!     eprintln!("{}: {} rows rejected", report.source, report.rows_rejected)
//! })?;
//! if let Some(count) = &loaded.slice {
//!     eprintln!("slice {}: {} of {} lines", count.description, count.kept, count.accepted);
//! }
//! # Ok::<(), retail_metrics::MetricsError>(())
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use retail_ingest::{
    IngestError, IngestParams, IngestReport, OptionalColumns, ProductCategories, ProductClasses,
    TransactionReader,
};

use crate::{MetricsError, SalesSlice};

/// One input: a file (CSV, gzip CSV or Parquet, told by its first bytes), or delimited text
/// compiled into the program (such as `retail_ingest::samples`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Delimited text (plain or gzip) in memory; reports name it `embedded:NAME`.
    Embedded {
        /// The name reports and errors use (after `embedded:`).
        name: &'static str,
        /// The text.
        bytes: &'static [u8],
    },
}

impl Source {
    /// Opens the source for streaming.
    ///
    /// # Errors
    /// As [`retail_ingest::open`] and [`retail_ingest::open_reader`]: options out of range, an
    /// unreadable file, a header of no known layout.
    pub fn open(&self, options: &IngestParams) -> Result<TransactionReader, IngestError> {
        match self {
            Source::File(path) => retail_ingest::open(path, options),
            Source::Embedded { name, bytes } => retail_ingest::open_reader(
                format!("embedded:{name}"),
                std::io::Cursor::new(*bytes),
                options,
            ),
        }
    }
}

/// What [`load`] reads and keeps. Setters cannot fail; [`LoadParams::check`] (called by
/// [`load`] before reading) checks the whole.
#[derive(Debug, Clone, Default)]
pub struct LoadParams {
    options: IngestParams,
    slice: SalesSlice,
    categories: Option<ProductCategories>,
    merchandise_only: bool,
    product_classes: ProductClasses,
}

impl LoadParams {
    /// Every line of every source, read with the default ingest options.
    pub fn new() -> Self {
        Self::default()
    }

    /// How to read each source.
    pub fn with_options(mut self, options: IngestParams) -> Self {
        self.options = options;
        self
    }

    /// Keep only the lines of this slice (checked by [`LoadParams::check`]).
    pub fn with_slice(mut self, slice: SalesSlice) -> Self {
        self.slice = slice;
        self
    }

    /// A product-to-category table applied to every batch before the slice (so a slice by
    /// category sees the categories it fills); its `class` column overrides the product
    /// classes.
    pub fn with_categories(mut self, categories: ProductCategories) -> Self {
        self.categories = Some(categories);
        self
    }

    /// Keep merchandise lines only: the products each source's classes mark as other
    /// charges (postage, fees, adjustments) are left out.
    pub fn with_merchandise_only(mut self, merchandise_only: bool) -> Self {
        self.merchandise_only = merchandise_only;
        self
    }

    /// Product classes set over each source's layout defaults (a mapping's
    /// `[product_classes]`, another layout's defaults); the categories table's classes
    /// come after these.
    pub fn with_product_classes(mut self, classes: ProductClasses) -> Self {
        self.product_classes = classes;
        self
    }

    /// The slice.
    pub fn slice(&self) -> &SalesSlice {
        &self.slice
    }

    /// The ingest options.
    pub fn options(&self) -> &IngestParams {
        &self.options
    }

    /// Checks the parameters as a whole.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] naming the slice parameter that is wrong (as
    /// [`SalesSlice::compile`]), or [`MetricsError::Ingest`] for ingest options out of range.
    pub fn check(&self) -> Result<(), MetricsError> {
        self.slice.compile()?;
        self.options.check()?;
        Ok(())
    }

    /// The product classes of a source read with `report`: its layout's defaults, then
    /// [`LoadParams::with_product_classes`], then the categories table's `class` column.
    pub fn product_classes(&self, report: &IngestReport) -> ProductClasses {
        let mut classes = ProductClasses::for_layout(&report.layout);
        classes.extend(&self.product_classes);
        if let Some(table) = &self.categories {
            classes.extend(table.classes());
        }
        classes
    }

    /// The slice in words with merchandise-only (`2011-01-01 to 2011-06-30; merchandise
    /// only`); `None` for every line.
    pub fn describe_slice(&self) -> Option<String> {
        match (self.slice.is_everything(), self.merchandise_only) {
            (true, false) => None,
            (true, true) => Some("merchandise only".into()),
            (false, false) => Some(self.slice.describe()),
            (false, true) => Some(format!("{}; merchandise only", self.slice.describe())),
        }
    }
}

/// The lines a slice kept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SliceCount {
    /// The slice in words ([`LoadParams::describe_slice`]).
    pub description: String,
    /// Lines kept.
    pub kept: u64,
    /// Lines accepted by the ingest (before the slice).
    pub accepted: u64,
}

/// What [`load`] read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Loaded {
    /// The lines kept, with one schema: the canonical columns and every optional column any
    /// source has (null in the rows of the others).
    pub batches: Vec<RecordBatch>,
    /// One ingest report per source, in order.
    pub reports: Vec<IngestReport>,
    /// The count of lines kept, when the slice (with merchandise-only) leaves lines out;
    /// `None` when it keeps every line.
    pub slice: Option<SliceCount>,
}

/// Reads every source into memory, keeping the lines of the slice (filtered batch by batch
/// while reading). `on_report` sees each source's report as soon as that source is read
/// (to tell about rejected rows and warnings while the next is read).
///
/// # Errors
/// - [`LoadParams::check`]'s errors, before any source is opened;
/// - [`MetricsError::Ingest`] when a source cannot be opened or read;
/// - [`MetricsError::NoDataRows`] when the sources have no data rows, and
///   [`MetricsError::NoRowsAccepted`] when none of their rows was accepted;
/// - [`MetricsError::EmptySlice`] when the slice keeps no line (a misspelt value is far
///   likelier than a wish for empty results);
/// - [`MetricsError::Arrow`] when the categories table or the unification of the optional
///   columns fails, [`MetricsError::DataFusion`] when the slice fails on a value.
pub fn load(
    sources: &[Source],
    params: &LoadParams,
    on_report: impl FnMut(&IngestReport),
) -> Result<Loaded, MetricsError> {
    let mut batches = Vec::new();
    let read = load_each(sources, params, on_report, |batch| {
        batches.push(batch);
        Ok(())
    })?;
    let batches = retail_ingest::unify_optional_columns(batches)?;
    Ok(Loaded {
        batches,
        reports: read.reports,
        slice: read.slice,
    })
}

/// What [`load_each`] read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoadSummary {
    /// One ingest report per source, in order.
    pub reports: Vec<IngestReport>,
    /// The count of lines kept, as [`Loaded::slice`].
    pub slice: Option<SliceCount>,
}

/// The optional columns (`customer_name`, `city`, …) the sources give: their headers (or
/// Parquet footers) alone are read. The schema [`load_each`]'s batches are made to share
/// with `retail_ingest::with_optional_columns`.
///
/// # Errors
/// As [`Source::open`].
pub fn optional_columns(
    sources: &[Source],
    params: &LoadParams,
) -> Result<OptionalColumns, MetricsError> {
    let mut all = OptionalColumns::NONE;
    for source in sources {
        let reader = source.open(&params.options)?;
        let names = &reader.report().optional_columns;
        all = all.union(OptionalColumns::from_names(names).unwrap_or_default());
    }
    Ok(all)
}

/// [`load`] without holding the lines: each kept batch goes to `on_batch` as soon as it is
/// read and sliced (so memory stays bounded by the batches in flight, whatever the sources'
/// size). A batch has the canonical columns and the optional columns of its source
/// ([`optional_columns`] gives the union). An error of `on_batch` stops the reading.
///
/// # Errors
/// As [`load`], and `on_batch`'s.
pub fn load_each(
    sources: &[Source],
    params: &LoadParams,
    mut on_report: impl FnMut(&IngestReport),
    mut on_batch: impl FnMut(RecordBatch) -> Result<(), MetricsError>,
) -> Result<LoadSummary, MetricsError> {
    let filter = params.slice.compile()?;
    params.options.check()?;
    let mut kept = 0u64;
    let mut reports = Vec::new();
    let mut keeps_everything = filter.keeps_everything();
    for source in sources {
        let mut reader = source.open(&params.options)?;
        // The source's product classes are known once its layout is.
        let filter = if params.merchandise_only {
            let classes = params.product_classes(reader.report());
            let filter = params
                .slice
                .clone()
                .with_merchandise_only(&classes)
                .compile()?;
            keeps_everything &= filter.keeps_everything();
            filter
        } else {
            filter.clone()
        };
        for batch in reader.by_ref() {
            let batch = batch?;
            let batch = match &params.categories {
                Some(table) => table.apply(&batch)?,
                None => batch,
            };
            let batch = if filter.keeps_everything() {
                batch
            } else {
                filter.apply(&batch)?
            };
            if batch.num_rows() > 0 {
                kept += batch.num_rows() as u64;
                on_batch(batch)?;
            }
        }
        let report = reader.into_report();
        on_report(&report);
        reports.push(report);
    }
    if reports.iter().all(|r| r.rows_accepted == 0) {
        let sources = reports.iter().map(|r| r.source.clone()).collect();
        let rows_read: u64 = reports.iter().map(|r| r.rows_read).sum();
        if rows_read == 0 {
            return Err(MetricsError::NoDataRows { sources });
        }
        let mut reasons = BTreeMap::new();
        for (reason, n) in reports.iter().flat_map(|r| &r.rejected_by_reason) {
            *reasons.entry(reason.to_string()).or_insert(0u64) += n;
        }
        return Err(MetricsError::NoRowsAccepted {
            sources,
            rows_read,
            rejected_by_reason: reasons.into_iter().collect(),
        });
    }
    let mut slice = None;
    if let Some(description) = params.describe_slice().filter(|_| !keeps_everything) {
        let accepted: u64 = reports.iter().map(|r| r.rows_accepted).sum();
        if kept == 0 {
            return Err(MetricsError::EmptySlice {
                slice: description,
                lines: accepted,
            });
        }
        slice = Some(SliceCount {
            description,
            kept,
            accepted,
        });
    }
    Ok(LoadSummary { reports, slice })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const HEADER: &str =
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

    fn file(lines: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        file.write_all(HEADER.as_bytes()).unwrap();
        file.write_all(lines.as_bytes()).unwrap();
        file
    }

    fn sales() -> tempfile::NamedTempFile {
        file(
            "536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n\
             536365,POST,POSTAGE,1,12/1/2010 8:26,18.00,17850,United Kingdom\n\
             536366,22633,HAND WARMER,6,12/1/2010 8:28,1.85,17850,France\n\
             536367,84879,BIRD,32,12/1/2010 8:34,1.69,13047,France\n",
        )
    }

    #[test]
    fn slices_while_reading_and_counts() {
        let sales = sales();
        let sources = [Source::File(sales.path().to_path_buf())];
        let params = LoadParams::new()
            .with_slice(SalesSlice::new().with_countries(["France"]))
            .with_merchandise_only(true);
        let mut seen = Vec::new();
        let loaded = load(&sources, &params, |r| seen.push(r.rows_accepted)).unwrap();
        assert_eq!(seen, vec![4]);
        let rows: usize = loaded.batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 2);
        assert_eq!(
            loaded.slice,
            Some(SliceCount {
                description: "country: France; merchandise only".into(),
                kept: 2,
                accepted: 4,
            })
        );
    }

    #[test]
    fn merchandise_only_leaves_out_postage() {
        let sales = sales();
        let sources = [Source::File(sales.path().to_path_buf())];
        let params = LoadParams::new().with_merchandise_only(true);
        let loaded = load(&sources, &params, |_| {}).unwrap();
        let count = loaded.slice.unwrap();
        assert_eq!((count.kept, count.accepted), (3, 4));
        // Every line, no count.
        let loaded = load(&sources, &LoadParams::new(), |_| {}).unwrap();
        assert!(loaded.slice.is_none());
        assert_eq!(loaded.reports[0].rows_accepted, 4);
    }

    #[test]
    fn empty_slice_and_nothing_accepted_are_errors() {
        let sales = sales();
        let sources = [Source::File(sales.path().to_path_buf())];
        let params = LoadParams::new().with_slice(SalesSlice::new().with_countries(["Fr"]));
        let err = load(&sources, &params, |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the slice (country: Fr) keeps none of the 4 lines read; check the values"
        );
        let empty = file("");
        let sources = [Source::File(empty.path().to_path_buf())];
        let err = load(&sources, &LoadParams::new(), |_| {}).unwrap_err();
        assert!(matches!(err, MetricsError::NoDataRows { ref sources } if sources.len() == 1));
        let bad = file("536365,85123A,HEART,six,12/1/2010 8:26,2.55,17850,United Kingdom\n");
        let sources = [Source::File(bad.path().to_path_buf())];
        match load(&sources, &LoadParams::new(), |_| {}).unwrap_err() {
            MetricsError::NoRowsAccepted {
                rows_read,
                rejected_by_reason,
                ..
            } => {
                assert_eq!(rows_read, 1);
                assert_eq!(rejected_by_reason.iter().map(|(_, n)| n).sum::<u64>(), 1);
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_bad_slice_fails_before_reading() {
        let sources = [Source::File("/no/such/file.csv".into())];
        let params = LoadParams::new().with_slice(SalesSlice::new().with_predicate("nope >"));
        let err = load(&sources, &params, |_| {}).unwrap_err();
        assert!(matches!(
            err,
            MetricsError::InvalidParameter {
                parameter: "predicate",
                ..
            }
        ));
    }

    #[test]
    fn categories_fill_before_the_slice_and_classes_follow_the_table() {
        let sales = sales();
        let mut table = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        table
            .write_all(
                b"product_id,category,sub_category,class\n22633,Warmers,,\n84879,Birds,,fee\n",
            )
            .unwrap();
        let categories = ProductCategories::from_csv(table.path()).unwrap();
        let params = LoadParams::new()
            .with_categories(categories)
            .with_slice(SalesSlice::new().with_categories(["Warmers", "Birds"]))
            .with_merchandise_only(true);
        let sources = [Source::File(sales.path().to_path_buf())];
        let loaded = load(&sources, &params, |_| {}).unwrap();
        let count = loaded.slice.unwrap();
        // 84879 is a fee by the table's class column: only the hand warmer is left.
        assert_eq!((count.kept, count.accepted), (1, 4));
    }
}
