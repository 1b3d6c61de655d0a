//! Bounds that keep a forecast's work and memory proportional to what is sensible to ask
//! (docs/forecast.md, "Limits"), and the checks that a forecast is finite.

use crate::ForecastError;
use crate::forecast::Forecast;

/// Default most periods a forecast may run ahead (`max_horizon`): 192 years of weeks, 27 of
/// days. A nonlinear ETS model simulates 5,000 paths per step: 10,000 steps take about 6 s
/// in a debug build.
pub const DEFAULT_MAX_HORIZON: usize = 10_000;

/// Default most periods a series built from sales may span (`max_periods`): 27 years of
/// days, 192 of weeks. A mistyped year (3011 for 2011) would otherwise make a series of half
/// a million weeks.
pub const DEFAULT_MAX_PERIODS: usize = 10_000;

/// Largest magnitude of a series value: the fits square and sum values (and the state-space
/// variances square them again), which overflows `f64` near 1e154; 1e100 leaves room for
/// long series. Sales in any currency unit are far below it.
pub const MAX_ABS_VALUE: f64 = 1e100;

/// Bounds on one forecast call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most periods to forecast ahead ([`DEFAULT_MAX_HORIZON`] by default).
    pub max_horizon: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_horizon: DEFAULT_MAX_HORIZON,
        }
    }
}

impl Limits {
    /// Limits with `max_horizon` in place of the default.
    pub fn with_max_horizon(mut self, max_horizon: usize) -> Limits {
        self.max_horizon = max_horizon;
        self
    }

    /// `horizon` is at most `max_horizon`.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `horizon` when it is above `max_horizon`.
    pub fn check_horizon(&self, horizon: usize) -> Result<(), ForecastError> {
        if horizon > self.max_horizon {
            return Err(ForecastError::InvalidParameter {
                parameter: "horizon",
                message: format!(
                    "{horizon} periods ahead is more than max_horizon ({}); forecasts that far \
                     ahead are not meaningful, and raising max_horizon costs time in \
                     proportion",
                    self.max_horizon
                ),
            });
        }
        Ok(())
    }
}

/// Every value of `y` is finite and at most [`MAX_ABS_VALUE`] in magnitude.
pub(crate) fn check_magnitude(y: &[f64]) -> Result<(), ForecastError> {
    crate::forecast::check_finite(y, "y")?;
    match y.iter().position(|v| v.abs() > MAX_ABS_VALUE) {
        Some(i) => Err(ForecastError::InvalidParameter {
            parameter: "y",
            message: format!(
                "value {:e} (index {i}) is larger in magnitude than {MAX_ABS_VALUE:e}: the fit \
                 would overflow; rescale the series (thousands, millions)",
                y[i]
            ),
        }),
        None => Ok(()),
    }
}

/// The forecast's points and bounds are all finite numbers; otherwise an error naming the
/// model and the first step that is not.
pub(crate) fn check_forecast_finite(forecast: &Forecast) -> Result<(), ForecastError> {
    let bad = |values: &[f64]| values.iter().position(|v| !v.is_finite());
    let mut what = bad(&forecast.point).map(|h| (h, "point forecast".to_string()));
    for interval in &forecast.intervals {
        if what.is_some() {
            break;
        }
        what = bad(&interval.lower)
            .map(|h| (h, format!("lower {} % bound", 100.0 * interval.level)))
            .or_else(|| {
                bad(&interval.upper)
                    .map(|h| (h, format!("upper {} % bound", 100.0 * interval.level)))
            });
    }
    match what {
        Some((h, what)) => Err(ForecastError::NonFinite {
            model: forecast.model.clone(),
            message: format!(
                "the {what} at step {} is not a finite number (the values or their spread \
                 overflow); rescale the series or choose another model",
                h + 1
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Interval;

    #[test]
    fn horizons_beyond_the_limit_are_errors_naming_it() {
        assert_eq!(Limits::default().max_horizon, 10_000);
        assert!(Limits::default().check_horizon(10_000).is_ok());
        let err = Limits::default().check_horizon(10_001).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid horizon: 10001 periods ahead is more than max_horizon (10000); forecasts \
             that far ahead are not meaningful, and raising max_horizon costs time in proportion"
        );
        assert!(
            Limits::default()
                .with_max_horizon(20_000)
                .check_horizon(10_001)
                .is_ok()
        );
    }

    #[test]
    fn magnitudes_and_non_finite_forecasts_are_errors() {
        assert!(check_magnitude(&[1.0, -1e100, 1e100]).is_ok());
        let err = check_magnitude(&[1.0, -1.7e308]).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "invalid y: value -1.7e308 (index 1) is larger in magnitude than 1e100"
            ),
            "{err}"
        );
        let mut forecast = Forecast {
            model: "ETS(M,A,M)".into(),
            point: vec![1.0, 2.0, 3.0],
            intervals: vec![Interval {
                level: 0.95,
                lower: vec![0.0, 1.0, 2.0],
                upper: vec![2.0, 3.0, 4.0],
            }],
        };
        assert!(check_forecast_finite(&forecast).is_ok());
        forecast.intervals[0].upper[1] = f64::INFINITY;
        assert_eq!(
            check_forecast_finite(&forecast).unwrap_err().to_string(),
            "ETS(M,A,M): the upper 95 % bound at step 2 is not a finite number (the values or \
             their spread overflow); rescale the series or choose another model"
        );
        forecast.point[2] = f64::NAN;
        assert!(
            check_forecast_finite(&forecast)
                .unwrap_err()
                .to_string()
                .contains("the point forecast at step 3 is")
        );
    }
}
