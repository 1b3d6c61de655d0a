//! ARIMA and seasonal ARIMA models: fixed orders ([`Arima`]) and automatic order selection
//! ([`AutoArima`], Hyndman & Khandakar 2008), with forecasts and prediction intervals.
//!
//! Conventions follow R's `stats::arima` and `forecast::Arima` / `forecast::auto.arima`:
//! - the model is `φ(B)Φ(Bᵐ)(1 − B)ᵈ(1 − Bᵐ)ᴰ (yₜ − xₜ'β) = θ(B)Θ(Bᵐ)εₜ` (regression with
//!   ARIMA errors); the AR polynomial is `1 − φ₁B − …`, the MA polynomial `1 + θ₁B + …`;
//! - the likelihood is the exact Gaussian likelihood of the differenced series (`n = n_obs −
//!   d − D·m` terms), from a Kalman filter started at the stationary covariance, with σ²
//!   concentrated out: `loglik = −½ (n ln(2π σ̂²) + Σ ln Fₜ + n)`; this is R's value (R's
//!   diffuse prior on the differencing states converges to it) and statsmodels'
//!   `SARIMAX(..., simple_differencing=True)`;
//! - a constant is a mean (`intercept`) when `d + D = 0` and a drift (`drift`, the slope per
//!   period of a linear trend) when `d + D = 1`;
//! - `k` counts the estimated coefficients (ARMA, mean/drift, regressors); AIC =
//!   `−2 loglik + 2(k + 1)`, AICc = `AIC + 2(k + 1)(k + 2)/(n − k − 2)`, BIC =
//!   `AIC + (k + 1)(ln n − 2)`;
//! - `sigma2` is R `forecast`'s `Σ eₜ² / (n − k)` over the residuals, used by the
//!   intervals; `sigma2_mle` is the concentrated maximum-likelihood value;
//! - residuals are R's: one-step innovations scaled by `√Fₜ` (so each has variance σ²);
//!   the first `d + D·m` are 0 (the limit of R's diffuse prior), and fitted = y − residuals;
//! - forecasts are Kalman forecasts of the integrated model (R's `predict.Arima`).
//!
//! Estimation (see `estimate.rs`) is CSS for start values then exact ML by BFGS as R does,
//! with the regression coefficients concentrated out exactly.

mod auto;
mod estimate;
mod fourier;
mod kalman;
mod polynomial;
mod spec;
mod stl;
pub mod unit_root;

pub use auto::{Approximation, AutoArima};
pub use fourier::{FourierTerms, fourier};
pub use spec::ArimaSpec;

use ndarray::ArrayView2;
use serde::Serialize;

use crate::ForecastError;
use crate::forecast::{Fit, Forecast, PredictLevels, check_levels};
use estimate::{Estimate, Problem, Regressor};
use kalman::StateSpace;
use polynomial::{differencing_coefficients, expand};

/// How the coefficients are estimated (R's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[non_exhaustive]
pub enum Method {
    /// Conditional-sum-of-squares start values refined by exact maximum likelihood (R's
    /// default `"CSS-ML"`).
    #[default]
    CssMl,
    /// Exact maximum likelihood from zero start values (`"ML"`).
    Ml,
    /// Conditional sum of squares only (`"CSS"`); the information criteria are NaN, as R
    /// reports them.
    Css,
}

/// The deterministic term of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ConstantTerm {
    /// No constant.
    None,
    /// A mean (coefficient `intercept`); only when `d + D = 0`.
    Intercept,
    /// A linear trend whose slope per period is the coefficient `drift`; only when
    /// `d + D = 1`.
    Drift,
}

/// How to fit an ARIMA model of given orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Arima {
    spec: ArimaSpec,
    constant: Option<bool>,
    method: Method,
    max_evals: usize,
    restarts: usize,
}

/// Default cap on likelihood evaluations per optimiser run.
const DEFAULT_MAX_EVALS: usize = 5_000;

/// Default number of further starts of the likelihood search of a fixed-order fit.
pub const DEFAULT_RESTARTS: usize = 8;

/// Fails on empty input or non-finite values.
fn check_series(y: &[f64]) -> Result<(), ForecastError> {
    if y.is_empty() {
        return Err(ForecastError::Undefined("the series is empty".into()));
    }
    crate::forecast::check_finite(y, "y")?;
    Ok(())
}

