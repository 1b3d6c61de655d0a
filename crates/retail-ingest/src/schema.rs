//! The canonical retail transaction schema every reader produces.
//!
//! One row is one invoice line. See `docs/schema.md` for the meaning of every column and how
//! each known layout fills it.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Column names of the canonical schema, in schema order.
pub mod col {
    /// Invoice or order id (text, never null).
    pub const INVOICE_ID: &str = "invoice_id";
    /// When the line was invoiced, naive local time of the source, microseconds.
    pub const TIMESTAMP: &str = "timestamp";
    /// Customer id (text); null when the source has none for the line.
    pub const CUSTOMER_ID: &str = "customer_id";
    /// Product id / stock code (text, never null).
    pub const PRODUCT_ID: &str = "product_id";
    /// Product name or description; null when empty in the source.
    pub const PRODUCT_NAME: &str = "product_name";
    /// Product category.
    pub const CATEGORY: &str = "category";
    /// Product sub-category.
    pub const SUB_CATEGORY: &str = "sub_category";
    /// Sales region.
    pub const REGION: &str = "region";
    /// Country.
    pub const COUNTRY: &str = "country";
    /// Customer segment.
    pub const SEGMENT: &str = "segment";
    /// Units on the line; negative for cancellations and returns.
    pub const QUANTITY: &str = "quantity";
    /// Price per unit.
    pub const UNIT_PRICE: &str = "unit_price";
    /// Money amount of the line (negative for cancellations and returns).
    pub const LINE_AMOUNT: &str = "line_amount";
    /// Discount as a fraction of the list price (0.2 = 20 %).
    pub const DISCOUNT: &str = "discount";
    /// Profit of the line.
    pub const PROFIT: &str = "profit";
    /// `sale`, `cancellation` or `adjustment` (see [`super::LineKind`]).
    pub const LINE_KIND: &str = "line_kind";
}

/// What a line is, derived from the source's own rules.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// A completed sale.
    Sale,
    /// A cancelled or returned line (Online Retail: invoice number starting with `C`).
    Cancellation,
    /// A bookkeeping line that is neither (Online Retail: `A` invoices such as
    /// "Adjust bad debt", and negative stock corrections outside any `C` invoice).
    Adjustment,
}

impl LineKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [LineKind; 3] = [LineKind::Sale, LineKind::Cancellation, LineKind::Adjustment];

    /// The value stored in the `line_kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Sale => "sale",
            LineKind::Cancellation => "cancellation",
            LineKind::Adjustment => "adjustment",
        }
    }

    /// Parses the value stored in the `line_kind` column.
    pub fn parse(text: &str) -> Option<LineKind> {
        LineKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for LineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let money = |name: &str, nullable: bool| Field::new(name, DataType::Float64, nullable);
    Arc::new(Schema::new(vec![
        text(col::INVOICE_ID, false),
        Field::new(
            col::TIMESTAMP,
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        text(col::CUSTOMER_ID, true),
        text(col::PRODUCT_ID, false),
        text(col::PRODUCT_NAME, true),
        text(col::CATEGORY, true),
        text(col::SUB_CATEGORY, true),
        text(col::REGION, true),
        text(col::COUNTRY, true),
        text(col::SEGMENT, true),
        Field::new(col::QUANTITY, DataType::Int64, false),
        money(col::UNIT_PRICE, true),
        money(col::LINE_AMOUNT, false),
        money(col::DISCOUNT, true),
        money(col::PROFIT, true),
        text(col::LINE_KIND, false),
    ]))
});

/// The canonical schema (shared, cheap to clone).
pub fn canonical_schema() -> SchemaRef {
    SCHEMA.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_kind_round_trips_through_its_column_value() {
        for kind in LineKind::ALL {
            assert_eq!(LineKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(LineKind::parse("refund"), None);
    }

    #[test]
    fn schema_has_sixteen_columns_in_documented_order() {
        let schema = canonical_schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "invoice_id",
                "timestamp",
                "customer_id",
                "product_id",
                "product_name",
                "category",
                "sub_category",
                "region",
                "country",
                "segment",
                "quantity",
                "unit_price",
                "line_amount",
                "discount",
                "profit",
                "line_kind"
            ]
        );
    }
}
