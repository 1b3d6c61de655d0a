//! Forecasting keyed, dated series in one call: the series built from sales
//! ([`crate::SeriesSet`]) or read from a file ([`crate::SeriesFile`]), one model choice, and for each
//! series its forecast with intervals and the dates of the forecast periods.
//!
//! ```
//! use chrono::NaiveDate;
//! use retail_forecast::job::ForecastParams;
//! use retail_forecast::{Frequency, ModelChoice, SalesSeries};
//!
//! let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
//! let series = SalesSeries {
//!     key: "total".into(),
//!     periods: (0..6).map(|i| start + chrono::Days::new(7 * i)).collect(),
//!     values: vec![10.0, 12.0, 11.0, 13.0, 12.0, 14.0],
//!     name: None,
//! };
//! let params = ForecastParams::new(ModelChoice::Naive).with_horizon(2).with_levels(vec![0.8]);
//! params.check()?;
//! let outcomes = params.forecast(vec![series], Some(Frequency::Week), 52, None)?;
//! let forecast = outcomes[0].result.as_ref().unwrap();
//! assert_eq!(forecast.forecast.point, [14.0, 14.0]);
//! assert_eq!(outcomes[0].future[0], NaiveDate::from_ymd_opt(2024, 2, 12).unwrap());
//! # Ok::<(), retail_forecast::ForecastError>(())
//! ```

use chrono::NaiveDate;

use crate::ForecastError;
use crate::backtest::{ChoiceBacktest, backtest_choice};
use crate::limits::Limits;
use crate::model::{
    ModelChoice, Regressors, SeriesForecast, floor_at_zero, forecast_many_with_limits,
    forecast_series_with_regressors_and_limits,
};
use crate::series::{Frequency, SalesSeries, future_periods};

/// How to forecast a set of series: the model, the season length, the horizon, the interval
/// levels, the threads and the limits. Setters cannot fail; [`ForecastParams::check`] says
/// what is wrong before any work.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastParams {
    model: ModelChoice,
    season_length: Option<usize>,
    horizon: usize,
    levels: Vec<f64>,
    threads: usize,
    limits: Limits,
    floor_at_zero: bool,
}

impl ForecastParams {
    /// `model` over 12 periods with 80 % and 95 % intervals, the season length of the data,
    /// all cores, the default [`Limits`], forecasts as the model gives them.
    pub fn new(model: ModelChoice) -> ForecastParams {
        ForecastParams {
            model,
            season_length: None,
            horizon: 12,
            levels: vec![0.8, 0.95],
            threads: 0,
            limits: Limits::default(),
            floor_at_zero: false,
        }
    }

    /// Worker threads (0: all cores).
    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// The limits.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Periods to forecast.
    pub fn with_horizon(mut self, horizon: usize) -> ForecastParams {
        self.horizon = horizon;
        self
    }

    /// The season length, in place of the one the data implies (its frequency's, or the
    /// spacing of a file's dates).
    pub fn with_season_length(mut self, season_length: usize) -> ForecastParams {
        self.season_length = Some(season_length);
        self
    }

    /// Prediction interval levels as fractions (0.8 for 80 %).
    pub fn with_levels(mut self, levels: Vec<f64>) -> ForecastParams {
        self.levels = levels;
        self
    }

    /// Worker threads (0: all cores).
    pub fn with_threads(mut self, threads: usize) -> ForecastParams {
        self.threads = threads;
        self
    }

    /// The limits on the horizon and the data.
    pub fn with_limits(mut self, limits: Limits) -> ForecastParams {
        self.limits = limits;
        self
    }

    /// Floor every point and bound at zero for a series with no negative value (sales and
    /// units cannot go below zero; a model on the original scale can). The count of raised
    /// values is [`SeriesOutcome::floored`].
    pub fn with_floor_at_zero(mut self, floor: bool) -> ForecastParams {
        self.floor_at_zero = floor;
        self
    }

    /// The model.
    pub fn model(&self) -> ModelChoice {
        self.model
    }

    /// The horizon.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// The levels, as fractions.
    pub fn levels(&self) -> &[f64] {
        &self.levels
    }

    /// The season length set, or `implied` (the data's).
    pub fn season_length_or(&self, implied: usize) -> usize {
        self.season_length.unwrap_or(implied)
    }