/// The columns of `xreg` (one row per observation) as regressors `xreg1`, `xreg2`, …
fn user_regressors(
    xreg: Option<ArrayView2<'_, f64>>,
    n: usize,
    what: &'static str,
) -> Result<Vec<Regressor>, ForecastError> {
    let Some(x) = xreg else {
        return Ok(Vec::new());
    };
    if x.nrows() != n {
        return Err(ForecastError::LengthMismatch {
            what,
            left: x.nrows(),
            right: n,
        });
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ForecastError::InvalidParameter {
            parameter: what,
            message: "contains a value that is not a finite number".into(),
        });
    }
    Ok(x.columns()
        .into_iter()
        .enumerate()
        .map(|(j, c)| Regressor {
            name: format!("xreg{}", j + 1),
            values: c.to_vec(),
        })
        .collect())
}

/// The regressor column of a constant term for `n` observations (none for `None`).
fn constant_regressor(constant: ConstantTerm, n: usize) -> Option<Regressor> {
    match constant {
        ConstantTerm::None => None,
        ConstantTerm::Intercept => Some(Regressor {
            name: "intercept".into(),
            values: vec![1.0; n],
        }),
        ConstantTerm::Drift => Some(Regressor {
            name: "drift".into(),
            values: (1..=n).map(|t| t as f64).collect(),
        }),
    }
}

impl Arima {
    /// A model of `spec`, fitted by CSS-ML, with R's default constant (a mean when
    /// `d + D = 0`, nothing otherwise).
    pub fn new(spec: ArimaSpec) -> Arima {
        Arima {
            spec,
            constant: None,
            method: Method::CssMl,
            max_evals: DEFAULT_MAX_EVALS,
            restarts: DEFAULT_RESTARTS,
        }
    }

    /// Includes (`true`) or excludes a constant: a mean when `d + D = 0`, a drift when
    /// `d + D = 1` (R `forecast::Arima(include.constant = ...)`). With `d + D ≥ 2` a constant
    /// is an error at fit time (R drops it with a warning).
    pub fn with_constant(mut self, constant: bool) -> Arima {
        self.constant = Some(constant);
        self
    }

    /// The estimation method (default CSS-ML).
    pub fn with_method(mut self, method: Method) -> Arima {
        self.method = method;
        self
    }

    /// Largest number of objective evaluations per optimiser run (default 5,000; at least
    /// 10, which [`Arima::check`] verifies).
    pub fn with_max_evals(mut self, evals: usize) -> Arima {
        self.max_evals = evals;
        self
    }

    /// Further starts of the maximum-likelihood search after the one from the CSS estimates
    /// (default [`DEFAULT_RESTARTS`]; 0 is R's `arima`): deterministic points spread over the
    /// stationary AR and invertible MA region, the highest likelihood kept. A model with
    /// several AR and MA terms can have more than one optimum (AirPassengers' ARIMA(2,1,2)
    /// with drift: −681.06 from the CSS start, as R, and −666.02 from others). Only for
    /// CSS-ML and ML; each restart costs about one more fit.
    pub fn with_restarts(mut self, restarts: usize) -> Arima {
        self.restarts = restarts;
        self
    }

    /// Validates the parameters as a whole (fitting does this first).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `max_evals` (below 10) or the order
    /// (`season_length`, orders too large).
    pub fn check(&self) -> Result<(), ForecastError> {
        crate::numeric::nelder_mead::check_max_evals(self.max_evals)?;
        self.spec.validate()
    }

    /// The orders.
    pub fn spec(&self) -> ArimaSpec {
        self.spec
    }

    /// The constant term this model gets.
    fn constant_term(&self) -> Result<ConstantTerm, ForecastError> {
        let diffs = self.spec.d + self.spec.seasonal_d;
        match (self.constant, diffs) {
            (None, 0) | (Some(true), 0) => Ok(ConstantTerm::Intercept),
            (None, _) | (Some(false), _) => Ok(ConstantTerm::None),
            (Some(true), 1) => Ok(ConstantTerm::Drift),
            (Some(true), _) => Err(ForecastError::InvalidParameter {
                parameter: "constant",
                message: format!(
                    "{} has {diffs} differences; a constant (mean or drift) needs d + D ≤ 1",
                    self.spec.label()
                ),
            }),
        }
    }

