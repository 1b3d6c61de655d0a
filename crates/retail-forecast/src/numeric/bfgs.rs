//! Quasi-Newton minimisation as R's `optim(method = "BFGS")` does it (`vmmin` in R's
//! `optim.c`, the optimiser of `stats::arima`): central-difference gradients with step
//! `ndeps = 1e-3`, a backtracking line search, the inverse-Hessian BFGS update with resets,
//! and R's stopping rule (relative change of the objective below `reltol = √ε`, at most 100
//! iterations).

/// Step shrink factor of the line search.
const STEP_REDUCTION: f64 = 0.2;
/// Sufficient-decrease constant of the line search.
const ACCEPT_TOLERANCE: f64 = 1e-4;
/// Offset for R's "the step no longer changes x" test.
const REL_TEST: f64 = 10.0;

/// Settings of one BFGS run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bfgs {
    /// Largest number of iterations (gradient evaluations); R's `maxit = 100`.
    pub max_iter: usize,
    /// Largest number of objective evaluations (gradients included).
    pub max_evals: usize,
    /// Relative tolerance on the objective; R's `reltol = √ε`.
    pub reltol: f64,
    /// Finite-difference step; R's `ndeps = 1e-3`.
    pub step: f64,
}

impl Default for Bfgs {
    fn default() -> Self {
        Bfgs {
            max_iter: 100,
            max_evals: 5_000,
            reltol: f64::EPSILON.sqrt(),
            step: 1e-3,
        }
    }
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub(crate) struct BfgsResult {
    /// The best point.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Stopped by the tolerance (not by the iteration or evaluation cap, not by a failure).
    pub converged: bool,
    /// A gradient was not finite or the start was not finite (R stops with an error).
    pub failed: bool,
}

impl Bfgs {
    /// Central-difference gradient; `None` when any component is not finite.
    fn gradient(
        &self,
        f: &mut dyn FnMut(&[f64]) -> f64,
        x: &[f64],
        evals: &mut usize,
    ) -> Option<Vec<f64>> {
        let mut g = vec![0.0; x.len()];
        let mut probe = x.to_vec();
        for i in 0..x.len() {
            probe[i] = x[i] + self.step;
            let up = f(&probe);
            probe[i] = x[i] - self.step;
            let down = f(&probe);
            probe[i] = x[i];
            *evals += 2;
            g[i] = (up - down) / (2.0 * self.step);
            if !g[i].is_finite() {
                return None;
            }
        }
        Some(g)
    }

