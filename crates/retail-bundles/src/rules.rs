//! Association rules `X → Y` from frequent itemsets, with the usual interest measures.
//!
//! With `P(·)` the share of baskets containing an itemset:
//! support `P(X∪Y)`, confidence `P(X∪Y)/P(X)`, lift `confidence/P(Y)`, leverage
//! `P(X∪Y) − P(X)P(Y)`, conviction `(1 − P(Y))/(1 − confidence)` (infinite at confidence 1)
//! and Zhang's metric `leverage / max(P(X∪Y)(1 − P(X)), P(X)(P(Y) − P(X∪Y)))` (0 when that
//! maximum is 0, as in mlxtend).

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::BundlesError;
use crate::itemsets::{FrequentItemsets, ItemsetTarget};

/// Which consequents to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Consequents {
    /// One item, as R arules and Spark MLlib do (default).
    #[default]
    Single,
    /// Every non-empty proper subset of each itemset.
    Any,
}

/// Rule generation parameters: a consequent mode and a lower bound on each measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleParams {
    consequents: Consequents,
    min_confidence: f64,
    min_lift: f64,
    min_leverage: f64,
    min_conviction: f64,
    min_zhang: f64,
}

impl Default for RuleParams {
    fn default() -> Self {
        RuleParams {
            consequents: Consequents::Single,
            min_confidence: 0.0,
            min_lift: 0.0,
            min_leverage: -1.0,
            min_conviction: 0.0,
            min_zhang: -1.0,
        }
    }
}

fn check_range(parameter: &'static str, value: f64, range: (f64, f64)) -> Result<(), BundlesError> {
    if value.is_nan() || value < range.0 || value > range.1 {
        return Err(BundlesError::InvalidParameter {
            parameter,
            message: format!("{value} is outside [{}, {}]", range.0, range.1),
        });
    }
    Ok(())
}

impl RuleParams {
    /// One-item consequents, no filters.
    pub fn new() -> RuleParams {
        RuleParams::default()
    }

    /// One-item consequents or any.
    pub fn with_consequents(mut self, consequents: Consequents) -> Self {
        self.consequents = consequents;
        self
    }

    /// Keeps rules with confidence at least `value` (in [0, 1]).
    pub fn with_min_confidence(mut self, value: f64) -> Self {
        self.min_confidence = value;
        self
    }

    /// Keeps rules with lift at least `value` (≥ 0).
    pub fn with_min_lift(mut self, value: f64) -> Self {
        self.min_lift = value;
        self
    }

    /// Keeps rules with leverage at least `value` (in [-1, 1]).
    pub fn with_min_leverage(mut self, value: f64) -> Self {
        self.min_leverage = value;
        self
    }

    /// Keeps rules with conviction at least `value` (≥ 0).
    pub fn with_min_conviction(mut self, value: f64) -> Self {
        self.min_conviction = value;
        self
    }

    /// Keeps rules with Zhang's metric at least `value` (in [-1, 1]).
    pub fn with_min_zhang(mut self, value: f64) -> Self {
        self.min_zhang = value;
        self
    }

    /// Checks every threshold: confidence, leverage and Zhang's metric in their ranges
    /// ([0, 1], [-1, 1], [-1, 1]), lift and conviction ≥ 0, none NaN.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming the first threshold out of its range.
    pub fn check(&self) -> Result<(), BundlesError> {
        check_range("min_confidence", self.min_confidence, (0.0, 1.0))?;
        check_range("min_lift", self.min_lift, (0.0, f64::INFINITY))?;
        check_range("min_leverage", self.min_leverage, (-1.0, 1.0))?;
        check_range("min_conviction", self.min_conviction, (0.0, f64::INFINITY))?;
        check_range("min_zhang", self.min_zhang, (-1.0, 1.0))
    }

