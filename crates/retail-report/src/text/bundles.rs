//! Product bundles and next-basket recommendations as tables for people.

use retail_bundles::next_basket::Evaluation;
use retail_bundles::{AssociationRules, FrequentItemsets, Recommendation};

use super::{Streamed, TextTable};
use crate::format::{int, pct};

/// What the mined baskets are, for the headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BasketKind {
    /// One basket per invoice of transactions.
    Invoices,
    /// Baskets of a basket file.
    Baskets,
}

impl BasketKind {
    /// `invoices` or `baskets`.
    pub fn noun(self) -> &'static str {
        match self {
            BasketKind::Invoices => "invoices",
            BasketKind::Baskets => "baskets",
        }
    }
}

/// What [`bundles_summary`] shows: the first `limit` itemsets (by support) and rules (by lift),
/// under a headline counting the itemsets by length; the rules' title names the
/// `min_confidence` they were generated with.
pub fn bundles_summary(
    itemsets: &FrequentItemsets,
    rules: Option<&AssociationRules>,
    min_confidence: f64,
    kind: BasketKind,
    limit: usize,
) -> String {
    let by_length: Vec<String> = itemsets
        .count_by_length()
        .iter()
        .enumerate()
        .filter(|&(len, &n)| len > 0 && n > 0)
        .map(|(len, &n)| format!("{len}: {}", int(n as i64)))
        .collect();
    let kind = kind.noun();
    let mut text = format!(
        "{} frequent itemsets in {} {kind} (min count {}, {} of the {kind}); by length {}\n\n",
        int(itemsets.len() as i64),
        int(itemsets.baskets() as i64),
        int(itemsets.min_count() as i64),
        pct(Some(
            itemsets.min_count() as f64 / itemsets.baskets().max(1) as f64
        )),
        by_length.join(" · ")
    );
    let ids = itemsets.item_ids();
    let names = itemsets.item_names();
    let mut table = TextTable::new(
        &format!(
            "Top itemsets by support (first {})",
            limit.min(itemsets.len())
        ),
        &["itemset", "baskets", "support"],
    );
    for i in 0..itemsets.len().min(limit) {
        table.row(vec![
            label(ids, names, itemsets.itemset(i)),
            int(itemsets.count(i) as i64),
            pct(Some(itemsets.support(i))),
        ]);
    }
    text += &table.render();
    text.push('\n');
    if let Some(rules) = rules {
        let mut table = TextTable::new(
            &format!(
                "Rules by lift: {} with confidence ≥ {} (first {})",
                int(rules.len() as i64),
                pct(Some(min_confidence)),
                limit.min(rules.len())
            ),
            &[
                "if a basket has",
                "it also has",
                "support",
                "confidence",
                "lift",
                "leverage",
                "conviction",
                "zhang",
            ],
        )
        .text_columns(&[1]);
        for i in 0..rules.len().min(limit) {
            let (antecedent, consequent) = rules.items(i);
            let m = rules.measures(i);
            table.row(vec![
                label(ids, names, antecedent),
                label(ids, names, consequent),
                pct(Some(m.support)),
                pct(Some(m.confidence)),
                format!("{:.2}", m.lift),
                format!("{:.4}", m.leverage),
                if m.conviction.is_infinite() {
                    "∞".into()
                } else {
                    format!("{:.2}", m.conviction)
                },
                format!("{:.3}", m.zhang),
            ]);
        }
        text += &table.render();
        text.push('\n');
    }
    text
}

