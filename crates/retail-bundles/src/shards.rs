//! Parallel FP-growth (PFP; Li, Wang, Zhang, Zhang & Chang, 2008) as Spark MLlib runs it:
//! frequent itemsets mined in independent shards whose union is exactly the single-process
//! result.
//!
//! 1. **Plan** ([`ShardPlan`]): the f-list (the frequent items by descending support, then
//!    ascending item id, as [`FpGrowth::mine`](crate::FpGrowth::mine) ranks them) and `G`
//!    groups. Rank `r` belongs to group `r % G`, as Spark's `HashPartitioner` deals the ranks
//!    (the paper cuts the f-list into contiguous blocks instead). Dealing round-robin spreads
//!    the expensive, least frequent items over all groups.
//! 2. **Split**, the map step ([`ShardPlan::split`]): each basket becomes its frequent items'
//!    ranks, ascending. Walking from its end, the first time a group `g` is met at position
//!    `i`, the prefix `0..=i` goes to shard `g` (Spark's `genCondTransactions`). So a basket
//!    lands at most once in a shard, with everything any of that group's items needs.
//! 3. **Mine**, the reduce step ([`mine_shard`]): an FP-tree of the shard, in the global rank
//!    numbering, mined only for the ranks of its group. That gives every frequent itemset
//!    whose least frequent item (largest rank) is in the group, with its exact count: the
//!    shard holds every basket that contains such an item, cut no earlier than that item.
//! 4. **Merge** ([`FpGrowth::merge_shards`](crate::FpGrowth::merge_shards)): the groups
//!    partition the itemsets, so their union is the result of
//!    [`FpGrowth::mine`](crate::FpGrowth::mine), itemset for itemset and count for count.
//!
//! [`FpGrowth::mine_sharded`](crate::FpGrowth::mine_sharded) does all four in one process,
//! the shards on separate threads. For several processes, a [`Shard`] and a [`ShardItemsets`] are plain
//! rank or item-id lists with public accessors and constructors, to be written and read back
//! in any format.

use std::cmp::Reverse;
use std::sync::atomic::{AtomicUsize, Ordering};

use retail_ingest::baskets::Baskets;

use crate::budget::{self, Budget};
use crate::fptree::mine_selected;
use crate::raw::{RawItemsets, basket_total, rank_items};
use crate::{BundlesError, MinSupport};

const NONE: u32 = u32::MAX;

/// The f-list and the dealing of its ranks to groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardPlan {
    ranked_items: Vec<u32>,
    ranked_support: Vec<u32>,
    /// Basket item id → rank, or `NONE`.
    rank_of: Vec<u32>,
    groups: usize,
    min_count: u64,
    baskets: u64,
}

impl ShardPlan {
    /// Ranks the items of `baskets` frequent at `min_support` and deals them to `groups`
    /// groups (at least 1).
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming `shards` for 0 groups, and the errors of
    /// counting the support.
    pub fn new(
        baskets: &Baskets,
        min_support: MinSupport,
        groups: usize,
    ) -> Result<ShardPlan, BundlesError> {
        if groups == 0 {
            return Err(invalid_shards("must be at least 1".into()));
        }
        let n = basket_total(baskets)?;
        let min_count = min_support.to_count(n);
        let (ranked_items, ranked_support) = rank_items(baskets, min_count);
        let rank_of = rank_index(baskets.items().len(), &ranked_items);
        Ok(ShardPlan {
            ranked_items,
            ranked_support,
            rank_of,
            groups,
            min_count,
            baskets: n,
        })
    }

    /// Number of groups (and of shards).
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// The group of rank `rank`: `rank % groups`.
    pub fn group_of(&self, rank: u32) -> usize {
        rank as usize % self.groups
    }

    /// The f-list: the frequent items' basket item ids, indexed by rank.
    pub fn ranked_items(&self) -> &[u32] {
        &self.ranked_items
    }

    /// The rank of basket item `item`, if it is frequent.
    pub fn rank(&self, item: u32) -> Option<u32> {
        self.rank_of
            .get(item as usize)
            .copied()
            .filter(|&r| r != NONE)
    }

    /// The minimum count an itemset needs.
    pub fn min_count(&self) -> u64 {
        self.min_count
    }

