#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod chart;
mod dashboard;
mod error;
pub mod filters;
pub mod format;
mod page;
#[cfg(feature = "server")]
pub mod server;
pub mod text;

pub use dashboard::{
    BundlesPanel, Dashboard, DashboardParams, ForecastPanel, ForecastedSeries, REPORT_MAX_ITEMSETS,
    currency_of_layouts,
};
pub use error::ReportError;
pub use filters::{DashboardFilters, FilterChoices, FilterName};
pub use page::{PageLinks, View, render, render_page};
