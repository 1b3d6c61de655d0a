//! Exponential smoothing in the innovations state-space form of Hyndman, Koehler, Ord &
//! Snyder (2008): additive or multiplicative error; no, additive or damped trend; no,
//! additive or multiplicative season.
//!
//! Conventions follow R's `forecast::ets` (and statsforecast, its port):
//! - the state update is R's `etscalc` (`l_t = q + α(p − q)`, `b_t = φb + β(p − q)`,
//!   `s_t = s + γ(t − s)`, with `q = l + φb`, `p` the deseasonalised observation and `t` the
//!   detrended one); `β` is Hyndman's `β`, not `β* = β/α`;
//! - the log-likelihood drops the Gaussian constants: `−½ n ln SSE` for additive error,
//!   `−½ (n ln Σ eₜ² + 2 Σ ln|ŷₜ|)` with relative errors for multiplicative error;
//! - the parameter count `np` is the free smoothing parameters plus the free initial states
//!   (`l₀`, `b₀`, `m − 1` seasonal states; the m-th is fixed by the normalisation Σs = 0 or
//!   Σs = m) plus one for σ; AIC = −2 loglik + 2 np, AICc and BIC as in R;
//! - parameters stay in R's "usual" region: `1e-4 ≤ α ≤ 0.9999`, `1e-4 ≤ β ≤ α`,
//!   `1e-4 ≤ γ ≤ 1 − α`, `0.8 ≤ φ ≤ 0.98`.
//!
//! Fitting is maximum likelihood from several starting points. For the linear models
//! (additive error, trend and season) the initial states are concentrated out exactly by
//! least squares at every trial of the smoothing parameters, so the optimiser searches at
//! most four dimensions whatever the season length; the other models start from the linear
//! fit and R's heuristic initial states and refine everything by Nelder–Mead.
//!
//! The parts: `spec` (the model codes), `filter` (the recursion and the likelihood),
//! `layout` (the optimiser's coordinates), `initial` and `long_season` (initial states),
//! `fit` ([`Ets`]) and `fitted` ([`FittedEts`]: forecasts and simulation).

use serde::Serialize;

mod filter;
mod fit;
mod fitted;
mod initial;
mod layout;
mod long_season;
mod spec;

pub(crate) use fit::Effort;
pub use fit::Ets;
pub use fitted::FittedEts;
pub use spec::{ErrorKind, EtsSpec, SeasonKind, TrendKind};

/// Smoothing parameters and initial states, in R's layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtsParams {
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing (Hyndman's β).
    pub beta: Option<f64>,
    /// Seasonal smoothing.
    pub gamma: Option<f64>,
    /// Damping.
    pub phi: Option<f64>,
    /// Initial level `l₀`.
    pub level: f64,
    /// Initial slope `b₀`.
    pub slope: Option<f64>,
    /// Initial seasonal states `[s₀, s₋₁, …, s₋₍ₘ₋₁₎]` (most recent first; the first
    /// observation uses the last).
    pub seasonal: Vec<f64>,
}

/// The state after the last observation: what forecasts start from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtsState {
    /// Level.
    pub level: f64,
    /// Slope (0 without trend).
    pub slope: f64,
    /// Seasonal states, most recent first (empty without season).
    pub seasonal: Vec<f64>,
}
