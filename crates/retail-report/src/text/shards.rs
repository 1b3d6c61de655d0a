//! Parallel FP-growth over processes (`retail_bundles::shard_file`) for people and programs:
//! what went into which shard file, and one shard's itemsets.

use retail_bundles::shard_file::{ShardFile, WrittenShard};
use retail_bundles::shards::{ShardItemsets, ShardPlan};

use super::{Streamed, TextTable};
use crate::format::thousands;

/// The shard files written for `plan`: per shard its transactions, items, bytes and path.
pub fn shards_table(plan: &ShardPlan, written: &[WrittenShard]) -> TextTable {
    let mut table = TextTable::new(
        &format!(
            "{} shards of {} baskets ({} frequent items, min count {})",
            plan.groups(),
            thousands(plan.baskets()),
            plan.ranked_items().len(),
            plan.min_count()
        ),
        &["shard", "transactions", "items", "bytes", "file"],
    )
    .text_columns(&[4]);
    for shard in written {
        table.row(vec![
            shard.group.to_string(),
            thousands(shard.transactions as u64),
            thousands(shard.items as u64),
            thousands(shard.bytes),
            shard.path.display().to_string(),
        ]);
    }
    table
}

/// One line on a mined shard: its group, transactions and frequent itemsets.
pub fn shard_summary(file: &ShardFile, found: &ShardItemsets) -> String {
    format!(
        "shard {} of {}: {} transactions, {} frequent itemsets (min count {})",
        found.group(),
        found.groups(),
        thousands(file.shard.len() as u64),
        thousands(found.len() as u64),
        file.min_count
    )
}

/// A mined shard as JSON for merging: the plan's counts and every itemset with its exact
/// count, item names in place of ranks, streamed ([`Streamed`]).
#[derive(Debug)]
pub struct ShardJson<'a> {
    file: &'a ShardFile,
    found: &'a ShardItemsets,
}

impl<'a> ShardJson<'a> {
    /// The document of the itemsets `found` in `file`'s shard.
    pub fn new(file: &'a ShardFile, found: &'a ShardItemsets) -> ShardJson<'a> {
        ShardJson { file, found }
    }
}

#[derive(serde::Serialize)]
struct FoundItemset<'a> {
    items: Vec<&'a str>,
    count: u64,
}

impl serde::Serialize for ShardJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (file, found) = (self.file, self.found);
        let itemsets = Streamed(|| {
            found.iter().map(|(ranks, count)| FoundItemset {
                items: ranks
                    .iter()
                    .map(|&r| file.flist[r as usize].as_str())
                    .collect(),
                count,
            })
        });
        let mut doc = serializer.serialize_struct("ShardJson", 6)?;
        doc.serialize_field("shard", &found.group())?;
        doc.serialize_field("shards", &found.groups())?;
        doc.serialize_field("baskets", &file.baskets)?;
        doc.serialize_field("min_count", &file.min_count)?;
        doc.serialize_field("transactions", &file.shard.len())?;
        doc.serialize_field("itemsets", &itemsets)?;
        doc.end()
    }
}
