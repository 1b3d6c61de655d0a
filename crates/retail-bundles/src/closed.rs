//! Closed and maximal itemsets mined directly, by prefix-preserving closure extension (LCM;
//! Uno, Kiyomi & Arimura, 2004), never through the set of all frequent itemsets.
//!
//! Items are the frequent items' ranks. Every closed itemset `Q` but the closure of the empty
//! set is reached exactly once, from its parent `P` (closed) and an item `e > core(P)` not in
//! `P`: `Q = closure(P ∪ {e})`, kept when the closure adds no item below `e` (the
//! prefix-preserving test); then `core(Q) = e`. The closure is computed on the conditional
//! database of `P`: the baskets containing `P`, cut to the items outside `P` that are frequent
//! among them, identical ones merged with a weight. Any item of a closure is frequent there,
//! so nothing the test needs is cut away.
//!
//! A closed itemset is maximal exactly when no item outside it is frequent among its baskets,
//! that is when its own conditional database has no item left, so the maximal ones come out of
//! the same walk without a subsumption check.
//!
//! Work is shared out over threads by the first extension item; every closed itemset walked is
//! counted against the run's budget (for maximal itemsets too, so the walk is bounded), and
//! the items of those kept.

use std::sync::atomic::{AtomicUsize, Ordering};

use retail_ingest::baskets::Baskets;

use crate::budget::{Budget, Pending, Stop};
use crate::raw::{RawItemsets, rank_items, run_workers};

const NONE: u32 = u32::MAX;

/// Weighted transactions over ranks, each strictly ascending and non-empty.
#[derive(Debug, Default)]
struct Db {
    items: Vec<u32>,
    /// `items` offsets, one more than transactions.
    offsets: Vec<usize>,
    weights: Vec<u32>,
}

impl Db {
    fn len(&self) -> usize {
        self.weights.len()
    }

    fn transaction(&self, t: usize) -> &[u32] {
        &self.items[self.offsets[t]..self.offsets[t + 1]]
    }

    /// Builds a database from weighted transactions, merging identical ones.
    fn merged(staged: &Db) -> Db {
        let mut order: Vec<u32> = (0..staged.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            staged
                .transaction(a as usize)
                .cmp(staged.transaction(b as usize))
        });
        let mut db = Db {
            items: Vec::with_capacity(staged.items.len()),
            offsets: vec![0],
            weights: Vec::new(),
        };
        let mut previous: Option<usize> = None;
        for &t in &order {
            let t = t as usize;
            let items = staged.transaction(t);
            if let Some(p) = previous
                && staged.transaction(p) == items
            {
                let last = db.weights.len() - 1;
                db.weights[last] += staged.weights[t];
                continue;
            }
            db.items.extend_from_slice(items);
            db.offsets.push(db.items.len());
            db.weights.push(staged.weights[t]);
            previous = Some(t);
        }
        db
    }
}

/// Per-thread arrays indexed by rank, all zero between uses.
struct Scratch {
    count: Vec<u32>,
    occurrences: Vec<u32>,
    slot: Vec<u32>,
    touched: Vec<u32>,
    pending: Pending,
}

impl Scratch {
    fn new(n_ranks: usize) -> Scratch {
        Scratch {
            count: vec![0; n_ranks],
            occurrences: vec![0; n_ranks],
            slot: vec![NONE; n_ranks],
            touched: Vec::new(),
            pending: Pending::default(),
        }
    }
}

/// The extensions of one closed itemset: candidate items with their weighted counts and the
/// transactions of its database that hold them.
struct Extensions {
    items: Vec<u32>,
    counts: Vec<u32>,
    /// Transaction indices per candidate, flat.
    transactions: Vec<u32>,
    offsets: Vec<usize>,
}

impl Extensions {
    /// The items of `db` from `from` on with at least `min_count` weight, ascending, and
    /// where they occur (occurrence deliver: one pass over the database).
    fn of(db: &Db, from: u32, min_count: u32, scratch: &mut Scratch) -> Extensions {
        let Scratch {
            count,
            occurrences,
            slot,
            touched,
            ..
        } = scratch;
        for t in 0..db.len() {
            let weight = db.weights[t];
            for &j in db.transaction(t) {
                if j < from {
                    continue;
                }
                if occurrences[j as usize] == 0 {
                    touched.push(j);
                }
                occurrences[j as usize] += 1;
                count[j as usize] += weight;
            }
        }
        touched.sort_unstable();
        let mut ext = Extensions {
            items: Vec::new(),
            counts: Vec::new(),
            transactions: Vec::new(),
            offsets: vec![0],
        };
        let mut total = 0;
        for &j in touched.iter() {
            if count[j as usize] >= min_count {
                slot[j as usize] = ext.items.len() as u32;
                ext.items.push(j);
                ext.counts.push(count[j as usize]);
                total += occurrences[j as usize] as usize;
                ext.offsets.push(total);
            }
        }
        ext.transactions = vec![0; total];
        let mut fill: Vec<usize> = ext.offsets[..ext.items.len()].to_vec();
        if !ext.items.is_empty() {
            for t in 0..db.len() {
                for &j in db.transaction(t) {
                    let s = if j < from { NONE } else { slot[j as usize] };
                    if s != NONE {
                        ext.transactions[fill[s as usize]] = t as u32;
                        fill[s as usize] += 1;
                    }
                }
            }
        }
        for &j in touched.iter() {
            count[j as usize] = 0;
            occurrences[j as usize] = 0;
            slot[j as usize] = NONE;
        }
        touched.clear();
        ext
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn transactions(&self, k: usize) -> &[u32] {
        &self.transactions[self.offsets[k]..self.offsets[k + 1]]
    }
}

struct Walk<'a> {
    min_count: u32,
    maximal: bool,
    budget: &'a Budget,
}

