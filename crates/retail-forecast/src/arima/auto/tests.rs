//! Automatic selection against R's choices on classic series.

use super::super::tests::AIR_PASSENGERS;
use super::*;
use crate::forecast::Normal;

/// Annual flow of the Nile at Aswan, 1871–1970 (R's `Nile`).
const NILE: [f64; 100] = [
    1120.0, 1160.0, 963.0, 1210.0, 1160.0, 1160.0, 813.0, 1230.0, 1370.0, 1140.0, 995.0, 935.0,
    1110.0, 994.0, 1020.0, 960.0, 1180.0, 799.0, 958.0, 1140.0, 1100.0, 1210.0, 1150.0, 1250.0,
    1260.0, 1220.0, 1030.0, 1100.0, 774.0, 840.0, 874.0, 694.0, 940.0, 833.0, 701.0, 916.0, 692.0,
    1020.0, 1050.0, 969.0, 831.0, 726.0, 456.0, 824.0, 702.0, 1120.0, 1100.0, 832.0, 764.0, 821.0,
    768.0, 845.0, 864.0, 862.0, 698.0, 845.0, 744.0, 796.0, 1040.0, 759.0, 781.0, 865.0, 845.0,
    944.0, 984.0, 897.0, 822.0, 1010.0, 771.0, 676.0, 649.0, 846.0, 812.0, 742.0, 801.0, 1040.0,
    860.0, 874.0, 848.0, 890.0, 744.0, 749.0, 838.0, 1050.0, 918.0, 986.0, 797.0, 923.0, 975.0,
    815.0, 1020.0, 906.0, 901.0, 1170.0, 912.0, 746.0, 919.0, 718.0, 714.0, 740.0,
];

#[test]
fn nile_gets_r_s_model() {
    // R: auto.arima(Nile) → ARIMA(1,1,1), AICc 1267.51 (also
    // tests/reference/reference.json, arima111_noconst_nile: aicc 1267.5074).
    let fit = AutoArima::new(1).unwrap().fit(&NILE).unwrap();
    assert_eq!(fit.spec, ArimaSpec::new(1, 1, 1));
    assert_eq!(fit.constant, ConstantTerm::None);
    assert!((fit.aicc - 1267.5074).abs() < 0.01, "{}", fit.aicc);
    assert_eq!(fit.model_name(), "ARIMA(1,1,1)");
}

#[test]
fn air_passengers_gets_r_s_model() {
    // R (Hyndman & Athanasopoulos): auto.arima(AirPassengers) →
    // ARIMA(2,1,1)(0,1,0)[12], loglik −504.92, AICc 1018.17; the numpy prototype of this
    // code gives AICc 1018.1655.
    let fit = AutoArima::new(12).unwrap().fit(&AIR_PASSENGERS).unwrap();
    assert_eq!(fit.model_name(), "ARIMA(2,1,1)(0,1,0)[12]");
    assert!((fit.aicc - 1018.17).abs() < 0.02, "{}", fit.aicc);
    let fc = fit.forecast(12, &[0.95], None).unwrap();
    assert!(fc.point.iter().all(|v| v.is_finite()));
}

#[test]
fn log_air_passengers_gets_the_airline_model() {
    // R: auto.arima(log(AirPassengers)) → ARIMA(0,1,1)(0,1,1)[12], AICc −483.21.
    let y: Vec<f64> = AIR_PASSENGERS.iter().map(|v| v.ln()).collect();
    let fit = AutoArima::new(12).unwrap().fit(&y).unwrap();
    assert_eq!(fit.model_name(), "ARIMA(0,1,1)(0,1,1)[12]");
    assert!((fit.aicc + 483.204).abs() < 0.01, "{}", fit.aicc);
}

#[test]
fn exhaustive_search_is_at_least_as_good() {
    let stepwise = AutoArima::new(1).unwrap().fit(&NILE).unwrap();
    let all = AutoArima::new(1)
        .unwrap()
        .with_stepwise(false)
        .fit(&NILE)
        .unwrap();
    assert!(
        all.aicc <= stepwise.aicc + 1e-9,
        "{} {}",
        all.aicc,
        stepwise.aicc
    );
}

