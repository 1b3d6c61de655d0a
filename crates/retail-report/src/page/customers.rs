//! The customer panels: spend, top customers, retention and RFM segments.

#[allow(clippy::wildcard_imports)]
use super::*;

// ------------------------------------------------------------------------------------------
// Customer insights
// ------------------------------------------------------------------------------------------

pub(super) fn customers(html: &mut String, id: &str, d: &Dashboard) {
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
            let who = customer_label(c);
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
        &format!(
            "The ten identified customers with the highest net revenue: completed revenue minus \
             their cancellations and returns (ties by customer id).{}",
            loss_makers(d)
        ),
    );
    if !d.top_customers_by_profit.is_empty() {
        let bars = d
            .top_customers_by_profit
            .iter()
            .map(|c| {
                let who = customer_label(c);
                let profit = c.profit.unwrap_or(0.0);
                (
                    who.clone(),
                    profit,
                    format!(
                        "{who}: {} profit on {} revenue from {}",
                        cur(d, profit),
                        cur(d, c.revenue),
                        counted(c.orders, "order")
                    ),
                )
            })
            .collect();
        figure(
            html,
            &money_bars(
                d,
                format!("{id}-top-customers-by-profit"),
                "Top customers by profit",
                "Profit",
                "Customer",
                bars,
                GREEN,
            ),
            "The ten identified customers who brought the most profit: big buyers are not \
             always the profitable ones.",
        );
    }
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
        "Customers scored 1–5 on how recently, how often and how much they bought; champions \
         bought recently, often and much, at-risk customers used to buy often but not lately.",
    );
    section_end(html);
}

/// Bin edges 1, 2, 5, 10, 20, 50, … covering the positive spends.
pub(super) fn spend_histogram(id: &str, d: &Dashboard) -> ColumnChart {
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

pub(super) fn short_money(d: &Dashboard, x: f64) -> String {
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

pub(super) fn retention_heatmap(id: &str, d: &Dashboard) -> Heatmap {
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

/// A sentence on the top customers by revenue who lost money, where the source has profit.
fn loss_makers(d: &Dashboard) -> String {
    let losing: Vec<String> = d
        .top_customers
        .iter()
        .filter_map(|c| {
            let profit = c.profit.filter(|p| *p < 0.0)?;
            Some(format!("{} ({})", c.customer_id, cur(d, profit)))
        })
        .collect();
    if losing.is_empty() {
        String::new()
    } else {
        format!(
            " Of these, {} lost money: {}.",
            losing.len(),
            losing.join(", ")
        )
    }
}

/// A customer as a bar's label: the name beside the id when the source has customer names.
fn customer_label(c: &retail_metrics::typed::TopCustomer) -> String {
    match &c.customer_name {
        Some(name) => format!("{} · {name}", c.customer_id),
        None => format!("customer {}", c.customer_id),
    }
}
