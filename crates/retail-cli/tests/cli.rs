//! The `retail` binary as a user runs it: output, exit codes, error messages.

use std::process::{Command, Output};

mod common;
use common::chromium;

#[path = "cli/manners.rs"]
mod manners;
#[path = "cli/names.rs"]
mod names;
#[path = "cli/slicing.rs"]
mod slicing;
#[path = "cli/sql.rs"]
mod sql;
#[path = "cli/theta.rs"]
mod theta;

fn retail(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retail"))
        .args(args)
        .output()
        .expect("run retail")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// The run failed with exit status `code` and its message on stderr contains `needle`.
fn assert_fails(out: &Output, code: i32, needle: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// Drops the timing line, the only part of the table that changes between runs.
fn without_timings(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("read in"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn inspect_without_files_reports_the_embedded_samples() {
    let out = retail(&["inspect"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = "\
embedded:online_retail_sample.csv.gz
  format                csv+gzip
  layout                online-retail
  encoding              utf-8
  delimiter             ','
  date order            month-first
  rows read             99,096
  accepted              99,096
  rejected              0
    sale lines          96,948
    cancellation lines  1,628
    adjustment lines    520

embedded:superstore.csv.gz
  format            csv+gzip
  layout            superstore
  encoding          windows-1252
  delimiter         ','
  date order        month-first
  rows read         9,994
  accepted          9,994
  rejected          0
    sale lines      9,994
  optional columns  customer_name, city, state, postal_code, ship_mode

canonical schema
  invoice_id     Utf8                      required
  timestamp      Timestamp(µs)             required
  customer_id    Utf8                      nullable
  product_id     Utf8                      required
  product_name   Utf8                      nullable
  category       Utf8                      nullable
  sub_category   Utf8                      nullable
  region         Utf8                      nullable
  country        Utf8                      nullable
  segment        Utf8                      nullable
  quantity       Int64                     required
  unit_price     Float64                   nullable
  line_amount    Float64                   required
  discount       Float64                   nullable
  profit         Float64                   nullable
  line_kind      Utf8                      required
  customer_name  Utf8                      optional (when the source has it)
  city           Utf8                      optional (when the source has it)
  state          Utf8                      optional (when the source has it)
  postal_code    Utf8                      optional (when the source has it)
  ship_mode      Utf8                      optional (when the source has it)";
    assert_eq!(without_timings(&stdout(&out)), expected);
}

#[test]
fn inspect_json_carries_the_report_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
         536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n\
         536366,22633,WARMER,six,2010-12-01 08:28:00,1.85,17850.0,United Kingdom\n",
    )
    .unwrap();
    let out = retail(&["inspect", path.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["schema"].as_array().unwrap().len(), 16);
    let file = &doc["files"][0];
    assert_eq!(
        (
            file["rows_read"].as_u64(),
            file["rows_accepted"].as_u64(),
            file["rows_rejected"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(file["rejected_by_reason"]["bad-number"], 1);
    assert_eq!(file["samples"][0]["location"]["line"], 3);
    assert_eq!(file["samples"][0]["column"], "Quantity");

    let strict = retail(&["inspect", path.to_str().unwrap(), "--strict"]);
    assert_fails(&strict, 1, "line 3, column 'Quantity': unparsable number");
}

#[test]
fn errors_name_the_file_and_exit_codes_follow_convention() {
    let missing = retail(&["inspect", "no-such-file.csv"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).starts_with("retail: no-such-file.csv: "),
        "{}",
        stderr(&missing)
    );

    let usage = retail(&["inspect", "--format", "yaml"]);
    assert_eq!(usage.status.code(), Some(2));
    let bad_encoding = retail(&["inspect", "--encoding", "ebcdic"]);
    assert_fails(&bad_encoding, 2, "expected utf-8 or windows-1252");

    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("prices.csv");
    std::fs::write(&other, "date,value\n2020-01-01,3\n").unwrap();
    let out = retail(&["inspect", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("match no known layout") && stderr(&out).contains("--mapping FILE"),
        "{}",
        stderr(&out)
    );
}

/// Compares `actual` with the snapshot file; `UPDATE_SNAPSHOTS=1` rewrites it.
fn assert_snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from its snapshot at line {}:\n  snapshot: {:?}\n  actual:   {:?}\n(rerun with UPDATE_SNAPSHOTS=1 to accept)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

fn metrics_reference() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../retail-metrics/tests/reference/kpis_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn kpis_table_view_of_the_embedded_sample_matches_its_snapshot() {
    let out = retail(&["kpis"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_snapshot("kpis_online_retail_sample.txt", &stdout(&out));
}

#[test]
fn kpis_json_holds_every_kpi_under_stable_names() {
    let out = retail(&["kpis", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let kpis = doc["kpis"].as_object().unwrap();
    let reference = metrics_reference();
    let want = reference["inputs"]["online_retail_sample"]
        .as_object()
        .unwrap();
    let mut names: Vec<&String> = kpis.keys().collect();
    let mut want_names: Vec<&String> = want.keys().collect();
    names.sort();
    want_names.sort();
    assert_eq!(names, want_names);
    assert_eq!(doc["sources"][0]["rows_accepted"], 99_096);
    // Spot values against the DuckDB reference (the metrics crate compares all of them).
    assert_eq!(kpis["summary"]["orders"], want["summary"]["orders"]);
    assert_eq!(kpis["summary"]["customers"], want["summary"]["customers"]);
    assert_eq!(
        kpis["top_customers_by_revenue"][0]["customer_id"],
        want["top_customers_by_revenue"][0]["customer_id"]
    );
    assert_eq!(
        kpis["rfm"].as_array().unwrap().len(),
        want["rfm"].as_array().unwrap().len()
    );
}

#[test]
fn kpis_csv_and_out_files_for_programs() {
    let out = retail(&["kpis", "--kpi", "by_price_band", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("price_band,band_order,lines,units,revenue,products,revenue_share")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("\"[0, 1)\",1,20267,359384,"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = retail(&[
        "kpis",
        "--out",
        dir.path().to_str().unwrap(),
        "--out-format",
        "parquet",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(files, 27);
    assert!(dir.path().join("sales_by_week.parquet").is_file());

    let csv_only = retail(&["kpis", "--format", "csv"]);
    assert_fails(&csv_only, 1, "--kpi NAME");
    let unknown = retail(&["kpis", "--kpi", "profitability"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown)
            .contains("unknown KPI 'profitability'; the KPIs are: summary, lines_by_kind"),
        "{}",
        stderr(&unknown)
    );
    let sql = retail(&["kpis", "--show-sql", "--kpi", "churn"]);
    assert!(
        stdout(&sql).starts_with("-- churn\nWITH last_purchase AS ("),
        "{}",
        stdout(&sql)
    );
}

#[test]
fn sql_runs_user_queries_and_reports_their_errors() {
    let out = retail(&[
        "sql",
        "SELECT line_kind, COUNT(*) AS lines FROM sales GROUP BY line_kind ORDER BY line_kind",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "line_kind,lines\nadjustment,520\ncancellation,1628\nsale,96948\n"
    );

    let bad = retail(&["sql", "SELECT nope FROM sales"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).starts_with("retail: ") && stderr(&bad).contains("nope"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_product_category_table_feeds_the_category_kpis() {
    let dir = tempfile::tempdir().unwrap();
    let cats = dir.path().join("cats.csv");
    // DOTCOM POSTAGE and POSTAGE are not merchandise; the hanging heart is.
    std::fs::write(&cats, "product_id,category,sub_category\nDOT,Fees,Postage\nPOST,Fees,Postage\n85123A,Home,Lighting\n").unwrap();
    let out = retail(&[
        "kpis",
        "--categories",
        cats.to_str().unwrap(),
        "--kpi",
        "by_dimensions",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let category_rows: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["grouping"] == "category")
        .collect();
    let names: Vec<&str> = category_rows
        .iter()
        .map(|r| r["category"].as_str().unwrap_or("(none)"))
        .collect();
    assert_eq!(names, vec!["(none)", "Fees", "Home"]);
    // DOT 37,747.29 + POST 14,460.16 (the top-products table of the same sample).
    let fees = category_rows[1]["revenue"].as_f64().unwrap();
    assert!((fees - (37_747.29 + 14_460.16)).abs() < 1e-6, "{fees}");
}

#[test]
fn bundles_of_the_embedded_sample_match_their_snapshot() {
    let out = retail(&["bundles", "--min-support", "0.02", "--top", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_snapshot("bundles_online_retail_sample.txt", &stdout(&out));

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
    assert_snapshot("next_basket_online_retail_sample.txt", &stdout(&out));
    let bad = retail(&["next-basket", "--decay", "1.5"]);
    assert_fails(&bad, 1, "decay");
}

/// A series of the forecasting reference set (retail-forecast/tests/reference).
fn reference_series(name: &str) -> Vec<f64> {
    let reference: serde_json::Value = serde_json::from_str(include_str!(
        "../../retail-forecast/tests/reference/reference.json"
    ))
    .unwrap();
    reference["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn airpassengers_csv(dir: &std::path::Path) -> std::path::PathBuf {
    // The 144 monthly values of the reference set (public domain, Box & Jenkins).
    let values = reference_series("airpassengers");
    let mut text = String::from("date,value\n");
    for (i, v) in values.iter().enumerate() {
        text.push_str(&format!("{}-{:02}-01,{}\n", 1949 + i / 12, i % 12 + 1, v));
    }
    let path = dir.join("airpassengers.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn forecast_of_a_plain_series_matches_its_snapshot_and_json_carries_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = airpassengers_csv(dir.path());
    let path = path.to_str().unwrap();
    let out = retail(&[
        "forecast",
        "--series",
        path,
        "--model",
        "MAM",
        "--horizon",
        "12",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out).replace(path, "airpassengers.csv");
    assert_snapshot("forecast_airpassengers_mam.txt", &text);

    let out = retail(&[
        "forecast",
        "--series",
        path,
        "--model",
        "(0,1,1)(0,1,1)12",
        "--format",
        "json",
        "--horizon",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["series"][0];
    assert_eq!(s["model"], "ARIMA(0,1,1)(0,1,1)[12]");
    for key in ["loglik", "aic", "aicc", "bic"] {
        assert!(s[key].as_f64().unwrap().is_finite(), "{key}");
    }
    assert_eq!(s["forecast"].as_array().unwrap().len(), 3);
    assert_eq!(s["forecast"][0]["period"], "1961-01-01");
    let f = &s["forecast"][0];
    assert!(f["lower_95"].as_f64().unwrap() < f["lower_80"].as_f64().unwrap());
    assert!(f["upper_80"].as_f64().unwrap() < f["upper_95"].as_f64().unwrap());

    let bad = retail(&["forecast", "--series", path, "--model", "XYZ"]);
    assert_fails(&bad, 1, "'XYZ'");
}

/// A made-up 0/1 promotion flag per year.
fn promotion(year: usize) -> f64 {
    f64::from(u8::from(year.is_multiple_of(3) || year.is_multiple_of(7)))
}

/// Log lynx (yearly, 1821–1934, reference set) plus `shift` times a 0/1 promotion flag,
/// with the flag as a regressor column; and the flag over the next `future` years.
fn lynx_with_promotion(dir: &std::path::Path, shift: f64, future: usize) -> (String, String) {
    let values = reference_series("lynx");
    let mut text = String::from("year,lynx,promotion\n");
    for (i, v) in values.iter().enumerate() {
        let y = v.ln() + shift * promotion(1821 + i);
        text.push_str(&format!("{}-01-01,{y},{}\n", 1821 + i, promotion(1821 + i)));
    }
    let series = dir.join(format!("lynx_{shift}.csv"));
    std::fs::write(&series, text).unwrap();
    let mut text = String::from("date,promotion\n");
    for year in 1935..1935 + future {
        text.push_str(&format!("{year}-01-01,{}\n", promotion(year)));
    }
    let future_path = dir.join(format!("future_{future}.csv"));
    std::fs::write(&future_path, text).unwrap();
    (
        series.to_str().unwrap().to_string(),
        future_path.to_str().unwrap().to_string(),
    )
}

#[test]
fn forecast_with_regressors_is_equivariant_and_checks_its_future_file() {
    let dir = tempfile::tempdir().unwrap();
    let fit = |series: &str, future: &str| {
        let out = retail(&[
            "forecast",
            "--series",
            series,
            "--future",
            future,
            "--model",
            "(2,0,0)",
            "--horizon",
            "5",
            "--format",
            "json",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["series"][0].clone()
    };
    // Adding 0.5 × promotion to the data moves the promotion's coefficient by exactly 0.5
    // and nothing else: same likelihood, the same AR part, forecasts up by 0.5 × flag.
    let (plain, future) = lynx_with_promotion(dir.path(), 0.0, 5);
    let (shifted, _) = lynx_with_promotion(dir.path(), 0.5, 5);
    let (a, b) = (fit(&plain, &future), fit(&shifted, &future));
    let coefficient = |s: &serde_json::Value, name: &str| {
        s["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {s}"))["value"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(a["model"], "Regression with ARIMA(2,0,0) errors");
    assert!((coefficient(&b, "promotion") - coefficient(&a, "promotion") - 0.5).abs() < 1e-4);
    for name in ["ar1", "ar2", "intercept"] {
        assert!(
            (coefficient(&a, name) - coefficient(&b, name)).abs() < 1e-4,
            "{name}"
        );
    }
    assert!((a["loglik"].as_f64().unwrap() - b["loglik"].as_f64().unwrap()).abs() < 1e-6);
    for (h, year) in (1935..1940).enumerate() {
        let flag = promotion(year);
        let (fa, fb) = (&a["forecast"][h], &b["forecast"][h]);
        assert_eq!(fa["period"], format!("{year}-01-01"));
        let gap = fb["forecast"].as_f64().unwrap() - fa["forecast"].as_f64().unwrap();
        assert!((gap - 0.5 * flag).abs() < 1e-3, "{year}: {gap}");
    }
    // The future file must cover the horizon, from the right period, with the right columns.
    let out = retail(&["forecast", "--series", &plain, "--model", "(2,0,0)"]);
    assert_fails(&out, 1, "--future");
    let (_, short) = lynx_with_promotion(dir.path(), 0.0, 3);
    let out = retail(&[
        "forecast",
        "--series",
        &plain,
        "--future",
        &short,
        "--model",
        "(2,0,0)",
        "--horizon",
        "5",
    ]);
    assert_fails(&out, 1, "3 rows for 5 forecast periods");
    let late = dir.path().join("late.csv");
    std::fs::write(&late, "date,promotion\n1936-01-01,1\n").unwrap();
    let out = retail(&[
        "forecast",
        "--series",
        &plain,
        "--future",
        late.to_str().unwrap(),
        "--model",
        "(2,0,0)",
        "--horizon",
        "1",
    ]);
    assert_fails(
        &out,
        1,
        "late.csv:2:1: 1936-01-01: expected the forecast period 1935-01-01",
    );
    let out = retail(&[
        "forecast",
        "--series",
        &plain,
        "--future",
        &future,
        "--model",
        "ANN",
        "--horizon",
        "5",
    ]);
    assert_fails(&out, 1, "takes no regressors");
}

#[test]
fn forecast_of_transactions_by_group_writes_csv() {
    let out = retail(&[
        "forecast",
        "--by",
        "country",
        "--freq",
        "month",
        "--top",
        "3",
        "--horizon",
        "2",
        "--model",
        "naive",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "series,period,model,forecast,lower_80,upper_80,lower_95,upper_95"
    );
    assert_eq!(lines.len(), 1 + 3 * 2);
    assert!(lines[1].starts_with("United Kingdom,"), "{}", lines[1]);
    assert!(stderr(&out).contains("partial month"), "{}", stderr(&out));
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

/// The distributed map of docs/distributed.md: three tasks (`--partition K/3`, separate
/// processes) fit disjoint shares of the groups, and together exactly the series of one run.
#[test]
fn forecast_partitions_together_equal_one_run() {
    let run = |partition: Option<&str>| -> serde_json::Value {
        let mut args = vec![
            "forecast",
            "--by",
            "product",
            "--top",
            "8",
            "--horizon",
            "4",
            "--format",
            "json",
        ];
        if let Some(p) = partition {
            args.extend(["--partition", p]);
        }
        let out = retail(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let whole = run(None);
    let whole = whole["series"].as_array().unwrap();
    assert_eq!(whole.len(), 8);
    let mut merged = Vec::new();
    for k in 0..3 {
        let part = run(Some(&format!("{k}/3")));
        let series = part["series"].as_array().unwrap();
        // Round-robin over the ranked groups: ranks k, k+3, k+6.
        assert_eq!(series.len(), [3, 3, 2][k]);
        for (i, s) in series.iter().enumerate() {
            merged.push((k + 3 * i, s.clone()));
        }
    }
    merged.sort_by_key(|(rank, _)| *rank);
    let merged: Vec<serde_json::Value> = merged.into_iter().map(|(_, s)| s).collect();
    assert_eq!(&merged, whole);

    for bad in ["3/3", "1", "a/2", "0/0"] {
        let out = retail(&["forecast", "--by", "product", "--partition", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("--partition"),
            "{bad}: {}",
            stderr(&out)
        );
    }
    let out = retail(&["forecast", "--partition", "1/2"]);
    assert_fails(&out, 1, "the total is one series");
}

// ---------------------------------------------------------------------------------------------
// retail report
// ---------------------------------------------------------------------------------------------

/// Relative to the crate directory, where the report commands run (so the snapshot does not
/// hold the checkout's path).
const HOSTILE: &str = "tests/data/hostile_online_retail.csv";

/// Writes the report of `files` (none: the embedded samples) once per test run.
fn report_of(files: &[&str], name: &str) -> (std::path::PathBuf, String) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut args = vec!["report", "--out", path.to_str().unwrap()];
    args.extend(files);
    let out = Command::new(env!("CARGO_BIN_EXE_retail"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run retail");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("wrote {}", path.display())),
        "{}",
        stderr(&out)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    (path, html)
}

fn embedded_report() -> &'static (std::path::PathBuf, String) {
    static REPORT: std::sync::OnceLock<(std::path::PathBuf, String)> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| report_of(&[], "report-embedded.html"))
}

fn hostile_report() -> &'static (std::path::PathBuf, String) {
    static REPORT: std::sync::OnceLock<(std::path::PathBuf, String)> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| report_of(&[HOSTILE], "report-hostile.html"))
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The tiles of one dataset section: label → value.
fn tiles(section: roxmltree::Node<'_, '_>) -> std::collections::BTreeMap<String, String> {
    let text = |n: roxmltree::Node<'_, '_>, class: &str| {
        n.descendants()
            .find(|d| d.attribute("class") == Some(class))
            .and_then(|d| d.text())
            .unwrap_or_default()
            .to_string()
    };
    section
        .descendants()
        .filter(|n| n.attribute("class") == Some("tile"))
        .map(|n| (text(n, "label"), text(n, "value")))
        .collect()
}

#[test]
fn report_of_the_embedded_samples_is_well_formed_and_has_every_chart() {
    let (_, html) = embedded_report();
    // Well-formed: the page is also XML, so a strict parser reads it.
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");
    // Self-contained: no script, no fetch of anything; the CSP forbids every source.
    assert!(!doc.descendants().any(|n| n.tag_name().name() == "script"));
    for n in doc.descendants().filter(|n| n.is_element()) {
        for attr in ["src", "href"] {
            if let Some(value) = n.attribute(attr) {
                assert!(
                    value.starts_with('#'),
                    "<{}> {attr}={value}",
                    n.tag_name().name()
                );
            }
        }
    }
    let without_svg_namespace = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_svg_namespace.contains("http://") && !without_svg_namespace.contains("https://")
    );
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"")
    );

    // Every chart, per data set; each with its title and both axis labels.
    let charts: Vec<roxmltree::Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg" && n.attribute("class") == Some("chart"))
        .collect();
    let ids: std::collections::BTreeSet<&str> = charts
        .iter()
        .filter_map(|n| n.attribute("data-chart"))
        .collect();
    let common = [
        "spend-distribution",
        "top-customers",
        "retention",
        "rfm-segments",
        "weekly-sales",
        "top-products",
        "forecast-total",
        "forecast-group-1",
        "forecast-group-2",
        "forecast-group-3",
        "forecast-units",
        "next-basket",
    ];
    // Superstore's strongest sub-category bundle has a lift of 1.24: no chart of weak bundles,
    // a sentence instead (below).
    let online_retail = [
        "rules-by-lift",
        "forfeited-weekly",
        "forfeited-products",
        "price-bands",
        "top-countries",
    ];
    let superstore = [
        "top-customers-by-profit",
        "segments",
        "sales-by-category-region",
        "profit-by-category-region",
        "margin-by-sub-category-region",
        "discount-margin",
        "discount-by-sub-category",
    ];
    let mut expected: std::collections::BTreeSet<String> = Default::default();
    for c in common.iter().chain(&online_retail) {
        expected.insert(format!("ds1-{c}"));
    }
    for c in common.iter().chain(&superstore) {
        expected.insert(format!("ds2-{c}"));
    }
    let ids: std::collections::BTreeSet<String> = ids.into_iter().map(String::from).collect();
    assert_eq!(ids, expected);
    assert!(html.contains(
        "No meaningful bundles in these sales: the strongest pair is only 1.24 times likelier \
         together than by chance"
    ));
    assert_eq!(charts.len(), expected.len(), "chart ids are unique");
    for chart in &charts {
        let id = chart.attribute("data-chart").unwrap();
        for class in ["chart-title", "axis-label x-label", "axis-label y-label"] {
            let text: String = chart
                .descendants()
                .find(|n| n.attribute("class") == Some(class))
                .map(|n| n.descendants().filter_map(|t| t.text()).collect())
                .unwrap_or_default();
            assert!(!text.trim().is_empty(), "{id}: no {class}");
        }
        assert!(
            chart.children().any(|n| n.tag_name().name() == "title"),
            "{id}: no <title>"
        );
        assert!(
            !chart.descendants().any(|n| n.text() == Some("no data")),
            "{id}: no data"
        );
    }

    // The tiles show the KPIs computed independently with DuckDB (retail-metrics reference).
    let reference = metrics_reference();
    for (ds, key, currency) in [
        ("ds1", "online_retail_sample", "£"),
        ("ds2", "superstore", "$"),
    ] {
        let section = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(ds))
            .unwrap();
        let tiles = tiles(section);
        let summary = &reference["inputs"][key]["summary"];
        let revenue = summary["revenue"].as_f64().unwrap();
        assert_eq!(
            tiles["Completed revenue"],
            format!("{currency}{}", thousands(revenue.round() as i64)),
            "{ds}"
        );
        assert_eq!(
            tiles["Orders"],
            thousands(summary["orders"].as_i64().unwrap())
        );
        assert_eq!(
            tiles["Customers"],
            thousands(summary["customers"].as_i64().unwrap())
        );
        assert_eq!(
            tiles["Repeat-purchase rate"],
            format!("{:.1}%", summary["repeat_rate"].as_f64().unwrap() * 100.0)
        );
    }
}

#[test]
fn report_escapes_every_string_from_the_data() {
    let (_, html) = hostile_report();
    for raw in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        "<b>BOLD</b>",
    ] {
        assert!(!html.contains(raw), "{raw} is in the page unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("MUG &quot;BIG&quot; &amp; &lt;b&gt;BOLD&lt;/b&gt;"));
    // Read back, the names are text: the product chart shows the description as written.
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        !doc.descendants()
            .any(|n| n.tag_name().name() == "script" || n.tag_name().name() == "img")
    );
    assert!(
        doc.descendants()
            .filter_map(|n| n.text())
            .any(|t| t.contains("<script>alert(1)</script> (90001)"))
    );
    assert_snapshot("report_hostile_online_retail.html", html);
}

/// Runs headless Chromium on `page` with `args`; returns (stdout, console lines).
fn headless(
    chromium: &std::path::Path,
    page: &std::path::Path,
    args: &[&str],
) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", stderr(&out));
    let console = stderr(&out)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    (stdout(&out), console)
}

#[test]
fn report_renders_in_headless_chromium_without_console_messages() {
    let Some(chromium) = chromium() else {
        return;
    };
    let (path, html) = embedded_report();
    let (dom, console) = headless(&chromium, path, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let charts = html.matches("class=\"chart\"").count();
    assert_eq!(dom.matches("class=\"chart\"").count(), charts);
    assert!(dom.contains("Weekly sales, trend and peaks"));
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-embedded.png");
    let (_, console) = headless(
        &chromium,
        path,
        &[
            "--window-size=1400,3000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 100_000,
        "{} bytes",
        png.len()
    );

    // The hostile page: an unescaped <img onerror> or <script> would be blocked by the CSP
    // and show up as a console message.
    let (path, _) = hostile_report();
    let (dom, console) = headless(&chromium, path, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn report_errors_name_the_problem_and_set_the_exit_code() {
    let out = retail(&["report", "--horizon", "0"]);
    assert_fails(
        &out,
        1,
        "bad --horizon: invalid horizon: must be at least 1 week",
    );
    let out = retail(&["report", "--min-support", "1.5"]);
    assert_fails(
        &out,
        1,
        "bad --min-support: invalid min_support: must be in (0, 1]",
    );
    let out = retail(&["report", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let out = retail(&["report", "/no/such/sales.csv", "--out", "/tmp/never.html"]);
    assert_fails(&out, 1, "/no/such/sales.csv");
}

/// Every row of a converted file, read back with the parquet crate: (month directory,
/// timestamps, summed line amounts of the sale lines).
fn read_month_files(dir: &std::path::Path) -> Vec<(String, Vec<i64>, f64)> {
    use arrow::array::{Array, Float64Array, StringArray, TimestampMicrosecondArray};
    let mut months = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for month_dir in entries {
        let name = month_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let file = std::fs::File::open(month_dir.join("part-0.parquet")).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let (mut stamps, mut amount) = (Vec::new(), 0.0);
        for batch in reader {
            let batch = batch.unwrap();
            assert_eq!(
                batch.schema().fields(),
                retail_ingest::canonical_schema().fields()
            );
            let ts = batch.column_by_name("timestamp").unwrap();
            let ts = ts
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
                .unwrap();
            stamps.extend(ts.values().iter().copied());
            let amounts = batch.column_by_name("line_amount").unwrap();
            let amounts = amounts.as_any().downcast_ref::<Float64Array>().unwrap();
            let kinds = batch.column_by_name("line_kind").unwrap();
            let kinds = kinds.as_any().downcast_ref::<StringArray>().unwrap();
            amount += (0..batch.num_rows())
                .filter(|&i| kinds.value(i) == "sale")
                .map(|i| amounts.value(i))
                .sum::<f64>();
        }
        months.push((name, stamps, amount));
    }
    months
}

#[test]
fn convert_writes_canonical_parquet_one_file_per_month() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("sales");
    let out = retail(&[
        "convert",
        "--out",
        out_dir.to_str().unwrap(),
        "--partition-by",
        "month",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("99096 rows read, 99096 written, 0 rejected; 13 Parquet file(s):"),
        "{text}"
    );

    let months = read_month_files(&out_dir);
    // The sample runs from December 2010 to December 2011: 13 months.
    let names: Vec<&str> = months.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"month=2010-12"));
    assert_eq!(names.last(), Some(&"month=2011-12"));
    assert_eq!(names.len(), 13);
    let rows: usize = months.iter().map(|(_, s, _)| s.len()).sum();
    assert_eq!(rows, 99_096);
    for (name, stamps, _) in &months {
        for &micros in stamps {
            let date = chrono::DateTime::from_timestamp_micros(micros).unwrap();
            assert_eq!(&date.format("month=%Y-%m").to_string(), name);
        }
    }
    // Revenue is the sum of the sale lines' amounts: DuckDB's value.
    let revenue: f64 = months.iter().map(|(_, _, a)| a).sum();
    let reference = metrics_reference()["inputs"]["online_retail_sample"]["summary"]["revenue"]
        .as_f64()
        .unwrap();
    assert!(
        (revenue - reference).abs() <= 1e-9 * reference.abs(),
        "{revenue} vs {reference}"
    );

    // One file; a file where a directory is needed (and the reverse) is refused.
    let single = dir.path().join("sales.parquet");
    let out = retail(&["convert", "--out", single.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = retail(&[
        "convert",
        "--out",
        single.to_str().unwrap(),
        "--partition-by",
        "month",
    ]);
    assert_fails(&out, 1, "is a file");
    let out = retail(&["convert", "--out", out_dir.to_str().unwrap()]);
    assert_fails(&out, 1, "is a directory");
}

/// Feature `distributed`: `retail cluster` in one process, `retail kpis --cluster` and
/// `retail sql --cluster` in others, over the month files of `retail convert`.
#[cfg(feature = "distributed")]
mod distributed {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Stdio};

    use super::*;

    /// Kills the cluster when the test ends, passed or not. Holds its stdout open: a closed
    /// pipe would make the cluster's later prints fail.
    struct Cluster(
        Child,
        #[allow(dead_code)] BufReader<std::process::ChildStdout>,
    );

    impl Drop for Cluster {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn close(expected: &serde_json::Value, actual: &serde_json::Value, path: &str) {
        use serde_json::Value;
        match (expected, actual) {
            (Value::Number(e), Value::Number(a)) if e.is_f64() || a.is_f64() => {
                let (e, a) = (e.as_f64().unwrap(), a.as_f64().unwrap());
                assert!(
                    (e - a).abs() <= 1e-9 * e.abs().max(1.0),
                    "{path}: {e} vs {a}"
                );
            }
            (Value::Array(e), Value::Array(a)) => {
                assert_eq!(e.len(), a.len(), "{path}: lengths");
                for (i, (e, a)) in e.iter().zip(a).enumerate() {
                    close(e, a, &format!("{path}[{i}]"));
                }
            }
            (Value::Object(e), Value::Object(a)) => {
                assert_eq!(
                    e.keys().collect::<Vec<_>>(),
                    a.keys().collect::<Vec<_>>(),
                    "{path}"
                );
                for (k, e) in e {
                    close(e, &a[k], &format!("{path}.{k}"));
                }
            }
            _ => assert_eq!(expected, actual, "{path}"),
        }
    }

    #[test]
    fn kpis_on_a_ballista_cluster_equal_the_local_run() {
        let dir = tempfile::tempdir().unwrap();
        let months = dir.path().join("sales");
        let out = retail(&[
            "convert",
            "--out",
            months.to_str().unwrap(),
            "--partition-by",
            "month",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));

        let mut child = Command::new(env!("CARGO_BIN_EXE_retail"))
            .args(["cluster", "--executors", "2", "--task-slots", "2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout_pipe = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout_pipe);
        let mut url = String::new();
        reader.read_line(&mut url).unwrap();
        let cluster = Cluster(child, reader);
        let url = url.trim().to_string();
        assert!(url.starts_with("df://localhost:"), "{url}");

        let local = retail(&["kpis", "--format", "json"]);
        assert!(local.status.success(), "{}", stderr(&local));
        let remote = retail(&[
            "kpis",
            "--cluster",
            &url,
            months.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(remote.status.success(), "{}", stderr(&remote));
        let local: serde_json::Value = serde_json::from_str(&stdout(&local)).unwrap();
        let remote: serde_json::Value = serde_json::from_str(&stdout(&remote)).unwrap();
        close(&local["kpis"], &remote["kpis"], "kpis");

        // The same from canonical CSV month files.
        let csv_months = dir.path().join("sales_csv");
        let out = retail(&[
            "convert",
            "--out",
            csv_months.to_str().unwrap(),
            "--partition-by",
            "month",
            "--format",
            "csv",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(csv_months.join("month=2011-06/part-0.csv").is_file());
        let remote = retail(&[
            "kpis",
            "--cluster",
            &url,
            csv_months.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(remote.status.success(), "{}", stderr(&remote));
        let remote: serde_json::Value = serde_json::from_str(&stdout(&remote)).unwrap();
        close(&local["kpis"], &remote["kpis"], "kpis from CSV");

        let sql = "SELECT COUNT(*) AS line_count, \
                   SUM(CASE WHEN line_kind = 'cancellation' THEN 1 ELSE 0 END) AS cancellations \
                   FROM sales";
        let out = retail(&[
            "sql",
            "--cluster",
            &url,
            months.to_str().unwrap(),
            sql,
            "--format",
            "json",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let summary = &metrics_reference()["inputs"]["online_retail_sample"]["summary"];
        assert_eq!(rows[0]["line_count"], 99_096, "{rows}");
        assert_eq!(
            rows[0]["cancellations"], summary["cancellation_lines"],
            "{rows}"
        );

        // Paths the executors cannot open and URLs that are not Ballista's are named.
        let out = retail(&["kpis", "--cluster", &url, "/nonexistent/sales/"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("/nonexistent/sales") && stderr(&out).contains("no such file"),
            "{}",
            stderr(&out)
        );
        let out = retail(&[
            "kpis",
            "--cluster",
            "localhost:50050",
            months.to_str().unwrap(),
        ]);
        assert_fails(&out, 1, "df://HOST:PORT");
        drop(cluster);
    }
}

// ---- forecast hardening (issue 17) ----

#[test]
fn forecast_horizons_beyond_max_horizon_fail_fast_and_the_limit_can_be_raised() {
    let dir = tempfile::tempdir().unwrap();
    let path = airpassengers_csv(dir.path());
    let path = path.to_str().unwrap();
    // The sweep's case: it aborted holding 5,000 paths x 1,000,000 values.
    let expected = "retail: --horizon 1000000: invalid horizon: 1000000 periods ahead is more \
                    than max_horizon (10000); forecasts that far ahead are not meaningful, and \
                    raising max_horizon costs time in proportion (--max-horizon raises the limit)\n";
    for args in [
        vec!["forecast", "--horizon", "1000000", "--model", "MAM"],
        vec![
            "forecast",
            "--series",
            path,
            "--horizon",
            "1000000",
            "--model",
            "MAM",
        ],
    ] {
        let out = retail(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stderr(&out), expected);
        assert!(out.stdout.is_empty());
    }
    let with = |horizon: &str| {
        retail(&[
            "forecast",
            "--series",
            path,
            "--model",
            "naive",
            "--max-horizon",
            "20",
            "--horizon",
            horizon,
            "--format",
            "csv",
        ])
    };
    assert_fails(
        &with("21"),
        1,
        "--horizon 21: invalid horizon: 21 periods ahead is more than max_horizon (20)",
    );
    let out = with("20");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // A header and 20 months after December 1960: January 1961 to August 1962, each the
    // last value, 432.
    assert_eq!(lines.len(), 21);
    assert!(
        lines[1].starts_with("airpassengers,1961-01-01,Naive,432,"),
        "{text}"
    );
    assert!(
        lines[20].starts_with("airpassengers,1962-08-01,Naive,432,"),
        "{text}"
    );
}

#[test]
fn forecast_of_values_that_overflow_is_an_error_not_null() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let mut text = String::from("date,value\n");
    for (i, v) in ["1.7e308", "1.6e308", "1.75e308", "1.7e308", "1.65e308"]
        .iter()
        .cycle()
        .take(10)
        .enumerate()
    {
        text.push_str(&format!("2020-01-{:02},{v}\n", i + 1));
    }
    std::fs::write(&path, text).unwrap();
    for model in ["MAM", "auto", "naive"] {
        let out = retail(&[
            "forecast",
            "--series",
            path.to_str().unwrap(),
            "--model",
            model,
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(1), "{model}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "retail: series huge: {model} could not be fitted: invalid y: value 1.7e308 \
                 (index 0) is larger in magnitude than 1e100: the fit would overflow; rescale \
                 the series (thousands, millions)\n"
            )
        );
        assert!(out.stdout.is_empty(), "{model}: {}", stdout(&out));
    }
}

#[test]
fn forecast_series_with_gaps_are_rejected_unless_allowed_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap.csv");
    std::fs::write(
        &path,
        "date,value\n2020-01-01,5\n2020-02-01,6\n2020-04-01,7\n2020-05-01,8\n2020-06-01,8\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let args = [
        "forecast", "--series", path, "--model", "naive", "--format", "csv",
    ];
    let out = retail(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "retail: {path}:4:1: 2020-04-01 follows 2020-02-01: 1 monthly period is missing \
             (from 2020-03-01); the series needs one row per period (a period without sales is \
             a row with 0) (--allow-gaps reads the series as it is)\n"
        )
    );
    let out = retail(&[&args[..], &["--allow-gaps", "--horizon", "2"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!(
            "retail: warning: {path}:4:1: 2020-04-01 follows 2020-02-01: 1 monthly period is \
             missing (from 2020-03-01);"
        )),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // The naive forecast of the file as it is: the last value, 8, for July and August.
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].starts_with("gap,2020-07-01,Naive,8,"), "{text}");
    assert!(lines[2].starts_with("gap,2020-08-01,Naive,8,"), "{text}");
    // Without gaps nothing is said.
    std::fs::write(
        path,
        "date,value\n2020-01-01,5\n2020-02-01,6\n2020-03-01,7\n",
    )
    .unwrap();
    let out = retail(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn forecast_from_sales_spanning_more_than_max_periods_fails_naming_the_dates() {
    // The embedded sample runs from 2010-12-01 to 2011-12-09: ISO weeks from Monday
    // 2010-11-29 to Monday 2011-12-05, 54 of them.
    let run = |max: &str| {
        retail(&[
            "forecast",
            "--model",
            "naive",
            "--horizon",
            "1",
            "--max-periods",
            max,
            "--format",
            "csv",
        ])
    };
    let out = run("53");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "retail: invalid max_periods: the sales run from 2010-12-01 to 2011-12-09, 54 weeks: \
         more than max_periods (53); a mistyped date far from the others is the usual cause \
         (raise max_periods for a longer history) (--max-periods raises the limit)\n"
    );
    let out = run("54");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("series,period,model,forecast"));
}

// ---- bundles hardening (issue 17) ----

/// A shared data file, or `None` after printing `SKIPPED`.
fn shared_file(relative: &str) -> Option<std::path::PathBuf> {
    match retail_ingest::shared_data_dir() {
        Some(dir) if dir.join(relative).is_file() => Some(dir.join(relative)),
        _ => {
            println!("SKIPPED: {relative} not found (../shared/data is absent)");
            None
        }
    }
}

/// A file in a fresh temporary directory (kept alive by the returned guard).
fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
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

/// The report of `files`: it finishes, and its stderr and page say what support it chose.
fn report_choosing_support(files: &[&str], name: &str) -> (String, String) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut args = vec!["report", "--out", path.to_str().unwrap()];
    args.extend(files);
    let out = retail(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    (stderr(&out), std::fs::read_to_string(&path).unwrap())
}

#[test]
fn report_raises_the_support_until_the_bundles_fit_the_budget() {
    // Two invoices sharing 40 products and 97 one-line invoices (178 lines with the header):
    // 99 baskets, 1 % is 1 basket. At 1 and 2 baskets the 40 shared products give 2^40 sets,
    // past the report's budget of 1,000,000; doubling reaches 4 baskets, where nothing is
    // frequent (every product is in at most 2 invoices).
    let mut csv = String::from(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
    );
    for (invoice, day) in [("536001", 1), ("536002", 2)] {
        for p in 0..40 {
            csv.push_str(&format!(
                "{invoice},P{p:03},PRODUCT {p},1,2010-12-{day:02} 09:00:00,1.00,17850,United Kingdom\n"
            ));
        }
    }
    for k in 0..97 {
        csv.push_str(&format!(
            "{},Q{k:03},OTHER {k},2,2010-12-{:02} 10:00:00,2.50,{},United Kingdom\n",
            536_100 + k,
            3 + k % 20,
            13_000 + k
        ));
    }
    assert_eq!(csv.lines().count(), 178);
    let (_dir, path) = temp_file("shared-40.csv", &csv);
    let (err, html) = report_choosing_support(&[path.to_str().unwrap()], "report-shared-40.html");
    assert!(
        err.contains(
            "product bundles mined at a support of 4 baskets (4.0% of 99), raised from the \
             requested 1.0% (1 baskets), which admits more than 1000000 itemsets"
        ),
        "{err}"
    );
    assert!(
        html.contains(
            "The requested support, 1.0% (1 baskets), admits more than 1,000,000 sets, so the \
             report raised it to 4 baskets."
        ),
        "{html}"
    );
    assert!(html.contains("sets in at least 4 baskets (4.0% of baskets): 0;"));

    // The day samples of Online Retail: the report finishes and names the support it chose.
    for (file, name) in [
        (
            "online_retail_sample_2010-12-01.csv",
            "report-day-1201.html",
        ),
        (
            "online_retail_sample_2010-12-20.csv",
            "report-day-1220.html",
        ),
    ] {
        let Some(day) = shared_file(&format!("online_retail/{file}")) else {
            continue;
        };
        let (err, html) = report_choosing_support(&[day.to_str().unwrap()], name);
        assert!(
            err.contains("product bundles mined at a support of "),
            "{err}"
        );
        assert!(err.contains("raised from the requested 1.0%"), "{err}");
        assert!(html.contains("so the report raised it to"), "{file}");
    }
}

// ---- ingest hardening (issue 17) ----

#[test]
fn inspect_rejects_out_of_range_dates_and_warns_about_an_implausible_span() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typos.csv");
    std::fs::write(
        &path,
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
         536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n\
         536366,22633,WARMER,6,3011-12-01 08:28:00,1.85,17850.0,United Kingdom\n\
         536367,22633,WARMER,6,1911-12-01 08:28:00,1.85,17850.0,United Kingdom\n\
         536368,22633,PRICEY,6,2010-12-01 08:28:00,1e308,17850.0,United Kingdom\n",
    )
    .unwrap();
    let out = retail(&["inspect", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "  rows read               4\n",
        "  accepted                2\n",
        "  rejected                2\n",
        "  timestamp out of range  1\n",
        "  amount out of range     1\n",
        "    line 3, column 'InvoiceDate': timestamp out of range: '3011-12-01 08:28:00' is outside the accepted 1900-01-01 .. 2200-12-31",
        "  warning: the timestamps span 99.0 years (1911-12-01 08:28:00 .. 2010-12-01 08:26:00)",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    let out = retail(&["inspect", path.to_str().unwrap(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let file = &doc["files"][0];
    assert_eq!(file["first_timestamp"], "1911-12-01 08:28:00");
    assert_eq!(file["last_timestamp"], "2010-12-01 08:26:00");
    assert_eq!(file["rejected_by_reason"]["timestamp-out-of-range"], 1);
    assert_eq!(file["rejected_by_reason"]["amount-out-of-range"], 1);
    assert_eq!(file["warnings"].as_array().unwrap().len(), 1);
}
