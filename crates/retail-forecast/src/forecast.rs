//! Forecasts with prediction intervals at several levels, augurs-core's `Fit`/`Predict` for
//! every model with the multi-level extension [`PredictLevels`], and the small numerical
//! helpers they share (normal quantiles, sample quantiles, a seeded normal generator).
//!
//! Levels are fractions strictly between 0 and 1 (0.8 for an 80 % interval), as in augurs.

use augurs_core::{Forecast as AugursForecast, ForecastIntervals};
use serde::Serialize;

use crate::ForecastError;

pub use augurs_core::{Fit, Predict};

/// Point forecasts and prediction intervals for the next `h` periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The model that produced it, e.g. `ETS(M,Ad,N)`.
    pub model: String,
    /// Point forecasts (means).
    pub point: Vec<f64>,
    /// One interval per requested level, in the order of the levels.
    pub intervals: Vec<Interval>,
}

/// A prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Coverage as a fraction (0.8 for an 80 % interval).
    pub level: f64,
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds.
    pub upper: Vec<f64>,
}

/// Forecasts with intervals at several levels at once: the extension of augurs-core's
/// [`Predict`] (one level per call) that every fitted model of this crate implements.
///
/// ```
/// use retail_forecast::{Fit, Predict, PredictLevels, SeasonalNaive};
///
/// let fit = SeasonalNaive::naive().fit(&[1.0, 3.0, 2.0, 5.0])?;
/// let both = fit.predict_levels(4, &[0.8, 0.95])?;
/// assert_eq!(both.intervals[1].level, 0.95);
/// // augurs-core's one-level form gives the same 95 % bounds.
/// let one = fit.predict(4, 0.95)?;
/// assert_eq!(one.intervals.unwrap().upper, both.intervals[1].upper);
/// # Ok::<(), retail_forecast::ForecastError>(())
/// ```
pub trait PredictLevels: Predict<Error = ForecastError> {
    /// Forecasts `horizon` periods with one interval per level of `levels` (fractions
    /// strictly between 0 and 1; none gives point forecasts only).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] (`level`) for a level outside (0, 1); the model's
    /// own errors (missing future regressors, too few errors for empirical intervals).
    fn predict_levels(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError>;

    /// In-sample one-step forecasts, one per observation.
    fn fitted_values(&self) -> Vec<f64>;

    /// A short description such as `ETS(A,N,N)` or `ARIMA(0,1,1)(0,1,1)[12]`.
    fn model_name(&self) -> String;
}

impl augurs_core::ModelError for ForecastError {}

/// augurs-core's [`Predict`] for fitted types that implement [`PredictLevels`]. In-sample
/// forecasts come without intervals (the trait allows that).
macro_rules! augurs_predict {
    ($($fitted:ty),* $(,)?) => {$(
        impl augurs_core::Predict for $fitted {
            type Error = $crate::ForecastError;

            fn predict_inplace(
                &self,
                horizon: usize,
                level: Option<f64>,
                forecast: &mut augurs_core::Forecast,
            ) -> Result<(), $crate::ForecastError> {
                $crate::forecast::predict_with_level(self, horizon, level, forecast)
            }

            fn predict_in_sample_inplace(
                &self,
                _level: Option<f64>,
                forecast: &mut augurs_core::Forecast,
            ) -> Result<(), $crate::ForecastError> {
                forecast.point = $crate::PredictLevels::fitted_values(self);
                forecast.intervals = None;
                Ok(())
            }

            fn training_data_size(&self) -> usize {
                $crate::PredictLevels::fitted_values(self).len()
            }
        }
    )*};
}
pub(crate) use augurs_predict;

/// The body of augurs' `predict_inplace` for this crate's models: its one-level forecast
/// from [`PredictLevels::predict_levels`].
pub(crate) fn predict_with_level<P: PredictLevels + ?Sized>(
    fitted: &P,
    horizon: usize,
    level: Option<f64>,
    out: &mut AugursForecast,
) -> Result<(), ForecastError> {
    let levels: Vec<f64> = level.into_iter().collect();
    let forecast = fitted.predict_levels(horizon, &levels)?;
    out.point = forecast.point;
    out.intervals = forecast
        .intervals
        .into_iter()
        .next()
        .map(|interval| ForecastIntervals {
            level: interval.level,
            lower: interval.lower,
            upper: interval.upper,
        });
    Ok(())
}

/// Normal prediction intervals `point ± z·sd` at each level (a fraction).
pub(crate) fn normal_intervals(point: &[f64], sd: &[f64], levels: &[f64]) -> Vec<Interval> {
    levels
        .iter()
        .map(|&level| {
            let z = normal_quantile(0.5 + level / 2.0);
            Interval {
                level,
                lower: point.iter().zip(sd).map(|(p, s)| p - z * s).collect(),
                upper: point.iter().zip(sd).map(|(p, s)| p + z * s).collect(),
            }
        })
        .collect()
}

/// Every value of the series `parameter` must be finite.
pub(crate) fn check_finite(y: &[f64], parameter: &'static str) -> Result<(), ForecastError> {
    match y.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(ForecastError::InvalidParameter {
            parameter,
            message: format!("value {} (index {i}) is not a finite number", y[i]),
        }),
        None => Ok(()),
    }
}