    /// Fits to `y` (oldest first) with optional external regressors `xreg` (one row per
    /// observation, one column per regressor): regression with ARIMA errors.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `y` (a value that is not finite), `xreg` (a
    /// value that is not finite), `constant` (a constant with `d + D ≥ 2`), `max_evals` or an order ([`Arima::check`]);
    /// [`ForecastError::Undefined`] when the series is too short for the orders or the
    /// estimation fails (no innovation variance, a non-finite likelihood);
    /// [`ForecastError::LengthMismatch`] when `xreg` has not one row per value of `y`.
    pub fn fit_with_regressors(
        &self,
        y: &[f64],
        xreg: Option<ArrayView2<'_, f64>>,
    ) -> Result<FittedArima, ForecastError> {
        check_series(y)?;
        self.check()?;
        let constant = self.constant_term()?;
        let user = user_regressors(xreg, y.len(), "xreg")?;
        let n_user = user.len();
        let mut regressors: Vec<Regressor> =
            constant_regressor(constant, y.len()).into_iter().collect();
        regressors.extend(user);
        let problem = Problem::new(y, self.spec, regressors)?;
        let est = estimate::estimate(&problem, self.method, false, self.max_evals, self.restarts)?;
        FittedArima::build(problem, est, constant, n_user, None)
    }
}

/// What forecasting needs: the filtered state of the integrated model after the last
/// observation and the regression set-up.
#[derive(Debug, Clone, PartialEq)]
struct ForecastState {
    model: StateSpace,
    state: Vec<f64>,
    covariance: Vec<f64>,
    n: usize,
    beta: Vec<f64>,
    n_user: usize,
}

/// A fitted ARIMA model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedArima {
    /// The orders.
    pub spec: ArimaSpec,
    /// The deterministic term.
    pub constant: ConstantTerm,
    /// How it was estimated.
    pub method: Method,
    /// Coefficient names: `ar1…`, `ma1…`, `sar1…`, `sma1…`, then `intercept` or `drift`,
    /// then the regressors (`xreg1…`, Fourier terms `S1-52`, `C1-52`, …).
    pub coef_names: Vec<String>,
    /// Coefficient values, in the order of `coef_names`.
    pub coef: Vec<f64>,
    /// Innovation variance used by the intervals: `Σ eₜ² / (n − k)` (R `forecast`).
    pub sigma2: f64,
    /// Maximum-likelihood innovation variance `Σ vₜ²/Fₜ / n` (CSS mean square under CSS).
    pub sigma2_mle: f64,
    /// Log-likelihood (exact Gaussian; R's conditional value under CSS).
    pub loglik: f64,
    /// Akaike's information criterion (NaN under CSS).
    pub aic: f64,
    /// AIC corrected for small samples (NaN under CSS).
    pub aicc: f64,
    /// Bayesian information criterion (NaN under CSS).
    pub bic: f64,
    /// Parameters counted by the criteria: estimated coefficients plus one for σ².
    pub n_params: usize,
    /// Observations after differencing (`n − d − D·m`).
    pub n_used: usize,
    /// Fourier regressors added by [`AutoArima`] for a long season; forecasts extend them.
    pub fourier: Option<FourierTerms>,
    /// Residuals, one per observation (see the module documentation).
    pub residuals: Vec<f64>,
    /// Fitted values `y − residuals`.
    pub fitted: Vec<f64>,
    #[serde(skip)]
    state: ForecastState,
}

