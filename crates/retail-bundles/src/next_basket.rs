//! Next-basket recommendation: for each customer, the `k` products most likely in their next
//! basket, blending their own repeat purchases (recency-weighted) with the association rules
//! of what they already buy, and falling back to the most popular products.
//!
//! Scores, per customer `u` with `m` past baskets (oldest first) and product `j`:
//! - repeat: `Σ decayᵃ` over the past baskets containing `j`, where `a` is the basket's age
//!   (0 for the latest), divided by `Σ decayᵃ` over all past baskets; in [0, 1];
//! - rules: the highest confidence of a mined rule `X → j` with every item of `X` bought by
//!   `u` before;
//! - popularity: the share of all training baskets containing `j`.
//!
//! The blend is `repeat` for products the customer bought before and `rule_weight · rules`
//! for the others, plus `0.01 · popularity`, which only breaks ties and fills the list for
//! customers with little history: rules propose new products without pushing out the
//! customer's own staples (letting them re-rank bought products lowered the hit rate on
//! Online Retail). Ties left over go to the more popular product, then to the lower id.

use std::collections::HashMap;

use serde::Serialize;

use crate::invoices::InvoiceBaskets;
use crate::itemsets::compare_item_ids;
use crate::rules::RuleParams;
use crate::{BundlesError, FpGrowth, MinSupport};
use retail_ingest::baskets::Baskets;

/// Next-basket parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextBasketParams {
    k: usize,
    decay: f64,
    rule_weight: f64,
    rule_support: f64,
    rule_confidence: f64,
    rule_max_len: usize,
}

impl Default for NextBasketParams {
    /// k 10, recency decay 0.9, rule weight 0.1, rules mined at 0.5 % support (at least 5
    /// baskets), confidence ≥ 0.1, itemsets of up to 3 items.
    fn default() -> Self {
        NextBasketParams {
            k: 10,
            decay: 0.9,
            rule_weight: 0.1,
            rule_support: 0.005,
            rule_confidence: 0.1,
            rule_max_len: 3,
        }
    }
}

fn invalid(parameter: &'static str, message: &str) -> BundlesError {
    BundlesError::InvalidParameter {
        parameter,
        message: message.into(),
    }
}

impl NextBasketParams {
    /// Products recommended per customer (at least 1).
    pub fn with_k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Weight of a basket one step older than another, in (0, 1].
    pub fn with_decay(mut self, decay: f64) -> Self {
        self.decay = decay;
        self
    }

    /// Weight of the rule score against the repeat score (≥ 0).
    pub fn with_rule_weight(mut self, weight: f64) -> Self {
        self.rule_weight = weight;
        self
    }

    /// Checks the parameters: `k` at least 1, `decay` in (0, 1], `rule_weight` finite and ≥ 0.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming the first parameter out of its range.
    pub fn check(&self) -> Result<(), BundlesError> {
        if self.k == 0 {
            return Err(invalid("k", "must be at least 1"));
        }
        if !(self.decay > 0.0 && self.decay <= 1.0) {
            return Err(invalid("decay", "must be in (0, 1]"));
        }
        if !(self.rule_weight >= 0.0 && self.rule_weight.is_finite()) {
            return Err(invalid("rule_weight", "must be a finite number ≥ 0"));
        }
        Ok(())
    }

    /// Products recommended per customer.
    pub fn k(&self) -> usize {
        self.k
    }
}

/// Why a product was recommended: the largest of the blend's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Reason {
    /// The customer bought it before.
    Repeat,
    /// A rule from what the customer buys points to it.
    Rule,
    /// It is popular.
    Popular,
}

/// One recommended product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Product id.
    pub product_id: String,
    /// Product name where known.
    pub product_name: Option<String>,
    /// The blended score.
    pub score: f64,
    /// The dominant term.
    pub reason: Reason,
}

/// A fitted recommender over training baskets.
#[derive(Debug, Clone)]
pub struct NextBasketModel {
    params: NextBasketParams,
    items: Vec<String>,
    names: Vec<Option<String>>,
    popularity: Vec<f64>,
    /// Item ids ordered by popularity (descending), then id.
    popular_order: Vec<u32>,
    /// Per customer: training baskets, oldest first (indices into `baskets`).
    histories: HashMap<String, Vec<usize>>,
    baskets: Baskets,
    /// Rules `antecedent → consequent` in basket item ids, with confidence.
    rules: Vec<(Vec<u32>, u32, f64)>,
    /// `rules` is sorted by first antecedent item; item `i`'s rules are
    /// `rules[rules_by_first[i]..rules_by_first[i + 1]]`.
    rules_by_first: Vec<usize>,
    rule_count: usize,
}

/// Which scores a ranking uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blend {
    Full,
    RulesOnly,
    RepeatOnly,
    PopularOnly,
}

