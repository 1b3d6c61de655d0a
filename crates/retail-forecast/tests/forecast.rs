//! ETS and ARIMA checked against statsmodels and statsforecast (`tests/reference/`: the
//! script, versions and conventions are there), plus invariants by proptest.

use ndarray::ArrayView1;
use proptest::prelude::*;
use retail_forecast::accuracy::mase;
use retail_forecast::{
    AutoEts, Ets, EtsSpec, Fit, ModelChoice, Predict, PredictLevels, SeasonalNaive, forecast_many,
    forecast_series,
};
use serde_json::Value;

#[path = "forecast/select.rs"]
mod select;
#[path = "forecast/theta_intermittent.rs"]
mod theta_intermittent;

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
                // The bar for every fit. (wineind MAdM was 2.29 below until the full
                // search got a start with a slow level and nearly fixed trend and season,
                // the basin of the polished statsforecast fit: α = 0.068, β = γ = 1e-4.)
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

#[test]
fn ets_with_a_weekly_season_reaches_statsmodels_likelihood() {
    // Series 0 and 6 of the benchmark's weekly series, ETS(M,N,A) with m = 52: statsmodels
    // 0.15.0 `ETSModel(error="mul", seasonal="add", seasonal_periods=52,
    // initialization_method="estimated").fit(disp=False)`, log-likelihood converted to R's
    // convention (`llf + n/2 (ln(2π/n) + 1)`), as benches/compare_forecast.py's statsmodels
    // child computes it (`child_statsmodels("ets52", …)`, run 2026-11-30): −881.613 and
    // −732.996. Our search once stopped 5.05 and 3.50 units short (seasonal states held at
    // the linear model's); now every state moves, by L-BFGS on the exact likelihood.
    let series = retail_forecast::synthetic::weekly_series(7, 156, 2026);
    for (k, statsmodels) in [(0, -881.613), (6, -732.996)] {
        let fit = Ets::new("MNA".parse().unwrap(), 52)
            .unwrap()
            .fit(&series[k])
            .unwrap();
        assert!(
            fit.loglik >= statsmodels - 0.5,
            "series {k}: ours {:.3}, statsmodels {statsmodels}",
            fit.loglik
        );
    }
}

/// The reference's hold-out protocol: fit on all but the last h values, forecast h, MASE
/// against the seasonal naive scale of the training part.
fn holdout_mase<P: PredictLevels>(fit: impl Fn(&[f64]) -> P, y: &[f64], m: usize, h: usize) -> f64 {
    let (train, test) = y.split_at(y.len() - h);
    let forecast = fit(train).predict_levels(h, &[]).unwrap().point;
    mase(
        ArrayView1::from(test),
        ArrayView1::from(&forecast),
        ArrayView1::from(train),
        m,
    )
    .unwrap()
}