    /// Number of baskets planned over (empty ones included).
    pub fn baskets(&self) -> u64 {
        self.baskets
    }

    /// The map step: one shard per group, shard `g` at index `g` (possibly empty), each with
    /// its group's conditional transactions in basket order. `baskets` are those the plan was
    /// made from.
    pub fn split(&self, baskets: &Baskets) -> Vec<Shard> {
        let mut shards: Vec<Shard> = (0..self.groups).map(Shard::empty).collect();
        let mut ranked: Vec<u32> = Vec::new();
        let mut seen = vec![false; self.groups];
        let mut emitted: Vec<usize> = Vec::new();
        for basket in baskets.iter() {
            ranked.clear();
            ranked.extend(basket.iter().filter_map(|&item| self.rank(item)));
            ranked.sort_unstable();
            for (end, &rank) in ranked.iter().enumerate().rev() {
                let group = self.group_of(rank);
                if !seen[group] {
                    seen[group] = true;
                    emitted.push(group);
                    shards[group].push(&ranked[..=end]);
                    if emitted.len() == self.groups {
                        break;
                    }
                }
            }
            for group in emitted.drain(..) {
                seen[group] = false;
            }
        }
        shards
    }
}

/// One group's conditional transactions: rank lists, each strictly ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    group: usize,
    items: Vec<u32>,
    /// `items` offsets, one more than transactions.
    offsets: Vec<usize>,
}

impl Shard {
    fn empty(group: usize) -> Shard {
        Shard {
            group,
            items: Vec::new(),
            offsets: vec![0],
        }
    }

    fn push(&mut self, transaction: &[u32]) {
        self.items.extend_from_slice(transaction);
        self.offsets.push(self.items.len());
    }

    /// A shard of group `group` from rank lists (as read back from
    /// [`Shard::transactions`]); each list is sorted and its repeats dropped.
    pub fn from_transactions<I, T>(group: usize, transactions: I) -> Shard
    where
        I: IntoIterator<Item = T>,
        T: IntoIterator<Item = u32>,
    {
        let mut shard = Shard::empty(group);
        let mut ranks: Vec<u32> = Vec::new();
        for transaction in transactions {
            ranks.clear();
            ranks.extend(transaction);
            ranks.sort_unstable();
            ranks.dedup();
            shard.push(&ranks);
        }
        shard
    }

    /// The group whose itemsets this shard yields.
    pub fn group(&self) -> usize {
        self.group
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when the shard has no transactions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ranks over all transactions.
    pub fn total_items(&self) -> usize {
        self.items.len()
    }

    /// The transactions as rank slices, ascending.
    pub fn transactions(&self) -> impl Iterator<Item = &[u32]> + '_ {
        self.offsets.windows(2).map(|w| &self.items[w[0]..w[1]])
    }
}

/// What mining one shard found: itemsets as basket item ids (ascending) with their counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardItemsets {
    group: usize,
    groups: usize,
    members: Vec<u32>,
    offsets: Vec<usize>,
    counts: Vec<u64>,
}

impl ShardItemsets {
    /// The itemsets of group `group` out of `groups` (as read back from
    /// [`ShardItemsets::iter`]).
    pub fn from_itemsets(
        group: usize,
        groups: usize,
        itemsets: impl IntoIterator<Item = (Vec<u32>, u64)>,
    ) -> ShardItemsets {
        let mut out = ShardItemsets {
            group,
            groups,
            members: Vec::new(),
            offsets: vec![0],
            counts: Vec::new(),
        };
        for (items, count) in itemsets {
            out.members.extend_from_slice(&items);
            out.offsets.push(out.members.len());
            out.counts.push(count);
        }
        out
    }

    /// The group mined.
    pub fn group(&self) -> usize {
        self.group
    }

    /// Number of groups of the plan.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Number of itemsets.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when no itemset was found.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The itemsets (basket item ids) with their counts, in mining order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u32], u64)> + '_ {
        self.offsets
            .windows(2)
            .zip(&self.counts)
            .map(|(w, &count)| (&self.members[w[0]..w[1]], count))
    }
}

