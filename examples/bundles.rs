//! Product bundles from transactions, the way an embedding application would: one basket per
//! invoice, FP-growth for the product sets bought together, association rules ranked by lift,
//! and the next-basket recommender scored on each customer's held-out last basket.
//!
//! ```sh
//! cargo run --example bundles                  # the embedded Online Retail sample
//! cargo run --example bundles -- sales.csv.gz
//! ```

use retail_bundles::next_basket::evaluate;
use retail_bundles::{FpGrowth, InvoiceBaskets, MinSupport, NextBasketParams, RuleParams};
use retail_ingest::{IngestParams, read_transactions, samples};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = IngestParams::default();
    let batches = match std::env::args().nth(1) {
        Some(file) => read_transactions(&file, &options)?.batches,
        None => samples::open(
            "online_retail_sample.csv.gz",
            samples::ONLINE_RETAIL,
            &options,
        )?
        .collect::<Result<Vec<_>, _>>()?,
    };
    let data = InvoiceBaskets::from_sales(&batches)?;
    // Product sets in at least 1 % of the baskets, with product names for display.
    let itemsets = FpGrowth::new(MinSupport::fraction(0.01)?)
        .mine(&data.baskets)?
        .with_item_names(&data.product_names);
    let rules = RuleParams::new()
        .with_min_confidence(0.5)
        .with_min_lift(2.0)
        .generate(&itemsets)?;
    println!(
        "{} baskets, {} frequent product sets, {} rules",
        itemsets.baskets(),
        itemsets.len(),
        rules.len()
    );
    let mut strongest: Vec<_> = rules.iter().collect();
    strongest.sort_by(|a, b| b.measures.lift.total_cmp(&a.measures.lift));
    let name = |ids: &[String], names: &[Option<String>]| {
        ids.iter()
            .zip(names)
            .map(|(id, n)| n.clone().unwrap_or_else(|| id.clone()))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    for rule in strongest.iter().take(5) {
        println!(
            "{} -> {}  (lift {:.1}, confidence {:.0}%)",
            name(&rule.antecedent, &rule.antecedent_names),
            name(&rule.consequent, &rule.consequent_names),
            rule.measures.lift,
            rule.measures.confidence * 100.0
        );
    }
    let evaluation = evaluate(&data, &NextBasketParams::default())?;
    for method in &evaluation.methods {
        println!(
            "next basket, {:<13} hit rate {:.1}%  recall {:.1}%",
            method.method,
            method.hit_rate * 100.0,
            method.recall * 100.0
        );
    }
    Ok(())
}