impl NextBasketModel {
    /// Fits on the baskets of `data` where `train` is true (all when `None`).
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] for parameters out of range
    /// ([`NextBasketParams::check`]), and the errors of mining the rules it blends in.
    pub fn fit(
        data: &InvoiceBaskets,
        train: Option<&[bool]>,
        params: &NextBasketParams,
    ) -> Result<NextBasketModel, BundlesError> {
        params.check()?;
        let n = data.baskets.len();
        let in_train = |b: usize| train.is_none_or(|t| t[b]);
        let training: Vec<usize> = (0..n).filter(|&b| in_train(b)).collect();
        let baskets = Baskets::from_id_lists(
            data.baskets.items().to_vec(),
            training
                .iter()
                .map(|&b| data.baskets.basket(b).iter().copied()),
        );
        let n_items = baskets.items().len();
        let mut counts = vec![0u64; n_items];
        for basket in baskets.iter() {
            for &item in basket {
                counts[item as usize] += 1;
            }
        }
        let total = baskets.len().max(1) as f64;
        let popularity: Vec<f64> = counts.iter().map(|&c| c as f64 / total).collect();
        let mut popular_order: Vec<u32> = (0..n_items as u32).collect();
        popular_order.sort_by(|&a, &b| {
            counts[b as usize]
                .cmp(&counts[a as usize])
                .then_with(|| compare_item_ids(baskets.item_name(a), baskets.item_name(b)))
        });

        let mut histories: HashMap<String, Vec<usize>> = HashMap::new();
        for (t, &b) in training.iter().enumerate() {
            if let Some(customer) = &data.customers[b] {
                histories.entry(customer.clone()).or_default().push(t);
            }
        }
        for history in histories.values_mut() {
            history.sort_by(|&x, &y| {
                data.times[training[x]]
                    .cmp(&data.times[training[y]])
                    .then_with(|| data.invoices[training[x]].cmp(&data.invoices[training[y]]))
            });
        }

        let min_count = MinSupport::Fraction(params.rule_support)
            .to_count(baskets.len() as u64)
            .max(5);
        let itemsets = FpGrowth::new(MinSupport::Count(min_count))
            .with_max_len(params.rule_max_len)
            .mine(&baskets)?;
        let mined = RuleParams::new()
            .with_min_confidence(params.rule_confidence)
            .generate(&itemsets)?;
        let basket_item = itemsets.basket_items();
        let rules: Vec<(Vec<u32>, u32, f64)> = (0..mined.len())
            .map(|i| {
                let (antecedent, consequent) = mined.items(i);
                (
                    antecedent
                        .iter()
                        .map(|&j| basket_item[j as usize])
                        .collect(),
                    basket_item[consequent[0] as usize],
                    mined.measures(i).confidence,
                )
            })
            .collect();
        let mut rules = rules;
        rules.sort_by_key(|(antecedent, _, _)| antecedent[0]);
        let mut rules_by_first = vec![0usize; n_items + 1];
        for (antecedent, _, _) in &rules {
            rules_by_first[antecedent[0] as usize + 1] += 1;
        }
        for i in 0..n_items {
            rules_by_first[i + 1] += rules_by_first[i];
        }
        Ok(NextBasketModel {
            rules_by_first,
            params: params.clone(),
            items: baskets.items().to_vec(),
            names: data.product_names.clone(),
            popularity,
            popular_order,
            histories,
            rule_count: rules.len(),
            rules,
            baskets,
        })
    }

    /// Number of association rules the model uses.
    pub fn rule_count(&self) -> usize {
        self.rule_count
    }

    /// Customers with history.
    pub fn customers(&self) -> usize {
        self.histories.len()
    }

    /// The top `k` products for `customer`; a customer without history gets the most popular
    /// products.
    pub fn recommend(&self, customer: &str) -> Vec<Recommendation> {
        let empty = Vec::new();
        let history = self.histories.get(customer).unwrap_or(&empty);
        let scored = self.score(history, Blend::Full);
        scored
            .into_iter()
            .map(|(item, score, reason)| Recommendation {
                product_id: self.items[item as usize].clone(),
                product_name: self.names.get(item as usize).cloned().flatten(),
                score,
                reason,
            })
            .collect()
    }

    fn score(&self, history: &[usize], blend: Blend) -> Vec<(u32, f64, Reason)> {
        let n_items = self.items.len();
        let k = self.params.k;
        let mut repeat = vec![0.0f64; n_items];
        let mut bought = vec![false; n_items];
        let mut touched: Vec<u32> = Vec::new();
        let m = history.len();
        let mut norm = 0.0;
        for (position, &b) in history.iter().enumerate() {
            let weight = self.params.decay.powi((m - 1 - position) as i32);
            norm += weight;
            for &item in self.baskets.basket(b) {
                if !bought[item as usize] {
                    bought[item as usize] = true;
                    touched.push(item);
                }
                repeat[item as usize] += weight;
            }
        }
        let mut rule = vec![0.0f64; n_items];
        if matches!(blend, Blend::Full | Blend::RulesOnly) && !touched.is_empty() {
            // Only rules whose first antecedent item was bought can apply.
            for &item in &touched {
                let (start, end) = (
                    self.rules_by_first[item as usize],
                    self.rules_by_first[item as usize + 1],
                );
                for (antecedent, consequent, confidence) in &self.rules[start..end] {
                    if antecedent[1..].iter().all(|&a| bought[a as usize]) {
                        let slot = &mut rule[*consequent as usize];
                        *slot = slot.max(*confidence);
                    }
                }
            }
        }
        let mut scores: Vec<(u32, f64, Reason)> = (0..n_items as u32)
            .map(|item| {
                let i = item as usize;
                let r = if norm > 0.0 { repeat[i] / norm } else { 0.0 };
                let (terms, rule_term) = match blend {
                    Blend::Full if bought[i] => (r, 0.0),
                    Blend::Full => (0.0, self.params.rule_weight * rule[i]),
                    Blend::RulesOnly => (0.0, rule[i]),
                    Blend::RepeatOnly => (r, 0.0),
                    Blend::PopularOnly => (0.0, 0.0),
                };
                let popular = 0.01 * self.popularity[i];
                let reason = if terms >= rule_term && terms > 0.0 {
                    Reason::Repeat
                } else if rule_term > 0.0 {
                    Reason::Rule
                } else {
                    Reason::Popular
                };
                (item, terms + rule_term + popular, reason)
            })
            .collect();
        let rank: Vec<u32> = {
            let mut rank = vec![0u32; n_items];
            for (position, &item) in self.popular_order.iter().enumerate() {
                rank[item as usize] = position as u32;
            }
            rank
        };
        let by_score = |a: &(u32, f64, Reason), b: &(u32, f64, Reason)| {
            b.1.total_cmp(&a.1)
                .then(rank[a.0 as usize].cmp(&rank[b.0 as usize]))
        };
        if scores.len() > k {
            scores.select_nth_unstable_by(k - 1, by_score);
            scores.truncate(k);
        }
        scores.sort_by(by_score);
        scores
    }
}

