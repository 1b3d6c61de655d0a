//! The sales panels: weekly sales and peaks, top and forfeited products.

#[allow(clippy::wildcard_imports)]
use super::*;

// ------------------------------------------------------------------------------------------
// Sales performance
// ------------------------------------------------------------------------------------------

/// Where the forfeited sales went: voided orders, returns, unmatched cancellations.
pub(super) fn outcomes_sentence(d: &Dashboard) -> String {
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

pub(super) fn sales(html: &mut String, id: &str, d: &Dashboard) {
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
                categories: d.weekly.iter().map(|w| day(w.period_start)).collect(),
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
pub(super) fn product_bar(
    id: &str,
    name: Option<&str>,
    value: f64,
    detail: String,
) -> (String, f64, String) {
    let label = product_label(id, name);
    let tooltip = format!("{label}: {detail}");
    (label, value, tooltip)
}

pub(super) fn product_label(id: &str, name: Option<&str>) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

pub(super) fn weekly_sales_chart(id: &str, d: &Dashboard) -> TimeChart {
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

pub(super) fn peak_label(d: &Dashboard, w: &PeriodSales) -> String {
    format!(
        "week of {}: {} from {}",
        day(w.period_start),
        cur(d, w.revenue),
        counted(w.orders, "order")
    )
}
