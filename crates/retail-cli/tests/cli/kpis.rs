//! `retail kpis`: the people's view (snapshot), JSON under stable names checked against the
//! DuckDB reference, CSV and output files, the category table.

use super::*;

#[test]
fn kpis_table_view_of_the_embedded_sample_matches_its_snapshot() {
    let out = retail(&["kpis"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("kpis_online_retail_sample", stdout(&out));
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
