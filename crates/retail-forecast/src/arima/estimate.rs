//! Estimation as R's `stats::arima` does it: conditional sum of squares (CSS), exact
//! Gaussian maximum likelihood (ML) of the differenced series, or CSS start values refined
//! by ML (CSS-ML, the default).
//!
//! Regression coefficients (mean, drift, external regressors: "regression with ARIMA
//! errors") are concentrated out exactly: for given ARMA coefficients both criteria are
//! quadratic in them, so they are the (weighted) least-squares fit of the filtered series on
//! the filtered regressors. The optimiser therefore only sees the ARMA coefficients, and the
//! joint optimum is the same as R's joint search.
//!
//! Under ML the autoregressive blocks are optimised through R's `partrans` (PACF → AR by
//! Durbin–Levinson with tanh), so they stay stationary; moving-average roots inside the unit
//! circle are reflected afterwards (R's `maInvert`), which leaves the likelihood unchanged.

use super::Method;
use super::kalman::{StateSpace, filter};
use super::polynomial::{difference, expand, inverse_partrans, ma_invert, partrans, roots_outside};
use super::spec::ArimaSpec;
use crate::ForecastError;
use crate::numeric::bfgs::Bfgs;
use crate::numeric::linalg::least_squares;
use crate::numeric::nelder_mead::{Minimum, NelderMead};

/// A named regressor column on the original (undifferenced) scale.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Regressor {
    /// Column name, e.g. `intercept`, `drift`, `xreg1`, `S1-52`.
    pub name: String,
    /// One value per observation.
    pub values: Vec<f64>,
}

/// A series, its regressors and the model orders, with the differenced data precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    /// The orders.
    pub spec: ArimaSpec,
    /// The series.
    pub y: Vec<f64>,
    /// Regressor columns (undifferenced).
    pub regressors: Vec<Regressor>,
    /// `Δy`.
    w: Vec<f64>,
    /// `Δx` per regressor.
    wx: Vec<Vec<f64>>,
    /// Differenced observations CSS conditions on: `p + P·m`.
    ncond: usize,
}

/// CSS at given ARMA coefficients.
#[derive(Debug, Clone)]
pub(crate) struct CssFit {
    /// Regression coefficients.
    pub beta: Vec<f64>,
    /// Residual sum of squares.
    pub ssq: f64,
    /// Residuals counted.
    pub rows: usize,
}

/// The exact likelihood pieces at given ARMA coefficients.
#[derive(Debug, Clone)]
pub(crate) struct MlFit {
    /// Regression coefficients (generalised least squares).
    pub beta: Vec<f64>,
    /// `Σ vₜ² / Fₜ`.
    pub ssq: f64,
    /// Observations `n` (of the differenced series).
    pub rows: usize,
    /// `Σ ln Fₜ`.
    pub sumlog: f64,
}

impl MlFit {
    /// R's objective `½ (ln σ̂² + Σ ln Fₜ / n)` with `σ̂² = Σ vₜ²/Fₜ / n`.
    fn objective(&self) -> f64 {
        if !(self.ssq > 0.0 && self.ssq.is_finite()) {
            return f64::INFINITY;
        }
        let n = self.rows as f64;
        0.5 * ((self.ssq / n).ln() + self.sumlog / n)
    }

    /// The exact Gaussian log-likelihood with σ² concentrated out:
    /// `−½ (n ln(2π σ̂²) + Σ ln Fₜ + n)`.
    pub(crate) fn loglik(&self) -> f64 {
        let n = self.rows as f64;
        -0.5 * (n * (std::f64::consts::TAU * self.ssq / n).ln() + self.sumlog + n)
    }
}

/// Residuals of `w` under CSS (R's `ARIMA_CSS` on the differenced series): zero for the
/// first `ncond`, then `wₜ − Σ φⱼ wₜ₋ⱼ − Σ θⱼ eₜ₋ⱼ` with only residuals after `ncond` fed back.
pub(crate) fn css_residuals(w: &[f64], phi: &[f64], theta: &[f64], ncond: usize) -> Vec<f64> {
    let n = w.len();
    let mut e = vec![0.0; n];
    for l in ncond..n {
        let mut v = w[l];
        for (j, a) in phi.iter().enumerate() {
            v -= a * w[l - j - 1];
        }
        for (j, b) in theta.iter().take(l - ncond).enumerate() {
            v -= b * e[l - j - 1];
        }
        e[l] = v;
    }
    e
}

