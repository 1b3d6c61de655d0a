//! The crate's one error type.

use retail_bundles::BundlesError;
use retail_forecast::ForecastError;
use retail_metrics::MetricsError;

/// What can go wrong building or serving a dashboard.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A parameter is out of its range.
    #[error("invalid {parameter}: {message}")]
    InvalidParameter {
        /// The parameter's name.
        parameter: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// A filter of a dashboard request is unknown or malformed.
    #[error("invalid filter {name:?}: {message}")]
    InvalidFilter {
        /// The filter's name as given.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// No line is a completed sale: there is nothing to show.
    #[error("{name}: no completed sales lines: nothing to report")]
    NoSales {
        /// The data set.
        name: String,
    },
    /// The KPIs or the slice failed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// A weekly series could not be forecast.
    #[error("forecasting weekly sales of {series}: {source}")]
    Forecast {
        /// The series' key (`total`, a category, a country).
        series: String,
        /// The forecaster's error.
        #[source]
        source: ForecastError,
    },
    /// Building the weekly series failed.
    #[error(transparent)]
    Series(#[from] ForecastError),
    /// Mining the bundles failed.
    #[error(transparent)]
    Bundles(#[from] BundlesError),
    /// Building or writing an Arrow table failed (the CSV of forecasts, its output).
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// The server could not bind or serve.
    #[error("serving the dashboard on {addr}: {source}")]
    Serve {
        /// The address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
