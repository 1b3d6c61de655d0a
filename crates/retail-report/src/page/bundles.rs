//! Product bundles and the next-basket evaluation.

use super::sales::product_label;
#[allow(clippy::wildcard_imports)]
use super::*;

// ------------------------------------------------------------------------------------------
// Bundles
// ------------------------------------------------------------------------------------------

pub(super) fn bundles(html: &mut String, id: &str, b: &BundlesPanel) {
    section_start(html, id, "bundles", "Product bundles");
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
