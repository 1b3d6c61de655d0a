//! A deliberately naive oracle for every KPI of docs/kpis.md, written from the spec alone (not
//! from the SQL in `src/kpi.rs`): plain loops and folds over a slice of rows, BTreeMaps and
//! sorting, no DataFusion and no SQL. Used by the property test that compares it with the SQL
//! suite on random small data (`KpiSuite::to_json()` vs [`all_kpis`], through [`diff_json`]).
//!
//! Where the spec leaves room, the reading taken is marked with a `// SPEC:` comment; the
//! readings most likely to differ from the SQL are switchable through the constants below.

#![allow(dead_code, clippy::type_complexity)]

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Readings of the spec (switches for reconciling with the SQL)
// ---------------------------------------------------------------------------------------------

/// SPEC: retention's last period. docs/kpis.md says "the data's last month (week)", and "the
/// data's end" is the latest completed line of ANY customer (guests included); the brief says
/// "the last period among all (customer, period) pairs of completed identified lines".
/// `true` = the brief's reading (identified completed lines only); `false` = the period of the
/// data's end (guest lines included). They differ only when the last completed line is a guest's.
const RETENTION_END_FROM_IDENTIFIED_ONLY: bool = true;

/// SPEC: by_country / by_region groups. Adjustment lines "count in lines by kind and nowhere
/// else", so a country that only has adjustment lines gets no row (`false`). `true` would give
/// it a row of zeros (what `FROM sales GROUP BY country` with CASE sums would do).
const PLACES_INCLUDE_ADJUSTMENT_ONLY_GROUPS: bool = false;

/// SPEC: by_dimensions' second grouping set is written `(sub_category)` "(with its category)".
/// Read as: grouped by the pair (category, sub_category) (one row per distinct pair, the
/// category column filled), labelled with the set as the spec writes it, `sub_category`.
/// The alternative label would be `category,sub_category`.
const SUB_CATEGORY_SET_LABEL: &str = "category,sub_category";

/// SPEC: `mean_profit_per_line` of the discount KPIs read as SQL `AVG(profit)` (mean over the
/// lines that have a profit; null when none has). `false` = profit / lines (all lines).
const MEAN_PROFIT_IS_AVG_OF_NON_NULL: bool = true;

/// SPEC: "Both [profit and margin] are null when the source has no profit (every `profit` null)
/// or revenue is 0". Read distributively: profit = SQL `SUM(profit)` over completed lines (null
/// only when no completed line has a profit), margin = profit / revenue (null when profit is
/// null or revenue is 0). `true` would also null the profit itself when revenue is 0.
const PROFIT_NULL_WHEN_REVENUE_ZERO: bool = false;

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// One canonical row (only what the KPIs need).
#[derive(Debug, Clone)]
pub struct Row {
    pub invoice_id: String,
    pub timestamp: chrono::NaiveDateTime,
    pub customer_id: Option<String>,
    pub product_id: String,
    pub product_name: Option<String>,
    pub category: Option<String>,
    pub sub_category: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub segment: Option<String>,
    pub quantity: i64,
    pub unit_price: Option<f64>,
    pub line_amount: f64,
    pub discount: Option<f64>,
    pub profit: Option<f64>,
    pub line_kind: String, // "sale" | "cancellation" | "adjustment"
    /// The optional column `customer_name` (None in every row: the table has no names).
    pub customer_name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Small helpers: SQL-like aggregates, ordering, JSON values
// ---------------------------------------------------------------------------------------------

fn is_sale(r: &Row) -> bool {
    r.line_kind == "sale"
}

fn is_cancel(r: &Row) -> bool {
    r.line_kind == "cancellation"
}

/// The product ids the property test declares not merchandise (a fee); the KPIs get the same
/// list through `KpiParams::with_product_classes`.
pub const OTHER_CHARGES: &[&str] = &["P4"];

/// SPEC (docs/kpis.md, product classes): the line's product is not merchandise.
fn is_other(r: &Row) -> bool {
    OTHER_CHARGES.contains(&r.product_id.as_str())
}

/// Sum starting from +0.0 (a COALESCEd SQL SUM: 0.0 over no rows).
fn fsum<I: IntoIterator<Item = f64>>(values: I) -> f64 {
    values.into_iter().fold(0.0, |acc, v| acc + v)
}

/// SQL `SUM` of a nullable column: null when no non-null value.
fn sql_sum<I: IntoIterator<Item = Option<f64>>>(values: I) -> Option<f64> {
    let mut acc: Option<f64> = None;
    for v in values.into_iter().flatten() {
        acc = Some(acc.unwrap_or(0.0) + v);
    }
    acc
}

/// SQL `AVG` of a nullable column: null when no non-null value.
fn sql_avg<I: IntoIterator<Item = Option<f64>>>(values: I) -> Option<f64> {
    let present: Vec<f64> = values.into_iter().flatten().collect();
    if present.is_empty() {
        None
    } else {
        Some(fsum(present.iter().copied()) / present.len() as f64)
    }
}

/// `num / den`, null when `den` is 0.
fn ratio(num: f64, den: f64) -> Option<f64> {
    if den == 0.0 { None } else { Some(num / den) }
}

/// Number of distinct strings.
fn distinct<'a, I: IntoIterator<Item = &'a str>>(values: I) -> usize {
    values.into_iter().collect::<BTreeSet<&str>>().len()
}

fn cmp_f64(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}

/// Ascending, nulls last (SQL `ASC NULLS LAST`, DataFusion's default for ASC).
fn cmp_nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    }
}

/// Descending, nulls last, for floats.
fn cmp_f64_desc_nulls_last(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => cmp_f64(y, x),
    }
}

fn jf(x: f64) -> Value {
    // NaN / infinity become null, like Arrow's JSON writer.
    Value::from(x)
}

fn jof(x: Option<f64>) -> Value {
    x.map_or(Value::Null, Value::from)
}

fn ji(x: i64) -> Value {
    Value::from(x)
}

fn js(x: &str) -> Value {
    Value::from(x)
}

fn jos(x: Option<&str>) -> Value {
    x.map_or(Value::Null, Value::from)
}

fn jdate(d: NaiveDate) -> Value {
    Value::from(d.format("%Y-%m-%d").to_string())
}

/// Arrow's display of a zone-less timestamp is chrono's `Debug` of `NaiveDateTime`:
/// `2010-12-01T08:26:00`, with a fraction only when non-zero.
fn jts(t: NaiveDateTime) -> Value {
    Value::from(format!("{t:?}"))
}

fn obj(fields: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (k, v) in fields {
        map.insert(k.to_string(), v);
    }
    Value::Object(map)
}

/// Profit as shown (see `PROFIT_NULL_WHEN_REVENUE_ZERO`).
fn shown_profit(profit: Option<f64>, revenue: f64) -> Option<f64> {
    if PROFIT_NULL_WHEN_REVENUE_ZERO && revenue == 0.0 {
        None
    } else {
        profit
    }
}

/// Margin = profit / revenue, null without profit or with revenue 0.
fn margin(profit: Option<f64>, revenue: f64) -> Option<f64> {
    profit.and_then(|p| ratio(p, revenue))
}

