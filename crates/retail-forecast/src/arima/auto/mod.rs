//! Automatic ARIMA order selection (Hyndman & Khandakar 2008) as R's
//! `forecast::auto.arima` does it with its defaults:
//! - `D` from the seasonal-strength heuristic (`nsdiffs`, only when there are more than two
//!   seasons of data), then `d` from repeated KPSS tests on the seasonally differenced
//!   series (`ndiffs`), both on the residuals of a regression on the external regressors;
//! - the stepwise search from `(2,d,2)(1,D,1)`, `(0,d,0)(0,D,0)`, `(1,d,0)(1,D,0)`,
//!   `(0,d,1)(0,D,1)` (and the null model without constant), moving `P`, `Q`, then `p`, `q`
//!   by ±1 (singly and jointly) and toggling the constant, at most 94 models; or, without
//!   `stepwise`, every model with `p + q + P + Q ≤ max_order`;
//! - a constant (mean or drift) is allowed when `d + D ≤ 1`; models with an AR or MA root
//!   within 1.01 of the unit circle are rejected; the criterion is AICc;
//! - for long series (`n > 150`) or seasons above 12 the search ranks models by CSS
//!   approximations (R's offset-corrected AIC) and refits the best by CSS-ML.
//!
//! Seasons longer than 24 (weekly data) are not searched as seasonal ARIMA: following
//! Hyndman's recommendation the season is modelled by `K` Fourier pairs as regressors of a
//! non-seasonal ARIMA, with `K = 1, …, min(m/2, 10)` tried and the smallest criterion kept;
//! `d` is chosen once, with the largest set of Fourier terms regressed out, so that every `K`
//! is compared on the same differenced data.

mod search;
#[cfg(test)]
mod tests;

use ndarray::ArrayView2;

use super::estimate::{self, Problem, Regressor};
use super::fourier::{FourierTerms, fourier_regressors};
use super::polynomial::difference;
use super::unit_root::{is_constant, ndiffs, nsdiffs};
use super::{
    ArimaSpec, ConstantTerm, DEFAULT_MAX_EVALS, FittedArima, Method, check_series,
    constant_regressor, user_regressors,
};
use crate::ForecastError;
use crate::auto_ets::Criterion;
use crate::numeric::linalg::least_squares;
use search::{Candidate, Limits, Order, Search, Target, constant_for};

/// Seasons longer than this are modelled by Fourier terms.
const FOURIER_PERIOD: usize = 24;
/// Level of the KPSS tests (R's `ndiffs` default).
const KPSS_ALPHA: f64 = 0.05;

/// Whether automatic ARIMA ranks the models by CSS approximations during its search
/// ([`AutoArima::with_approximation`]); the winner is refitted exactly either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Approximation {
    /// As R: for a series of more than 150 values or a season longer than 12 (the default).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never: exact likelihoods throughout.
    Never,
}

/// Automatic ARIMA: chooses the differences and the orders, then fits. A parameter type
/// whose setters cannot fail; [`AutoArima::check`] validates it, and fitting checks first.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoArima {
    season_length: usize,
    max_p: usize,
    max_q: usize,
    max_seasonal_p: usize,
    max_seasonal_q: usize,
    max_order: usize,
    max_d: usize,
    max_seasonal_d: usize,
    d: Option<usize>,
    seasonal_d: Option<usize>,
    stepwise: bool,
    approximation: Approximation,
    criterion: Criterion,
    allow_constant: bool,
    max_fourier_k: usize,
    max_evals: usize,
}

