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

use ndarray::ArrayView2;

use super::estimate::{self, Estimate, Problem, Regressor};
use super::fourier::{FourierTerms, fourier_regressors};
use super::polynomial::{difference, expand, roots_outside};
use super::unit_root::{is_constant, ndiffs, nsdiffs};
use super::{
    ArimaSpec, ConstantTerm, DEFAULT_MAX_EVALS, FittedArima, Method, check_series,
    constant_regressor, user_regressors,
};
use crate::ForecastError;
use crate::auto_ets::Criterion;
use crate::numeric::linalg::least_squares;

/// Seasons longer than this are modelled by Fourier terms.
const FOURIER_PERIOD: usize = 24;
/// Most models the stepwise search fits (R's `nmodels`).
const MAX_MODELS: usize = 94;
/// Level of the KPSS tests (R's `ndiffs` default).
const KPSS_ALPHA: f64 = 0.05;
/// Roots closer to the unit circle than this make a model unacceptable (R: `1 + 1e-2`).
const MIN_ROOT: f64 = 1.01;
/// The stepwise moves in R's order: `(Δp, Δq, ΔP, ΔQ)`.
const MOVES: [(isize, isize, isize, isize); 16] = [
    (0, 0, -1, 0),
    (0, 0, 0, -1),
    (0, 0, 1, 0),
    (0, 0, 0, 1),
    (0, 0, -1, -1),
    (0, 0, -1, 1),
    (0, 0, 1, -1),
    (0, 0, 1, 1),
    (-1, 0, 0, 0),
    (0, -1, 0, 0),
    (1, 0, 0, 0),
    (0, 1, 0, 0),
    (-1, -1, 0, 0),
    (-1, 1, 0, 0),
    (1, -1, 0, 0),
    (1, 1, 0, 0),
];

/// Automatic ARIMA: chooses the differences and the orders, then fits.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoArima {
    period: usize,
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
    approximation: Option<bool>,
    criterion: Criterion,
    allow_constant: bool,
    max_fourier_k: usize,
    max_evals: usize,
}

/// Orders of one candidate (the differences are fixed during a search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Order {
    p: usize,
    q: usize,
    sp: usize,
    sq: usize,
    constant: bool,
}

/// Largest orders a search may use.
#[derive(Debug, Clone, Copy)]
struct Limits {
    p: usize,
    q: usize,
    sp: usize,
    sq: usize,
}

/// The data one search works on.
#[derive(Debug, Clone, Copy)]
struct Target<'a> {
    y: &'a [f64],
    period: usize,
    /// External regressors, user columns first, then Fourier terms.
    columns: &'a [Regressor],
    n_user: usize,
    fourier: Option<FourierTerms>,
    /// The season length that decides the CSS approximation (`> 12`).
    approximation_period: usize,
    /// Differences fixed by the caller.
    d: Option<usize>,
}

/// A fitted candidate.
#[derive(Debug, Clone)]
struct Candidate {
    order: Order,
    ic: f64,
    problem: Problem,
    estimate: Estimate,
}

/// One search over the orders with `d`, `D` and the criterion fixed.
#[derive(Debug)]
struct Search<'a> {
    target: Target<'a>,
    d: usize,
    sd: usize,
    criterion: Criterion,
    approximation: bool,
    offset: f64,
    max_evals: usize,
    results: Vec<(Order, f64)>,
    best: Option<Candidate>,
}

/// The constant term a candidate with a constant gets: a mean without differences, a drift
/// with one, none with more.
fn constant_for(constant: bool, diffs: usize) -> ConstantTerm {
    match (constant, diffs) {
        (true, 0) => ConstantTerm::Intercept,
        (true, 1) => ConstantTerm::Drift,
        _ => ConstantTerm::None,
    }
}

/// `v + delta` when that stays within `0..=max`.
fn shift(v: usize, delta: isize, max: usize) -> Option<usize> {
    v.checked_add_signed(delta).filter(|moved| *moved <= max)
}

