//! What every miner shares, below all of them: the basket count check, the f-list (the
//! frequent items ranked by descending support) and [`RawItemsets`], the rank lists a miner
//! hands to the result, with the worker-thread runner that gathers them. FP-growth (modules
//! `fpgrowth` and `fptree`), its sharded form (`shards`), the closed-itemset miner
//! (`closed`) and the result (`itemsets`) build on this module; it imports none of them.

use retail_ingest::baskets::Baskets;

use crate::BundlesError;

/// The number of baskets, checked against the `u32` counts of the tree.
pub(crate) fn basket_total(baskets: &Baskets) -> Result<u64, BundlesError> {
    let n = baskets.len() as u64;
    if n > u64::from(u32::MAX - 1) {
        return Err(BundlesError::InvalidParameter {
            parameter: "baskets",
            message: format!("{n} baskets; at most {} are supported", u32::MAX - 1),
        });
    }
    Ok(n)
}

/// What the miner hands to the result: items (basket item ids) ranked by descending support,
/// and the itemsets as rank lists with their counts.
#[derive(Debug, Default)]
pub(crate) struct RawItemsets {
    /// Rank → basket item id.
    pub ranked_items: Vec<u32>,
    /// Rank → basket count of the item.
    pub ranked_support: Vec<u32>,
    /// True when the miner kept only the closed or maximal itemsets itself.
    pub target_mined: bool,
    /// Flat rank lists.
    pub members: Vec<u32>,
    /// `members` offsets, one more than itemsets.
    pub offsets: Vec<usize>,
    /// Basket count per itemset.
    pub counts: Vec<u32>,
}

impl RawItemsets {
    pub(crate) fn new() -> RawItemsets {
        RawItemsets {
            offsets: vec![0],
            ..RawItemsets::default()
        }
    }

    pub(crate) fn emit(&mut self, prefix: &[u32], count: u32) {
        self.members.extend_from_slice(prefix);
        self.offsets.push(self.members.len());
        self.counts.push(count);
    }

    pub(crate) fn append(&mut self, other: RawItemsets) {
        let base = self.members.len();
        self.members.extend_from_slice(&other.members);
        self.offsets
            .extend(other.offsets[1..].iter().map(|&o| o + base));
        self.counts.extend_from_slice(&other.counts);
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn itemset(&self, i: usize) -> &[u32] {
        &self.members[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// The f-list: the items in at least `min_count` baskets (basket item ids), by descending
/// support, then ascending id (an item's rank is its index here), and their supports.
pub(crate) fn rank_items(baskets: &Baskets, min_count: u64) -> (Vec<u32>, Vec<u32>) {
    let n_items = baskets.items().len();
    let mut support = vec![0u32; n_items];
    for basket in baskets.iter() {
        for &item in basket {
            support[item as usize] += 1;
        }
    }
    let mut ranked: Vec<u32> = (0..n_items as u32)
        .filter(|&i| u64::from(support[i as usize]) >= min_count)
        .collect();
    ranked.sort_unstable_by(|&a, &b| {
        support[b as usize]
            .cmp(&support[a as usize])
            .then(a.cmp(&b))
    });
    let ranked_support = ranked.iter().map(|&i| support[i as usize]).collect();
    (ranked, ranked_support)
}

/// Runs `work` on `threads` scoped threads (on this thread when 1) and appends what each
/// found to `out`, in thread order. A worker's panic is resumed here.
pub(crate) fn run_workers(
    threads: usize,
    out: &mut RawItemsets,
    work: impl Fn() -> RawItemsets + Sync,
) {
    for part in retail_ingest::parallel::on_threads(threads.max(1), work) {
        out.append(part);
    }
}