impl Problem {
    /// Sets up `y` (finite values, checked by the caller) with `regressors` under `spec`.
    pub(crate) fn new(
        y: &[f64],
        spec: ArimaSpec,
        regressors: Vec<Regressor>,
    ) -> Result<Problem, ForecastError> {
        spec.validate()?;
        let n = y.len();
        let nd = spec.n_diff();
        let free = spec.n_arma() + regressors.len();
        let needed = (nd + free).max(nd + spec.full_ar_order()) + 1;
        if n < needed {
            return Err(ForecastError::Undefined(format!(
                "{} with {} regression coefficient(s) needs at least {needed} observations; \
                 the series has {n}",
                spec.label(),
                regressors.len()
            )));
        }
        let (d, sd, m) = (spec.d, spec.seasonal_d, spec.season_length);
        let w = difference(y, d, sd, m);
        let wx: Vec<Vec<f64>> = regressors
            .iter()
            .map(|r| difference(&r.values, d, sd, m))
            .collect();
        for (r, dx) in regressors.iter().zip(&wx) {
            if dx.iter().all(|v| *v == 0.0) {
                return Err(ForecastError::Undefined(format!(
                    "regressor '{}' is zero after differencing (d = {d}, D = {sd}): it cannot be \
                     estimated",
                    r.name
                )));
            }
        }
        Ok(Problem {
            spec,
            y: y.to_vec(),
            regressors,
            w,
            wx,
            ncond: spec.full_ar_order(),
        })
    }

    /// Observations of the differenced series.
    pub(crate) fn n_used(&self) -> usize {
        self.w.len()
    }

    /// Number of estimated coefficients (ARMA and regression).
    pub(crate) fn n_coef(&self) -> usize {
        self.spec.n_arma() + self.regressors.len()
    }

    /// The differenced series minus the differenced regression: the ARMA part.
    pub(crate) fn arma_series(&self, beta: &[f64]) -> Vec<f64> {
        let mut out = self.w.clone();
        for (col, b) in self.wx.iter().zip(beta) {
            for (o, x) in out.iter_mut().zip(col) {
                *o -= b * x;
            }
        }
        out
    }

    /// The series minus the regression, undifferenced.
    pub(crate) fn regression_errors(&self, beta: &[f64]) -> Vec<f64> {
        let mut out = self.y.clone();
        for (r, b) in self.regressors.iter().zip(beta) {
            for (o, x) in out.iter_mut().zip(&r.values) {
                *o -= b * x;
            }
        }
        out
    }

    /// CSS residuals of the regression errors at `par` and `beta`, on the differenced scale.
    pub(crate) fn css_residuals_at(&self, par: &[f64], beta: &[f64]) -> Vec<f64> {
        let (phi, theta) = expand(&self.spec, par);
        css_residuals(&self.arma_series(beta), &phi, &theta, self.ncond)
    }

    /// CSS with the regression coefficients concentrated out.
    pub(crate) fn css(&self, par: &[f64]) -> Option<CssFit> {
        let (phi, theta) = expand(&self.spec, par);
        let ey = css_residuals(&self.w, &phi, &theta, self.ncond);
        let ex: Vec<Vec<f64>> = self
            .wx
            .iter()
            .map(|c| css_residuals(c, &phi, &theta, self.ncond))
            .collect();
        let fit = least_squares(&ey, &ex, None, self.ncond)?;
        (fit.rows > 0 && fit.ssq.is_finite()).then_some(CssFit {
            beta: fit.beta,
            ssq: fit.ssq,
            rows: fit.rows,
        })
    }

    /// The exact likelihood with the regression coefficients concentrated out (generalised
    /// least squares through the same Kalman filter).
    pub(crate) fn ml(&self, par: &[f64]) -> Option<MlFit> {
        let (phi, theta) = expand(&self.spec, par);
        let model = StateSpace::new(phi, theta, Vec::new());
        let mut series: Vec<&[f64]> = Vec::with_capacity(1 + self.wx.len());
        series.push(&self.w);
        series.extend(self.wx.iter().map(Vec::as_slice));
        let out = filter(&model, &series)?;
        let (ey, ex) = out.innovations.split_first()?;
        let fit = least_squares(ey, ex, Some(out.gains.as_slice()), 0)?;
        let sumlog = out.gains.iter().map(|g| g.ln()).sum();
        Some(MlFit {
            beta: fit.beta,
            ssq: fit.ssq,
            rows: fit.rows,
            sumlog,
        })
    }

