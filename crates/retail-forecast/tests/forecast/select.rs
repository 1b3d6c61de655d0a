//! Model selection by rolling-origin cross-validation (`auto`) and the mean combination
//! (`retail_forecast::select`), through the public entry point.

use retail_forecast::{ModelChoice, SeriesForecast, ThetaVariant, forecast_series};

#[test]
fn a_straight_line_is_won_by_a_model_that_extrapolates_it() {
    // y = 10 + 2t: ETS with a trend, ARIMA with drift and Theta's drift all forecast it;
    // the naive fallbacks would not. The winner continues the line within 1 %.
    let y: Vec<f64> = (0..40).map(|t| 10.0 + 2.0 * t as f64).collect();
    let r = forecast_series(&y, ModelChoice::Auto, 1, 4, &[0.8]).unwrap();
    let cv = r.parameters.iter().find(|p| p.name == "cv_mase").unwrap();
    assert!(cv.value < 0.5, "{} {}", r.model, cv.value);
    for (h, f) in r.forecast.point.iter().enumerate() {
        let expected = 10.0 + 2.0 * (40 + h) as f64;
        assert!(
            (f - expected).abs() < 0.01 * expected,
            "{} {f} {expected}",
            r.model
        );
    }
}

#[test]
fn the_ensemble_is_the_mean_of_its_members() {
    let y: Vec<f64> = (0..30)
        .map(|t| 50.0 + (t as f64 * 0.7).sin() * 5.0 + t as f64 * 0.3)
        .collect();
    let members: Vec<SeriesForecast> = [
        ModelChoice::AutoEts,
        ModelChoice::AutoArima,
        ModelChoice::Theta(ThetaVariant::Classic),
    ]
    .into_iter()
    .map(|c| forecast_series(&y, c, 1, 3, &[0.9]).unwrap())
    .collect();
    let e = forecast_series(&y, ModelChoice::Ensemble, 1, 3, &[0.9]).unwrap();
    // The series is positive and the members' bounds stay above zero: no flooring.
    for h in 0..3 {
        let point: f64 = members.iter().map(|m| m.forecast.point[h]).sum::<f64>() / 3.0;
        assert!((e.forecast.point[h] - point).abs() < 1e-9 * point);
        let low: f64 = members
            .iter()
            .map(|m| m.forecast.intervals[0].lower[h])
            .sum::<f64>()
            / 3.0;
        assert!(low > 0.0);
        assert!((e.forecast.intervals[0].lower[h] - low).abs() < 1e-9 * low);
    }
    assert!(e.model.starts_with("Mean(ETS("), "{}", e.model);
}
