//! Rolling-origin evaluation (time-series cross-validation): fit on the first `t` values,
//! forecast `horizon` steps, move the origin by `step`, and score every forecast against
//! what happened.

use ndarray::ArrayView1;
use serde::Serialize;

use crate::ForecastError;
use crate::accuracy::{mae, mape, mase, rmse, rmsse, scale_lag, smape};
use crate::choice::ModelChoice;
use crate::forecast::{Fit, PredictLevels};
use crate::limits::Limits;
use crate::model::forecast_series_with_limits;

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

/// The share of actual values inside one level's intervals over every fold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coverage {
    /// The level, a fraction (0.8 for 80 %).
    pub level: f64,
    /// The share of actual values inside the interval (0 to 1).
    pub share: f64,
}

/// How one model choice forecast the last `folds × horizon` values of a series, from
/// `folds` origins `horizon` apart ([`backtest_choice`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ChoiceBacktest {
    /// The model choice as given (`auto`, `theta`, …).
    pub choice: String,
    /// Training lengths of the folds, oldest first.
    pub origins: Vec<usize>,
    /// The models fitted at each origin.
    pub models: Vec<String>,
    /// Mean over the folds of the MASE, each fold scaled by its training data's naive
    /// forecast at lag [`crate::accuracy::scale_lag`]; `None` when a scale is zero.
    pub mase: Option<f64>,
    /// Mean over the folds of the RMSSE, scaled the same way.
    pub rmsse: Option<f64>,
    /// Interval coverage per level, pooled over every fold and step.
    pub coverage: Vec<Coverage>,
    /// Folds in which the naive forecast stood in for the model.
    pub fallbacks: usize,
}

/// Rolling-origin evaluation of `choice`: fit on all but the last `k × horizon` values for
/// `k = folds, …, 1`, forecast `horizon` values with intervals at `levels`, and score them
/// against what happened.
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `backtest` when `folds` is 0 or the series is
/// too short for them (every fold trains on at least 3 values); the errors of
/// [`crate::forecast_series_with_limits`] at any origin.
pub fn backtest_choice(
    y: &[f64],
    choice: ModelChoice,
    season_length: usize,
    horizon: usize,
    folds: usize,
    levels: &[f64],
    limits: &Limits,
) -> Result<ChoiceBacktest, ForecastError> {
    const MIN_TRAINING: usize = 3;
    let held_out = folds.checked_mul(horizon);
    let first = held_out.and_then(|h| y.len().checked_sub(h));
    let first = match first {
        Some(first) if folds > 0 && first >= MIN_TRAINING => first,
        _ => {
            return Err(ForecastError::InvalidParameter {
                parameter: "backtest",
                message: format!(
                    "{folds} origins of {horizon} periods need at least 1 origin and \
                     {MIN_TRAINING} training values before the first, and the series has {} \
                     values",
                    y.len()
                ),
            });
        }
    };
    let mut origins = Vec::with_capacity(folds);
    let mut models = Vec::with_capacity(folds);
    let (mut mase_sum, mut rmsse_sum) = (Some(0.0), Some(0.0));
    let mut inside = vec![0usize; levels.len()];
    let mut fallbacks = 0;
    for k in 0..folds {
        let origin = first + k * horizon;
        let train = &y[..origin];
        let actual = &y[origin..origin + horizon];
        let result =
            forecast_series_with_limits(train, choice, season_length, horizon, levels, limits)?;
        let lag = scale_lag(train.len(), season_length);
        let (a, f, t) = (
            ArrayView1::from(actual),
            ArrayView1::from(&result.forecast.point),
            ArrayView1::from(train),
        );
        mase_sum = mase_sum.zip(mase(a, f, t, lag).ok()).map(|(s, v)| s + v);
        rmsse_sum = rmsse_sum.zip(rmsse(a, f, t, lag).ok()).map(|(s, v)| s + v);
        for (count, interval) in inside.iter_mut().zip(&result.forecast.intervals) {
            *count += actual
                .iter()
                .enumerate()
                .filter(|&(h, &v)| interval.lower[h] <= v && v <= interval.upper[h])
                .count();
        }
        fallbacks += usize::from(result.fallback.is_some());
        origins.push(origin);
        models.push(result.model);
    }
    let points = (folds * horizon) as f64;
    Ok(ChoiceBacktest {
        choice: choice.to_string(),
        origins,
        models,
        mase: mase_sum.map(|s| s / folds as f64),
        rmsse: rmsse_sum.map(|s| s / folds as f64),
        coverage: levels
            .iter()
            .zip(inside)
            .map(|(&level, n)| Coverage {
                level,
                share: n as f64 / points,
            })
            .collect(),
        fallbacks,
    })
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

    #[test]
    fn choice_backtest_by_hand() {
        // Naive on 1, 2, 4, 7, 11 with two origins of one step: trains on 1, 2, 4 (forecast 4,
        // actual 7) and on 1, 2, 4, 7 (forecast 7, actual 11). Scales (lag 1): mean |step| of
        // the training, 1.5 and 2; MASE (3/1.5 + 4/2)/2 = 2. RMSSE: √((1+4)/2) = 1.5811 and
        // √((1+4+9)/3) = 2.1602; (3/1.5811 + 4/2.1602)/2.
        let y = [1.0, 2.0, 4.0, 7.0, 11.0];
        let report =
            backtest_choice(&y, ModelChoice::Naive, 1, 1, 2, &[0.8], &Limits::default()).unwrap();
        assert_eq!(report.origins, [3, 4]);
        assert!((report.mase.unwrap() - 2.0).abs() < 1e-12);
        let expected = (3.0 / 2.5f64.sqrt() + 4.0 / (14.0f64 / 3.0).sqrt()) / 2.0;
        assert!((report.rmsse.unwrap() - expected).abs() < 1e-12);
        // The naive 80 % interval is 4 ± 1.2816·σ with σ² = (1+4)/2: [1.97, 6.03], which
        // misses 7; then 7 ± 1.2816·√(14/3) = [4.23, 9.77], which misses 11.
        assert_eq!(report.coverage[0].share, 0.0);
        assert_eq!(report.fallbacks, 0);
        assert!(backtest_choice(&y, ModelChoice::Naive, 1, 2, 1, &[], &Limits::default()).is_ok());
        assert!(matches!(
            backtest_choice(&y, ModelChoice::Naive, 1, 1, 0, &[], &Limits::default()),
            Err(ForecastError::InvalidParameter {
                parameter: "backtest",
                ..
            })
        ));
        assert!(backtest_choice(&y, ModelChoice::Naive, 1, 2, 2, &[], &Limits::default()).is_err());
    }
}
