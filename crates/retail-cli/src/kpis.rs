//! `retail kpis`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use datafusion::prelude::SessionContext;
use retail_ingest::IngestReport;
use retail_metrics::typed::{CancellationOutcome, DiscountSales, PeriodSales, RetentionCell};
use retail_metrics::{CustomerRanking, Grain, KpiOptions, KpiSuite, ProductRanking};

use crate::input::{ReadArgs, load_sliced};
use crate::output::{FileFormat, Format, write_batches, write_file};
use crate::progress::Progress;
use crate::slice::{CustomerSliceArg, SliceArgs};
use crate::table::{TextTable, int, money, num, opt_money, pct};

#[derive(Debug, Args)]
pub struct KpisArgs {
    /// Transaction files (CSV, gzip CSV or Parquet); none reads the embedded sample.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
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
    let options = KpiOptions::default()
        .with_top_n(args.top)?
        .with_churn_days(args.churn_days)?
        .with_all_products(args.all_products)
        .with_void_window(args.void_window)?
        .with_product_classes(&args.read.product_classes(&[])?);
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
        None => local_session(args, &slice)?,
    };
    #[cfg(not(feature = "distributed"))]
    let (ctx, reports) = local_session(args, &slice)?;
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
            write!(out, "{}", people_view(&suite, &reports, sliced.as_deref())?)?
        }
    }
    Ok(())
}

/// The inputs read here into memory, as the table `sales`.
fn local_session(
    args: &KpisArgs,
    slice: &retail_metrics::SalesSlice,
) -> Result<(SessionContext, Vec<IngestReport>)> {
    let (batches, reports) = load_sliced(&args.files, &args.read, slice)?;
    Ok((retail_metrics::sales_context(batches)?, reports))
}