#[test]
fn auto_ets_beats_statsforecast_on_held_out_data() {
    let reference = reference();
    let auto = &reference["auto"];
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut chosen_aicc = Vec::new();
    for case in auto["per_series"].as_array().unwrap() {
        let name = case["series"].as_str().unwrap();
        let (y, m) = series(&reference, name);
        let h = case["h"].as_u64().unwrap() as usize;
        assert_eq!(case["n_train"].as_u64().unwrap() as usize, y.len() - h);
        let fitted = AutoEts::new(m).unwrap().fit_all(&y[..y.len() - h]).unwrap();
        // Screening every candidate and polishing the best two chooses what fitting every
        // candidate fully chooses, with the same fit.
        let full = AutoEts::new(m)
            .unwrap()
            .with_polish(usize::MAX)
            .fit_all(&y[..y.len() - h])
            .unwrap();
        assert_eq!(fitted.best.spec, full.best.spec, "{name}");
        assert!((fitted.best.aicc - full.best.aicc).abs() < 1e-9, "{name}");
        let value = holdout_mase(|_| fitted.best.clone(), &y, m, h);
        chosen_aicc.push(fitted.best.aicc);
        eprintln!(
            "{name:16} ours {} MASE {value:.3} | statsforecast {} MASE {:.3}",
            fitted.best.spec,
            case["autoets"]["model"].as_str().unwrap(),
            case["autoets"]["mase"].as_f64().unwrap()
        );
        ours.push(value);
        theirs.push(case["autoets"]["mase"].as_f64().unwrap());
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let reference_mean = auto["summary"]["autoets"]["mean_mase"].as_f64().unwrap();
    assert!((mean(&theirs) - reference_mean).abs() < 1e-12);
    eprintln!(
        "mean MASE: ours {:.4}, statsforecast AutoETS {reference_mean:.4}",
        mean(&ours)
    );
    // Known gap (docs/forecast.md): our fits reach higher likelihoods than statsforecast's,
    // so AICc picks other models, and on these 11 hold-outs those forecast worse (ours
    // 1.620 vs 1.024, driven by heartrate and sunspots). What is asserted is the selection
    // itself: every chosen model has an AICc at least as good as statsforecast's choice.
    for (case, chosen) in auto["per_series"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&chosen_aicc)
    {
        let theirs = case["autoets"]["aicc"].as_f64().unwrap();
        assert!(
            *chosen <= theirs + 1e-6,
            "{}: AICc {chosen} vs {theirs}",
            case["series"]
        );
    }
    assert!(mean(&ours) < 1.65, "regressed: {:.4}", mean(&ours));
}

#[test]
fn naive_baselines_match_the_reference_scale() {
    // The seasonal naive forecast's MASE on its own training data is 1 by construction of
    // the scale; on the hold-out it is what the reference protocol would give by hand.
    let reference = reference();
    let (y, m) = series(&reference, "airpassengers");
    let (train, test) = y.split_at(y.len() - 24);
    let f = SeasonalNaive::new(m)
        .unwrap()
        .fit(train)
        .unwrap()
        .predict_levels(24, &[])
        .unwrap();
    let by_hand: Vec<f64> = (0..24).map(|h| train[train.len() - 12 + h % 12]).collect();
    assert_eq!(f.point, by_hand);
    let scale = 28.574074074074073; // reference.json auto.per_series[airpassengers].mase_scale
    let mae = test
        .iter()
        .zip(&by_hand)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / 24.0;
    let value = mase(
        ArrayView1::from(test),
        ArrayView1::from(&f.point),
        ArrayView1::from(train),
        m,
    )
    .unwrap();
    assert!((value - mae / scale).abs() < 1e-12);
}

fn linear_spec() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["ANN", "AAN", "AAdN", "ANA", "AAA", "AAdA"])
}