impl Walk<'_> {
    /// Extends the closed itemset `closed` (its database `db`) by candidate `k` of `ext`:
    /// emits the closure when it is a prefix-preserving extension and walks on from it.
    fn extend(
        &self,
        closed: &mut Vec<u32>,
        db: &Db,
        ext: &Extensions,
        k: usize,
        scratch: &mut Scratch,
        out: &mut RawItemsets,
    ) -> Result<(), Stop> {
        let e = ext.items[k];
        let support = ext.counts[k];
        let transactions = ext.transactions(k);
        // Weighted counts of every item over the baskets holding closed ∪ {e}.
        for &t in transactions {
            let weight = db.weights[t as usize];
            for &j in db.transaction(t as usize) {
                if scratch.count[j as usize] == 0 {
                    scratch.touched.push(j);
                }
                scratch.count[j as usize] += weight;
            }
        }
        let reset = |scratch: &mut Scratch| {
            for &j in scratch.touched.iter() {
                scratch.count[j as usize] = 0;
            }
            scratch.touched.clear();
        };
        // Prefix-preserving: the closure adds no item below e.
        if scratch
            .touched
            .iter()
            .any(|&j| j < e && scratch.count[j as usize] == support)
        {
            reset(scratch);
            return Ok(());
        }
        let base = closed.len();
        closed.extend(
            scratch
                .touched
                .iter()
                .copied()
                .filter(|&j| scratch.count[j as usize] == support),
        );
        // The conditional database of the closure: its baskets cut to the items outside it
        // that are frequent among them.
        let mut staged = Db {
            offsets: vec![0],
            ..Db::default()
        };
        for &t in transactions {
            let start = staged.items.len();
            staged
                .items
                .extend(db.transaction(t as usize).iter().copied().filter(|&j| {
                    let c = scratch.count[j as usize];
                    c >= self.min_count && c != support
                }));
            if staged.items.len() > start {
                staged.offsets.push(staged.items.len());
                staged.weights.push(db.weights[t as usize]);
            }
        }
        reset(scratch);
        // Every closed itemset walked is counted, kept or not, so that a maximal run over
        // very many closed itemsets ends too; only the kept ones count by their items.
        let result = if !self.maximal || staged.len() == 0 {
            out.emit(closed, support);
            self.budget.charge(&mut scratch.pending, closed.len())
        } else {
            self.budget.charge(&mut scratch.pending, 0)
        };
        let mut result = result;
        if result.is_ok() && staged.len() > 0 {
            let child = Db::merged(&staged);
            drop(staged);
            result = self.walk(closed, &child, e + 1, scratch, out);
        }
        closed.truncate(base);
        result
    }

    /// Every prefix-preserving extension of `closed` by an item from `from` on.
    fn walk(
        &self,
        closed: &mut Vec<u32>,
        db: &Db,
        from: u32,
        scratch: &mut Scratch,
        out: &mut RawItemsets,
    ) -> Result<(), Stop> {
        let ext = Extensions::of(db, from, self.min_count, scratch);
        (0..ext.len()).try_for_each(|k| self.extend(closed, db, &ext, k, scratch, out))
    }
}

