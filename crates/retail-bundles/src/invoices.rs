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
        let mut builder = InvoiceBasketsBuilder::new(item);
        for batch in batches {
            builder.push(batch)?;
        }
        Ok(builder.finish())
    }

    /// The canonical columns [`InvoiceBaskets::from_sales_by`] reads with `item` as the basket
    /// items. A reader that can project (a query over Parquet) need give only these.
    pub fn columns(item: BasketItem) -> Vec<&'static str> {
        let mut names = vec![
            columns::INVOICE_ID,
            columns::CUSTOMER_ID,
            columns::PRODUCT_NAME,
            columns::LINE_KIND,
            columns::TIMESTAMP,
        ];
        if !names.contains(&item.column()) {
            names.push(item.column());
        }
        names
    }
}

/// Invoice baskets built a batch of sales lines at a time (a query's stream, say): what
/// [`InvoiceBaskets::from_sales_by`] gives for all the batches pushed. It holds the baskets'
/// item ids, not the lines.
#[derive(Debug, Clone)]
pub struct InvoiceBasketsBuilder {
    item: BasketItem,
    invoice_index: HashMap<String, usize>,
    /// Item ids of each basket, in the order first seen in the lines (renumbered by the
    /// order of the baskets in [`InvoiceBasketsBuilder::finish`]).
    lists: Vec<Vec<u32>>,
    item_index: HashMap<String, u32>,
    items: Vec<String>,
    invoices: Vec<String>,
    customers: Vec<Option<String>>,
    times: Vec<i64>,
    names: ProductNames,
    lines: u64,
    lines_without_item: u64,
}

impl InvoiceBasketsBuilder {
    /// An empty builder with `item` as the basket items.
    pub fn new(item: BasketItem) -> InvoiceBasketsBuilder {
        InvoiceBasketsBuilder {
            item,
            invoice_index: HashMap::new(),
            lists: Vec::new(),
            item_index: HashMap::new(),
            items: Vec::new(),
            invoices: Vec::new(),
            customers: Vec::new(),
            times: Vec::new(),
            names: ProductNames::new(),
            lines: 0,
            lines_without_item: 0,
        }
    }

    /// Adds the completed lines of one batch of canonical sales (at least the
    /// [`InvoiceBaskets::columns`]).
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming `sales` when one of those columns is missing
    /// or is not text, or when the baskets would hold 2³² − 1 distinct items or more.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<(), BundlesError> {
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
        let product = string(self.item.column())?;
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
            self.lines += 1;
            if product.is_null(row) {
                self.lines_without_item += 1;
                continue;
            }
            let id = invoice.value(row);
            let basket = match self.invoice_index.get(id) {
                Some(&b) => b,
                None => {
                    let b = self.lists.len();
                    self.invoice_index.insert(id.to_string(), b);
                    self.lists.push(Vec::new());
                    self.invoices.push(id.to_string());
                    self.customers.push(None);
                    self.times.push(i64::MAX);
                    b
                }
            };
            let product_id = product.value(row);
            let item_id = match self.item_index.get(product_id) {
                Some(&i) => i,
                None => {
                    // u32::MAX stays free (`finish` marks ids not yet renumbered with it).
                    let i = u32::try_from(self.items.len())
                        .ok()
                        .filter(|&i| i < u32::MAX)
                        .ok_or_else(|| BundlesError::InvalidParameter {
                            parameter: "sales",
                            message: "more than 4,294,967,294 distinct basket items".into(),
                        })?;
                    self.item_index.insert(product_id.to_string(), i);
                    self.items.push(product_id.to_string());
                    i
                }
            };
            self.lists[basket].push(item_id);
            if self.customers[basket].is_none() && customer.is_valid(row) {
                self.customers[basket] = Some(customer.value(row).to_string());
            }
            self.times[basket] = self.times[basket].min(time.value(row));
            if self.item == BasketItem::Product && product_name.is_valid(row) {
                self.names
                    .add(product_id, product_name.value(row), time.value(row));
            }
        }
        Ok(())
    }

    /// The baskets of the lines pushed. Item ids are dense, in order of first appearance in
    /// the baskets taken in order (as [`Baskets::from_lists`] numbers them).
    pub fn finish(self) -> InvoiceBaskets {
        let InvoiceBasketsBuilder {
            mut lists,
            items,
            invoices,
            customers,
            times,
            names,
            lines,
            lines_without_item,
            ..
        } = self;
        // Renumber by first appearance in basket order.
        let mut renumbered = vec![u32::MAX; items.len()];
        let mut ordered: Vec<String> = Vec::with_capacity(items.len());
        let mut items: Vec<Option<String>> = items.into_iter().map(Some).collect();
        for list in &mut lists {
            for id in list.iter_mut() {
                let new = &mut renumbered[*id as usize];
                if *new == u32::MAX {
                    // Below 2³² items (checked in `push`).
                    *new = ordered.len() as u32;
                    ordered.extend(items[*id as usize].take());
                }
                *id = *new;
            }
        }
        let baskets = Baskets::from_id_lists(ordered, lists);
        let product_names = baskets
            .items()
            .iter()
            .map(|id| names.name(id).map(str::to_string))
            .collect();
        InvoiceBaskets {
            baskets,
            product_names,
            invoices,
            customers,
            times,
            lines,
            lines_without_item,
        }
    }
}
