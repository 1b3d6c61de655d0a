//! Product bundles and the next-basket evaluation.

use retail_bundles::Rule;

use super::sales::product_label;
#[allow(clippy::wildcard_imports)]
use super::*;

// ------------------------------------------------------------------------------------------
// Bundles
// ------------------------------------------------------------------------------------------

/// Below this lift the strongest bundle is too weak to show as one: products that sell together
/// only a little more often than by chance.
const MEANINGFUL_LIFT: f64 = 1.5;
/// Bundles shown at most.
const SHOWN_BUNDLES: usize = 15;

/// One set of products bought together: its rules in each direction, strongest first.
struct Bundle<'a> {
    rules: Vec<&'a Rule>,
}

/// The rules grouped by the products they join (A → B and B → A are one bundle), in the order
/// of their strongest rule.
fn bundles_of(rules: &[Rule]) -> Vec<Bundle<'_>> {
    let mut out: Vec<(Vec<&str>, Bundle<'_>)> = Vec::new();
    for rule in rules {
        let mut items: Vec<&str> = rule
            .antecedent
            .iter()
            .chain(&rule.consequent)
            .map(String::as_str)
            .collect();
        items.sort_unstable();
        match out.iter_mut().find(|(key, _)| *key == items) {
            Some((_, bundle)) => bundle.rules.push(rule),
            None => out.push((items, Bundle { rules: vec![rule] })),
        }
    }
    out.into_iter().map(|(_, bundle)| bundle).collect()
}

/// A side of a rule in words: product names (ids where there is none), joined by " + ".
fn side_names(ids: &[String], names: &[Option<String>]) -> String {
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
}

pub(super) fn bundles(html: &mut String, id: &str, b: &BundlesPanel) {
    section_start(html, id, "bundles", "Product bundles");
    let bundles = bundles_of(&b.rules);
    let strongest = b.rules.first().map_or(0.0, |r| r.measures.lift);
    let mined = format!(
        "{} baskets (one per invoice with completed lines); {} sets in at least {} baskets \
         ({} of baskets): {}; rules with lift above 1 and confidence of at least 10%: {}.{}{}",
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
    if bundles.is_empty() || strongest < MEANINGFUL_LIFT {
        let why = if bundles.is_empty() {
            "no two products are bought together in enough baskets".to_string()
        } else {
            format!(
                "the strongest pair is only {strongest:.2} times likelier together than by chance \
                 (a bundle worth acting on is at least {MEANINGFUL_LIFT:.1})"
            )
        };
        note_card(
            html,
            &format!("No meaningful bundles in these sales: {why}. {mined}"),
        );
    } else {
        bundle_table(html, id, b, &bundles, &mined);
    }
    match &b.next_basket {
        Some(e) => {
            // With no rule, "rules only" recommends from nothing: leave it out.
            let methods: Vec<_> = e
                .methods
                .iter()
                .filter(|m| e.rules > 0 || m.method != "rules only")
                .collect();
            let categories: Vec<String> = methods.iter().map(|m| plain_method(&m.method)).collect();
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
                            methods.iter().map(|m| m.hit_rate).collect(),
                            BLUE,
                        ),
                        (
                            "recall".into(),
                            methods.iter().map(|m| m.recall).collect(),
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

/// The bundles as a table (each set of products once, with the confidence of each direction)
/// and a bar chart of their lift.
fn bundle_table(
    html: &mut String,
    id: &str,
    b: &BundlesPanel,
    bundles: &[Bundle<'_>],
    mined: &str,
) {
    let _ = write!(
        html,
        "<div class=\"card scroll\"><table data-table=\"{id}-rules\"><caption>Bought together \
         ({level} level): the strongest bundles by lift</caption><thead><tr><th>products</th>\
         <th class=\"num\">baskets</th><th>confidence (a basket with the first also has the \
         second)</th><th class=\"num\">lift</th></tr></thead><tbody>",
        level = b.level
    );
    for bundle in bundles.iter().take(SHOWN_BUNDLES) {
        let first = bundle.rules[0];
        let mut items: Vec<String> = first
            .antecedent
            .iter()
            .zip(&first.antecedent_names)
            .chain(first.consequent.iter().zip(&first.consequent_names))
            .map(|(id, name)| escape(&product_label(id, name.as_deref())))
            .collect();
        items.dedup();
        let directions: Vec<String> = bundle
            .rules
            .iter()
            .map(|r| {
                format!(
                    "{} → {}: {}",
                    escape(&side_names(&r.antecedent, &r.antecedent_names)),
                    escape(&side_names(&r.consequent, &r.consequent_names)),
                    pct(Some(r.measures.confidence))
                )
            })
            .collect();
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{:.2}</td></tr>",
            items.join("<br />"),
            int(first.count as i64),
            directions.join("<br />"),
            first.measures.lift
        );
    }
    let _ = writeln!(
        html,
        "</tbody></table><p class=\"sources\">{}</p></div>",
        escape(mined)
    );
    let bars = bundles
        .iter()
        .take(10)
        .map(|bundle| {
            let r = bundle.rules[0];
            let mut names = vec![side_names(&r.antecedent, &r.antecedent_names)];
            names.push(side_names(&r.consequent, &r.consequent_names));
            let label = names.join(" + ");
            (
                label.clone(),
                r.measures.lift,
                format!(
                    "{label}: lift {:.2}, together in {} baskets",
                    r.measures.lift,
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
            y_label: "Bundle".into(),
            unit: Unit::Ratio,
            bars,
            color: GREEN,
            negative_color: VERMILLION,
        }
        .render(),
        "Lift = how much more often the products share a basket than if they were bought \
         independently; 1 means no association.",
    );
}

/// A recommender's name for a manager.
fn plain_method(method: &str) -> String {
    match method {
        "blend" => "their favourites + bundles",
        "repeat only" => "their favourites",
        "rules only" => "bundles only",
        "most popular" => "best sellers",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use retail_bundles::Measures;

    fn rule(from: &[&str], to: &[&str], lift: f64) -> Rule {
        let ids = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Rule {
            antecedent: ids(from),
            antecedent_names: vec![None; from.len()],
            consequent: ids(to),
            consequent_names: vec![None; to.len()],
            count: 10,
            measures: Measures {
                antecedent_support: 0.1,
                consequent_support: 0.1,
                support: 0.05,
                confidence: 0.5,
                lift,
                leverage: 0.04,
                conviction: 1.8,
                zhang: 0.5,
            },
        }
    }

    #[test]
    fn a_pair_is_one_bundle_whichever_way_its_rules_point() {
        let rules = [
            rule(&["A"], &["B"], 9.0),
            rule(&["B"], &["A"], 9.0),
            rule(&["A", "B"], &["C"], 5.0),
            rule(&["C"], &["A", "B"], 5.0),
            rule(&["B"], &["C"], 2.0),
        ];
        let bundles = bundles_of(&rules);
        assert_eq!(bundles.len(), 3);
        assert_eq!(bundles[0].rules.len(), 2);
        assert_eq!(bundles[1].rules.len(), 2);
        assert_eq!(bundles[2].rules.len(), 1);
        assert_eq!(plain_method("rules only"), "bundles only");
    }
}
