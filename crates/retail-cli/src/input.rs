//! Reading the input files (or the embedded samples) with the user's ingest options.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use arrow::record_batch::RecordBatch;
use clap::Args;
use retail_ingest::{
    ColumnMapping, DateOrder, IngestError, IngestParams, IngestReport, KnownLayout,
    ProductCategories, ProductClasses, TextEncoding, TransactionReader, samples,
};
use retail_metrics::SalesSlice;

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
        if let Some(layout) = self.layout {
            classes.extend(&ProductClasses::for_layout(layout.name()));
        } else if reports.is_empty() {
            // Nothing read here (a cluster reads the files): they are canonical files.
            classes.extend(&ProductClasses::for_layout(KnownLayout::Canonical.name()));
        }
        if let Some(path) = &self.mapping {
            let mapping = ColumnMapping::from_file(path)?;
            classes.extend(&ProductClasses::from_entries(mapping.product_classes));
        }
        if let Some(path) = &self.categories {
            classes.extend(ProductCategories::from_csv(path)?.classes());
        }
        Ok(classes)
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
        match (slice.is_everything(), self.merchandise_only) {
            (true, false) => None,
            (true, true) => Some("merchandise only".into()),
            (false, false) => Some(slice.describe()),
            (false, true) => Some(format!("{}; merchandise only", slice.describe())),
        }
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
        options.check().map_err(|err| {
            let parameter = match &err {
                IngestError::InvalidParameter { parameter, .. } => Some(*parameter),
                _ => None,
            };
            crate::flags::bad_flag(err, parameter)
        })?;
        Ok(options)
    }
}

/// One input.
#[derive(Debug)]
pub enum Source {
    File(PathBuf),
    Embedded(&'static str, &'static [u8]),
}

impl Source {
    /// The files, or with none the embedded samples (`all_samples`: Online Retail and
    /// Superstore; otherwise Online Retail alone).
    pub fn list(files: &[PathBuf], all_samples: bool) -> Vec<Source> {
        if !files.is_empty() {
            return files.iter().cloned().map(Source::File).collect();
        }
        let mut sources = vec![Source::online_retail_sample()];
        if all_samples {
            sources.push(Source::superstore_sample());
        }
        sources
    }

    /// The embedded Online Retail sample.
    pub fn online_retail_sample() -> Source {
        Source::Embedded("online_retail_sample.csv.gz", samples::ONLINE_RETAIL)
    }

    /// The embedded Superstore file.
    pub fn superstore_sample() -> Source {
        Source::Embedded("superstore.csv.gz", samples::SUPERSTORE)
    }

    pub fn open(&self, options: &IngestParams) -> Result<TransactionReader> {
        Ok(match self {
            Source::File(path) => retail_ingest::open(path, options)?,
            Source::Embedded(name, bytes) => samples::open(name, bytes, options)?,
        })
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
    load_sources_sliced(&Source::list(files, false), read, slice)
}

/// [`load_sliced`] over given sources. A slice that keeps no line is an error (a misspelt
/// value is far likelier than a wish for empty results).
pub fn load_sources_sliced(
    sources: &[Source],
    read: &ReadArgs,
    slice: &SalesSlice,
) -> Result<(Vec<RecordBatch>, Vec<IngestReport>)> {
    // Before reading, so that a bad flag fails at once.
    let filter = crate::slice::compile(slice)?;
    let options = read.options()?;
    let categories = read
        .categories
        .as_ref()
        .map(ProductCategories::from_csv)
        .transpose()?;
    let mut batches = Vec::new();
    let mut reports = Vec::new();
    let mut keeps_everything = filter.keeps_everything();
    for source in sources {
        let mut reader = source.open(&options)?;
        // The source's product classes are known once its layout is.
        let filter = if read.merchandise_only {
            let classes = read.product_classes(std::slice::from_ref(reader.report()))?;
            let filter = crate::slice::compile(&slice.clone().with_merchandise_only(&classes))?;
            keeps_everything &= filter.keeps_everything();
            filter
        } else {
            filter.clone()
        };
        for batch in reader.by_ref() {
            let batch = batch?;
            let batch = match &categories {
                Some(table) => table.apply(&batch)?,
                None => batch,
            };
            // After the categories table, so that --category sees the categories it fills.
            if filter.keeps_everything() {
                batches.push(batch);
                continue;
            }
            let batch = filter.apply(&batch)?;
            if batch.num_rows() > 0 {
                batches.push(batch);
            }
        }
        let report = reader.into_report();
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
        reports.push(report);
    }
    let rows_read: u64 = reports.iter().map(|r| r.rows_read).sum();
    if reports.iter().all(|r| r.rows_accepted == 0) {
        let names: Vec<&str> = reports.iter().map(|r| r.source.as_str()).collect();
        if rows_read == 0 {
            bail!("{}: no data rows, nothing to compute", names.join(", "));
        }
        let mut reasons = std::collections::BTreeMap::new();
        for (reason, n) in reports.iter().flat_map(|r| &r.rejected_by_reason) {
            *reasons.entry(reason.to_string()).or_insert(0u64) += n;
        }
        let reasons: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        bail!(
            "{}: none of the {rows_read} rows was accepted ({}); `retail inspect` shows the first \
             rejected rows",
            names.join(", "),
            reasons.join(", ")
        );
    }
    if let Some(description) = read.describe_slice(slice).filter(|_| !keeps_everything) {
        let accepted: u64 = reports.iter().map(|r| r.rows_accepted).sum();
        if batches.is_empty() {
            return Err(EmptySlice {
                slice: description,
                lines: accepted,
            }
            .into());
        }
        let kept: usize = batches.iter().map(RecordBatch::num_rows).sum();
        crate::note!("retail: slice {description}: {kept} of {accepted} lines");
    }
    // One schema for every source: the canonical columns and every optional column any of
    // them has (null in the rows of the others).
    let batches = retail_ingest::unify_optional_columns(batches)?;
    Ok((batches, reports))
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
