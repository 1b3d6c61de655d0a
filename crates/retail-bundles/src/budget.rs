//! The itemset budget: the most itemsets one run may find before it stops with
//! [`BundlesError::TooManyItemsets`](crate::BundlesError::TooManyItemsets).
//!
//! A low support over a few long baskets admits exponentially many itemsets (two invoices
//! sharing 261 products hold 2^261 subsets), so the miners count what they find while they
//! mine, in every thread and every shard, and stop all threads once the count passes the
//! budget. Memory follows the items stored as well as the itemsets (the subsets of one long
//! basket are found longest first), so the items in them are bounded too: at most
//! [`ITEMS_PER_ITEMSET`] per itemset of the budget on average. Each thread adds its counts to
//! the shared totals every [`FLUSH`] itemsets, so a run finds at most
//! `max_itemsets + threads · FLUSH` itemsets before it stops; the error is raised exactly when
//! the complete result would pass either bound.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::BundlesError;

/// The default budget: 5 million itemsets. A mined itemset costs about 40 bytes plus 4 per
/// item in the miner and about three times that while the result is sorted and its rules
/// generated, so 5 million itemsets of 5 items stay near 1 GB at the peak: room on a laptop,
/// and more than 7 times the largest reference result (kosarak head at 0.1 %, 709,648).
pub const DEFAULT_MAX_ITEMSETS: u64 = 5_000_000;

/// The items a run may store per itemset of its budget, on average: 5 million itemsets hold at
/// most 80 million item ids (320 MB in the miner).
pub const ITEMS_PER_ITEMSET: u64 = 16;

/// Itemsets a thread finds before it adds them to the shared count.
pub(crate) const FLUSH: u64 = 1024;

/// The shared count of one run.
#[derive(Debug)]
pub(crate) struct Budget {
    max: u64,
    max_items: u64,
    used: AtomicU64,
    items: AtomicU64,
    stopped: AtomicBool,
}

/// A thread's counts not yet added to the shared totals.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Pending {
    itemsets: u64,
    items: u64,
}

/// Returned up the recursion when the budget is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stop;

impl Budget {
    pub(crate) fn new(max: u64) -> Budget {
        Budget {
            max,
            max_items: max.saturating_mul(ITEMS_PER_ITEMSET),
            used: AtomicU64::new(0),
            items: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
        }
    }

    /// Counts one itemset of `len` items of a thread whose unreported counts are `pending`.
    #[inline]
    pub(crate) fn charge(&self, pending: &mut Pending, len: usize) -> Result<(), Stop> {
        pending.itemsets += 1;
        pending.items += len as u64;
        if pending.itemsets >= FLUSH || pending.items >= FLUSH * ITEMS_PER_ITEMSET {
            self.flush(pending)
        } else {
            Ok(())
        }
    }

    /// Adds a thread's unreported counts to the totals; `Stop` once a total passes the budget
    /// (in this thread or another).
    pub(crate) fn flush(&self, pending: &mut Pending) -> Result<(), Stop> {
        let total = self.used.fetch_add(pending.itemsets, Ordering::Relaxed) + pending.itemsets;
        let items = self.items.fetch_add(pending.items, Ordering::Relaxed) + pending.items;
        *pending = Pending::default();
        if total > self.max || items > self.max_items {
            self.stopped.store(true, Ordering::Relaxed);
            return Err(Stop);
        }
        if self.stopped.load(Ordering::Relaxed) {
            return Err(Stop);
        }
        Ok(())
    }

    /// True once some thread found the budget spent.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// The error when more than the budget was found (call after every thread flushed).
    pub(crate) fn check(&self, min_count: u64) -> Result<(), BundlesError> {
        let found = self.used.load(Ordering::Relaxed);
        let items = self.items.load(Ordering::Relaxed);
        if found > self.max || items > self.max_items {
            return Err(BundlesError::TooManyItemsets {
                max_itemsets: self.max,
                found,
                items,
                min_count,
            });
        }
        Ok(())
    }
}

/// Validates a budget given by a caller.
pub(crate) fn validate(max_itemsets: u64) -> Result<u64, BundlesError> {
    if max_itemsets == 0 {
        return Err(BundlesError::InvalidParameter {
            parameter: "max_itemsets",
            message: "must be at least 1".into(),
        });
    }
    Ok(max_itemsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_once_past_the_budget_and_names_the_parameters() {
        let budget = Budget::new(2 * FLUSH);
        let mut pending = Pending::default();
        for _ in 0..2 * FLUSH {
            assert_eq!(budget.charge(&mut pending, 3), Ok(()));
        }
        assert!(budget.check(7).is_ok());
        // One more itemset: the flush at the end of the thread finds 2·FLUSH + 1 > budget.
        assert_eq!(budget.charge(&mut pending, 3), Ok(()));
        assert_eq!((pending.itemsets, pending.items), (1, 3));
        assert_eq!(budget.flush(&mut pending), Err(Stop));
        assert!(budget.is_stopped());
        let err = budget.check(7).unwrap_err().to_string();
        assert!(
            err.contains(&format!("more than {} frequent itemsets", 2 * FLUSH)),
            "{err}"
        );
        assert!(
            err.contains(&format!("found {} itemsets", 2 * FLUSH + 1)),
            "{err}"
        );
        assert!(err.contains("min count 7"), "{err}");
        for parameter in ["min_support", "max_len", "max_itemsets"] {
            assert!(err.contains(parameter), "{err}");
        }
        // Another thread stops at its next flush even under the budget of its own.
        let mut other = Pending::default();
        assert_eq!(budget.flush(&mut other), Err(Stop));
        assert!(
            validate(0)
                .unwrap_err()
                .to_string()
                .contains("max_itemsets")
        );
    }

    #[test]
    fn long_itemsets_spend_the_budget_by_their_items() {
        // 10 itemsets allowed, 160 items: 9 itemsets of 20 items pass it by the items alone.
        let budget = Budget::new(10);
        let mut pending = Pending::default();
        for _ in 0..9 {
            assert_eq!(budget.charge(&mut pending, 20), Ok(()));
        }
        assert_eq!(budget.flush(&mut pending), Err(Stop));
        let err = budget.check(1).unwrap_err().to_string();
        assert!(err.contains("found 9 itemsets of 180 items"), "{err}");
        // 8 of them (160 items) fit.
        let budget = Budget::new(10);
        let mut pending = Pending::default();
        for _ in 0..8 {
            assert_eq!(budget.charge(&mut pending, 20), Ok(()));
        }
        assert_eq!(budget.flush(&mut pending), Ok(()));
        assert!(budget.check(1).is_ok());
    }
}
