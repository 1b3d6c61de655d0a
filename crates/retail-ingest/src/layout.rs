//! Source layouts: the known exports detected from their header, and the column mapping that
//! describes any other export without renaming its columns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::classes::ProductClass;
use crate::datetime::DateOrder;
use crate::error::{IngestError, Result};
use crate::schema::{OptionalColumns, col};

/// Exports recognised from their header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KnownLayout {
    /// The canonical table itself, as `retail convert --format csv` and `retail sql --format
    /// csv` write it (`invoice_id, timestamp, …, line_kind`): every column is read as it is,
    /// the line kind included.
    Canonical,
    /// UCI Online Retail (`InvoiceNo, StockCode, Description, Quantity, InvoiceDate,
    /// UnitPrice, CustomerID, Country`).
    OnlineRetail,
    /// UCI Online Retail II (`Invoice, StockCode, Description, Quantity, InvoiceDate, Price,
    /// Customer ID, Country`).
    OnlineRetailII,
    /// Tableau's Sample - Superstore (`Order ID, Order Date, ..., Sales, Quantity, Discount,
    /// Profit`).
    Superstore,
}

impl KnownLayout {
    /// Every known layout, in detection order.
    pub const ALL: [KnownLayout; 4] = [
        KnownLayout::Canonical,
        KnownLayout::OnlineRetail,
        KnownLayout::OnlineRetailII,
        KnownLayout::Superstore,
    ];

