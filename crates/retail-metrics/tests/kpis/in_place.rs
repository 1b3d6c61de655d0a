//! Canonical Parquet queried in place (`retail_metrics::files`) and the compact in-memory table
//! (`register_sales_compact`): every KPI the same, to the bit, as over the same rows read into
//! memory as they are; a date slice pushed into the scan reads only its month's file.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::SessionContext;
use retail_ingest::samples;
use retail_ingest::write::{FileFormat, Partitioning, write_batches, write_sales};
use retail_metrics::files::{canonical_parquet, register_sales_in_place};
use retail_metrics::{KpiParams, KpiSuite, MemoryLimit, SalesSlice, new_session};

use super::{online_retail_options, sales_context, sample_batches};

/// The suite's JSON over `batches` in memory, over the same rows written as month files and
/// queried in place (with `limit`), and over them in memory as the compact table; the compact
/// table's must equal the plain one's (asserted here).
async fn both_ways(
    batches: Vec<RecordBatch>,
    options: &KpiParams,
    slice: &SalesSlice,
    limit: MemoryLimit,
) -> (serde_json::Value, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    write_sales(
        dir.path(),
        &batches,
        FileFormat::Parquet,
        Partitioning::Month,
    )
    .unwrap();
    let in_memory = {
        let ctx = retail_metrics::sales_context_sliced(batches.clone(), slice).unwrap();
        KpiSuite::run(&ctx, options)
            .await
            .unwrap()
            .to_json()
            .unwrap()
    };
    let compact = {
        let kept = SalesSlice::compile(slice)
            .unwrap()
            .apply_all(batches)
            .unwrap();
        let ctx = SessionContext::new();
        retail_metrics::register_sales_compact(&ctx, kept).unwrap();
        KpiSuite::run(&ctx, options)
            .await
            .unwrap()
            .to_json()
            .unwrap()
    };
    assert_eq!(in_memory, compact, "the compact table's KPIs");
    let files = canonical_parquet(&[dir.path().to_path_buf()])
        .unwrap()
        .expect("month files are canonical Parquet");
    let ctx = new_session(limit).unwrap();
    register_sales_in_place(&ctx, &files, slice).await.unwrap();
    let in_place = KpiSuite::run(&ctx, options)
        .await
        .unwrap()
        .to_json()
        .unwrap();
    (in_memory, in_place)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_place_and_compact_give_the_same_kpis_as_in_memory_on_the_samples() {
    for (name, bytes, options) in [
        ("or", samples::ONLINE_RETAIL, online_retail_options()),
        ("ss", samples::SUPERSTORE, KpiParams::default()),
    ] {
        let (in_memory, in_place) = both_ways(
            sample_batches(name, bytes),
            &options,
            &SalesSlice::new(),
            MemoryLimit::default(),
        )
        .await;
        // Exact sums: the same bits, not only close values.
        assert_eq!(in_memory, in_place, "{name}");
        let (in_memory, in_place) = both_ways(
            sample_batches(name, bytes),
            &options,
            &SalesSlice::new().with_predicate("quantity > 2"),
            MemoryLimit::Bytes(64 << 20),
        )
        .await;
        assert_eq!(in_memory, in_place, "{name}, sliced");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_place_and_compact_give_the_same_kpis_as_in_memory_on_the_full_online_retail_file() {
    let Some(batches) = super::semantics::full_online_retail() else {
        return;
    };
    let (in_memory, in_place) = both_ways(
        batches,
        &online_retail_options(),
        &SalesSlice::new(),
        MemoryLimit::default(),
    )
    .await;
    let summary = &in_memory["summary"];
    let lines: i64 = ["sale_lines", "cancellation_lines", "adjustment_lines"]
        .iter()
        .map(|k| summary[k].as_i64().unwrap())
        .sum();
    assert_eq!(lines, 541_909);
    assert_eq!(in_memory, in_place);
}

/// Bytes the Parquet scans of `sql` read, from the executed plan's metrics.
async fn bytes_scanned(ctx: &SessionContext, sql: &str) -> (usize, Vec<RecordBatch>) {
    fn sum(plan: &Arc<dyn ExecutionPlan>) -> usize {
        let own = plan
            .metrics()
            .and_then(|m| m.sum_by_name("bytes_scanned"))
            .map_or(0, |v| v.as_usize());
        own + plan.children().into_iter().map(sum).sum::<usize>()
    }
    let plan = ctx
        .sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    let result = collect(plan.clone(), ctx.task_ctx()).await.unwrap();
    (sum(&plan), result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_slice_reads_only_that_months_file() {
    let batches = sample_batches("or", samples::ONLINE_RETAIL);
    let lines: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let dir = tempfile::tempdir().unwrap();
    let written = write_sales(
        dir.path(),
        &batches,
        FileFormat::Parquet,
        Partitioning::Month,
    )
    .unwrap();
    assert!(written.len() >= 2, "the sample spans months");
    let files = canonical_parquet(&[dir.path().to_path_buf()])
        .unwrap()
        .unwrap();
    assert_eq!(files.files, written.len());
    assert_eq!(files.reports[0].rows_accepted as usize, lines);

    let sql = "SELECT COUNT(*) AS n, SUM(quantity) AS units FROM sales";
    let whole = new_session(MemoryLimit::Unbounded).unwrap();
    register_sales_in_place(&whole, &files, &SalesSlice::new())
        .await
        .unwrap();
    let (all_bytes, _) = bytes_scanned(&whole, sql).await;

    // The first month: the file written for it, and the lines of that month in memory.
    let first = &written[0];
    let month = first
        .path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("month="))
        .unwrap()
        .to_string();
    let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
    let end = start
        .checked_add_months(chrono::Months::new(1))
        .unwrap()
        .pred_opt()
        .unwrap();
    let slice = SalesSlice::new().with_from(start).with_to(end);
    let ctx = new_session(MemoryLimit::Unbounded).unwrap();
    let count = register_sales_in_place(&ctx, &files, &slice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count.kept as usize, first.rows);
    assert_eq!(count.accepted as usize, lines);
    let (month_bytes, result) = bytes_scanned(&ctx, sql).await;
    let expected = sales_context(
        retail_metrics::SalesSlice::compile(&slice)
            .unwrap()
            .apply_all(batches)
            .unwrap(),
    )
    .unwrap();
    let expected = expected.sql(sql).await.unwrap().collect().await.unwrap();
    assert_eq!(
        arrow::util::pretty::pretty_format_batches(&result)
            .unwrap()
            .to_string(),
        arrow::util::pretty::pretty_format_batches(&expected)
            .unwrap()
            .to_string()
    );
    // Only that month's file is read: its share of the bytes, not all of them.
    let month_file = std::fs::metadata(&first.path).unwrap().len() as usize;
    assert!(
        month_bytes > 0 && month_bytes <= month_file,
        "{month_bytes} > {month_file}"
    );
    assert!(
        month_bytes < all_bytes,
        "{month_bytes} bytes for one month, {all_bytes} for all"
    );
}

#[test]
fn only_canonical_parquet_is_queried_in_place() {
    let dir = tempfile::tempdir().unwrap();
    // A CSV file, a Parquet file of other columns and a missing path are read row by row.
    let csv = dir.path().join("sales.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let other = dir.path().join("export.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new(
        "Quantity",
        DataType::Int64,
        true,
    )]));
    write_batches(&other, schema, &[], FileFormat::Parquet).unwrap();
    // A directory is read only when it holds canonical Parquet: anything else is named.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let mixed = dir.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    std::fs::copy(&csv, mixed.join("a.csv")).unwrap();
    let raw = dir.path().join("raw");
    std::fs::create_dir(&raw).unwrap();
    std::fs::copy(&other, raw.join("b.parquet")).unwrap();
    for (path, message) in [
        (&empty, "it holds no .parquet file".to_string()),
        (
            &mixed,
            format!(
                "{}: not a canonical sales file: a CSV",
                mixed.join("a.csv").display()
            ),
        ),
        (
            &raw,
            format!(
                "{}: not a canonical sales file: it has no column 'invoice_id'",
                raw.join("b.parquet").display()
            ),
        ),
    ] {
        let err = canonical_parquet(std::slice::from_ref(path))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&message), "{err}");
    }
    for path in [csv, other, PathBuf::from("/no/such/dir")] {
        assert!(
            canonical_parquet(std::slice::from_ref(&path))
                .unwrap()
                .is_none(),
            "{}",
            path.display()
        );
    }
    assert!(canonical_parquet(&[]).unwrap().is_none());
    // The canonical file `retail convert` writes is.
    let canonical = dir.path().join("canonical.parquet");
    let batches = sample_batches("or", samples::ONLINE_RETAIL);
    write_sales(
        &canonical,
        &batches,
        FileFormat::Parquet,
        Partitioning::None,
    )
    .unwrap();
    let found = canonical_parquet(std::slice::from_ref(&canonical))
        .unwrap()
        .unwrap();
    let report = &found.reports[0];
    assert_eq!(
        report.rows_read as usize,
        batches.iter().map(RecordBatch::num_rows).sum::<usize>()
    );
    assert_eq!(report.layout, "canonical");
    // First and last timestamps from the statistics: the sample's first and last invoices.
    assert_eq!(
        retail_ingest::datetime::format_timestamp_micros(report.first_timestamp.unwrap()),
        "2010-12-01 08:26:00"
    );
    assert!(report.last_timestamp > report.first_timestamp);
}
