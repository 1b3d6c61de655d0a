//! The report page: one HTML file (also well-formed XML) with the CSS inline, the charts as
//! inline SVG, no script, and a Content-Security-Policy that forbids any fetch, so it works
//! offline, mails and archives as one file. Every string from the data is escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::NaiveDate;
use retail_metrics::typed::{DiscountSales, PeriodSales};

use super::chart::{
    Band, BarChart, ColumnChart, Heatmap, Line, Marker, PALETTE, Scale, TimeChart, Unit, escape,
};
use super::{BundlesPanel, Dashboard, ForecastPanel};
use crate::table::{counted, int, money, pct};

const BLUE: &str = PALETTE[0];
const ORANGE: &str = PALETTE[1];
const GREEN: &str = PALETTE[2];
const VERMILLION: &str = PALETTE[5];

const CSS: &str = r#"
:root { --ink: #111827; --muted: #4b5563; --line: #e5e7eb; --bg: #f8fafc; --card: #ffffff; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); line-height: 1.45; }
header.top { background: #0b2545; color: #fff; padding: 20px 32px 12px; }
header.top h1 { margin: 0 0 4px; font-size: 24px; font-weight: 650; }
header.top p { margin: 0 0 10px; color: #cbd5e1; font-size: 14px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 14px; }
nav a { color: #e2e8f0; text-decoration: none; border-bottom: 1px solid transparent; }
nav a:hover { border-bottom-color: #e2e8f0; }
nav .dataset-link { font-weight: 600; color: #fff; }
main { max-width: 1480px; margin: 0 auto; padding: 8px 24px 40px; }
section.dataset { margin-top: 24px; }
section.dataset > h2 { font-size: 22px; margin: 16px 0 2px; }
p.sources { color: var(--muted); font-size: 13px; margin: 0 0 14px; }
h3 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.tile .value { font-size: 22px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.tile .note { font-size: 12px; color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 14px; }
figure.card, div.card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
figure.card svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
div.card.note { color: var(--muted); font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
caption { text-align: left; font-weight: 600; font-size: 15px; padding: 2px 0 8px; }
footer { color: var(--muted); font-size: 12px; padding: 18px 32px 28px; border-top: 1px solid var(--line); }
@media print { header.top { background: none; color: var(--ink); } nav { display: none; } figure.card, div.card { break-inside: avoid; } }
"#;

/// The whole page.
pub fn render(title: &str, dashboards: &[Dashboard]) -> String {
    let mut html = String::with_capacity(512 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\" />\n\
         <meta name=\"generator\" content=\"retail {}\" />\n<title>{}</title>\n<style>{CSS}</style>\n\
         </head>\n<body>\n<header class=\"top\">\n<h1>{}</h1>\n<p>{}</p>\n<nav>",
        env!("CARGO_PKG_VERSION"),
        escape(title),
        escape(title),
        escape(&lede(dashboards)),
    );
    for (i, d) in dashboards.iter().enumerate() {
        let id = dataset_id(i);
        let _ = write!(
            html,
            "<a class=\"dataset-link\" href=\"#{id}\">{}</a>\
             <a href=\"#{id}-customers\">Customers</a>\
             <a href=\"#{id}-sales\">Sales</a>\
             <a href=\"#{id}-forecast\">Forecast</a>\
             <a href=\"#{id}-bundles\">Bundles</a>",
            escape(&d.name)
        );
    }
    html.push_str("</nav>\n</header>\n<main>\n");
    for (i, d) in dashboards.iter().enumerate() {
        dataset(&mut html, &dataset_id(i), d);
    }
    let _ = write!(
        html,
        "</main>\n<footer>Made by <code>retail report</code> {} from the library crates \
         retail-metrics (every KPI is one SQL query, defined in docs/kpis.md), retail-forecast \
         and retail-bundles. Money is completed revenue unless said otherwise; forfeited sales \
         are the absolute amounts of cancelled and returned lines. Hover a chart element for its \
         exact value.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

fn dataset_id(i: usize) -> String {
    format!("ds{}", i + 1)
}

fn lede(dashboards: &[Dashboard]) -> String {
    let parts: Vec<String> = dashboards
        .iter()
        .map(|d| {
            format!(
                "{}: {} to {}",
                d.name,
                d.summary
                    .first_sale
                    .map_or("–".into(), |t| t.date().to_string()),
                d.summary
                    .last_sale
                    .map_or("–".into(), |t| t.date().to_string())
            )
        })
        .collect();
    format!(
        "Customer insights, sales performance, forecasts and product bundles. {}.",
        parts.join("; ")
    )
}

fn dataset(html: &mut String, id: &str, d: &Dashboard) {
    let _ = write!(
        html,
        "<section class=\"dataset\" id=\"{id}\">\n<h2>{}</h2>\n<p class=\"sources\">{}</p>\n",
        escape(&d.name),
        escape(&sources_line(d))
    );
    if let Some(slice) = &d.slice {
        let _ = writeln!(
            html,
            "<p class=\"slice\">Slice: {} (every figure below covers these lines only)</p>",
            escape(slice)
        );
    }
    tiles(html, d);
    customers(html, id, d);
    sales(html, id, d);
    forecast(html, id, d);
    bundles(html, id, d);
    html.push_str("</section>\n");
}

fn sources_line(d: &Dashboard) -> String {
    d.reports
        .iter()
        .map(|r| {
            format!(
                "{} ({} layout): {} rows read, {} accepted, {} rejected",
                r.source,
                r.layout,
                int(r.rows_read as i64),
                int(r.rows_accepted as i64),
                int(r.rows_rejected as i64)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn cur(d: &Dashboard, x: f64) -> String {
    let text = money(x.abs());
    let sign = if x < 0.0 && text != "0.00" { "-" } else { "" };
    format!("{sign}{}{text}", d.currency)
}

/// Money for a tile: whole units from 10,000 up (`£1,965,241`), cents below.
fn tile_money(d: &Dashboard, x: f64) -> String {
    if x.abs() < 10_000.0 {
        return cur(d, x);
    }
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}{}{}", d.currency, int(x.abs().round() as i64))
}

/// Horizontal bars of money: the value axis is `measure` in the data set's currency.
fn money_bars(
    d: &Dashboard,
    id: String,
    title: &str,
    measure: &str,
    y_label: &str,
    bars: Vec<(String, f64, String)>,
    color: &'static str,
) -> String {
    BarChart {
        id,
        title: title.into(),
        x_label: format!("{measure}{}", unit_suffix(d)),
        y_label: y_label.into(),
        unit: money_unit(d),
        bars,
        color,
        negative_color: VERMILLION,
    }
    .render()
}

fn money_unit(d: &Dashboard) -> Unit {
    Unit::Money(d.currency)
}

fn unit_suffix(d: &Dashboard) -> String {
    if d.currency.is_empty() {
        String::new()
    } else {
        format!(" ({})", d.currency)
    }
}

fn tile(html: &mut String, label: &str, value: &str, note: &str) {
    let _ = write!(
        html,
        "<div class=\"tile\"><div class=\"label\">{}</div><div class=\"value\">{}</div>\
         <div class=\"note\">{}</div></div>",
        escape(label),
        escape(value),
        escape(note)
    );
}

fn tiles(html: &mut String, d: &Dashboard) {
    let s = &d.summary;
    html.push_str("<div class=\"tiles\">");
    tile(
        html,
        "Completed revenue",
        &tile_money(d, s.revenue),
        &format!("{} units", int(s.units)),
    );
    tile(
        html,
        "Net revenue",
        &tile_money(d, s.net_revenue),
        "after cancellations and returns",
    );
    let forfeited_share = (s.revenue != 0.0).then(|| s.forfeited / s.revenue);
    if s.cancellation_lines > 0 {
        tile(
            html,
            "Forfeited sales",
            &tile_money(d, s.forfeited),
            &format!("{} of completed revenue", pct(forfeited_share)),
        );
    } else {
        tile(
            html,
            "Forfeited sales",
            "none recorded",
            "the source has no cancellations or returns",
        );
    }
    tile(
        html,
        "Orders",
        &int(s.orders),
        &format!(
            "average order {}",
            s.avg_order_value.map_or("–".into(), |v| cur(d, v))
        ),
    );
    tile(
        html,
        "Customers",
        &int(s.customers),
        &format!(
            "{} orders per customer",
            s.orders_per_customer
                .map_or("–".into(), |v| format!("{v:.2}"))
        ),
    );
    tile(
        html,
        "Average customer spend",
        &s.avg_customer_spend.map_or("–".into(), |v| cur(d, v)),
        "identified customers",
    );
    tile(
        html,
        "Repeat-purchase rate",
        &pct(s.repeat_rate),
        &format!("{} customers with 2+ orders", int(s.repeat_customers)),
    );
    tile(
        html,
        "Churn",
        &pct(d.churn.churn_rate),
        &format!("no purchase in the last {} days", d.churn.churn_days),
    );
    if s.cancellation_lines > 0 {
        tile(
            html,
            "Cancelled invoices",
            &pct(s.cancelled_invoice_share),
            &format!("{} invoices", int(s.cancelled_invoices)),
        );
    }
    if let Some(profit) = s.profit {
        tile(
            html,
            "Profit",
            &tile_money(d, profit),
            &format!("margin {}", pct(s.margin)),
        );
    }
    html.push_str("</div>\n");
}

fn figure(html: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        html,
        "<figure class=\"card\">{svg}<figcaption>{}</figcaption></figure>",
        escape(caption)
    );
}

fn note_card(html: &mut String, text: &str) {
    let _ = writeln!(html, "<div class=\"card note\">{}</div>", escape(text));
}

fn section_start(html: &mut String, id: &str, anchor: &str, title: &str) {
    let _ = write!(
        html,
        "<section id=\"{id}-{anchor}\">\n<h3>{}</h3>\n<div class=\"grid\">\n",
        escape(title)
    );
}

fn section_end(html: &mut String) {
    html.push_str("</div>\n</section>\n");
}

// ------------------------------------------------------------------------------------------
// Customer insights
// ------------------------------------------------------------------------------------------

fn customers(html: &mut String, id: &str, d: &Dashboard) {
    section_start(html, id, "customers", "Customer insights");
    figure(
        html,
        &spend_histogram(id, d).render(),
        &format!(
            "Completed revenue of each of the {} identified customers, in bins that double or \
             so (1, 2, 5, 10, …). Average spend {}.",
            int(d.customer_spend.len() as i64),
            d.summary
                .avg_customer_spend
                .map_or("–".into(), |v| cur(d, v))
        ),
    );
    let bars = d
        .top_customers
        .iter()
        .map(|c| {
            // The name beside the id when the source has customer names.
            let who = match &c.customer_name {
                Some(name) => format!("{} · {name}", c.customer_id),
                None => format!("customer {}", c.customer_id),
            };
            (
                who.clone(),
                c.net_revenue,
                format!(
                    "{who}: {} net ({} bought, {} forfeited) from {}, {}",
                    cur(d, c.net_revenue),
                    cur(d, c.revenue),
                    cur(d, c.forfeited),
                    counted(c.orders, "order"),
                    counted(c.units, "unit")
                ),
            )
        })
        .collect();
    figure(
        html,
        &money_bars(
            d,
            format!("{id}-top-customers"),
            "Top customers by net revenue",
            "Net revenue",
            "Customer",
            bars,
            BLUE,
        ),
        "The ten identified customers with the highest net revenue: completed revenue minus \
         their cancellations and returns (ties by customer id).",
    );
    figure(
        html,
        &retention_heatmap(id, d).render(),
        &format!(
            "Cohort = month of a customer's first completed purchase (its size after the dot); \
             each cell is the share of the cohort buying again that many months later.{} \
             Repeat-purchase rate overall: {}.",
            {
                let cohorts: BTreeSet<NaiveDate> = d.retention.iter().map(|c| c.cohort).collect();
                if cohorts.len() > MAX_COHORTS {
                    format!(
                        " Of {} cohorts, the {MAX_COHORTS} consecutive ones with the most \
                         customers are shown, up to {MAX_OFFSETS} months on.",
                        cohorts.len()
                    )
                } else {
                    String::new()
                }
            },
            pct(d.summary.repeat_rate)
        ),
    );
    let segments = d
        .rfm_segments
        .iter()
        .map(|s| {
            (
                format!("{} ({} customers)", s.segment, int(s.customers)),
                s.revenue,
                format!(
                    "{}: {} customers, {} revenue, last purchase {:.0} days before the end on \
                     average, {:.1} orders on average",
                    s.segment,
                    int(s.customers),
                    cur(d, s.revenue),
                    s.mean_recency_days,
                    s.mean_frequency
                ),
            )
        })
        .collect();
    figure(
        html,
        &money_bars(
            d,
            format!("{id}-rfm-segments"),
            "Revenue by RFM segment",
            "Completed revenue",
            "Segment",
            segments,
            GREEN,
        ),
        "Recency, frequency and monetary quintiles; segments as defined in docs/kpis.md.",
    );
    section_end(html);
}

/// Bin edges 1, 2, 5, 10, 20, 50, … covering the positive spends.
fn spend_histogram(id: &str, d: &Dashboard) -> ColumnChart {
    let positive: Vec<f64> = d
        .customer_spend
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let non_positive = d
        .customer_spend
        .iter()
        .filter(|v| v.is_finite() && **v <= 0.0)
        .count();
    let mut categories = Vec::new();
    let mut counts = Vec::new();
    if non_positive > 0 {
        categories.push(format!("≤ {}0", d.currency));
        counts.push(non_positive as f64);
    }
    if let (Some(lo), Some(hi)) = (
        positive.iter().copied().reduce(f64::min),
        positive.iter().copied().reduce(f64::max),
    ) {
        let mut edges = Vec::new();
        let mut decade = 10f64.powf(lo.log10().floor());
        while edges.last().is_none_or(|&e: &f64| e <= hi) && edges.len() < 64 {
            edges.extend([decade, 2.0 * decade, 5.0 * decade]);
            decade *= 10.0;
        }
        edges.push(decade);
        // From the last edge ≤ lo to the first edge > hi.
        let first = edges.iter().rposition(|&e| e <= lo).unwrap_or(0);
        let last = edges
            .iter()
            .position(|&e| e > hi)
            .unwrap_or(edges.len() - 1);
        let edges = &edges[first..=last.max(first + 1).min(edges.len() - 1)];
        for (i, w) in edges.windows(2).enumerate() {
            // After a "≤ 0" bin the first bin starts at 0, so the axis shows no gap (no
            // customer spent between 0 and the first edge, or the first edge would be lower).
            let a = if i == 0 && non_positive > 0 {
                0.0
            } else {
                w[0]
            };
            let b = w[1];
            let n = positive.iter().filter(|&&v| v >= a && v < b).count();
            categories.push(format!("{}–{}", short_money(d, a), short_money(d, b)));
            counts.push(n as f64);
        }
    }
    ColumnChart {
        id: format!("{id}-spend-distribution"),
        title: "How much customers spend".into(),
        x_label: format!("Completed revenue per customer{}", unit_suffix(d)),
        y_label: "Customers".into(),
        unit: Unit::Count,
        categories,
        series: vec![("customers".into(), counts, BLUE)],
    }
}

fn short_money(d: &Dashboard, x: f64) -> String {
    let (v, suffix) = if x >= 1e6 {
        (x / 1e6, "M")
    } else if x >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let text = if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    format!("{}{text}{suffix}", d.currency)
}

const MAX_COHORTS: usize = 24;
const MAX_OFFSETS: i64 = 12;

fn retention_heatmap(id: &str, d: &Dashboard) -> Heatmap {
    let mut cohorts: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for c in &d.retention {
        cohorts.insert(c.cohort, c.cohort_size);
    }
    // The run of consecutive cohorts holding the most customers (the earliest such run).
    let cohorts: Vec<(NaiveDate, i64)> = cohorts.into_iter().collect();
    let window = cohorts.len().min(MAX_COHORTS);
    let mut best = (0, i64::MIN);
    for start in 0..=cohorts.len() - window {
        let size: i64 = cohorts[start..start + window].iter().map(|c| c.1).sum();
        if size > best.1 {
            best = (start, size);
        }
    }
    let cohorts = cohorts[best.0..best.0 + window].to_vec();
    let max_offset = d
        .retention
        .iter()
        .map(|c| c.period_offset)
        .max()
        .unwrap_or(0)
        .min(MAX_OFFSETS);
    let columns: Vec<String> = (1..=max_offset).map(|k| format!("+{k}")).collect();
    let mut values = vec![vec![None; columns.len()]; cohorts.len()];
    let mut tooltips = vec![vec![String::new(); columns.len()]; cohorts.len()];
    for c in &d.retention {
        let Some(r) = cohorts.iter().position(|(date, _)| *date == c.cohort) else {
            continue;
        };
        if c.period_offset < 1 || c.period_offset > max_offset {
            continue;
        }
        let k = (c.period_offset - 1) as usize;
        values[r][k] = Some(c.retention);
        tooltips[r][k] = format!(
            "cohort {}: {} of {} customers ({}) bought again {} month(s) later",
            c.cohort.format("%b %Y"),
            int(c.active_customers),
            int(c.cohort_size),
            pct(Some(c.retention)),
            c.period_offset
        );
    }
    let max = values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(0.0f64, f64::max);
    Heatmap {
        id: format!("{id}-retention"),
        title: "Monthly cohort retention".into(),
        x_label: "Months after the first purchase".into(),
        y_label: "Cohort (first purchase)".into(),
        unit: Unit::Share,
        rows: cohorts
            .iter()
            .map(|(date, size)| format!("{} · {}", date.format("%b %Y"), int(*size)))
            .collect(),
        columns,
        values,
        tooltips,
        scale: Scale::Sequential {
            min: 0.0,
            max: if max > 0.0 { max } else { 1.0 },
        },
        legend: "share of the cohort buying again".into(),
    }
}

// ------------------------------------------------------------------------------------------
// Sales performance
// ------------------------------------------------------------------------------------------

/// Where the forfeited sales went: voided orders, returns, unmatched cancellations.
fn outcomes_sentence(d: &Dashboard) -> String {
    let amount = |outcome: &str| {
        d.cancellation_outcomes
            .iter()
            .find(|o| o.outcome == outcome)
            .map_or(0.0, |o| o.amount)
    };
    format!(
        "Matching each cancellation to the sale it reverses: {} voided orders (cancelled within \
         a day of the sale: keyed by mistake or never shipped), {} returns (later), {} with no \
         earlier sale of that customer and product (guests, fees and adjustments).",
        cur(d, amount("voided")),
        cur(d, amount("returned")),
        cur(d, amount("unmatched"))
    )
}

fn sales(html: &mut String, id: &str, d: &Dashboard) {
    section_start(html, id, "sales", "Sales performance");
    figure(
        html,
        &weekly_sales_chart(id, d).render(),
        &format!(
            "Completed revenue per ISO week (Monday start) with its 4-week moving average; the \
             top tenth of weeks by net revenue (after cancellations and returns) are marked as peaks. The first and last weeks may be \
             partial. {} weeks.",
            d.weekly.len()
        ),
    );
    let bars = d
        .top_products
        .iter()
        .map(|p| {
            product_bar(
                &p.product_id,
                p.product_name.as_deref(),
                p.net_revenue,
                format!(
                    "{} net ({} sold, {} forfeited) from {} on {}",
                    cur(d, p.net_revenue),
                    cur(d, p.revenue),
                    cur(d, p.forfeited),
                    counted(p.net_units, "unit"),
                    counted(p.orders, "order")
                ),
            )
        })
        .collect();
    figure(
        html,
        &money_bars(
            d,
            format!("{id}-top-products"),
            "Top products by net revenue",
            "Net revenue (sales less cancellations and returns)",
            "Product",
            bars,
            BLUE,
        ),
        "The ten products with the highest net revenue: completed sales less their \
         cancellations and returns, so an order keyed by mistake and voided counts for nothing \
         (ties by product id).",
    );
    let has_forfeits = d.summary.forfeited != 0.0;
    if has_forfeits {
        figure(
            html,
            &ColumnChart {
                id: format!("{id}-forfeited-weekly"),
                title: "Sales forfeited to cancellations and returns, by week".into(),
                x_label: "Week (Monday)".into(),
                y_label: format!("Forfeited sales{}", unit_suffix(d)),
                unit: money_unit(d),
                categories: d
                    .weekly
                    .iter()
                    .map(|w| w.period_start.to_string())
                    .collect(),
                series: vec![(
                    "forfeited".into(),
                    d.weekly.iter().map(|w| w.forfeited).collect(),
                    VERMILLION,
                )],
            }
            .render(),
            &format!(
                "{} forfeited in all, {} of completed revenue. {}",
                cur(d, d.summary.forfeited),
                pct((d.summary.revenue != 0.0).then(|| d.summary.forfeited / d.summary.revenue)),
                outcomes_sentence(d)
            ),
        );
        let bars = d
            .forfeited_products
            .iter()
            .map(|p| {
                product_bar(
                    &p.product_id,
                    p.product_name.as_deref(),
                    p.forfeited,
                    format!(
                        "{} forfeited, {} units on {} invoices",
                        cur(d, p.forfeited),
                        int(p.units),
                        int(p.invoices)
                    ),
                )
            })
            .collect();
        figure(
            html,
            &money_bars(
                d,
                format!("{id}-forfeited-products"),
                "Products with the most forfeited sales",
                "Forfeited sales",
                "Product",
                bars,
                VERMILLION,
            ),
            "Absolute amounts of cancelled and returned lines per product.",
        );
    } else {
        note_card(
            html,
            "The source records no cancellations or returns, so no sales were forfeited.",
        );
    }
    let has_categories = d
        .dimensions
        .iter()
        .any(|r| r.grouping == "category" && r.category.is_some());
    if has_categories {
        category_region(html, id, d);
    } else {
        price_bands_and_countries(html, id, d);
    }
    if d.discount_bands.is_empty() {
        note_card(
            html,
            "The source has no discount column, so discount impact cannot be shown.",
        );
    } else {
        discount_charts(html, id, d);
    }
    section_end(html);
}

/// One product's bar: its label, value, and a tooltip of the label and `detail`.
fn product_bar(id: &str, name: Option<&str>, value: f64, detail: String) -> (String, f64, String) {
    let label = product_label(id, name);
    let tooltip = format!("{label}: {detail}");
    (label, value, tooltip)
}

fn product_label(id: &str, name: Option<&str>) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

fn weekly_sales_chart(id: &str, d: &Dashboard) -> TimeChart {
    let dates: Vec<NaiveDate> = d.weekly.iter().map(|w| w.period_start).collect();
    TimeChart {
        id: format!("{id}-weekly-sales"),
        title: "Weekly sales, trend and peaks".into(),
        x_label: "Week".into(),
        y_label: format!("Completed revenue{}", unit_suffix(d)),
        unit: money_unit(d),
        lines: vec![
            Line {
                name: "revenue".into(),
                dates: dates.clone(),
                values: d.weekly.iter().map(|w| Some(w.revenue)).collect(),
                color: BLUE,
                dashed: false,
                width: 2.0,
            },
            Line {
                name: "4-week moving average".into(),
                dates,
                values: d
                    .weekly
                    .iter()
                    .map(|w| Some(w.revenue_moving_avg))
                    .collect(),
                color: ORANGE,
                dashed: true,
                width: 2.0,
            },
        ],
        bands: Vec::new(),
        markers: d
            .weekly
            .iter()
            .filter(|w| w.is_peak)
            .map(|w| Marker {
                date: w.period_start,
                value: w.revenue,
                label: peak_label(d, w),
            })
            .collect(),
        marker_name: "peak week".into(),
        rule: None,
    }
}

fn peak_label(d: &Dashboard, w: &PeriodSales) -> String {
    format!(
        "week of {}: {} from {}",
        w.period_start,
        cur(d, w.revenue),
        counted(w.orders, "order")
    )
}

fn category_region(html: &mut String, id: &str, d: &Dashboard) {
    let rows: Vec<_> = d
        .dimensions
        .iter()
        .filter(|r| r.grouping == "category,region")
        .collect();
    let categories: Vec<String> = ordered(rows.iter().map(|r| r.category.clone()));
    let regions: Vec<String> = ordered(rows.iter().map(|r| r.region.clone()));
    let value = |cat: &str, region: &str, profit: bool| {
        rows.iter()
            .find(|r| r.category.as_deref() == Some(cat) && r.region.as_deref() == Some(region))
            .map_or(0.0, |r| {
                if profit {
                    r.profit.unwrap_or(0.0)
                } else {
                    r.revenue
                }
            })
    };
    for profit in [false, true] {
        if profit && d.summary.profit.is_none() {
            continue;
        }
        let series = regions
            .iter()
            .enumerate()
            .map(|(i, region)| {
                (
                    region.clone(),
                    categories
                        .iter()
                        .map(|c| value(c, region, profit))
                        .collect(),
                    PALETTE[i % PALETTE.len()],
                )
            })
            .collect();
        let what = if profit { "Profit" } else { "Sales" };
        figure(
            html,
            &ColumnChart {
                id: format!(
                    "{id}-{}-by-category-region",
                    if profit { "profit" } else { "sales" }
                ),
                title: format!("{what} by category and region"),
                x_label: "Category".into(),
                y_label: format!("{what}{}", unit_suffix(d)),
                unit: money_unit(d),
                categories: categories.clone(),
                series,
            }
            .render(),
            if profit {
                "Profit of completed lines; bars below zero lose money."
            } else {
                "Completed revenue per category, one column per region."
            },
        );
    }
    if d.summary.profit.is_some() {
        let rows: Vec<_> = d
            .dimensions
            .iter()
            .filter(|r| r.grouping == "category,sub_category,region")
            .collect();
        let mut subs: Vec<(String, String)> = rows
            .iter()
            .filter_map(|r| Some((r.category.clone()?, r.sub_category.clone()?)))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        subs.sort();
        let values = subs
            .iter()
            .map(|(c, s)| {
                regions
                    .iter()
                    .map(|region| {
                        rows.iter()
                            .find(|r| {
                                r.category.as_deref() == Some(c)
                                    && r.sub_category.as_deref() == Some(s)
                                    && r.region.as_deref() == Some(region)
                            })
                            .and_then(|r| r.margin)
                    })
                    .collect()
            })
            .collect();
        let tooltips = subs
            .iter()
            .map(|(c, s)| {
                regions
                    .iter()
                    .map(|region| {
                        rows.iter()
                            .find(|r| {
                                r.category.as_deref() == Some(c)
                                    && r.sub_category.as_deref() == Some(s)
                                    && r.region.as_deref() == Some(region)
                            })
                            .map_or(String::new(), |r| {
                                format!(
                                    "{s} in {region}: sales {}, profit {}, margin {}",
                                    cur(d, r.revenue),
                                    cur(d, r.profit.unwrap_or(0.0)),
                                    pct(r.margin)
                                )
                            })
                    })
                    .collect()
            })
            .collect();
        figure(
            html,
            &Heatmap {
                id: format!("{id}-margin-by-sub-category-region"),
                title: "Profit margin by sub-category and region".into(),
                x_label: "Region".into(),
                y_label: "Sub-category".into(),
                unit: Unit::Share,
                rows: subs
                    .iter()
                    .map(|(c, s)| {
                        if subs.iter().filter(|(_, other)| other == s).count() > 1 {
                            format!("{s} ({c})")
                        } else {
                            s.clone()
                        }
                    })
                    .collect(),
                columns: regions.clone(),
                values,
                tooltips,
                scale: Scale::Diverging { limit: 0.4 },
                legend: "profit margin (red loses money)".into(),
            }
            .render(),
            "Profit / completed revenue; colours saturate at ±40%.",
        );
    }
}

/// The distinct non-null values in first-seen order.
fn ordered(values: impl Iterator<Item = Option<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values.flatten() {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn price_bands_and_countries(html: &mut String, id: &str, d: &Dashboard) {
    let bars = d
        .price_bands
        .iter()
        .map(|b| {
            (
                format!("{} {}", d.currency, b.price_band)
                    .trim()
                    .to_string(),
                b.revenue,
                format!(
                    "unit price {}: {} revenue ({}), {} units of {} products",
                    b.price_band,
                    cur(d, b.revenue),
                    pct(b.revenue_share),
                    int(b.units),
                    int(b.products)
                ),
            )
        })
        .collect();
    figure(
        html,
        &money_bars(
            d,
            format!("{id}-price-bands"),
            "Revenue by unit-price band",
            "Completed revenue",
            &format!("Unit price{}", unit_suffix(d)),
            bars,
            BLUE,
        ),
        "The source has no product category: sales are shown by unit-price band instead \
         (`--categories FILE` adds categories).",
    );
    let bars = d
        .countries
        .iter()
        .take(10)
        .map(|c| {
            let place = c.place.clone().unwrap_or_else(|| "(unknown)".into());
            (
                place.clone(),
                c.revenue,
                format!(
                    "{place}: {} revenue, {} forfeited, {}, {}",
                    cur(d, c.revenue),
                    cur(d, c.forfeited),
                    counted(c.orders, "order"),
                    counted(c.customers, "customer")
                ),
            )
        })
        .collect();
    figure(
        html,
        &money_bars(
            d,
            format!("{id}-top-countries"),
            "Revenue by country",
            "Completed revenue",
            "Country",
            bars,
            GREEN,
        ),
        "The ten countries with the most completed revenue.",
    );
}

fn discount_charts(html: &mut String, id: &str, d: &Dashboard) {
    let bars = d
        .discount_bands
        .iter()
        .map(|b| {
            let band = b.discount_band.clone().unwrap_or_else(|| "unknown".into());
            (
                format!("discount {band}"),
                b.margin.unwrap_or(0.0),
                discount_tooltip(d, &band, b),
            )
        })
        .collect();
    let corr = &d.discount_correlation;
    figure(
        html,
        &BarChart {
            id: format!("{id}-discount-margin"),
            title: "Profit margin by discount band".into(),
            x_label: "Profit margin (profit / sales)".into(),
            y_label: "Discount band".into(),
            unit: Unit::Share,
            bars,
            color: BLUE,
            negative_color: VERMILLION,
        }
        .render(),
        &format!(
            "Correlation of discount and profit per line: {}; of discount and line margin: {} \
             ({} lines).",
            corr.corr.map_or("–".into(), |c| format!("{c:.3}")),
            corr.corr_margin.map_or("–".into(), |c| format!("{c:.3}")),
            int(corr.lines)
        ),
    );
    let rows: Vec<&DiscountSales> = d
        .discount_by_category
        .iter()
        .filter(|r| r.sub_category.is_some())
        .collect();
    let subs: Vec<String> = ordered(rows.iter().map(|r| r.sub_category.clone()));
    let bands: Vec<String> = {
        let mut bands: Vec<(i64, String)> = rows
            .iter()
            .filter_map(|r| Some((r.band_order?, r.discount_band.clone()?)))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        bands.sort();
        bands.into_iter().map(|(_, b)| b).collect()
    };
    let cell = |s: &str, b: &str| {
        rows.iter()
            .find(|r| r.sub_category.as_deref() == Some(s) && r.discount_band.as_deref() == Some(b))
    };
    let losing: usize = rows.iter().filter(|r| r.loses_money == Some(true)).count();
    figure(
        html,
        &Heatmap {
            id: format!("{id}-discount-by-sub-category"),
            title: "Margin by sub-category and discount band".into(),
            x_label: "Discount band".into(),
            y_label: "Sub-category".into(),
            unit: Unit::Share,
            rows: subs.clone(),
            columns: bands.clone(),
            values: subs
                .iter()
                .map(|s| {
                    bands
                        .iter()
                        .map(|b| cell(s, b).and_then(|r| r.margin))
                        .collect()
                })
                .collect(),
            tooltips: subs
                .iter()
                .map(|s| {
                    bands
                        .iter()
                        .map(|b| {
                            cell(s, b).map_or(String::new(), |r| {
                                format!("{s}, {}", discount_tooltip(d, b, r))
                            })
                        })
                        .collect()
                })
                .collect(),
            scale: Scale::Diverging { limit: 0.4 },
            legend: "profit margin (red loses money)".into(),
        }
        .render(),
        &format!(
            "Which products lose money under discount: {losing} sub-category × band cells have \
             a negative profit."
        ),
    );
}

fn discount_tooltip(d: &Dashboard, band: &str, r: &DiscountSales) -> String {
    format!(
        "discount {band}: {} lines, sales {}, profit {}, margin {}",
        int(r.lines),
        cur(d, r.sales),
        r.profit.map_or("–".into(), |p| cur(d, p)),
        pct(r.margin)
    )
}

// ------------------------------------------------------------------------------------------
// Forecast
// ------------------------------------------------------------------------------------------

fn forecast(html: &mut String, id: &str, d: &Dashboard) {
    section_start(html, id, "forecast", "Forecast");
    let panel: &ForecastPanel = &d.forecasts;
    if let Some(note) = &panel.note {
        note_card(html, note);
    }
    for (i, s) in panel.series.iter().enumerate() {
        let r = &s.result;
        let history_weeks = s.periods.len().min(104);
        let skip = s.periods.len() - history_weeks;
        let mut lines = vec![Line {
            name: "actual".into(),
            dates: s.periods[skip..].to_vec(),
            values: s.values[skip..].iter().map(|&v| Some(v)).collect(),
            color: BLUE,
            dashed: false,
            width: 1.8,
        }];
        // The forecast line starts at the last actual week so the two join.
        let mut dates = vec![*s.periods.last().unwrap_or(&s.future[0])];
        dates.extend(&s.future);
        let mut values = vec![s.values.last().copied()];
        values.extend(r.forecast.point.iter().map(|&v| Some(v)));
        lines.push(Line {
            name: format!("forecast: {}", r.model),
            dates,
            values,
            color: ORANGE,
            dashed: true,
            width: 2.0,
        });
        let bands = r
            .forecast
            .intervals
            .iter()
            .rev()
            .map(|interval| Band {
                name: format!("{:.0}% interval", interval.level),
                dates: s.future.clone(),
                lower: interval.lower.clone(),
                upper: interval.upper.clone(),
                color: ORANGE,
                opacity: if interval.level >= 90.0 { 0.15 } else { 0.3 },
            })
            .collect();
        let title = if s.key == "total" {
            "Weekly sales forecast: total".to_string()
        } else {
            format!("Weekly sales forecast: {} {}", panel.group_by, s.key)
        };
        let chart_id = if i == 0 {
            format!("{id}-forecast-total")
        } else {
            format!("{id}-forecast-group-{i}")
        };
        let mut caption = format!(
            "Model chosen automatically: {}. {} weeks ahead with 80% and 95% prediction \
             intervals; the last {history_weeks} full weeks of history shown.",
            r.model, panel.horizon
        );
        if let Some(reason) = &r.fallback {
            let _ = write!(caption, " Naive forecast used instead: {reason}.");
        }
        if s.floored > 0 {
            caption.push_str(
                " Sales cannot be negative: the forecast and its intervals are cut at zero \
                 where the model reaches below it.",
            );
        }
        if i == 0 && !panel.partial_weeks.is_empty() {
            let _ = write!(
                caption,
                " Left out as partial weeks: {}.",
                panel
                    .partial_weeks
                    .iter()
                    .map(|w| w.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        figure(
            html,
            &TimeChart {
                id: chart_id,
                title,
                x_label: "Week".into(),
                y_label: format!("Completed revenue{}", unit_suffix(d)),
                unit: money_unit(d),
                lines,
                bands,
                markers: Vec::new(),
                marker_name: String::new(),
                rule: s.future.first().map(|&f| (f, "forecast".to_string())),
            }
            .render(),
            &caption,
        );
    }
    section_end(html);
}

// ------------------------------------------------------------------------------------------
// Bundles
// ------------------------------------------------------------------------------------------

fn bundles(html: &mut String, id: &str, d: &Dashboard) {
    section_start(html, id, "bundles", "Product bundles");
    let b: &BundlesPanel = &d.bundles;
    let _ = write!(
        html,
        "<div class=\"card\"><table data-table=\"{id}-rules\"><caption>Bought together \
         ({level} level): the strongest rules by lift</caption><thead><tr><th>if a basket has</th>\
         <th>it also has</th><th class=\"num\">baskets</th><th class=\"num\">confidence</th>\
         <th class=\"num\">lift</th></tr></thead><tbody>",
        level = b.level
    );
    for rule in &b.rules {
        let side = |ids: &[String], names: &[Option<String>]| {
            ids.iter()
                .zip(names)
                .map(|(id, name)| escape(&product_label(id, name.as_deref())))
                .collect::<Vec<_>>()
                .join("<br />")
        };
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{:.2}</td></tr>",
            side(&rule.antecedent, &rule.antecedent_names),
            side(&rule.consequent, &rule.consequent_names),
            int(rule.count as i64),
            pct(Some(rule.measures.confidence)),
            rule.measures.lift
        );
    }
    if b.rules.is_empty() {
        html.push_str("<tr><td colspan=\"5\">No rule: no two products are bought together in enough baskets.</td></tr>");
    }
    let _ = writeln!(
        html,
        "</tbody></table><p class=\"sources\">{} baskets (one per invoice with completed lines); \
         {} sets in at least {} baskets ({} of baskets): {}; rules with lift above 1 and \
         confidence of at least 10%: {}.{}{}</p></div>",
        int(b.baskets as i64),
        b.level,
        int(b.min_count as i64),
        pct(Some(b.min_support)),
        int(b.itemsets as i64),
        int(b.rules_total as i64),
        match b.raised_from {
            Some((share, count)) => format!(
                " The requested support, {} ({} baskets), admits more than {} sets, so the \
                 report raised it to {} baskets.",
                pct(Some(share)),
                int(count as i64),
                int(b.max_itemsets as i64),
                int(b.min_count as i64)
            ),
            None => String::new(),
        },
        if b.level == "product" {
            ""
        } else {
            " No two products are bought together in that many baskets, so the rules are over \
             sub-categories: which kinds of products sell together."
        }
    );
    let short = |ids: &[String], names: &[Option<String>]| {
        ids.iter()
            .zip(names)
            .map(|(id, name)| {
                name.as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(id)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let bars = b
        .rules
        .iter()
        .take(10)
        .map(|r| {
            let from = short(&r.antecedent, &r.antecedent_names);
            let to = short(&r.consequent, &r.consequent_names);
            (
                format!("{from} → {to}"),
                r.measures.lift,
                format!(
                    "{from} → {to}: lift {:.2}, confidence {}, in {} baskets",
                    r.measures.lift,
                    pct(Some(r.measures.confidence)),
                    int(r.count as i64)
                ),
            )
        })
        .collect();
    figure(
        html,
        &BarChart {
            id: format!("{id}-rules-by-lift"),
            title: format!("Strongest {} bundles by lift", b.level),
            x_label: "Lift (how many times likelier together than by chance)".into(),
            y_label: "Rule".into(),
            unit: Unit::Ratio,
            bars,
            color: GREEN,
            negative_color: VERMILLION,
        }
        .render(),
        "Lift = confidence / share of baskets holding the consequent; 1 means no association.",
    );
    match &b.next_basket {
        Some(e) => {
            let categories: Vec<String> = e.methods.iter().map(|m| m.method.clone()).collect();
            figure(
                html,
                &ColumnChart {
                    id: format!("{id}-next-basket"),
                    title: format!(
                        "Next-basket recommender: hit rate and recall at k = {}",
                        e.k
                    ),
                    x_label: "Recommender".into(),
                    y_label: "Share of customers / of products".into(),
                    unit: Unit::Share,
                    categories,
                    series: vec![
                        (
                            "hit rate".into(),
                            e.methods.iter().map(|m| m.hit_rate).collect(),
                            BLUE,
                        ),
                        (
                            "recall".into(),
                            e.methods.iter().map(|m| m.recall).collect(),
                            ORANGE,
                        ),
                    ],
                }
                .render(),
                &format!(
                    "Each of {} customers' last basket held out; the recommender saw the {} \
                     earlier baskets and {} rules. Hit rate: share of customers with at least one \
                     of the k products in the held-out basket; recall: share of its products found.",
                    int(e.customers as i64),
                    int(e.training_baskets as i64),
                    int(e.rules as i64)
                ),
            );
        }
        None => note_card(
            html,
            &format!(
                "No next-basket evaluation: {}.",
                b.note.as_deref().unwrap_or("no data")
            ),
        ),
    }
    section_end(html);
}
