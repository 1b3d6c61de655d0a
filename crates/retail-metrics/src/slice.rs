//! A slice of the sales: which lines every KPI, forecast, bundle mining and report reads.
//!
//! A [`SalesSlice`] is a conjunction of conditions over the canonical columns: a date range
//! (inclusive calendar days), lists of countries, regions, categories, sub-categories,
//! segments, customers and products (a line matches a list when its value is one of them), and
//! any SQL predicate over the canonical columns. Values are bound as literals in a DataFusion
//! expression, never pasted into SQL text. The predicate is planned against the canonical
//! schema alone, in a session without tables, and only plain expressions are accepted (no
//! subquery, aggregate or window function), so it cannot read another table or a file.
//!
//! [`SalesSlice::compile`] gives a [`SliceFilter`] that filters canonical batches one at a
//! time (no runtime needed, memory bounded by the batch): the CLI applies it while reading, so
//! every consumer sees the same `sales` table. [`sales_context_sliced`] does the same for a
//! library caller that wants a SQL session.

use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::compute::filter_record_batch;
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, ExprSchemable};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::{SessionContext, col, lit};
use retail_ingest::{OptionalColumns, col as c};

use crate::MetricsError;

/// Which lines to keep (all of them by default). Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesSlice {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    countries: Vec<String>,
    regions: Vec<String>,
    categories: Vec<String>,
    sub_categories: Vec<String>,
    segments: Vec<String>,
    customers: Vec<String>,
    products: Vec<String>,
    predicate: Option<String>,
    /// Product ids left out by "merchandise only" (sorted); `None` keeps every product.
    other_charges: Option<Vec<String>>,
}

impl SalesSlice {
    /// Every line.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lines invoiced on or after this calendar day (00:00 of the day, source local time).
    pub fn with_from(mut self, day: NaiveDate) -> Self {
        self.from = Some(day);
        self
    }

    /// Lines invoiced on or before this calendar day (the whole day is included).
    pub fn with_to(mut self, day: NaiveDate) -> Self {
        self.to = Some(day);
        self
    }