    /// The exact likelihood at fixed ARMA and regression coefficients.
    pub(crate) fn ml_fixed(&self, par: &[f64], beta: &[f64]) -> Option<MlFit> {
        let (phi, theta) = expand(&self.spec, par);
        let model = StateSpace::new(phi, theta, Vec::new());
        let series = self.arma_series(beta);
        let out = filter(&model, &[series.as_slice()])?;
        let ssq = out.innovations[0]
            .iter()
            .zip(&out.gains)
            .map(|(v, f)| v * v / f)
            .sum();
        Some(MlFit {
            beta: beta.to_vec(),
            ssq,
            rows: series.len(),
            sumlog: out.gains.iter().map(|g| g.ln()).sum(),
        })
    }

    fn ar_blocks(&self) -> [(usize, usize); 2] {
        let s = &self.spec;
        [(0, s.p), (s.p + s.q, s.p + s.q + s.seasonal_p)]
    }

    fn ma_blocks(&self) -> [(usize, usize); 2] {
        let s = &self.spec;
        let sar_end = s.p + s.q + s.seasonal_p;
        [(s.p, s.p + s.q), (sar_end, sar_end + s.seasonal_q)]
    }

    /// Optimiser coordinates → coefficients (`partrans` on each AR block).
    fn untransform(&self, x: &[f64]) -> Vec<f64> {
        let mut par = x.to_vec();
        for (lo, hi) in self.ar_blocks() {
            if hi > lo {
                par[lo..hi].copy_from_slice(&partrans(&x[lo..hi]));
            }
        }
        par
    }

    /// Coefficients → optimiser coordinates; `None` when an AR block is not stationary. MA
    /// blocks are made invertible on the way.
    fn transform(&self, par: &[f64]) -> Option<Vec<f64>> {
        let mut x = self.invert_ma(par);
        for (lo, hi) in self.ar_blocks() {
            if hi > lo {
                x[lo..hi].copy_from_slice(&inverse_partrans(&par[lo..hi])?);
            }
        }
        Some(x)
    }

    /// `par` with each MA block made invertible.
    fn invert_ma(&self, par: &[f64]) -> Vec<f64> {
        let mut out = par.to_vec();
        for (lo, hi) in self.ma_blocks() {
            if hi > lo {
                out[lo..hi].copy_from_slice(&ma_invert(&par[lo..hi]));
            }
        }
        out
    }
}

/// Estimated coefficients and fit statistics.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Estimate {
    /// ARMA coefficients `[ar, ma, sar, sma]`.
    pub par: Vec<f64>,
    /// Regression coefficients.
    pub beta: Vec<f64>,
    /// Innovation variance: `Σ vₜ²/Fₜ / n` (ML, CSS-ML) or the CSS mean square.
    pub sigma2: f64,
    /// Log-likelihood: exact (ML, CSS-ML) or R's CSS value.
    pub loglik: f64,
    /// How the coefficients were obtained.
    pub method: Method,
    /// Coefficients estimated (fixed ones excluded).
    pub n_free: usize,
}

/// Nelder–Mead from `x` (with restarts): the fallback when BFGS meets a non-finite gradient.
fn polish(f: &mut dyn FnMut(&[f64]) -> f64, x: &[f64], max_evals: usize) -> Minimum {
    let nm = NelderMead {
        max_evals,
        ..NelderMead::default()
    };
    nm.minimize_restarting(f, x, &vec![1.0; x.len()], 3)
}