/// Hit rate and recall at k of one recommender.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accuracy {
    /// Which recommender.
    pub method: String,
    /// Share of customers with at least one held-out product among the k.
    pub hit_rate: f64,
    /// Mean over customers of (held-out products among the k) / (held-out products).
    pub recall: f64,
    /// Mean over customers of (held-out products among the k) / k.
    pub precision: f64,
}

/// The leave-last-basket-out evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// k.
    pub k: usize,
    /// Customers evaluated (identified, with at least two baskets).
    pub customers: usize,
    /// Baskets the model was trained on.
    pub training_baskets: usize,
    /// Rules the model used.
    pub rules: usize,
    /// One row per recommender: the blend, repeat-only, rules-only, most popular.
    pub methods: Vec<Accuracy>,
}

/// Holds out each identified customer's last basket (by time, then invoice id), fits on the
/// rest, and scores every customer with at least one training basket.
///
/// # Errors
/// [`BundlesError::InvalidParameter`] for parameters out of range
/// ([`NextBasketParams::check`]), and the errors of fitting.
pub fn evaluate(
    data: &InvoiceBaskets,
    params: &NextBasketParams,
) -> Result<Evaluation, BundlesError> {
    params.check()?;
    let n = data.baskets.len();
    let mut last: HashMap<&str, usize> = HashMap::new();
    let mut basket_count: HashMap<&str, usize> = HashMap::new();
    for b in 0..n {
        if let Some(customer) = data.customers[b].as_deref() {
            *basket_count.entry(customer).or_default() += 1;
            let entry = last.entry(customer).or_insert(b);
            let key = |x: usize| (data.times[x], data.invoices[x].as_str());
            if key(b) > key(*entry) {
                *entry = b;
            }
        }
    }
    let mut train = vec![true; n];
    for &b in last.values() {
        train[b] = false;
    }
    let model = NextBasketModel::fit(data, Some(&train), params)?;
    let mut evaluated: Vec<(&str, usize)> = last
        .iter()
        .filter(|(c, _)| basket_count[*c] >= 2)
        .map(|(c, &b)| (*c, b))
        .collect();
    evaluated.sort();
    let methods = [
        ("blend", Blend::Full),
        ("repeat only", Blend::RepeatOnly),
        ("rules only", Blend::RulesOnly),
        ("most popular", Blend::PopularOnly),
    ];
    let mut results = Vec::new();
    let empty = Vec::new();
    for (name, blend) in methods {
        let (mut hits, mut recall, mut precision) = (0usize, 0.0, 0.0);
        for &(customer, held_out) in &evaluated {
            let history = model.histories.get(customer).unwrap_or(&empty);
            let top = model.score(history, blend);
            let truth = data.baskets.basket(held_out);
            let found = top
                .iter()
                .filter(|(item, _, _)| truth.contains(item))
                .count();
            if found > 0 {
                hits += 1;
            }
            if !truth.is_empty() {
                recall += found as f64 / truth.len() as f64;
            }
            precision += found as f64 / params.k as f64;
        }
        let customers = evaluated.len().max(1) as f64;
        results.push(Accuracy {
            method: name.to_string(),
            hit_rate: hits as f64 / customers,
            recall: recall / customers,
            precision: precision / customers,
        });
    }
    Ok(Evaluation {
        k: params.k,
        customers: evaluated.len(),
        training_baskets: model.baskets.len(),
        rules: model.rule_count,
        methods: results,
    })
}