/// Residuals of `y` regressed on an intercept and the non-constant `columns` (what R's
/// `auto.arima` tests for differences when there are regressors).
fn regression_residuals(y: &[f64], columns: &[Regressor]) -> Result<Vec<f64>, ForecastError> {
    let n = y.len();
    let mut design: Vec<Vec<f64>> = vec![vec![1.0; n]];
    design.extend(
        columns
            .iter()
            .filter(|c| !is_constant(&c.values))
            .map(|c| c.values.clone()),
    );
    if design.len() == 1 {
        return Ok(y.to_vec());
    }
    let fit = least_squares(y, &design, None, 0)
        .filter(|f| f.rows > design.len())
        .ok_or_else(|| ForecastError::InvalidParameter {
            parameter: "xreg",
            message: "the regressors are collinear (rank deficient) or outnumber the \
                      observations"
                .into(),
        })?;
    Ok((0..n)
        .map(|t| {
            y[t] - design
                .iter()
                .zip(&fit.beta)
                .map(|(c, b)| c[t] * b)
                .sum::<f64>()
        })
        .collect())
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

impl AutoArima {
    /// Automatic ARIMA for season length `season_length` (1 for non-seasonal data) with R's
    /// defaults: `max_p = max_q = 5`, `max_P = max_Q = 2`, `max_order = 5`, `max_d = 2`,
    /// `max_D = 1`, stepwise, AICc, constants allowed, CSS approximation for long series.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `season_length` when it is 0.
    pub fn new(season_length: usize) -> Result<AutoArima, ForecastError> {
        if season_length == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: "must be at least 1 (1 for non-seasonal data)".into(),
            });
        }
        Ok(AutoArima {
            season_length,
            max_p: 5,
            max_q: 5,
            max_seasonal_p: 2,
            max_seasonal_q: 2,
            max_order: 5,
            max_d: 2,
            max_seasonal_d: 1,
            d: None,
            seasonal_d: None,
            stepwise: true,
            approximation: Approximation::Auto,
            criterion: Criterion::Aicc,
            allow_constant: true,
            max_fourier_k: 10,
            max_evals: DEFAULT_MAX_EVALS,
        })
    }

    /// Largest non-seasonal AR order (default 5).
    pub fn with_max_p(mut self, max_p: usize) -> AutoArima {
        self.max_p = max_p;
        self
    }

    /// Largest non-seasonal MA order (default 5).
    pub fn with_max_q(mut self, max_q: usize) -> AutoArima {
        self.max_q = max_q;
        self
    }

    /// Largest seasonal AR order (default 2).
    pub fn with_max_seasonal_p(mut self, max_seasonal_p: usize) -> AutoArima {
        self.max_seasonal_p = max_seasonal_p;
        self
    }

    /// Largest seasonal MA order (default 2).
    pub fn with_max_seasonal_q(mut self, max_seasonal_q: usize) -> AutoArima {
        self.max_seasonal_q = max_seasonal_q;
        self
    }

    /// Largest `p + q + P + Q` of the non-stepwise search (default 5; R ignores it when
    /// stepping).
    pub fn with_max_order(mut self, max_order: usize) -> AutoArima {
        self.max_order = max_order;
        self
    }

    /// Largest number of non-seasonal differences the KPSS tests may choose (default 2).
    pub fn with_max_d(mut self, max_d: usize) -> AutoArima {
        self.max_d = max_d;
        self
    }

    /// Largest number of seasonal differences (default 1).
    pub fn with_max_seasonal_d(mut self, max_seasonal_d: usize) -> AutoArima {
        self.max_seasonal_d = max_seasonal_d;
        self
    }

    /// Fixes `d` instead of testing for it (`None`, the default, tests).
    pub fn with_d(mut self, d: Option<usize>) -> AutoArima {
        self.d = d;
        self
    }

    /// Fixes `D` instead of testing for it (`None`, the default, tests).
    pub fn with_seasonal_d(mut self, seasonal_d: Option<usize>) -> AutoArima {
        self.seasonal_d = seasonal_d;
        self
    }

    /// Stepwise search (default) or every model up to `max_order`.
    pub fn with_stepwise(mut self, stepwise: bool) -> AutoArima {
        self.stepwise = stepwise;
        self
    }

    /// Whether the search ranks the models by CSS approximations (default
    /// [`Approximation::Auto`]: when `n > 150` or the season length exceeds 12, as R).
    pub fn with_approximation(mut self, approximation: Approximation) -> AutoArima {
        self.approximation = approximation;
        self
    }

    /// The selection criterion (default AICc).
    pub fn with_criterion(mut self, criterion: Criterion) -> AutoArima {
        self.criterion = criterion;
        self
    }

    /// Allows a mean (`d + D = 0`) or drift (`d + D = 1`) term (default true).
    pub fn with_constant(mut self, allow: bool) -> AutoArima {
        self.allow_constant = allow;
        self
    }

    /// Most Fourier pairs tried for a season longer than 24 (default 10); 0 searches such
    /// seasons as seasonal ARIMA instead (slow).
    pub fn with_max_fourier_k(mut self, max_k: usize) -> AutoArima {
        self.max_fourier_k = max_k;
        self
    }

    /// Largest number of objective evaluations per optimiser run (default 5,000; at least
    /// 10, which [`AutoArima::check`] verifies).
    pub fn with_max_evals(mut self, evals: usize) -> AutoArima {
        self.max_evals = evals;
        self
    }

    /// Validates the parameters as a whole (fitting does this first).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `max_evals` (below 10).
    pub fn check(&self) -> Result<(), ForecastError> {
        crate::numeric::nelder_mead::check_max_evals(self.max_evals).map(|_| ())
    }

    /// The season length.
    pub fn season_length(&self) -> usize {
        self.season_length
    }

    /// Chooses a model for `y` (oldest first) and fits it.
    ///
    /// # Errors
    ///
    /// As [`AutoArima::fit_with_regressors`].
    pub fn fit(&self, y: &[f64]) -> Result<FittedArima, ForecastError> {
        self.fit_with_regressors(y, None)
    }

    /// Chooses a regression-with-ARIMA-errors model for `y` with external regressors `xreg`
    /// (one row per observation); forecasts then need their future values.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `y` (a value that is not finite), `xreg` (a
    /// value that is not finite) or `max_evals` ([`AutoArima::check`]);
    /// [`ForecastError::LengthMismatch`] when `xreg` has not one row per value of `y`;
    /// [`ForecastError::Undefined`] when the series is too short or no candidate model can be
    /// fitted.
    pub fn fit_with_regressors(
        &self,
        y: &[f64],
        xreg: Option<ArrayView2<'_, f64>>,
    ) -> Result<FittedArima, ForecastError> {
        check_series(y)?;
        self.check()?;
        let user = user_regressors(xreg, y.len(), "xreg")?;
        // A long season seen fewer than twice cannot be told from noise: such a series is
        // searched without a seasonal part.
        let long_season = self.season_length > FOURIER_PERIOD;
        if long_season && y.len() >= 2 * self.season_length && self.max_fourier_k > 0 {
            return self.fit_fourier(y, &user);
        }
        let period = if long_season && y.len() < 2 * self.season_length {
            1
        } else {
            self.season_length
        };
        let target = Target {
            y,
            period,
            columns: &user,
            n_user: user.len(),
            fourier: None,
            approximation_period: self.season_length,
            d: None,
        };
        self.select(target).map(|(fit, _)| fit)
    }

    /// The Fourier route for a long season: a non-seasonal search per number of harmonics.
    fn fit_fourier(&self, y: &[f64], user: &[Regressor]) -> Result<FittedArima, ForecastError> {
        let (n, m) = (y.len(), self.season_length);
        let max_k = self.max_fourier_k.min(m / 2);
        let d = match self.d {
            Some(d) => d,
            None => {
                let mut all = user.to_vec();
                all.extend(fourier_regressors(n, m, max_k, 0)?);
                let residuals = regression_residuals(y, &all).unwrap_or_else(|_| y.to_vec());
                let mut d = ndiffs(&residuals, KPSS_ALPHA, self.max_d)?;
                if d > 0
                    && user
                        .iter()
                        .any(|c| is_constant(&difference(&c.values, d, 0, 1)))
                {
                    d -= 1;
                }
                d
            }
        };
        let non_seasonal = AutoArima {
            season_length: 1,
            max_seasonal_p: 0,
            max_seasonal_q: 0,
            seasonal_d: Some(0),
            ..self.clone()
        };
        let mut best: Option<(FittedArima, f64)> = None;
        let mut last_error = None;
        for k in 1..=max_k {
            let mut columns = user.to_vec();
            columns.extend(fourier_regressors(n, m, k, 0)?);
            let target = Target {
                y,
                period: 1,
                columns: &columns,
                n_user: user.len(),
                fourier: Some(FourierTerms {
                    season_length: m,
                    k,
                }),
                approximation_period: m,
                d: Some(d),
            };
            match non_seasonal.select(target) {
                Ok((fit, ic)) => {
                    if best.as_ref().is_none_or(|(_, b)| ic < *b) {
                        best = Some((fit, ic));
                    }
                }
                Err(e) => last_error = Some(e),
            }
        }
        best.map(|(fit, _)| fit).ok_or_else(|| {
            last_error.unwrap_or_else(|| {
                ForecastError::Undefined(format!(
                    "no Fourier terms fit a period of {m} on {n} observations"
                ))
            })
        })
    }

    /// Chooses the differences and the orders for one target and fits the winner; returns
    /// it with its criterion.
    fn select(&self, target: Target<'_>) -> Result<(FittedArima, f64), ForecastError> {
        let y = target.y;
        let n = y.len();
        let m = target.period;
        if is_constant(y) {
            return self.constant_series(target);
        }
        let approximation = match self.approximation {
            Approximation::Auto => n > 150 || target.approximation_period > 12,
            Approximation::Always => true,
            Approximation::Never => false,
        };
        let third = n / 3;
        let mut limits = Limits {
            p: self.max_p.min(third),
            q: self.max_q.min(third),
            sp: self.max_seasonal_p.min(third / m),
            sq: self.max_seasonal_q.min(third / m),
        };
        let criterion = if n <= 3 {
            Criterion::Aic
        } else {
            self.criterion
        };
        let tested = regression_residuals(y, target.columns)?;
        let columns_constant_after = |d: usize, sd: usize| {
            target
                .columns
                .iter()
                .any(|c| is_constant(&difference(&c.values, d, sd, m)))
        };
        let sd = if m == 1 {
            limits.sp = 0;
            limits.sq = 0;
            0
        } else if let Some(sd) = self.seasonal_d {
            sd
        } else if tested.len() <= m.saturating_mul(2) {
            0
        } else {
            let sd = nsdiffs(&tested, m, self.max_seasonal_d)?;
            if sd > 0 && columns_constant_after(0, sd) {
                sd - 1
            } else {
                sd
            }
        };
        let seasonally_differenced = difference(&tested, 0, sd, m);
        if seasonally_differenced.is_empty() {
            return Err(ForecastError::Undefined(format!(
                "{n} observations are not enough for {sd} seasonal difference(s) of period {m}"
            )));
        }
        let d = match target.d.or(self.d) {
            Some(d) => d,
            None => {
                let d = ndiffs(&seasonally_differenced, KPSS_ALPHA, self.max_d)?;
                if d > 0 && columns_constant_after(d, sd) {
                    d - 1
                } else {
                    d
                }
            }
        };
        let differenced = difference(&seasonally_differenced, d, 0, 1);
        if differenced.is_empty() {
            return Err(ForecastError::Undefined(format!(
                "{n} observations are not enough for {d} difference(s)"
            )));
        }
        if is_constant(&differenced) {
            return self.constant_differences(target, d, sd, &differenced);
        }
        if m > 1 {
            if limits.sp > 0 {
                limits.p = limits.p.min(m - 1);
            }
            if limits.sq > 0 {
                limits.q = limits.q.min(m - 1);
            }
        }
        let offset = if approximation {
            self.offset(target, d, sd)
        } else {
            0.0
        };
        let toggle = self.allow_constant && d + sd <= 1;
        let mut search = Search {
            target,
            d,
            sd,
            criterion,
            approximation,
            offset,
            max_evals: self.max_evals,
            results: Vec::new(),
            best: None,
        };
        if self.stepwise {
            // R's start (2,d,2)(1,D,1), or (1,d,1)(0,D,0) for fewer than 10 observations.
            let (regular, seasonal): (usize, usize) = if n < 10 { (1, 0) } else { (2, 1) };
            let start = Order {
                p: regular.min(limits.p),
                q: regular.min(limits.q),
                sp: seasonal.min(limits.sp),
                sq: seasonal.min(limits.sq),
                constant: toggle,
            };
            search.stepwise(limits, start, toggle);
            if approximation && search.best.is_some() {
                search.refit_ranked();
            }
        } else {
            search.exhaustive(limits, self.max_order, toggle);
            if approximation {
                let refit = search
                    .best
                    .as_ref()
                    .map(|best| (best.order, search.trial(best.order, false)));
                match refit {
                    Some((order, (ic, Some((problem, estimate))))) if ic.is_finite() => {
                        search.best = Some(Candidate {
                            order,
                            ic,
                            problem,
                            estimate,
                        });
                    }
                    Some(_) => {
                        // The approximate winner fails under ML: search again without the
                        // approximation (R).
                        search.approximation = false;
                        search.results.clear();
                        search.best = None;
                        search.exhaustive(limits, self.max_order, toggle);
                    }
                    None => {}
                }
            }
        }
        let best = search
            .best
            .ok_or_else(|| ForecastError::Undefined("no suitable ARIMA model found".into()))?;
        let constant = constant_for(best.order.constant, d + sd);
        let fit = FittedArima::build(
            best.problem,
            best.estimate,
            constant,
            target.n_user,
            target.fourier,
        )?;
        Ok((fit, best.ic))
    }

    /// R's offset for the approximate criteria: `−2 loglik − n ln σ̂²` of the model without
    /// ARMA terms (with a mean when undifferenced and the regressors), 0 when it fails.
    fn offset(&self, target: Target<'_>, d: usize, sd: usize) -> f64 {
        let spec = ArimaSpec {
            p: 0,
            d,
            q: 0,
            seasonal_p: 0,
            seasonal_d: sd,
            seasonal_q: 0,
            season_length: target.period,
        };
        let constant = constant_for(true, d + sd);
        let constant = if constant == ConstantTerm::Intercept {
            constant
        } else {
            ConstantTerm::None
        };
        let mut columns: Vec<Regressor> = constant_regressor(constant, target.y.len())
            .into_iter()
            .collect();
        columns.extend(target.columns.iter().cloned());
        Problem::new(target.y, spec, columns)
            .and_then(|problem| {
                estimate::estimate(&problem, Method::CssMl, false, self.max_evals, 0)
            })
            .map(|est| -2.0 * est.loglik - target.y.len() as f64 * est.sigma2.ln())
            .ok()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    }

    /// A constant series: `ARIMA(0,0,0)` with its mean (R's `fixed = mean(x)`), or with zero
    /// mean when constants are not allowed.
    fn constant_series(&self, target: Target<'_>) -> Result<(FittedArima, f64), ForecastError> {
        let y = target.y;
        let constant = if self.allow_constant {
            ConstantTerm::Intercept
        } else {
            ConstantTerm::None
        };
        let columns: Vec<Regressor> = constant_regressor(constant, y.len()).into_iter().collect();
        let beta: Vec<f64> = columns.iter().map(|_| mean(y)).collect();
        let problem = Problem::new(y, ArimaSpec::new(0, 0, 0), columns)?;
        let est = estimate::fixed(&problem, &[], &beta)?;
        let fit = FittedArima::build(problem, est, constant, 0, None)?;
        let ic = fit.aicc;
        Ok((fit, ic))
    }

    /// The differenced series is constant: R's fixed-drift or no-parameter models.
    fn constant_differences(
        &self,
        target: Target<'_>,
        d: usize,
        sd: usize,
        differenced: &[f64],
    ) -> Result<(FittedArima, f64), ForecastError> {
        let y = target.y;
        let m = target.period;
        let spec = ArimaSpec {
            p: 0,
            d,
            q: 0,
            seasonal_p: 0,
            seasonal_d: sd,
            seasonal_q: 0,
            season_length: m,
        };
        let (constant, columns, est_fixed) = if target.columns.is_empty() {
            let (constant, value) = match (d, sd) {
                (0, 1) => (ConstantTerm::Drift, Some(mean(differenced) / m as f64)),
                (1, 0) => (ConstantTerm::Drift, Some(mean(differenced))),
                (0, 0) => (ConstantTerm::Intercept, Some(mean(differenced))),
                _ => (ConstantTerm::None, None),
            };
            let constant = if self.allow_constant {
                constant
            } else {
                ConstantTerm::None
            };
            let columns: Vec<Regressor> =
                constant_regressor(constant, y.len()).into_iter().collect();
            let beta: Vec<f64> = if columns.is_empty() {
                Vec::new()
            } else {
                value.into_iter().collect()
            };
            (constant, columns, Some(beta))
        } else {
            (ConstantTerm::None, target.columns.to_vec(), None)
        };
        let problem = Problem::new(y, spec, columns)?;
        let est = match est_fixed {
            Some(beta) => estimate::fixed(&problem, &[], &beta)?,
            None => estimate::estimate(&problem, Method::CssMl, false, self.max_evals, 0)?,
        };
        let n_user = if target.columns.is_empty() {
            0
        } else {
            target.n_user
        };
        let fit = FittedArima::build(problem, est, constant, n_user, target.fourier)?;
        let ic = fit.aicc;
        Ok((fit, ic))
    }
}
