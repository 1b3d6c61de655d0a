//! Baskets from the canonical sales table: one basket per invoice, holding the distinct
//! products (or sub-categories, or categories) of its completed lines (`line_kind = 'sale'`),
//! with the invoice's customer and time for next-basket work.

use std::collections::HashMap;

use arrow::array::{Array, AsArray};
use arrow::datatypes::TimestampMicrosecondType;
use arrow::record_batch::RecordBatch;
use retail_ingest::baskets::Baskets;
use retail_ingest::names::ProductNames;
use retail_ingest::schema::col as columns;

use crate::BundlesError;

/// Invoices as baskets of products.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceBaskets {
    /// One basket per invoice with completed lines, in order of first appearance; the item
    /// names are product ids.
    pub baskets: Baskets,
    /// Product name per basket item id, by the one naming rule
    /// ([`retail_ingest::names::ProductNames`], the rule the KPIs use): the most frequent
    /// description of its completed lines, ties to the most recent.
    pub product_names: Vec<Option<String>>,
    /// Invoice id per basket.
    pub invoices: Vec<String>,
    /// Customer per basket (the invoice's first non-null customer id).
    pub customers: Vec<Option<String>>,
    /// Earliest timestamp of the invoice's completed lines (µs since the epoch).
    pub times: Vec<i64>,
    /// Completed lines read.
    pub lines: u64,
    /// Completed lines with no value for the basket item (in no basket).
    pub lines_without_item: u64,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, BundlesError> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| BundlesError::InvalidParameter {
            parameter: "sales",
            message: format!("the table has no `{name}` column; pass the canonical sales table"),
        })
}

/// What the items of a basket are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BasketItem {
    /// Product ids (the default).
    #[default]
    Product,
    /// Sub-categories: which kinds of products sell together, for sources whose products
    /// are too many and too rarely bought together to form bundles.
    SubCategory,
    /// Categories.
    Category,
}

impl BasketItem {
    fn column(self) -> &'static str {
        match self {
            BasketItem::Product => columns::PRODUCT_ID,
            BasketItem::SubCategory => columns::SUB_CATEGORY,
            BasketItem::Category => columns::CATEGORY,
        }
    }
}

impl InvoiceBaskets {
    /// Groups the completed lines of canonical sales batches by invoice.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming `sales` when a canonical column is missing or
    /// is not text.
    pub fn from_sales(batches: &[RecordBatch]) -> Result<InvoiceBaskets, BundlesError> {
        InvoiceBaskets::from_sales_by(batches, BasketItem::Product)
    }

    /// Groups the completed lines by invoice, with `item` as the basket items. Lines without
    /// a value for `item` (no sub-category, say) go into no basket and are counted in
    /// [`InvoiceBaskets::lines_without_item`]; an invoice whose lines all lack it has no basket.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming `sales` when a canonical column is missing or
    /// is not text.
    pub fn from_sales_by(
        batches: &[RecordBatch],
        item: BasketItem,
    ) -> Result<InvoiceBaskets, BundlesError> {
        let mut invoice_index: HashMap<String, usize> = HashMap::new();
        let mut lists: Vec<Vec<String>> = Vec::new();
        let mut invoices = Vec::new();
        let mut customers: Vec<Option<String>> = Vec::new();
        let mut times: Vec<i64> = Vec::new();
        let mut names = ProductNames::new();
        let mut lines = 0u64;
        let mut lines_without_item = 0u64;
        for batch in batches {
            let string = |name: &str| -> Result<_, BundlesError> {
                column(batch, name)?.as_string_opt::<i32>().ok_or_else(|| {
                    BundlesError::InvalidParameter {
                        parameter: "sales",
                        message: format!("column `{name}` is not Utf8"),
                    }
                })
            };
            let invoice = string(columns::INVOICE_ID)?;
            let customer = string(columns::CUSTOMER_ID)?;
            let product = string(item.column())?;
            let product_name = string(columns::PRODUCT_NAME)?;
            let kind = string(columns::LINE_KIND)?;
            let time = column(batch, columns::TIMESTAMP)?
                .as_primitive_opt::<TimestampMicrosecondType>()
                .ok_or_else(|| BundlesError::InvalidParameter {
                    parameter: "sales",
                    message: "column `timestamp` is not Timestamp(µs)".into(),
                })?;
            for row in 0..batch.num_rows() {
                if kind.value(row) != "sale" {
                    continue;
                }
                lines += 1;
                if product.is_null(row) {
                    lines_without_item += 1;
                    continue;
                }
                let id = invoice.value(row);
                let basket = match invoice_index.get(id) {
                    Some(&b) => b,
                    None => {
                        let b = lists.len();
                        invoice_index.insert(id.to_string(), b);
                        lists.push(Vec::new());
                        invoices.push(id.to_string());
                        customers.push(None);
                        times.push(i64::MAX);
                        b
                    }
                };
                let product_id = product.value(row);
                lists[basket].push(product_id.to_string());
                if customers[basket].is_none() && customer.is_valid(row) {
                    customers[basket] = Some(customer.value(row).to_string());
                }
                times[basket] = times[basket].min(time.value(row));
                if item == BasketItem::Product && product_name.is_valid(row) {
                    names.add(product_id, product_name.value(row), time.value(row));
                }
            }
        }
        let baskets = Baskets::from_lists(lists);
        let product_names = baskets
            .items()
            .iter()
            .map(|id| names.name(id).map(str::to_string))
            .collect();
        Ok(InvoiceBaskets {
            baskets,
            product_names,
            invoices,
            customers,
            times,
            lines,
            lines_without_item,
        })
    }
}
