//! How many differences a series needs, as R's `forecast::ndiffs` and `forecast::nsdiffs`
//! decide with their defaults: repeated KPSS tests of level stationarity (`urca::ur.kpss`,
//! `type = "mu"`, lag truncation `⌊3√n / 13⌋`, 5 % level) for `d`, and the seasonal
//! strength of an STL decomposition (`> 0.64`, the `"seas"` test) for `D`.

use super::stl::stl;
use crate::ForecastError;

/// KPSS critical values for level stationarity at 10, 5, 2.5 and 1 % (Kwiatkowski et al.
/// 1992, Table 1; the table `urca` interpolates).
const KPSS_CRITICAL: [f64; 4] = [0.347, 0.463, 0.574, 0.739];
/// The levels of [`KPSS_CRITICAL`].
const KPSS_LEVELS: [f64; 4] = [0.10, 0.05, 0.025, 0.01];
/// Seasonal strength above which `nsdiffs` takes a seasonal difference (R's threshold).
pub const SEASONAL_STRENGTH_THRESHOLD: f64 = 0.64;

/// R `forecast`'s `is.constant`: `all.equal(x, rep(x[1], n))`, i.e. the mean absolute
/// deviation from the first value is at most `1.5e-8` relative to the mean absolute value.
pub(crate) fn is_constant(x: &[f64]) -> bool {
    let Some(&first) = x.first() else {
        return true;
    };
    let n = x.len() as f64;
    let deviation = x.iter().map(|v| (v - first).abs()).sum::<f64>() / n;
    let scale = x.iter().map(|v| v.abs()).sum::<f64>() / n;
    let relative = if scale.is_finite() && scale > 1.5e-8 {
        deviation / scale
    } else {
        deviation
    };
    relative <= 1.5e-8
}

fn check_series(x: &[f64], what: &'static str) -> Result<(), ForecastError> {
    crate::forecast::check_finite(x, what)?;
    Ok(())
}

