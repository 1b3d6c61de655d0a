//! The `retail` binary as a user runs it: output, exit codes, error messages.

use std::process::{Command, Output};

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
    sale lines          97,198
    cancellation lines  1,628
    adjustment lines    270

embedded:superstore.csv.gz
  format        csv+gzip
  layout        superstore
  encoding      windows-1252
  delimiter     ','
  date order    month-first
  rows read     9,994
  accepted      9,994
  rejected      0
    sale lines  9,994

canonical schema
  invoice_id    Utf8                      required
  timestamp     Timestamp(µs)             required
  customer_id   Utf8                      nullable
  product_id    Utf8                      required
  product_name  Utf8                      nullable
  category      Utf8                      nullable
  sub_category  Utf8                      nullable
  region        Utf8                      nullable
  country       Utf8                      nullable
  segment       Utf8                      nullable
  quantity      Int64                     required
  unit_price    Float64                   nullable
  line_amount   Float64                   required
  discount      Float64                   nullable
  profit        Float64                   nullable
  line_kind     Utf8                      required";
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
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).contains("line 3, column 'Quantity': unparsable number"),
        "{}",
        stderr(&strict)
    );
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
    assert_eq!(bad_encoding.status.code(), Some(2));
    assert!(
        stderr(&bad_encoding).contains("expected utf-8 or windows-1252"),
        "{}",
        stderr(&bad_encoding)
    );

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
