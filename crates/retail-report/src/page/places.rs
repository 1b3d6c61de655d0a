//! Categories, regions, price bands and countries.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn category_region(html: &mut String, id: &str, d: &Dashboard) {
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
    segments(html, id, d);
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
pub(super) fn ordered(values: impl Iterator<Item = Option<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values.flatten() {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

pub(super) fn price_bands_and_countries(html: &mut String, id: &str, d: &Dashboard) {
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
         (a product-to-category table, given when reading, adds categories).",
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

/// Revenue and profit (where the source has it) by customer segment.
fn segments(html: &mut String, id: &str, d: &Dashboard) {
    let mut rows: Vec<_> = d
        .dimensions
        .iter()
        .filter(|r| r.grouping == "segment" && r.segment.is_some())
        .collect();
    if rows.len() < 2 {
        return;
    }
    rows.sort_by(|a, b| b.revenue.total_cmp(&a.revenue));
    let categories: Vec<String> = rows.iter().filter_map(|r| r.segment.clone()).collect();
    let mut series = vec![(
        "revenue".to_string(),
        rows.iter().map(|r| r.revenue).collect(),
        BLUE,
    )];
    if d.summary.profit.is_some() {
        series.push((
            "profit".to_string(),
            rows.iter().map(|r| r.profit.unwrap_or(0.0)).collect(),
            GREEN,
        ));
    }
    let margins: Vec<String> = rows
        .iter()
        .filter_map(|r| Some(format!("{} {}", r.segment.as_deref()?, pct(r.margin))))
        .collect();
    figure(
        html,
        &ColumnChart {
            id: format!("{id}-segments"),
            title: "Sales and profit by customer segment".into(),
            x_label: "Segment".into(),
            y_label: format!("Completed revenue{}", unit_suffix(d)),
            unit: money_unit(d),
            categories,
            series,
        }
        .render(),
        &if d.summary.profit.is_some() {
            format!(
                "Completed revenue and profit per segment; margins: {}.",
                margins.join(", ")
            )
        } else {
            "Completed revenue per segment.".to_string()
        },
    );
}