#[test]
fn a_long_season_seen_once_is_not_modelled() {
    // 60 weeks of a seasonal-looking series: fewer than two seasons of 52, so the search
    // has no seasonal part (no Fourier terms, no seasonal orders).
    let mut noise = Normal::new(5);
    let y: Vec<f64> = (1..=60)
        .map(|t| {
            let angle = std::f64::consts::TAU * f64::from(t) / 52.0;
            100.0 + 8.0 * angle.sin() + noise.sample()
        })
        .collect();
    let fit = AutoArima::new(52).unwrap().fit(&y).unwrap();
    assert!(fit.fourier.is_none(), "{}", fit.model_name());
    assert_eq!(fit.spec.season_length, 1);
    assert!(
        !fit.model_name().contains("Fourier"),
        "{}",
        fit.model_name()
    );
}

#[test]
fn weekly_season_goes_through_fourier_terms() {
    // Three years of a weekly series: two harmonics of period 52 plus AR(1) noise.
    let mut noise = Normal::new(11);
    let mut e = 0.0;
    let y: Vec<f64> = (1..=156)
        .map(|t| {
            e = 0.5 * e + noise.sample();
            let angle = std::f64::consts::TAU * f64::from(t) / 52.0;
            100.0 + 8.0 * angle.sin() + 3.0 * (2.0 * angle).cos() + e
        })
        .collect();
    let fit = AutoArima::new(52)
        .unwrap()
        .with_max_fourier_k(4)
        .fit(&y)
        .unwrap();
    let terms = fit.fourier.expect("Fourier route");
    assert_eq!(terms.season_length, 52);
    assert!(terms.k >= 2, "{terms:?}");
    assert_eq!(fit.spec.season_length, 1);
    assert!(fit.coef_names.iter().any(|c| c == "S1-52"));
    let fc = fit.forecast(52, &[0.8], None).unwrap();
    // The forecast follows the seasonal shape: around week 13 of the year (t = 169) the
    // sine peaks, around week 39 (t = 195) it bottoms out.
    assert!(fc.point[12] > fc.point[38] + 10.0, "{:?}", fc.point);
    assert!(fit.model_name().contains("Fourier(K="));
}

#[test]
fn constant_and_bad_series() {
    let fit = AutoArima::new(4).unwrap().fit(&[7.0; 20]).unwrap();
    assert_eq!(fit.spec, ArimaSpec::new(0, 0, 0));
    assert_eq!(fit.coefficient("intercept"), Some(7.0));
    let fc = fit.forecast(3, &[0.95], None).unwrap();
    assert!(fc.point.iter().all(|v| (v - 7.0).abs() < 1e-12));
    assert!(
        fc.intervals[0]
            .upper
            .iter()
            .all(|v| (v - 7.0).abs() < 1e-12)
    );
    // A straight line: one difference leaves a constant; drift fixed at the slope.
    let line: Vec<f64> = (0..30).map(|t| 5.0 + 2.0 * f64::from(t)).collect();
    let fit = AutoArima::new(1).unwrap().fit(&line).unwrap();
    assert_eq!(fit.spec.d, 1);
    assert_eq!(fit.coefficient("drift"), Some(2.0));
    let fc = fit.forecast(2, &[], None).unwrap();
    assert!((fc.point[0] - 65.0).abs() < 1e-9 && (fc.point[1] - 67.0).abs() < 1e-9);

    assert!(AutoArima::new(0).is_err());
    let auto = AutoArima::new(12).unwrap();
    assert!(matches!(auto.fit(&[]), Err(ForecastError::Undefined(_))));
    assert!(matches!(
        auto.fit(&[1.0, f64::INFINITY, 2.0]),
        Err(ForecastError::InvalidParameter { parameter: "y", .. })
    ));
    assert!(auto.fit(&[1.0]).is_err());
}

#[test]
fn approximation_and_max_evals_are_parameters_checked_at_fit_time() {
    // 100 values, no season: `Auto` is R's choice without the approximation, as `Never`.
    let with = |approximation| {
        AutoArima::new(1)
            .unwrap()
            .with_approximation(approximation)
            .fit(&NILE)
    };
    assert_eq!(
        with(Approximation::Auto).unwrap().model_name(),
        "ARIMA(1,1,1)"
    );
    assert_eq!(
        with(Approximation::Never).unwrap().model_name(),
        "ARIMA(1,1,1)"
    );
    assert!(with(Approximation::Always).is_ok());
    let bad = AutoArima::new(1).unwrap().with_max_evals(3);
    assert!(matches!(
        bad.fit(&NILE),
        Err(ForecastError::InvalidParameter {
            parameter: "max_evals",
            ..
        })
    ));
    assert_eq!(AutoArima::new(12).unwrap().season_length(), 12);
    assert!(matches!(
        AutoArima::new(0),
        Err(ForecastError::InvalidParameter {
            parameter: "season_length",
            ..
        })
    ));
}