impl FittedArima {
    /// Assembles the fit: residuals, criteria and the forecasting state.
    fn build(
        problem: Problem,
        est: Estimate,
        constant: ConstantTerm,
        n_user: usize,
        fourier: Option<FourierTerms>,
    ) -> Result<FittedArima, ForecastError> {
        let spec = problem.spec;
        let n = problem.y.len();
        let nd = spec.n_diff();
        let (phi, theta) = expand(&spec, &est.par);
        let arma = StateSpace::new(phi.clone(), theta.clone(), Vec::new());
        let w = problem.arma_series(&est.beta);
        let filtered = kalman::filter(&arma, &[w.as_slice()]).ok_or_else(|| {
            ForecastError::Undefined(format!(
                "{}: the estimated AR part is not stationary, so the model cannot forecast \
                 (use Method::CssMl or Method::Ml)",
                spec.label()
            ))
        })?;

        let mut residuals = vec![0.0; n];
        if est.method == Method::Css {
            let e = problem.css_residuals_at(&est.par, &est.beta);
            residuals[nd..].copy_from_slice(&e);
        } else {
            for ((r, v), f) in residuals[nd..]
                .iter_mut()
                .zip(&filtered.innovations[0])
                .zip(&filtered.gains)
            {
                *r = v / f.sqrt();
            }
        }
        let fitted: Vec<f64> = problem
            .y
            .iter()
            .zip(&residuals)
            .map(|(y, e)| y - e)
            .collect();

        let n_params = est.n_free + 1;
        let k = n_params as f64;
        let n_star = (n - nd) as f64;
        let (aic, aicc, bic) = if est.method == Method::Css {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            let aic = -2.0 * est.loglik + 2.0 * k;
            let denominator = n_star - k - 1.0;
            let aicc = if denominator > 0.0 {
                aic + 2.0 * k * (k + 1.0) / denominator
            } else {
                f64::INFINITY
            };
            (aic, aicc, aic + k * (n_star.ln() - 2.0))
        };
        let dof = n_star - k + 1.0;
        let sum_squares: f64 = residuals.iter().map(|e| e * e).sum();
        let sigma2 = if dof > 0.0 {
            sum_squares / dof
        } else {
            est.sigma2
        };

        // The integrated state after the last observation: the filtered ARMA state and the
        // last d + D·m regression errors (known exactly).
        let errors = problem.regression_errors(&est.beta);
        let model = StateSpace::new(
            phi,
            theta,
            differencing_coefficients(spec.d, spec.seasonal_d, spec.season_length),
        );
        let dim = model.dim();
        let r = arma.arma_dim();
        let mut state = filtered.states[0].clone();
        state.extend((0..nd).map(|j| errors[n - 2 - j]));
        let mut covariance = vec![0.0; dim * dim];
        for i in 0..r {
            covariance[i * dim..i * dim + r]
                .copy_from_slice(&filtered.covariance[i * r..(i + 1) * r]);
        }

        let mut coef_names: Vec<String> = Vec::new();
        for (prefix, count) in [
            ("ar", spec.p),
            ("ma", spec.q),
            ("sar", spec.seasonal_p),
            ("sma", spec.seasonal_q),
        ] {
            coef_names.extend((1..=count).map(|i| format!("{prefix}{i}")));
        }
        coef_names.extend(problem.regressors.iter().map(|r| r.name.clone()));
        let mut coef = est.par.clone();
        coef.extend_from_slice(&est.beta);

        Ok(FittedArima {
            spec,
            constant,
            method: est.method,
            coef_names,
            coef,
            sigma2,
            sigma2_mle: est.sigma2,
            loglik: est.loglik,
            aic,
            aicc,
            bic,
            n_params,
            n_used: n - nd,
            fourier,
            residuals,
            fitted,
            state: ForecastState {
                model,
                state,
                covariance,
                n,
                beta: est.beta,
                n_user,
            },
        })
    }

    /// The coefficient called `name` (`ar1`, `sma1`, `intercept`, `drift`, `xreg2`, …).
    pub fn coefficient(&self, name: &str) -> Option<f64> {
        self.coef_names
            .iter()
            .position(|c| c == name)
            .map(|i| self.coef[i])
    }

    /// R's description, e.g. `ARIMA(0,1,1)(0,1,1)[12]`, `ARIMA(2,0,2) with non-zero mean`,
    /// `ARIMA(1,1,1) with drift`, `Regression with ARIMA(1,0,0) errors`.
    pub fn model_name(&self) -> String {
        let label = self.spec.label();
        if self.state.n_user > 0 {
            return format!("Regression with {label} errors");
        }
        let constant = match self.constant {
            ConstantTerm::Intercept => "non-zero mean",
            ConstantTerm::Drift => "drift",
            ConstantTerm::None => "",
        };
        match (self.fourier, constant) {
            (Some(f), "") => format!("{label} with Fourier(K={})[{}] terms", f.k, f.season_length),
            (Some(f), c) => format!(
                "{label} with Fourier(K={})[{}] terms and {c}",
                f.k, f.season_length
            ),
            (None, "") if self.spec.d + self.spec.seasonal_d == 0 => {
                format!("{label} with zero mean")
            }
            (None, "") => label,
            (None, c) => format!("{label} with {c}"),
        }
    }

