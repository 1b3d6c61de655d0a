//! FP-growth, rules and next-basket checked against independent answers: a brute-force
//! oracle on random small data (proptest), pyfim/mlxtend reference counts on the real basket
//! files (`tests/reference/`, from `../shared/data` when present; each such test says plainly
//! when it skips) and hand-computed examples.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use proptest::prelude::*;
use retail_bundles::next_basket::{NextBasketParams, evaluate};
use retail_bundles::shards::{ShardPlan, mine_shard};
use retail_bundles::{
    BasketItem, BundlesError, Consequents, DEFAULT_MAX_ITEMSETS, FpGrowth, InvoiceBaskets,
    InvoiceBasketsBuilder, ItemsetTarget, MinSupport, NextBasketModel, QuestParams, RuleParams,
};
use retail_ingest::baskets::{Baskets, read_baskets};
use retail_ingest::{IngestParams, samples, shared_data_dir};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// helpers

fn shared(relative: &str) -> Option<PathBuf> {
    match shared_data_dir() {
        Some(dir) if dir.join(relative).is_file() => Some(dir.join(relative)),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {relative} not found (../shared/data is absent; CI has it)"
            );
            None
        }
    }
}

fn reference() -> Value {
    let text = include_str!("reference/reference.json");
    serde_json::from_str(text).unwrap()
}

type ItemsetMap = BTreeMap<Vec<String>, u64>;

fn as_map(itemsets: &retail_bundles::FrequentItemsets) -> ItemsetMap {
    itemsets
        .iter()
        .map(|s| {
            let mut items = s.items.clone();
            items.sort();
            (items, s.count)
        })
        .collect()
}

/// Every itemset over the universe, counted by scanning every basket.
fn brute_force(baskets: &[Vec<u8>], min_count: u64, max_len: usize) -> ItemsetMap {
    let universe: BTreeSet<u8> = baskets.iter().flatten().copied().collect();
    let universe: Vec<u8> = universe.into_iter().collect();
    let mut out = ItemsetMap::new();
    for mask in 1u32..(1 << universe.len()) {
        let set: Vec<u8> = (0..universe.len())
            .filter(|&j| mask & (1 << j) != 0)
            .map(|j| universe[j])
            .collect();
        if set.len() > max_len {
            continue;
        }
        let count = baskets
            .iter()
            .filter(|b| set.iter().all(|i| b.contains(i)))
            .count() as u64;
        if count >= min_count {
            let mut names: Vec<String> = set.iter().map(|i| format!("i{i}")).collect();
            names.sort();
            out.insert(names, count);
        }
    }
    out
}

fn to_baskets(raw: &[Vec<u8>]) -> Baskets {
    Baskets::from_lists(
        raw.iter()
            .map(|b| b.iter().map(|i| format!("i{i}")).collect::<Vec<_>>()),
    )
}

fn is_subset(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x))
}

// ---------------------------------------------------------------------------------------------
// the oracle

