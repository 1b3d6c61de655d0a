//! Reading the input files (or the embedded samples) with the user's ingest options.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use arrow::record_batch::RecordBatch;
use clap::Args;
use retail_ingest::{
    ColumnMapping, DateOrder, IngestParams, IngestReport, KnownLayout, ProductCategories,
    ProductClasses, TextEncoding, samples,
};
pub use retail_metrics::load::Source;
use retail_metrics::load::{self, LoadParams};
use retail_metrics::{MemoryLimit, MetricsError, SalesSlice, files};

/// How to read the input files.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// A column mapping (TOML or JSON) for an export of another layout (see docs/schema.md).
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Read the files as this known layout instead of detecting it.
    #[arg(long, value_name = "NAME", conflicts_with = "mapping")]
    pub layout: Option<KnownLayout>,
    /// Text encoding: utf-8 or windows-1252 (latin-1); detected when not given.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<TextEncoding>,
    /// Day/month order of dates such as 01/02/2011: auto, day-first or month-first.
    #[arg(long, value_name = "ORDER", default_value = "auto")]
    pub date_order: DateOrder,
    /// Field delimiter (one character); detected from the header when not given.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// Fail on the first rejected row instead of counting it.
    #[arg(long)]
    pub strict: bool,
    /// A product-to-category table (CSV with product_id,category[,sub_category][,class]) that
    /// fills the category of products whose source has none; its `class` column (merchandise,
    /// service, fee, adjustment) overrides the layout's product classes.
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    /// Only merchandise lines: postage, fees and adjustments (the product classes of the
    /// layout, `--mapping` or `--categories`; docs/schema.md) are left out of every result.
    #[arg(long, help_heading = "Slice (every result covers only these lines)")]
    pub merchandise_only: bool,
}

impl ReadArgs {
    /// The product classes of the data read (docs/schema.md, "Product classes"): the defaults
    /// of every layout read (or of `--layout`), then the `--mapping` file's
    /// `[product_classes]`, then the `--categories` table's `class` column.
    pub fn product_classes(&self, reports: &[IngestReport]) -> Result<ProductClasses> {
        let mut classes = ProductClasses::new();
        for report in reports {
            classes.extend(&ProductClasses::for_layout(&report.layout));
        }
        if self.layout.is_none() && reports.is_empty() {
            // Nothing read here (a cluster reads the files): they are canonical files.
            classes.extend(&ProductClasses::for_layout(KnownLayout::Canonical.name()));
        }
        classes.extend(&self.class_overrides()?);
        if let Some(path) = &self.categories {
            classes.extend(ProductCategories::from_csv(path)?.classes());
        }
        Ok(classes)
    }

    /// The classes set over every layout's defaults: `--layout`'s, then `--mapping`'s.
    fn class_overrides(&self) -> Result<ProductClasses> {
        let mut classes = ProductClasses::new();
        if let Some(layout) = self.layout {
            classes.extend(&ProductClasses::for_layout(layout.name()));
        }
        if let Some(path) = &self.mapping {
            let mapping = ColumnMapping::from_file(path)?;
            classes.extend(&ProductClasses::from_entries(mapping.product_classes));
        }
        Ok(classes)
    }

    /// What to read and keep (`retail_metrics::load`), the flag named in errors.
    pub fn load_params(&self, slice: &SalesSlice) -> Result<LoadParams> {
        // Before reading, so that a bad flag fails at once.
        crate::slice::compile(slice)?;
        let mut params = LoadParams::new()
            .with_options(self.options()?)
            .with_slice(slice.clone())
            .with_merchandise_only(self.merchandise_only)
            .with_product_classes(self.class_overrides()?);
        if let Some(path) = &self.categories {
            params = params.with_categories(ProductCategories::from_csv(path)?);
        }
        Ok(params)
    }
}

impl ReadArgs {
    /// These options, reading merchandise only unless `all_products` (the product-level
    /// commands: bundles, next-basket, forecasts by product).
    pub fn merchandise_unless(&self, all_products: bool) -> ReadArgs {
        ReadArgs {
            merchandise_only: self.merchandise_only || !all_products,
            ..self.clone()
        }
    }

    /// The slice in words, with `--merchandise-only`; `None` for every line.
    pub fn describe_slice(&self, slice: &SalesSlice) -> Option<String> {
        LoadParams::new()
            .with_slice(slice.clone())
            .with_merchandise_only(self.merchandise_only)
            .describe_slice()
    }

