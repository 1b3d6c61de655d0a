//! CLI manners (issue 17): nothing to compute is an error, bad output paths fail before the
//! work, short flags, `--quiet`.

use super::{assert_fails, retail, stderr, stdout};

#[test]
fn a_file_whose_every_row_is_rejected_is_an_error_not_empty_kpis() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
         1,A,x,abc,12/1/2010 8:26,2.5,1,UK\n\
         2,B,y,two,12/1/2010 8:27,1.5,1,UK\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    for command in ["kpis", "sql", "report", "forecast", "bundles"] {
        let mut args = vec!["-q", command, path];
        if command == "sql" {
            args.push("SELECT 1");
        }
        let out = retail(&args);
        assert_fails(
            &out,
            1,
            "none of the 2 rows was accepted (2 unparsable number)",
        );
        assert!(stdout(&out).is_empty(), "{command}: {}", stdout(&out));
    }
    let header_only = dir.path().join("empty.csv");
    std::fs::write(
        &header_only,
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
    )
    .unwrap();
    let out = retail(&["kpis", header_only.to_str().unwrap()]);
    assert_fails(&out, 1, "no data rows, nothing to compute");
}

#[test]
fn an_unwritable_report_path_fails_before_any_work() {
    // The input does not exist either: the output is checked first, so its error is the one
    // reported.
    let out = retail(&[
        "report",
        "/no/such/input.csv",
        "-o",
        "/nonexistent/dir/x.html",
    ]);
    assert_fails(&out, 1, "cannot write /nonexistent/dir/x.html");
    assert!(!stderr(&out).contains("input.csv"), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let is_dir = retail(&["report", "-o", dir.path().to_str().unwrap()]);
    assert_fails(&is_dir, 1, "it is a directory");
}

#[test]
fn short_flags_and_quiet() {
    let long = retail(&[
        "kpis",
        "--top",
        "3",
        "--kpi",
        "top_customers_by_revenue",
        "--format",
        "csv",
    ]);
    let short = retail(&[
        "kpis",
        "-n",
        "3",
        "--kpi",
        "top_customers_by_revenue",
        "--format",
        "csv",
    ]);
    assert!(long.status.success(), "{}", stderr(&long));
    assert_eq!(stdout(&long), stdout(&short));
    assert_eq!(stdout(&short).lines().count(), 1 + 3);

    let dir = tempfile::tempdir().unwrap();
    let kpi_dir = dir.path().join("k");
    let written = retail(&["kpis", "-o", kpi_dir.to_str().unwrap(), "--format", "json"]);
    assert!(written.status.success(), "{}", stderr(&written));
    assert!(kpi_dir.join("summary.csv").is_file());
    assert!(stderr(&written).contains("wrote"), "{}", stderr(&written));
    let quiet = retail(&[
        "-q",
        "kpis",
        "-o",
        kpi_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(quiet.status.success());
    assert_eq!(stderr(&quiet), "");
    let quiet_after = retail(&[
        "kpis",
        "--quiet",
        "-o",
        kpi_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(stderr(&quiet_after), "");
}

#[test]
fn report_text_with_noncharacters_and_bidi_controls_stays_well_formed_and_readable() {
    // A description with U+FFFE (not allowed in XML) and a right-to-left override that would
    // show the rest of the label reversed; a country with an isolate control.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bidi.csv");
    let mut text = String::from(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
    );
    for i in 0..12 {
        text.push_str(&format!(
            "{},A1,\"T-\u{202E}LIGHT\u{202C} HOLDER \u{FFFE}X\",{},1/{}/2011 9:00,2.5,{},\"United \u{2067}Kingdom\u{2069}\"\n",
            700_000 + i,
            i + 1,
            i + 3,
            12_000 + i % 4
        ));
    }
    std::fs::write(&file, text).unwrap();
    let (_, html) = super::report::report_of(&[file.to_str().unwrap()], "report-bidi.html");
    for bad in ['\u{FFFE}', '\u{202E}', '\u{202C}', '\u{2067}', '\u{2069}'] {
        assert!(!html.contains(bad), "U+{:04X} in the page", u32::from(bad));
    }
    assert!(html.contains("T-LIGHT HOLDER \u{FFFD}X"));
    assert!(html.contains("United Kingdom"));
    roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report parses as XML");
}

/// `--void-window` moves matched cancellations between voided orders and returns; every
/// cancellation line stays in exactly one outcome, and bad windows are named.
#[test]
fn the_void_window_splits_voided_orders_from_returns() {
    let outcomes = |window: &str| -> Vec<(String, i64)> {
        let out = retail(&[
            "-q",
            "kpis",
            "--void-window",
            window,
            "--kpi",
            "cancellation_outcomes",
            "--format",
            "json",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        json.as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["outcome"].as_str().unwrap().to_string(),
                    o["lines"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let day = outcomes("1d");
    let long = outcomes("365d");
    // The embedded sample (snapshot kpis_online_retail_sample.txt): 162 voided, 1,108 returned,
    // 358 unmatched of its 1,628 cancellation lines.
    assert_eq!(
        day,
        [
            ("voided".to_string(), 162),
            ("returned".to_string(), 1_108),
            ("unmatched".to_string(), 358)
        ]
    );
    // A year-long window makes every matched line a void; the unmatched stay.
    assert_eq!(long[0].1, 162 + 1_108);
    assert_eq!((long[1].1, long[2].1), (0, 358));

    let bad_unit = retail(&["kpis", "--void-window", "1w"]);
    assert_fails(&bad_unit, 2, "unknown unit 'w'");
    let too_long = retail(&["kpis", "--void-window", "400d"]);
    assert_fails(&too_long, 1, "void_window");
}