    /// Minimises `f` from `start`.
    pub(crate) fn minimize(&self, f: &mut dyn FnMut(&[f64]) -> f64, start: &[f64]) -> BfgsResult {
        let n = start.len();
        let mut b = start.to_vec();
        let mut evals = 1;
        let mut fmin = f(&b);
        if fmin.is_nan() {
            fmin = f64::INFINITY;
        }
        let failure = |x: Vec<f64>, value: f64| BfgsResult {
            x,
            value,
            converged: false,
            failed: true,
        };
        if !fmin.is_finite() {
            return failure(b, fmin);
        }
        if n == 0 {
            return BfgsResult {
                x: b,
                value: fmin,
                converged: true,
                failed: false,
            };
        }
        let Some(mut g) = self.gradient(f, &b, &mut evals) else {
            return failure(b, fmin);
        };
        let mut iter = 1;
        let mut gradcount = 1;
        let mut ilast = gradcount;
        let mut h = vec![0.0; n * n];
        let mut t = vec![0.0; n];
        let mut x = vec![0.0; n];
        let mut c = vec![0.0; n];
        loop {
            if ilast == gradcount {
                for (idx, v) in h.iter_mut().enumerate() {
                    *v = if idx / n == idx % n { 1.0 } else { 0.0 };
                }
            }
            x.copy_from_slice(&b);
            c.copy_from_slice(&g);
            let mut gradproj = 0.0;
            for i in 0..n {
                let s: f64 = -(0..n).map(|j| h[i * n + j] * g[j]).sum::<f64>();
                t[i] = s;
                gradproj += s * g[i];
            }
            let mut count;
            if gradproj < 0.0 {
                let mut steplength = 1.0;
                let mut accpoint = false;
                let mut value = fmin;
                loop {
                    count = 0;
                    for i in 0..n {
                        b[i] = x[i] + steplength * t[i];
                        if REL_TEST + x[i] == REL_TEST + b[i] {
                            count += 1;
                        }
                    }
                    if count < n {
                        value = f(&b);
                        evals += 1;
                        if value.is_nan() {
                            value = f64::INFINITY;
                        }
                        accpoint = value.is_finite()
                            && value <= fmin + gradproj * steplength * ACCEPT_TOLERANCE;
                        if !accpoint {
                            steplength *= STEP_REDUCTION;
                        }
                    }
                    if count == n || accpoint || evals >= self.max_evals {
                        break;
                    }
                }
                if !accpoint {
                    // No acceptable step: stay at the best point.
                    b.copy_from_slice(&x);
                    count = n;
                } else {
                    let enough = (value - fmin).abs() > self.reltol * (fmin.abs() + self.reltol);
                    if !enough {
                        count = n;
                        fmin = value;
                    }
                }
                if count < n {
                    fmin = value;
                    match self.gradient(f, &b, &mut evals) {
                        Some(next) => g = next,
                        None => return failure(b, fmin),
                    }
                    gradcount += 1;
                    iter += 1;
                    let mut d1 = 0.0;
                    for i in 0..n {
                        t[i] *= steplength;
                        c[i] = g[i] - c[i];
                        d1 += t[i] * c[i];
                    }
                    if d1 > 0.0 {
                        let mut d2 = 0.0;
                        for i in 0..n {
                            let s: f64 = (0..n).map(|j| h[i * n + j] * c[j]).sum();
                            x[i] = s;
                            d2 += s * c[i];
                        }
                        d2 = 1.0 + d2 / d1;
                        for i in 0..n {
                            for j in 0..n {
                                h[i * n + j] += (d2 * t[i] * t[j] - x[i] * t[j] - t[i] * x[j]) / d1;
                            }
                        }
                    } else {
                        ilast = gradcount;
                    }
                } else if ilast < gradcount {
                    count = 0;
                    ilast = gradcount;
                }
            } else {
                // Uphill direction: reset unless just reset.
                count = 0;
                if ilast == gradcount {
                    count = n;
                } else {
                    ilast = gradcount;
                }
            }
            if iter >= self.max_iter || evals >= self.max_evals {
                break;
            }
            if gradcount - ilast > 2 * n {
                ilast = gradcount;
            }
            if count == n && ilast == gradcount {
                break;
            }
        }
        BfgsResult {
            x: b,
            value: fmin,
            converged: iter < self.max_iter && evals < self.max_evals,
            failed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_quadratic_and_rosenbrock() {
        let mut quadratic = |x: &[f64]| (x[0] - 1.0).powi(2) + 10.0 * (x[1] + 2.0).powi(2);
        let r = Bfgs::default().minimize(&mut quadratic, &[0.0, 0.0]);
        assert!(r.converged && !r.failed);
        assert!(
            (r.x[0] - 1.0).abs() < 1e-4 && (r.x[1] + 2.0).abs() < 1e-4,
            "{r:?}"
        );

        let mut rosenbrock =
            |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let bfgs = Bfgs {
            max_iter: 1_000,
            step: 1e-6,
            ..Bfgs::default()
        };
        let r = bfgs.minimize(&mut rosenbrock, &[-1.2, 1.0]);
        assert!(
            (r.x[0] - 1.0).abs() < 1e-3 && (r.x[1] - 1.0).abs() < 1e-3,
            "{r:?}"
        );
    }

    #[test]
    fn reports_an_infinite_start_or_gradient() {
        let mut wall = |x: &[f64]| {
            if x[0] > 0.0 {
                f64::INFINITY
            } else {
                x[0] * x[0]
            }
        };
        assert!(Bfgs::default().minimize(&mut wall, &[1.0]).failed);
        // At 0 the upward probe hits the wall: R's "non-finite finite-difference value".
        assert!(Bfgs::default().minimize(&mut wall, &[0.0]).failed);
        let mut constant = |_: &[f64]| 3.0;
        let r = Bfgs::default().minimize(&mut constant, &[]);
        assert!(r.converged && r.value == 3.0);
    }
}
