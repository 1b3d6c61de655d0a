//! Loads transaction files, computes the whole KPI suite, and prints timings and the results
//! as JSON: the embedding path a Rust application takes, and our side of the KPI benchmark
//! (`benches/compare_kpis.py`).
//!
//! ```sh
//! cargo run --release --example kpis -- sales.parquet [--results] [--each] [--compact]
//! cargo run --release --example kpis -- --in-place [--memory-limit=6G] months/ [--results]
//! ```
//!
//! `--in-place` queries canonical Parquet files where they lie (`retail_metrics::files`)
//! instead of reading them into memory; `--memory-limit=SIZE` (bytes with K, M or G, or
//! a share of RAM such as `40%`, or `none`; default a quarter of RAM there, none otherwise) is
//! where the operators spill. `--compact` holds a table read into memory with its descriptive
//! text dictionary-encoded (`register_sales_compact`) instead of as plain UTF-8
//! (`register_sales`).

use std::time::Instant;

use retail_ingest::{IngestParams, read_transactions, samples};
use retail_metrics::files::{canonical_parquet, register_sales_in_place};
use retail_metrics::{
    KpiParams, KpiSuite, MemoryLimit, SalesSlice, new_session, register_sales,
    register_sales_compact,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_results = args.iter().any(|a| a == "--results");
    let each = args.iter().any(|a| a == "--each");
    let in_place = args.iter().any(|a| a == "--in-place");
    let compact = args.iter().any(|a| a == "--compact");
    let limit = match args.iter().find_map(|a| a.strip_prefix("--memory-limit=")) {
        None if in_place => MemoryLimit::default(),
        None => MemoryLimit::Unbounded,
        Some(size) => size.parse()?,
    };
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;

    let start = Instant::now();
    let ctx = new_session(limit)?;
    let (rows, load_seconds) = if in_place {
        let paths: Vec<std::path::PathBuf> = files.iter().map(|f| f.into()).collect();
        let found = canonical_parquet(&paths)?.ok_or("--in-place: not canonical Parquet")?;
        runtime.block_on(register_sales_in_place(&ctx, &found, &SalesSlice::new()))?;
        let rows: u64 = found.reports.iter().map(|r| r.rows_accepted).sum();
        (rows as usize, start.elapsed().as_secs_f64())
    } else {
        let options = IngestParams::default();
        let mut batches = Vec::new();
        if files.is_empty() {
            let reader = samples::open(
                "online_retail_sample.csv.gz",
                samples::ONLINE_RETAIL,
                &options,
            )?;
            batches = reader.collect::<Result<Vec<_>, _>>()?;
        }
        for file in files {
            batches.extend(read_transactions(file, &options)?.batches);
        }
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        if compact {
            register_sales_compact(&ctx, batches)?;
        } else {
            register_sales(&ctx, batches)?;
        }
        (rows, start.elapsed().as_secs_f64())
    };
    if each {
        eprintln!(
            "{:<28} {load_seconds:>8.3} s {rows:>7} rows {}",
            "(load)",
            memory()
        );
    }

    let start = Instant::now();
    if each {
        // One query at a time, to see where the time and the memory go (resident set size now
        // and its peak so far, from /proc/self/status on Linux): each stage alone, then the
        // stages registered as the suite does, then every KPI query.
        // A later stage reads an earlier one (product_sales reads product_names): each is
        // registered as a view once timed (so product_sales' time includes the names), and
        // all are dropped again before the suite's own run.
        let sales = runtime
            .block_on(ctx.table("sales"))?
            .schema()
            .as_arrow()
            .clone();
        for (name, sql) in KpiParams::default().stages(&sales) {
            let t = Instant::now();
            let frame = runtime.block_on(ctx.sql(&sql))?;
            let batches = runtime.block_on(frame.clone().collect_partitioned())?;
            let rows: usize = batches.iter().flatten().map(|b| b.num_rows()).sum();
            ctx.register_table(name, frame.into_view())?;
            eprintln!(
                "{:<28} {:>8.3} s {rows:>7} rows {}",
                format!("({name})"),
                t.elapsed().as_secs_f64(),
                memory()
            );
        }
        retail_metrics::suite::deregister_stages(&ctx)?;
        let t = Instant::now();
        runtime.block_on(retail_metrics::suite::register_stages(&ctx))?;
        eprintln!(
            "{:<28} {:>8.3} s {:>12} {}",
            "(stage tables)",
            t.elapsed().as_secs_f64(),
            "",
            memory()
        );
        for (name, sql) in KpiParams::default().queries() {
            let t = Instant::now();
            let rows: usize = runtime
                .block_on(async { ctx.sql(&sql).await?.collect().await })?
                .iter()
                .map(|b| b.num_rows())
                .sum();
            eprintln!(
                "{name:<28} {:>8.3} s {rows:>7} rows {}",
                t.elapsed().as_secs_f64(),
                memory()
            );
        }
        retail_metrics::suite::deregister_stages(&ctx)?;
    }
    let suite = runtime.block_on(KpiSuite::run(&ctx, &KpiParams::default()))?;
    let kpi_seconds = start.elapsed().as_secs_f64();
    print(&suite, rows, load_seconds, kpi_seconds, with_results)
}

/// The timings (and with `with_results` every KPI) as JSON on stdout.
fn print(
    suite: &KpiSuite,
    rows: usize,
    load_seconds: f64,
    kpi_seconds: f64,
    with_results: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut doc = serde_json::json!({
        "rows": rows,
        "load_seconds": load_seconds,
        "kpi_seconds": kpi_seconds,
        "kpi_rows": suite.tables.iter().map(|t| (t.name.to_string(), serde_json::Value::from(t.num_rows()))).collect::<serde_json::Map<_, _>>(),
    });
    if with_results {
        doc["kpis"] = suite.to_json()?;
    }
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

/// "rss X MiB, peak Y MiB" from /proc/self/status (empty where that file does not exist).
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| format!("{} MiB", kib / 1024))
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(now), Some(peak)) => format!("rss {now}, peak {peak}"),
        _ => String::new(),
    }
}