fn positive_series() -> impl Strategy<Value = Vec<f64>> {
    (24usize..60, any::<u64>()).prop_map(|(n, seed)| {
        let mut state = seed | 1;
        let mut level = 100.0;
        (0..n)
            .map(|t| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state % 1000) as f64 / 100.0 - 5.0;
                level += noise * 0.3;
                level + 10.0 * ((t % 4) as f64 - 1.5) + noise
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn intervals_widen_with_the_horizon_and_nest_by_level(
        spec in linear_spec(),
        y in positive_series(),
    ) {
        let fit = Ets::new(spec.parse().unwrap(), 4).unwrap().fit(&y).unwrap();
        let f = fit.forecast(12, &[0.5, 0.8, 0.95]).unwrap();
        for w in f.intervals.windows(2) {
            for h in 0..12 {
                prop_assert!(w[1].lower[h] <= w[0].lower[h] + 1e-9);
                prop_assert!(w[1].upper[h] >= w[0].upper[h] - 1e-9);
            }
        }
        for interval in &f.intervals {
            let width: Vec<f64> = (0..12).map(|h| interval.upper[h] - interval.lower[h]).collect();
            for h in 1..12 {
                prop_assert!(width[h] >= width[h - 1] - 1e-9 * width[h].abs(), "{width:?}");
            }
            for h in 0..12 {
                prop_assert!(interval.lower[h] <= f.point[h] && f.point[h] <= interval.upper[h]);
            }
        }
    }

    #[test]
    fn scaling_the_data_scales_the_forecasts(
        spec in linear_spec(),
        y in positive_series(),
        factor in prop::sample::select(vec![0.01, 3.0, 1000.0]),
    ) {
        let spec: EtsSpec = spec.parse().unwrap();
        let base = Ets::new(spec, 4).unwrap().fit(&y).unwrap();
        let scaled: Vec<f64> = y.iter().map(|v| v * factor).collect();
        let fit = Ets::new(spec, 4).unwrap().fit(&scaled).unwrap();
        // The same model up to the scale: the likelihoods differ by n ln(factor²)/2 exactly,
        // and the optimiser may land a hair apart, so compare the reached optimum and the
        // forecasts loosely.
        let shift = y.len() as f64 * factor.ln();
        prop_assert!((fit.loglik + shift - base.loglik).abs() < 1e-3 * base.loglik.abs().max(1.0),
            "{} vs {}", fit.loglik + shift, base.loglik);
        let a = base.point_forecast(8);
        let b = fit.point_forecast(8);
        for h in 0..8 {
            prop_assert!((b[h] / factor - a[h]).abs() <= 1e-3 * a[h].abs().max(1.0), "{a:?} {b:?}");
        }
    }

    #[test]
    fn a_constant_series_forecasts_itself(value in -1e6f64..1e6, n in 1usize..40) {
        let y = vec![value; n];
        let f = AutoEts::new(1).unwrap().fit(&y).unwrap().predict_levels(6, &[0.8, 0.95]).unwrap();
        for h in 0..6 {
            prop_assert!((f.point[h] - value).abs() <= 1e-9 * value.abs().max(1.0));
        }
        let f = SeasonalNaive::naive().fit(&y).unwrap().predict_levels(6, &[0.95]).unwrap();
        prop_assert_eq!(f.point, vec![value; 6]);
        prop_assert_eq!(f.intervals[0].lower.clone(), vec![value; 6]);
    }
}

/// Our automatic ARIMA and our `auto` choice (selection by cross-validation) on the
/// reference hold-out protocol.
#[test]
fn auto_arima_beats_statsforecast_and_auto_stays_within_two_percent_on_held_out_data() {
    let reference = reference();
    let auto = &reference["auto"];
    let (mut arima, mut selected) = (Vec::new(), Vec::new());
    for case in auto["per_series"].as_array().unwrap() {
        let name = case["series"].as_str().unwrap();
        let (y, m) = series(&reference, name);
        let h = case["h"].as_u64().unwrap() as usize;
        let (train, test) = y.split_at(y.len() - h);
        let score = |point: &[f64]| {
            mase(
                ArrayView1::from(test),
                ArrayView1::from(point),
                ArrayView1::from(train),
                m,
            )
            .unwrap()
        };
        let fit = forecast_series(train, ModelChoice::AutoArima, m, h, &[]).unwrap();
        assert!(fit.model.starts_with("ARIMA("), "{}", fit.model);
        let chosen = forecast_series(train, ModelChoice::Auto, m, h, &[]).unwrap();
        let (a, b) = (score(&fit.forecast.point), score(&chosen.forecast.point));
        eprintln!(
            "{name:16} ARIMA ours {} MASE {a:.3} | statsforecast {} MASE {:.3} | auto {} MASE \
             {b:.3}",
            fit.model,
            case["autoarima"]["model"].as_str().unwrap(),
            case["autoarima"]["mase"].as_f64().unwrap(),
            chosen.model,
        );
        arima.push(a);
        selected.push(b);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let sf_arima = auto["summary"]["autoarima"]["mean_mase"].as_f64().unwrap();
    let sf_ets = auto["summary"]["autoets"]["mean_mase"].as_f64().unwrap();
    eprintln!(
        "mean MASE: AutoARIMA ours {:.4} vs statsforecast {sf_arima:.4}; auto {:.4} vs best of \
         statsforecast {:.4}",
        mean(&arima),
        mean(&selected),
        sf_arima.min(sf_ets)
    );
    assert!(mean(&arima) < sf_arima, "AutoARIMA {:.4}", mean(&arima));
    // Selection by cross-validation (the default since it won on the 66 retail hold-outs,
    // docs/forecast.md) beats statsforecast's AutoETS here (0.8748 against 1.024) but not its
    // AutoARIMA (0.8696): on wineind, woolyrnq and austres the three training folds pick Theta,
    // the mean combination and ETS where ARIMA would have scored better. The bound keeps it
    // within 2 % of statsforecast's best on these 11 series, so a regression shows.
    assert!(mean(&selected) < sf_ets, "auto {:.4}", mean(&selected));
    assert!(
        mean(&selected) < 1.02 * sf_arima.min(sf_ets),
        "auto {:.4}",
        mean(&selected)
    );
}

/// The deterministic weekly series of the benchmarks (`benches/benches/forecast.rs`,
/// `benches/compare_forecast.py`) get finite forecasts from every automatic model, with no
/// naive fallback, and the parallel path gives what one-at-a-time does.
#[test]
fn the_benchmark_weekly_series_forecast_with_every_automatic_model() {
    let series = retail_forecast::synthetic::weekly_series(3, 156, 2026);
    let levels = [0.8, 0.95];
    for choice in [
        ModelChoice::AutoEts,
        ModelChoice::AutoArima,
        ModelChoice::Auto,
    ] {
        let many = forecast_many(&series, choice, 52, 12, &levels, 2);
        for (y, result) in series.iter().zip(many) {
            let result = result.unwrap();
            assert!(
                result.fallback.is_none(),
                "{choice:?}: {:?}",
                result.fallback
            );
            assert!(result.forecast.point.iter().all(|v| v.is_finite()));
            let one = forecast_series(y, choice, 52, 12, &levels).unwrap();
            assert_eq!(one.forecast.point, result.forecast.point, "{choice:?}");
            assert_eq!(one.model, result.model);
        }
    }
}

/// Fits and forecasts through augurs' one-level `Predict` (generic code as augurs' tools
/// are) and compares with the same fit's multi-level `PredictLevels` answers.
fn check_through_augurs<M>(model: &M, y: &[f64])
where
    M: Fit<Error = retail_forecast::ForecastError>,
    M::Fitted: PredictLevels,
{
    let through = model.fit(y).unwrap();
    let expected = through.predict_levels(12, &[0.8, 0.95]).unwrap();
    let forecast = through.predict(12, 0.8).unwrap();
    assert_eq!(forecast.point, expected.point, "{}", expected.model);
    let interval = forecast.intervals.unwrap();
    assert_eq!(interval.level, 0.8);
    assert_eq!(interval.lower, expected.intervals[0].lower);
    assert_eq!(interval.upper, expected.intervals[0].upper);
    let interval = through.predict(12, 0.95).unwrap().intervals.unwrap();
    assert_eq!(
        interval.upper, expected.intervals[1].upper,
        "{}",
        expected.model
    );
    assert!(through.predict(12, None).unwrap().intervals.is_none());
    let in_sample = through.predict_in_sample(0.8).unwrap();
    assert_eq!(in_sample.point, through.fitted_values());
    assert!(in_sample.intervals.is_none());
    assert_eq!(through.training_data_size(), y.len());
    // Levels are fractions: 95 is an error naming the parameter, not a panic.
    let err = through.predict(3, 95.0).unwrap_err();
    assert!(
        matches!(
            err,
            retail_forecast::ForecastError::InvalidParameter {
                parameter: "level",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("invalid level"), "{err}");
}

#[test]
fn augurs_traits_give_the_crates_own_forecasts() {
    let reference = reference();
    let (y, m) = series(&reference, "airpassengers");
    check_through_augurs(&AutoEts::new(m).unwrap(), &y);
    check_through_augurs(&Ets::new("MAM".parse::<EtsSpec>().unwrap(), m).unwrap(), &y);
    check_through_augurs(
        &retail_forecast::Arima::new("(0,1,1)(0,1,1)12".parse().unwrap()),
        &y,
    );
    check_through_augurs(&retail_forecast::AutoArima::new(m).unwrap(), &y);
    check_through_augurs(&SeasonalNaive::new(m).unwrap(), &y);
    check_through_augurs(&SeasonalNaive::naive(), &y);
    check_through_augurs(
        &retail_forecast::Theta::new(retail_forecast::ThetaVariant::Classic, m).unwrap(),
        &y,
    );
    let sparse: Vec<f64> = (0..60)
        .map(|t| {
            if t % 3 == 0 {
                (t % 7) as f64 + 1.0
            } else {
                0.0
            }
        })
        .collect();
    check_through_augurs(
        &retail_forecast::Intermittent::new(retail_forecast::IntermittentMethod::CrostonSba)
            .unwrap(),
        &sparse,
    );
}

// ---- limits (issue 17) ----

/// A sales table with only the columns a series needs: one `sale` line per date.
fn sales_on(dates: &[&str]) -> arrow::record_batch::RecordBatch {
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray,
    };
    let micros: Vec<i64> = dates
        .iter()
        .map(|d| {
            let date: chrono::NaiveDate = d.parse().unwrap();
            date.and_hms_opt(12, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_micros()
        })
        .collect();
    let n = dates.len();
    arrow::record_batch::RecordBatch::try_from_iter([
        (
            "timestamp",
            Arc::new(TimestampMicrosecondArray::from(micros)) as ArrayRef,
        ),
        ("line_kind", Arc::new(StringArray::from(vec!["sale"; n]))),
        ("line_amount", Arc::new(Float64Array::from(vec![10.0; n]))),
        ("quantity", Arc::new(Int64Array::from(vec![1i64; n]))),
    ])
    .unwrap()
}

#[test]
fn a_mistyped_year_is_an_error_naming_the_dates_and_max_periods() {
    use retail_forecast::{Frequency, GroupBy, SeriesBuilder};
    // 3011 for 2011: 2011-01-03 to the week of 3011-01-05 (Monday 3010-12-31) is 52,178
    // weeks, 365,243 days or 12,001 months (Python's datetime).
    let batch = sales_on(&["2011-01-05", "2011-01-12", "3011-01-05"]);
    for (freq, span, unit) in [
        (Frequency::Week, 52_178, "weeks"),
        (Frequency::Day, 365_243, "days"),
        (Frequency::Month, 12_001, "months"),
    ] {
        let err = SeriesBuilder::new(freq, GroupBy::Total)
            .build(std::slice::from_ref(&batch))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid max_periods: the sales run from 2011-01-05 to 3011-01-05, {span} \
                 {unit}: more than max_periods (10000); a mistyped date far from the others is \
                 the usual cause (raise max_periods for a longer history)"
            )
        );
    }
    // Raised, the same data builds the whole span (the two January weeks, 0 in between).
    let set = SeriesBuilder::new(Frequency::Month, GroupBy::Total)
        .with_partial_periods(true)
        .with_max_periods(12_001)
        .build(&[batch])
        .unwrap();
    let values = &set.series[0].values;
    assert_eq!(values.len(), 12_001);
    assert_eq!((values[0], values[1], values[12_000]), (20.0, 0.0, 10.0));
    // The limit counts periods, both ends included: 3 weeks need max_periods 3.
    let three = sales_on(&["2020-01-06", "2020-01-20"]);
    let build = |max| {
        SeriesBuilder::new(Frequency::Week, GroupBy::Total)
            .with_partial_periods(true)
            .with_max_periods(max)
            .build(std::slice::from_ref(&three))
    };
    assert_eq!(build(3).unwrap().series[0].values, vec![10.0, 0.0, 10.0]);
    assert!(build(2).is_err());
}

#[test]
fn horizons_beyond_max_horizon_are_errors_before_any_fit() {
    use retail_forecast::{Limits, forecast_series_with_limits};
    let y: Vec<f64> = (0..30).map(|t| 100.0 + (t % 4) as f64).collect();
    let err = forecast_series(
        &y,
        ModelChoice::Ets("MAM".parse().unwrap()),
        4,
        1_000_000,
        &[0.95],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid horizon: 1000000 periods ahead is more than max_horizon (10000); forecasts \
         that far ahead are not meaningful, and raising max_horizon costs time in proportion"
    );
    let many = forecast_many(
        std::slice::from_ref(&y),
        ModelChoice::Naive,
        1,
        10_001,
        &[],
        1,
    );
    assert!(matches!(
        &many[0],
        Err(retail_forecast::ForecastError::InvalidParameter {
            parameter: "horizon",
            ..
        })
    ));
    // A caller's own limit, both ways.
    let limits = Limits::default().with_max_horizon(5);
    assert!(forecast_series_with_limits(&y, ModelChoice::Naive, 1, 6, &[], &limits).is_err());
    let f = forecast_series_with_limits(&y, ModelChoice::Naive, 1, 5, &[0.8], &limits).unwrap();
    // The naive forecast is the last value, 100 + 29 mod 4 = 101.
    assert_eq!(f.forecast.point, vec![101.0; 5]);
}

#[test]
fn values_that_overflow_the_fit_are_errors_not_null_forecasts() {
    let y: Vec<f64> = (0..24).map(|t| 1.7e308 - (t % 3) as f64 * 1e306).collect();
    for choice in ["auto", "ets", "arima", "MAM", "ANN", "naive", "snaive"] {
        let err = forecast_series(&y, choice.parse().unwrap(), 4, 3, &[0.8, 0.95]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid y: value 1.7e308 (index 0) is larger in magnitude than 1e100: the fit would \
             overflow; rescale the series (thousands, millions)",
            "{choice}"
        );
    }
    // At the bound every model still forecasts finite numbers.
    let y: Vec<f64> = (0..24).map(|t| 1e100 - (t % 3) as f64 * 1e98).collect();
    for choice in ["ANN", "naive", "(0,1,1)"] {
        let f = forecast_series(&y, choice.parse().unwrap(), 4, 3, &[0.95]).unwrap();
        assert!(
            f.forecast
                .point
                .iter()
                .chain(&f.forecast.intervals[0].lower)
                .chain(&f.forecast.intervals[0].upper)
                .all(|v| v.is_finite()),
            "{choice}: {:?}",
            f.forecast
        );
    }
}

#[test]
fn a_forecast_that_overflows_is_an_error_naming_the_model() {
    use retail_forecast::{Regressors, forecast_series_with_regressors};
    // y = 5 + 2 x exactly plus a small wobble; the future regressor is near f64::MAX, so the
    // regression's forecast 2 x overflows to infinity.
    let x: Vec<f64> = (0..30).map(|t| (t % 5) as f64).collect();
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(t, x)| 5.0 + 2.0 * x + if t % 2 == 0 { 0.1 } else { -0.1 })
        .collect();
    let regressors = Regressors {
        names: vec!["promo".into()],
        history: ndarray::Array2::from_shape_vec((30, 1), x).unwrap(),
        future: ndarray::Array2::from_elem((2, 1), 1.7e308),
    };
    let err =
        forecast_series_with_regressors(&y, "(0,0,0)".parse().unwrap(), 1, 2, &[0.95], &regressors)
            .unwrap_err();
    assert!(
        matches!(&err, retail_forecast::ForecastError::NonFinite { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Regression with ARIMA(0,0,0) errors: the point forecast at step 1 is not a finite \
         number (the values or their spread overflow); rescale the series or choose another \
         model"
    );
}

#[test]
fn series_files_with_gaps_are_rejected_naming_the_line_or_read_as_they_are() {
    use retail_forecast::series_file::{Gaps, read_series_csv, read_series_csv_with};
    let dir = std::env::temp_dir().join(format!("retail-forecast-gaps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gaps.csv");
    // Monthly; March is missing (line 4), then 2020-05-20 is in the month of the date before
    // it (line 6; 2020-06-01 after it is the next month again).
    std::fs::write(
        &path,
        "date,value\n2020-01-01,5\n2020-02-01,6\n2020-04-01,7\n2020-05-01,8\n2020-05-20,9\n\
         2020-06-01,8\n",
    )
    .unwrap();
    let err = read_series_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "gaps.csv:4:1: 2020-04-01 follows 2020-02-01: 1 monthly period is missing (from \
             2020-03-01); the series needs one row per period (a period without sales is a row \
             with 0); 1 more such date (gaps = Gaps::Allow reads the file as it is)"
        ),
        "{err}"
    );
    let s = read_series_csv_with(&path, Gaps::Allow).unwrap();
    assert_eq!(s.values, vec![5.0, 6.0, 7.0, 8.0, 9.0, 8.0]);
    let irregular = s.irregular.unwrap();
    assert_eq!((irregular.line, irregular.count), (4, 2));
    // Weekly with a date 4 days after the previous one.
    std::fs::write(
        &path,
        "2020-01-06,1\n2020-01-13,2\n2020-01-17,3\n2020-01-24,4\n",
    )
    .unwrap();
    let err = read_series_csv(&path).unwrap_err().to_string();
    assert!(
        err.contains(
            "gaps.csv:3:1: 2020-01-17 follows 2020-01-13 by 4 days, which is not the series' \
             weekly spacing (the median of its dates)"
        ),
        "{err}"
    );
    // Month ends and quarter starts are regular; a repeated or earlier date stays an error.
    std::fs::write(
        &path,
        "2020-01-31,1\n2020-02-29,2\n2020-03-31,3\n2020-04-30,4\n",
    )
    .unwrap();
    let s = read_series_csv(&path).unwrap();
    assert_eq!((s.season_length, s.irregular), (12, None));
    std::fs::write(&path, "2020-01-01,1\n2020-04-01,2\n2020-07-01,3\n").unwrap();
    assert_eq!(read_series_csv(&path).unwrap().season_length, 4);
    std::fs::write(&path, "2020-01-06,1\n2020-01-13,2\n2020-01-13,3\n").unwrap();
    let err = read_series_csv_with(&path, Gaps::Allow)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("gaps.csv:3:1: 2020-01-13 does not come after the previous date 2020-01-13"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 18: a period is partial when more than one of its days lies outside the data's first
/// and last dates (the KPIs' `is_partial`). Superstore's data ends on Saturday 30 December
/// 2017: December is whole (one day missing) and kept; Online Retail's ends on 9 December 2011
/// (22 days missing): December is dropped. A week missing two days (Monday and Tuesday before
/// a Wednesday start) is partial.
#[test]
fn a_period_missing_only_its_last_day_is_whole() {
    use retail_forecast::{Frequency, GroupBy, SeriesBuilder};
    let month = |dates: &[&str]| {
        SeriesBuilder::new(Frequency::Month, GroupBy::Total)
            .build(&[sales_on(dates)])
            .unwrap()
    };
    let superstore_like = month(&["2017-10-02", "2017-11-15", "2017-12-30"]);
    assert!(superstore_like.partial_periods.is_empty());
    assert_eq!(superstore_like.series[0].values, vec![10.0, 10.0, 10.0]);
    let online_retail_like = month(&["2011-10-01", "2011-11-15", "2011-12-09"]);
    assert_eq!(
        online_retail_like.partial_periods,
        vec!["2011-12-01".parse::<chrono::NaiveDate>().unwrap()]
    );
    assert_eq!(online_retail_like.series[0].values, vec![10.0, 10.0]);
    // Weeks: data from Wednesday 1 December 2010 to Friday 9 December 2011.
    let weeks = SeriesBuilder::new(Frequency::Week, GroupBy::Total)
        .build(&[sales_on(&["2010-12-01", "2010-12-06", "2011-12-09"])])
        .unwrap();
    assert_eq!(
        weeks.partial_periods,
        vec![
            "2010-11-29".parse::<chrono::NaiveDate>().unwrap(),
            "2011-12-05".parse().unwrap()
        ]
    );
    // Tuesday to Saturday misses only Monday and Sunday, one day at each end: whole.
    let tuesday = SeriesBuilder::new(Frequency::Week, GroupBy::Total)
        .build(&[sales_on(&["2010-11-30", "2010-12-04"])])
        .unwrap();
    assert!(
        tuesday.partial_periods.is_empty(),
        "{:?}",
        tuesday.partial_periods
    );
    assert_eq!(tuesday.series[0].values, vec![20.0]);
}

/// A series accumulated a line at a time (as a query's stream hands over batches) is the one
/// built from the whole table: values by hand, monthly sales per country with the partial
/// months kept; the return line is not a sale, a line without a country is `(none)` and a
/// series starts at its group's first sale.
#[test]
fn series_accumulated_line_by_line_are_the_series_of_the_whole_table() {
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray,
    };
    use retail_forecast::{Frequency, GroupBy, SeriesBuilder};
    let lines = [
        ("2020-01-05", Some("UK"), "sale", 1.5),
        ("2020-01-20", Some("FR"), "sale", 2.0),
        ("2020-02-03", Some("UK"), "sale", 4.0),
        ("2020-02-10", Some("UK"), "return", -8.0),
        ("2020-03-31", Some("FR"), "sale", 16.0),
        ("2020-03-01", None, "sale", 32.0),
    ];
    let micros: Vec<i64> = lines
        .iter()
        .map(|(d, ..)| {
            let date: chrono::NaiveDate = d.parse().unwrap();
            date.and_hms_opt(9, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_micros()
        })
        .collect();
    let batch = arrow::record_batch::RecordBatch::try_from_iter([
        (
            "timestamp",
            Arc::new(TimestampMicrosecondArray::from(micros)) as ArrayRef,
        ),
        (
            "country",
            Arc::new(StringArray::from(
                lines.iter().map(|l| l.1).collect::<Vec<_>>(),
            )),
        ),
        (
            "line_kind",
            Arc::new(StringArray::from(
                lines.iter().map(|l| l.2).collect::<Vec<_>>(),
            )),
        ),
        (
            "line_amount",
            Arc::new(Float64Array::from(
                lines.iter().map(|l| l.3).collect::<Vec<_>>(),
            )),
        ),
        ("quantity", Arc::new(Int64Array::from(vec![1i64; 6]))),
    ])
    .unwrap();
    let builder = SeriesBuilder::new(Frequency::Month, GroupBy::Country).with_partial_periods(true);
    let mut sums = builder.accumulator();
    for row in 0..batch.num_rows() {
        sums.push(&batch.slice(row, 1)).unwrap();
    }
    let set = sums.finish().unwrap();
    assert_eq!(set, builder.build(&[batch]).unwrap());
    let got: Vec<(&str, &[f64])> = set
        .series
        .iter()
        .map(|s| (s.key.as_str(), s.values.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("(none)", &[32.0][..]),
            ("FR", &[2.0, 0.0, 16.0][..]),
            ("UK", &[1.5, 4.0, 0.0][..]),
        ]
    );
    assert_eq!(set.lines_other_kind, 1);
}