    /// The layout's name as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            KnownLayout::Canonical => "canonical",
            KnownLayout::OnlineRetail => "online-retail",
            KnownLayout::OnlineRetailII => "online-retail-ii",
            KnownLayout::Superstore => "superstore",
        }
    }

    /// The column mapping that reads this layout.
    pub fn mapping(self) -> ColumnMapping {
        let online_retail = |invoice: &str, price: &str, customer: &str| ColumnMapping {
            name: self.name().to_string(),
            columns: Columns {
                invoice_id: invoice.into(),
                timestamp: "InvoiceDate".into(),
                customer_id: Some(customer.into()),
                product_id: "StockCode".into(),
                product_name: Some("Description".into()),
                country: Some("Country".into()),
                quantity: "Quantity".into(),
                unit_price: Some(price.into()),
                ..Columns::default()
            },
            // The UCI CSV exports write `12/1/2010 8:26` (US order).
            date_order: DateOrder::MonthFirst,
            cancellation_prefix: Some("C".into()),
            adjustment_prefix: Some("A".into()),
            negative_quantity: NegativeQuantity::Adjustment,
            product_classes: BTreeMap::new(),
        };
        match self {
            KnownLayout::Canonical => ColumnMapping {
                name: self.name().to_string(),
                columns: Columns {
                    invoice_id: col::INVOICE_ID.into(),
                    timestamp: col::TIMESTAMP.into(),
                    customer_id: Some(col::CUSTOMER_ID.into()),
                    product_id: col::PRODUCT_ID.into(),
                    product_name: Some(col::PRODUCT_NAME.into()),
                    category: Some(col::CATEGORY.into()),
                    sub_category: Some(col::SUB_CATEGORY.into()),
                    region: Some(col::REGION.into()),
                    country: Some(col::COUNTRY.into()),
                    segment: Some(col::SEGMENT.into()),
                    quantity: col::QUANTITY.into(),
                    unit_price: Some(col::UNIT_PRICE.into()),
                    line_amount: Some(col::LINE_AMOUNT.into()),
                    discount: Some(col::DISCOUNT.into()),
                    profit: Some(col::PROFIT.into()),
                    line_kind: Some(col::LINE_KIND.into()),
                    customer_name: Some(col::CUSTOMER_NAME.into()),
                    city: Some(col::CITY.into()),
                    state: Some(col::STATE.into()),
                    postal_code: Some(col::POSTAL_CODE.into()),
                    ship_mode: Some(col::SHIP_MODE.into()),
                },
                // ISO timestamps: no day/month order to choose.
                date_order: DateOrder::Auto,
                cancellation_prefix: None,
                adjustment_prefix: None,
                negative_quantity: NegativeQuantity::Cancellation,
                product_classes: BTreeMap::new(),
            },
            KnownLayout::OnlineRetail => online_retail("InvoiceNo", "UnitPrice", "CustomerID"),
            KnownLayout::OnlineRetailII => online_retail("Invoice", "Price", "Customer ID"),
            KnownLayout::Superstore => ColumnMapping {
                name: self.name().to_string(),
                columns: Columns {
                    invoice_id: "Order ID".into(),
                    timestamp: "Order Date".into(),
                    customer_id: Some("Customer ID".into()),
                    product_id: "Product ID".into(),
                    product_name: Some("Product Name".into()),
                    category: Some("Category".into()),
                    sub_category: Some("Sub-Category".into()),
                    region: Some("Region".into()),
                    country: Some("Country".into()),
                    segment: Some("Segment".into()),
                    quantity: "Quantity".into(),
                    line_amount: Some("Sales".into()),
                    discount: Some("Discount".into()),
                    profit: Some("Profit".into()),
                    customer_name: Some("Customer Name".into()),
                    city: Some("City".into()),
                    state: Some("State".into()),
                    postal_code: Some("Postal Code".into()),
                    ship_mode: Some("Ship Mode".into()),
                    ..Columns::default()
                },
                date_order: DateOrder::MonthFirst,
                cancellation_prefix: None,
                adjustment_prefix: None,
                negative_quantity: NegativeQuantity::Cancellation,
                product_classes: BTreeMap::new(),
            },
        }
    }

    /// The columns whose presence identifies the layout.
    fn signature(self) -> &'static [&'static str] {
        match self {
            KnownLayout::Canonical => &[
                col::INVOICE_ID,
                col::TIMESTAMP,
                col::PRODUCT_ID,
                col::QUANTITY,
                col::LINE_AMOUNT,
                col::LINE_KIND,
            ],
            KnownLayout::OnlineRetail => &[
                "InvoiceNo",
                "StockCode",
                "InvoiceDate",
                "UnitPrice",
                "CustomerID",
            ],
            KnownLayout::OnlineRetailII => &[
                "Invoice",
                "StockCode",
                "InvoiceDate",
                "Price",
                "Customer ID",
            ],
            KnownLayout::Superstore => &[
                "Order ID",
                "Order Date",
                "Product ID",
                "Sales",
                "Profit",
                "Sub-Category",
            ],
        }
    }

    /// The known layout whose signature columns are all in `header` (names compared trimmed
    /// and case-insensitively).
    pub fn detect<S: AsRef<str>>(header: &[S]) -> Option<KnownLayout> {
        KnownLayout::ALL.into_iter().find(|layout| {
            layout
                .signature()
                .iter()
                .all(|want| header.iter().any(|have| same_name(have.as_ref(), want)))
        })
    }
}

impl std::str::FromStr for KnownLayout {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        KnownLayout::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown layout '{s}': expected canonical, online-retail, online-retail-ii or \
                     superstore"
                )
            })
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// What a negative quantity outside any prefixed invoice means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum NegativeQuantity {
    /// A cancellation or return.
    #[default]
    Cancellation,
    /// A stock correction (Online Retail writes damages and losses this way, at price 0).
    Adjustment,
}

/// Which source column fills each canonical field. Required: `invoice_id`, `timestamp`,
/// `product_id`, `quantity`, and `unit_price` or `line_amount` (the other is derived).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// Invoice / order id column.
    pub invoice_id: String,
    /// Date or date-time column.
    pub timestamp: String,
    /// Customer id column.
    pub customer_id: Option<String>,
    /// Product id / SKU / stock code column.
    pub product_id: String,
    /// Product name or description column.
    pub product_name: Option<String>,
    /// Category column.
    pub category: Option<String>,
    /// Sub-category column.
    pub sub_category: Option<String>,
    /// Region column.
    pub region: Option<String>,
    /// Country column.
    pub country: Option<String>,
    /// Customer segment column.
    pub segment: Option<String>,
    /// Quantity column.
    pub quantity: String,
    /// Unit price column.
    pub unit_price: Option<String>,
    /// Line amount (sales) column.
    pub line_amount: Option<String>,
    /// Discount column (a fraction: 0.2 is 20 %).
    pub discount: Option<String>,
    /// Profit column.
    pub profit: Option<String>,
    /// Line kind column (`sale`, `cancellation` or `adjustment`), read as it is instead of
    /// derived from the invoice prefixes and the quantity's sign: the canonical layout.
    #[serde(default)]
    pub line_kind: Option<String>,
    /// Customer name column (the optional column `customer_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// City column (the optional column `city`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or province column (the optional column `state`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code column (the optional column `postal_code`, kept as text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Ship mode column (the optional column `ship_mode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_mode: Option<String>,
}