/// The closed (or, with `maximal`, the maximal) itemsets of `baskets` in at least `min_count`
/// baskets, as rank lists with their counts; stops early, with part of them, once `budget` is
/// spent.
pub(crate) fn mine_closed(
    baskets: &Baskets,
    min_count: u64,
    maximal: bool,
    threads: usize,
    budget: &Budget,
) -> RawItemsets {
    let (ranked, ranked_support) = rank_items(baskets, min_count);
    let n_ranks = ranked.len();
    let n = baskets.len() as u64;
    let mut rank_of = vec![NONE; baskets.items().len()];
    for (rank, &item) in ranked.iter().enumerate() {
        rank_of[item as usize] = rank as u32;
    }
    let mut out = RawItemsets::new();
    out.ranked_items = ranked;
    out.target_mined = true;
    if n_ranks == 0 {
        out.ranked_support = ranked_support;
        return out;
    }
    // The closure of the empty set: the items in every basket.
    let root: Vec<u32> = (0..n_ranks as u32)
        .filter(|&r| u64::from(ranked_support[r as usize]) == n)
        .collect();
    let mut staged = Db {
        offsets: vec![0],
        ..Db::default()
    };
    for basket in baskets.iter() {
        let start = staged.items.len();
        staged.items.extend(
            basket
                .iter()
                .map(|&i| rank_of[i as usize])
                .filter(|&r| r != NONE && u64::from(ranked_support[r as usize]) != n),
        );
        if staged.items.len() > start {
            staged.items[start..].sort_unstable();
            staged.offsets.push(staged.items.len());
            staged.weights.push(1);
        }
    }
    drop(rank_of);
    let db = Db::merged(&staged);
    drop(staged);
    out.ranked_support = ranked_support;

    let walk = Walk {
        min_count: u32::try_from(min_count).unwrap_or(u32::MAX),
        maximal,
        budget,
    };
    let mut scratch = Scratch::new(n_ranks);
    if !root.is_empty() && (!maximal || db.len() == 0) {
        out.emit(&root, n as u32);
        let _ = budget.charge(&mut scratch.pending, root.len());
    }
    let ext = Extensions::of(&db, 0, walk.min_count, &mut scratch);
    let next = AtomicUsize::new(0);
    let work = |mut scratch: Scratch| {
        let mut local = RawItemsets::new();
        let mut closed = root.clone();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= ext.len()
                || budget.is_stopped()
                || walk
                    .extend(&mut closed, &db, &ext, k, &mut scratch, &mut local)
                    .is_err()
            {
                break;
            }
        }
        let _ = budget.flush(&mut scratch.pending);
        local
    };
    let threads = threads.clamp(1, ext.len().max(1));
    if threads == 1 {
        out.append(work(scratch));
    } else {
        let _ = budget.flush(&mut scratch.pending);
        run_workers(threads, &mut out, || work(Scratch::new(n_ranks)));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use crate::{FpGrowth, ItemsetTarget, MinSupport};
    use retail_ingest::baskets::Baskets;

    type Found = BTreeMap<Vec<String>, u64>;

    fn found(itemsets: &crate::FrequentItemsets) -> Found {
        itemsets
            .iter()
            .map(|s| {
                let mut items = s.items;
                items.sort();
                (items, s.count)
            })
            .collect()
    }

    /// The closed or maximal itemsets by definition over a naive enumeration of every subset
    /// of the (at most 10) items.
    fn oracle(raw: &[Vec<u8>], min_count: u64, target: ItemsetTarget) -> Found {
        let sets: Vec<u16> = raw
            .iter()
            .map(|b| b.iter().fold(0u16, |m, &i| m | (1 << i)))
            .collect();
        let count = |x: u16| sets.iter().filter(|&&b| b & x == x).count() as u64;
        let frequent: Vec<(u16, u64)> = (1u16..1 << 10)
            .map(|x| (x, count(x)))
            .filter(|&(_, c)| c >= min_count)
            .collect();
        frequent
            .iter()
            .filter(|&&(x, c)| {
                frequent.iter().all(|&(y, d)| {
                    y == x
                        || y & x != x
                        || match target {
                            ItemsetTarget::Maximal => false,
                            _ => d != c,
                        }
                })
            })
            .map(|&(x, c)| {
                let mut items: Vec<String> = (0..10)
                    .filter(|i| x & (1 << i) != 0)
                    .map(|i| format!("i{i}"))
                    .collect();
                items.sort();
                (items, c)
            })
            .collect()
    }

    fn baskets(raw: &[Vec<u8>]) -> Baskets {
        Baskets::from_lists(
            raw.iter()
                .map(|b| b.iter().map(|i| format!("i{i}")).collect::<Vec<_>>()),
        )
    }

    #[test]
    fn hand_example_closed_and_maximal() {
        // a in all 4 baskets; {a,b} 3; {a,b,c} 2; {a,d} 1.
        let raw = vec![vec![0, 1, 2], vec![0, 1, 2], vec![0, 1], vec![0, 3]];
        let b = baskets(&raw);
        let mine = |target, min| {
            found(
                &FpGrowth::new(MinSupport::count(min).unwrap())
                    .with_target(target)
                    .mine(&b)
                    .unwrap(),
            )
        };
        let set = |items: &[&str], c: u64| (items.iter().map(|s| s.to_string()).collect(), c);
        assert_eq!(
            mine(ItemsetTarget::Closed, 1),
            Found::from([
                set(&["i0"], 4),
                set(&["i0", "i1"], 3),
                set(&["i0", "i1", "i2"], 2),
                set(&["i0", "i3"], 1),
            ])
        );
        assert_eq!(
            mine(ItemsetTarget::Maximal, 1),
            Found::from([set(&["i0", "i1", "i2"], 2), set(&["i0", "i3"], 1)])
        );
        assert_eq!(
            mine(ItemsetTarget::Maximal, 3),
            Found::from([set(&["i0", "i1"], 3)])
        );
        // Nothing but the root closure at 4: {a} is closed and maximal.
        assert_eq!(
            mine(ItemsetTarget::Maximal, 4),
            Found::from([set(&["i0"], 4)])
        );
        assert_eq!(mine(ItemsetTarget::Closed, 5), Found::new());
    }

    #[test]
    fn the_walk_over_closed_itemsets_is_bounded_for_maximal_ones_too() {
        // Every 11 of 12 items, one basket each: a set of k items is in 12 - k baskets and
        // every superset in fewer, so all non-empty itemsets but the 12 items together,
        // 2^12 - 2 = 4,094, are closed; the maximal ones are the 12 baskets.
        let raw: Vec<Vec<u8>> = (0..12u8)
            .map(|skip| (0..12u8).filter(|&i| i != skip).collect())
            .collect();
        let b = Baskets::from_lists(
            raw.iter()
                .map(|s| s.iter().map(|i| format!("i{i}")).collect::<Vec<_>>()),
        );
        let miner = |target, max| {
            FpGrowth::new(MinSupport::count(1).unwrap())
                .with_target(target)
                .with_threads(1)
                .with_max_itemsets(max)
                .mine(&b)
        };
        assert_eq!(miner(ItemsetTarget::Closed, 4_094).unwrap().len(), 4_094);
        let maximal = miner(ItemsetTarget::Maximal, 4_094).unwrap();
        assert_eq!(maximal.len(), 12);
        assert!((0..12).all(|i| maximal.itemset(i).len() == 11 && maximal.count(i) == 1));
        for target in [ItemsetTarget::Closed, ItemsetTarget::Maximal] {
            let err = miner(target, 4_093).unwrap_err();
            assert!(
                matches!(
                    err,
                    crate::BundlesError::TooManyItemsets { found: 4_094, .. }
                ),
                "{target:?}: {err}"
            );
        }
    }

    #[test]
    fn one_long_basket_has_one_closed_and_one_maximal_itemset() {
        // 2^200 frequent itemsets, 1 closed, 1 maximal: mined without the subsets.
        let long: Vec<String> = (0..200).map(|i| format!("p{i}")).collect();
        let b = Baskets::from_lists(vec![long.clone(), vec!["x".to_string()]]);
        for target in [ItemsetTarget::Closed, ItemsetTarget::Maximal] {
            let found = FpGrowth::new(MinSupport::fraction(0.5).unwrap())
                .with_target(target)
                .with_max_itemsets(13) // 13 · 16 = 208 items: room for 201
                .mine(&b)
                .unwrap();
            // At 0.5 of 2 baskets the min count is 1: {x} is closed and maximal as well.
            assert_eq!(found.len(), 2, "{target:?}");
            assert_eq!(found.itemset(0).len() + found.itemset(1).len(), 201);
            assert_eq!((found.count(0), found.count(1)), (1, 1));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Direct mining equals the oracle and the enumerate-then-filter path (a length limit
        /// above every basket's length forces the latter), on 1 and 2 threads.
        #[test]
        fn closed_and_maximal_equal_the_oracle_and_the_filter(
            raw in prop::collection::vec(prop::collection::vec(0u8..10, 0..9), 0..24),
            min_count in 1u64..5,
            threads in 1usize..=2,
            maximal in any::<bool>(),
        ) {
            let target = if maximal { ItemsetTarget::Maximal } else { ItemsetTarget::Closed };
            let b = baskets(&raw);
            let miner = FpGrowth::new(MinSupport::count(min_count).unwrap())
                .with_target(target)
                .with_threads(threads);
            let direct = miner.mine(&b).unwrap();
            let filtered = miner.clone().with_max_len(10).mine(&b).unwrap();
            prop_assert_eq!(found(&direct), oracle(&raw, min_count, target));
            prop_assert_eq!(found(&direct), found(&filtered));
            prop_assert_eq!(direct.item_counts(), filtered.item_counts());
            prop_assert_eq!(direct.item_ids(), filtered.item_ids());
            // Same itemsets in the same order.
            let order = |f: &crate::FrequentItemsets| {
                (0..f.len()).map(|i| (f.itemset(i).to_vec(), f.count(i))).collect::<Vec<_>>()
            };
            prop_assert_eq!(order(&direct), order(&filtered));
        }
    }
}
