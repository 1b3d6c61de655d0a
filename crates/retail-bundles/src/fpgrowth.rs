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

use std::sync::atomic::{AtomicUsize, Ordering};

use retail_ingest::baskets::Baskets;

use crate::budget::{self, Budget, DEFAULT_MAX_ITEMSETS, Pending, Stop};
use crate::itemsets::{FrequentItemsets, ItemsetTarget};
use crate::shards::{ShardItemsets, ShardPlan};
use crate::{BundlesError, MinSupport};

const NONE: u32 = u32::MAX;

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
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_itemsets: DEFAULT_MAX_ITEMSETS,
        }
    }

    /// Only itemsets of at most `max_len` items (at least 1).
    pub fn with_max_len(mut self, max_len: usize) -> Result<FpGrowth, BundlesError> {
        if max_len == 0 {
            return Err(BundlesError::InvalidParameter {
                parameter: "max_len",
                message: "must be at least 1".into(),
            });
        }
        self.max_len = Some(max_len);
        Ok(self)
    }

    /// All frequent itemsets (default), only the closed ones, or only the maximal ones.
    pub fn with_target(mut self, target: ItemsetTarget) -> FpGrowth {
        self.target = target;
        self
    }

    /// Keeps only the `k` itemsets with the highest support (in the result's order).
    pub fn with_top_k(mut self, k: usize) -> Result<FpGrowth, BundlesError> {
        if k == 0 {
            return Err(BundlesError::InvalidParameter {
                parameter: "top_k",
                message: "must be at least 1".into(),
            });
        }
        self.top_k = Some(k);
        Ok(self)
    }

    /// Worker threads (at least 1; default: the available cores).
    pub fn with_threads(mut self, threads: usize) -> Result<FpGrowth, BundlesError> {
        if threads == 0 {
            return Err(BundlesError::InvalidParameter {
                parameter: "threads",
                message: "must be at least 1".into(),
            });
        }
        self.threads = threads;
        Ok(self)
    }

    /// The budget: mining stops with [`BundlesError::TooManyItemsets`] once it finds more
    /// than `max_itemsets` itemsets (at least 1; default [`DEFAULT_MAX_ITEMSETS`]). What is
    /// counted is what the miner produces: every frequent itemset up to the length limit for
    /// target `All` (before a top-k cut), the closed ones for `Closed`, and every closed
    /// itemset walked for `Maximal` (which bounds that walk too).
    pub fn with_max_itemsets(mut self, max_itemsets: u64) -> Result<FpGrowth, BundlesError> {
        self.max_itemsets = budget::validate(max_itemsets)?;
        Ok(self)
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
    pub fn mine(&self, baskets: &Baskets) -> Result<FrequentItemsets, BundlesError> {
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
    pub fn mine_sharded(
        &self,
        baskets: &Baskets,
        shards: usize,
    ) -> Result<FrequentItemsets, BundlesError> {
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
    pub fn merge_shards(
        &self,
        baskets: &Baskets,
        parts: &[ShardItemsets],
    ) -> Result<FrequentItemsets, BundlesError> {
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

/// Ranks the frequent items, builds the FP-tree and mines it.
pub(crate) fn mine_ranked(
    baskets: &Baskets,
    min_count: u64,
    max_len: Option<usize>,
    threads: usize,
    budget: &Budget,
) -> RawItemsets {
    let n_items = baskets.items().len();
    let (ranked, ranked_support) = rank_items(baskets, min_count);
    let mut rank_of = vec![NONE; n_items];
    for (rank, &item) in ranked.iter().enumerate() {
        rank_of[item as usize] = rank as u32;
    }

    let mut paths = Paths::default();
    for basket in baskets.iter() {
        let start = paths.items.len();
        paths.items.extend(
            basket
                .iter()
                .map(|&i| rank_of[i as usize])
                .filter(|&r| r != NONE),
        );
        if paths.items.len() > start {
            paths.items[start..].sort_unstable();
            paths.push_end(1);
        }
    }
    let global: Vec<u32> = (0..ranked.len() as u32).collect();
    let tree = Tree::build(&mut paths, global, min_count as u32);
    drop(paths);

    let max_len = max_len.unwrap_or(usize::MAX);
    let mut out = RawItemsets::new();
    out.ranked_items = ranked;
    out.ranked_support = ranked_support;
    if tree.n_items() == 0 {
        return out;
    }
    let miner = Miner {
        min_count: min_count as u32,
        max_len,
        budget,
    };
    // Heaviest first: the least frequent items have the longest prefix paths.
    let next = AtomicUsize::new(0);
    let order: Vec<usize> = (0..tree.n_items()).rev().collect();
    let threads = threads.clamp(1, order.len().max(1));
    let work = |mut local: RawItemsets| {
        let mut prefix = Vec::new();
        let mut scratch = Scratch::default();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&item) = order.get(k) else { break };
            if budget.is_stopped()
                || miner
                    .mine_item(&tree, item, &mut prefix, &mut local, &mut scratch)
                    .is_err()
            {
                break;
            }
        }
        let _ = budget.flush(&mut scratch.pending);
        local
    };
    run_workers(threads, &mut out, || work(RawItemsets::new()));
    out
}

/// Runs `work` on `threads` scoped threads (on this thread when 1) and appends what each
/// found to `out`, in thread order. A worker's panic is resumed here.
pub(crate) fn run_workers(
    threads: usize,
    out: &mut RawItemsets,
    work: impl Fn() -> RawItemsets + Sync,
) {
    if threads <= 1 {
        out.append(work());
        return;
    }
    let found: Vec<RawItemsets> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(&work)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    for part in found {
        out.append(part);
    }
}

/// Builds the FP-tree of `transactions` (strictly ascending ranks below `n_ranks`, each of
/// weight 1) over the global rank numbering, and mines, on this thread, only the top-level
/// ranks that `select` picks (least frequent first). A picked rank in fewer than `min_count`
/// transactions is skipped. Stops early, with part of the itemsets, when `budget` is spent.
pub(crate) fn mine_selected<'a>(
    transactions: impl IntoIterator<Item = &'a [u32]>,
    n_ranks: usize,
    min_count: u32,
    max_len: usize,
    select: impl Fn(usize) -> bool,
    budget: &Budget,
) -> RawItemsets {
    let mut paths = Paths::default();
    for transaction in transactions {
        if !transaction.is_empty() {
            paths.items.extend_from_slice(transaction);
            paths.push_end(1);
        }
    }
    let tree = Tree::build(&mut paths, (0..n_ranks as u32).collect(), min_count);
    drop(paths);
    let miner = Miner {
        min_count,
        max_len,
        budget,
    };
    let mut out = RawItemsets::new();
    let mut prefix = Vec::new();
    let mut scratch = Scratch::default();
    for item in (0..tree.n_items()).rev() {
        if select(item) && tree.support[item] >= min_count {
            if budget.is_stopped() {
                break;
            }
            if miner
                .mine_item(&tree, item, &mut prefix, &mut out, &mut scratch)
                .is_err()
            {
                break;
            }
        }
    }
    let _ = budget.flush(&mut scratch.pending);
    out
}

/// Weighted item lists (each sorted ascending), the input of a tree build.
#[derive(Debug, Default)]
struct Paths {
    items: Vec<u32>,
    ends: Vec<usize>,
    weights: Vec<u32>,
}

impl Paths {
    fn push_end(&mut self, weight: u32) {
        self.ends.push(self.items.len());
        self.weights.push(weight);
    }

    fn path(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.items[start..self.ends[i]]
    }
}

/// An FP-tree: nodes in creation order (a depth-first preorder), each with its item (a local
/// index; lower is more frequent), parent and count; per item its nodes and total support.
#[derive(Debug)]
struct Tree {
    /// (item, parent) per node, side by side: walking up a path touches one cache line a step.
    node_link: Vec<(u32, u32)>,
    node_count: Vec<u32>,
    /// Local item → global rank.
    global: Vec<u32>,
    support: Vec<u32>,
    head: Vec<usize>,
    item_nodes: Vec<u32>,
}

impl Tree {
    /// Builds the tree from paths over local items `0..global.len()`.
    fn build(paths: &mut Paths, global: Vec<u32>, _min_count: u32) -> Tree {
        let n_paths = paths.ends.len();
        let mut order: Vec<u32> = (0..n_paths as u32).collect();
        order.sort_unstable_by(|&a, &b| paths.path(a as usize).cmp(paths.path(b as usize)));

        let n_items = global.len();
        let mut tree = Tree {
            node_link: Vec::new(),
            node_count: Vec::new(),
            global,
            support: vec![0; n_items],
            head: vec![0; n_items + 1],
            item_nodes: Vec::new(),
        };
        let mut stack: Vec<u32> = Vec::new();
        let mut previous: &[u32] = &[];
        for &p in &order {
            let path = paths.path(p as usize);
            let weight = paths.weights[p as usize];
            let shared = previous
                .iter()
                .zip(path)
                .take_while(|(a, b)| a == b)
                .count();
            stack.truncate(shared);
            for &node in &stack {
                tree.node_count[node as usize] += weight;
            }
            for &item in &path[shared..] {
                let node = tree.node_link.len() as u32;
                tree.node_link
                    .push((item, stack.last().copied().unwrap_or(NONE)));
                tree.node_count.push(weight);
                stack.push(node);
            }
            previous = path;
        }
        for (&(item, _), &count) in tree.node_link.iter().zip(&tree.node_count) {
            tree.support[item as usize] += count;
            tree.head[item as usize + 1] += 1;
        }
        for i in 0..n_items {
            tree.head[i + 1] += tree.head[i];
        }
        let mut fill = tree.head.clone();
        tree.item_nodes = vec![0; tree.node_link.len()];
        for (node, &(item, _)) in tree.node_link.iter().enumerate() {
            tree.item_nodes[fill[item as usize]] = node as u32;
            fill[item as usize] += 1;
        }
        tree
    }

    fn n_items(&self) -> usize {
        self.global.len()
    }

    fn nodes_of(&self, item: usize) -> &[u32] {
        &self.item_nodes[self.head[item]..self.head[item + 1]]
    }

    /// True when the tree is one chain (every item once, each the child of the one before).
    fn is_single_path(&self) -> bool {
        self.node_link.len() == self.n_items()
            && self
                .node_link
                .iter()
                .enumerate()
                .all(|(i, &(_, p))| p == if i == 0 { NONE } else { i as u32 - 1 })
    }
}

/// Per-thread buffers of the conditional-base count, reset after each use (so a deep
/// recursion does not zero a fresh array per call).
#[derive(Debug, Default)]
struct Scratch {
    counts: Vec<u32>,
    local: Vec<u32>,
    touched: Vec<u32>,
    /// Itemsets found and not yet added to the budget's count.
    pending: Pending,
}

struct Miner<'a> {
    min_count: u32,
    max_len: usize,
    budget: &'a Budget,
}