    /// Lines whose `country` is one of these (adds to the list).
    pub fn with_countries<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.countries.extend(values.into_iter().map(Into::into));
        self
    }

    /// Lines whose `region` is one of these (adds to the list).
    pub fn with_regions<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.regions.extend(values.into_iter().map(Into::into));
        self
    }

    /// Lines whose `category` is one of these (adds to the list).
    pub fn with_categories<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.categories.extend(values.into_iter().map(Into::into));
        self
    }

    /// Lines whose `sub_category` is one of these (adds to the list).
    pub fn with_sub_categories<S: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.sub_categories
            .extend(values.into_iter().map(Into::into));
        self
    }

    /// Lines whose `segment` is one of these (adds to the list).
    pub fn with_segments<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.segments.extend(values.into_iter().map(Into::into));
        self
    }

    /// Lines whose `customer_id` is one of these (adds to the list).
    pub fn with_customers<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.customers.extend(values.into_iter().map(Into::into));
        self
    }

    /// Lines whose `product_id` is one of these (adds to the list).
    pub fn with_products<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.products.extend(values.into_iter().map(Into::into));
        self
    }

    /// Merchandise lines only: the products `classes` marks as other charges (postage, fees,
    /// adjustments; docs/schema.md, "Product classes") are left out.
    pub fn with_merchandise_only(mut self, classes: &retail_ingest::ProductClasses) -> Self {
        let mut ids: Vec<String> = classes
            .non_merchandise()
            .map(|(id, _)| id.to_string())
            .collect();
        ids.sort();
        self.other_charges = Some(ids);
        self
    }

    /// Lines for which this SQL predicate over the canonical columns is true (a null result
    /// drops the line, as in SQL's `WHERE`). Checked when the slice is compiled.
    pub fn with_predicate(mut self, sql: impl Into<String>) -> Self {
        self.predicate = Some(sql.into());
        self
    }

    /// True when the slice keeps every line.
    pub fn is_everything(&self) -> bool {
        *self == Self::default()
    }

    /// Parses a calendar day `YYYY-MM-DD` given for `parameter` (`from` or `to`).
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] naming `parameter`.
    pub fn parse_day(parameter: &'static str, text: &str) -> Result<NaiveDate, MetricsError> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| {
            MetricsError::InvalidParameter {
                parameter,
                message: format!("'{text}' is not a calendar day YYYY-MM-DD ({e})"),
            }
        })
    }

    /// The lists by column, for checks and descriptions.
    fn lists(&self) -> [(&'static str, &'static str, &[String]); 7] {
        [
            ("countries", c::COUNTRY, &self.countries),
            ("regions", c::REGION, &self.regions),
            ("categories", c::CATEGORY, &self.categories),
            ("sub_categories", c::SUB_CATEGORY, &self.sub_categories),
            ("segments", c::SEGMENT, &self.segments),
            ("customers", c::CUSTOMER_ID, &self.customers),
            ("products", c::PRODUCT_ID, &self.products),
        ]
    }

    /// The slice in words, e.g. `2011-01-01 to 2011-06-30; country: United Kingdom;
    /// where discount > 0.2`; `all lines` for the whole table.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (self.from, self.to) {
            (Some(from), Some(to)) => parts.push(format!("{from} to {to}")),
            (Some(from), None) => parts.push(format!("from {from}")),
            (None, Some(to)) => parts.push(format!("to {to}")),
            (None, None) => {}
        }
        for (_, column, values) in self.lists() {
            if !values.is_empty() {
                parts.push(format!("{column}: {}", values.join(", ")));
            }
        }
        if let Some(sql) = &self.predicate {
            parts.push(format!("where {}", sql.trim()));
        }
        if let Some(ids) = &self.other_charges {
            parts.push(format!(
                "merchandise only ({} other-charge product{} left out)",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" }
            ));
        }
        if parts.is_empty() {
            "all lines".to_string()
        } else {
            parts.join("; ")
        }
    }

    /// The slice as one logical expression over the canonical columns (`None`: every line).
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] naming the parameter: `to` before `from`, an empty
    /// value in a list, or a `predicate` that names an unknown column, is not a boolean, does
    /// not parse, or uses a subquery, an aggregate or a window function.
    pub fn expr(&self) -> Result<Option<Expr>, MetricsError> {
        let mut conditions: Vec<Expr> = Vec::new();
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(MetricsError::InvalidParameter {
                parameter: "to",
                message: format!("{to} is before from ({from})"),
            });
        }
        if let Some(from) = self.from {
            conditions.push(col(c::TIMESTAMP).gt_eq(timestamp_literal(from)));
        }
        if let Some(next) = self.to.and_then(|to| to.succ_opt()) {
            conditions.push(col(c::TIMESTAMP).lt(timestamp_literal(next)));
        }
        for (parameter, column, values) in self.lists() {
            if values.is_empty() {
                continue;
            }
            if values.iter().any(|v| v.is_empty()) {
                return Err(MetricsError::InvalidParameter {
                    parameter,
                    message: "an empty value (a line without a value is matched by \
                              predicate `... IS NULL`)"
                        .into(),
                });
            }
            let list: Vec<Expr> = values.iter().map(|v| lit(v.as_str())).collect();
            conditions.push(col(column).in_list(list, false));
        }
        if let Some(sql) = &self.predicate {
            conditions.push(parse_predicate(sql)?);
        }
        if let Some(ids) = self.other_charges.as_ref().filter(|ids| !ids.is_empty()) {
            let list: Vec<Expr> = ids.iter().map(|v| lit(v.as_str())).collect();
            conditions.push(col(c::PRODUCT_ID).in_list(list, true));
        }
        Ok(conditions.into_iter().reduce(Expr::and))
    }

    /// Checks the slice and compiles it into a filter for canonical batches.
    ///
    /// # Errors
    /// As [`SalesSlice::expr`].
    pub fn compile(&self) -> Result<SliceFilter, MetricsError> {
        let Some(expr) = self.expr()? else {
            return Ok(SliceFilter { predicate: None });
        };
        let schema = canonical_df_schema()?;
        let predicate = SessionContext::new().create_physical_expr(expr, &schema)?;
        Ok(SliceFilter {
            predicate: Some(predicate),
        })
    }
}