    /// Forecasts `h` periods with normal prediction intervals at `levels` (fractions strictly
    /// between 0 and 1, such as 0.8 and 0.95). `future_xreg` holds the external regressors
    /// for the forecast periods (`h` rows), required exactly when the model was fitted with
    /// `xreg`; the mean, drift and Fourier terms are extended automatically.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `level` (outside (0, 1)) or `future_xreg`
    /// (given without regressors in the model, or missing when it has some);
    /// [`ForecastError::LengthMismatch`] when `future_xreg` has the wrong number of columns.
    pub fn forecast(
        &self,
        h: usize,
        levels: &[f64],
        future_xreg: Option<ArrayView2<'_, f64>>,
    ) -> Result<Forecast, ForecastError> {
        check_levels(levels)?;
        let st = &self.state;
        let mut regression = vec![0.0; h];
        let mut beta = st.beta.iter();
        if let Some(column) = constant_regressor(self.constant, st.n + h) {
            let b = beta.next().copied().unwrap_or(0.0);
            for (out, x) in regression.iter_mut().zip(&column.values[st.n..]) {
                *out += b * x;
            }
        }
        match (st.n_user, future_xreg) {
            (0, None) => {}
            (0, Some(x)) if x.ncols() == 0 => {}
            (0, Some(_)) => {
                return Err(ForecastError::InvalidParameter {
                    parameter: "future_xreg",
                    message: "the model has no external regressors".into(),
                });
            }
            (k, None) => {
                return Err(ForecastError::InvalidParameter {
                    parameter: "future_xreg",
                    message: format!(
                        "the model has {k} external regressor(s): give their values for the \
                         {h} forecast periods"
                    ),
                });
            }
            (k, Some(x)) => {
                if x.ncols() != k {
                    return Err(ForecastError::LengthMismatch {
                        what: "future_xreg columns",
                        left: x.ncols(),
                        right: k,
                    });
                }
                for column in user_regressors(Some(x), h, "future_xreg")? {
                    let b = beta.next().copied().unwrap_or(0.0);
                    for (out, v) in regression.iter_mut().zip(&column.values) {
                        *out += b * v;
                    }
                }
            }
        }
        if let Some(terms) = self.fourier {
            for column in fourier::fourier_regressors(h, terms.season_length, terms.k, st.n)? {
                let b = beta.next().copied().unwrap_or(0.0);
                for (out, v) in regression.iter_mut().zip(&column.values) {
                    *out += b * v;
                }
            }
        }
        let (means, variances) =
            kalman::forecast(&st.model, st.state.clone(), st.covariance.clone(), h);
        let point: Vec<f64> = means.iter().zip(&regression).map(|(m, x)| m + x).collect();
        let sd: Vec<f64> = variances
            .iter()
            .map(|v| (v.max(0.0) * self.sigma2).sqrt())
            .collect();
        let intervals = crate::forecast::normal_intervals(&point, &sd, levels);
        Ok(Forecast {
            model: self.model_name(),
            point,
            intervals,
        })
    }
}

impl Fit for Arima {
    type Fitted = FittedArima;
    type Error = ForecastError;

    fn fit(&self, y: &[f64]) -> Result<FittedArima, ForecastError> {
        self.fit_with_regressors(y, None)
    }
}

impl Fit for AutoArima {
    type Fitted = FittedArima;
    type Error = ForecastError;

    fn fit(&self, y: &[f64]) -> Result<FittedArima, ForecastError> {
        AutoArima::fit(self, y)
    }
}

impl PredictLevels for FittedArima {
    fn predict_levels(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        self.forecast(horizon, levels, None)
    }

    fn fitted_values(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn model_name(&self) -> String {
        FittedArima::model_name(self)
    }
}

crate::forecast::augurs_predict!(FittedArima);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ndarray::Array2;

    /// AirPassengers (Box & Jenkins), 1949-01 … 1960-12.
    pub(crate) const AIR_PASSENGERS: [f64; 144] = [
        112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0, 118.0, 115.0,
        126.0, 141.0, 135.0, 125.0, 149.0, 170.0, 170.0, 158.0, 133.0, 114.0, 140.0, 145.0, 150.0,
        178.0, 163.0, 172.0, 178.0, 199.0, 199.0, 184.0, 162.0, 146.0, 166.0, 171.0, 180.0, 193.0,
        181.0, 183.0, 218.0, 230.0, 242.0, 209.0, 191.0, 172.0, 194.0, 196.0, 196.0, 236.0, 235.0,
        229.0, 243.0, 264.0, 272.0, 237.0, 211.0, 180.0, 201.0, 204.0, 188.0, 235.0, 227.0, 234.0,
        264.0, 302.0, 293.0, 259.0, 229.0, 203.0, 229.0, 242.0, 233.0, 267.0, 269.0, 270.0, 315.0,
        364.0, 347.0, 312.0, 274.0, 237.0, 278.0, 284.0, 277.0, 317.0, 313.0, 318.0, 374.0, 413.0,
        405.0, 355.0, 306.0, 271.0, 306.0, 315.0, 301.0, 356.0, 348.0, 355.0, 422.0, 465.0, 467.0,
        404.0, 347.0, 305.0, 336.0, 340.0, 318.0, 362.0, 348.0, 363.0, 435.0, 491.0, 505.0, 404.0,
        359.0, 310.0, 337.0, 360.0, 342.0, 406.0, 396.0, 420.0, 472.0, 548.0, 559.0, 463.0, 407.0,
        362.0, 405.0, 417.0, 391.0, 419.0, 461.0, 472.0, 535.0, 622.0, 606.0, 508.0, 461.0, 390.0,
        432.0,
    ];

