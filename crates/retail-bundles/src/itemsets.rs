//! The result of mining: frequent itemsets in a full deterministic order, as typed values and
//! as Arrow.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, ListBuilder, StringBuilder, UInt32Array, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use retail_ingest::baskets::Baskets;
use serde::Serialize;

use crate::BundlesError;
use crate::raw::RawItemsets;

/// Which frequent itemsets to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ItemsetTarget {
    /// Every frequent itemset.
    #[default]
    All,
    /// Frequent itemsets with no proper superset of the same support.
    Closed,
    /// Frequent itemsets with no frequent proper superset.
    Maximal,
}

/// One frequent itemset, typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Itemset {
    /// Item ids (product ids), in the result's item order.
    pub items: Vec<String>,
    /// Item names (product descriptions) where known.
    pub names: Vec<Option<String>>,
    /// Baskets containing every item.
    pub count: u64,
    /// `count / baskets`.
    pub support: f64,
}

/// Frequent itemsets, ordered by count (descending), then length (ascending), then items.
///
/// Items are numbered in their own order: ids that are all digits come first, by numeric
/// value, then the rest by byte order. Within an itemset the items are in that order too.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequentItemsets {
    baskets: u64,
    min_count: u64,
    target: ItemsetTarget,
    max_len: Option<usize>,
    truncated_from: Option<usize>,
    item_ids: Vec<String>,
    item_names: Vec<Option<String>>,
    item_counts: Vec<u64>,
    basket_item: Vec<u32>,
    members: Vec<u32>,
    offsets: Vec<usize>,
    counts: Vec<u64>,
}

/// Compares item ids: digit strings by numeric value first, then the rest bytewise.
pub fn compare_item_ids(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
    .then_with(|| a.cmp(b))
}