    /// Checks every parameter.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `horizon` (0, or above the limit's
    /// `max_horizon`), `level` (not strictly between 0 and 1) or `season_length` (0).
    pub fn check(&self) -> Result<(), ForecastError> {
        if self.horizon == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "horizon",
                message: "must be at least 1".into(),
            });
        }
        self.limits.check_horizon(self.horizon)?;
        crate::forecast::check_levels(&self.levels)?;
        if self.season_length == Some(0) {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// Forecasts every series, on [`ForecastParams::with_threads`] threads, results in input
    /// order. The forecast periods step by `frequency`, or like each series' own dates
    /// without one ([`future_periods`]). `implied_season_length` is the data's season length
    /// (the frequency's, or a file's), used unless one was set. With `regressors` (a
    /// regression with ARIMA errors) there must be exactly one series.
    ///
    /// # Errors
    ///
    /// Parameters as [`ForecastParams::check`]; `regressors` with more than one series;
    /// `horizon` when the forecast periods run past the calendar. A series that cannot be
    /// fitted has its error in [`SeriesOutcome::result`] and does not stop the others.
    pub fn forecast(
        &self,
        series: Vec<SalesSeries>,
        frequency: Option<Frequency>,
        implied_season_length: usize,
        regressors: Option<&Regressors>,
    ) -> Result<Vec<SeriesOutcome>, ForecastError> {
        self.check()?;
        let season_length = self.season_length_or(implied_season_length);
        if season_length == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: "must be at least 1".into(),
            });
        }
        let results = match regressors {
            Some(regressors) => {
                let [one] = series.as_slice() else {
                    return Err(ForecastError::InvalidParameter {
                        parameter: "regressors",
                        message: format!(
                            "regressors go with one series; {} were given",
                            series.len()
                        ),
                    });
                };
                vec![forecast_series_with_regressors_and_limits(
                    &one.values,
                    self.model,
                    season_length,
                    self.horizon,
                    &self.levels,
                    regressors,
                    &self.limits,
                )]
            }
            None => {
                let values: Vec<Vec<f64>> = series.iter().map(|s| s.values.clone()).collect();
                forecast_many_with_limits(
                    &values,
                    self.model,
                    season_length,
                    self.horizon,
                    &self.levels,
                    self.threads,
                    &self.limits,
                )
            }
        };
        series
            .into_iter()
            .zip(results)
            .map(|(series, result)| {
                let future = future_periods(&series.periods, frequency, self.horizon)?;
                let mut floored = 0;
                let result = result.map(|mut result| {
                    if self.floor_at_zero && series.values.iter().all(|&v| v >= 0.0) {
                        floored = floor_at_zero(&mut result.forecast);
                    }
                    result
                });
                Ok(SeriesOutcome {
                    series,
                    result,
                    future,
                    floored,
                })
            })
            .collect()
    }

    /// Backtests every model of `choices` on every series (in parallel over the series):
    /// `folds` rolling origins, each forecasting [`ForecastParams::with_horizon`] periods with
    /// the intervals at the levels ([`crate::backtest_choice`]). The season length is as in
    /// [`ForecastParams::forecast`].
    ///
    /// # Errors
    ///
    /// Parameters as [`ForecastParams::check`]; `backtest` when `folds` is 0 or `choices` is
    /// empty. A series too short for the folds, or a model that cannot be fitted at an
    /// origin, has its error in [`SeriesBacktest::results`].
    pub fn backtest(
        &self,
        series: Vec<SalesSeries>,
        implied_season_length: usize,
        choices: &[ModelChoice],
        folds: usize,
    ) -> Result<Vec<SeriesBacktest>, ForecastError> {
        self.check()?;
        if folds == 0 || choices.is_empty() {
            return Err(ForecastError::InvalidParameter {
                parameter: "backtest",
                message: "needs at least one origin and one model".into(),
            });
        }
        let season_length = self.season_length_or(implied_season_length).max(1);
        let results = retail_ingest::parallel::map_in_order(&series, self.threads, |s| {
            choices
                .iter()
                .map(|&choice| {
                    backtest_choice(
                        &s.values,
                        choice,
                        season_length,
                        self.horizon,
                        folds,
                        &self.levels,
                        &self.limits,
                    )
                })
                .collect::<Vec<_>>()
        });
        Ok(series
            .into_iter()
            .zip(results)
            .map(|(series, results)| SeriesBacktest { series, results })
            .collect())
    }
}

