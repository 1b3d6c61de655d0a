//! The slice flags shared by `kpis`, `report`, `forecast`, `bundles`, `next-basket`, `sql` and
//! `convert`: which lines every result covers (`retail_metrics::SalesSlice`).

use anyhow::{Context, Result};
use clap::Args;
use retail_metrics::SalesSlice;

/// The slice flags without `--customer` (which `next-basket` uses for another purpose).
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Slice (every result covers only these lines)")]
pub struct SliceArgs {
    /// Only lines invoiced on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Only lines invoiced on or before this day (YYYY-MM-DD, the whole day included).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only lines for which this SQL condition over the canonical columns is true, e.g.
    /// "country = 'United Kingdom' AND discount > 0.2" (docs/schema.md lists the columns).
    #[arg(long = "where", value_name = "SQL")]
    pub predicate: Option<String>,
    /// Only lines of this country (repeatable: any of them).
    #[arg(long, value_name = "NAME")]
    pub country: Vec<String>,
    /// Only lines of this region (repeatable).
    #[arg(long, value_name = "NAME")]
    pub region: Vec<String>,
    /// Only lines of this category (repeatable).
    #[arg(long, value_name = "NAME")]
    pub category: Vec<String>,
    /// Only lines of this sub-category (repeatable).
    #[arg(long, value_name = "NAME")]
    pub sub_category: Vec<String>,
    /// Only lines of this customer segment (repeatable).
    #[arg(long, value_name = "NAME")]
    pub segment: Vec<String>,
    /// Only lines of this product id (repeatable).
    #[arg(long, value_name = "ID")]
    pub product: Vec<String>,
}

/// `--customer` as a slice flag (every command with a slice but `next-basket`).
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Slice (every result covers only these lines)")]
pub struct CustomerSliceArg {
    /// Only lines of this customer id (repeatable).
    #[arg(long, value_name = "ID")]
    pub customer: Vec<String>,
}

impl SliceArgs {
    /// The slice, with the flag named in errors.
    pub fn slice(&self) -> Result<SalesSlice> {
        let mut slice = SalesSlice::new()
            .with_countries(self.country.iter().cloned())
            .with_regions(self.region.iter().cloned())
            .with_categories(self.category.iter().cloned())
            .with_sub_categories(self.sub_category.iter().cloned())
            .with_segments(self.segment.iter().cloned())
            .with_products(self.product.iter().cloned());
        if let Some(text) = &self.from {
            slice =
                slice.with_from(SalesSlice::parse_day("from", text).context("--from needs a day")?);
        }
        if let Some(text) = &self.to {
            slice = slice.with_to(SalesSlice::parse_day("to", text).context("--to needs a day")?);
        }
        if let Some(sql) = &self.predicate {
            slice = slice.with_predicate(sql.clone());
        }
        Ok(slice)
    }

    /// [`SliceArgs::slice`] with the customers of `--customer`.
    pub fn slice_with(&self, customers: &CustomerSliceArg) -> Result<SalesSlice> {
        Ok(self
            .slice()?
            .with_customers(customers.customer.iter().cloned()))
    }
}

/// Checks a slice and compiles it, naming the flag of a bad value.
pub fn compile(slice: &SalesSlice) -> Result<retail_metrics::SliceFilter> {
    slice.compile().map_err(flag_error)
}

/// A slice error with `bad --flag` in front.
pub fn flag_error(err: retail_metrics::MetricsError) -> anyhow::Error {
    {
        let flag = match &err {
            retail_metrics::MetricsError::InvalidParameter { parameter, .. } => match *parameter {
                "predicate" => "--where",
                "from" => "--from",
                "to" => "--to",
                "countries" => "--country",
                "regions" => "--region",
                "categories" => "--category",
                "sub_categories" => "--sub-category",
                "segments" => "--segment",
                "customers" => "--customer",
                "products" => "--product",
                _ => "the slice flags",
            },
            _ => "the slice flags",
        };
        anyhow::Error::new(err).context(format!("bad {flag}"))
    }
}