/// Estimates the coefficients of `problem`. With `strict` the failures that make R's
/// `arima` stop (a non-finite start or gradient, non-stationary CSS estimates under CSS-ML)
/// are errors; otherwise the fit carries on (Nelder–Mead, zero start values).
pub(crate) fn estimate(
    problem: &Problem,
    method: Method,
    strict: bool,
    max_evals: usize,
    restarts: usize,
) -> Result<Estimate, ForecastError> {
    let spec = problem.spec;
    let k = spec.n_arma();
    let failed = |what: &str| ForecastError::Undefined(format!("{}: {what}", spec.label()));
    let bfgs = Bfgs {
        max_evals,
        ..Bfgs::default()
    };

    // Conditional sum of squares: the estimate (CSS) or the start values (CSS-ML).
    let mut init = vec![0.0; k];
    if method != Method::Ml && k > 0 {
        let mut css_objective = |par: &[f64]| match problem.css(par) {
            Some(c) if c.ssq > 0.0 => 0.5 * (c.ssq / c.rows as f64).ln(),
            _ => f64::INFINITY,
        };
        let mut run = bfgs.minimize(&mut css_objective, &init);
        if run.failed {
            if strict || (method == Method::Css && !run.value.is_finite()) {
                return Err(failed("the conditional sum of squares cannot be minimised"));
            }
            if run.value.is_finite() {
                let better = polish(&mut css_objective, &run.x, max_evals);
                if better.value < run.value {
                    run.x = better.x;
                    run.value = better.value;
                }
                run.converged = true;
            }
        }
        if run.value.is_finite() && (run.converged || method == Method::Css) {
            init = run.x;
        }
    }
    if method == Method::Css {
        let css = problem
            .css(&init)
            .filter(|c| c.ssq > 0.0)
            .ok_or_else(|| failed("zero or undefined conditional sum of squares"))?;
        let sigma2 = css.ssq / css.rows as f64;
        let n = problem.n_used() as f64;
        return Ok(Estimate {
            par: init,
            beta: css.beta,
            sigma2,
            loglik: -0.5 * n * ((std::f64::consts::TAU * sigma2).ln() + 1.0),
            method,
            n_free: problem.n_coef(),
        });
    }
    if method == Method::CssMl {
        for (lo, hi) in problem.ar_blocks() {
            if hi > lo && !roots_outside(&init[lo..hi], 1.0) {
                if strict {
                    return Err(failed("non-stationary AR part from CSS"));
                }
                init[lo..hi].fill(0.0);
            }
        }
    }

    // Exact maximum likelihood in the transformed coordinates.
    let mut x = problem.transform(&init).unwrap_or_else(|| vec![0.0; k]);
    if k > 0 {
        let mut ml_objective = |z: &[f64]| {
            problem
                .ml(&problem.untransform(z))
                .map_or(f64::INFINITY, |f| f.objective())
        };
        let mut run = bfgs.minimize(&mut ml_objective, &x);
        if !run.value.is_finite() && x.iter().any(|v| *v != 0.0) {
            run = bfgs.minimize(&mut ml_objective, &vec![0.0; k]);
        }
        if !run.value.is_finite() {
            return Err(failed(
                "the likelihood cannot be evaluated (degenerate or non-stationary model)",
            ));
        }
        if run.failed {
            if strict {
                return Err(failed(
                    "non-finite finite-difference gradient of the likelihood",
                ));
            }
            let better = polish(&mut ml_objective, &run.x, max_evals);
            if better.value < run.value {
                run.x = better.x;
                run.value = better.value;
            }
        }
        // Further starts spread over the coefficient space: the likelihood of a model with
        // several AR and MA terms has more than one optimum, and the CSS start leads to a
        // lower one on AirPassengers' ARIMA(2,1,2) with drift (R and this crate without
        // restarts: −681.06; from other starts: −666.02, as statsmodels reaches).
        for start in 0..restarts {
            let x0 = restart_point(problem, start);
            let other = bfgs.minimize(&mut ml_objective, &x0);
            if other.value.is_finite() && other.value < run.value - 1e-8 {
                run = other;
            }
        }
        x = run.x;
    }
    let par = problem.invert_ma(&problem.untransform(&x));
    let fit = problem
        .ml(&par)
        .ok_or_else(|| failed("the likelihood cannot be evaluated at the estimates"))?;
    if !(fit.ssq > 0.0 && fit.ssq.is_finite()) {
        return Err(failed(
            "zero innovation variance: the model reproduces the series exactly",
        ));
    }
    Ok(Estimate {
        sigma2: fit.ssq / fit.rows as f64,
        loglik: fit.loglik(),
        par,
        beta: fit.beta,
        method,
        n_free: problem.n_coef(),
    })
}