/// A compiled [`SalesSlice`]: keeps the lines of a canonical batch that are in the slice.
#[derive(Debug, Clone)]
pub struct SliceFilter {
    predicate: Option<Arc<dyn PhysicalExpr>>,
}

impl SliceFilter {
    /// True when the filter keeps every line.
    pub fn keeps_everything(&self) -> bool {
        self.predicate.is_none()
    }

    /// The lines of `batch` (canonical schema) in the slice.
    ///
    /// # Errors
    /// [`MetricsError::DataFusion`] when the predicate fails on a value (e.g. a cast of text
    /// that is not a number).
    pub fn apply(&self, batch: &RecordBatch) -> Result<RecordBatch, MetricsError> {
        let Some(predicate) = &self.predicate else {
            return Ok(batch.clone());
        };
        // The predicate is compiled against every optional column; a batch without some of
        // them is evaluated as if they were null (its lines are in no city, say).
        // `with_optional_columns` returns the batch itself when it has them all.
        let full = retail_ingest::with_optional_columns(batch, OptionalColumns::ALL)
            .map_err(DataFusionError::from)?;
        let mask = predicate.evaluate(&full)?.into_array(batch.num_rows())?;
        let mask = mask.as_boolean_opt().ok_or_else(|| {
            DataFusionError::Internal(format!(
                "the slice predicate gave {} instead of booleans",
                mask.data_type()
            ))
        })?;
        if mask.null_count() == 0 && mask.true_count() == batch.num_rows() {
            return Ok(batch.clone());
        }
        // `filter_record_batch` drops the lines whose mask is null, as SQL's WHERE does.
        Ok(filter_record_batch(batch, mask).map_err(DataFusionError::from)?)
    }

    /// [`SliceFilter::apply`] over every batch, dropping the batches left empty.
    ///
    /// # Errors
    /// As [`SliceFilter::apply`].
    pub fn apply_all(&self, batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>, MetricsError> {
        if self.keeps_everything() {
            return Ok(batches);
        }
        let mut kept = Vec::with_capacity(batches.len());
        for batch in &batches {
            let batch = self.apply(batch)?;
            if batch.num_rows() > 0 {
                kept.push(batch);
            }
        }
        Ok(kept)
    }
}

/// Registers the lines of `batches` in `slice` as the table `sales` in a fresh session.
///
/// # Errors
/// As [`SalesSlice::compile`] and [`crate::sales_context`].
pub fn sales_context_sliced(
    batches: Vec<RecordBatch>,
    slice: &SalesSlice,
) -> Result<SessionContext, MetricsError> {
    let batches = slice.compile()?.apply_all(batches)?;
    crate::sales_context(batches)
}

/// The schema slices are checked and compiled against: the canonical columns and every
/// optional one (`customer_name`, `city`, …; null in a table without it).
fn canonical_df_schema() -> Result<DFSchema, MetricsError> {
    Ok(DFSchema::try_from(
        retail_ingest::canonical_schema_with(retail_ingest::OptionalColumns::ALL)
            .as_ref()
            .clone(),
    )?)
}

/// Midnight of `day` as a literal of the canonical timestamp type.
fn timestamp_literal(day: NaiveDate) -> Expr {
    let micros = day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_micros());
    lit(ScalarValue::TimestampMicrosecond(micros, None))
}