/// SQL `NTILE(buckets)` over `n_rows` rows in their given order: the first `n_rows % buckets`
/// buckets get one extra row; bucket numbers start at 1.
pub fn ntile(n_rows: usize, buckets: usize) -> Vec<i64> {
    let base = n_rows / buckets;
    let extra = n_rows % buckets;
    let mut out = Vec::with_capacity(n_rows);
    for b in 0..buckets {
        let size = base + usize::from(b < extra);
        for _ in 0..size {
            out.push(b as i64 + 1);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Measures shared by summary, periods and places
// ---------------------------------------------------------------------------------------------

struct Measures {
    revenue: f64,
    forfeited: f64,
    orders: i64,
    customers: i64,
    units: i64,
    profit: Option<f64>,
}

/// The summary's measures over a set of lines (any kinds; each measure picks its kind).
/// Profit follows docs/kpis.md: when the source has profit (any line has one) it is the sum
/// over completed lines, 0 for none; without profit data it is null.
fn measures(rows: &[&Row], source_has_profit: bool) -> Measures {
    let sales: Vec<&Row> = rows.iter().copied().filter(|r| is_sale(r)).collect();
    let cancels: Vec<&Row> = rows.iter().copied().filter(|r| is_cancel(r)).collect();
    Measures {
        revenue: fsum(sales.iter().map(|r| r.line_amount)),
        forfeited: fsum(cancels.iter().map(|r| r.line_amount.abs())),
        orders: distinct(sales.iter().map(|r| r.invoice_id.as_str())) as i64,
        customers: distinct(sales.iter().filter_map(|r| r.customer_id.as_deref())) as i64,
        units: sales.iter().map(|r| r.quantity).sum(),
        profit: source_has_profit.then(|| sql_sum(sales.iter().map(|r| r.profit)).unwrap_or(0.0)),
    }
}

/// Completed lines of identified customers, per customer (ordered by customer id).
fn sales_by_customer(rows: &[Row]) -> BTreeMap<String, Vec<&Row>> {
    let mut out: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows.iter().filter(|r| is_sale(r)) {
        if let Some(c) = &r.customer_id {
            out.entry(c.clone()).or_default().push(r);
        }
    }
    out
}

/// The data's end: the latest timestamp of any completed line (guests included).
fn data_end(rows: &[Row]) -> Option<NaiveDateTime> {
    rows.iter()
        .filter(|r| is_sale(r))
        .map(|r| r.timestamp)
        .max()
}

// ---------------------------------------------------------------------------------------------
// summary
// ---------------------------------------------------------------------------------------------

fn summary(rows: &[Row]) -> Value {
    let all: Vec<&Row> = rows.iter().collect();
    let m = measures(&all, rows.iter().any(|r| r.profit.is_some()));
    let kind_count = |kind: &str| rows.iter().filter(|r| r.line_kind == kind).count() as i64;
    let sales: Vec<&Row> = rows.iter().filter(|r| is_sale(r)).collect();
    let identified: Vec<&Row> = sales
        .iter()
        .copied()
        .filter(|r| r.customer_id.is_some())
        .collect();
    let identified_revenue = fsum(identified.iter().map(|r| r.line_amount));
    let identified_orders = distinct(identified.iter().map(|r| r.invoice_id.as_str())) as i64;
    let customers = m.customers;
    let per_customer = sales_by_customer(rows);
    let repeat_customers = per_customer
        .values()
        .filter(|lines| distinct(lines.iter().map(|r| r.invoice_id.as_str())) >= 2)
        .count() as i64;
    let cancelled_invoices = distinct(
        rows.iter()
            .filter(|r| is_cancel(r))
            .map(|r| r.invoice_id.as_str()),
    ) as i64;
    let sale_or_cancel_invoices = distinct(
        rows.iter()
            .filter(|r| is_sale(r) || is_cancel(r))
            .map(|r| r.invoice_id.as_str()),
    ) as i64;
    // Guests: completed lines without a customer id.
    let guests: Vec<&Row> = sales
        .iter()
        .copied()
        .filter(|r| r.customer_id.is_none())
        .collect();
    let guest_revenue = fsum(guests.iter().map(|r| r.line_amount));
    let guest_orders = distinct(guests.iter().map(|r| r.invoice_id.as_str())) as i64;
    let other_charges = fsum(sales.iter().filter(|r| is_other(r)).map(|r| r.line_amount));
    let merchandise_revenue = fsum(sales.iter().filter(|r| !is_other(r)).map(|r| r.line_amount));
    let cancelled: Vec<&Row> = rows.iter().filter(|r| is_cancel(r)).collect();
    let forfeited_other = fsum(
        cancelled
            .iter()
            .filter(|r| is_other(r))
            .map(|r| r.line_amount.abs()),
    );
    let forfeited_goods = fsum(
        cancelled
            .iter()
            .filter(|r| !is_other(r))
            .map(|r| r.line_amount.abs()),
    );
    let first_sale = sales.iter().map(|r| r.timestamp).min();
    let last_sale = sales.iter().map(|r| r.timestamp).max();
    obj(vec![
        ("sale_lines", ji(kind_count("sale"))),
        ("cancellation_lines", ji(kind_count("cancellation"))),
        ("adjustment_lines", ji(kind_count("adjustment"))),
        ("orders", ji(m.orders)),
        ("customers", ji(customers)),
        ("revenue", jf(m.revenue)),
        ("forfeited", jf(m.forfeited)),
        ("net_revenue", jf(m.revenue - m.forfeited)),
        ("units", ji(m.units)),
        (
            "avg_customer_spend",
            jof(ratio(identified_revenue, customers as f64)),
        ),
        ("avg_order_value", jof(ratio(m.revenue, m.orders as f64))),
        (
            "orders_per_customer",
            jof(ratio(identified_orders as f64, customers as f64)),
        ),
        ("repeat_customers", ji(repeat_customers)),
        (
            "repeat_rate",
            jof(ratio(repeat_customers as f64, customers as f64)),
        ),
        ("cancelled_invoices", ji(cancelled_invoices)),
        (
            "cancelled_invoice_share",
            jof(ratio(
                cancelled_invoices as f64,
                sale_or_cancel_invoices as f64,
            )),
        ),
        ("profit", jof(shown_profit(m.profit, m.revenue))),
        ("margin", jof(margin(m.profit, m.revenue))),
        ("first_sale", first_sale.map_or(Value::Null, jts)),
        ("last_sale", last_sale.map_or(Value::Null, jts)),
        ("merchandise_revenue", jf(merchandise_revenue)),
        ("other_charges", jf(other_charges)),
        ("forfeited_goods", jf(forfeited_goods)),
        ("forfeited_other_charges", jf(forfeited_other)),
        ("guest_revenue", jf(guest_revenue)),
        ("guest_orders", ji(guest_orders)),
        ("guest_revenue_share", jof(ratio(guest_revenue, m.revenue))),
        (
            "guest_order_share",
            jof(ratio(guest_orders as f64, m.orders as f64)),
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// lines_by_kind
// ---------------------------------------------------------------------------------------------

fn lines_by_kind(rows: &[Row]) -> Value {
    let mut kinds: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        kinds.entry(r.line_kind.clone()).or_default().push(r);
    }
    // BTreeMap iteration = kind ascending (byte-wise).
    Value::Array(
        kinds
            .iter()
            .map(|(kind, lines)| {
                obj(vec![
                    ("line_kind", js(kind)),
                    ("lines", ji(lines.len() as i64)),
                    ("amount", jf(fsum(lines.iter().map(|r| r.line_amount)))),
                ])
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// top customers and products
// ---------------------------------------------------------------------------------------------

struct CustomerTotals {
    id: String,
    name: Option<String>,
    forfeited: f64,
    revenue: f64,
    orders: i64,
    units: i64,
    profit: Option<f64>,
}

fn customer_totals(rows: &[Row]) -> Vec<CustomerTotals> {
    sales_by_customer(rows)
        .into_iter()
        .map(|(id, lines)| CustomerTotals {
            name: customer_name(rows, &id),
            // SPEC: the customer's cancellation lines, whenever they are.
            forfeited: fsum(
                rows.iter()
                    .filter(|r| is_cancel(r) && r.customer_id.as_deref() == Some(id.as_str()))
                    .map(|r| r.line_amount.abs()),
            ),
            id,
            revenue: fsum(lines.iter().map(|r| r.line_amount)),
            orders: distinct(lines.iter().map(|r| r.invoice_id.as_str())) as i64,
            units: lines.iter().map(|r| r.quantity).sum(),
            profit: sql_sum(lines.iter().map(|r| r.profit)),
        })
        .collect()
}

fn customer_json(c: &CustomerTotals) -> Value {
    obj(vec![
        ("customer_id", js(&c.id)),
        ("customer_name", c.name.as_deref().map_or(Value::Null, js)),
        ("revenue", jf(c.revenue)),
        ("orders", ji(c.orders)),
        ("units", ji(c.units)),
        ("profit", jof(shown_profit(c.profit, c.revenue))),
        ("forfeited", jf(c.forfeited)),
        ("net_revenue", jf(c.revenue - c.forfeited)),
    ])
}

fn top_customers_by_net_revenue(rows: &[Row], top_n: usize) -> Value {
    let mut all = customer_totals(rows);
    all.sort_by(|a, b| {
        cmp_f64(b.revenue - b.forfeited, a.revenue - a.forfeited).then_with(|| a.id.cmp(&b.id))
    });
    Value::Array(all.iter().take(top_n).map(customer_json).collect())
}

fn top_customers_by_revenue(rows: &[Row], top_n: usize) -> Value {
    let mut all = customer_totals(rows);
    all.sort_by(|a, b| cmp_f64(b.revenue, a.revenue).then_with(|| a.id.cmp(&b.id)));
    Value::Array(all.iter().take(top_n).map(customer_json).collect())
}

fn top_customers_by_profit(rows: &[Row], top_n: usize) -> Value {
    // SPEC: "The by-profit list is empty when the source has no profit" read with the
    // conventions' "the source has no profit (every `profit` null)": every row of the table,
    // of any kind. Otherwise the list holds the same customers as the by-revenue list (every
    // identified customer with completed lines, including those whose own profit is null),
    // ordered by profit descending with NULL profits LAST, then customer_id ascending.
    let source_has_profit = rows.iter().any(|r| r.profit.is_some());
    if !source_has_profit {
        return Value::Array(Vec::new());
    }
    let mut all = customer_totals(rows);
    all.sort_by(|a, b| cmp_f64_desc_nulls_last(a.profit, b.profit).then_with(|| a.id.cmp(&b.id)));
    Value::Array(all.iter().take(top_n).map(customer_json).collect())
}

/// SPEC (docs/kpis.md, customer names): the name the customer's completed lines carry most
/// often; ties go to the one whose latest line is the latest, then to the byte-wise smallest;
/// none when no completed line carries one (or the source has no names). Written naively, as
/// `product_name`.
fn customer_name(rows: &[Row], customer: &str) -> Option<String> {
    most_frequent_name(
        rows.iter()
            .filter(|r| is_sale(r) && r.customer_id.as_deref() == Some(customer)),
        |r| r.customer_name.as_deref(),
    )
}

/// SPEC (docs/kpis.md, product names): the name is the description the product's completed
/// lines carry most often; ties go to the one whose latest line is the latest, then to the
/// byte-wise smallest. Written naively: count every candidate against every line.
fn product_name(rows: &[Row], product: &str) -> Option<String> {
    most_frequent_name(
        rows.iter()
            .filter(|r| is_sale(r) && r.product_id == product),
        |r| r.product_name.as_deref(),
    )
}

/// The naming rule over `lines`: the name they carry most often, ties to the one whose latest
/// line is the latest, then the byte-wise smallest. Naive: every candidate against every line.
fn most_frequent_name<'a>(
    lines: impl Iterator<Item = &'a Row>,
    name_of: impl Fn(&Row) -> Option<&str>,
) -> Option<String> {
    let lines: Vec<&Row> = lines.collect();
    let mut best: Option<(usize, chrono::NaiveDateTime, String)> = None;
    for candidate in lines.iter().filter_map(|r| name_of(r)) {
        let carrying: Vec<&&Row> = lines
            .iter()
            .filter(|r| name_of(r) == Some(candidate))
            .collect();
        let count = carrying.len();
        let latest = carrying.iter().map(|r| r.timestamp).max().unwrap();
        let better = match &best {
            None => true,
            Some((c, t, n)) => {
                count > *c
                    || (count == *c && (latest > *t || (latest == *t && candidate < n.as_str())))
            }
        };
        if better {
            best = Some((count, latest, candidate.to_string()));
        }
    }
    best.map(|(_, _, name)| name)
}

struct ProductTotals {
    id: String,
    name: Option<String>,
    revenue: f64,
    units: i64,
    orders: i64,
    forfeited: f64,
    forfeited_units: i64,
}

fn product_totals(rows: &[Row]) -> Vec<ProductTotals> {
    let mut per: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    // SPEC: product-level KPIs cover merchandise only by default.
    for r in rows.iter().filter(|r| is_sale(r) && !is_other(r)) {
        per.entry(r.product_id.clone()).or_default().push(r);
    }
    per.into_iter()
        .map(|(id, lines)| ProductTotals {
            name: product_name(rows, &id),
            revenue: fsum(lines.iter().map(|r| r.line_amount)),
            units: lines.iter().map(|r| r.quantity).sum(),
            orders: distinct(lines.iter().map(|r| r.invoice_id.as_str())) as i64,
            // SPEC: a product's forfeited sales are all its cancellation lines.
            forfeited: fsum(
                rows.iter()
                    .filter(|r| is_cancel(r) && r.product_id == id)
                    .map(|r| r.line_amount.abs()),
            ),
            forfeited_units: rows
                .iter()
                .filter(|r| is_cancel(r) && r.product_id == id)
                .map(|r| r.quantity.abs())
                .sum(),
            id,
        })
        .collect()
}

fn product_json(p: &ProductTotals) -> Value {
    obj(vec![
        ("product_id", js(&p.id)),
        ("product_name", jos(p.name.as_deref())),
        ("revenue", jf(p.revenue)),
        ("units", ji(p.units)),
        ("orders", ji(p.orders)),
        ("forfeited", jf(p.forfeited)),
        ("net_revenue", jf(p.revenue - p.forfeited)),
        ("net_units", ji(p.units - p.forfeited_units)),
    ])
}

fn top_products_by_net_units(rows: &[Row], top_n: usize) -> Value {
    let mut all = product_totals(rows);
    all.sort_by(|a, b| {
        (b.units - b.forfeited_units)
            .cmp(&(a.units - a.forfeited_units))
            .then_with(|| a.id.cmp(&b.id))
    });
    Value::Array(all.iter().take(top_n).map(product_json).collect())
}

fn top_products_by_net_revenue(rows: &[Row], top_n: usize) -> Value {
    let mut all = product_totals(rows);
    all.sort_by(|a, b| {
        cmp_f64(b.revenue - b.forfeited, a.revenue - a.forfeited).then_with(|| a.id.cmp(&b.id))
    });
    Value::Array(all.iter().take(top_n).map(product_json).collect())
}

/// SPEC (docs/kpis.md, "Returns and voided orders"): the default void window, one day.
pub const VOID_WINDOW: TimeDelta = TimeDelta::days(1);

/// Each cancellation line on its own: the latest completed line of the same (identified)
/// customer and product at or before it whose quantity covers it; voided within
/// [`VOID_WINDOW`] of that sale, returned later, unmatched without one.
fn cancellation_outcomes(rows: &[Row]) -> Value {
    let outcome_of = |c: &Row| -> usize {
        let Some(customer) = c.customer_id.as_deref() else {
            return 2;
        };
        let sold_at = rows
            .iter()
            .filter(|s| {
                is_sale(s)
                    && s.customer_id.as_deref() == Some(customer)
                    && s.product_id == c.product_id
                    && s.timestamp <= c.timestamp
                    && s.quantity >= c.quantity.abs()
            })
            .map(|s| s.timestamp)
            .max();
        match sold_at {
            None => 2,
            Some(t) if c.timestamp - t <= VOID_WINDOW => 0,
            Some(_) => 1,
        }
    };
    let cancels: Vec<(&Row, usize)> = rows
        .iter()
        .filter(|r| is_cancel(r))
        .map(|r| (r, outcome_of(r)))
        .collect();
    let total = fsum(cancels.iter().map(|(r, _)| r.line_amount.abs()));
    let out = ["voided", "returned", "unmatched"]
        .iter()
        .enumerate()
        .map(|(order, name)| {
            let lines: Vec<&Row> = cancels
                .iter()
                .filter(|(_, o)| *o == order)
                .map(|(r, _)| *r)
                .collect();
            let amount = fsum(lines.iter().map(|r| r.line_amount.abs()));
            obj(vec![
                ("outcome", js(name)),
                ("outcome_order", ji(order as i64)),
                ("lines", ji(lines.len() as i64)),
                (
                    "invoices",
                    ji(distinct(lines.iter().map(|r| r.invoice_id.as_str())) as i64),
                ),
                (
                    "customers",
                    ji(distinct(lines.iter().filter_map(|r| r.customer_id.as_deref())) as i64),
                ),
                ("units", ji(lines.iter().map(|r| r.quantity.abs()).sum())),
                ("amount", jf(amount)),
                (
                    "goods",
                    jf(fsum(
                        lines
                            .iter()
                            .filter(|r| !is_other(r))
                            .map(|r| r.line_amount.abs()),
                    )),
                ),
                (
                    "other_charges",
                    jf(fsum(
                        lines
                            .iter()
                            .filter(|r| is_other(r))
                            .map(|r| r.line_amount.abs()),
                    )),
                ),
                (
                    "forfeited_share",
                    jof(if total > 0.0 {
                        Some(amount / total)
                    } else {
                        None
                    }),
                ),
            ])
        })
        .collect();
    Value::Array(out)
}

fn top_products_by_revenue(rows: &[Row], top_n: usize) -> Value {
    let mut all = product_totals(rows);
    all.sort_by(|a, b| cmp_f64(b.revenue, a.revenue).then_with(|| a.id.cmp(&b.id)));
    Value::Array(all.iter().take(top_n).map(product_json).collect())
}

fn top_products_by_units(rows: &[Row], top_n: usize) -> Value {
    let mut all = product_totals(rows);
    all.sort_by(|a, b| b.units.cmp(&a.units).then_with(|| a.id.cmp(&b.id)));
    Value::Array(all.iter().take(top_n).map(product_json).collect())
}

fn top_forfeited_products(rows: &[Row], top_n: usize) -> Value {
    let mut per: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows.iter().filter(|r| is_cancel(r) && !is_other(r)) {
        per.entry(r.product_id.clone()).or_default().push(r);
    }
    let mut all: Vec<(String, Option<String>, f64, i64, i64)> = per
        .into_iter()
        .map(|(id, lines)| {
            (
                id.clone(),
                product_name(rows, &id),
                fsum(lines.iter().map(|r| r.line_amount.abs())),
                lines.iter().map(|r| r.quantity.abs()).sum(),
                distinct(lines.iter().map(|r| r.invoice_id.as_str())) as i64,
            )
        })
        .collect();
    all.sort_by(|a, b| cmp_f64(b.2, a.2).then_with(|| a.0.cmp(&b.0)));
    Value::Array(
        all.iter()
            .take(top_n)
            .map(|(id, name, forfeited, units, invoices)| {
                obj(vec![
                    ("product_id", js(id)),
                    ("product_name", jos(name.as_deref())),
                    ("forfeited", jf(*forfeited)),
                    ("units", ji(*units)),
                    ("invoices", ji(*invoices)),
                ])
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Periods: sales_by_day / week / month
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    Day,
    Week,
    Month,
}

/// The period holding `t`: the day, the week's Monday, or the month's first day.
fn period_of(g: Grain, t: NaiveDateTime) -> NaiveDate {
    let d = t.date();
    match g {
        Grain::Day => d,
        Grain::Week => d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday())),
        Grain::Month => NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("first of month"),
    }
}

/// The period `k >= 0` periods after `p`.
fn add_periods(g: Grain, p: NaiveDate, k: i64) -> NaiveDate {
    match g {
        Grain::Day => p + TimeDelta::days(k),
        Grain::Week => p + TimeDelta::days(7 * k),
        Grain::Month => p
            .checked_add_months(Months::new(u32::try_from(k).expect("k >= 0")))
            .expect("date in range"),
    }
}

/// Number of periods from `a` to `b` (both period starts).
fn periods_between(g: Grain, a: NaiveDate, b: NaiveDate) -> i64 {
    match g {
        Grain::Day => b.signed_duration_since(a).num_days(),
        Grain::Week => b.signed_duration_since(a).num_days() / 7,
        Grain::Month => {
            i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month())
        }
    }
}

/// The same period a year earlier: the date one year earlier for days (Feb 29 -> Feb 28),
/// 52 weeks (364 days) earlier for weeks, 12 months earlier for months.
fn year_earlier(g: Grain, p: NaiveDate) -> Option<NaiveDate> {
    match g {
        Grain::Day | Grain::Month => p.checked_sub_months(Months::new(12)),
        Grain::Week => Some(p - TimeDelta::days(364)),
    }
}

fn moving_window(g: Grain) -> usize {
    match g {
        Grain::Day => 7,
        Grain::Week => 4,
        Grain::Month => 3,
    }
}

/// SPEC (docs/kpis.md, partial periods): more than one calendar day of the period lies before
/// the date of the data's first line or after the date of its last line (any kind).
fn is_partial(rows: &[Row], g: Grain, p: NaiveDate) -> bool {
    let first_day = rows.iter().map(|r| r.timestamp.date()).min().expect("rows");
    let last_day = rows.iter().map(|r| r.timestamp.date()).max().expect("rows");
    let period_last_day = add_periods(g, p, 1) - TimeDelta::days(1);
    let days_before = (first_day - p).num_days();
    let days_after = (period_last_day - last_day).num_days();
    days_before > 1 || days_after > 1
}

fn sales_by(rows: &[Row], g: Grain) -> Value {
    // Calendar: from the period of the first line of ANY kind to the period of the last line
    // of any kind, every period present.
    let Some(first) = rows.iter().map(|r| period_of(g, r.timestamp)).min() else {
        return Value::Array(Vec::new());
    };
    let last = rows
        .iter()
        .map(|r| period_of(g, r.timestamp))
        .max()
        .expect("non-empty");
    let mut periods: Vec<NaiveDate> = Vec::new();
    let mut p = first;
    while p <= last {
        periods.push(p);
        p = add_periods(g, p, 1);
    }
    let n = periods.len();
    let per: Vec<Measures> = periods
        .iter()
        .map(|&p| {
            let lines: Vec<&Row> = rows
                .iter()
                .filter(|r| period_of(g, r.timestamp) == p)
                .collect();
            measures(&lines, rows.iter().any(|r| r.profit.is_some()))
        })
        .collect();
    let revenue: Vec<f64> = per.iter().map(|m| m.revenue).collect();
    let index: BTreeMap<NaiveDate, usize> =
        periods.iter().enumerate().map(|(i, &p)| (p, i)).collect();

    let partial: Vec<bool> = periods.iter().map(|&p| is_partial(rows, g, p)).collect();
    // Peaks: whole periods only, ranked by (net revenue desc, period asc); the first
    // max(1, ceil(whole / 10)), none without a whole period.
    let whole = partial.iter().filter(|p| !**p).count();
    let peaks = if whole == 0 {
        0
    } else {
        std::cmp::max(1, whole.div_ceil(10))
    };
    let mut ranked: Vec<usize> = (0..n).filter(|&i| !partial[i]).collect();
    let net: Vec<f64> = per.iter().map(|m| m.revenue - m.forfeited).collect();
    ranked.sort_by(|&a, &b| cmp_f64(net[b], net[a]).then_with(|| periods[a].cmp(&periods[b])));
    let mut is_peak = vec![false; n];
    for &idx in ranked.iter().take(peaks) {
        is_peak[idx] = true;
    }

    let window = moving_window(g);
    let mut out = Vec::with_capacity(n);
    for (i, (&p, m)) in periods.iter().zip(&per).enumerate() {
        let change = if i == 0 || partial[i] || partial[i - 1] {
            None
        } else {
            ratio(revenue[i], revenue[i - 1]).map(|q| q - 1.0)
        };
        // SPEC: "outside the data" read as outside the zero-filled calendar above; a period
        // inside the calendar without lines has revenue 0, hence null too.
        let yoy = year_earlier(g, p)
            .and_then(|y| index.get(&y).copied())
            .filter(|&j| !partial[i] && !partial[j])
            .and_then(|j| ratio(revenue[i], revenue[j]))
            .map(|q| q - 1.0);
        let start = (i + 1).saturating_sub(window);
        let in_window = &revenue[start..=i];
        let moving_avg = fsum(in_window.iter().copied()) / in_window.len() as f64;
        out.push(obj(vec![
            ("period_start", jdate(p)),
            ("revenue", jf(m.revenue)),
            ("forfeited", jf(m.forfeited)),
            ("net_revenue", jf(m.revenue - m.forfeited)),
            ("orders", ji(m.orders)),
            ("customers", ji(m.customers)),
            ("units", ji(m.units)),
            ("profit", jof(shown_profit(m.profit, m.revenue))),
            ("revenue_change", jof(change)),
            ("revenue_yoy_change", jof(yoy)),
            ("revenue_moving_avg", jf(moving_avg)),
            ("is_peak", Value::Bool(is_peak[i])),
            ("is_partial", Value::Bool(partial[i])),
        ]));
    }
    Value::Array(out)
}

// ---------------------------------------------------------------------------------------------
// retention_monthly / retention_weekly
// ---------------------------------------------------------------------------------------------

fn retention(rows: &[Row], g: Grain) -> Value {
    // (customer, period) of every completed identified line.
    let mut active: BTreeSet<(String, NaiveDate)> = BTreeSet::new();
    for r in rows.iter().filter(|r| is_sale(r)) {
        if let Some(c) = &r.customer_id {
            active.insert((c.clone(), period_of(g, r.timestamp)));
        }
    }
    if active.is_empty() {
        return Value::Array(Vec::new());
    }
    let last_period = if RETENTION_END_FROM_IDENTIFIED_ONLY {
        active.iter().map(|(_, p)| *p).max().expect("non-empty")
    } else {
        period_of(g, data_end(rows).expect("there are completed lines"))
    };
    // Cohort of a customer: the period of their first completed line.
    let mut cohort_of: BTreeMap<String, NaiveDate> = BTreeMap::new();
    for (c, p) in &active {
        let e = cohort_of.entry(c.clone()).or_insert(*p);
        if *p < *e {
            *e = *p;
        }
    }
    let mut cohorts: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    for (c, p) in &cohort_of {
        cohorts.entry(*p).or_default().push(c.clone());
    }
    let mut out = Vec::new();
    for (cohort, members) in &cohorts {
        let size = members.len() as i64;
        let max_k = periods_between(g, *cohort, last_period);
        for k in 0..=max_k {
            let p = add_periods(g, *cohort, k);
            let active_customers = members
                .iter()
                .filter(|c| active.contains(&((*c).clone(), p)))
                .count() as i64;
            out.push(obj(vec![
                ("cohort", jdate(*cohort)),
                ("period_offset", ji(k)),
                ("cohort_size", ji(size)),
                ("active_customers", ji(active_customers)),
                ("retention", jf(active_customers as f64 / size as f64)),
                ("is_partial", Value::Bool(is_partial(rows, g, p))),
            ]));
        }
    }
    Value::Array(out)
}

// ---------------------------------------------------------------------------------------------
// churn
// ---------------------------------------------------------------------------------------------

fn churn(rows: &[Row], churn_days: i64) -> Value {
    let per_customer = sales_by_customer(rows);
    let customers = per_customer.len() as i64;
    let churned = match data_end(rows) {
        None => 0,
        Some(end) => {
            let threshold = end - TimeDelta::days(churn_days);
            per_customer
                .values()
                .filter(|lines| {
                    let last = lines.iter().map(|r| r.timestamp).max().expect("has lines");
                    last < threshold
                })
                .count() as i64
        }
    };
    obj(vec![
        ("churn_days", ji(churn_days)),
        ("customers", ji(customers)),
        ("churned", ji(churned)),
        ("churn_rate", jof(ratio(churned as f64, customers as f64))),
    ])
}

// ---------------------------------------------------------------------------------------------
// by_country / by_region
// ---------------------------------------------------------------------------------------------

fn by_place(rows: &[Row], key: &str, place: fn(&Row) -> Option<String>) -> Value {
    // SPEC: groups are the values found on sale and cancellation lines (see
    // PLACES_INCLUDE_ADJUSTMENT_ONLY_GROUPS); null is a group of its own.
    let considered: Vec<&Row> = rows
        .iter()
        .filter(|r| PLACES_INCLUDE_ADJUSTMENT_ONLY_GROUPS || is_sale(r) || is_cancel(r))
        .collect();
    let mut groups: BTreeMap<Option<String>, Vec<&Row>> = BTreeMap::new();
    for r in considered {
        groups.entry(place(r)).or_default().push(r);
    }
    let mut items: Vec<(Option<String>, Measures)> = groups
        .into_iter()
        .map(|(k, lines)| (k, measures(&lines, false)))
        .collect();
    items
        .sort_by(|a, b| cmp_f64(b.1.revenue, a.1.revenue).then_with(|| cmp_nulls_last(&a.0, &b.0)));
    Value::Array(
        items
            .iter()
            .map(|(k, m)| {
                obj(vec![
                    (key, jos(k.as_deref())),
                    ("revenue", jf(m.revenue)),
                    ("forfeited", jf(m.forfeited)),
                    ("net_revenue", jf(m.revenue - m.forfeited)),
                    ("orders", ji(m.orders)),
                    ("customers", ji(m.customers)),
                    ("units", ji(m.units)),
                ])
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// by_dimensions
// ---------------------------------------------------------------------------------------------

fn by_dimensions(rows: &[Row]) -> Value {
    // Dimension order in the key: category, sub_category, region, segment.
    let sets: [(&str, [bool; 4]); 10] = [
        ("category", [true, false, false, false]),
        // SPEC: see SUB_CATEGORY_SET_LABEL: grouped by (category, sub_category).
        (SUB_CATEGORY_SET_LABEL, [true, true, false, false]),
        ("region", [false, false, true, false]),
        ("segment", [false, false, false, true]),
        ("category,region", [true, false, true, false]),
        ("category,segment", [true, false, false, true]),
        ("region,segment", [false, false, true, true]),
        ("category,sub_category,region", [true, true, true, false]),
        ("category,sub_category,segment", [true, true, false, true]),
        // SPEC: the grand total is a group like the others: it exists only when there is at
        // least one completed line (no row at all over zero completed lines).
        ("total", [false, false, false, false]),
    ];
    let sales: Vec<&Row> = rows.iter().filter(|r| is_sale(r)).collect();
    let mut out = Vec::new();
    for (label, mask) in sets {
        let mut groups: BTreeMap<[Option<String>; 4], Vec<&Row>> = BTreeMap::new();
        for &r in &sales {
            let values = [
                r.category.clone(),
                r.sub_category.clone(),
                r.region.clone(),
                r.segment.clone(),
            ];
            let key: [Option<String>; 4] =
                std::array::from_fn(|j| if mask[j] { values[j].clone() } else { None });
            groups.entry(key).or_default().push(r);
        }
        let mut items: Vec<([Option<String>; 4], Vec<&Row>, f64)> = groups
            .into_iter()
            .map(|(k, lines)| {
                let revenue = fsum(lines.iter().map(|r| r.line_amount));
                (k, lines, revenue)
            })
            .collect();
        // Revenue descending, then the dimension values ascending (nulls last, DataFusion's
        // default for ASC), in column order.
        items.sort_by(|a, b| {
            let mut ord = cmp_f64(b.2, a.2);
            for j in 0..4 {
                ord = ord.then_with(|| cmp_nulls_last(&a.0[j], &b.0[j]));
            }
            ord
        });
        for (k, lines, revenue) in &items {
            let profit = sql_sum(lines.iter().map(|r| r.profit));
            out.push(obj(vec![
                ("grouping", js(label)),
                ("category", jos(k[0].as_deref())),
                ("sub_category", jos(k[1].as_deref())),
                ("region", jos(k[2].as_deref())),
                ("segment", jos(k[3].as_deref())),
                ("revenue", jf(*revenue)),
                ("profit", jof(shown_profit(profit, *revenue))),
                ("margin", jof(margin(profit, *revenue))),
                ("units", ji(lines.iter().map(|r| r.quantity).sum())),
                (
                    "orders",
                    ji(distinct(lines.iter().map(|r| r.invoice_id.as_str())) as i64),
                ),
                ("lines", ji(lines.len() as i64)),
            ]));
        }
    }
    Value::Array(out)
}

// ---------------------------------------------------------------------------------------------
// by_price_band
// ---------------------------------------------------------------------------------------------

/// (band_order, price_band) of a unit price.
fn price_band(price: Option<f64>) -> (i64, &'static str) {
    // SPEC: band labels exactly as docs/kpis.md writes them (`[50, ∞)` with U+221E).
    match price {
        None => (8, "unknown"),
        Some(p) if p < 0.0 => (0, "< 0"),
        Some(p) if p < 1.0 => (1, "[0, 1)"),
        Some(p) if p < 2.0 => (2, "[1, 2)"),
        Some(p) if p < 5.0 => (3, "[2, 5)"),
        Some(p) if p < 10.0 => (4, "[5, 10)"),
        Some(p) if p < 20.0 => (5, "[10, 20)"),
        Some(p) if p < 50.0 => (6, "[20, 50)"),
        Some(_) => (7, "[50, ∞)"),
    }
}

fn by_price_band(rows: &[Row]) -> Value {
    let sales: Vec<&Row> = rows.iter().filter(|r| is_sale(r) && !is_other(r)).collect();
    let total_revenue = fsum(sales.iter().map(|r| r.line_amount));
    let mut bands: BTreeMap<i64, (&'static str, Vec<&Row>)> = BTreeMap::new();
    for &r in &sales {
        let (order, label) = price_band(r.unit_price);
        bands.entry(order).or_insert((label, Vec::new())).1.push(r);
    }
    Value::Array(
        bands
            .iter()
            .map(|(order, (label, lines))| {
                let revenue = fsum(lines.iter().map(|r| r.line_amount));
                obj(vec![
                    ("price_band", js(label)),
                    ("band_order", ji(*order)),
                    ("lines", ji(lines.len() as i64)),
                    ("units", ji(lines.iter().map(|r| r.quantity).sum())),
                    ("revenue", jf(revenue)),
                    (
                        "products",
                        ji(distinct(lines.iter().map(|r| r.product_id.as_str())) as i64),
                    ),
                    ("revenue_share", jof(ratio(revenue, total_revenue))),
                ])
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// discount_impact / discount_bands / discount_by_category / discount_correlation
// ---------------------------------------------------------------------------------------------

/// Completed lines with a discount.
fn discounted(rows: &[Row]) -> Vec<&Row> {
    rows.iter()
        .filter(|r| is_sale(r) && r.discount.is_some())
        .collect()
}

/// (band_order, discount_band) of a discount; None for a negative discount.
fn discount_band(d: f64) -> Option<(i64, &'static str)> {
    // SPEC: bands exactly as written: none (d = 0), up to 20% (0 < d <= 0.2), up to 40%
    // (0.2 < d <= 0.4), above 40% (d > 0.4). A negative discount is in no band and is left
    // out of discount_bands and discount_by_category (it stays in discount_impact and
    // discount_correlation). Bands without lines are left out (a GROUP BY).
    if d <= 0.0 {
        Some((0, "none"))
    } else if d > 0.0 && d <= 0.2 {
        Some((1, "up to 20%"))
    } else if d > 0.2 && d <= 0.4 {
        Some((2, "up to 40%"))
    } else if d > 0.4 {
        Some((3, "above 40%"))
    } else {
        None
    }
}

/// lines, sales, profit, margin, mean_profit_per_line over a group.
fn discount_measures(lines: &[&Row]) -> Vec<(&'static str, Value)> {
    let sales = fsum(lines.iter().map(|r| r.line_amount));
    let profit = sql_sum(lines.iter().map(|r| r.profit));
    let mean_profit = if MEAN_PROFIT_IS_AVG_OF_NON_NULL {
        sql_avg(lines.iter().map(|r| r.profit))
    } else {
        profit.and_then(|p| ratio(p, lines.len() as f64))
    };
    vec![
        ("lines", ji(lines.len() as i64)),
        ("sales", jf(sales)),
        ("profit", jof(shown_profit(profit, sales))),
        ("margin", jof(margin(profit, sales))),
        ("mean_profit_per_line", jof(mean_profit)),
    ]
}

fn discount_impact(rows: &[Row]) -> Value {
    let lines = discounted(rows);
    let mut values: Vec<f64> = lines.iter().filter_map(|r| r.discount).collect();
    values.sort_by(|a, b| cmp_f64(*a, *b));
    values.dedup_by(|a, b| *a == *b);
    Value::Array(
        values
            .iter()
            .map(|&d| {
                let group: Vec<&Row> = lines
                    .iter()
                    .copied()
                    .filter(|r| r.discount == Some(d))
                    .collect();
                let mut fields = vec![("discount", jf(d))];
                fields.extend(discount_measures(&group));
                obj(fields)
            })
            .collect(),
    )
}

fn discount_bands(rows: &[Row]) -> Value {
    let mut bands: BTreeMap<i64, (&'static str, Vec<&Row>)> = BTreeMap::new();
    for r in discounted(rows) {
        if let Some((order, label)) = discount_band(r.discount.expect("discounted")) {
            bands.entry(order).or_insert((label, Vec::new())).1.push(r);
        }
    }
    Value::Array(
        bands
            .iter()
            .map(|(order, (label, group))| {
                let mut fields = vec![("discount_band", js(label)), ("band_order", ji(*order))];
                fields.extend(discount_measures(group));
                obj(fields)
            })
            .collect(),
    )
}

fn discount_by_category(rows: &[Row]) -> Value {
    let mut groups: BTreeMap<(Option<String>, Option<String>, i64), (&'static str, Vec<&Row>)> =
        BTreeMap::new();
    for r in discounted(rows) {
        if let Some((order, label)) = discount_band(r.discount.expect("discounted")) {
            groups
                .entry((r.category.clone(), r.sub_category.clone(), order))
                .or_insert((label, Vec::new()))
                .1
                .push(r);
        }
    }
    let mut items: Vec<_> = groups.into_iter().collect();
    // Category, sub-category ascending with nulls last (DataFusion's ASC default), band order.
    items.sort_by(|a, b| {
        cmp_nulls_last(&(a.0).0, &(b.0).0)
            .then_with(|| cmp_nulls_last(&(a.0).1, &(b.0).1))
            .then_with(|| (a.0).2.cmp(&(b.0).2))
    });
    Value::Array(
        items
            .iter()
            .map(|((category, sub_category, order), (label, group))| {
                let profit = sql_sum(group.iter().map(|r| r.profit));
                let mut fields = vec![
                    ("category", jos(category.as_deref())),
                    ("sub_category", jos(sub_category.as_deref())),
                    ("discount_band", js(label)),
                    ("band_order", ji(*order)),
                ];
                fields.extend(discount_measures(group));
                // SPEC: loses_money = profit < 0 as SQL: null when the group's profit is null.
                fields.push((
                    "loses_money",
                    profit.map_or(Value::Null, |p| Value::Bool(p < 0.0)),
                ));
                obj(fields)
            })
            .collect(),
    )
}

/// Pearson correlation, population form (SQL `corr`); null with fewer than 2 pairs or when
/// either side is constant (zero variance).
fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 2 {
        return None;
    }
    // Detect a constant side exactly (a naive mean of equal values can be off by an ulp and
    // give a spurious tiny variance).
    let x0 = pairs[0].0;
    let y0 = pairs[0].1;
    if pairs.iter().all(|p| p.0 == x0) || pairs.iter().all(|p| p.1 == y0) {
        return None;
    }
    let n = pairs.len() as f64;
    let mx = fsum(pairs.iter().map(|p| p.0)) / n;
    let my = fsum(pairs.iter().map(|p| p.1)) / n;
    let cov = fsum(pairs.iter().map(|p| (p.0 - mx) * (p.1 - my))) / n;
    let vx = fsum(pairs.iter().map(|p| (p.0 - mx) * (p.0 - mx))) / n;
    let vy = fsum(pairs.iter().map(|p| (p.1 - my) * (p.1 - my))) / n;
    if vx <= 0.0 || vy <= 0.0 {
        return None;
    }
    Some(cov / (vx.sqrt() * vy.sqrt()))
}

fn discount_correlation(rows: &[Row]) -> Value {
    let lines = discounted(rows);
    let with_profit: Vec<(f64, f64)> = lines
        .iter()
        .filter_map(|r| Some((r.discount?, r.profit?)))
        .collect();
    let with_margin: Vec<(f64, f64)> = lines
        .iter()
        .filter(|r| r.line_amount != 0.0)
        .filter_map(|r| Some((r.discount?, r.profit? / r.line_amount)))
        .collect();
    obj(vec![
        ("corr", jof(pearson(&with_profit))),
        ("corr_margin", jof(pearson(&with_margin))),
        // SPEC: `lines` = the lines used for `corr`: completed lines with both a discount and
        // a profit (not the smaller set used for corr_margin, not every discounted line).
        ("lines", ji(with_profit.len() as i64)),
    ])
}

// ---------------------------------------------------------------------------------------------
// rfm / rfm_segments
// ---------------------------------------------------------------------------------------------

struct RfmRow {
    id: String,
    recency_days: i64,
    frequency: i64,
    monetary: f64,
    r: i64,
    f: i64,
    m: i64,
    segment: &'static str,
}

fn rfm_segment(r: i64, f: i64) -> &'static str {
    if r >= 4 && f >= 4 {
        "Champions"
    } else if r >= 3 && f >= 3 {
        "Loyal"
    } else if r >= 4 && f == 1 {
        "New"
    } else if r >= 3 {
        "Promising"
    } else if r <= 2 && f >= 3 {
        "At risk"
    } else {
        "Hibernating"
    }
}

fn rfm_rows(rows: &[Row]) -> Vec<RfmRow> {
    let per_customer = sales_by_customer(rows);
    let Some(end) = data_end(rows) else {
        return Vec::new();
    };
    let end_date = end.date();
    let mut out: Vec<RfmRow> = per_customer
        .into_iter()
        .map(|(id, lines)| {
            let last = lines.iter().map(|r| r.timestamp).max().expect("has lines");
            RfmRow {
                recency_days: end_date.signed_duration_since(last.date()).num_days(),
                frequency: distinct(lines.iter().map(|r| r.invoice_id.as_str())) as i64,
                monetary: fsum(lines.iter().map(|r| r.line_amount)),
                id,
                r: 0,
                f: 0,
                m: 0,
                segment: "",
            }
        })
        .collect();
    let n = out.len();
    let buckets = ntile(n, 5);

    // r: recency descending (oldest first -> 1, most recent -> 5), ties by customer_id asc.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        out[b]
            .recency_days
            .cmp(&out[a].recency_days)
            .then_with(|| out[a].id.cmp(&out[b].id))
    });
    for (pos, &idx) in order.iter().enumerate() {
        out[idx].r = buckets[pos];
    }
    // f: frequency ascending, ties by customer_id asc.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        out[a]
            .frequency
            .cmp(&out[b].frequency)
            .then_with(|| out[a].id.cmp(&out[b].id))
    });
    for (pos, &idx) in order.iter().enumerate() {
        out[idx].f = buckets[pos];
    }
    // m: monetary ascending, ties by customer_id asc.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        cmp_f64(out[a].monetary, out[b].monetary).then_with(|| out[a].id.cmp(&out[b].id))
    });
    for (pos, &idx) in order.iter().enumerate() {
        out[idx].m = buckets[pos];
    }
    for row in &mut out {
        row.segment = rfm_segment(row.r, row.f);
    }
    // Ordered by customer_id (BTreeMap order already; sort again to be explicit).
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn rfm(rows: &[Row]) -> Value {
    Value::Array(
        rfm_rows(rows)
            .iter()
            .map(|c| {
                obj(vec![
                    ("customer_id", js(&c.id)),
                    ("recency_days", ji(c.recency_days)),
                    ("frequency", ji(c.frequency)),
                    ("monetary", jf(c.monetary)),
                    ("r_score", ji(c.r)),
                    ("f_score", ji(c.f)),
                    ("m_score", ji(c.m)),
                    ("segment", js(c.segment)),
                ])
            })
            .collect(),
    )
}

fn rfm_segments(rows: &[Row]) -> Value {
    let all = rfm_rows(rows);
    let mut groups: BTreeMap<&'static str, Vec<&RfmRow>> = BTreeMap::new();
    for c in &all {
        groups.entry(c.segment).or_default().push(c);
    }
    let mut items: Vec<(&'static str, i64, f64, f64, f64)> = groups
        .iter()
        .map(|(segment, members)| {
            let k = members.len() as f64;
            (
                *segment,
                members.len() as i64,
                fsum(members.iter().map(|c| c.monetary)),
                fsum(members.iter().map(|c| c.recency_days as f64)) / k,
                fsum(members.iter().map(|c| c.frequency as f64)) / k,
            )
        })
        .collect();
    items.sort_by(|a, b| cmp_f64(b.2, a.2).then_with(|| a.0.cmp(b.0)));
    Value::Array(
        items
            .iter()
            .map(|(segment, customers, revenue, recency, frequency)| {
                obj(vec![
                    ("segment", js(segment)),
                    ("customers", ji(*customers)),
                    ("revenue", jf(*revenue)),
                    ("mean_recency_days", jf(*recency)),
                    ("mean_frequency", jf(*frequency)),
                ])
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

/// Every KPI of the suite (top N = `top_n`, churn horizon `churn_days`), shaped exactly like
/// `KpiSuite::to_json()`: a JSON object keyed by KPI name; one-row KPIs (summary, churn,
/// discount_correlation) as objects, the others as arrays of row objects in the spec's order.
pub fn all_kpis(rows: &[Row], top_n: usize, churn_days: i64) -> serde_json::Value {
    let mut out = Map::new();
    let mut put = |name: &str, value: Value| {
        out.insert(name.to_string(), value);
    };
    put("summary", summary(rows));
    put("lines_by_kind", lines_by_kind(rows));
    put(
        "top_customers_by_revenue",
        top_customers_by_revenue(rows, top_n),
    );
    put(
        "top_customers_by_net_revenue",
        top_customers_by_net_revenue(rows, top_n),
    );
    put(
        "top_customers_by_profit",
        top_customers_by_profit(rows, top_n),
    );
    put(
        "top_products_by_revenue",
        top_products_by_revenue(rows, top_n),
    );
    put(
        "top_products_by_net_revenue",
        top_products_by_net_revenue(rows, top_n),
    );
    put("top_products_by_units", top_products_by_units(rows, top_n));
    put(
        "top_products_by_net_units",
        top_products_by_net_units(rows, top_n),
    );
    put(
        "top_forfeited_products",
        top_forfeited_products(rows, top_n),
    );
    put("cancellation_outcomes", cancellation_outcomes(rows));
    put("sales_by_day", sales_by(rows, Grain::Day));
    put("sales_by_week", sales_by(rows, Grain::Week));
    put("sales_by_month", sales_by(rows, Grain::Month));
    put("retention_monthly", retention(rows, Grain::Month));
    put("retention_weekly", retention(rows, Grain::Week));
    put("churn", churn(rows, churn_days));
    put(
        "by_country",
        by_place(rows, "country", |r| r.country.clone()),
    );
    put("by_region", by_place(rows, "region", |r| r.region.clone()));
    put("by_dimensions", by_dimensions(rows));
    put("by_price_band", by_price_band(rows));
    put("discount_impact", discount_impact(rows));
    put("discount_bands", discount_bands(rows));
    put("discount_by_category", discount_by_category(rows));
    put("discount_correlation", discount_correlation(rows));
    put("rfm", rfm(rows));
    put("rfm_segments", rfm_segments(rows));
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/// Compares two KPI JSON documents: same keys, same array lengths, same strings/bools/ints,
/// floats equal within `rel_tol` relative to max(|a|, |b|, 1.0). Returns a list of human-readable
/// differences with JSON paths (empty = equal).
pub fn diff_json(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    rel_tol: f64,
) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("$", expected, actual, rel_tol, &mut out);
    out
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn diff_at(path: &str, e: &Value, a: &Value, rel_tol: f64, out: &mut Vec<String>) {
    match (e, a) {
        (Value::Null, Value::Null) => {}
        (Value::Bool(x), Value::Bool(y)) => {
            if x != y {
                out.push(format!("{path}: expected {x}, got {y}"));
            }
        }
        (Value::String(x), Value::String(y)) => {
            if x != y {
                out.push(format!("{path}: expected {x:?}, got {y:?}"));
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let x_int = x.is_i64() || x.is_u64();
            let y_int = y.is_i64() || y.is_u64();
            if x_int && y_int {
                if x.as_i64() != y.as_i64() || x.as_u64() != y.as_u64() {
                    out.push(format!("{path}: expected {x}, got {y}"));
                }
            } else {
                let xf = x.as_f64().unwrap_or(f64::NAN);
                let yf = y.as_f64().unwrap_or(f64::NAN);
                let scale = xf.abs().max(yf.abs()).max(1.0);
                let within = (xf - yf).abs() <= rel_tol * scale; // false for NaN
                if !within {
                    out.push(format!(
                        "{path}: expected {xf}, got {yf} (difference {})",
                        (xf - yf).abs()
                    ));
                }
            }
        }
        (Value::Array(xs), Value::Array(ys)) => {
            if xs.len() != ys.len() {
                out.push(format!(
                    "{path}: expected {} elements, got {}",
                    xs.len(),
                    ys.len()
                ));
            }
            for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
                diff_at(&format!("{path}[{i}]"), x, y, rel_tol, out);
            }
        }
        (Value::Object(xm), Value::Object(ym)) => {
            for (k, x) in xm {
                match ym.get(k) {
                    None => out.push(format!("{path}.{k}: missing (expected {x})")),
                    Some(y) => diff_at(&format!("{path}.{k}"), x, y, rel_tol, out),
                }
            }
            for (k, y) in ym {
                if !xm.contains_key(k) {
                    out.push(format!("{path}.{k}: unexpected (got {y})"));
                }
            }
        }
        _ => out.push(format!(
            "{path}: expected {} {e}, got {} {a}",
            kind_of(e),
            kind_of(a)
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Self check (hand-computed values on a 5-row example)
// ---------------------------------------------------------------------------------------------

fn example_row(
    invoice: &str,
    when: &str,
    customer: Option<&str>,
    product: &str,
    quantity: i64,
    price: f64,
    kind: &str,
) -> Row {
    Row {
        invoice_id: invoice.to_string(),
        timestamp: NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M:%S").expect("timestamp"),
        customer_id: customer.map(str::to_string),
        product_id: product.to_string(),
        product_name: Some(format!("name of {product}")),
        category: None,
        sub_category: None,
        region: None,
        country: Some("UK".to_string()),
        segment: None,
        quantity,
        unit_price: Some(price),
        line_amount: quantity as f64 * price,
        discount: None,
        profit: None,
        line_kind: kind.to_string(),
        customer_name: None,
    }
}

/// The 5-row example used by [`self_check`].
pub fn example_rows() -> Vec<Row> {
    vec![
        // 2024-01-01 is a Monday.
        example_row(
            "A1",
            "2024-01-01 10:00:00",
            Some("c1"),
            "P1",
            2,
            5.0,
            "sale",
        ),
        example_row(
            "A1",
            "2024-01-01 10:00:00",
            Some("c1"),
            "P2",
            1,
            3.0,
            "sale",
        ),
        example_row(
            "A2",
            "2024-01-03 12:00:00",
            Some("c2"),
            "P1",
            4,
            5.0,
            "sale",
        ),
        example_row(
            "C1",
            "2024-01-04 09:00:00",
            Some("c1"),
            "P1",
            -1,
            5.0,
            "cancellation",
        ),
        example_row(
            "A3",
            "2024-01-10 08:00:00",
            Some("c1"),
            "P2",
            1,
            3.0,
            "sale",
        ),
    ]
}

/// Asserts hand-computed values of the oracle on [`example_rows`] (and NTILE, and diff_json).
pub fn self_check() {
    assert_eq!(ntile(7, 5), vec![1, 1, 2, 2, 3, 4, 5]);
    assert_eq!(ntile(3, 5), vec![1, 2, 3]);
    assert_eq!(ntile(10, 5), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    assert_eq!(ntile(0, 5), Vec::<i64>::new());

    let rows = example_rows();
    let all = all_kpis(&rows, 10, 5);
    let close = |v: &Value, x: f64| {
        let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
        assert!((got - x).abs() < 1e-12, "expected {x}, got {got}");
    };

    // summary
    let s = &all["summary"];
    assert_eq!(s["sale_lines"], 4);
    assert_eq!(s["cancellation_lines"], 1);
    assert_eq!(s["adjustment_lines"], 0);
    assert_eq!(s["orders"], 3);
    assert_eq!(s["customers"], 2);
    close(&s["revenue"], 36.0);
    close(&s["forfeited"], 5.0);
    close(&s["net_revenue"], 31.0);
    assert_eq!(s["units"], 8);
    close(&s["avg_customer_spend"], 18.0);
    close(&s["avg_order_value"], 12.0);
    close(&s["orders_per_customer"], 1.5);
    assert_eq!(s["repeat_customers"], 1);
    close(&s["repeat_rate"], 0.5);
    assert_eq!(s["cancelled_invoices"], 1);
    close(&s["cancelled_invoice_share"], 0.25);
    assert!(s["profit"].is_null() && s["margin"].is_null());
    assert_eq!(s["first_sale"], "2024-01-01T10:00:00");
    assert_eq!(s["last_sale"], "2024-01-10T08:00:00");

    // weekly: weeks of 2024-01-01 and 2024-01-08
    let weeks = all["sales_by_week"].as_array().expect("array");
    assert_eq!(weeks.len(), 2);
    let w0 = &weeks[0];
    assert_eq!(w0["period_start"], "2024-01-01");
    close(&w0["revenue"], 33.0);
    close(&w0["forfeited"], 5.0);
    close(&w0["net_revenue"], 28.0);
    assert_eq!(w0["orders"], 2);
    assert_eq!(w0["customers"], 2);
    assert_eq!(w0["units"], 7);
    assert!(w0["profit"].is_null());
    assert!(w0["revenue_change"].is_null());
    assert!(w0["revenue_yoy_change"].is_null());
    close(&w0["revenue_moving_avg"], 33.0);
    assert_eq!(w0["is_peak"], true);
    let w1 = &weeks[1];
    assert_eq!(w1["period_start"], "2024-01-08");
    close(&w1["revenue"], 3.0);
    // The data stops on Wednesday 10 January: that week misses 4 days, it is partial, so no
    // change against the week before and never a peak.
    assert!(w1["revenue_change"].is_null());
    close(&w1["revenue_moving_avg"], 18.0);
    assert_eq!(w1["is_peak"], false);
    assert_eq!(
        (&w0["is_partial"], &w1["is_partial"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    assert_eq!(all["sales_by_month"][0]["is_partial"], true);
    close(&s["guest_revenue"], 0.0);
    assert_eq!(s["guest_orders"], 0);

    // daily calendar: Jan 1 .. Jan 10, zero-filled, one peak (Jan 3: 20)
    let days = all["sales_by_day"].as_array().expect("array");
    assert_eq!(days.len(), 10);
    assert_eq!(days[1]["period_start"], "2024-01-02");
    close(&days[1]["revenue"], 0.0);
    assert!(days[2]["revenue_change"].is_null()); // previous day had revenue 0
    assert_eq!(days.iter().filter(|d| d["is_peak"] == true).count(), 1);
    assert_eq!(days[2]["is_peak"], true);

    // retention: one weekly cohort (2024-01-01, c1 and c2), c1 back in week 2
    let weekly = all["retention_weekly"].as_array().expect("array");
    assert_eq!(weekly.len(), 2);
    assert_eq!(weekly[0]["cohort_size"], 2);
    assert_eq!(weekly[0]["active_customers"], 2);
    assert_eq!(weekly[1]["period_offset"], 1);
    assert_eq!(weekly[1]["active_customers"], 1);
    close(&weekly[1]["retention"], 0.5);
    assert_eq!(
        (&weekly[0]["is_partial"], &weekly[1]["is_partial"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    assert_eq!(all["retention_monthly"].as_array().expect("array").len(), 1);

    // churn over 5 days: end 2024-01-10 08:00; c2's last line (2024-01-03) is churned
    assert_eq!(all["churn"]["customers"], 2);
    assert_eq!(all["churn"]["churned"], 1);
    close(&all["churn"]["churn_rate"], 0.5);

    // RFM: c1 (recency 0, 2 orders, 16.0), c2 (recency 7, 1 order, 20.0)
    let rfm = all["rfm"].as_array().expect("array");
    assert_eq!(rfm[0]["customer_id"], "c1");
    assert_eq!(rfm[0]["recency_days"], 0);
    assert_eq!(rfm[0]["frequency"], 2);
    close(&rfm[0]["monetary"], 16.0);
    assert_eq!(
        (&rfm[0]["r_score"], &rfm[0]["f_score"], &rfm[0]["m_score"]),
        (&Value::from(2), &Value::from(2), &Value::from(1))
    );
    assert_eq!(
        (&rfm[1]["r_score"], &rfm[1]["f_score"], &rfm[1]["m_score"]),
        (&Value::from(1), &Value::from(1), &Value::from(2))
    );

    // top products by revenue: P1 (30) then P2 (6)
    let tops = all["top_products_by_revenue"].as_array().expect("array");
    assert_eq!(tops[0]["product_id"], "P1");
    close(&tops[0]["revenue"], 30.0);
    assert_eq!(tops[0]["orders"], 2);
    assert!(
        all["top_customers_by_profit"]
            .as_array()
            .expect("array")
            .is_empty()
    );

    // price bands: all at [2, 5) (3.0) and [5, 10) (5.0)
    let bands = all["by_price_band"].as_array().expect("array");
    assert_eq!(bands.len(), 2);
    assert_eq!(bands[0]["price_band"], "[2, 5)");
    close(&bands[1]["revenue_share"], 30.0 / 36.0);

    // diff_json: equal to itself; a changed float and a changed length are reported
    assert!(diff_json(&all, &all, 1e-9).is_empty());
    let mut changed = all.clone();
    changed["summary"]["revenue"] = Value::from(36.5);
    changed["sales_by_week"]
        .as_array_mut()
        .expect("array")
        .pop();
    let diffs = diff_json(&all, &changed, 1e-9);
    assert_eq!(diffs.len(), 2, "{diffs:?}");
    assert!(diffs.iter().any(|d| d.starts_with("$.summary.revenue")));
    // An integer and an equal float compare equal.
    assert!(diff_json(&Value::from(3), &Value::from(3.0), 1e-9).is_empty());
}
