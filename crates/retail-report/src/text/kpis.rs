//! The main KPIs as tables for people: the summary, forfeited sales by outcome, churn, top
//! customers and products, sales by month and peak weeks, cohort retention, places,
//! categories, price bands, discounts and RFM segments.

use retail_ingest::IngestReport;
use retail_metrics::typed::{
    CancellationOutcome, DiscountSales, PeriodSales, PlaceSales, RetentionCell,
};
use retail_metrics::{CustomerRanking, Grain, KpiSuite, ProductRanking};

use super::{TextTable, clip};
use crate::ReportError;
use crate::format::{int, money, num, opt_money, pct, thousands};

/// Countries shown in the summary's table of countries (by revenue).
const COUNTRIES_SHOWN: usize = 10;

/// What [`kpi_summary`] shows besides the KPIs: the slice they are over, and where the lists
/// it cuts short are in full.
#[derive(Debug, Clone, Default)]
pub struct KpiSummaryParams {
    slice: Option<String>,
    full_lists: Option<String>,
}

impl KpiSummaryParams {
    /// No slice, no hint.
    pub fn new() -> Self {
        Self::default()
    }

    /// The slice the KPIs are over, described for people (`Slice: …` under the sources).
    pub fn with_slice(mut self, description: impl Into<String>) -> Self {
        self.slice = Some(description.into());
        self
    }

    /// Where the lists cut short are in full, in the caller's words (the CLI says
    /// `--format json`): `… and 28 more (see HINT)`.
    pub fn with_full_lists_hint(mut self, hint: impl Into<String>) -> Self {
        self.full_lists = Some(hint.into());
        self
    }
}

/// The main KPIs of `suite` as tables for people, after a line naming the `reports`' sources
/// (none: a cluster read the files).
///
/// # Errors
///
/// [`ReportError::Metrics`] when a KPI table of the suite cannot be read.
pub fn kpi_summary(
    suite: &KpiSuite,
    reports: &[IngestReport],
    params: &KpiSummaryParams,
) -> Result<String, ReportError> {
    let mut text = String::new();
    let sources: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "{} ({} rows, {} rejected)",
                r.source,
                thousands(r.rows_accepted),
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
    if let Some(slice) = &params.slice {
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

    let countries = suite.by_country()?;
    let mut t = places_table(
        &format!("By country (top {COUNTRIES_SHOWN} by revenue)"),
        "country",
        &countries[..countries.len().min(COUNTRIES_SHOWN)],
    );
    if countries.len() > COUNTRIES_SHOWN {
        let more = countries.len() - COUNTRIES_SHOWN;
        t.note(match &params.full_lists {
            Some(hint) => format!("… and {more} more (see {hint})"),
            None => format!("… and {more} more"),
        });
    }
    text += &(t.render() + "\n");

    let regions = suite.by_region()?;
    if regions.iter().any(|r| r.place.is_some()) {
        text += &(places_table("By region", "region", &regions).render() + "\n");
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
    Ok(text)
}

/// Sales per place (country or region): revenue, forfeited, net, orders and customers.
fn places_table(title: &str, column: &str, places: &[PlaceSales]) -> TextTable {
    let mut t = TextTable::new(
        title,
        &[column, "revenue", "forfeited", "net", "orders", "customers"],
    );
    for p in places {
        t.row(vec![
            p.place.clone().unwrap_or("(none)".into()),
            money(p.revenue),
            money(p.forfeited),
            money(p.net_revenue),
            int(p.orders),
            int(p.customers),
        ]);
    }
    t
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

#[cfg(test)]
mod tests {
    use super::*;
    use retail_ingest::{IngestParams, samples};
    use retail_metrics::KpiParams;

    /// The KPIs of an embedded sample, and its ingest report.
    async fn suite_of(name: &str, bytes: &'static [u8]) -> (KpiSuite, IngestReport) {
        let mut reader = samples::open(name, bytes, &IngestParams::default()).unwrap();
        let batches = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
        let ctx = retail_metrics::sales_context(batches).unwrap();
        let suite = KpiSuite::run(&ctx, &KpiParams::default()).await.unwrap();
        (suite, reader.into_report())
    }

    /// The cells of the row of a table whose first cell is `label`.
    fn row<'a>(text: &'a str, title: &str, label: &str) -> Vec<&'a str> {
        let table = &text[text.find(title).unwrap_or_else(|| panic!("no {title}"))..];
        let line = table
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} under {title}"));
        line[2 + label.len()..]
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// Superstore: the values of the DuckDB reference
    /// (crates/retail-metrics/tests/reference/kpis_reference.json, input `superstore`).
    #[tokio::test]
    async fn the_superstore_summary_has_the_reference_values() {
        let (suite, report) = suite_of("superstore.csv.gz", samples::SUPERSTORE).await;
        let text = kpi_summary(
            &suite,
            &[report],
            &KpiSummaryParams::new()
                .with_slice("everything")
                .with_full_lists_hint("the JSON"),
        )
        .unwrap();
        assert!(
            text.starts_with(
                "Sources: embedded:superstore.csv.gz (9,994 rows, 0 rejected)\nSlice: everything\n\nSummary\n"
            ),
            "{text}"
        );
        assert_eq!(row(&text, "Summary", "orders"), ["5,009"]);
        assert_eq!(row(&text, "Summary", "customers (identified)"), ["793"]);
        assert_eq!(row(&text, "Summary", "profit"), ["286,397.02"]);
        assert_eq!(row(&text, "Summary", "margin"), ["12.5%"]);
        assert_eq!(
            row(
                &text,
                "Sales and profit by category and region",
                "Furniture"
            ),
            ["all", "741,999.80", "18,451.27", "2.5%", "8,028"]
        );
        assert!(text.contains("By region\n"), "{text}");
        assert!(text.contains("Discount bands\n"), "{text}");
        assert!(text.ends_with("\n"), "{text}");
        insta::assert_snapshot!("kpi_summary_superstore", text);
    }

    #[tokio::test]
    async fn more_countries_than_shown_are_counted_with_the_callers_hint() {
        let (suite, _) = suite_of("online_retail_sample.csv.gz", samples::ONLINE_RETAIL).await;
        let countries = suite.by_country().unwrap().len();
        assert!(countries > COUNTRIES_SHOWN, "{countries}");
        let more = countries - COUNTRIES_SHOWN;
        let plain = kpi_summary(&suite, &[], &KpiSummaryParams::new()).unwrap();
        assert!(
            plain.starts_with(
                "Sources: canonical files, read by the cluster's executors\n\nSummary\n"
            ),
            "{plain}"
        );
        assert!(
            plain.contains(&format!("\n  … and {more} more\n")),
            "{plain}"
        );
        let hinted = kpi_summary(
            &suite,
            &[],
            &KpiSummaryParams::new().with_full_lists_hint("--format json"),
        )
        .unwrap();
        assert!(
            hinted.contains(&format!("\n  … and {more} more (see --format json)\n")),
            "{hinted}"
        );
    }
}
