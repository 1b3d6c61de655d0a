//! How discounts eat profit: bands, categories and their correlation.

use super::places::ordered;
#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn discount_charts(html: &mut String, id: &str, d: &Dashboard) {
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

pub(super) fn discount_tooltip(d: &Dashboard, band: &str, r: &DiscountSales) -> String {
    format!(
        "discount {band}: {} lines, sales {}, profit {}, margin {}",
        int(r.lines),
        cur(d, r.sales),
        r.profit.map_or("–".into(), |p| cur(d, p)),
        pct(r.margin)
    )
}
