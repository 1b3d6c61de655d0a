#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod budget;
mod closed;
pub mod flat;
pub mod fpgrowth;
mod fptree;
pub mod invoices;
pub mod itemsets;
pub mod next_basket;
pub mod quest;
mod raw;
pub mod rules;
pub mod shard_file;
pub mod shards;
pub mod support;

pub use budget::DEFAULT_MAX_ITEMSETS;
pub use flat::flatten_lists;
pub use fpgrowth::FpGrowth;
pub use invoices::{BasketItem, InvoiceBaskets, InvoiceBasketsBuilder};
pub use itemsets::{FrequentItemsets, Itemset, ItemsetTarget};
pub use next_basket::{NextBasketModel, NextBasketParams, Recommendation};
pub use quest::QuestParams;
pub use rules::{AssociationRules, Consequents, Measures, Rule, RuleParams};
pub use support::MinSupport;

/// Everything that can go wrong mining bundles.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundlesError {
    /// A parameter is outside its valid range.
    #[error("invalid {parameter}: {message}")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// What is wrong and what would work.
        message: String,
    },
    /// Mining found more itemsets (or items in them) than the budget allows (see
    /// [`budget`]).
    #[error(
        "more than {max_itemsets} frequent itemsets (or {} items in them) at min count \
         {min_count}: found {found} itemsets of {items} items before stopping; raise \
         min_support (or min_count), set max_len, or raise max_itemsets",
        max_itemsets.saturating_mul(budget::ITEMS_PER_ITEMSET)
    )]
    TooManyItemsets {
        /// The budget (`max_itemsets`).
        max_itemsets: u64,
        /// Itemsets found when the miner stopped.
        found: u64,
        /// Items in them.
        items: u64,
        /// The minimum count of the run.
        min_count: u64,
    },
    /// Building an Arrow result failed.
    #[error("building the Arrow result: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A file or directory could not be created, opened, read or written.
    #[error("cannot {operation} {}: {source}", path.display())]
    Io {
        /// What was tried: `create`, `open`, `read` or `write`.
        operation: &'static str,
        /// The file or directory.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A file given as a shard file ([`shard_file`]) is not one.
    #[error(
        "{}: {message}{}",
        path.display(),
        source.as_ref().map(|s| format!(": {s}")).unwrap_or_default()
    )]
    NotShardFile {
        /// The file.
        path: std::path::PathBuf,
        /// What does not fit.
        message: String,
        /// The reader's or parser's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// A Parquet file without the metadata of a shard file ([`shard_file`]).
    #[error("{}: no '{key}' in its metadata; not a shard file", path.display())]
    NotShardMetadata {
        /// The file.
        path: std::path::PathBuf,
        /// The metadata key looked for.
        key: &'static str,
    },
}