impl FrequentItemsets {
    pub(crate) fn assemble(
        baskets: &Baskets,
        n: u64,
        min_count: u64,
        raw: RawItemsets,
        target: ItemsetTarget,
        max_len: Option<usize>,
        top_k: Option<usize>,
    ) -> FrequentItemsets {
        // The result's item order over the frequent items.
        let mut by_id: Vec<u32> = (0..raw.ranked_items.len() as u32).collect();
        by_id.sort_unstable_by(|&a, &b| {
            compare_item_ids(
                baskets.item_name(raw.ranked_items[a as usize]),
                baskets.item_name(raw.ranked_items[b as usize]),
            )
        });
        let mut index_of_rank = vec![0u32; by_id.len()];
        for (index, &rank) in by_id.iter().enumerate() {
            index_of_rank[rank as usize] = index as u32;
        }
        let basket_item: Vec<u32> = by_id
            .iter()
            .map(|&rank| raw.ranked_items[rank as usize])
            .collect();
        let item_ids: Vec<String> = basket_item
            .iter()
            .map(|&id| baskets.item_name(id).to_string())
            .collect();

        let mut members = Vec::with_capacity(raw.members.len());
        let mut offsets = Vec::with_capacity(raw.len() + 1);
        offsets.push(0);
        let mut item_counts = vec![0u64; by_id.len()];
        for (rank, &support) in raw.ranked_support.iter().enumerate() {
            item_counts[index_of_rank[rank] as usize] = u64::from(support);
        }
        for i in 0..raw.len() {
            let start = members.len();
            members.extend(raw.itemset(i).iter().map(|&r| index_of_rank[r as usize]));
            members[start..].sort_unstable();
            offsets.push(members.len());
        }
        let counts: Vec<u64> = raw.counts.iter().map(|&c| u64::from(c)).collect();
        let target_mined = raw.target_mined;
        drop(raw);
        let itemset = |i: usize| &members[offsets[i]..offsets[i + 1]];

        let keep: Vec<bool> = match target {
            _ if target_mined => vec![true; counts.len()],
            ItemsetTarget::All => vec![true; counts.len()],
            ItemsetTarget::Closed | ItemsetTarget::Maximal => {
                let index: HashMap<&[u32], usize> =
                    (0..counts.len()).map(|i| (itemset(i), i)).collect();
                let mut keep = vec![true; counts.len()];
                let mut subset = Vec::new();
                for (i, &count) in counts.iter().enumerate() {
                    let set = itemset(i);
                    if set.len() < 2 {
                        continue;
                    }
                    for skip in 0..set.len() {
                        subset.clear();
                        subset.extend_from_slice(&set[..skip]);
                        subset.extend_from_slice(&set[skip + 1..]);
                        if let Some(&sub) = index.get(subset.as_slice())
                            && (target == ItemsetTarget::Maximal || counts[sub] == count)
                        {
                            keep[sub] = false;
                        }
                    }
                }
                keep
            }
        };

        // Sort on a packed (count descending, length) key first, then order each run of
        // equal keys by items: far fewer slice comparisons than one combined sort.
        let key = |i: usize| ((u64::from(u32::MAX) - counts[i]) << 32) | itemset(i).len() as u64;
        let mut keyed: Vec<(u64, u32)> = (0..counts.len())
            .filter(|&i| keep[i])
            .map(|i| (key(i), i as u32))
            .collect();
        keyed.sort_unstable();
        let mut order: Vec<usize> = keyed.iter().map(|&(_, i)| i as usize).collect();
        let mut start = 0;
        while start < keyed.len() {
            let mut end = start + 1;
            while end < keyed.len() && keyed[end].0 == keyed[start].0 {
                end += 1;
            }
            if end - start > 1 {
                order[start..end].sort_unstable_by(|&a, &b| itemset(a).cmp(itemset(b)));
            }
            start = end;
        }
        drop(keyed);
        let mut truncated_from = None;
        if let Some(k) = top_k
            && order.len() > k
        {
            truncated_from = Some(order.len());
            order.truncate(k);
        }
        let mut sorted_members = Vec::with_capacity(members.len());
        let mut sorted_offsets = Vec::with_capacity(order.len() + 1);
        sorted_offsets.push(0);
        let mut sorted_counts = Vec::with_capacity(order.len());
        for &i in &order {
            sorted_members.extend_from_slice(itemset(i));
            sorted_offsets.push(sorted_members.len());
            sorted_counts.push(counts[i]);
        }
        FrequentItemsets {
            baskets: n,
            min_count,
            target,
            max_len,
            truncated_from,
            item_names: vec![None; item_ids.len()],
            item_ids,
            item_counts,
            basket_item,
            members: sorted_members,
            offsets: sorted_offsets,
            counts: sorted_counts,
        }
    }

    /// Names the items (product descriptions), indexed by the basket item id.
    pub fn with_item_names(mut self, names_by_basket_item: &[Option<String>]) -> Self {
        for (name, &id) in self.item_names.iter_mut().zip(&self.basket_item) {
            *name = names_by_basket_item.get(id as usize).cloned().flatten();
        }
        self
    }

    /// Number of itemsets kept.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when nothing is frequent.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Number of baskets mined (empty ones included).
    pub fn baskets(&self) -> u64 {
        self.baskets
    }

    /// The minimum count an itemset needed.
    pub fn min_count(&self) -> u64 {
        self.min_count
    }

    /// Which itemsets were kept.
    pub fn target(&self) -> ItemsetTarget {
        self.target
    }

    /// The length limit of the run, if any.
    pub fn max_len(&self) -> Option<usize> {
        self.max_len
    }

    /// When a top-k cut dropped itemsets: how many there were before it.
    pub fn truncated_from(&self) -> Option<usize> {
        self.truncated_from
    }

