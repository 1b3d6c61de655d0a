//! Issue 18, item 9 ("Keep what a source has"): Superstore's customer name, city, state,
//! postal code and ship mode travel with the table (through `retail convert` and `retail sql
//! --out` and back), and the customer rankings show the names.

use std::path::{Path, PathBuf};

use super::report::embedded_report;
use super::{retail, shared_file, stderr, stdout};

fn committed_superstore() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../retail-ingest/data/superstore.csv.gz")
}

/// The header line of a CSV file.
fn header(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

/// The lines of one titled table of the `retail kpis` text view.
fn text_table<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(title))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn the_kpis_table_view_names_the_top_customers_when_the_source_has_names() {
    let file = committed_superstore();
    let out = retail(&["kpis", "-q", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let table = text_table(&text, "Top customers by net revenue");
    let head: Vec<&str> = table[0].split_whitespace().collect();
    assert_eq!(head[..3], ["customer", "name", "net"], "{table:?}");
    // The first data row (after the header and its rule): Sean Miller, by DuckDB (see
    // the_full_superstore_file_keeps_its_names_through_convert_and_sql_out).
    let first = table
        .iter()
        .find(|l| l.trim_start().starts_with("SM-"))
        .unwrap();
    assert!(
        first.trim_start().starts_with("SM-20320  Sean Miller"),
        "{first}"
    );
    let by_profit = text_table(&text, "Top customers by profit");
    assert!(
        by_profit
            .iter()
            .any(|l| l.trim_start().starts_with("TC-20980  Tamara Chand")),
        "{by_profit:?}"
    );

    // Online Retail has no names: no name column (the snapshot holds the whole view), and
    // null names in the JSON.
    let out = retail(&["kpis", "-q", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let top = doc["kpis"]["top_customers_by_net_revenue"]
        .as_array()
        .unwrap();
    assert_eq!(top.len(), 10);
    assert!(top.iter().all(|c| c["customer_name"].is_null()), "{top:?}");
    assert!(
        doc["sources"][0].get("optional_columns").is_none(),
        "{}",
        doc["sources"][0]
    );
}

#[test]
fn the_report_names_the_top_customers_of_superstore() {
    let (_, html) = embedded_report();
    assert!(html.contains("SM-20320 · Sean Miller"), "no named customer");
    // Online Retail's customers have no name: the id alone.
    assert!(html.contains("customer 17450"), "no Online Retail customer");
}

/// The top customers of the full file, by DuckDB 2.0.1 over the file transcoded from cp1252
/// to UTF-8, independently of our code (Superstore has no cancellations, so net revenue is
/// revenue):
///
/// ```sql
/// SELECT "Customer ID", any_value("Customer Name"), sum(CAST("Sales" AS DECIMAL(18,4))) v
/// FROM read_csv('superstore_utf8.csv', header=true, all_varchar=true)
/// GROUP BY 1 ORDER BY v DESC LIMIT 3
/// -- SM-20320 Sean Miller 25043.0500, TC-20980 Tamara Chand 19052.2180,
/// -- RB-19360 Raymond Buch 15117.3390
/// -- (the same with "Profit": TC-20980 Tamara Chand 8981.3239 first)
/// ```
///
/// No customer id of the file has two names (`count(DISTINCT "Customer Name")` per id is 1).
#[test]
fn the_full_superstore_file_keeps_its_names_through_convert_and_sql_out() {
    let Some(source) = shared_file("superstore/Superstore.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("ss.parquet");
    let csv = dir.path().join("ss.csv");
    for (path, format) in [(&parquet, "parquet"), (&csv, "csv")] {
        let out = retail(&[
            "convert",
            "-q",
            source.to_str().unwrap(),
            "--out",
            path.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert!(
        header(&csv).ends_with(",line_kind,customer_name,city,state,postal_code,ship_mode"),
        "{}",
        header(&csv)
    );
    let check = |path: &Path| {
        let out = retail(&["kpis", "-q", "--format", "json", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let kpis = &doc["kpis"];
        let top: Vec<(String, String, f64)> = kpis["top_customers_by_net_revenue"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|c| {
                (
                    c["customer_id"].as_str().unwrap().to_string(),
                    c["customer_name"].as_str().unwrap().to_string(),
                    c["net_revenue"].as_f64().unwrap(),
                )
            })
            .collect();
        let want = [
            ("SM-20320", "Sean Miller", 25043.05),
            ("TC-20980", "Tamara Chand", 19052.218),
            ("RB-19360", "Raymond Buch", 15117.339),
        ];
        for ((id, name, net), (want_id, want_name, want_net)) in top.iter().zip(want) {
            assert_eq!((id.as_str(), name.as_str()), (want_id, want_name));
            assert!((net - want_net).abs() < 1e-6, "{id}: {net}");
        }
        let by_profit = &kpis["top_customers_by_profit"][0];
        assert_eq!(
            (&by_profit["customer_id"], &by_profit["customer_name"]),
            (
                &serde_json::Value::from("TC-20980"),
                &serde_json::Value::from("Tamara Chand")
            )
        );
        assert!((by_profit["profit"].as_f64().unwrap() - 8981.3239).abs() < 1e-6);
        assert_eq!(
            doc["sources"][0]["optional_columns"],
            serde_json::json!(["customer_name", "city", "state", "postal_code", "ship_mode"]),
            "{path:?}"
        );
    };
    check(&source);
    check(&parquet);
    check(&csv);

    // `retail sql --out` keeps the optional columns of `SELECT *` (Row ID 1 is Claire Gute's
    // order from Henderson, Kentucky, 42420, Second Class).
    let henderson = dir.path().join("henderson.csv");
    let out = retail(&[
        "sql",
        "-q",
        parquet.to_str().unwrap(),
        "SELECT * FROM sales WHERE city = 'Henderson' AND customer_name = 'Claire Gute'",
        "--out",
        henderson.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&henderson).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], header(&csv));
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.ends_with(",sale,Claire Gute,Henderson,Kentucky,42420,Second Class")),
        "{text}"
    );
}