fn random_baskets() -> impl Strategy<Value = Vec<Vec<u8>>> {
    // Up to 9 items, duplicates inside baskets, empty baskets, and sometimes an item in all.
    (
        prop::collection::vec(prop::collection::vec(0u8..9, 0..7), 0..40),
        any::<bool>(),
    )
        .prop_map(|(mut baskets, everywhere)| {
            if everywhere {
                for b in &mut baskets {
                    b.push(8);
                }
            }
            baskets
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fpgrowth_equals_brute_force(
        raw in random_baskets(),
        min_count in 1u64..6,
        max_len in 1usize..6,
        threads in 1usize..3,
    ) {
        let baskets = to_baskets(&raw);
        let miner = FpGrowth::new(MinSupport::count(min_count).unwrap())
            .with_max_len(max_len)
            .with_threads(threads);
        let found = miner.mine(&baskets).unwrap();
        let dedup: Vec<Vec<u8>> = raw.iter().map(|b| {
            let s: BTreeSet<u8> = b.iter().copied().collect();
            s.into_iter().collect()
        }).collect();
        let expected = brute_force(&dedup, min_count, max_len);
        prop_assert_eq!(as_map(&found), expected.clone());
        prop_assert_eq!(found.baskets(), raw.len() as u64);

        // Full deterministic order: count desc, length asc, items asc.
        for i in 1..found.len() {
            let key = |k: usize| (std::cmp::Reverse(found.count(k)), found.itemset(k).len(), found.itemset(k).to_vec());
            prop_assert!(key(i - 1) < key(i));
        }

        // Closed and maximal, by their definitions over the oracle's itemsets.
        let closed = as_map(&miner.clone().with_target(ItemsetTarget::Closed).mine(&baskets).unwrap());
        let maximal = as_map(&miner.clone().with_target(ItemsetTarget::Maximal).mine(&baskets).unwrap());
        for (set, &count) in &expected {
            let supersets: Vec<(&Vec<String>, &u64)> = expected
                .iter()
                .filter(|(other, _)| other.len() == set.len() + 1 && is_subset(set, other))
                .collect();
            let is_closed = supersets.iter().all(|(_, c)| **c != count);
            let is_maximal = supersets.is_empty();
            prop_assert_eq!(closed.contains_key(set), is_closed, "closed {:?}", set);
            prop_assert_eq!(maximal.contains_key(set), is_maximal, "maximal {:?}", set);
        }

        // Top-k keeps a prefix of the full order.
        let top = miner.clone().with_top_k(3).mine(&baskets).unwrap();
        prop_assert_eq!(top.len(), found.len().min(3));
        for i in 0..top.len() {
            prop_assert_eq!(top.itemset(i), found.itemset(i));
        }
    }

    #[test]
    fn rules_equal_direct_counts(raw in random_baskets(), min_count in 1u64..5, any_consequent in any::<bool>()) {
        let baskets = to_baskets(&raw);
        let itemsets = FpGrowth::new(MinSupport::count(min_count).unwrap()).mine(&baskets).unwrap();
        let consequents = if any_consequent { Consequents::Any } else { Consequents::Single };
        let rules = RuleParams::new().with_consequents(consequents).generate(&itemsets).unwrap();
        let n = raw.len() as f64;
        let count = |set: &[String]| raw.iter().filter(|b| {
            set.iter().all(|name| b.iter().any(|i| &format!("i{i}") == name))
        }).count() as f64;
        let mut expected = 0;
        for (set, _) in as_map(&itemsets) {
            if set.len() >= 2 {
                expected += if any_consequent { (1usize << set.len()) - 2 } else { set.len() };
            }
        }
        prop_assert_eq!(rules.len(), expected);
        let mut previous: Option<(f64, f64)> = None;
        for rule in rules.iter() {
            let both: Vec<String> = rule.antecedent.iter().chain(&rule.consequent).cloned().collect();
            let (sxy, sx, sy) = (count(&both) / n, count(&rule.antecedent) / n, count(&rule.consequent) / n);
            let m = rule.measures;
            prop_assert!((m.support - sxy).abs() < 1e-12);
            prop_assert!((m.confidence - sxy / sx).abs() < 1e-12);
            prop_assert!((m.lift - sxy / sx / sy).abs() < 1e-9);
            prop_assert!((m.leverage - (sxy - sx * sy)).abs() < 1e-12);
            if sxy == sx {
                prop_assert!(m.conviction.is_infinite());
            } else {
                prop_assert!((m.conviction - (1.0 - sy) / (1.0 - sxy / sx)).abs() < 1e-9);
            }
            prop_assert!((-1.0 - 1e-12..=1.0 + 1e-12).contains(&m.zhang));
            if let Some((lift, confidence)) = previous {
                prop_assert!(lift > m.lift || (lift == m.lift && confidence >= m.confidence));
            }
            previous = Some((m.lift, m.confidence));
        }
    }
}

#[test]
fn thresholds_are_inclusive_and_fractions_exact() {
    // 100 baskets, {a} in exactly 7: frequent at 0.07 (7 baskets), not at 0.0701 (8).
    let lists: Vec<Vec<&str>> = (0..100)
        .map(|i| if i < 7 { vec!["a", "b"] } else { vec!["b"] })
        .collect();
    let baskets = Baskets::from_lists(lists);
    let at = |f: f64| {
        FpGrowth::new(MinSupport::fraction(f).unwrap())
            .mine(&baskets)
            .unwrap()
    };
    let found = at(0.07);
    assert_eq!(found.min_count(), 7);
    assert_eq!(found.len(), 3); // {b}:100, {a}:7, {a,b}:7
    assert_eq!(found.iter().next().unwrap().items, vec!["b"]);
    assert_eq!(at(0.0701).len(), 1);
    // Empty baskets count in n.
    let with_empty = Baskets::from_lists(vec![vec!["a"], vec![], vec![], vec![]]);
    let found = FpGrowth::new(MinSupport::fraction(0.5).unwrap())
        .mine(&with_empty)
        .unwrap();
    assert_eq!((found.baskets(), found.min_count(), found.len()), (4, 2, 0));
}

#[test]
fn results_as_arrow_carry_ids_names_and_measures() {
    let baskets = Baskets::from_lists(vec![
        vec!["23", "7"],
        vec!["23", "7", "5"],
        vec!["23"],
        vec!["7", "5"],
    ]);
    let names: Vec<Option<String>> = baskets
        .items()
        .iter()
        .map(|id| (id != "5").then(|| format!("product {id}")))
        .collect();
    let itemsets = FpGrowth::new(MinSupport::count(2).unwrap())
        .mine(&baskets)
        .unwrap()
        .with_item_names(&names);
    // {7}:3, {23}:3, {5}:2, {5,7}:2, {7,23}:2 — numeric ids in numeric order.
    let typed: Vec<(Vec<String>, u64)> = itemsets.iter().map(|s| (s.items, s.count)).collect();
    let expected: Vec<(Vec<String>, u64)> = vec![
        (vec!["7".into()], 3),
        (vec!["23".into()], 3),
        (vec!["5".into()], 2),
        (vec!["5".into(), "7".into()], 2),
        (vec!["7".into(), "23".into()], 2),
    ];
    assert_eq!(typed, expected);
    assert_eq!(itemsets.count_by_length(), vec![0, 3, 2]);
    let batch = itemsets.to_record_batch().unwrap();
    assert_eq!(batch.num_rows(), 5);
    let text = arrow::util::pretty::pretty_format_batches(&[batch])
        .unwrap()
        .to_string();
    assert!(
        text.contains("[5, 7]") && text.contains("[, product 7]"),
        "{text}"
    );

    let rules = RuleParams::new().generate(&itemsets).unwrap();
    // 5→7: conf 1, lift 4/3; 7→5: 2/3, lift 4/3; 7→23 and 23→7: 2/3, lift 8/9.
    let typed: Vec<(Vec<String>, Vec<String>, f64)> = rules
        .iter()
        .map(|r| (r.antecedent, r.consequent, r.measures.confidence))
        .collect();
    assert_eq!(typed[0], (vec!["5".into()], vec!["7".into()], 1.0));
    assert_eq!(typed[1].0, vec!["7".to_string()]);
    assert_eq!(typed.len(), 4);
    assert!(
        rules
            .iter()
            .next()
            .unwrap()
            .measures
            .conviction
            .is_infinite()
    );
    let batch = rules.to_record_batch().unwrap();
    assert_eq!(batch.num_columns(), 13);
    // Rules need every itemset.
    let top = FpGrowth::new(MinSupport::count(2).unwrap())
        .with_top_k(2)
        .mine(&baskets)
        .unwrap();
    assert!(RuleParams::new().generate(&top).is_err());
}

// ---------------------------------------------------------------------------------------------
// the reference files

fn check_against_reference(key: &str, baskets: &Baskets) {
    let reference = reference();
    let expected = &reference["datasets"][key];
    let fraction: f64 = expected["fraction"].as_str().unwrap().parse().unwrap();
    let support = MinSupport::fraction(fraction).unwrap();
    assert_eq!(
        baskets.len() as u64,
        expected["n"].as_u64().unwrap(),
        "{key} n"
    );
    let all = FpGrowth::new(support).mine(baskets).unwrap();
    assert_eq!(
        all.min_count(),
        expected["min_count"].as_u64().unwrap(),
        "{key}"
    );
    assert_eq!(
        all.len() as u64,
        expected["frequent"].as_u64().unwrap(),
        "{key} total"
    );
    let by_length: Vec<u64> = all.count_by_length();
    for (len, count) in expected["by_length"].as_object().unwrap() {
        let len: usize = len.parse().unwrap();
        assert_eq!(
            by_length.get(len).copied().unwrap_or(0),
            count.as_u64().unwrap(),
            "{key} length {len}"
        );
    }
    let sum: u64 = (0..all.len()).map(|i| all.count(i)).sum();
    assert_eq!(sum, expected["support_sum"].as_u64().unwrap(), "{key} sum");
    for (i, top) in expected["top10"].as_array().unwrap().iter().enumerate() {
        let items: Vec<String> = top[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let found: Vec<String> = all
            .itemset(i)
            .iter()
            .map(|&j| all.item_ids()[j as usize].clone())
            .collect();
        assert_eq!(
            (found, all.count(i)),
            (items, top[1].as_u64().unwrap()),
            "{key} top {i}"
        );
    }
    for (target, name) in [
        (ItemsetTarget::Closed, "closed"),
        (ItemsetTarget::Maximal, "maximal"),
    ] {
        let found = FpGrowth::new(support)
            .with_target(target)
            .mine(baskets)
            .unwrap();
        assert_eq!(
            found.len() as u64,
            expected[name].as_u64().unwrap(),
            "{key} {name}"
        );
    }
}

fn embedded_groceries() -> Baskets {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groceries.csv.gz");
    std::fs::write(&path, samples::GROCERIES).unwrap();
    read_baskets(&path, None).unwrap().0
}

#[test]
fn groceries_itemsets_and_rules_equal_pyfim_and_mlxtend() {
    let baskets = embedded_groceries();
    check_against_reference("groceries@0.01", &baskets);
    check_against_reference("groceries@0.005", &baskets);

    let reference = reference();
    let itemsets = FpGrowth::new(MinSupport::fraction(0.01).unwrap())
        .mine(&baskets)
        .unwrap();
    let mut expected = ItemsetMap::new();
    for entry in reference["groceries_itemsets@0.01"].as_array().unwrap() {
        let mut items: Vec<String> = entry[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        items.sort();
        expected.insert(items, entry[1].as_u64().unwrap());
    }
    assert_eq!(as_map(&itemsets), expected);

    let rules = RuleParams::new()
        .with_min_confidence(0.2)
        .generate(&itemsets)
        .unwrap();
    let expected_rules = reference["groceries_rules@0.01_conf0.2"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), expected_rules.len());
    let ours: BTreeMap<(Vec<String>, Vec<String>), retail_bundles::Measures> = rules
        .iter()
        .map(|r| {
            let mut a = r.antecedent.clone();
            a.sort();
            ((a, r.consequent.clone()), r.measures)
        })
        .collect();
    for rule in expected_rules {
        let names = |key: &str| -> Vec<String> {
            let mut v: Vec<String> = rule[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect();
            v.sort();
            v
        };
        let m = ours
            .get(&(names("antecedent"), names("consequent")))
            .unwrap_or_else(|| panic!("missing rule {rule}"));
        let close = |ours: f64, key: &str| {
            let theirs = match &rule[key] {
                Value::String(s) if s == "inf" => f64::INFINITY,
                v => v.as_f64().unwrap(),
            };
            assert!(
                ours == theirs || (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0),
                "{key}: ours {ours}, reference {theirs} for {rule}"
            );
        };
        close(m.support, "support");
        close(m.confidence, "confidence");
        close(m.lift, "lift");
        close(m.leverage, "leverage");
        close(m.conviction, "conviction");
        close(m.zhang, "zhang");
    }
}

#[test]
fn real_basket_files_equal_pyfim() {
    let cases = [
        (
            "baskets/retail/retail.dat",
            &["retail@0.0005", "retail@0.001"][..],
        ),
        ("baskets/mushroom/mushroom.dat", &["mushroom@0.1"][..]),
        ("baskets/chess/chess.dat", &["chess@0.8"][..]),
        (
            "baskets/T10I4D100K/T10I4D100K.dat",
            &["T10I4D100K@0.005"][..],
        ),
        (
            "baskets/kosarak_head/kosarak_head.dat",
            &["kosarak_head@0.001"][..],
        ),
        ("baskets/groceries/groceries.csv", &["groceries@0.01"][..]),
    ];
    for (file, keys) in cases {
        let Some(path) = shared(file) else { continue };
        let (baskets, _) = read_baskets(&path, None).unwrap();
        for key in keys {
            check_against_reference(key, &baskets);
        }
    }
}

#[test]
fn groceries_mined_in_four_shards_equal_one_process() {
    let baskets = embedded_groceries();
    let support = MinSupport::fraction(0.005).unwrap();
    let miner = FpGrowth::new(support);
    let single = miner.mine(&baskets).unwrap();
    assert_eq!(single.len(), 1_001); // as pyfim (tests/reference)
    assert_eq!(miner.mine_sharded(&baskets, 4).unwrap(), single);

    // Every shard is smaller than the whole, and the shards' itemsets add up to the total.
    let plan = ShardPlan::new(&baskets, support, 4).unwrap();
    let shards = plan.split(&baskets);
    assert_eq!(shards.len(), 4);
    let parts: Vec<_> = shards
        .iter()
        .map(|shard| {
            assert!(shard.len() < baskets.len() && shard.total_items() < baskets.total_items());
            mine_shard(
                plan.ranked_items(),
                4,
                plan.min_count(),
                None,
                DEFAULT_MAX_ITEMSETS,
                shard,
            )
            .unwrap()
        })
        .collect();
    let total: usize = parts.iter().map(|part| part.len()).sum();
    assert_eq!(total, single.len());
    assert!(parts.iter().all(|part| !part.is_empty()));
    assert_eq!(miner.merge_shards(&baskets, &parts).unwrap(), single);
}

// ---------------------------------------------------------------------------------------------
// synthetic baskets and next basket

#[test]
fn quest_baskets_mine_the_same_on_one_and_two_threads() {
    let baskets = QuestParams::default()
        .with_baskets(5_000)
        .with_items(200)
        .generate()
        .unwrap();
    let mine = |threads| {
        FpGrowth::new(MinSupport::fraction(0.01).unwrap())
            .with_threads(threads)
            .mine(&baskets)
            .unwrap()
    };
    let (one, two) = (mine(1), mine(2));
    assert_eq!(one, two);
    assert!(
        one.count_by_length().len() > 2,
        "patterns make longer itemsets"
    );
}

fn invoice_baskets(lines: &[(&str, &str, &str, i64)]) -> InvoiceBaskets {
    // (invoice, customer, product, day) → canonical CSV → InvoiceBaskets.
    let mut csv = String::from(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
    );
    for (invoice, customer, product, day) in lines {
        csv.push_str(&format!(
            "{invoice},{product},Product {product},1,12/{day}/2010 10:00,1.0,{customer},UK\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.csv");
    std::fs::write(&path, csv).unwrap();
    let tx = retail_ingest::read_transactions(&path, &IngestParams::default()).unwrap();
    InvoiceBaskets::from_sales(&tx.batches).unwrap()
}

#[test]
fn next_basket_by_hand() {
    // Customer 1 buys A and B, then A and C; customer 2 buys B then D; guests buy D often.
    let data = invoice_baskets(&[
        ("1", "100", "A", 1),
        ("1", "100", "B", 1),
        ("2", "100", "A", 2),
        ("2", "100", "C", 2),
        ("3", "200", "B", 3),
        ("4", "200", "D", 4),
        ("5", "", "D", 5),
        ("6", "", "D", 6),
        ("7", "", "B", 7),
        ("7", "", "D", 7),
    ]);
    assert_eq!(data.baskets.len(), 7);
    assert_eq!(data.customers[0].as_deref(), Some("100"));
    assert_eq!(data.product_names[0].as_deref(), Some("Product A"));
    let params = NextBasketParams::default().with_k(2);
    let model = NextBasketModel::fit(&data, None, &params).unwrap();
    // Customer 100 (decay 0.9): A in both baskets (1 + 0.9)/1.9 = 1; C in the latest 1/1.9;
    // B 0.9/1.9.
    let top: Vec<String> = model
        .recommend("100")
        .into_iter()
        .map(|r| r.product_id)
        .collect();
    assert_eq!(top, vec!["A", "C"]);
    // Unknown customer: most popular first (D in 4 of 7 baskets, then B in 3).
    let top: Vec<String> = model
        .recommend("nobody")
        .into_iter()
        .map(|r| r.product_id)
        .collect();
    assert_eq!(top, vec!["D", "B"]);

    // Leave-last-out: 100's last basket {A, C}, 200's last {D}. Training: {A,B}, {B}, guests.
    // Repeat-only: 100 → A (1.0) then B (1.0) beat C; hits A (recall 1/2). 200 → B then D
    // (popularity tie-break): hits D (recall 1).
    let evaluation = evaluate(&data, &params).unwrap();
    assert_eq!(evaluation.customers, 2);
    assert_eq!(evaluation.training_baskets, 5);
    let repeat = &evaluation.methods[1];
    assert_eq!(repeat.method, "repeat only");
    assert_eq!((repeat.hit_rate, repeat.recall), (1.0, 0.75));
    // Most popular over training (D 3, B 3 → B,D by id): 100 hits nothing, 200 hits D.
    let popular = &evaluation.methods[3];
    assert_eq!((popular.hit_rate, popular.recall), (0.5, 0.5));
}

#[test]
fn next_basket_on_online_retail_sample_beats_most_popular() {
    let mut reader = samples::open(
        "online_retail_sample.csv.gz",
        samples::ONLINE_RETAIL,
        &IngestParams::default(),
    )
    .unwrap();
    let batches: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    let data = InvoiceBaskets::from_sales(&batches).unwrap();
    let evaluation = evaluate(&data, &NextBasketParams::default()).unwrap();
    assert!(evaluation.customers > 100);
    let rate = |name: &str| {
        evaluation
            .methods
            .iter()
            .find(|m| m.method == name)
            .unwrap()
            .hit_rate
    };
    assert!(rate("blend") > rate("most popular"), "{evaluation:?}");
}

#[test]
fn sub_category_baskets_equal_a_plain_fold_over_superstore() {
    let mut reader = samples::open(
        "superstore.csv.gz",
        samples::SUPERSTORE,
        &IngestParams::default(),
    )
    .unwrap();
    let batches: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    let data = InvoiceBaskets::from_sales_by(&batches, BasketItem::SubCategory).unwrap();
    // Oracle: the set of sub-categories per order, folded row by row.
    let mut per_order: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for batch in &batches {
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .unwrap()
                .clone()
        };
        let (invoice, sub) = (column("invoice_id"), column("sub_category"));
        for row in 0..batch.num_rows() {
            per_order
                .entry(invoice.value(row).to_string())
                .or_default()
                .insert(sub.value(row).to_string());
        }
    }
    assert_eq!(data.lines, 9_994);
    assert_eq!(data.lines_without_item, 0);
    assert_eq!(data.baskets.len(), per_order.len());
    assert_eq!(data.baskets.items().len(), 17);
    let itemsets = FpGrowth::new(MinSupport::count(20).unwrap())
        .mine(&data.baskets)
        .unwrap();
    let pairs: Vec<_> = itemsets.iter().filter(|s| s.items.len() == 2).collect();
    assert!(!pairs.is_empty());
    for pair in pairs {
        let together = per_order
            .values()
            .filter(|set| pair.items.iter().all(|i| set.contains(i)))
            .count() as u64;
        assert_eq!(pair.count, together, "{:?}", pair.items);
    }
    assert!(data.product_names.iter().all(Option::is_none));
}

// ---------------------------------------------------------------------------------------------
// the itemset budget and the length limit (issue 17)

/// One basket of items `p0 .. p{n-1}` and one basket with `x` alone.
fn one_long_basket(n: usize) -> Baskets {
    let long: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    Baskets::from_lists(vec![long, vec!["x".to_string()]])
}

fn binomial(n: u64, k: u64) -> u64 {
    (1..=k).fold(1, |acc, i| acc * (n + 1 - i) / i)
}

/// The fields of a budget error, or a failure naming what came instead.
fn budget_error(
    result: Result<retail_bundles::FrequentItemsets, BundlesError>,
) -> (u64, u64, u64, String) {
    match result {
        Err(
            ref err @ BundlesError::TooManyItemsets {
                max_itemsets,
                found,
                min_count,
                ..
            },
        ) => (max_itemsets, found, min_count, err.to_string()),
        Err(other) => panic!("another error: {other}"),
        Ok(found) => panic!("no budget error: {} itemsets", found.len()),
    }
}

#[test]
fn max_len_stops_the_miner_and_the_budget_is_exact() {
    // 60 items in one basket (+ {x}), up to 3 items: C(60,1) + C(60,2) + C(60,3) + {x}
    // = 60 + 1,770 + 34,220 + 1 = 36,051 itemsets, found without the 2^60 subsets.
    let baskets = one_long_basket(60);
    let total = binomial(60, 1) + binomial(60, 2) + binomial(60, 3) + 1;
    assert_eq!(total, 36_051);
    for threads in [1, 2] {
        let miner = FpGrowth::new(MinSupport::count(1).unwrap())
            .with_max_len(3)
            .with_threads(threads);
        let fits = miner.clone().with_max_itemsets(total);
        let found = fits.mine(&baskets).unwrap();
        assert_eq!(found.count_by_length(), vec![0, 61, 1_770, 34_220]);
        assert_eq!(fits.mine_sharded(&baskets, 3).unwrap(), found);

        // One fewer allowed: a clear error, from one process and from shards alike.
        let tight = miner.with_max_itemsets(total - 1);
        let (max, reached, min_count, message) = budget_error(tight.mine(&baskets));
        assert_eq!((max, min_count), (total - 1, 1), "{message}");
        assert!(reached > total - 1, "{message}");
        let (max, reached, _, _) = budget_error(tight.mine_sharded(&baskets, 3));
        assert_eq!(max, total - 1);
        assert!(reached > total - 1);
    }
}

#[test]
fn every_subset_of_a_200_item_basket_stops_at_the_budget_while_mining() {
    // 2^200 frequent itemsets at min count 1: returning at all means the miner stopped
    // while mining. With a length limit of 4 there are still C(200, 1..=4) = 66,018,450.
    let baskets = one_long_basket(200);
    let c200: u64 = (1..=4).map(|k| binomial(200, k)).sum();
    assert_eq!(c200, 66_018_450);
    let support = MinSupport::fraction(0.5).unwrap(); // of 2 baskets: min count 1
    let all = FpGrowth::new(support);
    let (max, reached, min_count, message) = budget_error(all.mine(&baskets));
    assert_eq!((max, min_count), (DEFAULT_MAX_ITEMSETS, 1));
    assert!(reached > 0, "{message}");
    for parameter in ["min_support", "max_len", "max_itemsets"] {
        assert!(message.contains(parameter), "{message}");
    }
    budget_error(all.clone().with_top_k(10).mine(&baskets));
    budget_error(all.clone().with_max_len(4).mine(&baskets));
    budget_error(all.clone().mine_sharded(&baskets, 4));
    let max_len_4 = all.clone().with_max_len(4);
    let (_, reached, _, _) = budget_error(max_len_4.mine_sharded(&baskets, 4));
    assert!(reached < c200, "stopped at {reached}");

    // One shard mined alone stops too, at the budget it is given.
    let plan = ShardPlan::new(&baskets, support, 2).unwrap();
    for shard in plan.split(&baskets) {
        let err = mine_shard(
            plan.ranked_items(),
            2,
            plan.min_count(),
            None,
            1_000,
            &shard,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                BundlesError::TooManyItemsets {
                    max_itemsets: 1_000,
                    ..
                }
            ),
            "{err}"
        );
    }

    // Closed and maximal: one itemset of 200 items and {x}, without the subsets.
    for target in [ItemsetTarget::Closed, ItemsetTarget::Maximal] {
        let found = all.clone().with_target(target).mine(&baskets).unwrap();
        let lengths: BTreeSet<usize> = (0..found.len()).map(|i| found.itemset(i).len()).collect();
        assert_eq!(lengths, BTreeSet::from([1, 200]), "{target:?}");
        assert!((0..found.len()).all(|i| found.count(i) == 1));
        // The items keep their own counts although no singleton is in the result.
        assert!(found.item_counts().iter().all(|&c| c == 1));
        assert_eq!(
            all.clone()
                .with_target(target)
                .mine_sharded(&baskets, 3)
                .unwrap(),
            found
        );
    }
    // A zero budget is refused by name, by `check` and by the mining that checks first.
    let zero = FpGrowth::new(support).with_max_itemsets(0);
    assert!(
        zero.check()
            .unwrap_err()
            .to_string()
            .contains("max_itemsets")
    );
    assert!(matches!(
        zero.mine(&baskets),
        Err(BundlesError::InvalidParameter {
            parameter: "max_itemsets",
            ..
        })
    ));
}

#[test]
fn shard_results_past_the_budget_do_not_merge() {
    // {a, b} in 2 baskets: {a}, {b}, {a, b}; a budget of 2 refuses their merge.
    let baskets = Baskets::from_lists([vec!["a", "b"], vec!["a", "b"]]);
    let support = MinSupport::count(2).unwrap();
    let plan = ShardPlan::new(&baskets, support, 2).unwrap();
    let parts: Vec<_> = plan
        .split(&baskets)
        .iter()
        .map(|s| mine_shard(plan.ranked_items(), 2, 2, None, 10, s).unwrap())
        .collect();
    assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), 3);
    let miner = FpGrowth::new(support);
    assert_eq!(miner.merge_shards(&baskets, &parts).unwrap().len(), 3);
    let tight = miner.with_max_itemsets(2);
    let (max, reached, min_count, _) = budget_error(tight.merge_shards(&baskets, &parts));
    assert_eq!((max, reached, min_count), (2, 3, 2));
}

#[test]
fn online_retail_day_sample_stops_with_a_clear_error() {
    // Two invoices of 590 and 523 products share 261: at 1 % of 127 baskets (min count 2)
    // about 2^261 itemsets.
    let Some(path) = shared("online_retail/online_retail_sample_2010-12-01.csv") else {
        return;
    };
    let tx = retail_ingest::read_transactions(&path, &IngestParams::default()).unwrap();
    let data = InvoiceBaskets::from_sales(&tx.batches).unwrap();
    // 127 invoices with completed lines: the day's free stock-note lines are not sales (issue 18).
    assert_eq!(data.baskets.len(), 127);
    let miner = FpGrowth::new(MinSupport::fraction(0.01).unwrap());
    let (_, _, min_count, message) = budget_error(miner.mine(&data.baskets));
    assert_eq!(min_count, 2, "{message}");
    // Closed itemsets are few: mined directly, and each has a true count.
    let closed = miner
        .with_target(ItemsetTarget::Closed)
        .mine(&data.baskets)
        .unwrap();
    assert!(
        !closed.is_empty() && closed.len() < 100_000,
        "{}",
        closed.len()
    );
    let longest = (0..closed.len())
        .max_by_key(|&i| closed.itemset(i).len())
        .unwrap();
    let items: BTreeSet<u32> = closed
        .itemset(longest)
        .iter()
        .map(|&j| closed.basket_items()[j as usize])
        .collect();
    let direct = data
        .baskets
        .iter()
        .filter(|b| items.iter().all(|i| b.contains(i)))
        .count() as u64;
    assert_eq!(closed.count(longest), direct);
    assert!(items.len() >= 261, "{}", items.len());
}

#[test]
fn kosarak_head_at_0_08_percent_stops_with_a_clear_error() {
    let Some(path) = shared("baskets/kosarak_head/kosarak_head.dat") else {
        return;
    };
    let (baskets, _) = read_baskets(&path, None).unwrap();
    // ceil(0.0008 · 36,683) = ceil(29.35) = 30.
    let miner = FpGrowth::new(MinSupport::fraction(0.0008).unwrap());
    let (_, _, min_count, message) = budget_error(miner.mine(&baskets));
    assert_eq!(min_count, 30, "{message}");
}

#[test]
fn invoice_baskets_pushed_in_pieces_are_a_plain_fold_of_the_lines() {
    let mut reader = samples::open(
        "online_retail_sample.csv.gz",
        samples::ONLINE_RETAIL,
        &IngestParams::default(),
    )
    .unwrap();
    let batches: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    // Oracle: the completed sales' products per invoice in line order, invoices in order of
    // their first line, numbered by `Baskets::from_lists`.
    let mut order: Vec<String> = Vec::new();
    let mut lists: std::collections::HashMap<String, Vec<String>> = Default::default();
    for batch in &batches {
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .unwrap()
                .clone()
        };
        let (invoice, product, kind) = (
            column("invoice_id"),
            column("product_id"),
            column("line_kind"),
        );
        for row in 0..batch.num_rows() {
            if kind.value(row) != "sale" || arrow::array::Array::is_null(&product, row) {
                continue;
            }
            let id = invoice.value(row).to_string();
            if !lists.contains_key(&id) {
                order.push(id.clone());
            }
            lists
                .entry(id)
                .or_default()
                .push(product.value(row).to_string());
        }
    }
    let expected =
        Baskets::from_lists(order.iter().map(|id| lists[id].clone()).collect::<Vec<_>>());

    let mut builder = InvoiceBasketsBuilder::new(BasketItem::Product);
    for batch in &batches {
        let mut start = 0;
        while start < batch.num_rows() {
            let length = 777.min(batch.num_rows() - start);
            builder.push(&batch.slice(start, length)).unwrap();
            start += length;
        }
    }
    let data = builder.finish();
    assert_eq!(data.baskets, expected);
    assert_eq!(data.invoices, order);
    assert!(data.baskets.len() > 1_000);
    assert_eq!(data, InvoiceBaskets::from_sales(&batches).unwrap());
}