/// The reduce step: mines `shard` for the ranks of its group, given the plan's f-list
/// ([`ShardPlan::ranked_items`]), number of groups and minimum count, the length limit
/// (as [`FpGrowth::with_max_len`](crate::FpGrowth::with_max_len)) and the itemset budget
/// (as [`FpGrowth::with_max_itemsets`](crate::FpGrowth::with_max_itemsets), for this shard
/// alone). Fails on invalid parameters, a group not below `groups`, a rank not in the f-list,
/// or more itemsets than `max_itemsets` ([`BundlesError::TooManyItemsets`], checked while
/// mining).
///
/// # Errors
/// [`BundlesError::InvalidParameter`] for a group outside the plan, a `min_count` or `max_len`
/// of 0, and [`BundlesError::TooManyItemsets`] over the budget.
pub fn mine_shard(
    ranked_items: &[u32],
    groups: usize,
    min_count: u64,
    max_len: Option<usize>,
    max_itemsets: u64,
    shard: &Shard,
) -> Result<ShardItemsets, BundlesError> {
    let budget = Budget::new(budget::validate(max_itemsets)?);
    if groups == 0 || shard.group >= groups {
        return Err(invalid_shards(format!(
            "shard of group {} in a plan of {groups} groups",
            shard.group
        )));
    }
    if min_count == 0 {
        return Err(BundlesError::InvalidParameter {
            parameter: "min_count",
            message: "must be at least 1".into(),
        });
    }
    if max_len == Some(0) {
        return Err(BundlesError::InvalidParameter {
            parameter: "max_len",
            message: "must be at least 1".into(),
        });
    }
    if let Some(&rank) = shard.items.iter().max()
        && rank as usize >= ranked_items.len()
    {
        return Err(invalid_shards(format!(
            "rank {rank} in a shard of an f-list of {} items",
            ranked_items.len()
        )));
    }
    if shard.len() as u64 > u64::from(u32::MAX - 1) {
        return Err(invalid_shards(format!(
            "{} transactions in one shard; at most {} are supported",
            shard.len(),
            u32::MAX - 1
        )));
    }
    let raw = mine_one(
        ranked_items.len(),
        groups,
        shard,
        u32::try_from(min_count).unwrap_or(u32::MAX),
        max_len,
        &budget,
    );
    budget.check(min_count)?;
    let mut members = Vec::with_capacity(raw.members.len());
    let mut offsets = Vec::with_capacity(raw.len() + 1);
    offsets.push(0);
    for i in 0..raw.len() {
        let start = members.len();
        members.extend(
            raw.itemset(i)
                .iter()
                .map(|&rank| ranked_items[rank as usize]),
        );
        members[start..].sort_unstable();
        offsets.push(members.len());
    }
    Ok(ShardItemsets {
        group: shard.group,
        groups,
        members,
        offsets,
        counts: raw.counts.iter().map(|&c| u64::from(c)).collect(),
    })
}

/// Mines one shard: its itemsets as rank lists.
fn mine_one(
    n_ranks: usize,
    groups: usize,
    shard: &Shard,
    min_count: u32,
    max_len: Option<usize>,
    budget: &Budget,
) -> RawItemsets {
    mine_selected(
        shard.transactions(),
        n_ranks,
        min_count,
        max_len.unwrap_or(usize::MAX),
        |rank| rank % groups == shard.group,
        budget,
    )
}

/// Splits `baskets` by `plan` and mines the shards on up to `threads` threads, largest
/// first; the union of their itemsets, in group order. All shards share `budget` and stop
/// once it is spent.
pub(crate) fn mine_plan(
    plan: &ShardPlan,
    baskets: &Baskets,
    max_len: Option<usize>,
    threads: usize,
    budget: &Budget,
) -> RawItemsets {
    let shards = plan.split(baskets);
    let min_count = u32::try_from(plan.min_count).unwrap_or(u32::MAX);
    let n_ranks = plan.ranked_items.len();
    let mut order: Vec<usize> = (0..shards.len())
        .filter(|&g| !shards[g].is_empty())
        .collect();
    order.sort_by_key(|&g| Reverse(shards[g].total_items()));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut found: Vec<(usize, RawItemsets)> = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&group) = order.get(k) else { break };
            if budget.is_stopped() {
                break;
            }
            let raw = mine_one(
                n_ranks,
                plan.groups,
                &shards[group],
                min_count,
                max_len,
                budget,
            );
            found.push((group, raw));
        }
        found
    };
    let threads = threads.clamp(1, order.len().max(1));
    let mut parts: Vec<(usize, RawItemsets)> = retail_ingest::parallel::on_threads(threads, work)
        .into_iter()
        .flatten()
        .collect();
    parts.sort_by_key(|&(group, _)| group);
    let mut out = RawItemsets::new();
    out.ranked_items = plan.ranked_items.clone();
    out.ranked_support = plan.ranked_support.clone();
    for (_, part) in parts {
        out.append(part);
    }
    out
}

