//! The Box–Cox transformation with Guerrero's automatic λ (R `forecast::BoxCox`,
//! `InvBoxCox`, `BoxCox.lambda(method = "guerrero")`), for fitting ARIMA to a series whose
//! seasonal swings grow with its level (a multiplicative series), where a model on the
//! original scale forecasts swings of the wrong size.

use crate::ForecastError;

/// The range Guerrero's λ is searched in, as R's default.
pub const LAMBDA_RANGE: (f64, f64) = (-1.0, 2.0);

/// `(sign(v)·|v|^λ − 1) / λ`, or `ln v` for λ = 0 (R `BoxCox`; `v > 0` assumed).
pub fn box_cox(v: f64, lambda: f64) -> f64 {
    if lambda == 0.0 {
        v.ln()
    } else {
        (v.signum() * v.abs().powf(lambda) - 1.0) / lambda
    }
}

/// The inverse of [`box_cox`]: `(λ·z + 1)^(1/λ)`, or `exp z` for λ = 0. Where `λ·z + 1` is
/// not positive (beyond the transformation's range) the result is the limit the original
/// scale reaches there: 0 for λ > 0, +∞ for λ < 0 (an unbounded upper bound, which the
/// forecast then reports as not finite rather than as a wrong number).
pub fn inv_box_cox(z: f64, lambda: f64) -> f64 {
    if lambda == 0.0 {
        z.exp()
    } else {
        let base = lambda * z + 1.0;
        if base > 0.0 {
            base.powf(1.0 / lambda)
        } else if lambda > 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    }
}

