//! `retail bundles`, `next-basket` and `mine-shard`: snapshots, shards mined apart equal one
//! run, and the memory budget on hostile basket files (issue 17).

use super::*;

#[test]
fn bundles_of_the_embedded_sample_match_their_snapshot() {
    let out = retail(&["bundles", "--min-support", "0.02", "--top", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("bundles_online_retail_sample", stdout(&out));

    let json = retail(&["bundles", "--min-support", "0.02", "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let total = v["frequent_itemsets"].as_u64().unwrap();
    let by_length: u64 = v["by_length"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, by_length);
    assert_eq!(v["itemsets"].as_array().unwrap().len() as u64, total);
    let rule = &v["rules"][0];
    for key in [
        "antecedent",
        "consequent",
        "support",
        "confidence",
        "lift",
        "leverage",
        "conviction",
        "zhang",
    ] {
        assert!(
            rule.get(key).is_some() || rule["measures"].get(key).is_some(),
            "rule lacks {key}: {rule}"
        );
    }
}

#[test]
fn next_basket_evaluation_matches_its_snapshot() {
    let out = retail(&["next-basket", "--k", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("next_basket_online_retail_sample", stdout(&out));
    let bad = retail(&["next-basket", "--decay", "1.5"]);
    assert_fails(&bad, 1, "decay");
}


/// Parallel FP-growth over processes (docs/distributed.md): shards written by one process and
/// mined by three others hold together exactly the itemsets of one run, and `--shards` in one
/// process gives the same JSON.
#[test]
fn bundles_mined_shard_by_shard_equal_one_run() {
    let itemsets = |doc: &serde_json::Value| -> Vec<(Vec<String>, u64)> {
        let mut all: Vec<(Vec<String>, u64)> = doc["itemsets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let mut items: Vec<String> = i["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                items.sort();
                (items, i["count"].as_u64().unwrap())
            })
            .collect();
        all.sort();
        all
    };
    let single = retail(&[
        "bundles",
        "--min-support",
        "0.01",
        "--itemsets-only",
        "--format",
        "json",
    ]);
    assert!(single.status.success(), "{}", stderr(&single));
    let single: serde_json::Value = serde_json::from_str(&stdout(&single)).unwrap();
    let expected = itemsets(&single);
    assert!(expected.len() > 100, "{} itemsets", expected.len());

    let sharded = retail(&[
        "bundles",
        "--min-support",
        "0.01",
        "--itemsets-only",
        "--format",
        "json",
        "--shards",
        "3",
    ]);
    assert!(sharded.status.success(), "{}", stderr(&sharded));
    let sharded: serde_json::Value = serde_json::from_str(&stdout(&sharded)).unwrap();
    assert_eq!(sharded, single);

    let dir = tempfile::tempdir().unwrap();
    let out = retail(&[
        "bundles",
        "--min-support",
        "0.01",
        "--shards",
        "3",
        "--write-shards",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        // DuckDB 2.0.1 over the sample (the canonical table of compute_kpis.py): 3,670
        // invoices with completed merchandise lines (free lines are no sale and postage, fees
        // and adjustments no goods, issue 18), 803 products in at least ceil(0.01 * 3,670) =
        // 37 of them.
        stdout(&out).contains("3 shards of 3,670 baskets (803 frequent items, min count 37)"),
        "{}",
        stdout(&out)
    );
    let mut merged = Vec::new();
    for g in 0..3 {
        let file = dir.path().join(format!("shard-{g:04}.parquet"));
        let out = retail(&["mine-shard", file.to_str().unwrap(), "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let part: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(
            (part["shard"].as_u64(), part["shards"].as_u64()),
            (Some(g), Some(3))
        );
        assert_eq!(part["min_count"], single["min_count"]);
        let part = itemsets(&part);
        assert!(!part.is_empty(), "shard {g} found nothing");
        merged.extend(part);
    }
    merged.sort();
    assert_eq!(merged, expected);

    let out = retail(&["mine-shard", "tests/data/hostile_online_retail.csv"]);
    assert_fails(&out, 1, "hostile_online_retail.csv: not a Parquet file");
}

/// The budget error of `retail bundles`: exit 1, the library's parameters and the CLI's flags.
fn assert_budget_error(out: &Output, min_count: u64) {
    assert_fails(out, 1, "more than 5000000 frequent itemsets");
    let err = stderr(out);
    assert!(err.contains(&format!("at min count {min_count}:")), "{err}");
    for hint in [
        "min_support",
        "max_len",
        "max_itemsets",
        "--min-support",
        "--max-len",
        "--max-itemsets",
    ] {
        assert!(err.contains(hint), "{hint}: {err}");
    }
    assert!(!err.contains("memory allocation"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bundles_of_one_200_item_basket_stop_at_the_budget_or_mine_closed_directly() {
    let items: Vec<String> = (1..=200).map(|i| i.to_string()).collect();
    let (_dir, path) = temp_file("one-basket.dat", &format!("{}\n", items.join(" ")));
    let path = path.to_str().unwrap();
    let base = ["bundles", path, "--min-support", "0.5"];
    let with = |extra: &[&str]| retail(&[&base[..], extra].concat());
    // Every subset is frequent (2^200): a clear error, with or without --top / --max-len 4
    // (C(200, 1..=4) = 66,018,450 itemsets).
    assert_budget_error(&with(&[]), 1);
    assert_budget_error(&with(&["--top", "10"]), 1);
    assert_budget_error(&with(&["--max-len", "4"]), 1);
    assert_budget_error(&with(&["--max-len", "4", "--shards", "3"]), 1);
    // Up to 2 items: 200 + 19,900 = 20,100 itemsets.
    let out = with(&["--max-len", "2", "--itemsets-only"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("20,100 frequent itemsets in 1 baskets (min count 1"),
        "{}",
        stdout(&out)
    );
    // One closed and one maximal itemset: all 200 items, in the one basket.
    for target in ["closed", "maximal"] {
        let out = with(&["--target", target, "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["frequent_itemsets"], 1, "{target}");
        assert_eq!(json["by_length"]["200"], 1, "{target}");
        let found: Vec<&str> = json["itemsets"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(found, items, "{target}");
        assert_eq!(json["itemsets"][0]["count"], 1);
    }
    // A smaller budget is a flag, and zero is refused by name.
    let out = with(&["--max-len", "2", "--max-itemsets", "20099"]);
    assert_fails(&out, 1, "more than 20099 frequent itemsets");
    let out = with(&["--max-itemsets", "0"]);
    assert_fails(
        &out,
        1,
        "--max-itemsets: invalid max_itemsets: must be at least 1",
    );
}

#[test]
fn bundles_of_online_retail_heads_and_kosarak_stop_with_a_clear_error() {
    if let Some(day) = shared_file("online_retail/online_retail_sample_2010-12-01.csv") {
        // 136 invoices, 1 %: min count 2; two invoices share 261 products.
        assert_budget_error(&retail(&["bundles", day.to_str().unwrap()]), 2);
        let out = retail(&["bundles", day.to_str().unwrap(), "--target", "maximal"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    if let Some(kosarak) = shared_file("baskets/kosarak_head/kosarak_head.dat") {
        // ceil(0.0008 · 36,683) = 30.
        let out = retail(&[
            "bundles",
            kosarak.to_str().unwrap(),
            "--min-support",
            "0.0008",
        ]);
        assert_budget_error(&out, 30);
    }
    let Some(full) = shared_file("online_retail/online_retail.csv.gz") else {
        return;
    };
    let Ok(unzipped) = Command::new("gzip").arg("-dc").arg(&full).output() else {
        println!("SKIPPED: no gzip to cut the head of online_retail.csv.gz");
        return;
    };
    let text = String::from_utf8_lossy(&unzipped.stdout);
    for lines in [20_000, 50_000] {
        let head: String = text.lines().take(lines).map(|l| format!("{l}\n")).collect();
        let (_dir, path) = temp_file(&format!("head-{lines}.csv"), &head);
        let out = retail(&["bundles", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{lines}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("more than 5000000 frequent itemsets"),
            "{lines}: {}",
            stderr(&out)
        );
    }
}
