//! The report page: one HTML file (also well-formed XML) with the CSS inline, the charts as
//! inline SVG, no script, and a Content-Security-Policy that forbids any fetch, so it works
//! offline, mails and archives as one file. Every string from the data is escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::NaiveDate;
use retail_metrics::typed::{DiscountSales, PeriodSales};

use crate::chart::{
    Band, BarChart, ColumnChart, Heatmap, Line, Marker, PALETTE, Scale, TimeChart, Unit, escape,
};
use crate::filters::{DashboardFilters, FilterChoices, FilterName};
use crate::format::{counted, int, money, pct};
use crate::{BundlesPanel, Dashboard, ForecastPanel};
mod bundles;
mod customers;
mod discounts;
mod forecast;
mod places;
mod sales;

use bundles::bundles;
use customers::customers;
use discounts::discount_charts;
use forecast::forecast;
use places::{category_region, price_bands_and_countries};
use sales::sales;

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
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.tile .value { font-size: 22px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.tile .note { font-size: 12px; color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 14px; }
figure.card, div.card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
figure.card svg { width: 100%; height: auto; display: block; }
.views { display: flex; gap: 4px; margin: 4px 0 8px; }
.views a { color: #e2e8f0; text-decoration: none; padding: 4px 12px; border-radius: 6px 6px 0 0; border: 1px solid #334e68; }
.views a.current { background: #fff; color: var(--ink); font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; font-size: 13px; margin: 0 0 10px; color: #e2e8f0; }
form.filters label { display: flex; flex-direction: column; gap: 2px; }
form.filters label.check { flex-direction: row; align-items: center; gap: 6px; }
form.filters select, form.filters input[type=date] { font: inherit; padding: 3px 4px; max-width: 220px; }
form.filters button { font: inherit; padding: 4px 14px; background: var(--accent); color: #fff; border: 0; border-radius: 4px; }
form.filters a.clear { color: #cbd5e1; }
p.drill { font-size: 13px; color: var(--muted); margin: 10px 0 0; }
p.drill a { color: var(--accent); }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
div.card.note { color: var(--muted); font-size: 14px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
caption { text-align: left; font-weight: 600; font-size: 15px; padding: 2px 0 8px; }
footer { color: var(--muted); font-size: 12px; padding: 18px 32px 28px; border-top: 1px solid var(--line); }
@media (max-width: 600px) { main { padding: 8px 10px 32px; } header.top { padding: 14px 14px 10px; } .tile .value { font-size: 19px; } figure.card svg { min-width: 540px; } }
@media print { header.top { background: none; color: var(--ink); } nav { display: none; } figure.card, div.card { break-inside: avoid; } }
"#;

/// The dashboards as one self-contained page (inline SVG, no script, no network): the offline
/// report.
pub fn render(title: &str, dashboards: &[Dashboard]) -> String {
    render_with(title, dashboards, None)
}

/// Which page of the served dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum View {
    /// The KPI panels: tiles, customers, sales, places, discounts.
    Overview,
    /// The weekly forecasts.
    Forecasts,
    /// The product bundles and next-basket evaluation.
    Bundles,
}

impl View {
    /// The page's path on the server.
    pub fn path(self) -> &'static str {
        match self {
            View::Overview => "/",
            View::Forecasts => "/forecasts",
            View::Bundles => "/bundles",
        }
    }

    fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Forecasts => "Forecasts",
            View::Bundles => "Bundles",
        }
    }
}

/// What a served page adds to the report: the filter bar, the tabs between the views, and
/// drill-down links, all plain links and a GET form (no script).
#[derive(Debug, Clone, Copy)]
pub struct PageLinks<'a> {
    /// The page shown.
    pub view: View,
    /// The filters of this request.
    pub filters: &'a DashboardFilters,
    /// The values the filter bar offers.
    pub choices: &'a FilterChoices,
    /// Data sets left out of this slice, with why.
    pub left_out: &'a [String],
}

/// A page of the served dashboard: [`render`]'s page with a filter bar, tabs and drill-down
/// links.
pub fn render_page(title: &str, dashboards: &[Dashboard], links: &PageLinks<'_>) -> String {
    render_with(title, dashboards, Some(links))
}

fn render_with(title: &str, dashboards: &[Dashboard], links: Option<&PageLinks<'_>>) -> String {
    let mut html = String::with_capacity(512 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\" />\n\
         <meta name=\"generator\" content=\"retail {}\" />\n<title>{}</title>\n<style>{CSS}</style>\n\
         </head>\n<body>\n<header class=\"top\">\n<h1>{}</h1>\n<p>{}</p>\n",
        env!("CARGO_PKG_VERSION"),
        escape(title),
        escape(title),
        escape(&lede(dashboards)),
    );
    if let Some(links) = links {
        filter_bar(&mut html, links);
    }
    html.push_str("<nav>");
    for (i, d) in dashboards.iter().enumerate() {
        let id = dataset_id(i);
        let _ = write!(
            html,
            "<a class=\"dataset-link\" href=\"#{id}\">{}</a>",
            escape(&d.name)
        );
        let mut anchors = Vec::new();
        if links.is_none_or(|l| l.view == View::Overview) {
            anchors.extend([("customers", "Customers"), ("sales", "Sales")]);
        }
        if d.forecasts.is_some() {
            anchors.push(("forecast", "Forecast"));
        }
        if d.bundles.is_some() {
            anchors.push(("bundles", "Bundles"));
        }
        for (anchor, text) in anchors {
            let _ = write!(html, "<a href=\"#{id}-{anchor}\">{text}</a>");
        }
    }
    html.push_str("</nav>\n</header>\n<main>\n");
    if let Some(links) = links {
        for note in links.left_out {
            note_card(&mut html, note);
        }
        if dashboards.is_empty() {
            note_card(
                &mut html,
                "No sales line is in this slice. Widen the dates or clear a filter.",
            );
        }
    }
    for (i, d) in dashboards.iter().enumerate() {
        dataset(&mut html, &dataset_id(i), d, links);
    }
    let _ = write!(
        html,
        "</main>\n<footer>Made with retail-analytics {} (retail-metrics, retail-forecast and \
         retail-bundles). Money is completed revenue unless said otherwise; forfeited sales \
         are the absolute amounts of cancelled and returned lines. Hover a chart element for its \
         exact value.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

/// The filter bar: a GET form over the filters, and the tabs between the views.
fn filter_bar(html: &mut String, links: &PageLinks<'_>) {
    let f = links.filters;
    let c = links.choices;
    let query = f.to_query();
    html.push_str("<div class=\"views\">");
    for view in [View::Overview, View::Forecasts, View::Bundles] {
        let class = if view == links.view {
            " class=\"current\""
        } else {
            ""
        };
        let _ = write!(
            html,
            "<a{class} href=\"{}\">{}</a>",
            escape(&href(view, &query)),
            view.title()
        );
    }
    html.push_str("</div>\n");
    let _ = write!(
        html,
        "<form class=\"filters\" method=\"get\" action=\"{}\">",
        links.view.path()
    );
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let (min, max) = (day(c.first_day), day(c.last_day));
    for (name, label, value) in [("from", "From", day(f.from)), ("to", "To", day(f.to))] {
        let _ = write!(
            html,
            "<label>{label} <input type=\"date\" name=\"{name}\" value=\"{}\" min=\"{}\" \
             max=\"{}\" /></label>",
            escape(&value),
            escape(&min),
            escape(&max)
        );
    }
    for (name, label, options) in [
        (FilterName::Country, "Country", &c.countries),
        (FilterName::Region, "Region", &c.regions),
        (FilterName::Category, "Category", &c.categories),
        (FilterName::SubCategory, "Sub-category", &c.sub_categories),
        (FilterName::Segment, "Segment", &c.segments),
    ] {
        let chosen = f.values(name);
        if options.is_empty() && chosen.is_empty() {
            continue;
        }
        let multiple = if chosen.len() > 1 {
            " multiple=\"multiple\""
        } else {
            ""
        };
        let _ = write!(
            html,
            "<label>{label} <select name=\"{}\"{multiple}><option value=\"\">All</option>",
            name.as_str()
        );
        for option in options
            .iter()
            .chain(chosen.iter().filter(|v| !options.contains(v)))
        {
            let selected = if chosen.contains(option) {
                " selected=\"selected\""
            } else {
                ""
            };
            let _ = write!(
                html,
                "<option{selected} value=\"{}\">{}</option>",
                escape(option),
                escape(option)
            );
        }
        html.push_str("</select></label>");
    }
    for product in f.values(FilterName::Product) {
        let _ = write!(
            html,
            "<label>Product <select name=\"product\"><option value=\"\">All</option>\
             <option selected=\"selected\" value=\"{}\">{}</option></select></label>",
            escape(product),
            escape(product)
        );
    }
    let checked = if f.merchandise_only {
        " checked=\"checked\""
    } else {
        ""
    };
    let _ = writeln!(
        html,
        "<label class=\"check\"><input type=\"checkbox\" name=\"merchandise-only\" \
         value=\"1\"{checked} /> Merchandise only</label>\
         <button type=\"submit\">Apply</button><a class=\"clear\" href=\"{}\">Clear</a></form>",
        links.view.path()
    );
}

/// The link to `view` with the URL query `query`.
fn href(view: View, query: &str) -> String {
    if query.is_empty() {
        view.path().to_string()
    } else {
        format!("{}?{query}", view.path())
    }
}

/// Drill-down links under the tiles: a click filters by one category, region, segment or
/// country (the largest ones).
fn drill_down(html: &mut String, d: &Dashboard, links: &PageLinks<'_>) {
    let mut groups: Vec<(FilterName, &str, Vec<String>)> = Vec::new();
    for (name, label) in [
        (FilterName::Category, "category"),
        (FilterName::Region, "region"),
        (FilterName::Segment, "segment"),
    ] {
        if !links.filters.values(name).is_empty() {
            continue;
        }
        let mut values: Vec<(String, f64)> = Vec::new();
        for row in d
            .dimensions
            .iter()
            .filter(|r| r.grouping == grouping_of(name))
        {
            if let Some(v) = dimension_value(row, name) {
                values.push((v.to_string(), row.revenue));
            }
        }
        values.sort_by(|a, b| b.1.total_cmp(&a.1));
        let values: Vec<String> = values.into_iter().map(|(v, _)| v).take(8).collect();
        if values.len() > 1 {
            groups.push((name, label, values));
        }
    }
    if links.filters.countries.is_empty() && d.countries.len() > 1 {
        let values = d
            .countries
            .iter()
            .filter_map(|c| c.place.clone())
            .take(8)
            .collect();
        groups.push((FilterName::Country, "country", values));
    }
    if groups.is_empty() {
        return;
    }
    html.push_str("<p class=\"drill\">Drill down by ");
    for (i, (name, label, values)) in groups.iter().enumerate() {
        if i > 0 {
            html.push_str("; ");
        }
        let _ = write!(html, "{label}: ");
        for (j, value) in values.iter().enumerate() {
            if j > 0 {
                html.push_str(" · ");
            }
            let query = links.filters.with(*name, value).to_query();
            let _ = write!(
                html,
                "<a href=\"{}\">{}</a>",
                escape(&href(links.view, &query)),
                escape(value)
            );
        }
    }
    html.push_str("</p>\n");
}

/// The `grouping` of the dimension rows that hold `name` alone.
fn grouping_of(name: FilterName) -> &'static str {
    match name {
        FilterName::Category => "category",
        FilterName::Region => "region",
        FilterName::Segment => "segment",
        _ => "",
    }
}

fn dimension_value(row: &retail_metrics::typed::DimensionSales, name: FilterName) -> Option<&str> {
    match name {
        FilterName::Category => row.category.as_deref(),
        FilterName::Region => row.region.as_deref(),
        FilterName::Segment => row.segment.as_deref(),
        _ => None,
    }
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
                d.summary.first_sale.map_or("–".into(), |t| day(t.date())),
                d.summary.last_sale.map_or("–".into(), |t| day(t.date()))
            )
        })
        .collect();
    format!(
        "Customer insights, sales performance, forecasts and product bundles. {}.",
        parts.join("; ")
    )
}