    fn log_air() -> Vec<f64> {
        AIR_PASSENGERS.iter().map(|v| v.ln()).collect()
    }

    #[test]
    fn airline_model_matches_r_and_statsmodels() {
        // R arima(log(AirPassengers), c(0,1,1), seasonal = c(0,1,1)): ma1 −0.4018,
        // sma1 −0.5569, loglik 244.7; statsmodels 0.15 SARIMAX(..., simple_differencing=True):
        // ma.L1 −0.40181, ma.S.L12 −0.55695, llf 244.69648 over 131 observations. Our
        // concentrated optimum: −0.401823, −0.556937, loglik 244.6964868 (the numpy prototype).
        let spec: ArimaSpec = "(0,1,1)(0,1,1)12".parse().unwrap();
        let fit = Arima::new(spec)
            .fit_with_regressors(&log_air(), None)
            .unwrap();
        assert_eq!(fit.n_used, 131);
        assert_eq!(fit.coef_names, ["ma1", "sma1"]);
        let ma1 = fit.coefficient("ma1").unwrap();
        let sma1 = fit.coefficient("sma1").unwrap();
        assert!((ma1 + 0.40181).abs() < 2e-4, "{ma1}");
        assert!((sma1 + 0.55695).abs() < 2e-4, "{sma1}");
        assert!((fit.loglik - 244.6965).abs() < 1e-3, "{}", fit.loglik);
        assert!(fit.loglik >= 244.696484 - 1e-6, "{}", fit.loglik);
        // Criteria with k + 1 = 3 parameters and n = 131.
        assert!((fit.aic - (-2.0 * fit.loglik + 6.0)).abs() < 1e-9);
        assert!((fit.aicc - (fit.aic + 24.0 / 127.0)).abs() < 1e-9);
        assert!((fit.bic - (fit.aic + 3.0 * (131f64.ln() - 2.0))).abs() < 1e-9);
        assert!(
            (fit.sigma2_mle - 0.0013481).abs() < 2e-6,
            "{}",
            fit.sigma2_mle
        );
        assert_eq!(fit.residuals.len(), 144);
        assert!(fit.residuals[..13].iter().all(|e| *e == 0.0));
        assert_eq!(fit.model_name(), "ARIMA(0,1,1)(0,1,1)[12]");

        let fc = fit.forecast(24, &[0.8, 0.95], None).unwrap();
        assert_eq!(fc.point.len(), 24);
        // The one-step interval half-width is z·σ (F = 1 in the steady state).
        let half = fc.intervals[1].upper[0] - fc.point[0];
        assert!(
            (half - 1.959964 * fit.sigma2.sqrt()).abs() < 1e-4 * half,
            "{half}"
        );
        // Point forecasts continue the seasonal pattern: the July peak beats November.
        assert!(fc.point[6] > fc.point[10]);
        assert!(
            fc.intervals
                .iter()
                .all(|i| i.lower.iter().zip(&fc.point).all(|(l, p)| l < p))
        );
    }

    #[test]
    fn restarts_reach_the_higher_optimum_of_arima_212_with_drift() {
        // R 4.2.2, forecast 8.20: Arima(AirPassengers, order = c(2,1,2), include.drift = TRUE)
        // stops at loglik −681.0576 (ar 0.3758, 0.1040; ma −0.2343, −0.7656; drift 2.6537).
        // The same call with init = random starts (set.seed(1); 40 starts, ar and ma uniform
        // in ±0.5 and ±0.9) reaches −666.02 from 14 of them: ar 1.6477, −0.9094; ma −1.9101,
        // 1.0000 (MA roots on the unit circle); drift 2.5311; statsmodels reaches it too.
        let spec: ArimaSpec = "(2,1,2)".parse().unwrap();
        let model = Arima::new(spec).with_constant(true);
        let single = model
            .clone()
            .with_restarts(0)
            .fit_with_regressors(&AIR_PASSENGERS, None)
            .unwrap();
        assert!((single.loglik + 681.0576).abs() < 0.01, "{}", single.loglik);
        let fit = model.fit_with_regressors(&AIR_PASSENGERS, None).unwrap();
        assert!(fit.loglik > -666.03, "{}", fit.loglik);
        assert!((fit.coefficient("ar1").unwrap() - 1.6477).abs() < 0.01);
        assert!((fit.coefficient("ar2").unwrap() + 0.9094).abs() < 0.01);
        assert!((fit.coefficient("drift").unwrap() - 2.5311).abs() < 0.05);
        assert!(
            fit.forecast(24, &[0.8], None)
                .unwrap()
                .point
                .iter()
                .all(|v| v.is_finite())
        );
    }

