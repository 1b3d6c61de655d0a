//! The least-squares initial states of a linear model with a long season (weekly data,
//! m = 52) without forming the normal equations: conjugate gradients through the filter and
//! its adjoint, warm-started along a search; and the states that maximise the
//! multiplicative-error likelihood, by L-BFGS (`crate::numeric::lbfgs`) on the same adjoint.

use super::filter::TOL;
use super::initial::concentrated_states;
use super::layout::{Gains, Layout};
use crate::numeric::lbfgs;
use crate::numeric::linalg::dot;

/// Warm-started least squares for the initial states of a linear model with a long season.
///
/// ŷ is affine in the free states `x`: ŷ = c + X x, where c is the filter's output from a
/// zero start and `X x` its output from start `x` with all observations zero. Conjugate
/// gradients on the normal equations (CGLS) need only products with X (the zero-data filter,
/// O(n)) and Xᵀ (its adjoint, run backwards in time), never X itself: with m = 52 that is
/// two orders of magnitude less work per trial than forming XᵀX, and a search's consecutive
/// trials start from the previous solution, so a few iterations suffice. When the iteration
/// does not settle it falls back to the exact normal equations.
pub(super) struct LongSeasonStates<'a> {
    layout: Layout,
    y: &'a [f64],
    /// The last solutions and their gains: the nearest is the next start.
    recent: Vec<([f64; 4], Vec<f64>)>,
    ring: Vec<f64>,
}

/// How many recent solutions [`LongSeasonStates`] keeps as starts (a simplex in 4
/// dimensions has 5 vertices).
const RECENT_SOLUTIONS: usize = 8;

/// One step of the zero-data filter as a matrix on (level, slope, season used):
/// `l' = (1−α)(l + φb) − αs`, `b' = φb − β(l + φb + s)`, `s' = s − γ(l + φb + s)`.
#[derive(Debug, Clone, Copy)]
struct Transition {
    ll: f64,
    lb: f64,
    ls: f64,
    bl: f64,
    bb: f64,
    bs: f64,
    sl: f64,
    sb: f64,
    ss: f64,
}

impl Transition {
    fn of(g: Gains) -> Transition {
        let (a, b, c, phi) = (g.alpha, g.beta, g.gamma, g.phi);
        Transition {
            ll: 1.0 - a,
            lb: (1.0 - a) * phi,
            ls: -a,
            bl: -b,
            bb: phi * (1.0 - b),
            bs: -b,
            sl: -c,
            sb: -c * phi,
            ss: 1.0 - c,
        }
    }
}

