#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod accuracy;
pub mod arima;
pub mod auto_ets;
pub mod backtest;
pub mod baseline;
pub mod boxcox;
mod choice;
pub mod ets;
pub mod forecast;
pub mod intermittent;
pub mod job;
pub mod limits;
pub mod model;
mod numeric;
mod partition;
pub mod reconcile;
pub mod select;
pub mod series;
pub mod series_file;
mod simulate;
mod spacing;
pub mod synthetic;
pub mod theta;

pub use arima::{Approximation, Arima, ArimaSpec, AutoArima, FittedArima};
pub use auto_ets::{AutoEts, AutoEtsFit, Criterion, Damping};
pub use backtest::{Backtest, BacktestReport, ChoiceBacktest, Coverage, backtest_choice};
pub use baseline::{FittedNaive, SeasonalNaive};
pub use ets::{Ets, EtsParams, EtsSpec, FittedEts};
pub use forecast::{Fit, Forecast, Interval, Predict, PredictLevels};
pub use intermittent::{
    DemandClass, DemandProfile, FittedIntermittent, Intermittent, IntermittentMethod, classify,
};
pub use job::{ForecastParams, SeriesBacktest, SeriesOutcome};
pub use limits::{DEFAULT_MAX_HORIZON, DEFAULT_MAX_PERIODS, Limits, MAX_ABS_VALUE};
pub use model::{
    ModelChoice, Regressors, SeriesForecast, floor_at_zero, forecast_many,
    forecast_many_with_limits, forecast_series, forecast_series_with_limits,
    forecast_series_with_regressors, forecast_series_with_regressors_and_limits,
};
pub use reconcile::{CoherentForecast, Hierarchy, ReconciledBacktest, Reconciliation};
pub use series::{
    Frequency, GroupBy, Measure, SalesSeries, SeriesAccumulator, SeriesBuilder, SeriesSet,
    future_periods,
};
pub use series_file::{DatedSeries, Gaps, SeriesFile, read_series_csv};
pub use spacing::Irregularity;
pub use theta::{Decomposition, FittedTheta, Theta, ThetaVariant};

/// Everything that can go wrong fitting, forecasting or scoring.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ForecastError {
    /// A parameter is outside its valid range.
    #[error("invalid {parameter}: {message}")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Two series that must line up do not.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// Which series.
        what: &'static str,
        /// First length.
        left: usize,
        /// Second length.
        right: usize,
    },
    /// The data cannot give the requested quantity (empty, constant, too short, zeros).
    #[error("{0}")]
    Undefined(String),
    /// A fitted model's forecast or interval is not a finite number (the data's magnitude
    /// or spread overflows the model).
    #[error("{model}: {message}")]
    NonFinite {
        /// The model, e.g. `ETS(M,A,M)`.
        model: String,
        /// Which value at which step, and what to do.
        message: String,
    },
    /// A series file could not be read.
    #[error("{file}:{line}{}: {message}", column.map(|c| format!(":{c}")).unwrap_or_default())]
    Read {
        /// The file.
        file: String,
        /// 1-based line (0 when the file could not be opened).
        line: u64,
        /// 1-based column (field), when one is at fault.
        column: Option<usize>,
        /// What is wrong.
        message: String,
        /// The I/O error, when the file could not be read.
        #[source]
        source: Option<std::io::Error>,
    },
}
