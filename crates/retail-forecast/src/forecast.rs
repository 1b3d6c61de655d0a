//! Forecasts with prediction intervals, the `Fit`/`Predict` traits, and the small numerical
//! helpers they share (normal quantiles, sample quantiles, a seeded normal generator).

use serde::Serialize;

use crate::ForecastError;

/// Point forecasts and prediction intervals for the next `h` periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The model that produced it, e.g. `ETS(M,Ad,N)`.
    pub model: String,
    /// Point forecasts (means).
    pub point: Vec<f64>,
    /// One interval per requested level.
    pub intervals: Vec<Interval>,
}

/// A prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Coverage in percent (80 for an 80 % interval).
    pub level: f64,
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds.
    pub upper: Vec<f64>,
}

/// Fits a model to a series.
pub trait Fit {
    /// The fitted model.
    type Fitted: Predict;
    /// Fits to `y` (oldest first).
    fn fit(&self, y: &[f64]) -> Result<Self::Fitted, ForecastError>;
}

/// Forecasts from a fitted model.
pub trait Predict {
    /// Forecasts `horizon` periods with intervals at `levels` (percent).
    fn predict(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError>;
    /// In-sample one-step forecasts.
    fn fitted_values(&self) -> Vec<f64>;
    /// A short description such as `ETS(A,N,N)` or `ARIMA(0,1,1)(0,1,1)[12]`.
    fn model_name(&self) -> String;
}

/// Normal prediction intervals `point ± z·sd` at each level (percent).
pub(crate) fn normal_intervals(point: &[f64], sd: &[f64], levels: &[f64]) -> Vec<Interval> {
    levels
        .iter()
        .map(|&level| {
            let z = normal_quantile(0.5 + level / 200.0);
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

/// Levels must lie strictly between 0 and 100.
pub(crate) fn check_levels(levels: &[f64]) -> Result<(), ForecastError> {
    for &level in levels {
        if !(level > 0.0 && level < 100.0) {
            return Err(ForecastError::InvalidParameter {
                parameter: "level",
                message: format!("{level} is not a percentage strictly between 0 and 100"),
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
