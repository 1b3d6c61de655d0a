//! FP-growth (Han, Pei & Yin, 2000): frequent itemsets from a prefix tree of the baskets,
//! without candidate generation and without a one-hot matrix.
//!
//! The baskets are recoded to frequent items ranked by descending support, sorted, and
//! inserted into the FP-tree in one pass (sorted baskets share their prefixes with the
//! basket before them, so no child search is needed). Each frequent item's conditional
//! pattern base is then mined recursively; a conditional tree that is a single path has all
//! its subsets enumerated directly, up to the length limit. The top-level items are shared
//! out over worker threads. Every itemset found is counted against the run's budget
//! ([`crate::budget`]), and all threads stop once it is spent.
//!
//! Closed and maximal itemsets (without a length limit) are not enumerated here but mined
//! directly by closure extension ([`crate::closed`]).
//!
//! This module is the public face ([`FpGrowth`]); the tree and its miner are in the crate's
//! `fptree` module, and what all the miners share in its `raw` module.

use retail_ingest::baskets::Baskets;

use crate::budget::{self, Budget, DEFAULT_MAX_ITEMSETS, Pending};
use crate::fptree::mine_ranked;
use crate::itemsets::{FrequentItemsets, ItemsetTarget};
use crate::raw::{RawItemsets, basket_total};
use crate::shards::{ShardItemsets, ShardPlan};
use crate::{BundlesError, MinSupport};

/// Parameters of an FP-growth run, validated by the builder methods.
///
/// ```
/// use retail_bundles::{FpGrowth, MinSupport};
/// use retail_ingest::baskets::Baskets;
///
/// let baskets = Baskets::from_lists([vec!["bread", "milk"], vec!["bread", "butter"], vec!["bread"]]);
/// let itemsets = FpGrowth::new(MinSupport::count(2).unwrap()).mine(&baskets).unwrap();
/// assert_eq!(itemsets.len(), 1); // {bread} in 3 baskets; milk and butter in 1 each
/// assert_eq!(itemsets.count(0), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FpGrowth {
    min_support: MinSupport,
    max_len: Option<usize>,
    target: ItemsetTarget,
    top_k: Option<usize>,
    threads: usize,
    max_itemsets: u64,
}

impl FpGrowth {
    /// Mines every itemset with at least `min_support`, on all cores.
    pub fn new(min_support: MinSupport) -> FpGrowth {
        FpGrowth {
            min_support,
            max_len: None,
            target: ItemsetTarget::All,
            top_k: None,
            threads: retail_ingest::parallel::available_threads(),
            max_itemsets: DEFAULT_MAX_ITEMSETS,
        }
    }

    /// Only itemsets of at most `max_len` items (at least 1).
    pub fn with_max_len(mut self, max_len: usize) -> FpGrowth {
        self.max_len = Some(max_len);
        self
    }

    /// All frequent itemsets (default), only the closed ones, or only the maximal ones.
    pub fn with_target(mut self, target: ItemsetTarget) -> FpGrowth {
        self.target = target;
        self
    }

    /// Keeps only the `k` itemsets with the highest support (in the result's order; at
    /// least 1).
    pub fn with_top_k(mut self, k: usize) -> FpGrowth {
        self.top_k = Some(k);
        self
    }

    /// Worker threads; `0` (and the default) means all available cores, as everywhere in the
    /// workspace (`retail_ingest::parallel`).
    pub fn with_threads(mut self, threads: usize) -> FpGrowth {
        self.threads = retail_ingest::parallel::resolve_threads(threads);
        self
    }

    /// The budget: mining stops with [`BundlesError::TooManyItemsets`] once it finds more
    /// than `max_itemsets` itemsets (at least 1; default [`DEFAULT_MAX_ITEMSETS`]). What is
    /// counted is what the miner produces: every frequent itemset up to the length limit for
    /// target `All` (before a top-k cut), the closed ones for `Closed`, and every closed
    /// itemset walked for `Maximal` (which bounds that walk too).
    pub fn with_max_itemsets(mut self, max_itemsets: u64) -> FpGrowth {
        self.max_itemsets = max_itemsets;
        self
    }