fn dataset(html: &mut String, id: &str, d: &Dashboard, links: Option<&PageLinks<'_>>) {
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
    if links.is_none_or(|l| l.view == View::Overview) {
        tiles(html, d);
        if let Some(links) = links {
            drill_down(html, d, links);
        }
        customers(html, id, d);
        sales(html, id, d);
    }
    if let Some(panel) = &d.forecasts {
        forecast(html, id, d, panel);
    }
    if let Some(panel) = &d.bundles {
        bundles(html, id, panel);
    }
    html.push_str("</section>\n");
}

fn sources_line(d: &Dashboard) -> String {
    d.reports
        .iter()
        .map(|r| {
            format!(
                "{} ({} layout): {} rows read, {} accepted, {} rejected",
                file_name(&r.source),
                r.layout,
                int(r.rows_read as i64),
                int(r.rows_accepted as i64),
                int(r.rows_rejected as i64)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A day as the page writes every date: `29 Nov 2010` (chart ticks drop the year or the day
/// where the axis makes it plain).
fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// The file's name without its folders (a manager's page shows no local paths).
fn file_name(source: &str) -> &str {
    source.rsplit(['/', '\\']).next().unwrap_or(source)
}

fn cur(d: &Dashboard, x: f64) -> String {
    signed_money(d.currency, x)
}

/// `x` with cents and `currency`, the sign before the symbol (`-£1.50`; no `-£0.00`).
fn signed_money(currency: &str, x: f64) -> String {
    let text = money(x.abs());
    let sign = if x < 0.0 && text != "0.00" { "-" } else { "" };
    format!("{sign}{currency}{text}")
}

/// Money for a tile: whole units from 10,000 up (`£1,965,241`), cents below, and millions
/// from 100 million up (`£277.7m`, `£1,966.2m`), which a tile's width holds.
fn tile_money(d: &Dashboard, x: f64) -> String {
    tile_amount(d.currency, x)
}

fn tile_amount(currency: &str, x: f64) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    let size = x.abs();
    if size < 10_000.0 {
        signed_money(currency, x)
    } else if size.round() < 100e6 {
        format!("{sign}{currency}{}", int(size.round() as i64))
    } else {
        let tenths = (size / 100e3).round() as i64;
        format!("{sign}{currency}{}.{}m", int(tenths / 10), tenths % 10)
    }
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
    last_full_month(html, d);
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
    let guests = (s.revenue != 0.0).then(|| s.guest_revenue / s.revenue);
    tile(
        html,
        "Average customer spend",
        &s.avg_customer_spend.map_or("–".into(), |v| cur(d, v)),
        &if s.guest_revenue > 0.0 {
            format!(
                "identified customers; guests (no customer id) bought {} of revenue",
                pct(guests)
            )
        } else {
            "every sale has a customer id".to_string()
        },
    );
    tile(
        html,
        "Repeat-purchase rate",
        &pct(s.repeat_rate),
        &format!("{} customers with 2+ orders", int(s.repeat_customers)),
    );
    // Churn needs a history longer than its window: in a shorter slice every customer bought
    // "in the last 90 days" by construction.
    let span_days = match (s.first_sale, s.last_sale) {
        (Some(first), Some(last)) => (last - first).num_days(),
        _ => 0,
    };
    if span_days > d.churn.churn_days {
        tile(
            html,
            "Churn",
            &pct(d.churn.churn_rate),
            &format!("no purchase in the last {} days", d.churn.churn_days),
        );
    } else {
        tile(
            html,
            "Churn",
            "–",
            &format!(
                "needs more than {} days of sales; these cover {span_days}",
                d.churn.churn_days
            ),
        );
    }
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

/// The last full month's revenue with its change vs the month before and the same month a
/// year earlier; a partial last month (the data stops mid-month) is named, not compared.
fn last_full_month(html: &mut String, d: &Dashboard) {
    let Some(month) = d.monthly.iter().rev().find(|m| !m.is_partial) else {
        return;
    };
    let name = |date: chrono::NaiveDate| date.format("%b %Y").to_string();
    let change = |x: Option<f64>, against: &str| match x {
        Some(x) => format!(
            "{}{} vs {against}",
            if x >= 0.0 { "+" } else { "−" },
            pct(Some(x.abs()))
        ),
        None => format!("no {against} to compare"),
    };
    let previous = month
        .period_start
        .checked_sub_months(chrono::Months::new(1))
        .map_or(String::new(), name);
    let year_ago = month
        .period_start
        .checked_sub_months(chrono::Months::new(12))
        .map_or(String::new(), name);
    let mut note = format!(
        "{}; {}",
        change(month.revenue_change, &previous),
        change(month.revenue_yoy_change, &year_ago)
    );
    if let Some(last) = d
        .monthly
        .last()
        .filter(|m| m.is_partial && m.period_start > month.period_start)
    {
        let _ = write!(
            note,
            ". {} is partial (data to {}): not compared",
            name(last.period_start),
            d.summary
                .last_sale
                .map_or("–".into(), |t| t.date().format("%-d %b").to_string())
        );
    }
    tile(
        html,
        &format!("Revenue, {}", name(month.period_start)),
        &tile_money(d, month.revenue),
        &note,
    );
}

fn figure(html: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        html,
        "<figure class=\"card scroll\">{svg}<figcaption>{}</figcaption></figure>",
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

#[cfg(test)]
mod tile_tests {
    use super::tile_amount;

    #[test]
    fn tile_amounts_fit_a_tile_at_every_size() {
        assert_eq!(tile_amount("£", 533.875), "£533.88");
        assert_eq!(tile_amount("£", -0.001), "£0.00");
        assert_eq!(tile_amount("£", 10_655_622.4), "£10,655,622");
        assert_eq!(tile_amount("$", -1_980.739_3), "-$1,980.74");
        assert_eq!(tile_amount("£", 277_747_325.0), "£277.7m");
        assert_eq!(tile_amount("", 1_966_243_930.0), "1,966.2m");
        assert_eq!(tile_amount("£", 99_999_999.4), "£99,999,999");
        assert_eq!(tile_amount("£", 99_999_999.6), "£100.0m");
        assert_eq!(tile_amount("£", -150_049_999.0), "-£150.0m");
    }
}