/// A layout description: source column per canonical field, plus the source's rules.
///
/// As TOML (the same keys work in JSON):
///
/// ```toml
/// name = "my-shop"
/// date_order = "day-first"
/// cancellation_prefix = "R"
///
/// [columns]
/// invoice_id = "Receipt"
/// timestamp = "Sold At"
/// product_id = "SKU"
/// quantity = "Qty"
/// line_amount = "Total"
/// customer_id = "Loyalty Card"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// Name shown in reports.
    #[serde(default = "default_mapping_name")]
    pub name: String,
    /// The columns.
    pub columns: Columns,
    /// Day/month order of year-last dates.
    #[serde(default)]
    pub date_order: DateOrder,
    /// Invoices starting with this text are cancellations/returns.
    #[serde(default)]
    pub cancellation_prefix: Option<String>,
    /// Invoices starting with this text are adjustments.
    #[serde(default)]
    pub adjustment_prefix: Option<String>,
    /// What other lines with a negative quantity are.
    #[serde(default)]
    pub negative_quantity: NegativeQuantity,
    /// Classes of product ids that are not merchandise (`POST = "service"`), or `merchandise`
    /// to take a code off a layout's default list (docs/schema.md, "Product classes").
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub product_classes: BTreeMap<String, ProductClass>,
}

fn default_mapping_name() -> String {
    "custom mapping".to_string()
}

impl ColumnMapping {
    /// Parses a mapping from TOML text; `origin` names it in errors.
    ///
    /// # Errors
    /// [`IngestError::Mapping`] naming `origin` for text that is not a mapping or a
    /// mapping that lacks a required column.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self> {
        let mapping: ColumnMapping = toml::from_str(text).map_err(|e| IngestError::Mapping {
            origin: origin.to_string(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        mapping.validated(origin)
    }

    /// Parses a mapping from JSON text; `origin` names it in errors.
    ///
    /// # Errors
    /// [`IngestError::Mapping`] naming `origin` for text that is not a mapping or a
    /// mapping that lacks a required column.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Self> {
        let mapping: ColumnMapping =
            serde_json::from_str(text).map_err(|e| IngestError::Mapping {
                origin: origin.to_string(),
                message: format!("{e} (line {}, column {})", e.line(), e.column()),
            })?;
        mapping.validated(origin)
    }

    /// Reads a mapping file: JSON when it ends in `.json`, TOML otherwise.
    ///
    /// # Errors
    /// [`IngestError::Io`] when the file cannot be read, and the errors of
    /// [`ColumnMapping::from_toml_str`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Self::from_json_str(&text, &origin)
        } else {
            Self::from_toml_str(&text, &origin)
        }
    }

    /// Checks what serde cannot: required names are non-empty, a money column is present.
    ///
    /// # Errors
    /// [`IngestError::Mapping`] naming `origin` when a required column is missing.
    pub fn validated(self, origin: &str) -> Result<Self> {
        let fail = |message: String| {
            Err(IngestError::Mapping {
                origin: origin.to_string(),
                message,
            })
        };
        let c = &self.columns;
        for (field, name) in [
            (col::INVOICE_ID, &c.invoice_id),
            (col::TIMESTAMP, &c.timestamp),
            (col::PRODUCT_ID, &c.product_id),
            (col::QUANTITY, &c.quantity),
        ] {
            if name.trim().is_empty() {
                return fail(format!("columns.{field} names no column"));
            }
        }
        if c.unit_price.is_none() && c.line_amount.is_none() {
            return fail(
                "the mapping needs columns.unit_price or columns.line_amount (or both)".into(),
            );
        }
        Ok(self)
    }

    /// (canonical field, source column) for every mapped field, in schema order.
    pub(crate) fn slots(&self) -> [(Slot, Option<&str>); SLOT_COUNT] {
        let c = &self.columns;
        fn o(s: &Option<String>) -> Option<&str> {
            s.as_deref()
        }
        [
            (Slot::InvoiceId, Some(c.invoice_id.as_str())),
            (Slot::Timestamp, Some(c.timestamp.as_str())),
            (Slot::CustomerId, o(&c.customer_id)),
            (Slot::ProductId, Some(c.product_id.as_str())),
            (Slot::ProductName, o(&c.product_name)),
            (Slot::Category, o(&c.category)),
            (Slot::SubCategory, o(&c.sub_category)),
            (Slot::Region, o(&c.region)),
            (Slot::Country, o(&c.country)),
            (Slot::Segment, o(&c.segment)),
            (Slot::Quantity, Some(c.quantity.as_str())),
            (Slot::UnitPrice, o(&c.unit_price)),
            (Slot::LineAmount, o(&c.line_amount)),
            (Slot::Discount, o(&c.discount)),
            (Slot::Profit, o(&c.profit)),
            (Slot::LineKind, o(&c.line_kind)),
            (Slot::CustomerName, o(&c.customer_name)),
            (Slot::City, o(&c.city)),
            (Slot::State, o(&c.state)),
            (Slot::PostalCode, o(&c.postal_code)),
            (Slot::ShipMode, o(&c.ship_mode)),
        ]
    }
}

