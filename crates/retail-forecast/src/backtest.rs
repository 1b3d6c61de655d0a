//! Rolling-origin evaluation (time-series cross-validation): fit on the first `t` values,
//! forecast `horizon` steps, move the origin by `step`, and score every forecast against
//! what happened.

use ndarray::ArrayView1;
use serde::Serialize;

use crate::ForecastError;
use crate::accuracy::{mae, mape, mase, rmse, smape};
use crate::forecast::{Fit, PredictLevels};

/// How to roll the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backtest {
    horizon: usize,
    initial: usize,
    step: usize,
    season_length: usize,
}

/// One origin's forecast and the actual values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fold {
    /// Number of training values.
    pub origin: usize,
    /// Forecasts for the next `horizon` values.
    pub forecast: Vec<f64>,
    /// The actual values.
    pub actual: Vec<f64>,
    /// The model chosen at this origin.
    pub model: String,
}

/// Accuracy over all folds (forecasts pooled; MASE scaled per fold by its training data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    /// The folds, oldest origin first.
    pub folds: Vec<Fold>,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute percentage error (`None` when an actual value is zero).
    pub mape: Option<f64>,
    /// Symmetric MAPE.
    pub smape: Option<f64>,
    /// Mean of the folds' MASE (`None` when a fold's scale is zero).
    pub mase: Option<f64>,
}

impl Backtest {
    /// Forecast `horizon` steps from origins `initial`, `initial + step`, … while a full
    /// horizon of actual values remains; MASE uses the seasonal naive scale with
    /// `season_length`.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `horizon`, `initial`, `step` or
    /// `season_length` when it is 0.
    pub fn new(
        horizon: usize,
        initial: usize,
        step: usize,
        season_length: usize,
    ) -> Result<Backtest, ForecastError> {
        for (parameter, value) in [
            ("horizon", horizon),
            ("initial", initial),
            ("step", step),
            ("season_length", season_length),
        ] {
            if value == 0 {
                return Err(ForecastError::InvalidParameter {
                    parameter,
                    message: "must be at least 1".into(),
                });
            }
        }
        Ok(Backtest {
            horizon,
            initial,
            step,
            season_length,
        })
    }

    /// Runs `model` over `y`: any augurs-core [`Fit`] of this crate (or with its error and
    /// a fitted type that implements [`PredictLevels`]).
    ///
    /// # Errors
    ///
    /// [`ForecastError::Undefined`] when `y` is shorter than `initial + horizon`; the first
    /// error of fitting or forecasting at an origin.
    pub fn run<M>(&self, model: &M, y: &[f64]) -> Result<BacktestReport, ForecastError>
    where
        M: Fit<Error = ForecastError>,
        M::Fitted: PredictLevels,
    {
        if y.len() < self.initial + self.horizon {
            return Err(ForecastError::Undefined(format!(
                "backtesting needs at least initial + horizon = {} values, got {}",
                self.initial + self.horizon,
                y.len()
            )));
        }
        let mut folds = Vec::new();
        let mut origin = self.initial;
        while origin + self.horizon <= y.len() {
            let fitted = model.fit(&y[..origin])?;
            let forecast = fitted.predict_levels(self.horizon, &[])?.point;
            folds.push(Fold {
                origin,
                forecast,
                actual: y[origin..origin + self.horizon].to_vec(),
                model: fitted.model_name(),
            });
            origin += self.step;
        }
        let actual: Vec<f64> = folds
            .iter()
            .flat_map(|f| f.actual.iter().copied())
            .collect();
        let forecast: Vec<f64> = folds
            .iter()
            .flat_map(|f| f.forecast.iter().copied())
            .collect();
        let (a, f) = (ArrayView1::from(&actual), ArrayView1::from(&forecast));
        let mut mase_sum = Some(0.0);
        for fold in &folds {
            let value = mase(
                ArrayView1::from(&fold.actual),
                ArrayView1::from(&fold.forecast),
                ArrayView1::from(&y[..fold.origin]),
                self.season_length,
            )
            .ok();
            mase_sum = mase_sum.zip(value).map(|(s, v)| s + v);
        }
        Ok(BacktestReport {
            mae: mae(a, f)?,
            rmse: rmse(a, f)?,
            mape: mape(a, f).ok(),
            smape: smape(a, f).ok(),
            mase: mase_sum.map(|s| s / folds.len() as f64),
            folds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::SeasonalNaive;

    #[test]
    fn naive_backtest_by_hand() {
        let y = [1.0, 2.0, 4.0, 7.0, 11.0];
        let report = Backtest::new(2, 2, 1, 1)
            .unwrap()
            .run(&SeasonalNaive::naive(), &y)
            .unwrap();
        // Origins 2 (forecast 2,2 vs 4,7) and 3 (4,4 vs 7,11): errors 2,5,3,7.
        assert_eq!(report.folds.len(), 2);
        assert_eq!(report.folds[1].forecast, vec![4.0, 4.0]);
        assert!((report.mae - 17.0 / 4.0).abs() < 1e-12);
        assert!((report.rmse - (87.0f64 / 4.0).sqrt()).abs() < 1e-12);
        // MASE: fold 1 MAE 3.5 / scale 1; fold 2 MAE 5 / scale 1.5.
        assert!((report.mase.unwrap() - (3.5 + 5.0 / 1.5) / 2.0).abs() < 1e-12);
        assert!(
            Backtest::new(3, 4, 1, 1)
                .unwrap()
                .run(&SeasonalNaive::naive(), &y)
                .is_err()
        );
    }
}