/// The main KPIs as tables for people.
fn people_view(suite: &KpiSuite, reports: &[IngestReport], slice: Option<&str>) -> Result<String> {
    let mut text = String::new();
    let sources: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "{} ({} rows, {} rejected)",
                r.source,
                crate::table::thousands(r.rows_accepted),
                r.rows_rejected
            )
        })
        .collect();
    if sources.is_empty() {
        // A cluster run: the executors read the files, there is no ingest report here.
        text += "Sources: canonical files, read by the cluster's executors\n\n";
    } else {
        text += &format!("Sources: {}\n\n", sources.join(", "));
    }
    if let Some(slice) = slice {
        text.insert_str(text.len() - 1, &format!("Slice: {slice}\n"));
    }

    let s = suite.summary()?;
    let mut t = TextTable::new("Summary", &["measure", "value"]);
    let rows: Vec<(&str, String)> = vec![
        ("revenue (completed sales)", money(s.revenue)),
        (
            "  merchandise / other charges",
            format!(
                "{} / {}",
                money(s.merchandise_revenue),
                money(s.other_charges)
            ),
        ),
        ("forfeited (cancellations, returns)", money(s.forfeited)),
        (
            "  goods / other charges",
            format!(
                "{} / {}",
                money(s.forfeited_goods),
                money(s.forfeited_other_charges)
            ),
        ),
        ("net revenue", money(s.net_revenue)),
        ("orders", int(s.orders)),
        ("customers (identified)", int(s.customers)),
        (
            "guests (no customer id): revenue, orders",
            format!(
                "{} ({}), {} ({})",
                money(s.guest_revenue),
                pct(s.guest_revenue_share),
                int(s.guest_orders),
                pct(s.guest_order_share)
            ),
        ),
        ("units", int(s.units)),
        (
            "average spend per identified customer",
            opt_money(s.avg_customer_spend),
        ),
        ("average order value", opt_money(s.avg_order_value)),
        ("orders per customer", num(s.orders_per_customer)),
        (
            "repeat customers",
            format!("{} ({})", int(s.repeat_customers), pct(s.repeat_rate)),
        ),
        (
            "cancelled invoices",
            format!(
                "{} ({})",
                int(s.cancelled_invoices),
                pct(s.cancelled_invoice_share)
            ),
        ),
        ("profit", opt_money(s.profit)),
        ("margin", pct(s.margin)),
        (
            "lines: sale / cancellation / adjustment",
            format!(
                "{} / {} / {}",
                int(s.sale_lines),
                int(s.cancellation_lines),
                int(s.adjustment_lines)
            ),
        ),
        (
            "first and last sale",
            format!(
                "{} .. {}",
                s.first_sale.map_or("–".into(), |t| t.to_string()),
                s.last_sale.map_or("–".into(), |t| t.to_string())
            ),
        ),
    ];
    for (k, v) in rows {
        t.row(vec![k.into(), v]);
    }
    text += &(t.text_columns(&[]).render() + "\n");

    if s.cancellation_lines > 0 {
        text += &outcomes_table(&suite.cancellation_outcomes()?);
    }

    let churn = suite.churn()?;
    text += &format!(
        "Churn: {} of {} customers ({}) bought nothing in the last {} days of the data.\n\n",
        int(churn.churned),
        int(churn.customers),
        pct(churn.churn_rate),
        churn.churn_days
    );

    for (title, ranking) in [
        (
            "Top customers by net revenue (identified customers)",
            CustomerRanking::NetRevenue,
        ),
        (
            "Top customers by profit (identified customers)",
            CustomerRanking::Profit,
        ),
    ] {
        let list = suite.top_customers(ranking)?;
        if list.is_empty() && ranking == CustomerRanking::Profit {
            continue;
        }
        // A name column when the source has customer names (Superstore), none otherwise.
        let named = list.iter().any(|c| c.customer_name.is_some());
        let mut columns = vec!["customer"];
        if named {
            columns.push("name");
        }
        columns.extend(["net", "revenue", "forfeited", "orders", "units", "profit"]);
        let mut t = TextTable::new(title, &columns);
        if named {
            t = t.text_columns(&[1]);
        }
        for c in list {
            let mut row = vec![c.customer_id];
            if named {
                row.push(clip(c.customer_name.as_deref().unwrap_or(""), 30));
            }
            row.extend([
                money(c.net_revenue),
                money(c.revenue),
                money(c.forfeited),
                int(c.orders),
                int(c.units),
                opt_money(c.profit),
            ]);
            t.row(row);
        }
        text += &(t.render() + "\n");
    }
    for (title, ranking) in [
        (
            "Top products by net revenue (sales less cancellations and returns)",
            ProductRanking::NetRevenue,
        ),
        ("Top products by net units", ProductRanking::NetUnits),
    ] {
        let mut t = TextTable::new(
            title,
            &[
                "product",
                "name",
                "net",
                "revenue",
                "net units",
                "units",
                "orders",
            ],
        )
        .text_columns(&[1]);
        for p in suite.top_products(ranking)? {
            t.row(vec![
                p.product_id,
                clip(p.product_name.as_deref().unwrap_or(""), 40),
                money(p.net_revenue),
                money(p.revenue),
                int(p.net_units),
                int(p.units),
                int(p.orders),
            ]);
        }
        text += &(t.render() + "\n");
    }

    text += &periods_table(
        "Sales by month",
        &suite.sales_by(Grain::Month)?,
        "vs previous month",
    );
    let weeks = suite.sales_by(Grain::Week)?;
    let peaks: Vec<PeriodSales> = weeks.into_iter().filter(|w| w.is_peak).collect();
    text += &periods_table(
        "Peak weeks (top 10 % of whole weeks by net revenue; week starting Monday)",
        &peaks,
        "vs previous week",
    );

    text += &retention_table(&suite.retention(Grain::Month)?);

    let mut t = TextTable::new(
        "By country (top 10 by revenue)",
        &[
            "country",
            "revenue",
            "forfeited",
            "net",
            "orders",
            "customers",
        ],
    );
    let countries = suite.by_country()?;
    for c in countries.iter().take(10) {
        t.row(vec![
            c.place.clone().unwrap_or("(none)".into()),
            money(c.revenue),
            money(c.forfeited),
            money(c.net_revenue),
            int(c.orders),
            int(c.customers),
        ]);
    }
    if countries.len() > 10 {
        t.note(format!(
            "… and {} more (see --format json)",
            countries.len() - 10
        ));
    }
    text += &(t.render() + "\n");

    let regions = suite.by_region()?;
    if regions.iter().any(|r| r.place.is_some()) {
        let mut t = TextTable::new(
            "By region",
            &[
                "region",
                "revenue",
                "forfeited",
                "net",
                "orders",
                "customers",
            ],
        );
        for r in &regions {
            t.row(vec![
                r.place.clone().unwrap_or("(none)".into()),
                money(r.revenue),
                money(r.forfeited),
                money(r.net_revenue),
                int(r.orders),
                int(r.customers),
            ]);
        }
        text += &(t.render() + "\n");
    }

    let dims = suite.by_dimensions()?;
    if dims.iter().any(|d| d.category.is_some()) {
        let mut t = TextTable::new(
            "Sales and profit by category and region",
            &["category", "region", "sales", "profit", "margin", "units"],
        )
        .text_columns(&[1]);
        for d in dims
            .iter()
            .filter(|d| d.grouping == "category" || d.grouping == "category,region")
        {
            t.row(vec![
                d.category.clone().unwrap_or_default(),
                d.region.clone().unwrap_or("all".into()),
                money(d.revenue),
                opt_money(d.profit),
                pct(d.margin),
                int(d.units),
            ]);
        }
        text += &(t.render() + "\n");
    }

    let mut t = TextTable::new(
        "Completed sales by unit-price band",
        &[
            "price band",
            "lines",
            "units",
            "revenue",
            "share",
            "products",
        ],
    );
    for b in suite.by_price_band()? {
        t.row(vec![
            b.price_band,
            int(b.lines),
            int(b.units),
            money(b.revenue),
            pct(b.revenue_share),
            int(b.products),
        ]);
    }
    text += &(t.render() + "\n");

    let bands = suite.discount_bands()?;
    if !bands.is_empty() {
        text += &discount_table("Discount bands", &bands);
        let corr = suite.discount_correlation()?;
        text += &format!(
            "Correlation of discount with profit: {} (with line margin: {}) over {} lines.\n\n",
            num(corr.corr),
            num(corr.corr_margin),
            int(corr.lines)
        );
        let losers: Vec<DiscountSales> = suite
            .discount_by_category()?
            .into_iter()
            .filter(|d| d.loses_money == Some(true))
            .collect();
        if !losers.is_empty() {
            let mut t = TextTable::new(
                "Sub-categories that lose money under discount",
                &[
                    "category",
                    "sub-category",
                    "band",
                    "lines",
                    "sales",
                    "profit",
                    "margin",
                ],
            )
            .text_columns(&[1, 2]);
            for d in losers {
                t.row(vec![
                    d.category.unwrap_or_default(),
                    d.sub_category.unwrap_or_default(),
                    d.discount_band.unwrap_or_default(),
                    int(d.lines),
                    money(d.sales),
                    opt_money(d.profit),
                    pct(d.margin),
                ]);
            }
            text += &(t.render() + "\n");
        }
    }

    let mut t = TextTable::new(
        "RFM segments",
        &[
            "segment",
            "customers",
            "revenue",
            "mean recency (days)",
            "mean orders",
        ],
    );
    for seg in suite.rfm_segments()? {
        t.row(vec![
            seg.segment,
            int(seg.customers),
            money(seg.revenue),
            format!("{:.1}", seg.mean_recency_days),
            format!("{:.2}", seg.mean_frequency),
        ]);
    }
    text += &t.render();
    text += "\nDaily and weekly series, the weekly cohorts, RFM per customer and every list in full: --format json or --out DIR.\n";
    Ok(text)
}