/// An itemset's items as `name (id)` (the id alone without a name), joined by ` + `.
fn label(ids: &[String], names: &[Option<String>], set: &[u32]) -> String {
    set.iter()
        .map(|&j| {
            let id = &ids[j as usize];
            match &names[j as usize] {
                Some(name) => format!("{} ({id})", name.trim()),
                None => id.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// One customer's recommended next basket: rank, product, name, score and why.
pub fn recommendations_table(customer: &str, recommendations: &[Recommendation]) -> TextTable {
    let mut table = TextTable::new(
        &format!("Next basket of customer {customer}"),
        &["#", "product", "name", "score", "why"],
    )
    .text_columns(&[1, 2, 4]);
    for (i, r) in recommendations.iter().enumerate() {
        table.row(vec![
            (i + 1).to_string(),
            r.product_id.clone(),
            r.product_name
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_string(),
            format!("{:.3}", r.score),
            // The reason's name as in JSON (`repeat`, `rule`, `popular`).
            serde_json::to_value(r.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ]);
    }
    table
}

/// The next-basket evaluation: hit rate, recall and precision at k of each recommender.
pub fn evaluation_table(evaluation: &Evaluation) -> TextTable {
    let mut table = TextTable::new(
        &format!(
            "Next basket at k = {}: {} customers' last baskets held out \
             ({} training baskets, {} rules)",
            evaluation.k,
            int(evaluation.customers as i64),
            int(evaluation.training_baskets as i64),
            int(evaluation.rules as i64)
        ),
        &["recommender", "hit rate", "recall", "precision"],
    );
    for m in &evaluation.methods {
        table.row(vec![
            m.method.clone(),
            pct(Some(m.hit_rate)),
            pct(Some(m.recall)),
            pct(Some(m.precision)),
        ]);
    }
    table
}

/// The JSON document of mined bundles: the sources, the counts, the itemsets by length, and
/// the first `limit` itemsets and rules, streamed ([`super::Streamed`]): hundreds of thousands
/// of itemsets go out without a JSON tree of them in memory.
///
/// ```
/// use retail_bundles::{FpGrowth, MinSupport, RuleParams};
/// use retail_ingest::Baskets;
/// use retail_report::text::bundles::BundlesJson;
///
/// let baskets = Baskets::from_lists([vec!["a", "b"], vec!["a", "b"], vec!["a"]]);
/// let itemsets = FpGrowth::new(MinSupport::count(2)?).mine(&baskets)?;
/// let rules = RuleParams::new().generate(&itemsets)?;
/// let sources = ["baskets.dat".to_string()];
/// let json = serde_json::to_value(BundlesJson::new(&itemsets, Some(&rules), &sources, 10))?;
/// assert_eq!(json["baskets"], 3);
/// assert_eq!(json["by_length"]["2"], 1);
/// assert_eq!(json["rules_total"], 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BundlesJson<'a> {
    itemsets: &'a FrequentItemsets,
    rules: Option<&'a AssociationRules>,
    sources: &'a [String],
    limit: usize,
}

impl<'a> BundlesJson<'a> {
    /// The document of `itemsets` and `rules` (`None` when none were generated) mined from
    /// `sources`, with at most `limit` itemsets and rules listed.
    pub fn new(
        itemsets: &'a FrequentItemsets,
        rules: Option<&'a AssociationRules>,
        sources: &'a [String],
        limit: usize,
    ) -> BundlesJson<'a> {
        BundlesJson {
            itemsets,
            rules,
            sources,
            limit,
        }
    }
}

impl serde::Serialize for BundlesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let itemsets = self.itemsets;
        let by_length: serde_json::Map<String, serde_json::Value> = itemsets
            .count_by_length()
            .iter()
            .enumerate()
            .skip(1)
            .map(|(len, &n)| (len.to_string(), n.into()))
            .collect();
        let limit = self.limit;
        let mut doc = serializer.serialize_struct("BundlesJson", 9)?;
        doc.serialize_field("sources", self.sources)?;
        doc.serialize_field("baskets", &itemsets.baskets())?;
        doc.serialize_field("min_count", &itemsets.min_count())?;
        doc.serialize_field("target", &itemsets.target())?;
        doc.serialize_field("frequent_itemsets", &itemsets.len())?;
        doc.serialize_field("by_length", &by_length)?;
        doc.serialize_field("itemsets", &Streamed(|| itemsets.iter().take(limit)))?;
        doc.serialize_field("rules_total", &self.rules.map(|r| r.len()))?;
        doc.serialize_field(
            "rules",
            &self.rules.map(|r| Streamed(move || r.iter().take(limit))),
        )?;
        doc.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retail_bundles::next_basket::{Accuracy, Reason};
    use retail_bundles::{FpGrowth, MinSupport, RuleParams};
    use retail_ingest::Baskets;

    fn mined() -> (FrequentItemsets, AssociationRules) {
        let baskets =
            Baskets::from_lists([vec!["a", "b"], vec!["a", "b"], vec!["a", "c"], vec!["b"]]);
        let names: Vec<Option<String>> = baskets
            .items()
            .iter()
            .map(|id| (id == "a").then(|| "APPLE  ".to_string()))
            .collect();
        let itemsets = FpGrowth::new(MinSupport::count(2).unwrap())
            .mine(&baskets)
            .unwrap()
            .with_item_names(&names);
        let rules = RuleParams::new()
            .with_min_confidence(0.5)
            .generate(&itemsets)
            .unwrap();
        (itemsets, rules)
    }

    #[test]
    fn bundles_show_itemsets_and_rules_with_their_measures() {
        let (itemsets, rules) = mined();
        let text = bundles_summary(&itemsets, Some(&rules), 0.5, BasketKind::Baskets, 20);
        // a and b are in 3 of the 4 baskets, both in 2: confidence 2/3, lift (2/3)/(3/4),
        // leverage 1/2 - 9/16, conviction (1/4)/(1/3), Zhang -1/16 / max(1/8, 3/16).
        assert_eq!(
            text,
            "3 frequent itemsets in 4 baskets (min count 2, 50.0% of the baskets); by length 1: 2 · 2: 1\n\n\
             Top itemsets by support (first 3)\n\
             \x20 itemset        baskets  support\n\
             \x20 ─────────────  ───────  ───────\n\
             \x20 APPLE (a)            3    75.0%\n\
             \x20 b                    3    75.0%\n\
             \x20 APPLE (a) + b        2    50.0%\n\n\
             Rules by lift: 2 with confidence ≥ 50.0% (first 2)\n\
             \x20 if a basket has  it also has  support  confidence  lift  leverage  conviction   zhang\n\
             \x20 ───────────────  ───────────  ───────  ──────────  ────  ────────  ──────────  ──────\n\
             \x20 APPLE (a)        b              50.0%       66.7%  0.89   -0.0625        0.75  -0.333\n\
             \x20 b                APPLE (a)      50.0%       66.7%  0.89   -0.0625        0.75  -0.333\n\n"
        );
    }

    #[test]
    fn the_limit_cuts_the_lists_and_invoices_are_named() {
        let (itemsets, _) = mined();
        let text = bundles_summary(&itemsets, None, 0.5, BasketKind::Invoices, 1);
        assert_eq!(
            text,
            "3 frequent itemsets in 4 invoices (min count 2, 50.0% of the invoices); by length 1: 2 · 2: 1\n\n\
             Top itemsets by support (first 1)\n\
             \x20 itemset    baskets  support\n\
             \x20 ─────────  ───────  ───────\n\
             \x20 APPLE (a)        3    75.0%\n\n"
        );
    }

    #[test]
    fn next_basket_tables() {
        let recommendations = [
            Recommendation {
                product_id: "85123A".into(),
                product_name: Some("WHITE HANGING HEART T-LIGHT HOLDER ".into()),
                score: 0.8125,
                reason: Reason::Repeat,
            },
            Recommendation {
                product_id: "POST".into(),
                product_name: None,
                score: 0.1,
                reason: Reason::Popular,
            },
        ];
        assert_eq!(
            recommendations_table("17850", &recommendations).render(),
            "Next basket of customer 17850\n\
             \x20 #  product  name                                score  why\n\
             \x20 ─  ───────  ──────────────────────────────────  ─────  ───────\n\
             \x20 1  85123A   WHITE HANGING HEART T-LIGHT HOLDER  0.812  repeat\n\
             \x20 2  POST                                         0.100  popular\n"
        );
        let evaluation = Evaluation {
            k: 10,
            customers: 575,
            training_baskets: 2_798,
            rules: 91_229,
            methods: vec![Accuracy {
                method: "blend".into(),
                hit_rate: 0.746,
                recall: 0.176,
                precision: 0.2051,
            }],
        };
        let mut table = evaluation_table(&evaluation);
        table.note("a hint");
        assert_eq!(
            table.render(),
            "Next basket at k = 10: 575 customers' last baskets held out (2,798 training baskets, 91,229 rules)\n\
             \x20 recommender  hit rate  recall  precision\n\
             \x20 ───────────  ────────  ──────  ─────────\n\
             \x20 blend           74.6%   17.6%      20.5%\n\
             \x20 a hint\n"
        );
    }
}
