//! One entry point for every model, and many series at once across threads.
//!
//! [`ModelChoice`] parses what a user types (`auto`, `ets`, `AAdM`, `naive`, …) and
//! [`forecast_series`] fits it and forecasts with intervals. When an automatic choice cannot
//! fit a series (too short, for instance), the result falls back to the naive forecast and
//! says so in `fallback`: a forecast is always finite.

use crate::ForecastError;
use crate::arima::{Arima, AutoArima, FittedArima};
use crate::auto_ets::AutoEts;
use crate::baseline::SeasonalNaive;
pub use crate::choice::ModelChoice;
use crate::ets::{Ets, FittedEts};
use crate::forecast::{Fit, Forecast, PredictLevels};
pub use crate::forecast::{Parameter, SeriesForecast, floor_at_zero};
use crate::intermittent::Intermittent;
use crate::limits::Limits;
use crate::theta::Theta;

/// `forecast` if every point and bound is finite (never a NaN forecast), else an error
/// naming the model.
fn finite_forecast(forecast: Forecast) -> Result<Forecast, ForecastError> {
    crate::limits::check_forecast_finite(&forecast)?;
    Ok(forecast)
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn from_ets(
    fit: &FittedEts,
    horizon: usize,
    levels: &[f64],
) -> Result<SeriesForecast, ForecastError> {
    let p = &fit.params;
    let mut parameters = vec![Parameter {
        name: "alpha".into(),
        value: p.alpha,
    }];
    for (name, value) in [("beta", p.beta), ("gamma", p.gamma), ("phi", p.phi)] {
        if let Some(value) = value {
            parameters.push(Parameter {
                name: name.into(),
                value,
            });
        }
    }
    parameters.push(Parameter {
        name: "l0".into(),
        value: p.level,
    });
    if let Some(b) = p.slope {
        parameters.push(Parameter {
            name: "b0".into(),
            value: b,
        });
    }
    for (i, s) in p.seasonal.iter().enumerate() {
        parameters.push(Parameter {
            name: format!("s{i}"),
            value: *s,
        });
    }
    parameters.push(Parameter {
        name: "sigma2".into(),
        value: fit.sigma2,
    });
    Ok(SeriesForecast {
        model: fit.model_name(),
        parameters,
        loglik: finite(fit.loglik),
        aic: finite(fit.aic),
        aicc: finite(fit.aicc),
        bic: finite(fit.bic),
        fitted: fit.fitted_values(),
        forecast: finite_forecast(fit.forecast(horizon, levels)?)?,
        fallback: None,
    })
}

fn from_arima(
    fit: &FittedArima,
    horizon: usize,
    levels: &[f64],
) -> Result<SeriesForecast, ForecastError> {
    from_arima_with(fit, horizon, levels, None)
}

/// [`from_arima`] for a fit with external regressors: their future values, and their
/// names in place of `xreg1`, `xreg2`, ….
fn from_arima_with(
    fit: &FittedArima,
    horizon: usize,
    levels: &[f64],
    regressors: Option<&Regressors>,
) -> Result<SeriesForecast, ForecastError> {
    let mut parameters: Vec<Parameter> = fit
        .coef_names
        .iter()
        .zip(&fit.coef)
        .map(|(name, &value)| Parameter {
            name: regressors
                .and_then(|r| {
                    let j: usize = name.strip_prefix("xreg")?.parse().ok()?;
                    r.names.get(j.checked_sub(1)?).cloned()
                })
                .unwrap_or_else(|| name.clone()),
            value,
        })
        .collect();
    parameters.push(Parameter {
        name: "sigma2".into(),
        value: fit.sigma2,
    });
    Ok(SeriesForecast {
        model: fit.model_name(),
        parameters,
        loglik: finite(fit.loglik),
        aic: finite(fit.aic),
        aicc: finite(fit.aicc),
        bic: finite(fit.bic),
        fitted: fit.fitted.clone(),
        forecast: finite_forecast(fit.forecast(
            horizon,
            levels,
            regressors.map(|r| r.future.view()),
        )?)?,
        fallback: None,
    })
}

/// External regressors (price, promotion, holiday flags …) for a regression with ARIMA
/// errors: one column per regressor, over the observed periods and over the forecast ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Regressors {
    /// Their names, reported in place of `xreg1`, `xreg2`, ….
    pub names: Vec<String>,
    /// One row per observation.
    pub history: ndarray::Array2<f64>,
    /// One row per forecast period (at least the horizon).
    pub future: ndarray::Array2<f64>,
}

