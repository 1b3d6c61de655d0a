//! A fitted model ([`FittedEts`]): evaluation of given parameters, point forecasts, analytic
//! or simulated prediction intervals, and sample paths.

use ndarray::Array1;
use serde::Serialize;

use super::filter::{lik, run};
use super::layout::Layout;
use super::spec::{ErrorKind, EtsSpec, SeasonKind, TrendKind};
use super::{EtsParams, EtsState};
use crate::ForecastError;
use crate::forecast::Forecast;

/// A fitted ETS model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedEts {
    /// The specification.
    #[serde(serialize_with = "serialize_spec")]
    pub spec: EtsSpec,
    /// Season length.
    pub season_length: usize,
    /// Estimated parameters and initial states.
    pub params: EtsParams,
    /// Log-likelihood (R `forecast::ets` convention, Gaussian constants dropped).
    pub loglik: f64,
    /// Number of parameters counted by the criteria (including σ).
    pub n_params: usize,
    /// Akaike's information criterion.
    pub aic: f64,
    /// AIC corrected for small samples.
    pub aicc: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// Innovation variance: Σ e² / (n − np + 1), the free parameters excluding σ.
    pub sigma2: f64,
    /// In-sample one-step forecasts.
    #[serde(skip)]
    pub fitted: Array1<f64>,
    /// In-sample residuals `y − ŷ` (on the data's scale for both error types).
    #[serde(skip)]
    pub residuals: Array1<f64>,
    /// The state after the last observation.
    pub state: EtsState,
    /// Observations fitted.
    pub n: usize,
}

fn serialize_spec<S: serde::Serializer>(spec: &EtsSpec, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&spec.to_string())
}

impl FittedEts {
    /// Evaluates given parameters on `y` (no fitting): the likelihood, criteria, fitted
    /// values and final state.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `seasonal` when the number of seasonal
    /// states is not the season length; [`ForecastError::Undefined`] when the parameters give a
    /// zero forecast or divisor on `y`.
    pub fn from_params(
        spec: EtsSpec,
        season_length: usize,
        params: EtsParams,
        y: &[f64],
        _known: Option<f64>,
    ) -> Result<FittedEts, ForecastError> {
        let m = if spec.has_season() { season_length } else { 1 };
        if spec.has_season() && params.seasonal.len() != m {
            return Err(ForecastError::InvalidParameter {
                parameter: "seasonal",
                message: format!(
                    "{} initial seasonal states for season length {m}",
                    params.seasonal.len()
                ),
            });
        }
        let n = y.len();
        let mut fitted = vec![0.0; n];
        let pass = run(spec, m, &params, y, Some(&mut fitted)).ok_or_else(|| {
            ForecastError::Undefined(format!(
                "{spec}: the parameters give a zero forecast or divisor on this series"
            ))
        })?;
        let layout = Layout { spec, m };
        let free = layout.smoothing_len() + layout.state_len();
        let n_params = free + 1;
        let loglik = -0.5 * lik(spec, &pass, n);
        let aic = -2.0 * loglik + 2.0 * n_params as f64;
        let denominator = n as f64 - n_params as f64 - 1.0;
        let aicc = if denominator > 0.0 {
            aic + 2.0 * (n_params * (n_params + 1)) as f64 / denominator
        } else {
            f64::INFINITY
        };
        let bic = aic + n_params as f64 * ((n as f64).ln() - 2.0);
        let dof = (n as f64 - free as f64).max(1.0);
        let sigma2 = pass.sse / dof;
        let residuals: Vec<f64> = y.iter().zip(&fitted).map(|(a, f)| a - f).collect();
        Ok(FittedEts {
            spec,
            season_length,
            params,
            loglik,
            n_params,
            aic,
            aicc,
            bic,
            sigma2,
            fitted: Array1::from(fitted),
            residuals: Array1::from(residuals),
            state: pass.state,
            n,
        })
    }

    /// Point forecasts for `h` steps.
    pub fn point_forecast(&self, h: usize) -> Vec<f64> {
        let spec = self.spec;
        let m = self.state.seasonal.len();
        let phi = self.params.phi.unwrap_or(1.0);
        let mut out = Vec::with_capacity(h);
        let mut damp_sum = 0.0;
        let mut power = 1.0;
        for step in 1..=h {
            if spec.trend == TrendKind::Damped {
                power *= phi;
                damp_sum += power;
            } else {
                damp_sum = step as f64;
            }
            let q = if spec.has_trend() {
                self.state.level + damp_sum * self.state.slope
            } else {
                self.state.level
            };
            // Season for time n + step: s_{n+step−m·k}; most-recent-first index (m − step mod m) mod m.
            let value = if m > 0 {
                let s = self.state.seasonal[(m - 1) - ((step - 1) % m)];
                match spec.season {
                    SeasonKind::Multiplicative => q * s,
                    _ => q + s,
                }
            } else {
                q
            };
            out.push(value);
        }
        out
    }

