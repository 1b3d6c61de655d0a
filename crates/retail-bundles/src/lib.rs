#![doc = include_str!("../README.md")]

pub mod support;

pub use support::MinSupport;

/// Everything that can go wrong mining bundles.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BundlesError {
    /// A parameter is outside its valid range.
    #[error("invalid {parameter}: {message}")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// What is wrong and what would work.
        message: String,
    },
}
