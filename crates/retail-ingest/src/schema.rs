//! The canonical retail transaction schema every reader produces.
//!
//! One row is one invoice line. See `docs/schema.md` for the meaning of every column and how
//! each known layout fills it.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, new_null_array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

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

    // The optional columns (see [`super::OptionalColumns`]): after the sixteen above, in this
    // order, each present only when the source has it.

    /// Customer name (optional column).
    pub const CUSTOMER_NAME: &str = "customer_name";
    /// City of the customer or the shipment (optional column).
    pub const CITY: &str = "city";
    /// State or province (optional column).
    pub const STATE: &str = "state";
    /// Postal code, as text exactly as the source writes it (optional column).
    pub const POSTAL_CODE: &str = "postal_code";
    /// Ship mode (optional column).
    pub const SHIP_MODE: &str = "ship_mode";
}

/// The optional columns, in the order they follow the sixteen canonical columns. All are
/// nullable text; a table has those its source has ([`OptionalColumns`]).
pub const OPTIONAL_COLUMNS: [&str; 5] = [
    col::CUSTOMER_NAME,
    col::CITY,
    col::STATE,
    col::POSTAL_CODE,
    col::SHIP_MODE,
];

/// Number of columns every canonical table has (the optional ones come after them).
pub const CANONICAL_COLUMN_COUNT: usize = 16;

/// A set of [`OPTIONAL_COLUMNS`]: the optional columns one table carries. Tables without any
/// (Online Retail) keep exactly the sixteen canonical columns, so they cost nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OptionalColumns(u8);

impl OptionalColumns {
    /// No optional column.
    pub const NONE: OptionalColumns = OptionalColumns(0);
    /// Every optional column.
    pub const ALL: OptionalColumns = OptionalColumns((1 << OPTIONAL_COLUMNS.len()) - 1);

    /// The set of the named optional columns; `None` when a name is not one of them.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Option<OptionalColumns> {
        let mut set = OptionalColumns::NONE;
        for name in names {
            set = set.with(name.as_ref())?;
        }
        Some(set)
    }

    /// The set plus the optional column `name`; `None` when `name` is not one.
    pub fn with(self, name: &str) -> Option<OptionalColumns> {
        let i = OPTIONAL_COLUMNS.iter().position(|c| *c == name)?;
        Some(OptionalColumns(self.0 | 1 << i))
    }

    /// Whether the set has the optional column `name`.
    pub fn contains(self, name: &str) -> bool {
        OPTIONAL_COLUMNS
            .iter()
            .position(|c| *c == name)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// Both sets' columns.
    pub fn union(self, other: OptionalColumns) -> OptionalColumns {
        OptionalColumns(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names, in schema order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        OPTIONAL_COLUMNS
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, name)| name)
    }

    /// The optional columns of a sales table's schema: `Some` when its first sixteen fields
    /// are the canonical ones (names and types) and the rest are optional columns, in order,
    /// as text; `None` for any other schema.
    pub fn of_schema(schema: &Schema) -> Option<OptionalColumns> {
        let canonical = canonical_schema();
        let fields = schema.fields();
        if fields.len() < CANONICAL_COLUMN_COUNT {
            return None;
        }
        let head_fits = fields
            .iter()
            .zip(canonical.fields())
            .all(|(have, want)| have.name() == want.name() && have.data_type() == want.data_type());
        if !head_fits {
            return None;
        }
        let mut set = OptionalColumns::NONE;
        let mut after = 0;
        for field in &fields[CANONICAL_COLUMN_COUNT..] {
            let i = OPTIONAL_COLUMNS.iter().position(|c| c == field.name())?;
            if i < after || field.data_type() != &DataType::Utf8 {
                return None;
            }
            after = i + 1;
            set.0 |= 1 << i;
        }
        Some(set)
    }
}

/// What a line is, derived from the source's own rules.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
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

static SCHEMAS: LazyLock<Vec<SchemaRef>> = LazyLock::new(|| {
    (0..=OptionalColumns::ALL.0)
        .map(|bits| {
            let mut fields: Vec<Field> =
                SCHEMA.fields().iter().map(|f| f.as_ref().clone()).collect();
            fields.extend(
                OptionalColumns(bits)
                    .names()
                    .map(|name| Field::new(name, DataType::Utf8, true)),
            );
            Arc::new(Schema::new(fields))
        })
        .collect()
});

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

/// The canonical schema (shared, cheap to clone): the sixteen columns every table has.
pub fn canonical_schema() -> SchemaRef {
    SCHEMA.clone()
}

/// The canonical schema followed by the optional columns `extras`, in their fixed order
/// (shared, cheap to clone). `canonical_schema_with(OptionalColumns::NONE)` is
/// [`canonical_schema`].
pub fn canonical_schema_with(extras: OptionalColumns) -> SchemaRef {
    SCHEMAS[extras.0 as usize].clone()
}