    #[test]
    fn ar2_with_mean_on_log_lynx_has_the_reference_likelihood() {
        // statsforecast / statsmodels ARIMA: ar1 1.3776, ar2 −0.73988, mean 6.6863,
        // loglik −88.5750 (tests/reference/reference.json, case ar2_const_log_lynx).
        let lynx = [
            269.0, 321.0, 585.0, 871.0, 1475.0, 2821.0, 3928.0, 5943.0, 4950.0, 2577.0, 523.0,
            98.0, 184.0, 279.0, 409.0, 2285.0, 2685.0, 3409.0, 1824.0, 409.0, 151.0, 45.0, 68.0,
            213.0, 546.0, 1033.0, 2129.0, 2536.0, 957.0, 361.0, 377.0, 225.0, 360.0, 731.0, 1638.0,
            2725.0, 2871.0, 2119.0, 684.0, 299.0, 236.0, 245.0, 552.0, 1623.0, 3311.0, 6721.0,
            4254.0, 687.0, 255.0, 473.0, 358.0, 784.0, 1594.0, 1676.0, 2251.0, 1426.0, 756.0,
            299.0, 201.0, 229.0, 469.0, 736.0, 2042.0, 2811.0, 4431.0, 2511.0, 389.0, 73.0, 39.0,
            49.0, 59.0, 188.0, 377.0, 1292.0, 4031.0, 3495.0, 587.0, 105.0, 153.0, 387.0, 758.0,
            1307.0, 3465.0, 6991.0, 6313.0, 3794.0, 1836.0, 345.0, 382.0, 808.0, 1388.0, 2713.0,
            3800.0, 3091.0, 2985.0, 3790.0, 674.0, 81.0, 80.0, 108.0, 229.0, 399.0, 1132.0, 2432.0,
            3574.0, 2935.0, 1537.0, 529.0, 485.0, 662.0, 1000.0, 1590.0, 2657.0, 3396.0,
        ];
        let y: Vec<f64> = lynx.iter().map(|v: &f64| v.ln()).collect();
        let fit = Arima::new(ArimaSpec::new(2, 0, 0))
            .fit_with_regressors(&y, None)
            .unwrap();
        assert_eq!(fit.constant, ConstantTerm::Intercept);
        assert!((fit.coefficient("ar1").unwrap() - 1.3776).abs() < 1e-3);
        assert!((fit.coefficient("ar2").unwrap() + 0.73988).abs() < 1e-3);
        assert!((fit.coefficient("intercept").unwrap() - 6.6863).abs() < 1e-3);
        assert!((fit.loglik + 88.5750).abs() < 1e-3, "{}", fit.loglik);
        assert_eq!(fit.model_name(), "ARIMA(2,0,0) with non-zero mean");
        // The same mean given as an external regressor column: the same fit.
        let ones = Array2::from_elem((y.len(), 1), 1.0);
        let via_xreg = Arima::new(ArimaSpec::new(2, 0, 0))
            .with_constant(false)
            .fit_with_regressors(&y, Some(ones.view()))
            .unwrap();
        assert!((via_xreg.loglik - fit.loglik).abs() < 1e-6);
        assert!((via_xreg.coefficient("xreg1").unwrap() - 6.6863).abs() < 1e-3);
        let future = Array2::from_elem((3, 1), 1.0);
        let a = fit.forecast(3, &[], None).unwrap();
        let b = via_xreg.forecast(3, &[], Some(future.view())).unwrap();
        for (x, y) in a.point.iter().zip(&b.point) {
            assert!((x - y).abs() < 1e-3);
        }
        assert!(via_xreg.forecast(3, &[], None).is_err());
        assert!(matches!(
            via_xreg.forecast(4, &[], Some(future.view())),
            Err(ForecastError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn random_walk_with_drift_forecasts_by_hand() {
        let y = [10.0, 12.0, 11.0, 14.0, 15.0, 15.5, 18.0, 19.0, 18.5, 21.0];
        let fit = Arima::new(ArimaSpec::new(0, 1, 0))
            .with_constant(true)
            .fit_with_regressors(&y, None)
            .unwrap();
        // Drift = mean difference = (21 − 10)/9; residuals are the centred differences.
        let drift = 11.0 / 9.0;
        assert_eq!(fit.constant, ConstantTerm::Drift);
        assert!((fit.coefficient("drift").unwrap() - drift).abs() < 1e-10);
        let ss: f64 = y.windows(2).map(|w| (w[1] - w[0] - drift).powi(2)).sum();
        assert!(
            (fit.sigma2 - ss / 8.0).abs() < 1e-10,
            "{} {}",
            fit.sigma2,
            ss / 8.0
        );
        assert!((fit.sigma2_mle - ss / 9.0).abs() < 1e-10);
        let fc = fit.forecast(4, &[0.95], None).unwrap();
        for (h, p) in fc.point.iter().enumerate() {
            assert!(
                (p - (21.0 + drift * (h + 1) as f64)).abs() < 1e-9,
                "{:?}",
                fc.point
            );
        }
        let width: Vec<f64> = fc.intervals[0]
            .upper
            .iter()
            .zip(&fc.point)
            .map(|(u, p)| u - p)
            .collect();
        for (h, w) in width.iter().enumerate() {
            let want =
                crate::forecast::normal_quantile(0.975) * (fit.sigma2 * (h + 1) as f64).sqrt();
            assert!((w - want).abs() < 1e-9, "{width:?}");
        }
        assert_eq!(fit.model_name(), "ARIMA(0,1,0) with drift");
    }

    #[test]
    fn css_and_ml_methods_run() {
        let y = log_air();
        let spec: ArimaSpec = "(1,1,0)(0,1,1)[12]".parse().unwrap();
        let css = Arima::new(spec)
            .with_method(Method::Css)
            .fit_with_regressors(&y, None)
            .unwrap();
        assert!(css.aic.is_nan() && css.loglik.is_finite());
        let ml = Arima::new(spec)
            .with_method(Method::Ml)
            .fit_with_regressors(&y, None)
            .unwrap();
        let css_ml = Arima::new(spec).fit_with_regressors(&y, None).unwrap();
        assert!(
            (ml.loglik - css_ml.loglik).abs() < 1e-3,
            "{} {}",
            ml.loglik,
            css_ml.loglik
        );
        assert!(css.forecast(12, &[0.8], None).is_ok());
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let spec = ArimaSpec::new(1, 1, 1);
        let model = Arima::new(spec);
        assert!(matches!(
            model.fit_with_regressors(&[], None),
            Err(ForecastError::Undefined(_))
        ));
        assert!(matches!(
            model.fit_with_regressors(&[1.0, f64::NAN, 3.0], None),
            Err(ForecastError::InvalidParameter { parameter: "y", .. })
        ));
        assert!(matches!(
            model.fit_with_regressors(&[1.0, 2.0, 3.0], None),
            Err(ForecastError::Undefined(_))
        ));
        let y: Vec<f64> = (0..30).map(|t| f64::from(t).sin()).collect();
        let xreg = Array2::zeros((29, 1));
        assert!(matches!(
            model.fit_with_regressors(&y, Some(xreg.view())),
            Err(ForecastError::LengthMismatch { .. })
        ));
        assert!(matches!(
            Arima::new("(0,2,1)".parse().unwrap())
                .with_constant(true)
                .fit_with_regressors(&y, None),
            Err(ForecastError::InvalidParameter {
                parameter: "constant",
                ..
            })
        ));
        let fit = model.fit_with_regressors(&y, None).unwrap();
        assert!(fit.forecast(5, &[1.2], None).is_err());
        let err = Arima::new(spec)
            .with_max_evals(3)
            .fit_with_regressors(&y, None)
            .unwrap_err();
        assert!(
            matches!(
                err,
                ForecastError::InvalidParameter {
                    parameter: "max_evals",
                    ..
                }
            ),
            "{err}"
        );
        assert!(Arima::new(spec).with_max_evals(3).check().is_err());
        assert!(Arima::new(spec).check().is_ok());
        // A perfectly linear series has no innovation variance to estimate.
        let line: Vec<f64> = (0..20).map(|t| 1.0 + 2.0 * f64::from(t)).collect();
        assert!(
            Arima::new(ArimaSpec::new(0, 1, 0))
                .with_constant(true)
                .fit_with_regressors(&line, None)
                .is_err()
        );
    }

    #[test]
    fn trait_objects_work() {
        let fit = Fit::fit(&Arima::new(ArimaSpec::new(1, 0, 0)), &log_air()[..60]).unwrap();
        assert_eq!(PredictLevels::fitted_values(&fit).len(), 60);
        assert_eq!(
            PredictLevels::predict_levels(&fit, 3, &[0.9])
                .unwrap()
                .point
                .len(),
            3
        );
        assert_eq!(
            PredictLevels::model_name(&fit),
            "ARIMA(1,0,0) with non-zero mean"
        );
    }
}
