//! The FP-tree and its recursive miner, the engine of FP-growth (the `fpgrowth` module
//! describes the algorithm): [`mine_ranked`] mines all baskets on worker threads,
//! [`mine_selected`] one shard's transactions for the ranks of its group (`shards`). It
//! depends only on `raw` and `budget`.

use std::sync::atomic::{AtomicUsize, Ordering};

use retail_ingest::baskets::Baskets;

use crate::budget::{Budget, Pending, Stop};
use crate::raw::{RawItemsets, rank_items, run_workers};

const NONE: u32 = u32::MAX;

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