/// One series' backtests, one per model choice ([`ForecastParams::backtest`]).
#[derive(Debug)]
pub struct SeriesBacktest {
    /// The series.
    pub series: SalesSeries,
    /// Per model choice, in the order given: its scores, or why it could not be scored.
    pub results: Vec<Result<ChoiceBacktest, ForecastError>>,
}

/// One series' forecast, or why it could not be made.
#[derive(Debug)]
pub struct SeriesOutcome {
    /// The series: its key, periods and values.
    pub series: SalesSeries,
    /// The fitted model with its forecast and intervals, or the error of its fit.
    pub result: Result<SeriesForecast, ForecastError>,
    /// The forecast periods, one per step of the horizon.
    pub future: Vec<NaiveDate>,
    /// How many points and bounds were raised to zero ([`ForecastParams::with_floor_at_zero`]).
    pub floored: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly(values: &[f64]) -> SalesSeries {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        SalesSeries {
            key: "k".into(),
            periods: (0..values.len() as u64)
                .map(|i| start + chrono::Days::new(7 * i))
                .collect(),
            values: values.to_vec(),
            name: None,
        }
    }

    #[test]
    fn check_names_the_parameter() {
        let name = |p: ForecastParams| match p.check() {
            Err(ForecastError::InvalidParameter { parameter, .. }) => parameter,
            other => panic!("{other:?}"),
        };
        let base = ForecastParams::new(ModelChoice::Naive);
        assert_eq!(name(base.clone().with_horizon(0)), "horizon");
        assert_eq!(
            name(
                base.clone()
                    .with_limits(Limits::default().with_max_horizon(3))
                    .with_horizon(4)
            ),
            "horizon"
        );
        assert_eq!(name(base.clone().with_levels(vec![80.0])), "level");
        assert_eq!(name(base.clone().with_season_length(0)), "season_length");
        assert!(base.check().is_ok());
    }

    #[test]
    fn naive_forecasts_step_by_the_frequency_and_floor_only_when_asked() {
        // Naive: the last value, 1, with 95 % bounds 1 ± 1.96·σ·√h, σ² the mean squared
        // step (about 11): the lower bounds are below zero.
        let series = weekly(&[5.0, 1.0, 4.0, 1.0]);
        let params = ForecastParams::new(ModelChoice::Naive)
            .with_horizon(2)
            .with_levels(vec![0.95]);
        let plain = params
            .forecast(vec![series.clone()], Some(Frequency::Week), 52, None)
            .unwrap();
        let lower = &plain[0].result.as_ref().unwrap().forecast.intervals[0].lower;
        assert!(lower.iter().all(|&v| v < 0.0), "{lower:?}");
        assert_eq!(plain[0].floored, 0);
        assert_eq!(
            plain[0].future,
            [
                NaiveDate::from_ymd_opt(2024, 1, 29).unwrap(),
                NaiveDate::from_ymd_opt(2024, 2, 5).unwrap()
            ]
        );
        let floored = params
            .with_floor_at_zero(true)
            .forecast(vec![series], Some(Frequency::Week), 52, None)
            .unwrap();
        let result = floored[0].result.as_ref().unwrap();
        assert_eq!(result.forecast.intervals[0].lower, [0.0, 0.0]);
        assert_eq!(result.forecast.point, [1.0, 1.0]);
        assert_eq!(floored[0].floored, 2);
    }

    #[test]
    fn one_series_failing_leaves_the_others() {
        let params = ForecastParams::new(ModelChoice::Naive).with_horizon(1);
        let outcomes = params
            .forecast(
                vec![
                    weekly(&[1.0, 2.0]),
                    weekly(&[1e300, 1.0]),
                    weekly(&[3.0, 4.0]),
                ],
                None,
                1,
                None,
            )
            .unwrap();
        assert_eq!(outcomes.len(), 3);
        assert_eq!(outcomes[0].result.as_ref().unwrap().forecast.point, [2.0]);
        assert!(outcomes[1].result.is_err());
        assert_eq!(outcomes[2].result.as_ref().unwrap().forecast.point, [4.0]);
        // Without a frequency, the dates step like the series' own (a week here).
        assert_eq!(
            outcomes[0].future,
            [NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()]
        );
    }
}