    /// Generates the rules of `itemsets` (which must hold every frequent itemset: no closed,
    /// maximal or top-k cut, since each rule needs its antecedent's support).
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] for a threshold out of range ([`RuleParams::check`])
    /// or for itemsets with a closed, maximal or top-k cut.
    pub fn generate(&self, itemsets: &FrequentItemsets) -> Result<AssociationRules, BundlesError> {
        self.check()?;
        if itemsets.target() != ItemsetTarget::All || itemsets.truncated_from().is_some() {
            return Err(BundlesError::InvalidParameter {
                parameter: "itemsets",
                message: "rules need all frequent itemsets; mine without a closed, maximal \
                          or top-k cut"
                    .into(),
            });
        }
        let index = itemsets.index();
        let n = itemsets.baskets() as f64;
        let mut rules = Vec::new();
        let mut antecedent = Vec::new();
        let mut consequent = Vec::new();
        for z in 0..itemsets.len() {
            let set = itemsets.itemset(z);
            let k = set.len();
            if k < 2 {
                continue;
            }
            let masks: Box<dyn Iterator<Item = u64>> = match self.consequents {
                Consequents::Single => Box::new((0..k).map(|j| 1u64 << j)),
                Consequents::Any => {
                    if k > 24 {
                        return Err(BundlesError::InvalidParameter {
                            parameter: "consequents",
                            message: format!(
                                "any-consequent rules of a {k}-item itemset are too many; \
                                 set a maximum itemset length of 24 or less"
                            ),
                        });
                    }
                    Box::new(1..(1u64 << k) - 1)
                }
            };
            for mask in masks {
                antecedent.clear();
                consequent.clear();
                for (j, &item) in set.iter().enumerate() {
                    if mask & (1 << j) != 0 {
                        consequent.push(item);
                    } else {
                        antecedent.push(item);
                    }
                }
                let (Some(&a), Some(&c)) = (
                    index.get(antecedent.as_slice()),
                    index.get(consequent.as_slice()),
                ) else {
                    // Every subset of a frequent itemset is frequent; unreachable with all
                    // itemsets present, but a missing one must not invent a rule.
                    continue;
                };
                let count = itemsets.count(z);
                let measures = Measures::new(
                    count as f64 / n,
                    itemsets.count(a) as f64 / n,
                    itemsets.count(c) as f64 / n,
                    count == itemsets.count(a),
                );
                if self.accepts(&measures) {
                    rules.push(RawRule {
                        antecedent: antecedent.clone(),
                        consequent: consequent.clone(),
                        count,
                        measures,
                    });
                }
            }
        }
        rules.sort_by(|a, b| {
            b.measures
                .lift
                .total_cmp(&a.measures.lift)
                .then(b.measures.confidence.total_cmp(&a.measures.confidence))
                .then(b.count.cmp(&a.count))
                .then(a.antecedent.len().cmp(&b.antecedent.len()))
                .then_with(|| a.antecedent.cmp(&b.antecedent))
                .then_with(|| a.consequent.cmp(&b.consequent))
        });
        Ok(AssociationRules {
            itemsets: itemsets.clone_dictionary(),
            rules,
        })
    }

    fn accepts(&self, m: &Measures) -> bool {
        m.confidence >= self.min_confidence
            && m.lift >= self.min_lift
            && m.leverage >= self.min_leverage
            && m.conviction >= self.min_conviction
            && m.zhang >= self.min_zhang
    }
}

/// The interest measures of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measures {
    /// `P(X)`.
    pub antecedent_support: f64,
    /// `P(Y)`.
    pub consequent_support: f64,
    /// `P(X∪Y)`.
    pub support: f64,
    /// `P(X∪Y) / P(X)`.
    pub confidence: f64,
    /// `confidence / P(Y)`.
    pub lift: f64,
    /// `P(X∪Y) − P(X)P(Y)`.
    pub leverage: f64,
    /// `(1 − P(Y)) / (1 − confidence)`; infinite at confidence 1 (serialised as `null` in
    /// JSON, which has no infinity).
    pub conviction: f64,
    /// Zhang's metric, in [-1, 1].
    pub zhang: f64,
}

impl Measures {
    /// From the three supports; `certain` says the rule never fails (counts equal), which
    /// makes conviction infinite without trusting a floating-point `confidence == 1`.
    pub fn new(support: f64, antecedent: f64, consequent: f64, certain: bool) -> Measures {
        let confidence = support / antecedent;
        let leverage = support - antecedent * consequent;
        let conviction = if certain {
            f64::INFINITY
        } else {
            (1.0 - consequent) / (1.0 - confidence)
        };
        let denominator = (support * (1.0 - antecedent)).max(antecedent * (consequent - support));
        let zhang = if denominator == 0.0 {
            0.0
        } else {
            leverage / denominator
        };
        Measures {
            antecedent_support: antecedent,
            consequent_support: consequent,
            support,
            confidence,
            lift: confidence / consequent,
            leverage,
            conviction,
            zhang,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct RawRule {
    antecedent: Vec<u32>,
    consequent: Vec<u32>,
    count: u64,
    measures: Measures,
}

/// One rule, typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Antecedent item ids.
    pub antecedent: Vec<String>,
    /// Antecedent item names where known.
    pub antecedent_names: Vec<Option<String>>,
    /// Consequent item ids.
    pub consequent: Vec<String>,
    /// Consequent item names where known.
    pub consequent_names: Vec<Option<String>>,
    /// Baskets containing antecedent and consequent.
    pub count: u64,
    /// The measures.
    #[serde(flatten)]
    pub measures: Measures,
}

/// The item dictionary rules refer to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemDictionary {
    pub ids: Vec<String>,
    pub names: Vec<Option<String>>,
}

impl FrequentItemsets {
    pub(crate) fn clone_dictionary(&self) -> ItemDictionary {
        ItemDictionary {
            ids: self.item_ids().to_vec(),
            names: self.item_names().to_vec(),
        }
    }
}

/// Association rules, ordered by lift, confidence and count (descending), then antecedent
/// length, antecedent items and consequent items (ascending).
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationRules {
    itemsets: ItemDictionary,
    rules: Vec<RawRule>,
}

impl AssociationRules {
    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when no rule passed the filters.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Keeps the first `k` rules.
    pub fn truncate(&mut self, k: usize) {
        self.rules.truncate(k);
    }