    /// Checks the parameters: `max_len` and `top_k` at least 1, `max_itemsets` within the
    /// budget's range.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming the first parameter out of its range.
    pub fn check(&self) -> Result<(), BundlesError> {
        let at_least_one = |parameter: &'static str| BundlesError::InvalidParameter {
            parameter,
            message: "must be at least 1".into(),
        };
        if self.max_len == Some(0) {
            return Err(at_least_one("max_len"));
        }
        if self.top_k == Some(0) {
            return Err(at_least_one("top_k"));
        }
        budget::validate(self.max_itemsets)?;
        Ok(())
    }

    /// The minimum support.
    pub fn min_support(&self) -> MinSupport {
        self.min_support
    }

    /// The itemset budget.
    pub fn max_itemsets(&self) -> u64 {
        self.max_itemsets
    }

    /// True when closed or maximal itemsets are mined directly, not filtered from all.
    fn mines_target_directly(&self) -> bool {
        self.target != ItemsetTarget::All && self.max_len.is_none()
    }

    /// Mines `baskets`. Empty baskets count in the total that a fractional support refers to.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] for parameters out of range ([`FpGrowth::check`]),
    /// [`BundlesError::TooManyItemsets`] once the budget is spent.
    pub fn mine(&self, baskets: &Baskets) -> Result<FrequentItemsets, BundlesError> {
        self.check()?;
        let n = basket_total(baskets)?;
        let min_count = self.min_support.to_count(n);
        let budget = Budget::new(self.max_itemsets);
        let raw = if self.mines_target_directly() {
            crate::closed::mine_closed(
                baskets,
                min_count,
                self.target == ItemsetTarget::Maximal,
                self.threads,
                &budget,
            )
        } else {
            mine_ranked(baskets, min_count, self.max_len, self.threads, &budget)
        };
        budget.check(min_count)?;
        Ok(self.assemble(baskets, n, min_count, raw))
    }

    /// Mines `baskets` as Spark MLlib's parallel FP-growth does: the frequent items are dealt
    /// to `shards` groups (at least 1), each group gets its own conditional transactions, and
    /// the shards are mined independently, several at a time (up to the configured threads).
    /// The result equals [`FpGrowth::mine`]'s. See [`crate::shards`].
    ///
    /// Closed and maximal itemsets without a length limit are mined in one process, as
    /// [`FpGrowth::mine`] does: whether an itemset is closed depends on items of other
    /// groups, so they do not split into shards.
    ///
    /// # Errors
    /// As [`FpGrowth::mine`], and [`BundlesError::InvalidParameter`] naming `shards` for 0.
    pub fn mine_sharded(
        &self,
        baskets: &Baskets,
        shards: usize,
    ) -> Result<FrequentItemsets, BundlesError> {
        self.check()?;
        let plan = ShardPlan::new(baskets, self.min_support, shards)?;
        if self.mines_target_directly() {
            return self.mine(baskets);
        }
        let budget = Budget::new(self.max_itemsets);
        let raw = crate::shards::mine_plan(&plan, baskets, self.max_len, self.threads, &budget);
        budget.check(plan.min_count())?;
        Ok(self.assemble(baskets, plan.baskets(), plan.min_count(), raw))
    }

    /// Merges the results of [`crate::shards::mine_shard`], one per group of a plan of
    /// `baskets` with this miner's support and length limit, into what [`FpGrowth::mine`]
    /// returns (target and top-k are applied here). Fails when a group is missing or repeated,
    /// or an itemset does not belong to its shard.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] for this miner's parameters ([`FpGrowth::check`]),
    /// the shard errors above, and [`BundlesError::TooManyItemsets`] over the budget.
    pub fn merge_shards(
        &self,
        baskets: &Baskets,
        parts: &[ShardItemsets],
    ) -> Result<FrequentItemsets, BundlesError> {
        self.check()?;
        let n = basket_total(baskets)?;
        let min_count = self.min_support.to_count(n);
        let budget = Budget::new(self.max_itemsets);
        let mut pending = Pending::default();
        for part in parts {
            for (items, _) in part.iter() {
                let _ = budget.charge(&mut pending, items.len());
            }
        }
        let _ = budget.flush(&mut pending);
        budget.check(min_count)?;
        let raw = crate::shards::merge_raw(baskets, min_count, self.max_len, parts)?;
        Ok(self.assemble(baskets, n, min_count, raw))
    }

    /// The result of `raw` with this miner's target (unless the miner applied it), length
    /// limit and top-k.
    fn assemble(
        &self,
        baskets: &Baskets,
        n: u64,
        min_count: u64,
        raw: RawItemsets,
    ) -> FrequentItemsets {
        FrequentItemsets::assemble(
            baskets,
            n,
            min_count,
            raw,
            self.target,
            self.max_len,
            self.top_k,
        )
    }
}