    /// Itemset `i` as indices into [`FrequentItemsets::item_ids`], ascending.
    pub fn itemset(&self, i: usize) -> &[u32] {
        &self.members[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Baskets containing itemset `i`.
    pub fn count(&self, i: usize) -> u64 {
        self.counts[i]
    }

    /// Support of itemset `i`: its count over all baskets.
    pub fn support(&self, i: usize) -> f64 {
        self.counts[i] as f64 / self.baskets as f64
    }

    /// The frequent items' ids, in the result's item order.
    pub fn item_ids(&self) -> &[String] {
        &self.item_ids
    }

    /// The frequent items' names where known.
    pub fn item_names(&self) -> &[Option<String>] {
        &self.item_names
    }

    /// Baskets containing each frequent item.
    pub fn item_counts(&self) -> &[u64] {
        &self.item_counts
    }

    /// Number of itemsets by length: entry `k` counts itemsets of `k` items (entry 0 is 0).
    pub fn count_by_length(&self) -> Vec<u64> {
        let mut by_len = vec![0u64; 1];
        for w in self.offsets.windows(2) {
            let len = w[1] - w[0];
            if by_len.len() <= len {
                by_len.resize(len + 1, 0);
            }
            by_len[len] += 1;
        }
        by_len
    }

    /// Iterates the itemsets as typed values.
    pub fn iter(&self) -> impl Iterator<Item = Itemset> + '_ {
        (0..self.len()).map(|i| Itemset {
            items: self
                .itemset(i)
                .iter()
                .map(|&j| self.item_ids[j as usize].clone())
                .collect(),
            names: self
                .itemset(i)
                .iter()
                .map(|&j| self.item_names[j as usize].clone())
                .collect(),
            count: self.counts[i],
            support: self.support(i),
        })
    }

    /// As Arrow: `items` and `names` (lists), `length`, `count`, `support`.
    ///
    /// # Errors
    /// Arrow's error building the batch, as [`BundlesError::Arrow`].
    pub fn to_record_batch(&self) -> Result<RecordBatch, BundlesError> {
        let (items, names) = self.item_lists((0..self.len()).map(|i| self.itemset(i)));
        let length =
            UInt32Array::from_iter_values(self.offsets.windows(2).map(|w| (w[1] - w[0]) as u32));
        let count = UInt64Array::from(self.counts.clone());
        let support = Float64Array::from_iter_values((0..self.len()).map(|i| self.support(i)));
        let columns: Vec<ArrayRef> = vec![
            items,
            names,
            Arc::new(length),
            Arc::new(count),
            Arc::new(support),
        ];
        let schema = Schema::new(vec![
            Field::new("items", columns[0].data_type().clone(), false),
            Field::new("names", columns[1].data_type().clone(), false),
            Field::new("length", DataType::UInt32, false),
            Field::new("count", DataType::UInt64, false),
            Field::new("support", DataType::Float64, false),
        ]);
        Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
    }

    /// Two list columns (ids and names) for a sequence of itemsets.
    pub(crate) fn item_lists<'a>(
        &self,
        sets: impl Iterator<Item = &'a [u32]>,
    ) -> (ArrayRef, ArrayRef) {
        let mut ids = ListBuilder::new(StringBuilder::new());
        let mut names = ListBuilder::new(StringBuilder::new());
        for set in sets {
            for &j in set {
                ids.values().append_value(&self.item_ids[j as usize]);
                names
                    .values()
                    .append_option(self.item_names[j as usize].as_deref());
            }
            ids.append(true);
            names.append(true);
        }
        (Arc::new(ids.finish()), Arc::new(names.finish()))
    }

    /// The basket item id of each frequent item.
    pub fn basket_items(&self) -> &[u32] {
        &self.basket_item
    }

    /// Looks itemsets up by their (ascending) item indices.
    pub(crate) fn index(&self) -> HashMap<&[u32], usize> {
        (0..self.len()).map(|i| (self.itemset(i), i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_sort_by_value_before_text() {
        let mut ids = vec!["10", "9", "b", "A", "010", "85123A", "2"];
        ids.sort_by(|a, b| compare_item_ids(a, b));
        assert_eq!(ids, vec!["2", "9", "010", "10", "85123A", "A", "b"]);
    }
}
