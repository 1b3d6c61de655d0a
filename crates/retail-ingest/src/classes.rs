//! Product classes: merchandise, or a charge that is not goods (postage, fees, manual
//! adjustments). Product-level KPIs cover merchandise by default, and the summary and
//! forfeited sales split merchandise from other charges (docs/schema.md, "Product classes").
//!
//! A product's class comes from, in order: the `--categories` table's optional `class` column,
//! the mapping file's `[product_classes]` table, the known layout's defaults
//! ([`ProductClasses::for_layout`]); every other product is merchandise.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a product id stands for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ProductClass {
    /// Goods (the default for every product id not listed).
    #[default]
    Merchandise,
    /// A service charged on the invoice: postage, carriage.
    Service,
    /// A fee or commission: bank charges, marketplace fees, charity commission.
    Fee,
    /// A bookkeeping line: manual corrections, discounts, bad debt, samples, price placeholders.
    Adjustment,
}

impl ProductClass {
    /// Every class.
    pub const ALL: [ProductClass; 4] = [
        ProductClass::Merchandise,
        ProductClass::Service,
        ProductClass::Fee,
        ProductClass::Adjustment,
    ];

    /// The class's name as written in mapping files and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductClass::Merchandise => "merchandise",
            ProductClass::Service => "service",
            ProductClass::Fee => "fee",
            ProductClass::Adjustment => "adjustment",
        }
    }

    /// Parses a class name (trimmed, case-insensitive).
    pub fn parse(text: &str) -> Option<ProductClass> {
        let text = text.trim();
        ProductClass::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
    }
}

impl std::fmt::Display for ProductClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The non-merchandise codes of the UCI Online Retail exports (I and II), with their class:
/// every stock code of the full file that is not a product (docs/schema.md says why each).
pub const ONLINE_RETAIL_CLASSES: [(&str, ProductClass); 12] = [
    ("POST", ProductClass::Service),
    ("DOT", ProductClass::Service),
    ("C2", ProductClass::Service),
    ("BANK CHARGES", ProductClass::Fee),
    ("AMAZONFEE", ProductClass::Fee),
    ("CRUK", ProductClass::Fee),
    ("M", ProductClass::Adjustment),
    ("m", ProductClass::Adjustment),
    ("D", ProductClass::Adjustment),
    ("B", ProductClass::Adjustment),
    ("S", ProductClass::Adjustment),
    ("PADS", ProductClass::Adjustment),
];

/// Class per product id; ids not listed are merchandise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductClasses {
    map: BTreeMap<String, ProductClass>,
}

impl ProductClasses {
    /// No listed product: everything is merchandise.
    pub fn new() -> Self {
        ProductClasses::default()
    }

    /// The defaults of a layout, by its report name (`online-retail`, `online-retail-ii`,
    /// `superstore`, `canonical`, a mapping's name): Online Retail I and II list
    /// [`ONLINE_RETAIL_CLASSES`]; other layouts list nothing.
    pub fn for_layout(layout: &str) -> Self {
        match layout {
            // A canonical file keeps its source's product ids, and the Online Retail codes
            // (POST, DOT, AMAZONFEE, …) name no goods in any other known layout: the round
            // trip through `retail convert` keeps the classes.
            "online-retail" | "online-retail-ii" | "canonical" => ProductClasses::from_entries(
                ONLINE_RETAIL_CLASSES
                    .iter()
                    .map(|(id, class)| (id.to_string(), *class)),
            ),
            _ => ProductClasses::new(),
        }
    }

    /// From (product id, class) entries; a later entry for the same id replaces an earlier one.
    pub fn from_entries<I: IntoIterator<Item = (String, ProductClass)>>(entries: I) -> Self {
        ProductClasses {
            map: entries.into_iter().collect(),
        }
    }

    /// Sets one product's class (overriding a default; `merchandise` takes a code off the
    /// non-merchandise list).
    pub fn set(&mut self, product_id: impl Into<String>, class: ProductClass) {
        self.map.insert(product_id.into(), class);
    }

    /// Applies `other` on top of `self`: its entries win.
    pub fn extend(&mut self, other: &ProductClasses) {
        for (id, class) in &other.map {
            self.map.insert(id.clone(), *class);
        }
    }

    /// The class of `product_id`.
    pub fn class(&self, product_id: &str) -> ProductClass {
        self.map.get(product_id).copied().unwrap_or_default()
    }

    /// The ids that are not merchandise, with their class, sorted by id.
    pub fn non_merchandise(&self) -> impl Iterator<Item = (&str, ProductClass)> {
        self.map
            .iter()
            .filter(|(_, c)| **c != ProductClass::Merchandise)
            .map(|(id, c)| (id.as_str(), *c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_defaults_and_overrides() {
        let mut classes = ProductClasses::for_layout("online-retail");
        assert_eq!(classes.class("POST"), ProductClass::Service);
        assert_eq!(classes.class("AMAZONFEE"), ProductClass::Fee);
        assert_eq!(classes.class("m"), ProductClass::Adjustment);
        assert_eq!(classes.class("85123A"), ProductClass::Merchandise);
        assert_eq!(classes.non_merchandise().count(), 12);
        classes.extend(&ProductClasses::from_entries([
            ("POST".to_string(), ProductClass::Merchandise),
            ("GIFT".to_string(), ProductClass::Fee),
        ]));
        assert_eq!(classes.class("POST"), ProductClass::Merchandise);
        assert_eq!(classes.class("GIFT"), ProductClass::Fee);
        assert_eq!(classes.non_merchandise().count(), 12);
        assert_eq!(
            ProductClasses::for_layout("superstore")
                .non_merchandise()
                .count(),
            0
        );
        assert_eq!(ProductClass::parse(" Fee "), Some(ProductClass::Fee));
        assert_eq!(ProductClass::parse("postage"), None);
    }
}
