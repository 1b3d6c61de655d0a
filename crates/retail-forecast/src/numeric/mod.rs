//! The numerical building blocks that the models share: dense linear algebra
//! ([`linalg`]: one symmetric positive-definite solver, Gaussian elimination for the general
//! systems, least squares) and the optimisers, derivative-free ([`nelder_mead`], for ETS,
//! Theta and ARIMA's CSS) and quasi-Newton ([`bfgs`], R's `optim(method = "BFGS")` for
//! ARIMA's exact likelihood).

pub(crate) mod bfgs;
pub(crate) mod linalg;
pub(crate) mod nelder_mead;
