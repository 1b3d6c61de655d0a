//! ETS and ARIMA checked against statsmodels and statsforecast (`tests/reference/`: the
//! script, versions and conventions are there), plus invariants by proptest.

use retail_forecast::{Ets, EtsSpec};
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!("reference/reference.json")).unwrap()
}

fn series(reference: &Value, name: &str) -> (Vec<f64>, usize) {
    let s = reference["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap();
    let values = s["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    (values, s["m"].as_u64().unwrap() as usize)
}

#[test]
fn ets_reaches_the_reference_likelihoods() {
    let reference = reference();
    let mut worst: Vec<(f64, String)> = Vec::new();
    let mut failures = Vec::new();
    for fit in reference["ets"]["fits"].as_array().unwrap() {
        let name = fit["series"].as_str().unwrap();
        let spec: EtsSpec = fit["spec"].as_str().unwrap().parse().unwrap();
        let (y, m) = series(&reference, name);
        // The best log-likelihood any library fit reached for this very model under R's
        // admissible region, polished (see tests/reference/README.md): statsmodels' multiplicative
        // season is a different model, and statsforecast leaves R's bounds in some fits.
        let target = fit["best"]["loglik"].as_f64().unwrap();
        let ours = Ets::new(spec, m).unwrap().fit(&y);
        match ours {
            Ok(ours) => {
                let gap = ours.loglik - target;
                worst.push((gap, format!("{name} {}", spec.code())));
                if gap < -0.5 {
                    failures.push(format!(
                        "{name} {}: ours {:.3}, reference {:.3} (gap {gap:.3})",
                        spec.code(),
                        ours.loglik,
                        target
                    ));
                }
                if let Some(np) = fit["n_params"].as_u64() {
                    assert_eq!(ours.n_params as u64, np, "{name} {}", spec.code());
                }
            }
            Err(err) => failures.push(format!("{name} {}: {err}", spec.code())),
        }
    }
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    eprintln!("ETS loglik minus the best reference fit, lowest 10:");
    for (gap, what) in worst.iter().take(10) {
        eprintln!("  {gap:+.4}  {what}");
    }
    eprintln!(
        "  mean gap {:+.4} over {} fits",
        worst.iter().map(|w| w.0).sum::<f64>() / worst.len() as f64,
        worst.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