/// [`forecast_series`] with external regressors: only the ARIMA choices take them (`Auto`
/// is automatic ARIMA here, with no ETS fallback: ETS has no regressors). An automatic
/// choice that cannot fit still falls back to the naive forecast and says so.
///
/// # Errors
///
/// As [`forecast_series_with_regressors_and_limits`] with the default [`Limits`].
pub fn forecast_series_with_regressors(
    y: &[f64],
    choice: ModelChoice,
    season_length: usize,
    horizon: usize,
    levels: &[f64],
    regressors: &Regressors,
) -> Result<SeriesForecast, ForecastError> {
    forecast_series_with_regressors_and_limits(
        y,
        choice,
        season_length,
        horizon,
        levels,
        regressors,
        &Limits::default(),
    )
}

/// [`forecast_series_with_regressors`] within `limits` (a horizon of at most
/// `limits.max_horizon`).
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `level`, `horizon` (above the limit), `y`
/// (a value too large or not finite), `regressors` (columns or future rows that do not fit)
/// or `model` (a choice that takes no regressors); an ARIMA order's own fitting errors. An
/// automatic choice that cannot fit falls back to the naive forecast instead of failing.
pub fn forecast_series_with_regressors_and_limits(
    y: &[f64],
    choice: ModelChoice,
    season_length: usize,
    horizon: usize,
    levels: &[f64],
    regressors: &Regressors,
    limits: &Limits,
) -> Result<SeriesForecast, ForecastError> {
    crate::forecast::check_levels(levels)?;
    limits.check_horizon(horizon)?;
    crate::limits::check_magnitude(y)?;
    let k = regressors.names.len();
    if regressors.history.ncols() != k || regressors.future.ncols() != k {
        return Err(ForecastError::InvalidParameter {
            parameter: "regressors",
            message: format!(
                "{k} names but {} columns of history and {} of future values",
                regressors.history.ncols(),
                regressors.future.ncols()
            ),
        });
    }
    if regressors.future.nrows() < horizon {
        return Err(ForecastError::InvalidParameter {
            parameter: "regressors",
            message: format!(
                "{} future rows for a horizon of {horizon}: the regressors must be known for \
                 every forecast period",
                regressors.future.nrows()
            ),
        });
    }
    let future = regressors
        .future
        .slice(ndarray::s![..horizon, ..])
        .to_owned();
    let regressors = Regressors {
        future,
        ..regressors.clone()
    };
    let xreg = Some(regressors.history.view());
    let outcome = match choice {
        ModelChoice::Auto | ModelChoice::AutoArima => AutoArima::new(season_length)?
            .fit_with_regressors(y, xreg)
            .and_then(|f| from_arima_with(&f, horizon, levels, Some(&regressors))),
        ModelChoice::Arima(spec) => {
            return Arima::new(spec)
                .fit_with_regressors(y, xreg)
                .and_then(|f| from_arima_with(&f, horizon, levels, Some(&regressors)));
        }
        other => {
            return Err(ForecastError::InvalidParameter {
                parameter: "model",
                message: format!(
                    "{other} takes no regressors; use auto, arima or an ARIMA order such as \
                     (1,1,1)"
                ),
            });
        }
    };
    match outcome {
        Ok(result) => Ok(result),
        Err(err @ ForecastError::InvalidParameter { .. }) => Err(err),
        Err(err) => {
            let mut result = from_baseline(SeasonalNaive::naive(), y, horizon, levels)?;
            result.fallback = Some(err.to_string());
            Ok(result)
        }
    }
}