/// Guerrero's (1993) criterion at `lambda` (R `forecast:::guer.cv`): the series cut into
/// blocks of one season (at least 2 values; the oldest values that do not fill a block are
/// left out), and the coefficient of variation of `sd(block) / mean(block)^(1 − λ)`.
fn guerrero_cv(y: &[f64], period: usize, lambda: f64) -> f64 {
    let blocks = y.len() / period;
    let start = y.len() - blocks * period;
    let ratios: Vec<f64> = y[start..]
        .chunks(period)
        .map(|block| {
            let n = block.len() as f64;
            let mean = block.iter().sum::<f64>() / n;
            let var = block.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            var.sqrt() / mean.powf(1.0 - lambda)
        })
        .collect();
    let n = ratios.len() as f64;
    let mean = ratios.iter().sum::<f64>() / n;
    let sd = (ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    sd / mean
}

/// Guerrero's λ for `y` with season length `season_length` (blocks of one season, or of 2
/// values for a non-seasonal series), minimised over [`LAMBDA_RANGE`] by golden-section
/// search (R uses Brent's `optimize`; the two agree to about 1e-4). A series of at most two
/// seasons gets λ = 1, no transform, as R's `BoxCox.lambda` gives it: two season-long blocks
/// are too few to tell how the spread grows with the level.
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `y` when a value is not positive (Box–Cox is
/// defined on positive data) or there are fewer than 4 values.
pub fn guerrero_lambda(y: &[f64], season_length: usize) -> Result<f64, ForecastError> {
    if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| v.is_nan() || **v <= 0.0) {
        return Err(ForecastError::InvalidParameter {
            parameter: "y",
            message: format!("value {v} (index {i}) is not positive: Box–Cox needs positive data"),
        });
    }
    // R: `if (length(x) <= 2 * frequency(x)) return(1)`.
    if season_length >= 2 && y.len() <= 2 * season_length {
        return Ok(1.0);
    }
    let period = season_length.max(2);
    if y.len() / period < 2 {
        return Err(ForecastError::InvalidParameter {
            parameter: "y",
            message: format!(
                "{} values hold fewer than two blocks of {period}: Guerrero's λ needs two",
                y.len()
            ),
        });
    }
    let f = |lambda: f64| {
        let cv = guerrero_cv(y, period, lambda);
        if cv.is_finite() { cv } else { f64::INFINITY }
    };
    let (mut a, mut b) = LAMBDA_RANGE;
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > 1e-8 {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    Ok((a + b) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arima::tests::AIR_PASSENGERS;

    #[test]
    fn guerrero_lambda_matches_r() {
        // R 4.2.2, forecast 8.20: BoxCox.lambda(AirPassengers) = -0.2947155856;
        // BoxCox.lambda(window(AirPassengers, end = c(1958, 12))) = -0.3096627511;
        // BoxCox.lambda(ts(c(5,7,9,4,6,8,10,3,9,12,4,7), frequency = 1)) = 1.712163666;
        // BoxCox.lambda(window(AirPassengers, end = c(1950, 8))) = 1 (20 months, fewer than
        // two years), and BoxCox.lambda(window(AirPassengers, end = c(1950, 12))) = 1 (24,
        // exactly two: `length(x) <= 2 * frequency(x)`).
        let lambda = guerrero_lambda(&AIR_PASSENGERS, 12).unwrap();
        assert!((lambda + 0.2947155856).abs() < 1e-3, "{lambda}");
        let lambda = guerrero_lambda(&AIR_PASSENGERS[..120], 12).unwrap();
        assert!((lambda + 0.3096627511).abs() < 1e-3, "{lambda}");
        let short = [5.0, 7.0, 9.0, 4.0, 6.0, 8.0, 10.0, 3.0, 9.0, 12.0, 4.0, 7.0];
        let lambda = guerrero_lambda(&short, 1).unwrap();
        assert!((lambda - 1.712163666).abs() < 1e-3, "{lambda}");
        assert_eq!(guerrero_lambda(&AIR_PASSENGERS[..20], 12).unwrap(), 1.0);
        assert_eq!(guerrero_lambda(&AIR_PASSENGERS[..24], 12).unwrap(), 1.0);
        // 25 months: judged in two year-long blocks; R's BoxCox.lambda(window(AirPassengers,
        // end = c(1951, 1))) = -0.9999242482, the lower end of the range.
        let lambda = guerrero_lambda(&AIR_PASSENGERS[..25], 12).unwrap();
        assert!((lambda + 0.9999242482).abs() < 1e-3, "{lambda}");
    }

    #[test]
    fn arima_on_the_box_cox_scale_forecasts_air_passengers_as_r_does() {
        // R 4.2.2, forecast 8.20: w <- window(AirPassengers, end = c(1958, 12));
        // auto.arima(w, lambda = BoxCox.lambda(w)) is ARIMA(0,1,1)(0,1,1)[12] (ma1 −0.3936,
        // sma1 −0.5713), and forecast(., h = 24) has test-set MASE 1.0295 against 2.3999 for
        // auto.arima(w) on the original scale (accuracy(), seasonal naive scale).
        use crate::accuracy::mase;
        use crate::choice::ModelChoice;
        use ndarray::ArrayView1;
        let (train, test) = AIR_PASSENGERS.split_at(120);
        let score = |choice| {
            let fit = crate::model::forecast_series(train, choice, 12, 24, &[0.8]).unwrap();
            let m = mase(
                ArrayView1::from(test),
                ArrayView1::from(&fit.forecast.point),
                ArrayView1::from(train),
                12,
            )
            .unwrap();
            (fit, m)
        };
        let (fit, boxcox) = score(ModelChoice::AutoArimaBoxCox);
        assert!(
            fit.model
                .starts_with("ARIMA(0,1,1)(0,1,1)[12] on the Box-Cox"),
            "{}",
            fit.model
        );
        let coef = |name: &str| {
            fit.parameters
                .iter()
                .find(|p| p.name == name)
                .unwrap()
                .value
        };
        assert!((coef("ma1") + 0.3936).abs() < 2e-3, "{}", coef("ma1"));
        assert!((coef("sma1") + 0.5713).abs() < 2e-3, "{}", coef("sma1"));
        assert!((boxcox - 1.0295).abs() < 0.02, "{boxcox}");
        let (_, original) = score(ModelChoice::AutoArima);
        assert!((original - 2.3999).abs() < 1e-3, "{original}");
        // Bounds back-transformed: positive and around the point.
        let band = &fit.forecast.intervals[0];
        assert!(
            band.lower
                .iter()
                .zip(&fit.forecast.point)
                .all(|(l, p)| *l > 0.0 && l < p)
        );
    }

    #[test]
    fn the_transformation_inverts_and_rejects_non_positive_data() {
        for lambda in [-0.3, 0.0, 0.5, 1.0, 1.7] {
            for v in [0.5, 1.0, 112.0, 622.0] {
                let back = inv_box_cox(box_cox(v, lambda), lambda);
                assert!((back - v).abs() < 1e-9 * v, "{lambda} {v} {back}");
            }
        }
        assert_eq!(box_cox(std::f64::consts::E, 0.0), 1.0);
        // By hand: λ = 0.5, v = 9: (3 − 1) / 0.5 = 4.
        assert_eq!(box_cox(9.0, 0.5), 4.0);
        assert_eq!(inv_box_cox(-5.0, 0.5), 0.0);
        assert_eq!(inv_box_cox(1.5, -1.0), f64::INFINITY);
        let err = guerrero_lambda(&[1.0, 0.0, 2.0, 3.0], 1).unwrap_err();
        assert!(err.to_string().contains("index 1"), "{err}");
        // Three values without a season: fewer than two blocks of 2.
        assert!(guerrero_lambda(&[1.0, 2.0, 3.0], 1).is_err());
        // 44 weeks at season 52, at most two seasons: no transform, as R gives it
        // (BoxCox.lambda(ts(100 + (0:43 %% 7) * 10, frequency = 52)) = 1).
        let weeks: Vec<f64> = (0..44).map(|t| 100.0 + f64::from(t % 7) * 10.0).collect();
        assert_eq!(guerrero_lambda(&weeks, 52).unwrap(), 1.0);
        assert_eq!(guerrero_lambda(&[1.0, 2.0, 3.0], 2).unwrap(), 1.0);
    }
}
