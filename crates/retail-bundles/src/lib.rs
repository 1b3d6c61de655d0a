#![doc = include_str!("../README.md")]

pub mod fpgrowth;
pub mod invoices;
pub mod itemsets;
pub mod next_basket;
pub mod quest;
pub mod rules;
pub mod shards;
pub mod support;

pub use fpgrowth::FpGrowth;
pub use invoices::{BasketItem, InvoiceBaskets};
pub use itemsets::{FrequentItemsets, Itemset, ItemsetTarget};
pub use next_basket::{NextBasketModel, NextBasketParams, Recommendation};
pub use quest::QuestParams;
pub use rules::{AssociationRules, Consequents, Measures, Rule, RuleParams};
pub use support::MinSupport;

/// Everything that can go wrong mining bundles.
#[derive(Debug, thiserror::Error)]
pub enum BundlesError {
    /// A parameter is outside its valid range.
    #[error("invalid {parameter}: {message}")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// What is wrong and what would work.
        message: String,
    },
    /// Building an Arrow result failed.
    #[error("building the Arrow result: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}