/// Canonical fields filled from a source column (`line_kind` is derived unless a canonical
/// file gives it), then the optional columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    InvoiceId,
    Timestamp,
    CustomerId,
    ProductId,
    ProductName,
    Category,
    SubCategory,
    Region,
    Country,
    Segment,
    Quantity,
    UnitPrice,
    LineAmount,
    Discount,
    Profit,
    LineKind,
    CustomerName,
    City,
    State,
    PostalCode,
    ShipMode,
}

pub(crate) const SLOT_COUNT: usize = 21;

/// The slots of the optional columns, in schema order (as [`crate::schema::OPTIONAL_COLUMNS`]).
pub(crate) const OPTIONAL_SLOTS: [Slot; 5] = [
    Slot::CustomerName,
    Slot::City,
    Slot::State,
    Slot::PostalCode,
    Slot::ShipMode,
];

/// A mapping bound to one file's header: the source column index of every slot.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub mapping: ColumnMapping,
    pub header: Vec<String>,
    pub source_index: [Option<usize>; SLOT_COUNT],
}

impl Plan {
    /// Binds `mapping` to `header`, failing on the first mapped column the file lacks. The
    /// optional columns of a known layout's own mapping are kept when the file has them and
    /// left out when it does not (a custom mapping's are required, as its other columns).
    pub(crate) fn bind(mapping: ColumnMapping, header: Vec<String>, path: &Path) -> Result<Plan> {
        let known = KnownLayout::ALL.iter().any(|l| l.mapping() == mapping);
        let mut source_index = [None; SLOT_COUNT];
        for (slot, name) in mapping.slots() {
            let Some(name) = name else { continue };
            let found = header
                .iter()
                .position(|h| h == name)
                .or_else(|| header.iter().position(|h| same_name(h, name)));
            match found {
                Some(i) => source_index[slot as usize] = Some(i),
                None if known && OPTIONAL_SLOTS.contains(&slot) => {}
                None => {
                    return Err(IngestError::MissingColumn {
                        path: PathBuf::from(path),
                        layout: mapping.name.clone(),
                        field: slot_name(slot).to_string(),
                        column: name.to_string(),
                        available: header.clone(),
                    });
                }
            }
        }
        Ok(Plan {
            mapping,
            header,
            source_index,
        })
    }