/// A fit without a likelihood (baseline, Theta, intermittent demand) as a [`SeriesForecast`].
fn from_fitted<P: PredictLevels>(
    fit: &P,
    parameters: Vec<(String, f64)>,
    horizon: usize,
    levels: &[f64],
) -> Result<SeriesForecast, ForecastError> {
    Ok(SeriesForecast {
        model: fit.model_name(),
        parameters: parameters
            .into_iter()
            .map(|(name, value)| Parameter { name, value })
            .collect(),
        loglik: None,
        aic: None,
        aicc: None,
        bic: None,
        fitted: fit.fitted_values(),
        forecast: finite_forecast(fit.predict_levels(horizon, levels)?)?,
        fallback: None,
    })
}

fn theta(
    model: Theta,
    y: &[f64],
    horizon: usize,
    levels: &[f64],
) -> Result<SeriesForecast, ForecastError> {
    let fit = model.fit(y)?;
    let parameters = vec![
        ("alpha".to_string(), fit.alpha),
        ("theta".to_string(), fit.theta),
        ("l0".to_string(), fit.initial),
        ("sigma2".to_string(), fit.sigma2),
    ];
    from_fitted(&fit, parameters, horizon, levels)
}

fn from_baseline(
    model: SeasonalNaive,
    y: &[f64],
    horizon: usize,
    levels: &[f64],
) -> Result<SeriesForecast, ForecastError> {
    let fit = model.fit(y)?;
    from_fitted(
        &fit,
        vec![("sigma2".to_string(), fit.sigma2)],
        horizon,
        levels,
    )
}

/// Fits `choice` to `y` (season length `season_length`, 1 for none) and forecasts `horizon`
/// periods with intervals at `levels` (fractions: 0.8 and 0.95 for 80 % and 95 %), within
/// the default [`Limits`]: a horizon of at most [`crate::DEFAULT_MAX_HORIZON`] periods, values of magnitude at most
/// [`crate::MAX_ABS_VALUE`]. A forecast or bound that is not finite is an error
/// ([`ForecastError::NonFinite`]) when no automatic fallback gives a finite one.
///
/// # Errors
///
/// As [`forecast_series_with_limits`] with the default [`Limits`].
pub fn forecast_series(
    y: &[f64],
    choice: ModelChoice,
    season_length: usize,
    horizon: usize,
    levels: &[f64],
) -> Result<SeriesForecast, ForecastError> {
    forecast_series_with_limits(
        y,
        choice,
        season_length,
        horizon,
        levels,
        &Limits::default(),
    )
}

