//! `retail kpis`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use retail_metrics::{KpiParams, KpiSuite};
use retail_report::text::kpis::{KpiSummaryParams, kpi_summary};

use crate::input::{ReadArgs, SessionArgs, load_session};
use crate::output::{FileFormat, Format, write_batches, write_file};
use crate::progress::Progress;
use crate::slice::{CustomerSliceArg, SliceArgs};

#[derive(Debug, Args)]
pub struct KpisArgs {
    /// Transaction files (CSV, gzip CSV or Parquet); none reads the embedded sample. Canonical
    /// Parquet from `retail convert` (a file, or a directory of month files) is queried in
    /// place instead of read into memory.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    session: SessionArgs,
    #[command(flatten)]
    slice: SliceArgs,
    #[command(flatten)]
    customers: CustomerSliceArg,
    /// Length of the top-customer and top-product lists.
    #[arg(short = 'n', long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Days without a purchase after which a customer counts as churned.
    #[arg(long, default_value_t = 90, value_name = "DAYS")]
    churn_days: u32,
    /// Output format. `table` shows the main KPIs for people; `json` holds every KPI under its
    /// stable name; `csv` prints one KPI (`--kpi`).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// The KPI to print with `--format csv` (or to show alone in other formats).
    #[arg(long, value_name = "NAME")]
    kpi: Option<String>,
    /// Also write one file per KPI into this directory.
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// File format for `--out`.
    #[arg(long, value_enum, default_value = "csv")]
    out_format: FileFormat,
    /// Print the SQL of every KPI instead of computing them.
    #[arg(long)]
    show_sql: bool,
    /// Product-level KPIs (top products, forfeited by product, price bands) cover every
    /// product, not merchandise only (postage, fees and adjustments are left out by default).
    #[arg(long)]
    all_products: bool,
    /// A cancellation matched to its sale within this time voids the order (keyed by mistake)
    /// instead of counting as a return: seconds, or a number with s, m, h or d (`30m`, `2d`).
    #[arg(long, default_value = "1d", value_name = "DURATION", value_parser = parse_duration)]
    void_window: std::time::Duration,
    /// Run the suite on the Apache DataFusion Ballista scheduler at this URL (df://HOST:PORT);
    /// the files must then be canonical Parquet or CSV (`retail convert`) that every executor can
    /// open.
    #[cfg(feature = "distributed")]
    #[arg(long, value_name = "URL")]
    cluster: Option<String>,
}

/// A duration for `--void-window`: whole seconds, or a whole number with `s`, `m`, `h` or `d`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let seconds_per = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        other => {
            return Err(format!(
                "unknown unit '{other}' (use s, m, h or d, e.g. 30m or 1d)"
            ));
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a whole number followed by s, m, h or d"))?;
    n.checked_mul(seconds_per)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("'{text}' is too long"))
}

pub async fn run(args: &KpisArgs, out: &mut impl Write) -> Result<()> {
    let options = KpiParams::default()
        .with_top_n(args.top)
        .with_churn_days(args.churn_days)
        .with_all_products(args.all_products)
        .with_void_window(args.void_window)
        .with_product_classes(&args.read.product_classes(&[])?);
    options.check().map_err(crate::flags::bad_flag)?;
    if let Some(dir) = &args.out {
        // Before the work, so that a bad path fails at once.
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let names: Vec<&str> = options.queries().iter().map(|(n, _)| *n).collect();
    if let Some(kpi) = args.kpi.as_ref().filter(|k| !names.contains(&k.as_str())) {
        bail!("unknown KPI '{kpi}'; the KPIs are: {}", names.join(", "));
    }
    if args.show_sql {
        if args.kpi.is_none() {
            // As for a source with customer names; without them, customer_names is an empty
            // table of the same columns.
            let sales = retail_ingest::canonical_schema_with(retail_ingest::OptionalColumns::ALL);
            for (name, sql) in options.stages(&sales) {
                writeln!(
                    out,
                    "-- stage table {name} (materialised once per run)\n{sql};\n"
                )?;
            }
        }
        for (name, sql) in options.queries() {
            if args.kpi.as_deref().is_none_or(|k| k == name) {
                writeln!(out, "-- {name}\n{sql};\n")?;
            }
        }
        return Ok(());
    }
    let slice = args.slice.slice_with(&args.customers)?;
    let mut progress = Progress::new(2);
    progress.step("reading");
    #[cfg(feature = "distributed")]
    let (ctx, reports) = match &args.cluster {
        Some(_) if !slice.is_everything() || args.read.merchandise_only => {
            bail!(
                "--cluster runs over the whole files: write the slice first (`retail sql … --out FILE`)"
            )
        }
        Some(url) => (crate::cluster::session(url, &args.files).await?, Vec::new()),
        None => load_session(&args.files, &args.read, &slice, &args.session).await?,
    };
    #[cfg(not(feature = "distributed"))]
    let (ctx, reports) = load_session(&args.files, &args.read, &slice, &args.session).await?;
    let sliced = args.read.describe_slice(&slice);
    progress.step("computing the KPIs");
    let options = options.with_product_classes(&args.read.product_classes(&reports)?);
    let suite = KpiSuite::run(&ctx, &options).await?;
    progress.finish();

    if let Some(dir) = &args.out {
        for table in &suite.tables {
            let path = dir.join(format!("{}.{}", table.name, args.out_format.extension()));
            write_file(&path, table.schema.clone(), &table.batches, args.out_format)?;
        }
        crate::note!(
            "retail: wrote {} KPI files to {}",
            suite.tables.len(),
            dir.display()
        );
    }

    match (args.format, &args.kpi) {
        (Format::Csv, None) => {
            bail!("--format csv prints one KPI: add --kpi NAME (or use --out DIR for all)")
        }
        (format, Some(kpi)) => {
            let table = suite
                .table(kpi)
                .with_context(|| format!("no KPI '{kpi}'"))?;
            write_batches(out, &table.batches, format)?;
        }
        (Format::Json, None) => {
            let mut doc = serde_json::Map::new();
            doc.insert("sources".into(), serde_json::to_value(&reports)?);
            if let Some(description) = &sliced {
                doc.insert("slice".into(), description.clone().into());
            }
            doc.insert("kpis".into(), suite.to_json()?);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        (Format::Table, None) => {
            let mut params = KpiSummaryParams::new().with_full_lists_hint("--format json");
            if let Some(description) = sliced {
                params = params.with_slice(description);
            }
            write!(out, "{}", kpi_summary(&suite, &reports, &params)?)?;
            writeln!(
                out,
                "\nDaily and weekly series, the weekly cohorts, RFM per customer and every list \
                 in full: --format json or --out DIR."
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn void_windows_read_as_a_retailer_writes_them() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7_200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert!(
            parse_duration("1w")
                .unwrap_err()
                .contains("unknown unit 'w'")
        );
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("-1d").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(
            parse_duration("300000000000000d")
                .unwrap_err()
                .contains("too long")
        );
    }
}
