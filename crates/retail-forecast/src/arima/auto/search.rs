//! One search over the orders with the differences fixed: the candidates ([`Order`]), R's
//! stepwise walk from its starting models, the exhaustive grid, and the CSS-ML refits after an
//! approximate search.

use super::super::estimate::{self, Estimate, Problem, Regressor};
use super::super::fourier::FourierTerms;
use super::super::polynomial::{expand, roots_outside};
use super::super::{ArimaSpec, ConstantTerm, Method, constant_regressor};
use crate::auto_ets::Criterion;

/// Most models the stepwise search fits (R's `nmodels`).
const MAX_MODELS: usize = 94;
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

/// Orders of one candidate (the differences are fixed during a search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Order {
    pub(super) p: usize,
    pub(super) q: usize,
    pub(super) sp: usize,
    pub(super) sq: usize,
    pub(super) constant: bool,
}

/// Largest orders a search may use.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) p: usize,
    pub(super) q: usize,
    pub(super) sp: usize,
    pub(super) sq: usize,
}

/// The data one search works on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Target<'a> {
    pub(super) y: &'a [f64],
    pub(super) period: usize,
    /// External regressors, user columns first, then Fourier terms.
    pub(super) columns: &'a [Regressor],
    pub(super) n_user: usize,
    pub(super) fourier: Option<FourierTerms>,
    /// The season length that decides the CSS approximation (`> 12`).
    pub(super) approximation_period: usize,
    /// Differences fixed by the caller.
    pub(super) d: Option<usize>,
}

/// A fitted candidate.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub(super) order: Order,
    pub(super) ic: f64,
    pub(super) problem: Problem,
    pub(super) estimate: Estimate,
}

/// One search over the orders with `d`, `D` and the criterion fixed.
#[derive(Debug)]
pub(super) struct Search<'a> {
    pub(super) target: Target<'a>,
    pub(super) d: usize,
    pub(super) sd: usize,
    pub(super) criterion: Criterion,
    pub(super) approximation: bool,
    pub(super) offset: f64,
    pub(super) max_evals: usize,
    pub(super) results: Vec<(Order, f64)>,
    pub(super) best: Option<Candidate>,
}

/// The constant term a candidate with a constant gets: a mean without differences, a drift
/// with one, none with more.
pub(super) fn constant_for(constant: bool, diffs: usize) -> ConstantTerm {
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

impl Search<'_> {
    fn spec(&self, order: Order) -> ArimaSpec {
        ArimaSpec {
            p: order.p,
            d: self.d,
            q: order.q,
            seasonal_p: order.sp,
            seasonal_d: self.sd,
            seasonal_q: order.sq,
            season_length: self.target.period,
        }
    }

    /// R's `myarima`: fits `order` (CSS under the approximation, CSS-ML otherwise) and
    /// returns its criterion (infinite when the fit fails or has roots near the unit
    /// circle) with the fit.
    pub(super) fn trial(
        &self,
        order: Order,
        approximation: bool,
    ) -> (f64, Option<(Problem, Estimate)>) {
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
        let Ok(est) = estimate::estimate(&problem, method, true, self.max_evals, 0) else {
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
    pub(super) fn stepwise(&mut self, limits: Limits, start: Order, toggle_constant: bool) {
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
    pub(super) fn exhaustive(&mut self, limits: Limits, max_order: usize, allow_constant: bool) {
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
    pub(super) fn refit_ranked(&mut self) {
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