/// The union of one [`ShardItemsets`] per group, checked, as rank lists over the f-list of
/// `baskets` at `min_count`.
pub(crate) fn merge_raw(
    baskets: &Baskets,
    min_count: u64,
    max_len: Option<usize>,
    parts: &[ShardItemsets],
) -> Result<RawItemsets, BundlesError> {
    let Some(first) = parts.first() else {
        return Err(invalid_shards("no shard results to merge".into()));
    };
    let groups = first.groups;
    let mut seen = vec![false; groups];
    for part in parts {
        if part.groups != groups || part.group >= groups || seen[part.group] {
            return Err(invalid_shards(format!(
                "group {} of {} does not fit the other results ({groups} groups, each once)",
                part.group, part.groups
            )));
        }
        seen[part.group] = true;
    }
    if let Some(missing) = seen.iter().position(|&s| !s) {
        return Err(invalid_shards(format!(
            "the result of group {missing} is missing"
        )));
    }

    let (ranked, ranked_support) = rank_items(baskets, min_count);
    let rank_of = rank_index(baskets.items().len(), &ranked);
    let mut out = RawItemsets::new();
    let mut ranks: Vec<u32> = Vec::new();
    for part in parts {
        for (items, count) in part.iter() {
            let bad = |what: &str| {
                invalid_shards(format!("group {}: itemset {items:?} {what}", part.group))
            };
            ranks.clear();
            for &item in items {
                match rank_of.get(item as usize) {
                    Some(&rank) if rank != NONE => ranks.push(rank),
                    _ => return Err(bad("has an item that is not frequent")),
                }
            }
            ranks.sort_unstable();
            let Some(&last) = ranks.last() else {
                return Err(bad("is empty"));
            };
            if ranks.windows(2).any(|w| w[0] == w[1]) {
                return Err(bad("repeats an item"));
            }
            if max_len.is_some_and(|m| ranks.len() > m) {
                return Err(bad("is longer than the length limit"));
            }
            if last as usize % groups != part.group {
                return Err(bad("belongs to another group"));
            }
            let count = u32::try_from(count)
                .ok()
                .filter(|&c| (min_count..=baskets.len() as u64).contains(&u64::from(c)))
                .ok_or_else(|| bad("has a count outside the minimum and the baskets"))?;
            out.emit(&ranks, count);
        }
    }
    out.ranked_items = ranked;
    out.ranked_support = ranked_support;
    Ok(out)
}

/// Basket item id → rank (`NONE` when not frequent).
fn rank_index(n_items: usize, ranked_items: &[u32]) -> Vec<u32> {
    let mut rank_of = vec![NONE; n_items];
    for (rank, &item) in ranked_items.iter().enumerate() {
        rank_of[item as usize] = rank as u32;
    }
    rank_of
}

