//! `retail inspect`: the ingest report and schema, errors with positions, exit codes, and the
//! hardening of dates (issue 17).

use super::*;

#[test]
fn inspect_without_files_reports_the_embedded_samples() {
    let out = retail(&["inspect"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The timing line is the only part that changes between runs.
    insta::with_settings!({filters => vec![(r"\n *read in [^\n]*", "")]}, {
        insta::assert_snapshot!("inspect_embedded_samples", stdout(&out));
    });
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

/// The libraries name their options (`date_order`, `encoding`); the CLI names its flags in the
/// same messages, for errors and warnings alike.
#[test]
fn library_messages_reach_people_with_the_flags_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    // Every date has day and month ≤ 12: the layout's month-first reading is a guess.
    let guessed = dir.path().join("guessed.csv");
    std::fs::write(
        &guessed,
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
         536365,85123A,HEART,6,01/02/2011 08:26,2.55,17850.0,United Kingdom\n\
         536366,22633,WARMER,6,03/04/2011 08:28,1.85,17850.0,United Kingdom\n",
    )
    .unwrap();
    let out = retail(&["inspect", guessed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("every one); pass --date-order if it is the other way round"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("`date_order`"), "{}", stdout(&out));

    // A mapping without a date order, over dates that cannot tell: an error naming the flag.
    let pos = dir.path().join("pos.csv");
    std::fs::write(
        &pos,
        "Receipt;Sold At;SKU;Qty;Total\nR-1;01/02/2011 10:00;A1;2;5.00\nS-2;03/02/2011 11:30;B2;1;2.5\n",
    )
    .unwrap();
    let mapping = dir.path().join("pos.toml");
    std::fs::write(
        &mapping,
        "name = \"pos\"\n[columns]\ninvoice_id = \"Receipt\"\ntimestamp = \"Sold At\"\n\
         product_id = \"SKU\"\nquantity = \"Qty\"\nline_amount = \"Total\"\n",
    )
    .unwrap();
    let out = retail(&[
        "inspect",
        pos.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
    ]);
    assert_fails(
        &out,
        1,
        "is ambiguous; pass --date-order day-first or --date-order month-first",
    );
}