    /// Forecasts with prediction intervals at `levels` (fractions, e.g. 0.8 and 0.95): analytic
    /// for the linear class, simulated otherwise (5,000 sample paths, fixed seed). The work
    /// and the output grow with `h`; [`crate::forecast_series`] bounds it (`max_horizon`).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `level` for a level outside (0, 1).
    pub fn forecast(&self, h: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        crate::forecast::check_levels(levels)?;
        let point = self.point_forecast(h);
        let intervals = if self.spec.is_linear() {
            let sd: Vec<f64> = self.linear_variances(h).iter().map(|v| v.sqrt()).collect();
            crate::forecast::normal_intervals(&point, &sd, levels)
        } else {
            // Step by step across the paths: memory O(paths), not O(paths × h).
            crate::simulate::simulated_intervals(self, h, levels, 5_000, 42)
        };
        Ok(Forecast {
            model: self.spec.to_string(),
            point,
            intervals,
        })
    }

    /// h-step forecast variances of the linear class: σ²(1 + Σ_{j<h} c_j²), with c_j the
    /// j-step impulse response of the state space.
    fn linear_variances(&self, h: usize) -> Vec<f64> {
        let alpha = self.params.alpha;
        let beta = self.params.beta.unwrap_or(0.0);
        let gamma = self.params.gamma.unwrap_or(0.0);
        let phi = self.params.phi.unwrap_or(1.0);
        let m = self.state.seasonal.len();
        let mut out = Vec::with_capacity(h);
        let mut acc = 1.0;
        let mut damp_sum = 0.0;
        let mut power = 1.0;
        for step in 1..=h {
            out.push(self.sigma2 * acc);
            // c_j for j = step: α + β Σ_{i=1..j} φ^i + γ [j mod m == 0].
            if self.spec.trend == TrendKind::Damped {
                power *= phi;
                damp_sum += power;
            } else {
                damp_sum = step as f64;
            }
            let mut c = alpha;
            if self.spec.has_trend() {
                c += beta * damp_sum;
            }
            if m > 0 && step % m == 0 {
                c += gamma;
            }
            acc += c * c;
        }
        out
    }

    /// Sample paths of the next `h` values with Gaussian innovations of variance σ². This
    /// holds `paths × h` values; [`FittedEts::forecast`] computes the same intervals without
    /// them (module `simulate`).
    pub fn simulate(&self, h: usize, paths: usize, seed: u64) -> Vec<Vec<f64>> {
        let spec = self.spec;
        let sigma = self.sigma2.sqrt();
        let mut rng = crate::forecast::Normal::new(seed);
        let alpha = self.params.alpha;
        let beta = self.params.beta.unwrap_or(0.0);
        let gamma = self.params.gamma.unwrap_or(0.0);
        let phi = self.params.phi.unwrap_or(1.0);
        let m = self.state.seasonal.len();
        (0..paths)
            .map(|_| {
                let (mut l, mut b) = (self.state.level, self.state.slope);
                // Ring of seasonal states, oldest used first.
                let mut seasons: std::collections::VecDeque<f64> =
                    self.state.seasonal.iter().rev().copied().collect();
                let mut path = Vec::with_capacity(h);
                for _ in 0..h {
                    let s_old = seasons.front().copied().unwrap_or(0.0);
                    let phib = phi * b;
                    let q = if spec.has_trend() { l + phib } else { l };
                    let yhat = match spec.season {
                        SeasonKind::None => q,
                        SeasonKind::Additive => q + s_old,
                        SeasonKind::Multiplicative => q * s_old,
                    };
                    let e = sigma * rng.sample();
                    let obs = match spec.error {
                        ErrorKind::Additive => yhat + e,
                        ErrorKind::Multiplicative => yhat * (1.0 + e),
                    };
                    path.push(obs);
                    let p_obs = match spec.season {
                        SeasonKind::None => obs,
                        SeasonKind::Additive => obs - s_old,
                        SeasonKind::Multiplicative => obs / s_old,
                    };
                    let l_new = q + alpha * (p_obs - q);
                    if spec.has_trend() {
                        b = phib + beta * (p_obs - q);
                    }
                    if m > 0 {
                        let detrended = match spec.season {
                            SeasonKind::Multiplicative => obs / q,
                            _ => obs - q,
                        };
                        seasons.pop_front();
                        seasons.push_back(s_old + gamma * (detrended - s_old));
                    }
                    l = l_new;
                }
                path
            })
            .collect()
    }
}