    pub fn options(&self) -> Result<IngestParams> {
        let mut options = IngestParams::default()
            .with_date_order(self.date_order)
            .with_strict(self.strict);
        if let Some(path) = &self.mapping {
            options = options.with_mapping(ColumnMapping::from_file(path)?);
        }
        if let Some(layout) = self.layout {
            options = options.with_layout(layout);
        }
        if let Some(encoding) = self.encoding {
            options = options.with_encoding(encoding);
        }
        if let Some(delimiter) = self.delimiter {
            let byte =
                u8::try_from(delimiter).context("--delimiter must be one ASCII character")?;
            options = options.with_delimiter(byte);
        }
        options.check().map_err(crate::flags::bad_flag)?;
        Ok(options)
    }
}

/// The files, or with none the embedded samples (`all_samples`: Online Retail and
/// Superstore; otherwise Online Retail alone).
pub fn sources(files: &[PathBuf], all_samples: bool) -> Vec<Source> {
    if !files.is_empty() {
        return files.iter().cloned().map(Source::File).collect();
    }
    let mut sources = vec![online_retail_sample()];
    if all_samples {
        sources.push(superstore_sample());
    }
    sources
}

/// The embedded Online Retail sample.
pub fn online_retail_sample() -> Source {
    Source::Embedded {
        name: "online_retail_sample.csv.gz",
        bytes: samples::ONLINE_RETAIL,
    }
}

/// The embedded Superstore file.
pub fn superstore_sample() -> Source {
    Source::Embedded {
        name: "superstore.csv.gz",
        bytes: samples::SUPERSTORE,
    }
}

/// Every input read into memory, with the ingest reports, keeping only the lines in `slice`
/// (filtered batch by batch while reading). Rejected rows are announced on stderr (they are
/// counted, never silently dropped).
pub fn load_sliced(
    files: &[PathBuf],
    read: &ReadArgs,
    slice: &SalesSlice,
) -> Result<(Vec<RecordBatch>, Vec<IngestReport>)> {
    load_sources_sliced(&sources(files, false), read, slice)
}

/// How a command's DataFusion session may use memory.
#[derive(Debug, Clone, Args)]
pub struct SessionArgs {
    /// Memory that the query operators (aggregations, joins, sorts) may hold before they spill
    /// to disk (in TMPDIR): a size (`8G`, `512M`), a share of RAM (`40%`), or `none`.
    #[arg(long, value_name = "SIZE", default_value = "25%", value_parser = parse_memory_limit)]
    pub memory_limit: MemoryLimit,
}

fn parse_memory_limit(text: &str) -> std::result::Result<MemoryLimit, String> {
    text.parse::<MemoryLimit>().map_err(|err| match err {
        MetricsError::InvalidParameter { message, .. } => message,
        err => err.to_string(),
    })
}

/// The inputs as the table `sales` of a fresh session, keeping only the lines in `slice`,
/// with the ingest reports. Canonical Parquet inputs (from `retail convert`: files, or
/// directories of month files) are queried in place, with the slice pushed into the scan;
/// everything else is read into memory ([`load_sliced`]).
pub async fn load_session(
    files: &[PathBuf],
    read: &ReadArgs,
    slice: &SalesSlice,
    session: &SessionArgs,
) -> Result<(datafusion::prelude::SessionContext, Vec<IngestReport>)> {
    let ctx = retail_metrics::new_session(session.memory_limit).map_err(crate::flags::bad_flag)?;
    if let Some(found) = in_place(files, read)? {
        register_in_place(&ctx, &found, read, slice).await?;
        return Ok((ctx, found.reports));
    }
    let (batches, reports) = load_sliced(files, read, slice)?;
    retail_metrics::register_sales(&ctx, batches)?;
    Ok((ctx, reports))
}

/// Canonical Parquet as `sales` in `ctx`, queried in place with the slice (and
/// `--merchandise-only`) pushed into the scan; the slice's count on stderr.
pub async fn register_in_place(
    ctx: &datafusion::prelude::SessionContext,
    found: &files::CanonicalParquet,
    read: &ReadArgs,
    slice: &SalesSlice,
) -> Result<()> {
    let description = read.describe_slice(slice);
    let mut slice = slice.clone();
    if read.merchandise_only {
        slice = slice.with_merchandise_only(&read.product_classes(&found.reports)?);
    }
    crate::slice::compile(&slice)?;
    let count = files::register_sales_in_place(ctx, found, &slice)
        .await
        .map_err(|err| match (err, &description) {
            // The slice in the words the row-by-row path uses.
            (MetricsError::EmptySlice { lines, .. }, Some(description)) => {
                load_error(MetricsError::EmptySlice {
                    slice: description.clone(),
                    lines,
                })
            }
            (err, _) => load_error(err),
        })?;
    if let Some(mut count) = count {
        count.description = description.unwrap_or(count.description);
        note_slice(Some(&count));
    }
    Ok(())
}