/// The `index`-th restart of the likelihood search, in the optimiser's coordinates: a Halton
/// point (bases 2, 3, 5, … per coefficient, deterministic) mapped to partial
/// autocorrelations in (−0.96, 0.96) for AR coefficients (through `partrans`' tanh) and to
/// (−0.9, 0.9) for MA coefficients.
fn restart_point(problem: &Problem, index: usize) -> Vec<f64> {
    const PRIMES: [u64; 16] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];
    let k = problem.spec.n_arma();
    let ar: Vec<(usize, usize)> = problem.ar_blocks().to_vec();
    (0..k)
        .map(|j| {
            let u = radical_inverse(index as u64 + 1, PRIMES[j % PRIMES.len()]);
            if ar.iter().any(|&(lo, hi)| (lo..hi).contains(&j)) {
                2.0 * (2.0 * u - 1.0)
            } else {
                0.9 * (2.0 * u - 1.0)
            }
        })
        .collect()
}

/// The van der Corput radical inverse of `i` in `base`, in [0, 1).
fn radical_inverse(mut i: u64, base: u64) -> f64 {
    let (mut value, mut scale) = (0.0, 1.0);
    while i > 0 {
        scale /= base as f64;
        value += (i % base) as f64 * scale;
        i /= base;
    }
    value
}

/// The estimate at fixed coefficients (no optimisation); `n_free` counts none of them.
pub(crate) fn fixed(
    problem: &Problem,
    par: &[f64],
    beta: &[f64],
) -> Result<Estimate, ForecastError> {
    let fit = problem.ml_fixed(par, beta).ok_or_else(|| {
        ForecastError::Undefined(format!(
            "{}: the likelihood cannot be evaluated at the given coefficients",
            problem.spec.label()
        ))
    })?;
    Ok(Estimate {
        par: par.to_vec(),
        beta: beta.to_vec(),
        sigma2: fit.ssq / fit.rows as f64,
        loglik: fit.loglik(),
        method: Method::Ml,
        n_free: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_residuals_by_hand() {
        // AR(1) φ = 0.5 with MA(1) θ = 0.2 on w = [1, 2, 3, 4], conditioning on one value:
        // e₁ = 2 − 0.5 = 1.5, e₂ = 3 − 1 − 0.2·1.5 = 1.7, e₃ = 4 − 1.5 − 0.2·1.7 = 2.16.
        let e = css_residuals(&[1.0, 2.0, 3.0, 4.0], &[0.5], &[0.2], 1);
        let want = [0.0, 1.5, 1.7, 2.16];
        for (a, b) in e.iter().zip(want) {
            assert!((a - b).abs() < 1e-14, "{e:?}");
        }
    }

    #[test]
    fn the_mean_is_concentrated_out_exactly() {
        // White noise with a mean: the ML mean is the sample mean, σ̂² the mean square.
        let y = [3.0, 5.0, 4.0, 6.0, 2.0, 4.0];
        let spec = ArimaSpec::new(0, 0, 0);
        let problem = Problem::new(
            &y,
            spec,
            vec![Regressor {
                name: "intercept".into(),
                values: vec![1.0; 6],
            }],
        )
        .unwrap();
        let est = estimate(&problem, Method::CssMl, false, 1_000, 0).unwrap();
        assert!((est.beta[0] - 4.0).abs() < 1e-12);
        let ss: f64 = y.iter().map(|v| (v - 4.0) * (v - 4.0)).sum();
        assert!((est.sigma2 - ss / 6.0).abs() < 1e-12);
        let want = -3.0 * ((std::f64::consts::TAU * ss / 6.0).ln() + 1.0);
        assert!((est.loglik - want).abs() < 1e-10);
    }

    #[test]
    fn too_short_and_degenerate_regressors_are_errors() {
        let spec = ArimaSpec::new(2, 1, 1);
        assert!(matches!(
            Problem::new(&[1.0, 2.0, 3.0], spec, Vec::new()),
            Err(ForecastError::Undefined(_))
        ));
        let y: Vec<f64> = (0..20).map(|t| f64::from(t % 5)).collect();
        let constant = Regressor {
            name: "level".into(),
            values: vec![1.0; 20],
        };
        assert!(Problem::new(&y, ArimaSpec::new(0, 1, 1), vec![constant]).is_err());
    }
}
