//! `retail convert`: canonical Parquet, one file per month.

use super::*;

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

#[test]
fn kpis_and_sql_query_converted_files_in_place_with_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let months = dir.path().join("months");
    let out = retail(&[
        "convert",
        "--out",
        months.to_str().unwrap(),
        "--partition-by",
        "month",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json = |out: &Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", stderr(out));
        serde_json::from_str(&stdout(out)).unwrap()
    };
    // The embedded sample read row by row, and its month files queried in place.
    let in_memory = json(&retail(&["kpis", "--format", "json"]));
    let in_place = json(&retail(&[
        "kpis",
        months.to_str().unwrap(),
        "--format",
        "json",
        "--memory-limit",
        "256M",
    ]));
    assert_eq!(in_memory["kpis"], in_place["kpis"]);
    let source = &in_place["sources"][0];
    assert_eq!(source["layout"], "canonical");
    assert_eq!(
        source["rows_accepted"],
        in_memory["sources"][0]["rows_accepted"]
    );
    // A slice with merchandise only, pushed into the scan: the same as over the sample.
    let query = "SELECT COUNT(*) AS n, ROUND(SUM(line_amount), 2) AS amount FROM sales";
    let flags = [
        "--from",
        "2011-01-01",
        "--merchandise-only",
        "--format",
        "csv",
    ];
    let mut args = vec!["sql", query];
    args.extend(flags);
    let expected = retail(&args);
    let mut args = vec!["sql", months.to_str().unwrap(), query];
    args.extend(flags);
    let actual = retail(&args);
    assert!(actual.status.success(), "{}", stderr(&actual));
    assert_eq!(stdout(&expected), stdout(&actual));
    assert_eq!(stderr(&expected), stderr(&actual), "the same slice note");
}

#[test]
fn a_bad_memory_limit_names_the_flag() {
    for (value, code, needle) in [
        ("lots", 2, "'lots' is not a size such as 8G, 512M or 40%"),
        ("0%", 2, "0% of RAM; give more than 0% and at most 100%"),
        (
            "1K",
            1,
            "bad --memory-limit: invalid memory_limit: 1024 bytes; must be at least 16 MiB",
        ),
    ] {
        let out = retail(&["kpis", "--memory-limit", value]);
        assert_fails(&out, code, needle);
    }
}

#[test]
fn a_directory_that_is_not_canonical_parquet_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = retail(&["kpis", dir.path().to_str().unwrap()]);
    assert_fails(&out, 1, "it holds no .parquet file");
    let csv = dir.path().join("sales.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let out = retail(&["sql", dir.path().to_str().unwrap(), "SELECT 1"]);
    assert_fails(
        &out,
        1,
        &format!("{}: not a canonical sales file: a CSV file", csv.display()),
    );
}

/// Forecasts, bundles and next-basket fold converted month files a batch at a time (only
/// their columns read, nothing held whole) with the answers of the embedded sample read row
/// by row, to the byte: the month files hand the lines over in month order, not the sample's,
/// and the weekly sums do not depend on it.
#[test]
fn forecast_bundles_and_next_basket_fold_converted_files_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let months = dir.path().join("months");
    let out = retail(&[
        "convert",
        "--out",
        months.to_str().unwrap(),
        "--partition-by",
        "month",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let months = months.to_str().unwrap();
    let forecast = [
        "forecast",
        "--by",
        "country",
        "--top",
        "2",
        "--horizon",
        "4",
        "--format",
        "csv",
    ];
    for flags in [
        &forecast[..],
        &["bundles", "--format", "json"],
        &["next-basket", "--format", "json"],
    ] {
        let expected = retail(flags);
        assert!(expected.status.success(), "{}", stderr(&expected));
        let mut args = vec![flags[0], months];
        args.extend(&flags[1..]);
        let actual = retail(&args);
        assert!(actual.status.success(), "{}", stderr(&actual));
        let (expected, actual) = (stdout(&expected), stdout(&actual));
        assert!(expected.len() > 500, "{}: {expected}", flags[0]);
        // Bundles name their sources.
        let expected = expected.replace("embedded:online_retail_sample.csv.gz", months);
        assert_eq!(expected, actual, "{}", flags[0]);
    }
}

#[test]
fn convert_writes_csv_when_the_output_is_named_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sample.csv");
    let out = retail(&["convert", "--out", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("CSV file(s)"), "{}", stdout(&out));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("invoice_id,"),
        "{}",
        &text[..text.len().min(80)]
    );
    // `--format` still decides when given.
    let out = retail(&[
        "convert",
        "--out",
        csv.to_str().unwrap(),
        "--format",
        "parquet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&csv).unwrap().starts_with(b"PAR1"));
}

/// A directory of month files converts like any input (it is scanned in place): back to one
/// CSV, the embedded sample's own conversion to the byte (the sample is in date order), and a
/// month sliced out of it keeps that month's lines.
#[test]
fn convert_reads_a_directory_of_month_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (months, direct, back) = (path("months"), path("direct.csv"), path("back.csv"));
    for args in [
        vec!["convert", "--out", &months, "--partition-by", "month"],
        vec!["convert", "--out", &direct],
        vec!["convert", &months, "--out", &back],
    ] {
        let out = retail(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let direct = std::fs::read(&direct).unwrap();
    assert!(direct.len() > 1_000_000);
    assert_eq!(direct, std::fs::read(&back).unwrap());
    let november = path("november.csv");
    let out = retail(&[
        "convert",
        &months,
        "--out",
        &november,
        "--from",
        "2011-11-01",
        "--to",
        "2011-11-30",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&november).unwrap();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l.split(',').nth(1).unwrap().starts_with("2011-11-"))
    );
    // The slice's count: every line of the sample's November.
    let expected = String::from_utf8(direct)
        .unwrap()
        .lines()
        .filter(|l| {
            l.split(',')
                .nth(1)
                .is_some_and(|t| t.starts_with("2011-11-"))
        })
        .count();
    assert_eq!(lines.len(), expected);
}