    /// The optional columns the file fills.
    pub(crate) fn optional_columns(&self) -> OptionalColumns {
        let mut set = OptionalColumns::NONE;
        for slot in OPTIONAL_SLOTS {
            if self.source_index[slot as usize].is_some() {
                set = set.with(slot_name(slot)).unwrap_or(set);
            }
        }
        set
    }

    /// The source column name of a slot, for messages.
    pub(crate) fn column_name(&self, slot: Slot) -> Option<&str> {
        self.source_index[slot as usize].map(|i| self.header[i].as_str())
    }
}

pub(crate) fn slot_name(slot: Slot) -> &'static str {
    match slot {
        Slot::InvoiceId => col::INVOICE_ID,
        Slot::Timestamp => col::TIMESTAMP,
        Slot::CustomerId => col::CUSTOMER_ID,
        Slot::ProductId => col::PRODUCT_ID,
        Slot::ProductName => col::PRODUCT_NAME,
        Slot::Category => col::CATEGORY,
        Slot::SubCategory => col::SUB_CATEGORY,
        Slot::Region => col::REGION,
        Slot::Country => col::COUNTRY,
        Slot::Segment => col::SEGMENT,
        Slot::Quantity => col::QUANTITY,
        Slot::UnitPrice => col::UNIT_PRICE,
        Slot::LineAmount => col::LINE_AMOUNT,
        Slot::Discount => col::DISCOUNT,
        Slot::Profit => col::PROFIT,
        Slot::LineKind => col::LINE_KIND,
        Slot::CustomerName => col::CUSTOMER_NAME,
        Slot::City => col::CITY,
        Slot::State => col::STATE,
        Slot::PostalCode => col::POSTAL_CODE,
        Slot::ShipMode => col::SHIP_MODE,
    }
}

/// Chooses the layout for a header: the caller's mapping when given, else a known layout.
pub(crate) fn resolve(
    mapping: Option<&ColumnMapping>,
    header: Vec<String>,
    path: &Path,
) -> Result<Plan> {
    check_unique(&header, path)?;
    let mapping = match mapping {
        Some(m) => m.clone(),
        None => match KnownLayout::detect(&header) {
            Some(layout) => layout.mapping(),
            None => {
                return Err(IngestError::UnknownLayout {
                    path: path.to_path_buf(),
                    columns: header,
                });
            }
        },
    };
    Plan::bind(mapping, header, path)
}