fn invalid_shards(message: String) -> BundlesError {
    BundlesError::InvalidParameter {
        parameter: "shards",
        message,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::{DEFAULT_MAX_ITEMSETS, FpGrowth, ItemsetTarget};

    /// Item ids by first appearance: a 0, b 1, c 2, d 3, e 4.
    fn hand_baskets() -> Baskets {
        Baskets::from_lists([
            vec!["a", "b", "c"],
            vec!["c", "b", "d"],
            vec!["c", "a"],
            vec!["b", "c", "e"],
            vec!["a", "b", "c", "d"],
        ])
    }

    fn lists(shard: &Shard) -> Vec<Vec<u32>> {
        shard.transactions().map(|t| t.to_vec()).collect()
    }

    fn as_map(found: &ShardItemsets) -> BTreeMap<Vec<u32>, u64> {
        found.iter().map(|(items, c)| (items.to_vec(), c)).collect()
    }

    #[test]
    fn hand_worked_plan_shards_and_itemsets() {
        let baskets = hand_baskets();
        let plan = ShardPlan::new(&baskets, MinSupport::count(2).unwrap(), 2).unwrap();
        // Supports c 5, b 4, a 3, d 2, e 1 (below 2): ranks c 0, b 1, a 2, d 3.
        assert_eq!(plan.ranked_items().to_vec(), vec![2, 1, 0, 3]);
        assert_eq!(
            (plan.rank(2), plan.rank(0), plan.rank(4)),
            (Some(0), Some(2), None)
        );
        assert_eq!((plan.groups(), plan.min_count(), plan.baskets()), (2, 2, 5));
        // rank % 2: group 0 = {c, a}, group 1 = {b, d}.
        let groups: Vec<usize> = (0..4).map(|r| plan.group_of(r)).collect();
        assert_eq!(groups, vec![0, 1, 0, 1]);

        // Ranked baskets: [0 1 2], [0 1 3], [0 2], [0 1], [0 1 2 3]. From the end, the first
        // rank of each group cuts the prefix for that group's shard:
        // [0 1 2] → g0 [0 1 2], g1 [0 1];  [0 1 3] → g1 [0 1 3], g0 [0];  [0 2] → g0 [0 2];
        // [0 1] → g1 [0 1], g0 [0];  [0 1 2 3] → g1 [0 1 2 3], g0 [0 1 2].
        let shards = plan.split(&baskets);
        assert_eq!(shards.len(), 2);
        assert_eq!((shards[0].group(), shards[1].group()), (0, 1));
        assert_eq!(
            lists(&shards[0]),
            vec![vec![0, 1, 2], vec![0], vec![0, 2], vec![0], vec![0, 1, 2]]
        );
        assert_eq!((shards[0].len(), shards[0].total_items()), (5, 10));
        assert_eq!(
            lists(&shards[1]),
            vec![vec![0, 1], vec![0, 1, 3], vec![0, 1], vec![0, 1, 2, 3]]
        );
        assert_eq!((shards[1].len(), shards[1].total_items()), (4, 11));

        // Group 0 yields the itemsets whose least frequent item is c or a, group 1 those
        // ending in b or d (item ids: a 0, b 1, c 2, d 3); 5 + 6 = all 11.
        let mine = |shard: &Shard| {
            mine_shard(plan.ranked_items(), 2, 2, None, DEFAULT_MAX_ITEMSETS, shard).unwrap()
        };
        let group0 = mine(&shards[0]);
        assert_eq!((group0.group(), group0.groups(), group0.len()), (0, 2, 5));
        assert_eq!(
            as_map(&group0),
            BTreeMap::from([
                (vec![2], 5),
                (vec![0], 3),
                (vec![0, 2], 3),
                (vec![0, 1], 2),
                (vec![0, 1, 2], 2),
            ])
        );
        let group1 = mine(&shards[1]);
        assert_eq!(
            as_map(&group1),
            BTreeMap::from([
                (vec![1], 4),
                (vec![1, 2], 4),
                (vec![3], 2),
                (vec![2, 3], 2),
                (vec![1, 3], 2),
                (vec![1, 2, 3], 2),
            ])
        );

        let miner = FpGrowth::new(MinSupport::count(2).unwrap());
        let single = miner.mine(&baskets).unwrap();
        assert_eq!(single.len(), 11);
        let merged = miner
            .merge_shards(&baskets, &[group1.clone(), group0.clone()])
            .unwrap();
        assert_eq!(merged, single);

        // Checked merging: a missing or repeated group, an itemset in the wrong shard.
        for bad in [
            vec![group0.clone()],
            vec![group0.clone(), group0.clone()],
            vec![],
            vec![
                ShardItemsets::from_itemsets(0, 2, [(vec![1], 4)]),
                group1.clone(),
            ],
        ] {
            let err = miner.merge_shards(&baskets, &bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid shards"), "{err}");
        }
    }

    #[test]
    fn sharded_equals_single_process_on_the_hand_example() {
        let baskets = hand_baskets();
        for min_count in [1, 2, 3, 6] {
            let miner = FpGrowth::new(MinSupport::count(min_count).unwrap());
            let single = miner.mine(&baskets).unwrap();
            // 7 groups: more groups than the 5 items, so some shards are empty.
            for groups in [1, 2, 3, 7] {
                let sharded = miner.mine_sharded(&baskets, groups).unwrap();
                assert_eq!(sharded, single, "{groups} groups, min count {min_count}");
            }
        }
    }

    #[test]
    fn invalid_parameters_are_named() {
        let baskets = hand_baskets();
        let err = ShardPlan::new(&baskets, MinSupport::count(2).unwrap(), 0).unwrap_err();
        assert!(err.to_string().starts_with("invalid shards"), "{err}");
        let miner = FpGrowth::new(MinSupport::count(2).unwrap());
        assert!(miner.mine_sharded(&baskets, 0).is_err());

        let shard = Shard::from_transactions(0, vec![vec![3, 0, 3], vec![]]);
        assert_eq!(lists(&shard), vec![vec![0, 3], vec![]]);
        let f_list: [u32; 4] = [2, 1, 0, 3];
        assert!(mine_shard(&f_list, 2, 2, None, DEFAULT_MAX_ITEMSETS, &shard).is_ok());
        assert!(mine_shard(&f_list[..3], 2, 2, None, DEFAULT_MAX_ITEMSETS, &shard).is_err()); // rank 3 unknown
        assert!(mine_shard(&f_list, 0, 2, None, DEFAULT_MAX_ITEMSETS, &shard).is_err());
        assert!(mine_shard(&f_list, 2, 0, None, DEFAULT_MAX_ITEMSETS, &shard).is_err());
        assert!(mine_shard(&f_list, 2, 2, Some(0), DEFAULT_MAX_ITEMSETS, &shard).is_err());
        let other = Shard::from_transactions(2, Vec::<Vec<u32>>::new());
        assert!(mine_shard(&f_list, 2, 2, None, DEFAULT_MAX_ITEMSETS, &other).is_err());
    }

    fn random_case() -> impl Strategy<Value = (Vec<Vec<u32>>, u64, usize, Option<usize>)> {
        (
            prop::collection::vec(prop::collection::vec(0u32..12, 0..8), 0..40),
            1u64..=4,
            1usize..=6,
            prop::option::of(1usize..=4),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn sharded_equals_single_process(
            (raw, min_count, groups, max_len) in random_case(),
            threads in 1usize..=2,
            target in prop::sample::select(vec![
                ItemsetTarget::All,
                ItemsetTarget::Closed,
                ItemsetTarget::Maximal,
            ]),
        ) {
            let baskets = Baskets::from_lists(
                raw.iter().map(|b| b.iter().map(|i| format!("i{i}")).collect::<Vec<_>>()),
            );
            let support = MinSupport::count(min_count).unwrap();
            let mut miner = FpGrowth::new(support)
                .with_threads(threads)
                .with_target(target);
            if let Some(max_len) = max_len {
                miner = miner.with_max_len(max_len);
            }
            let single = miner.mine(&baskets).unwrap();
            prop_assert_eq!(&miner.mine_sharded(&baskets, groups).unwrap(), &single);

            // The multi-process route: shards copied through plain lists, mined one by one,
            // merged; each itemset mined exactly once.
            let plan = ShardPlan::new(&baskets, support, groups).unwrap();
            let shards = plan.split(&baskets);
            prop_assert_eq!(shards.len(), groups);
            let mut parts = Vec::new();
            for shard in &shards {
                let copy = Shard::from_transactions(
                    shard.group(),
                    shard.transactions().map(|t| t.to_vec()).collect::<Vec<_>>(),
                );
                prop_assert_eq!(&copy, shard);
                let found = mine_shard(
                    plan.ranked_items(),
                    plan.groups(),
                    plan.min_count(),
                    max_len,
                    DEFAULT_MAX_ITEMSETS,
                    &copy,
                )
                .unwrap();
                parts.push(found);
            }
            let all = FpGrowth::new(support).with_max_len(max_len.unwrap_or(usize::MAX));
            let total: usize = parts.iter().map(ShardItemsets::len).sum();
            prop_assert_eq!(total, all.mine(&baskets).unwrap().len());
            prop_assert_eq!(&miner.merge_shards(&baskets, &parts).unwrap(), &single);
        }
    }
}
