#![doc = include_str!("../README.md")]

pub mod accuracy;
pub mod ets;
pub mod forecast;
mod optim;

pub use ets::{Ets, EtsParams, EtsSpec, FittedEts};
pub use forecast::{Fit, Forecast, Interval, Predict};

/// Everything that can go wrong fitting, forecasting or scoring.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
}