/// Plans a user's predicate over the canonical columns alone.
fn parse_predicate(sql: &str) -> Result<Expr, MetricsError> {
    let invalid = |message: String| MetricsError::InvalidParameter {
        parameter: "predicate",
        message,
    };
    if sql.trim().is_empty() {
        return Err(invalid("empty".into()));
    }
    let schema = canonical_df_schema()?;
    // A fresh session: no table is registered, so nothing but the canonical columns resolves.
    let expr = SessionContext::new()
        .parse_sql_expr(sql, &schema)
        .map_err(|err| match err.find_root() {
            DataFusionError::SchemaError(schema_error, _)
                if let datafusion::common::SchemaError::FieldNotFound { field, .. } =
                    schema_error.as_ref() =>
            {
                invalid(format!(
                    "unknown column '{}' in `{sql}`; the columns are: {}",
                    field.name(),
                    retail_ingest::canonical_schema_with(retail_ingest::OptionalColumns::ALL)
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            root => invalid(format!("`{sql}`: {root}")),
        })?;
    let mut refused: Option<&'static str> = None;
    expr.apply(|e| {
        refused = match e {
            Expr::Column(_)
            | Expr::Literal(..)
            | Expr::BinaryExpr(_)
            | Expr::Like(_)
            | Expr::SimilarTo(_)
            | Expr::Not(_)
            | Expr::IsNotNull(_)
            | Expr::IsNull(_)
            | Expr::IsTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsUnknown(_)
            | Expr::IsNotTrue(_)
            | Expr::IsNotFalse(_)
            | Expr::IsNotUnknown(_)
            | Expr::Negative(_)
            | Expr::Between(_)
            | Expr::Case(_)
            | Expr::Cast(_)
            | Expr::TryCast(_)
            | Expr::ScalarFunction(_)
            | Expr::InList(_) => None,
            Expr::Exists(_)
            | Expr::InSubquery(_)
            | Expr::ScalarSubquery(_)
            | Expr::SetComparison(_)
            | Expr::OuterReferenceColumn(..) => Some("a subquery"),
            Expr::AggregateFunction(_) => Some("an aggregate function"),
            Expr::WindowFunction(_) => Some("a window function"),
            Expr::Alias(_) => Some("an alias"),
            Expr::Placeholder(_) => Some("a placeholder"),
            Expr::ScalarVariable(..) => Some("a variable"),
            _ => Some("an expression other than a condition on the line's columns"),
        };
        Ok(if refused.is_some() {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    if let Some(what) = refused {
        return Err(invalid(format!(
            "`{sql}` uses {what}; the predicate may only use the line's own columns"
        )));
    }
    let data_type = expr.get_type(&schema)?;
    if !matches!(data_type, DataType::Boolean | DataType::Null) {
        return Err(invalid(format!(
            "`{sql}` is a {data_type}, not a condition (true or false per line)"
        )));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn predicate_error(sql: &str) -> String {
        SalesSlice::new()
            .with_predicate(sql)
            .compile()
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_default_slice_keeps_everything_and_says_so() {
        let slice = SalesSlice::new();
        assert!(slice.is_everything());
        assert!(slice.expr().unwrap().is_none());
        assert!(slice.compile().unwrap().keeps_everything());
        assert_eq!(slice.describe(), "all lines");
    }

    #[test]
    fn describe_lists_every_condition() {
        let slice = SalesSlice::new()
            .with_from(day("2011-01-01"))
            .with_to(day("2011-06-30"))
            .with_countries(["United Kingdom", "France"])
            .with_segments(["Consumer"])
            .with_predicate(" discount > 0.2 ");
        assert_eq!(
            slice.describe(),
            "2011-01-01 to 2011-06-30; country: United Kingdom, France; segment: Consumer; \
             where discount > 0.2"
        );
    }

    #[test]
    fn bad_days_and_ranges_name_the_parameter() {
        let err = SalesSlice::parse_day("from", "2011-13-01")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("invalid from: '2011-13-01'"), "{err}");
        let err = SalesSlice::parse_day("to", "01/02/2011")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("invalid to: '01/02/2011'"), "{err}");
        assert_eq!(
            SalesSlice::parse_day("from", " 2011-02-28 ").unwrap(),
            day("2011-02-28")
        );
        let err = SalesSlice::new()
            .with_from(day("2011-02-01"))
            .with_to(day("2011-01-31"))
            .compile()
            .unwrap_err()
            .to_string();
        assert_eq!(err, "invalid to: 2011-01-31 is before from (2011-02-01)");
        let err = SalesSlice::new()
            .with_countries([""])
            .compile()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid countries: an empty value"),
            "{err}"
        );
    }

    #[test]
    fn predicates_see_only_the_canonical_columns() {
        let err = predicate_error("colour = 'red'");
        assert!(
            err.starts_with("invalid predicate: unknown column 'colour'")
                && err.contains("invoice_id, timestamp"),
            "{err}"
        );
        for sql in [
            "customer_id IN (SELECT customer_id FROM sales)",
            "EXISTS (SELECT 1)",
            "quantity > (SELECT 1)",
        ] {
            let err = predicate_error(sql);
            assert!(err.starts_with("invalid predicate:"), "{sql}: {err}");
        }
        let err = predicate_error("SUM(quantity) > 3");
        assert!(err.contains("aggregate"), "{err}");
        let err = predicate_error("quantity + 1");
        assert!(err.contains("is a Int64, not a condition"), "{err}");
        let err = predicate_error("quantity >");
        assert!(err.starts_with("invalid predicate: `quantity >`"), "{err}");
        assert!(predicate_error("  ").starts_with("invalid predicate: empty"));
    }

    #[test]
    fn a_predicate_cannot_read_a_file_or_another_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.csv");
        std::fs::write(&path, "a\n1\n").unwrap();
        let file = path.display();
        for sql in [
            format!("quantity IN (SELECT a FROM '{file}')"),
            format!("EXISTS (SELECT * FROM read_csv('{file}'))"),
            "EXISTS (SELECT * FROM information_schema.tables)".to_string(),
            format!("read_csv('{file}') IS NULL"),
        ] {
            let err = predicate_error(&sql);
            assert!(err.starts_with("invalid predicate:"), "{sql}: {err}");
        }
    }

    #[test]
    fn merchandise_only_leaves_out_the_other_charges_of_the_classes() {
        use retail_ingest::{IngestParams, ProductClasses, open_reader};
        let csv = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
                   1,85123A,HEART,2,12/1/2010 8:26,2.55,17850,United Kingdom\n\
                   1,POST,POSTAGE,1,12/1/2010 8:26,18.00,17850,United Kingdom\n\
                   2,DOT,DOTCOM POSTAGE,1,12/1/2010 9:00,5.00,,United Kingdom\n\
                   2,22423,CAKESTAND,1,12/1/2010 9:00,12.75,,United Kingdom\n";
        let batches: Vec<RecordBatch> =
            open_reader("t.csv", std::io::Cursor::new(csv), &IngestParams::default())
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        let slice =
            SalesSlice::new().with_merchandise_only(&ProductClasses::for_layout("online-retail"));
        assert!(!slice.is_everything());
        assert_eq!(
            slice.describe(),
            "merchandise only (12 other-charge products left out)"
        );
        let kept = slice.compile().unwrap().apply_all(batches).unwrap();
        let ids: Vec<String> = kept
            .iter()
            .flat_map(|b| {
                let ids = b
                    .column_by_name(c::PRODUCT_ID)
                    .unwrap()
                    .as_any()
                    .downcast_ref::<arrow::array::StringArray>()
                    .unwrap()
                    .clone();
                (0..ids.len()).map(move |i| ids.value(i).to_string())
            })
            .collect();
        assert_eq!(ids, ["85123A", "22423"]);
        // No classes: nothing is left out.
        let none = SalesSlice::new().with_merchandise_only(&ProductClasses::new());
        assert!(none.expr().unwrap().is_none());
    }
}