/// Forfeited sales by outcome: voided orders, returns, unmatched cancellations.
fn outcomes_table(outcomes: &[CancellationOutcome]) -> String {
    let mut t = TextTable::new(
        "Forfeited sales: voided orders and returns (each cancellation matched to its sale)",
        &[
            "outcome",
            "amount",
            "share",
            "goods",
            "other",
            "lines",
            "invoices",
            "customers",
        ],
    );
    for o in outcomes {
        let label = match o.outcome.as_str() {
            "voided" => "voided (cancelled within the void window)",
            "returned" => "returned (later)",
            _ => "unmatched (no earlier sale found)",
        };
        t.row(vec![
            label.to_string(),
            money(o.amount),
            pct(o.forfeited_share),
            money(o.goods),
            money(o.other_charges),
            int(o.lines),
            int(o.invoices),
            int(o.customers),
        ]);
    }
    t.text_columns(&[0]).render() + "\n"
}

fn periods_table(title: &str, periods: &[PeriodSales], change: &str) -> String {
    let mut t = TextTable::new(
        title,
        &[
            "period",
            "revenue",
            "forfeited",
            "net",
            "orders",
            "customers",
            change,
            "vs a year earlier",
            "moving avg",
            "peak",
        ],
    );
    for p in periods {
        t.row(vec![
            p.period_start.to_string(),
            money(p.revenue),
            money(p.forfeited),
            money(p.net_revenue),
            int(p.orders),
            int(p.customers),
            pct(p.revenue_change),
            pct(p.revenue_yoy_change),
            money(p.revenue_moving_avg),
            if p.is_peak {
                "▲".into()
            } else if p.is_partial {
                "partial".into()
            } else {
                String::new()
            },
        ]);
    }
    t.render() + "\n"
}

fn retention_table(cells: &[RetentionCell]) -> String {
    const COLUMNS: i64 = 12;
    let mut headers = vec!["cohort".to_string(), "size".to_string()];
    headers.extend((0..=COLUMNS).map(|k| format!("+{k}")));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = TextTable::new(
        "Monthly cohort retention (share of each cohort buying again k months later)",
        &header_refs,
    );
    let mut cohorts: Vec<_> = cells.iter().map(|c| c.cohort).collect();
    cohorts.dedup();
    for cohort in cohorts {
        let row: Vec<&RetentionCell> = cells.iter().filter(|c| c.cohort == cohort).collect();
        let mut cells = vec![cohort.format("%Y-%m").to_string(), int(row[0].cohort_size)];
        cells.extend((0..=COLUMNS).map(|k| {
            row.iter()
                .find(|c| c.period_offset == k)
                .map_or(String::new(), |c| format!("{:.0}%", c.retention * 100.0))
        }));
        t.row(cells);
    }
    t.render() + "\n"
}

fn discount_table(title: &str, rows: &[DiscountSales]) -> String {
    let mut t = TextTable::new(
        title,
        &[
            "band",
            "lines",
            "sales",
            "profit",
            "margin",
            "mean profit/line",
        ],
    );
    for d in rows {
        t.row(vec![
            d.discount_band.clone().unwrap_or_default(),
            int(d.lines),
            money(d.sales),
            opt_money(d.profit),
            pct(d.margin),
            opt_money(d.mean_profit_per_line),
        ]);
    }
    t.render() + "\n"
}

fn clip(text: &str, width: usize) -> String {
    let text = text.trim_end();
    if text.chars().count() <= width {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(width - 1).collect::<String>())
    }
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