/// Levels must lie strictly between 0 and 1 (fractions, as augurs).
pub(crate) fn check_levels(levels: &[f64]) -> Result<(), ForecastError> {
    for &level in levels {
        if !(level > 0.0 && level < 1.0) {
            return Err(ForecastError::InvalidParameter {
                parameter: "level",
                message: format!("{level} is not a fraction strictly between 0 and 1"),
            });
        }
    }
    Ok(())
}

/// The standard normal quantile (Acklam's rational approximation, relative error below
/// 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// The `p`-quantile of sorted values (linear interpolation, R's type 7).
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A seeded standard-normal generator (SplitMix64 + Box–Muller): the same draws on every
/// machine.
pub(crate) struct Normal {
    state: u64,
    spare: Option<f64>,
}

impl Normal {
    pub(crate) fn new(seed: u64) -> Normal {
        Normal {
            state: seed ^ 0x9E37_79B9_7F4A_7C15,
            spare: None,
        }
    }

    /// The generator positioned at its `index`-th normal draw (0-based), as if `index`
    /// draws had been taken from `Normal::new(seed)`: SplitMix64 is a counter and each
    /// Box–Muller pair takes two uniforms, so any draw is reached without the ones before it.
    pub(crate) fn at(seed: u64, index: u64) -> Normal {
        let mut g = Normal::new(seed);
        let uniforms_before = (index / 2).wrapping_mul(2);
        g.state = g
            .state
            .wrapping_add(uniforms_before.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if index % 2 == 1 {
            // The pair's first draw is taken; its second waits as the spare.
            g.sample();
        }
        g
    }

    /// A uniform draw in (0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub(crate) fn sample(&mut self) -> f64 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        let (u1, u2) = (self.uniform(), self.uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = std::f64::consts::TAU * u2;
        self.spare = Some(r * theta.sin());
        r * theta.cos()
    }
}

/// A named parameter of a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    /// Name (`alpha`, `ar1`, …).
    pub name: String,
    /// Value.
    pub value: f64,
}

/// A fitted model's forecast with what a report needs to show about the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesForecast {
    /// The model, e.g. `ETS(M,Ad,N)`.
    pub model: String,
    /// Its estimated parameters.
    pub parameters: Vec<Parameter>,
    /// Log-likelihood, when the model has one.
    pub loglik: Option<f64>,
    /// AIC.
    pub aic: Option<f64>,
    /// AICc.
    pub aicc: Option<f64>,
    /// BIC.
    pub bic: Option<f64>,
    /// In-sample one-step forecasts.
    pub fitted: Vec<f64>,
    /// The forecast with intervals.
    pub forecast: Forecast,
    /// Why the requested model was replaced by the naive forecast, if it was.
    pub fallback: Option<String>,
}

/// Floors every point and bound at zero (the Theta and intermittent models' promise for a
/// non-negative series, kept when the naive forecast stands in for them; and what a chart of
/// sales shows, which cannot be negative). Returns how many values were raised.
pub fn floor_at_zero(forecast: &mut Forecast) -> usize {
    let mut raised = 0;
    let mut floor = |v: &mut f64| {
        if *v < 0.0 {
            *v = 0.0;
            raised += 1;
        }
    };
    forecast.point.iter_mut().for_each(&mut floor);
    for interval in &mut forecast.intervals {
        interval.lower.iter_mut().for_each(&mut floor);
        interval.upper.iter_mut().for_each(&mut floor);
    }
    raised
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        // R: qnorm(c(0.975, 0.9, 0.5, 0.001)).
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.9) - 1.281_551_565_544_601).abs() < 1e-8);
        assert!(normal_quantile(0.5).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813).abs() < 1e-8);
    }

    #[test]
    fn sample_quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
    }

    #[test]
    fn a_generator_seeks_to_any_draw() {
        let mut sequential = Normal::new(42);
        let draws: Vec<f64> = (0..11).map(|_| sequential.sample()).collect();
        for (i, &draw) in draws.iter().enumerate() {
            let mut g = Normal::at(42, i as u64);
            assert_eq!(g.sample().to_bits(), draw.to_bits(), "draw {i}");
            // And it goes on with the draws after it.
            if let Some(&next) = draws.get(i + 1) {
                assert_eq!(g.sample().to_bits(), next.to_bits(), "draw {}", i + 1);
            }
        }
    }

    #[test]
    fn normal_draws_have_unit_variance() {
        let mut g = Normal::new(7);
        let draws: Vec<f64> = (0..20_000).map(|_| g.sample()).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
