//! The models as [augurs](https://github.com/grafana/augurs) models (cargo feature `augurs`,
//! on by default): `augurs_core::Fit` for [`Ets`], [`AutoEts`], [`Arima`], [`AutoArima`] and
//! [`SeasonalNaive`], `augurs_core::Predict` for what they fit, so they plug into tools
//! written against augurs' traits.
//!
//! augurs states levels as fractions (0.95) where this crate uses percent (95); its
//! forecasts carry one interval. In-sample forecasts come without intervals (the trait
//! allows that; use this crate's own API for intervals of any kind).
//!
//! ```
//! use augurs_core::{Fit, Predict};
//! use retail_forecast::AutoEts;
//!
//! let y: Vec<f64> = (0..48).map(|t| 100.0 + (t % 12) as f64 * 3.0 + t as f64).collect();
//! let fitted = Fit::fit(&AutoEts::new(12)?, &y)?;
//! let forecast = Predict::predict(&fitted, 6, 0.95)?;
//! assert_eq!(forecast.point.len(), 6);
//! assert_eq!(forecast.intervals.unwrap().level, 0.95);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use augurs_core::{Forecast as AugursForecast, ForecastIntervals};

use crate::{
    Arima, AutoArima, AutoEts, Ets, FittedArima, FittedEts, FittedNaive, ForecastError,
    SeasonalNaive,
};

impl augurs_core::ModelError for ForecastError {}

/// Fills augurs' forecast from this crate's: `level` is a fraction strictly between 0 and 1.
fn predict_into<P: crate::Predict>(
    fitted: &P,
    horizon: usize,
    level: Option<f64>,
    out: &mut AugursForecast,
) -> Result<(), ForecastError> {
    let levels = match level {
        Some(level) if level > 0.0 && level < 1.0 => vec![100.0 * level],
        Some(level) => {
            return Err(ForecastError::InvalidParameter {
                parameter: "level",
                message: format!(
                    "{level} is not a fraction strictly between 0 and 1 (augurs' convention)"
                ),
            });
        }
        None => Vec::new(),
    };
    let forecast = fitted.predict(horizon, &levels)?;
    out.point = forecast.point;
    out.intervals = level
        .zip(forecast.intervals.into_iter().next())
        .map(|(level, interval)| ForecastIntervals {
            level,
            lower: interval.lower,
            upper: interval.upper,
        });
    Ok(())
}

macro_rules! augurs_fit {
    ($($model:ty => $fitted:ty),* $(,)?) => {$(
        impl augurs_core::Fit for $model {
            type Fitted = $fitted;
            type Error = ForecastError;

            fn fit(&self, y: &[f64]) -> Result<$fitted, ForecastError> {
                crate::Fit::fit(self, y)
            }
        }
    )*};
}

macro_rules! augurs_predict {
    ($($fitted:ty),* $(,)?) => {$(
        impl augurs_core::Predict for $fitted {
            type Error = ForecastError;

            fn predict_inplace(
                &self,
                horizon: usize,
                level: Option<f64>,
                forecast: &mut AugursForecast,
            ) -> Result<(), ForecastError> {
                predict_into(self, horizon, level, forecast)
            }

            fn predict_in_sample_inplace(
                &self,
                _level: Option<f64>,
                forecast: &mut AugursForecast,
            ) -> Result<(), ForecastError> {
                forecast.point = crate::Predict::fitted_values(self);
                forecast.intervals = None;
                Ok(())
            }

            fn training_data_size(&self) -> usize {
                crate::Predict::fitted_values(self).len()
            }
        }
    )*};
}

augurs_fit!(
    Ets => FittedEts,
    AutoEts => FittedEts,
    Arima => FittedArima,
    AutoArima => FittedArima,
    SeasonalNaive => FittedNaive,
);
augurs_predict!(FittedEts, FittedArima, FittedNaive);