/// A sales batch with the optional columns `extras` (a superset of its own): the missing ones
/// are added as all-null text columns.
///
/// # Errors
/// When the batch is not a sales batch ([`OptionalColumns::of_schema`]) or has a column
/// `extras` lacks.
pub fn with_optional_columns(
    batch: &RecordBatch,
    extras: OptionalColumns,
) -> Result<RecordBatch, ArrowError> {
    let have = OptionalColumns::of_schema(&batch.schema())
        .ok_or_else(|| ArrowError::SchemaError("not a canonical sales batch".to_string()))?;
    if have == extras {
        return Ok(batch.clone());
    }
    if have.union(extras) != extras {
        return Err(ArrowError::SchemaError(format!(
            "the batch has optional columns ({}) beyond {}",
            have.names().collect::<Vec<_>>().join(", "),
            extras.names().collect::<Vec<_>>().join(", ")
        )));
    }
    let mut columns: Vec<ArrayRef> = batch.columns()[..CANONICAL_COLUMN_COUNT].to_vec();
    for name in extras.names() {
        columns.push(match batch.column_by_name(name) {
            Some(column) => Arc::clone(column),
            None => new_null_array(&DataType::Utf8, batch.num_rows()),
        });
    }
    RecordBatch::try_new(canonical_schema_with(extras), columns)
}

/// Sales batches of several sources brought to one schema: the canonical columns and every
/// optional column any of them has (null where a source lacks it).
///
/// # Errors
/// When a batch is not a sales batch.
pub fn unify_optional_columns(batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>, ArrowError> {
    let mut all = OptionalColumns::NONE;
    let mut same = true;
    for (i, batch) in batches.iter().enumerate() {
        let extras = OptionalColumns::of_schema(&batch.schema())
            .ok_or_else(|| ArrowError::SchemaError("not a canonical sales batch".to_string()))?;
        same &= i == 0 || extras == all;
        all = all.union(extras);
    }
    if same {
        return Ok(batches);
    }
    batches
        .iter()
        .map(|b| with_optional_columns(b, all))
        .collect()
}

/// The canonical column names, in order (without the optional columns).
pub fn canonical_column_names() -> Vec<String> {
    canonical_schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
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

    #[test]
    fn optional_columns_follow_the_sixteen_in_their_fixed_order() {
        let extras = OptionalColumns::from_names(&["ship_mode", "city"]).unwrap();
        assert_eq!(extras.names().collect::<Vec<_>>(), ["city", "ship_mode"]);
        let schema = canonical_schema_with(extras);
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names.len(), 18);
        assert_eq!(names[16..], ["city", "ship_mode"]);
        assert_eq!(OptionalColumns::of_schema(&schema), Some(extras));
        assert_eq!(
            OptionalColumns::of_schema(&canonical_schema()),
            Some(OptionalColumns::NONE)
        );
        assert_eq!(
            canonical_schema_with(OptionalColumns::NONE),
            canonical_schema()
        );
        let all = canonical_schema_with(OptionalColumns::ALL);
        let names: Vec<&str> = all.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names[16..],
            ["customer_name", "city", "state", "postal_code", "ship_mode"]
        );
        assert!(all.fields()[16..].iter().all(|f| f.is_nullable()));
        // Out of order, unknown or missing canonical columns: not a sales schema.
        let mut swapped: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        swapped.swap(16, 17);
        assert_eq!(OptionalColumns::of_schema(&Schema::new(swapped)), None);
        let mut unknown: Vec<Field> = canonical_schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        unknown.push(Field::new("colour", DataType::Utf8, true));
        assert_eq!(OptionalColumns::of_schema(&Schema::new(unknown)), None);
        let short = Schema::new(canonical_schema().fields()[..15].to_vec());
        assert_eq!(OptionalColumns::of_schema(&short), None);
        assert_eq!(OptionalColumns::from_names(&["colour"]), None);
    }

    #[test]
    fn batches_of_several_sources_share_the_union_of_their_optional_columns() {
        let plain = RecordBatch::new_empty(canonical_schema());
        let named = RecordBatch::new_empty(canonical_schema_with(
            OptionalColumns::from_names(&["customer_name"]).unwrap(),
        ));
        let unified = unify_optional_columns(vec![plain.clone(), named.clone()]).unwrap();
        assert!(unified.iter().all(|b| b.schema() == named.schema()));
        let same = unify_optional_columns(vec![plain.clone(), plain.clone()]).unwrap();
        assert_eq!(same[0].schema(), canonical_schema());
        assert!(with_optional_columns(&named, OptionalColumns::NONE).is_err());
    }
}