/// R's check in `myarima`: every root of the full AR and MA polynomials (trailing
/// coefficients of at most 1e-8 dropped) lies outside `|z| = 1.01`.
fn roots_acceptable(spec: &ArimaSpec, par: &[f64]) -> bool {
    let (phi, theta) = expand(spec, par);
    let trim = |v: &[f64]| -> Vec<f64> {
        let end = v.iter().rposition(|c| c.abs() > 1e-8).map_or(0, |i| i + 1);
        v[..end].to_vec()
    };
    let ar_ok = roots_outside(&trim(&phi), MIN_ROOT);
    let ma: Vec<f64> = trim(&theta).iter().map(|t| -t).collect();
    ar_ok && roots_outside(&ma, MIN_ROOT)
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

impl Search<'_> {
    fn spec(&self, order: Order) -> ArimaSpec {
        ArimaSpec {
            p: order.p,
            d: self.d,
            q: order.q,
            seasonal_p: order.sp,
            seasonal_d: self.sd,
            seasonal_q: order.sq,
            period: self.target.period,
        }
    }

    /// R's `myarima`: fits `order` (CSS under the approximation, CSS-ML otherwise) and
    /// returns its criterion (infinite when the fit fails or has roots near the unit
    /// circle) with the fit.
    fn trial(&self, order: Order, approximation: bool) -> (f64, Option<(Problem, Estimate)>) {
        let spec = self.spec(order);
        let y = self.target.y;
        let constant = constant_for(order.constant, self.d + self.sd);
        let mut columns: Vec<Regressor> =
            constant_regressor(constant, y.len()).into_iter().collect();
        columns.extend(self.target.columns.iter().cloned());
        let Ok(problem) = Problem::new(y, spec, columns) else {
            return (f64::INFINITY, None);
        };
        let method = if approximation {
            Method::Css
        } else {
            Method::CssMl
        };
        let Ok(est) = estimate::estimate(&problem, method, true, self.max_evals) else {
            return (f64::INFINITY, None);
        };
        let n_star = problem.n_used() as f64;
        let k = (est.n_free + 1) as f64;
        let aic = if approximation {
            self.offset + n_star * est.sigma2.ln() + 2.0 * k
        } else {
            -2.0 * est.loglik + 2.0 * k
        };
        let ic = match self.criterion {
            Criterion::Aic => aic,
            Criterion::Bic => aic + k * (n_star.ln() - 2.0),
            Criterion::Aicc => {
                let denominator = n_star - k - 1.0;
                if denominator > 0.0 {
                    aic + 2.0 * k * (k + 1.0) / denominator
                } else {
                    f64::INFINITY
                }
            }
        };
        if !ic.is_finite() || !roots_acceptable(&spec, &est.par) {
            return (f64::INFINITY, Some((problem, est)));
        }
        (ic, Some((problem, est)))
    }

    fn seen(&self, order: Order) -> bool {
        self.results.iter().any(|(o, _)| *o == order)
    }

    fn best_ic(&self) -> f64 {
        self.best.as_ref().map_or(f64::INFINITY, |c| c.ic)
    }

    /// Fits `order` unless it was fitted before; true when it beats the best so far.
    fn consider(&mut self, order: Order) -> bool {
        if self.seen(order) {
            return false;
        }
        let (ic, fit) = self.trial(order, self.approximation);
        self.results.push((order, ic));
        match fit {
            Some((problem, estimate)) if ic < self.best_ic() => {
                self.best = Some(Candidate {
                    order,
                    ic,
                    problem,
                    estimate,
                });
                true
            }
            _ => false,
        }
    }

    /// R's stepwise search from `start`.
    fn stepwise(&mut self, limits: Limits, start: Order, toggle_constant: bool) {
        let mut current = start;
        self.consider(start);
        let constant = start.constant;
        let null = Order {
            p: 0,
            q: 0,
            sp: 0,
            sq: 0,
            constant,
        };
        if self.consider(null) {
            current = null;
        }
        let seasonal = self.target.period > 1;
        if limits.p > 0 || limits.sp > 0 {
            let ar = Order {
                p: usize::from(limits.p > 0),
                q: 0,
                sp: usize::from(seasonal && limits.sp > 0),
                sq: 0,
                constant,
            };
            if self.consider(ar) {
                current = ar;
            }
        }
        if limits.q > 0 || limits.sq > 0 {
            let ma = Order {
                p: 0,
                q: usize::from(limits.q > 0),
                sp: 0,
                sq: usize::from(seasonal && limits.sq > 0),
                constant,
            };
            if self.consider(ma) {
                current = ma;
            }
        }
        if constant
            && self.consider(Order {
                constant: false,
                ..null
            })
        {
            // As R: the orders go back to zero but the search keeps the constant.
            current = null;
        }
        let mut start_count = 0;
        while start_count < self.results.len() && self.results.len() < MAX_MODELS {
            start_count = self.results.len();
            let mut improved = false;
            for (dp, dq, dsp, dsq) in MOVES {
                let (Some(p), Some(q), Some(sp), Some(sq)) = (
                    shift(current.p, dp, limits.p),
                    shift(current.q, dq, limits.q),
                    shift(current.sp, dsp, limits.sp),
                    shift(current.sq, dsq, limits.sq),
                ) else {
                    continue;
                };
                let candidate = Order {
                    p,
                    q,
                    sp,
                    sq,
                    constant: current.constant,
                };
                if self.seen(candidate) {
                    continue;
                }
                if self.results.len() >= MAX_MODELS {
                    break;
                }
                if self.consider(candidate) {
                    current = candidate;
                    improved = true;
                    break;
                }
            }
            if improved || self.results.len() >= MAX_MODELS {
                continue;
            }
            if toggle_constant {
                let candidate = Order {
                    constant: !current.constant,
                    ..current
                };
                if !self.seen(candidate) && self.consider(candidate) {
                    current = candidate;
                }
            }
        }
    }

    /// R's `search.arima`: every order with `p + q + P + Q ≤ max_order`.
    fn exhaustive(&mut self, limits: Limits, max_order: usize, allow_constant: bool) {
        for p in 0..=limits.p {
            for q in 0..=limits.q {
                for sp in 0..=limits.sp {
                    for sq in 0..=limits.sq {
                        if p + q + sp + sq > max_order {
                            continue;
                        }
                        for constant in [false, true] {
                            if constant && !allow_constant {
                                continue;
                            }
                            self.consider(Order {
                                p,
                                q,
                                sp,
                                sq,
                                constant,
                            });
                        }
                    }
                }
            }
        }
    }

    /// After an approximate stepwise search: refits the candidates by CSS-ML in order of
    /// their approximate criterion and keeps the first acceptable one (R). Keeps the
    /// approximate best when none is.
    fn refit_ranked(&mut self) {
        let mut ranked = self.results.clone();
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
        for (order, _) in ranked {
            if let (ic, Some((problem, estimate))) = self.trial(order, false)
                && ic.is_finite()
            {
                self.best = Some(Candidate {
                    order,
                    ic,
                    problem,
                    estimate,
                });
                return;
            }
        }
    }
}