impl<'a> LongSeasonStates<'a> {
    /// For a linear seasonal `layout` (additive error and season) and the data `y`.
    pub(super) fn new(layout: Layout, y: &'a [f64]) -> LongSeasonStates<'a> {
        debug_assert!(layout.spec.is_linear() && layout.spec.has_season());
        LongSeasonStates {
            layout,
            y,
            recent: Vec::new(),
            ring: vec![0.0; layout.m],
        }
    }

    /// The least-squares free states at smoothing `x` (the optimiser's coordinates).
    pub(super) fn solve(&mut self, x: &[f64]) -> Option<Vec<f64>> {
        let g = self.layout.gains(x);
        // A search's trials jump around (reflections, contractions): start from the solution
        // of the nearest recent trial, not just the last.
        let key = [g.alpha, g.beta, g.gamma, g.phi];
        let distance = |k: &[f64; 4]| {
            k.iter()
                .zip(&key)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        };
        let warm = self
            .recent
            .iter()
            .min_by(|a, b| distance(&a.0).total_cmp(&distance(&b.0)))
            .map(|(_, x)| x.clone());
        let solution = self
            .conjugate_gradients(g, warm)
            .or_else(|| concentrated_states(self.layout, x, self.y));
        if let Some(s) = &solution {
            if self.recent.len() == RECENT_SOLUTIONS {
                self.recent.remove(0);
            }
            self.recent.push((key, s.clone()));
        }
        solution
    }

    fn first_seasonal(&self) -> usize {
        1 + usize::from(self.layout.spec.has_trend())
    }

    /// `out = X v`: the filter's one-step forecasts from start `v` on all-zero data.
    fn forward(&mut self, g: Gains, v: &[f64], out: &mut [f64]) {
        let m = self.layout.m;
        let col = self.first_seasonal();
        let (mut l, mut b) = (v[0], if col == 2 { v[1] } else { 0.0 });
        let free = &v[col..];
        // ring[t % m] = s_R[m − t] for t = 1..=m; s_R[m − 1] = −Σ free.
        self.ring[1 % m] = -free.iter().sum::<f64>();
        for t in 2..=m {
            self.ring[t % m] = free[m - t];
        }
        let c = Transition::of(g);
        let mut slot = 0;
        for o in out.iter_mut() {
            slot = if slot + 1 == m { 0 } else { slot + 1 };
            let s = self.ring[slot];
            *o = l + g.phi * b + s;
            // Each new state is its own old value times a constant plus a sum computed in
            // parallel: a short dependency chain per step (the loop is latency-bound).
            let l_new = c.ll * l + (c.lb * b + c.ls * s);
            let b_new = c.bb * b + (c.bl * l + c.bs * s);
            self.ring[slot] = c.ss * s + (c.sl * l + c.sb * b);
            (l, b) = (l_new, b_new);
        }
    }

    /// `out = Xᵀ u`: the adjoint of [`Self::forward`], backwards in time.
    fn adjoint(&mut self, g: Gains, u: &[f64], out: &mut [f64]) {
        let m = self.layout.m;
        let col = self.first_seasonal();
        self.ring.iter_mut().for_each(|r| *r = 0.0);
        let c = Transition::of(g);
        let (mut al, mut ab) = (0.0, 0.0);
        // Time t = i + 1 uses slot t % m; walking back from t = n.
        let mut slot = u.len() % m;
        for &ui in u.iter().rev() {
            let a_s = self.ring[slot];
            let al_new = c.ll * al + (c.bl * ab + c.sl * a_s + ui);
            let ab_new = c.bb * ab + (c.lb * al + c.sb * a_s + g.phi * ui);
            self.ring[slot] = c.ss * a_s + (c.ls * al + c.bs * ab + ui);
            (al, ab) = (al_new, ab_new);
            slot = if slot == 0 { m - 1 } else { slot - 1 };
        }
        out[0] = al;
        if col == 2 {
            out[1] = ab;
        }
        let last = self.ring[1 % m];
        for (kr, o) in out[col..].iter_mut().enumerate() {
            *o = self.ring[(m - kr) % m] - last;
        }
    }

    /// The initial states that maximise the multiplicative-error likelihood at smoothing `x`
    /// (additive season: ŷ = c + X x₀ is still affine in them), from `start`, by L-BFGS on
    /// `n ln Σ((y − ŷ)/ŷ)² + 2 Σ ln|ŷ|`, whose gradient is `Xᵀ g` (one adjoint pass).
    pub(super) fn relative_error_states(&mut self, x: &[f64], start: Vec<f64>) -> Option<Vec<f64>> {
        let g = self.layout.gains(x);
        let n = self.y.len();
        let mut c = vec![0.0; n];
        self.target(g, &mut c);
        for (c, y) in c.iter_mut().zip(self.y) {
            *c = y - *c; // the forecasts from a zero start
        }
        let y = self.y;
        let mut yhat = vec![0.0; n];
        let mut weights = vec![0.0; n];
        // Objective and gradient at `states`.
        let mut value_and_gradient = |states: &[f64], grad: &mut [f64]| -> f64 {
            self.forward(g, states, &mut yhat);
            let (mut sse, mut sum_log) = (0.0, 0.0);
            for (yh, c) in yhat.iter_mut().zip(&c) {
                *yh += c;
                if yh.abs() < TOL || !yh.is_finite() {
                    return f64::INFINITY;
                }
            }
            for (&obs, &yh) in y.iter().zip(&yhat) {
                let e = (obs - yh) / yh;
                sse += e * e;
                sum_log += yh.abs().ln();
            }
            if sse <= 0.0 {
                return f64::INFINITY;
            }
            let scale = 2.0 * n as f64 / sse;
            for ((w, &obs), &yh) in weights.iter_mut().zip(y).zip(&yhat) {
                let e = (obs - yh) / yh;
                *w = scale * e * (-obs / (yh * yh)) + 2.0 / yh;
            }
            self.adjoint(g, &weights, grad);
            n as f64 * sse.ln() + 2.0 * sum_log
        };
        lbfgs::minimize(&mut value_and_gradient, start)
    }

    /// `y − c`: the data minus the filter's forecasts from a zero start.
    fn target(&mut self, g: Gains, z: &mut [f64]) {
        let m = self.layout.m;
        self.ring.iter_mut().for_each(|r| *r = 0.0);
        let (mut l, mut b) = (0.0, 0.0);
        let mut slot = 0;
        for (&obs, z) in self.y.iter().zip(z.iter_mut()) {
            slot = if slot + 1 == m { 0 } else { slot + 1 };
            let s = self.ring[slot];
            let q = l + g.phi * b;
            let e = obs - (q + s);
            *z = e;
            l = q + g.alpha * e;
            b = g.phi * b + g.beta * e;
            self.ring[slot] = s + g.gamma * e;
        }
    }

    /// CGLS from the previous solution; `None` when it does not settle in 4k iterations.
    fn conjugate_gradients(&mut self, g: Gains, warm: Option<Vec<f64>>) -> Option<Vec<f64>> {
        let n = self.y.len();
        let k = self.layout.state_len();
        let mut x = warm.unwrap_or_else(|| vec![0.0; k]);
        let mut r = vec![0.0; n];
        self.target(g, &mut r);
        let mut q = vec![0.0; n];
        self.forward(g, &x, &mut q);
        for (r, q) in r.iter_mut().zip(&q) {
            *r -= q;
        }
        let mut s = vec![0.0; k];
        self.adjoint(g, &r, &mut s);
        let mut p = s.clone();
        let mut gamma = dot(&s, &s);
        let mut rr = dot(&r, &r);
        let mut quiet = 0;
        for _ in 0..4 * k {
            if gamma == 0.0 || rr == 0.0 {
                return Some(x);
            }
            self.forward(g, &p, &mut q);
            let qq = dot(&q, &q);
            if !(qq > 0.0 && qq.is_finite()) {
                return None;
            }
            let step = gamma / qq;
            for (x, p) in x.iter_mut().zip(&p) {
                *x += step * p;
            }
            for (r, q) in r.iter_mut().zip(&q) {
                *r -= step * q;
            }
            // This step lowered Σ r² by step · γ: stop once two steps in a row gain less
            // than 1e-12 of it (what is left is of that order, far below what separates
            // fits; much looser and the search's objective gets noisy enough to slow the
            // simplex down more than the iterations saved).
            let gain = step * gamma;
            rr = dot(&r, &r);
            if gain <= 1e-12 * rr {
                quiet += 1;
                if quiet == 2 {
                    return Some(x);
                }
            } else {
                quiet = 0;
            }
            self.adjoint(g, &r, &mut s);
            let next = dot(&s, &s);
            let ratio = next / gamma;
            gamma = next;
            for (p, s) in p.iter_mut().zip(&s) {
                *p = s + ratio * *p;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::filter::run;
    use super::*;

    #[test]
    fn long_season_conjugate_gradients_match_the_normal_equations() {
        // Weekly-like data, m = 52: the matrix-free solution must give the exact one's SSE.
        for code in ["ANA", "AAA", "AAdA"] {
            let layout = Layout {
                spec: code.parse().unwrap(),
                m: 52,
            };
            let y: Vec<f64> = (0..156)
                .map(|t| {
                    let t = t as f64;
                    500.0
                        + 2.0 * t
                        + 80.0 * (t * 2.0 * std::f64::consts::PI / 52.0).sin()
                        + 15.0 * (t * 1.7).sin()
                })
                .collect();
            let mut solver = LongSeasonStates::new(layout, &y);
            let sse = |states: &[f64], x: &[f64]| {
                run(layout.spec, 52, &layout.params(x, states), &y, None)
                    .unwrap()
                    .sse
            };
            // A path of smoothing parameters as a search walks it (warm starts).
            for step in 0..6 {
                let s = step as f64;
                let x: Vec<f64> =
                    [0.1 + 0.05 * s, 0.3, 0.2 + 0.02 * s, 0.9][..layout.smoothing_len()].to_vec();
                let exact = concentrated_states(layout, &x, &y).unwrap();
                let fast = solver.solve(&x).unwrap();
                let (a, b) = (sse(&exact, &x), sse(&fast, &x));
                assert!((a - b).abs() <= 1e-9 * a, "{code} step {step}: {a} vs {b}");
            }
        }
    }
}