    /// Rule `i` as item indices (into the itemsets' item dictionary): antecedent, consequent.
    pub fn items(&self, i: usize) -> (&[u32], &[u32]) {
        (&self.rules[i].antecedent, &self.rules[i].consequent)
    }

    /// The measures of rule `i`.
    pub fn measures(&self, i: usize) -> &Measures {
        &self.rules[i].measures
    }

    /// Item ids of the dictionary the rules index.
    pub fn item_ids(&self) -> &[String] {
        &self.itemsets.ids
    }

    /// Iterates the rules as typed values.
    pub fn iter(&self) -> impl Iterator<Item = Rule> + '_ {
        (0..self.len()).map(|i| self.rule(i))
    }

    /// Rule `i` as a typed value.
    pub fn rule(&self, i: usize) -> Rule {
        let ids = |set: &[u32]| -> Vec<String> {
            set.iter()
                .map(|&j| self.itemsets.ids[j as usize].clone())
                .collect()
        };
        let names = |set: &[u32]| -> Vec<Option<String>> {
            set.iter()
                .map(|&j| self.itemsets.names[j as usize].clone())
                .collect()
        };
        let r = &self.rules[i];
        Rule {
            antecedent: ids(&r.antecedent),
            antecedent_names: names(&r.antecedent),
            consequent: ids(&r.consequent),
            consequent_names: names(&r.consequent),
            count: r.count,
            measures: r.measures,
        }
    }

    /// As Arrow: item lists for both sides, `count` and every measure.
    ///
    /// # Errors
    /// Arrow's error building the batch, as [`BundlesError::Arrow`].
    pub fn to_record_batch(&self) -> Result<RecordBatch, BundlesError> {
        let lists = |side: fn(&RawRule) -> &[u32]| -> (ArrayRef, ArrayRef) {
            use arrow::array::{ListBuilder, StringBuilder};
            let mut ids = ListBuilder::new(StringBuilder::new());
            let mut names = ListBuilder::new(StringBuilder::new());
            for rule in &self.rules {
                for &j in side(rule) {
                    ids.values().append_value(&self.itemsets.ids[j as usize]);
                    names
                        .values()
                        .append_option(self.itemsets.names[j as usize].as_deref());
                }
                ids.append(true);
                names.append(true);
            }
            (Arc::new(ids.finish()), Arc::new(names.finish()))
        };
        let (antecedent, antecedent_names) = lists(|r| &r.antecedent);
        let (consequent, consequent_names) = lists(|r| &r.consequent);
        let measure = |f: fn(&Measures) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from_iter_values(
                self.rules.iter().map(|r| f(&r.measures)),
            ))
        };
        let mut fields = vec![
            Field::new("antecedent", antecedent.data_type().clone(), false),
            Field::new(
                "antecedent_names",
                antecedent_names.data_type().clone(),
                false,
            ),
            Field::new("consequent", consequent.data_type().clone(), false),
            Field::new(
                "consequent_names",
                consequent_names.data_type().clone(),
                false,
            ),
            Field::new("count", DataType::UInt64, false),
        ];
        let mut columns: Vec<ArrayRef> = vec![
            antecedent,
            antecedent_names,
            consequent,
            consequent_names,
            Arc::new(UInt64Array::from_iter_values(
                self.rules.iter().map(|r| r.count),
            )),
        ];
        type Column = (&'static str, fn(&Measures) -> f64);
        let measures: [Column; 8] = [
            ("antecedent_support", |m| m.antecedent_support),
            ("consequent_support", |m| m.consequent_support),
            ("support", |m| m.support),
            ("confidence", |m| m.confidence),
            ("lift", |m| m.lift),
            ("leverage", |m| m.leverage),
            ("conviction", |m| m.conviction),
            ("zhang", |m| m.zhang),
        ];
        for (name, f) in measures {
            fields.push(Field::new(name, DataType::Float64, false));
            columns.push(measure(f));
        }
        Ok(RecordBatch::try_new(
            Arc::new(Schema::new(fields)),
            columns,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_by_hand() {
        // 10 baskets: X in 4, Y in 5, both in 3.
        let m = Measures::new(0.3, 0.4, 0.5, false);
        assert!((m.confidence - 0.75).abs() < 1e-15);
        assert!((m.lift - 1.5).abs() < 1e-15);
        assert!((m.leverage - 0.1).abs() < 1e-15);
        assert!((m.conviction - 2.0).abs() < 1e-12); // 0.5 / 0.25
        // max(0.3 * 0.6, 0.4 * 0.2) = 0.18 → 0.1 / 0.18
        assert!((m.zhang - 0.1 / 0.18).abs() < 1e-12);
        let certain = Measures::new(0.4, 0.4, 0.5, true);
        assert!(certain.conviction.is_infinite());
        // Independence: leverage 0 and Zhang 0.
        let independent = Measures::new(0.2, 0.4, 0.5, false);
        assert!(independent.leverage.abs() < 1e-15 && independent.zhang.abs() < 1e-12);
    }

    #[test]
    fn invalid_filters_name_the_parameter() {
        let err = RuleParams::new()
            .with_min_confidence(1.5)
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("min_confidence"));
        assert!(RuleParams::new().with_min_lift(f64::NAN).check().is_err());
    }
}