/// Fails on the first two columns with the same (non-empty) name, compared trimmed and
/// case-insensitively as mappings compare them. Unnamed columns (a trailing delimiter) may
/// repeat: no mapping can name them.
fn check_unique(header: &[String], path: &Path) -> Result<()> {
    let mut seen: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        let key = name.trim().to_lowercase();
        if key.is_empty() {
            continue;
        }
        if let Some(&first) = seen.get(&key) {
            return Err(IngestError::DuplicateColumn {
                path: path.to_path_buf(),
                name: header[first].clone(),
                first: first + 1,
                second: i + 1,
            });
        }
        seen.insert(key, i);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_known_layouts_from_their_headers() {
        let or = [
            "InvoiceNo",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country",
        ];
        let or2 = [
            "Invoice",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "Price",
            "Customer ID",
            "Country",
        ];
        let ss = "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,Discount,Profit";
        let ss: Vec<&str> = ss.split(',').collect();
        assert_eq!(KnownLayout::detect(&or), Some(KnownLayout::OnlineRetail));
        assert_eq!(KnownLayout::detect(&or2), Some(KnownLayout::OnlineRetailII));
        assert_eq!(KnownLayout::detect(&ss), Some(KnownLayout::Superstore));
        assert_eq!(KnownLayout::detect(&["date", "value"]), None);
        let shouted: Vec<String> = or
            .iter()
            .map(|s| format!(" {} ", s.to_uppercase()))
            .collect();
        assert_eq!(
            KnownLayout::detect(&shouted),
            Some(KnownLayout::OnlineRetail)
        );
    }

    #[test]
    fn every_known_layout_binds_to_its_own_header() {
        for layout in KnownLayout::ALL {
            let mapping = layout.mapping();
            let header: Vec<String> = mapping
                .slots()
                .iter()
                .filter_map(|(_, n)| n.map(String::from))
                .collect();
            let plan = Plan::bind(mapping, header, Path::new("x.csv")).unwrap();
            assert!(plan.source_index[Slot::InvoiceId as usize].is_some());
            let want = match layout {
                KnownLayout::Canonical | KnownLayout::Superstore => OptionalColumns::ALL,
                KnownLayout::OnlineRetail | KnownLayout::OnlineRetailII => OptionalColumns::NONE,
            };
            assert_eq!(plan.optional_columns(), want, "{}", layout.name());
        }
    }

    #[test]
    fn a_known_layout_keeps_the_optional_columns_its_file_has() {
        // The sixteen canonical columns and ship_mode alone.
        let mut header: Vec<String> = crate::schema::canonical_schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        header.push("ship_mode".into());
        let plan =
            Plan::bind(KnownLayout::Canonical.mapping(), header, Path::new("c.csv")).unwrap();
        assert_eq!(
            plan.optional_columns().names().collect::<Vec<_>>(),
            ["ship_mode"]
        );
        // A Superstore export without City and Postal Code still reads.
        let ss = "Order ID,Order Date,Customer ID,Customer Name,Segment,Country,State,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,Discount,Profit";
        let header: Vec<String> = ss.split(',').map(String::from).collect();
        let plan = Plan::bind(
            KnownLayout::Superstore.mapping(),
            header,
            Path::new("s.csv"),
        )
        .unwrap();
        assert_eq!(
            plan.optional_columns().names().collect::<Vec<_>>(),
            ["customer_name", "state"]
        );
        // A custom mapping's optional column is required like any other.
        let mut mapping = KnownLayout::Superstore.mapping();
        mapping.name = "my superstore".into();
        let header: Vec<String> = ss.split(',').map(String::from).collect();
        let err = Plan::bind(mapping, header, Path::new("s.csv"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column 'City' for city"), "{err}");
    }

    #[test]
    fn mapping_reads_from_toml_and_json_and_says_what_is_wrong() {
        let toml = r#"
            name = "shop"
            date_order = "day-first"
            cancellation_prefix = "R"
            [columns]
            invoice_id = "Receipt"
            timestamp = "Sold At"
            product_id = "SKU"
            quantity = "Qty"
            line_amount = "Total"
        "#;
        let m = ColumnMapping::from_toml_str(toml, "shop.toml").unwrap();
        assert_eq!(m.date_order, DateOrder::DayFirst);
        assert_eq!(m.columns.line_amount.as_deref(), Some("Total"));
        let json = r#"{"columns": {"invoice_id": "Receipt", "timestamp": "Sold At", "product_id": "SKU", "quantity": "Qty", "unit_price": "Price"}}"#;
        let j = ColumnMapping::from_json_str(json, "shop.json").unwrap();
        assert_eq!(j.name, "custom mapping");

        let no_money = toml.replace("line_amount = \"Total\"", "");
        let err = ColumnMapping::from_toml_str(&no_money, "shop.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("shop.toml") && err.contains("unit_price or columns.line_amount"),
            "{err}"
        );
        let typo = toml.replace("quantity =", "quantiy =");
        let err = ColumnMapping::from_toml_str(&typo, "shop.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("shop.toml") && err.contains("quantiy"),
            "{err}"
        );
        let err = ColumnMapping::from_json_str("{\"columns\": ", "m.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("m.json") && err.contains("line 1"), "{err}");
    }

    #[test]
    fn binding_names_the_missing_column_and_what_the_file_has() {
        let mapping = KnownLayout::Superstore.mapping();
        let header = vec!["Order ID".to_string(), "Sales".to_string()];
        let err = Plan::bind(mapping, header, Path::new("s.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.csv: no column 'Order Date' for timestamp"),
            "{err}"
        );
        assert!(err.contains("the file has: Order ID, Sales"), "{err}");
    }
}
