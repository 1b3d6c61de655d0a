//! The benchmarks every forecast must beat: the naive forecast (last value) and the
//! seasonal naive forecast (the value one season ago), with R `forecast::naive`/`snaive`
//! intervals: σ² is the mean squared in-sample residual and the h-step variance is σ²·h
//! (naive) or σ²·(⌊(h−1)/m⌋ + 1) (seasonal naive).

use serde::Serialize;

use crate::ForecastError;
use crate::forecast::{Fit, Forecast, PredictLevels, check_levels};

/// The seasonal naive method with season length `m`; `m = 1` is the naive method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeasonalNaive {
    season_length: usize,
}

/// A fitted (seasonal) naive method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedNaive {
    /// Season length (1 for the naive method).
    pub season_length: usize,
    /// The last season of the series, oldest first.
    pub last_season: Vec<f64>,
    /// Mean squared one-step residual.
    pub sigma2: f64,
    /// In-sample forecasts (the first `m` repeat the first values: no forecast exists).
    #[serde(skip)]
    pub fitted: Vec<f64>,
}

impl SeasonalNaive {
    /// The naive method (last value).
    pub fn naive() -> SeasonalNaive {
        SeasonalNaive { season_length: 1 }
    }

    /// The seasonal naive method with season length `m` ≥ 1.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `season_length` when it is 0.
    pub fn new(season_length: usize) -> Result<SeasonalNaive, ForecastError> {
        if season_length == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: "must be at least 1".into(),
            });
        }
        Ok(SeasonalNaive { season_length })
    }
}

impl Fit for SeasonalNaive {
    type Fitted = FittedNaive;
    type Error = ForecastError;

    fn fit(&self, y: &[f64]) -> Result<FittedNaive, ForecastError> {
        let m = self.season_length;
        crate::forecast::check_finite(y, "y")?;
        if y.len() < m {
            return Err(ForecastError::Undefined(format!(
                "the seasonal naive method with season length {m} needs at least {m} values, got {}",
                y.len()
            )));
        }
        let residuals: Vec<f64> = (m..y.len()).map(|t| y[t] - y[t - m]).collect();
        let sigma2 = if residuals.is_empty() {
            0.0
        } else {
            residuals.iter().map(|r| r * r).sum::<f64>() / residuals.len() as f64
        };
        let fitted = (0..y.len())
            .map(|t| if t >= m { y[t - m] } else { y[t] })
            .collect();
        Ok(FittedNaive {
            season_length: m,
            last_season: y[y.len() - m..].to_vec(),
            sigma2,
            fitted,
        })
    }
}

impl PredictLevels for FittedNaive {
    fn predict_levels(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        check_levels(levels)?;
        let m = self.season_length;
        let point: Vec<f64> = (0..horizon).map(|h| self.last_season[h % m]).collect();
        let sd: Vec<f64> = (1..=horizon)
            .map(|h| {
                let k = if m == 1 { h } else { (h - 1) / m + 1 };
                (self.sigma2 * k as f64).sqrt()
            })
            .collect();
        let intervals = crate::forecast::normal_intervals(&point, &sd, levels);
        Ok(Forecast {
            model: self.model_name(),
            point,
            intervals,
        })
    }

    fn fitted_values(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn model_name(&self) -> String {
        if self.season_length == 1 {
            "Naive".into()
        } else {
            format!("SeasonalNaive[{}]", self.season_length)
        }
    }
}

crate::forecast::augurs_predict!(FittedNaive);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_by_hand() {
        // Residuals 2, −1, 3: σ² = 14/3.
        let fit = SeasonalNaive::naive().fit(&[1.0, 3.0, 2.0, 5.0]).unwrap();
        assert!((fit.sigma2 - 14.0 / 3.0).abs() < 1e-12);
        let f = fit.predict_levels(4, &[0.95]).unwrap();
        assert_eq!(f.point, vec![5.0; 4]);
        let half = |h: usize| f.intervals[0].upper[h] - 5.0;
        // Width grows like √h.
        assert!((half(3) / half(0) - 2.0).abs() < 1e-12);
        assert!((half(0) - 1.959_963_984_540_054 * (14.0f64 / 3.0).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn seasonal_naive_by_hand() {
        let y = [1.0, 2.0, 3.0, 2.0, 4.0, 5.0];
        let fit = SeasonalNaive::new(3).unwrap().fit(&y).unwrap();
        // Residuals 1, 2, 2: σ² = 3.
        assert!((fit.sigma2 - 3.0).abs() < 1e-12);
        let f = fit.predict_levels(5, &[0.8]).unwrap();
        assert_eq!(f.point, vec![2.0, 4.0, 5.0, 2.0, 4.0]);
        let half: Vec<f64> = (0..5)
            .map(|h| f.intervals[0].upper[h] - f.point[h])
            .collect();
        assert!((half[2] - half[0]).abs() < 1e-12);
        assert!((half[3] / half[0] - 2f64.sqrt()).abs() < 1e-12);
        assert!(SeasonalNaive::new(3).unwrap().fit(&y[..2]).is_err());
        assert!(SeasonalNaive::new(0).is_err());
    }
}