/// [`forecast_series`] within `limits` (a horizon of at most `limits.max_horizon`).
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `level` (outside (0, 1)), `horizon` (above
/// `limits.max_horizon`), `season_length` or `y` (a value that is not finite or too large);
/// the fitting errors of a model given explicitly (an ETS specification, an ARIMA order);
/// [`ForecastError::NonFinite`] when the forecast or a bound is not finite and no automatic
/// fallback gives a finite one.
pub fn forecast_series_with_limits(
    y: &[f64],
    choice: ModelChoice,
    season_length: usize,
    horizon: usize,
    levels: &[f64],
    limits: &Limits,
) -> Result<SeriesForecast, ForecastError> {
    crate::forecast::check_levels(levels)?;
    limits.check_horizon(horizon)?;
    if y.is_empty() {
        return Err(ForecastError::Undefined("the series is empty".into()));
    }
    crate::limits::check_magnitude(y)?;
    let fit = |y: &[f64], choice: ModelChoice, m: usize, h: usize, levels: &[f64]| {
        forecast_series_with_limits(y, choice, m, h, levels, limits)
    };
    let outcome = match choice {
        ModelChoice::Auto => crate::select::select(y, season_length, horizon, levels, &fit),
        ModelChoice::Ensemble => crate::select::ensemble(y, season_length, horizon, levels, &fit),
        ModelChoice::AutoEts => AutoEts::new(season_length)?
            .fit_all(y)
            .and_then(|f| from_ets(&f.best, horizon, levels)),
        ModelChoice::AutoArima => AutoArima::new(season_length)?
            .fit(y)
            .and_then(|f| from_arima(&f, horizon, levels)),
        ModelChoice::AutoArimaBoxCox => arima_on_box_cox_scale(y, season_length, horizon, levels),
        ModelChoice::Arima(spec) => {
            return Arima::new(spec)
                .fit_with_regressors(y, None)
                .and_then(|f| from_arima(&f, horizon, levels));
        }
        ModelChoice::Ets(spec) => {
            return Ets::new(spec, season_length)?
                .fit(y)
                .and_then(|f| from_ets(&f, horizon, levels));
        }
        ModelChoice::Naive => return from_baseline(SeasonalNaive::naive(), y, horizon, levels),
        // A history shorter than one season falls back to the naive forecast (and says so).
        ModelChoice::SeasonalNaive => {
            from_baseline(SeasonalNaive::new(season_length)?, y, horizon, levels)
        }
        ModelChoice::Theta(variant) => {
            theta(Theta::new(variant, season_length)?, y, horizon, levels)
        }
        ModelChoice::AutoTheta => theta(Theta::auto(season_length)?, y, horizon, levels),
        ModelChoice::Croston
        | ModelChoice::CrostonSba
        | ModelChoice::CrostonOptimized
        | ModelChoice::Tsb
        | ModelChoice::Adida
        | ModelChoice::Imapa => {
            let method = choice.intermittent().ok_or_else(|| {
                ForecastError::Undefined(format!("{choice} is not an intermittent model"))
            })?;
            Intermittent::new(method)?.fit(y).and_then(|fit| {
                let parameters = fit.parameters.clone();
                from_fitted(&fit, parameters, horizon, levels)
            })
        }
    };
    match outcome {
        Ok(result) => Ok(result),
        Err(ForecastError::InvalidParameter { parameter, message }) => {
            Err(ForecastError::InvalidParameter { parameter, message })
        }
        Err(err) => {
            let mut result = from_baseline(SeasonalNaive::naive(), y, horizon, levels)?;
            result.fallback = Some(err.to_string());
            if choice.floors_at_zero() && y.iter().all(|&v| v >= 0.0) {
                floor_at_zero(&mut result.forecast);
            }
            Ok(result)
        }
    }
}

/// Automatic ARIMA fitted to the Box–Cox transform of `y` (λ by Guerrero's method), its
/// forecasts, bounds and fitted values transformed back (the point forecast is then the
/// median on the original scale, as R's default `biasadj = FALSE`).
fn arima_on_box_cox_scale(
    y: &[f64],
    season_length: usize,
    horizon: usize,
    levels: &[f64],
) -> Result<SeriesForecast, ForecastError> {
    use crate::boxcox::{box_cox, guerrero_lambda, inv_box_cox};
    // Non-positive data or a short series: not an error in the parameters, so the caller
    // falls back to the naive forecast with the reason.
    let lambda = guerrero_lambda(y, season_length)
        .map_err(|err| ForecastError::Undefined(format!("Box–Cox: {err}")))?;
    let z: Vec<f64> = y.iter().map(|&v| box_cox(v, lambda)).collect();
    let fit = AutoArima::new(season_length)?.fit(&z)?;
    let mut result = from_arima(&fit, horizon, levels)?;
    let back = |values: &mut Vec<f64>| values.iter_mut().for_each(|v| *v = inv_box_cox(*v, lambda));
    back(&mut result.forecast.point);
    for interval in &mut result.forecast.intervals {
        back(&mut interval.lower);
        back(&mut interval.upper);
    }
    back(&mut result.fitted);
    result.model = format!("{} on the Box-Cox scale (lambda {lambda:.3})", result.model);
    result.forecast.model = result.model.clone();
    // The criteria are of the transformed series: not comparable with other models'.
    (result.loglik, result.aic, result.aicc, result.bic) = (None, None, None, None);
    result.parameters.push(Parameter {
        name: "lambda".into(),
        value: lambda,
    });
    Ok(result)
}

/// [`forecast_series`] over many series on `threads` threads (0 = all cores); results in
/// input order.
///
/// # Errors
///
/// One result per series, each as [`forecast_series`]: a series that fails does not stop
/// the others.
pub fn forecast_many(
    series: &[Vec<f64>],
    choice: ModelChoice,
    season_length: usize,
    horizon: usize,
    levels: &[f64],
    threads: usize,
) -> Vec<Result<SeriesForecast, ForecastError>> {
    forecast_many_with_limits(
        series,
        choice,
        season_length,
        horizon,
        levels,
        threads,
        &Limits::default(),
    )
}

/// [`forecast_many`] within `limits`.
///
/// # Errors
///
/// One result per series, each as [`forecast_series_with_limits`].
pub fn forecast_many_with_limits(
    series: &[Vec<f64>],
    choice: ModelChoice,
    season_length: usize,
    horizon: usize,
    levels: &[f64],
    threads: usize,
    limits: &Limits,
) -> Vec<Result<SeriesForecast, ForecastError>> {
    retail_ingest::parallel::map_in_order(series, threads, |values| {
        forecast_series_with_limits(values, choice, season_length, horizon, levels, limits)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Interval;

    #[test]
    fn floor_at_zero_raises_only_the_negative_values_and_counts_them() {
        let mut forecast = Forecast {
            model: "test".into(),
            point: vec![-1.5, 2.0, 0.0],
            intervals: vec![Interval {
                level: 0.8,
                lower: vec![-3.0, 1.0, -0.0],
                upper: vec![0.5, 3.0, 1.0],
            }],
        };
        assert_eq!(floor_at_zero(&mut forecast), 2);
        assert_eq!(forecast.point, [0.0, 2.0, 0.0]);
        assert_eq!(forecast.intervals[0].lower, [0.0, 1.0, 0.0]);
        assert_eq!(forecast.intervals[0].upper, [0.5, 3.0, 1.0]);
    }

    #[test]
    fn short_series_fall_back_to_naive_and_say_so() {
        let f = forecast_series(&[3.0, 5.0], ModelChoice::AutoEts, 1, 3, &[0.95]).unwrap();
        assert_eq!(f.model, "Naive");
        assert_eq!(f.forecast.point, vec![5.0; 3]);
        assert!(f.fallback.as_deref().unwrap().contains("2 observations"));
        // An explicit model is not replaced.
        assert!(
            forecast_series(
                &[3.0, 5.0],
                ModelChoice::Ets("ANN".parse().unwrap()),
                1,
                3,
                &[]
            )
            .is_err()
        );
        assert!(forecast_series(&[], ModelChoice::Auto, 1, 3, &[]).is_err());
        // Whatever `auto` makes of two values, the forecast is finite.
        let f = forecast_series(&[3.0, 5.0], ModelChoice::Auto, 1, 3, &[0.95]).unwrap();
        assert!(
            f.forecast
                .point
                .iter()
                .chain(&f.forecast.intervals[0].upper)
                .all(|v| v.is_finite())
        );
    }

    #[test]
    fn many_series_equal_one_at_a_time() {
        let series: Vec<Vec<f64>> = (0..7)
            .map(|k| {
                (0..30)
                    .map(|t| 10.0 + k as f64 + ((t * (k + 3)) % 7) as f64)
                    .collect()
            })
            .collect();
        let many = forecast_many(&series, ModelChoice::Auto, 1, 4, &[0.8], 2);
        for (y, result) in series.iter().zip(&many) {
            let one = forecast_series(y, ModelChoice::Auto, 1, 4, &[0.8]).unwrap();
            assert_eq!(result.as_ref().unwrap(), &one);
        }
    }
}