/// The KPSS statistic for level stationarity with `lags` Bartlett-weighted autocovariances
/// in the long-run variance (`urca::ur.kpss(x, type = "mu", use.lag = lags)`,
/// `statsmodels.tsa.stattools.kpss(x, regression = "c", nlags = lags)`).
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `x` (a value that is not finite);
/// [`ForecastError::Undefined`] for too short a series or a long-run variance that is not
/// positive (a constant series).
pub fn kpss_statistic(x: &[f64], lags: usize) -> Result<f64, ForecastError> {
    check_series(x, "x")?;
    let n = x.len();
    if n < 2 || lags >= n {
        return Err(ForecastError::Undefined(format!(
            "the KPSS test with {lags} lags needs more than {} values; the series has {n}",
            lags.max(1)
        )));
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let e: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let mut partial = 0.0;
    let mut numerator = 0.0;
    for v in &e {
        partial += v;
        numerator += partial * partial;
    }
    numerator /= (n * n) as f64;
    let mut long_run = e.iter().map(|v| v * v).sum::<f64>() / n as f64;
    for lag in 1..=lags {
        let cov: f64 = e[lag..].iter().zip(&e).map(|(a, b)| a * b).sum();
        long_run += 2.0 / n as f64 * (1.0 - lag as f64 / (lags as f64 + 1.0)) * cov;
    }
    if !(long_run > 0.0 && long_run.is_finite()) {
        return Err(ForecastError::Undefined(
            "the KPSS long-run variance is not positive (constant series?)".into(),
        ));
    }
    Ok(numerator / long_run)
}

/// The KPSS p-value by linear interpolation in the critical values, clamped to
/// [0.01, 0.10] (R's `approx(..., rule = 2)` in `ndiffs`).
pub fn kpss_p_value(statistic: f64) -> f64 {
    if statistic <= KPSS_CRITICAL[0] {
        return KPSS_LEVELS[0];
    }
    for i in 0..3 {
        let (lo, hi) = (KPSS_CRITICAL[i], KPSS_CRITICAL[i + 1]);
        if statistic <= hi {
            let f = (statistic - lo) / (hi - lo);
            return KPSS_LEVELS[i] + f * (KPSS_LEVELS[i + 1] - KPSS_LEVELS[i]);
        }
    }
    KPSS_LEVELS[3]
}

/// R's `ndiffs(x, alpha, test = "kpss", max.d)`: differences `x` while the KPSS test rejects
/// level stationarity at `alpha` (0.01 to 0.1), at most `max_d` times.
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `x` (a value that is not finite) or `alpha`
/// (outside 0.01 to 0.1).
pub fn ndiffs(x: &[f64], alpha: f64, max_d: usize) -> Result<usize, ForecastError> {
    check_series(x, "x")?;
    if !(0.01..=0.1).contains(&alpha) {
        return Err(ForecastError::InvalidParameter {
            parameter: "alpha",
            message: format!("{alpha} is outside [0.01, 0.1], the range of the KPSS table"),
        });
    }
    if is_constant(x) {
        return Ok(0);
    }
    // `None`: the test cannot be run (too short); R then keeps the differences so far.
    let rejects = |x: &[f64]| -> Option<bool> {
        let lags = (3.0 * (x.len() as f64).sqrt() / 13.0) as usize;
        kpss_statistic(x, lags)
            .ok()
            .map(|s| kpss_p_value(s) < alpha)
    };
    let mut d = 0;
    let mut series = x.to_vec();
    let Some(mut reject) = rejects(&series) else {
        return Ok(0);
    };
    while reject && d < max_d {
        d += 1;
        series = series.windows(2).map(|w| w[1] - w[0]).collect();
        if is_constant(&series) {
            return Ok(d);
        }
        match rejects(&series) {
            Some(r) => reject = r,
            None => return Ok(d - 1),
        }
    }
    Ok(d)
}

/// The strength of seasonality `max(0, min(1, 1 − Var(R) / Var(S + R)))` from R's
/// `stl(x, s.window = 11)` (the first window of R's `mstl`, which `nsdiffs` uses), with
/// `S` the seasonal and `R` the remainder component. Needs `season_length ≥ 2` and more
/// than two full seasons.
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `x` (a value that is not finite) or
/// `season_length` (below 2); [`ForecastError::Undefined`] when `x` holds at most two seasons.
pub fn seasonal_strength(x: &[f64], season_length: usize) -> Result<f64, ForecastError> {
    check_series(x, "x")?;
    if season_length < 2 {
        return Err(ForecastError::InvalidParameter {
            parameter: "season_length",
            message: "seasonal strength needs a season length of at least 2".into(),
        });
    }
    if x.len() <= season_length.saturating_mul(2) {
        return Err(ForecastError::Undefined(format!(
            "seasonal strength with season length {season_length} needs more than twice that \
             many values; the series has {}",
            x.len()
        )));
    }
    let fit = stl(x, season_length, 11);
    let remainder: Vec<f64> = x
        .iter()
        .zip(&fit.seasonal)
        .zip(&fit.trend)
        .map(|((v, s), t)| v - s - t)
        .collect();
    let detrended: Vec<f64> = remainder
        .iter()
        .zip(&fit.seasonal)
        .map(|(r, s)| r + s)
        .collect();
    let variance = |v: &[f64]| {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>()
    };
    let total = variance(&detrended);
    if !(total > 0.0 && total.is_finite()) {
        return Ok(0.0);
    }
    Ok((1.0 - variance(&remainder) / total).clamp(0.0, 1.0))
}

/// R's `nsdiffs(x, m = season_length, test = "seas", max.D)`: seasonal differences while the
/// seasonal strength exceeds 0.64, at most `max_d` times; 0 for a season length below 2 or too
/// short a series.
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `x` (a value that is not finite).
pub fn nsdiffs(x: &[f64], season_length: usize, max_d: usize) -> Result<usize, ForecastError> {
    check_series(x, "x")?;
    if season_length < 2 || is_constant(x) {
        return Ok(0);
    }
    let strong = |x: &[f64]| {
        x.len() > season_length.saturating_mul(2)
            && seasonal_strength(x, season_length).is_ok_and(|s| s > SEASONAL_STRENGTH_THRESHOLD)
    };
    let mut d = 0;
    let mut series = x.to_vec();
    let mut again = strong(&series);
    while again && d < max_d {
        d += 1;
        series = (season_length..series.len())
            .map(|t| series[t] - series[t - season_length])
            .collect();
        if is_constant(&series) {
            return Ok(d);
        }
        again = series.len() >= season_length.saturating_mul(2) && d < max_d && strong(&series);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREND: [f64; 20] = [
        1.2, 0.8, 1.9, 2.4, 2.0, 3.1, 2.7, 3.9, 4.4, 3.8, 5.0, 5.6, 5.1, 6.3, 6.0, 7.2, 7.9, 7.1,
        8.4, 8.8,
    ];

    #[test]
    fn kpss_matches_statsmodels() {
        // statsmodels 0.15.0: kpss(x, regression='c', nlags=L)[0] for L = 0, 1, 3.
        let want = [
            (0, 1.9446944717272334),
            (1, 1.071697686466758),
            (3, 0.6149337252509564),
        ];
        for (lags, stat) in want {
            let ours = kpss_statistic(&TREND, lags).unwrap();
            assert!((ours - stat).abs() < 1e-12, "{lags}: {ours} vs {stat}");
        }
    }

    #[test]
    fn kpss_p_values_interpolate_the_table() {
        assert_eq!(kpss_p_value(0.1), 0.10);
        assert_eq!(kpss_p_value(2.0), 0.01);
        assert!((kpss_p_value(0.463) - 0.05).abs() < 1e-15);
        assert!((kpss_p_value(0.405) - 0.075).abs() < 1e-12);
    }

    #[test]
    fn a_trending_series_needs_one_difference() {
        // KPSS(lag 1) = 1.07 rejects; the differences are stationary.
        assert_eq!(ndiffs(&TREND, 0.05, 2).unwrap(), 1);
        assert_eq!(ndiffs(&TREND, 0.05, 0).unwrap(), 0);
        assert_eq!(ndiffs(&[3.0; 10], 0.05, 2).unwrap(), 0);
        assert!(ndiffs(&TREND, 0.5, 2).is_err());
        assert!(ndiffs(&[1.0, f64::NAN], 0.05, 2).is_err());
        // A straight line: one difference makes it constant.
        let line: Vec<f64> = (0..30).map(|t| 2.0 + 0.5 * f64::from(t)).collect();
        assert_eq!(ndiffs(&line, 0.05, 2).unwrap(), 1);
    }

    #[test]
    fn seasonal_strength_matches_statsmodels_stl() {
        // 1 − var(resid)/var(resid + seasonal) from the statsmodels STL of stl.rs's test
        // (first three years of AirPassengers): 0.9550776898492894.
        let y = [
            112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0, 118.0,
            115.0, 126.0, 141.0, 135.0, 125.0, 149.0, 170.0, 170.0, 158.0, 133.0, 114.0, 140.0,
            145.0, 150.0, 178.0, 163.0, 172.0, 178.0, 199.0, 199.0, 184.0, 162.0, 146.0, 166.0,
        ];
        let s = seasonal_strength(&y, 12).unwrap();
        assert!((s - 0.9550776898492894).abs() < 1e-10, "{s}");
        assert_eq!(nsdiffs(&y, 12, 1).unwrap(), 1);
        assert_eq!(nsdiffs(&y, 1, 1).unwrap(), 0);
        assert!(seasonal_strength(&y[..24], 12).is_err());
        // No seasonality: a trend plus an irregular pattern of period 7.
        let flat: Vec<f64> = (0..48)
            .map(|t| f64::from(t) + [0.3, -0.2, 0.1, 0.4, -0.5, 0.0, -0.1][t as usize % 7])
            .collect();
        assert_eq!(nsdiffs(&flat, 12, 1).unwrap(), 0);
    }

    #[test]
    fn constant_detection_follows_all_equal() {
        assert!(is_constant(&[5.0, 5.0, 5.0]));
        assert!(is_constant(&[1e9, 1e9 + 1e-3]));
        assert!(!is_constant(&[1.0, 1.0001]));
        assert!(is_constant(&[]));
    }
}