/// The inputs' lines in `slice`, a batch at a time, to `fold` (which sums or groups them);
/// with the ingest reports. Canonical Parquet is queried in place: only `columns` are read,
/// the slice is pushed into the scan and no batch is kept. Other inputs are read whole first
/// ([`load_sliced`]).
pub fn for_each_batch(
    files: &[PathBuf],
    read: &ReadArgs,
    slice: &SalesSlice,
    columns: &[&str],
    mut fold: impl FnMut(&RecordBatch) -> Result<()>,
) -> Result<Vec<IngestReport>> {
    let Some(found) = in_place(files, read)? else {
        let (batches, reports) = load_sliced(files, read, slice)?;
        batches.iter().try_for_each(fold)?;
        return Ok(reports);
    };
    let ctx = retail_metrics::new_session(MemoryLimit::default())?;
    crate::runtime()?.block_on(async {
        register_in_place(&ctx, &found, read, slice).await?;
        retail_metrics::for_each_sales_batch(&ctx, columns, &SalesSlice::new(), &mut fold).await
    })?;
    Ok(found.reports)
}

/// The inputs as canonical Parquet to query in place, when they all are and no option asks
/// for reading row by row (a mapping, another layout, a categories table to fill in).
pub fn in_place(files: &[PathBuf], read: &ReadArgs) -> Result<Option<files::CanonicalParquet>> {
    let canonical_layout = read.layout.is_none_or(|l| l == KnownLayout::Canonical);
    if files.is_empty() || read.mapping.is_some() || read.categories.is_some() || !canonical_layout
    {
        return Ok(None);
    }
    Ok(files::canonical_parquet(files)?)
}

/// [`load_sliced`] over given sources: `retail_metrics::load`, with its notes on stderr.
pub fn load_sources_sliced(
    sources: &[Source],
    read: &ReadArgs,
    slice: &SalesSlice,
) -> Result<(Vec<RecordBatch>, Vec<IngestReport>)> {
    let params = read.load_params(slice)?;
    let loaded = load::load(sources, &params, note_report).map_err(load_error)?;
    note_slice(loaded.slice.as_ref());
    Ok((loaded.batches, loaded.reports))
}

/// The lines a slice kept, on stderr.
pub fn note_slice(count: Option<&load::SliceCount>) {
    if let Some(count) = count {
        crate::note!(
            "retail: slice {}: {} of {} lines",
            count.description,
            count.kept,
            count.accepted
        );
    }
}

/// Rejected rows and warnings of one source, on stderr.
pub fn note_report(report: &IngestReport) {
    if report.rows_rejected > 0 {
        crate::note!(
            "retail: {}: {} of {} rows rejected ({}); `retail inspect` shows where",
            report.source,
            report.rows_rejected,
            report.rows_read,
            report
                .rejected_by_reason
                .iter()
                .map(|(reason, n)| format!("{n} {reason}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for warning in &report.warnings {
        crate::note!(
            "retail: {}: warning: {}",
            report.source,
            crate::flags::with_flag_hints(warning)
        );
    }
}

/// The library's error with the command to run or the flag to fix.
pub fn load_error(err: MetricsError) -> anyhow::Error {
    match err {
        MetricsError::Ingest(err) => err.into(),
        MetricsError::Arrow(err) => err.into(),
        MetricsError::NoRowsAccepted { .. } => {
            anyhow!("{err}; `retail inspect` shows the first rejected rows")
        }
        MetricsError::EmptySlice { slice, lines } => EmptySlice { slice, lines }.into(),
        MetricsError::InvalidParameter { .. } => crate::slice::flag_error(err),
        err => err.into(),
    }
}

/// A slice that keeps no line of the inputs (a misspelt value is far likelier than a wish for
/// empty results, so it is an error).
#[derive(Debug)]
pub struct EmptySlice {
    slice: String,
    lines: u64,
}

impl std::fmt::Display for EmptySlice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the slice ({}) keeps none of the {} lines read; check the values (`retail sql` \
             lists them, e.g. \"SELECT DISTINCT country FROM sales\")",
            self.slice, self.lines
        )
    }
}

impl std::error::Error for EmptySlice {}
