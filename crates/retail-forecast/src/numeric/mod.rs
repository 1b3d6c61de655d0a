//! The numerical building blocks that the models share: dense linear algebra
//! ([`linalg`]: one symmetric positive-definite solver, Gaussian elimination for the general
//! systems, least squares) and the optimisers: derivative-free ([`nelder_mead`], for ETS,
//! Theta and ARIMA's CSS), quasi-Newton on finite differences ([`bfgs`], R's
//! `optim(method = "BFGS")` for ARIMA's exact likelihood) and limited-memory quasi-Newton
//! on an analytic gradient ([`lbfgs`], ETS's initial states with a long season).

pub(crate) mod bfgs;
pub(crate) mod lbfgs;
pub(crate) mod linalg;
pub(crate) mod nelder_mead;