impl AutoArima {
    /// Automatic ARIMA for season length `period` (1 for non-seasonal data) with R's
    /// defaults: `max_p = max_q = 5`, `max_P = max_Q = 2`, `max_order = 5`, `max_d = 2`,
    /// `max_D = 1`, stepwise, AICc, constants allowed, CSS approximation for long series.
    pub fn new(period: usize) -> Result<AutoArima, ForecastError> {
        if period == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "period",
                message: "must be at least 1 (1 for non-seasonal data)".into(),
            });
        }
        Ok(AutoArima {
            period,
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
            approximation: None,
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

    /// Ranks the models by CSS approximations during the search; `None` (default) does so
    /// when `n > 150` or the period exceeds 12, as R.
    pub fn with_approximation(mut self, approximation: Option<bool>) -> AutoArima {
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

    /// Largest number of objective evaluations per optimiser run (default 5,000).
    pub fn with_max_evals(mut self, evals: usize) -> Result<AutoArima, ForecastError> {
        self.max_evals = crate::numeric::nelder_mead::check_max_evals(evals)?;
        Ok(self)
    }

    /// The season length.
    pub fn period(&self) -> usize {
        self.period
    }

    /// Chooses a model for `y` (oldest first) and fits it.
    pub fn fit(&self, y: &[f64]) -> Result<FittedArima, ForecastError> {
        self.fit_with_xreg(y, None)
    }

    /// Chooses a regression-with-ARIMA-errors model for `y` with external regressors `xreg`
    /// (one row per observation); forecasts then need their future values.
    pub fn fit_with_xreg(
        &self,
        y: &[f64],
        xreg: Option<ArrayView2<'_, f64>>,
    ) -> Result<FittedArima, ForecastError> {
        check_series(y)?;
        let user = user_regressors(xreg, y.len(), "xreg")?;
        // A long season seen fewer than twice cannot be told from noise: such a series is
        // searched without a seasonal part.
        let long_season = self.period > FOURIER_PERIOD;
        if long_season && y.len() >= 2 * self.period && self.max_fourier_k > 0 {
            return self.fit_fourier(y, &user);
        }
        let period = if long_season && y.len() < 2 * self.period {
            1
        } else {
            self.period
        };
        let target = Target {
            y,
            period,
            columns: &user,
            n_user: user.len(),
            fourier: None,
            approximation_period: self.period,
            d: None,
        };
        self.select(target).map(|(fit, _)| fit)
    }

    /// The Fourier route for a long season: a non-seasonal search per number of harmonics.
    fn fit_fourier(&self, y: &[f64], user: &[Regressor]) -> Result<FittedArima, ForecastError> {
        let (n, m) = (y.len(), self.period);
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
            period: 1,
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
                fourier: Some(FourierTerms { period: m, k }),
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
        let approximation = self
            .approximation
            .unwrap_or(n > 150 || target.approximation_period > 12);
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
            period: target.period,
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
            .and_then(|problem| estimate::estimate(&problem, Method::CssMl, false, self.max_evals))
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
            period: m,
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
            None => estimate::estimate(&problem, Method::CssMl, false, self.max_evals)?,
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

#[cfg(test)]
mod tests {
    use super::super::tests::AIR_PASSENGERS;
    use super::*;
    use crate::forecast::Normal;

    /// Annual flow of the Nile at Aswan, 1871–1970 (R's `Nile`).
    const NILE: [f64; 100] = [
        1120.0, 1160.0, 963.0, 1210.0, 1160.0, 1160.0, 813.0, 1230.0, 1370.0, 1140.0, 995.0, 935.0,
        1110.0, 994.0, 1020.0, 960.0, 1180.0, 799.0, 958.0, 1140.0, 1100.0, 1210.0, 1150.0, 1250.0,
        1260.0, 1220.0, 1030.0, 1100.0, 774.0, 840.0, 874.0, 694.0, 940.0, 833.0, 701.0, 916.0,
        692.0, 1020.0, 1050.0, 969.0, 831.0, 726.0, 456.0, 824.0, 702.0, 1120.0, 1100.0, 832.0,
        764.0, 821.0, 768.0, 845.0, 864.0, 862.0, 698.0, 845.0, 744.0, 796.0, 1040.0, 759.0, 781.0,
        865.0, 845.0, 944.0, 984.0, 897.0, 822.0, 1010.0, 771.0, 676.0, 649.0, 846.0, 812.0, 742.0,
        801.0, 1040.0, 860.0, 874.0, 848.0, 890.0, 744.0, 749.0, 838.0, 1050.0, 918.0, 986.0,
        797.0, 923.0, 975.0, 815.0, 1020.0, 906.0, 901.0, 1170.0, 912.0, 746.0, 919.0, 718.0,
        714.0, 740.0,
    ];

    #[test]
    fn nile_gets_r_s_model() {
        // R: auto.arima(Nile) → ARIMA(1,1,1), AICc 1267.51 (also
        // tests/reference/reference.json, arima111_noconst_nile: aicc 1267.5074).
        let fit = AutoArima::new(1).unwrap().fit(&NILE).unwrap();
        assert_eq!(fit.spec, ArimaSpec::new(1, 1, 1));
        assert_eq!(fit.constant, ConstantTerm::None);
        assert!((fit.aicc - 1267.5074).abs() < 0.01, "{}", fit.aicc);
        assert_eq!(fit.model_name(), "ARIMA(1,1,1)");
    }

    #[test]
    fn air_passengers_gets_r_s_model() {
        // R (Hyndman & Athanasopoulos): auto.arima(AirPassengers) →
        // ARIMA(2,1,1)(0,1,0)[12], loglik −504.92, AICc 1018.17; the numpy prototype of this
        // code gives AICc 1018.1655.
        let fit = AutoArima::new(12).unwrap().fit(&AIR_PASSENGERS).unwrap();
        assert_eq!(fit.model_name(), "ARIMA(2,1,1)(0,1,0)[12]");
        assert!((fit.aicc - 1018.17).abs() < 0.02, "{}", fit.aicc);
        let fc = fit.forecast(12, &[95.0], None).unwrap();
        assert!(fc.point.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn log_air_passengers_gets_the_airline_model() {
        // R: auto.arima(log(AirPassengers)) → ARIMA(0,1,1)(0,1,1)[12], AICc −483.21.
        let y: Vec<f64> = AIR_PASSENGERS.iter().map(|v| v.ln()).collect();
        let fit = AutoArima::new(12).unwrap().fit(&y).unwrap();
        assert_eq!(fit.model_name(), "ARIMA(0,1,1)(0,1,1)[12]");
        assert!((fit.aicc + 483.204).abs() < 0.01, "{}", fit.aicc);
    }

    #[test]
    fn exhaustive_search_is_at_least_as_good() {
        let stepwise = AutoArima::new(1).unwrap().fit(&NILE).unwrap();
        let all = AutoArima::new(1)
            .unwrap()
            .with_stepwise(false)
            .fit(&NILE)
            .unwrap();
        assert!(
            all.aicc <= stepwise.aicc + 1e-9,
            "{} {}",
            all.aicc,
            stepwise.aicc
        );
    }

    #[test]
    fn a_long_season_seen_once_is_not_modelled() {
        // 60 weeks of a seasonal-looking series: fewer than two seasons of 52, so the search
        // has no seasonal part (no Fourier terms, no seasonal orders).
        let mut noise = Normal::new(5);
        let y: Vec<f64> = (1..=60)
            .map(|t| {
                let angle = std::f64::consts::TAU * f64::from(t) / 52.0;
                100.0 + 8.0 * angle.sin() + noise.sample()
            })
            .collect();
        let fit = AutoArima::new(52).unwrap().fit(&y).unwrap();
        assert!(fit.fourier.is_none(), "{}", fit.model_name());
        assert_eq!(fit.spec.period, 1);
        assert!(
            !fit.model_name().contains("Fourier"),
            "{}",
            fit.model_name()
        );
    }

    #[test]
    fn weekly_season_goes_through_fourier_terms() {
        // Three years of a weekly series: two harmonics of period 52 plus AR(1) noise.
        let mut noise = Normal::new(11);
        let mut e = 0.0;
        let y: Vec<f64> = (1..=156)
            .map(|t| {
                e = 0.5 * e + noise.sample();
                let angle = std::f64::consts::TAU * f64::from(t) / 52.0;
                100.0 + 8.0 * angle.sin() + 3.0 * (2.0 * angle).cos() + e
            })
            .collect();
        let fit = AutoArima::new(52)
            .unwrap()
            .with_max_fourier_k(4)
            .fit(&y)
            .unwrap();
        let terms = fit.fourier.expect("Fourier route");
        assert_eq!(terms.period, 52);
        assert!(terms.k >= 2, "{terms:?}");
        assert_eq!(fit.spec.period, 1);
        assert!(fit.coef_names.iter().any(|c| c == "S1-52"));
        let fc = fit.forecast(52, &[80.0], None).unwrap();
        // The forecast follows the seasonal shape: around week 13 of the year (t = 169) the
        // sine peaks, around week 39 (t = 195) it bottoms out.
        assert!(fc.point[12] > fc.point[38] + 10.0, "{:?}", fc.point);
        assert!(fit.model_name().contains("Fourier(K="));
    }

    #[test]
    fn constant_and_bad_series() {
        let fit = AutoArima::new(4).unwrap().fit(&[7.0; 20]).unwrap();
        assert_eq!(fit.spec, ArimaSpec::new(0, 0, 0));
        assert_eq!(fit.coefficient("intercept"), Some(7.0));
        let fc = fit.forecast(3, &[95.0], None).unwrap();
        assert!(fc.point.iter().all(|v| (v - 7.0).abs() < 1e-12));
        assert!(
            fc.intervals[0]
                .upper
                .iter()
                .all(|v| (v - 7.0).abs() < 1e-12)
        );
        // A straight line: one difference leaves a constant; drift fixed at the slope.
        let line: Vec<f64> = (0..30).map(|t| 5.0 + 2.0 * f64::from(t)).collect();
        let fit = AutoArima::new(1).unwrap().fit(&line).unwrap();
        assert_eq!(fit.spec.d, 1);
        assert_eq!(fit.coefficient("drift"), Some(2.0));
        let fc = fit.forecast(2, &[], None).unwrap();
        assert!((fc.point[0] - 65.0).abs() < 1e-9 && (fc.point[1] - 67.0).abs() < 1e-9);

        assert!(AutoArima::new(0).is_err());
        let auto = AutoArima::new(12).unwrap();
        assert!(matches!(auto.fit(&[]), Err(ForecastError::Undefined(_))));
        assert!(matches!(
            auto.fit(&[1.0, f64::INFINITY, 2.0]),
            Err(ForecastError::InvalidParameter { parameter: "y", .. })
        ));
        assert!(auto.fit(&[1.0]).is_err());
    }
}