impl Miner<'_> {
    /// Emits `prefix + item` and mines its conditional tree (not beyond `max_len` items).
    fn mine_item(
        &self,
        tree: &Tree,
        item: usize,
        prefix: &mut Vec<u32>,
        out: &mut RawItemsets,
        scratch: &mut Scratch,
    ) -> Result<(), Stop> {
        prefix.push(tree.global[item]);
        out.emit(prefix, tree.support[item]);
        let mut result = self.budget.charge(&mut scratch.pending, prefix.len());
        if result.is_ok()
            && prefix.len() < self.max_len
            && let Some(conditional) = self.conditional_tree(tree, item, scratch)
        {
            result = if conditional.is_single_path() {
                self.enumerate_path(&conditional, 0, prefix, out, &mut scratch.pending)
            } else {
                (0..conditional.n_items())
                    .rev()
                    .try_for_each(|next| self.mine_item(&conditional, next, prefix, out, scratch))
            };
        }
        prefix.pop();
        result
    }

    /// The FP-tree of the prefix paths of `item`, restricted to the items frequent in them.
    fn conditional_tree(&self, tree: &Tree, item: usize, scratch: &mut Scratch) -> Option<Tree> {
        let nodes = tree.nodes_of(item);
        let Scratch {
            counts,
            local,
            touched,
            ..
        } = scratch;
        if counts.len() < item {
            counts.resize(item, 0);
            local.resize(item, NONE);
        }
        for &node in nodes {
            let weight = tree.node_count[node as usize];
            let mut up = tree.node_link[node as usize].1;
            while up != NONE {
                let (j, parent) = tree.node_link[up as usize];
                if counts[j as usize] == 0 {
                    touched.push(j);
                }
                counts[j as usize] += weight;
                up = parent;
            }
        }
        touched.sort_unstable();
        let mut global = Vec::new();
        for &j in touched.iter() {
            if counts[j as usize] >= self.min_count {
                local[j as usize] = global.len() as u32;
                global.push(tree.global[j as usize]);
            }
            counts[j as usize] = 0;
        }
        if global.is_empty() {
            touched.clear();
            return None;
        }
        let mut paths = Paths::default();
        for &node in nodes {
            let start = paths.items.len();
            let mut up = tree.node_link[node as usize].1;
            while up != NONE {
                let (j, parent) = tree.node_link[up as usize];
                let mapped = local[j as usize];
                if mapped != NONE {
                    paths.items.push(mapped);
                }
                up = parent;
            }
            if paths.items.len() > start {
                paths.items[start..].reverse();
                paths.push_end(tree.node_count[node as usize]);
            }
        }
        for &j in touched.iter() {
            local[j as usize] = NONE;
        }
        touched.clear();
        Some(Tree::build(&mut paths, global, self.min_count))
    }

    /// Every non-empty subset of a single-path tree's items from `from` on, appended to
    /// `prefix`, up to `max_len` items in all; a subset's count is the count of its deepest
    /// node.
    fn enumerate_path(
        &self,
        path: &Tree,
        from: usize,
        prefix: &mut Vec<u32>,
        out: &mut RawItemsets,
        pending: &mut Pending,
    ) -> Result<(), Stop> {
        if prefix.len() >= self.max_len {
            return Ok(());
        }
        for node in from..path.n_items() {
            prefix.push(path.global[node]);
            out.emit(prefix, path.node_count[node]);
            let result = self
                .budget
                .charge(pending, prefix.len())
                .and_then(|()| self.enumerate_path(path, node + 1, prefix, out, pending));
            prefix.pop();
            result?;
        }
        Ok(())
    }
}
