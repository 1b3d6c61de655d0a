//! Limited-memory BFGS with an analytic gradient: for smooth objectives in many dimensions
//! whose gradient is cheap (ETS's initial states with a long season, the gradient from the
//! adjoint filter). Memory 6, a backtracking (Armijo) line search whose first step moves the
//! point by about 1 % of its largest coordinate, at most 200 iterations; it stops when an
//! iteration gains less than `1e-10 (1 + |f|)`.

use super::linalg::dot;

/// Minimises `f` from `start`; `f(x, gradient)` returns the objective at `x` and writes its
/// gradient (it may return `f64::INFINITY`, gradient untouched, outside its domain). `None`
/// when the objective is not finite at `start`.
pub(crate) fn minimize(
    f: &mut dyn FnMut(&[f64], &mut [f64]) -> f64,
    start: Vec<f64>,
) -> Option<Vec<f64>> {
    let k = start.len();
    let mut xk = start;
    let mut grad = vec![0.0; k];
    let mut value = f(&xk, &mut grad);
    if !value.is_finite() {
        return None;
    }
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    let mut trial = vec![0.0; k];
    let mut trial_grad = vec![0.0; k];
    for _ in 0..200 {
        let mut d: Vec<f64> = grad.iter().map(|v| -v).collect();
        let mut alphas = Vec::with_capacity(history.len());
        for (s_i, y_i, rho) in history.iter().rev() {
            let a = rho * dot(s_i, &d);
            for (d, y) in d.iter_mut().zip(y_i) {
                *d -= a * y;
            }
            alphas.push(a);
        }
        if let Some((s_last, y_last, _)) = history.last() {
            let gamma = dot(s_last, y_last) / dot(y_last, y_last);
            d.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s_i, y_i, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y_i, &d);
            for (d, s) in d.iter_mut().zip(s_i) {
                *d += (a - b) * s;
            }
        }
        let mut slope = dot(&grad, &d);
        if slope >= 0.0 || slope.is_nan() {
            // Not a descent direction: restart from steepest descent.
            history.clear();
            d = grad.iter().map(|v| -v).collect();
            slope = -dot(&grad, &grad);
            if slope == 0.0 {
                break;
            }
        }
        let mut step = if history.is_empty() {
            // A first step of about 1 % of the point's size.
            let size = xk.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1.0);
            0.01 * size / dot(&d, &d).sqrt().max(f64::MIN_POSITIVE)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..40 {
            for ((t, x), d) in trial.iter_mut().zip(&xk).zip(&d) {
                *t = x + step * d;
            }
            let v = f(&trial, &mut trial_grad);
            if v <= value + 1e-4 * step * slope {
                accepted = Some(v);
                break;
            }
            step *= 0.5;
        }
        let Some(new_value) = accepted else {
            break;
        };
        let s_k: Vec<f64> = trial.iter().zip(&xk).map(|(a, b)| a - b).collect();
        let y_k: Vec<f64> = trial_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let sy = dot(&s_k, &y_k);
        if sy > 0.0 {
            if history.len() == 6 {
                history.remove(0);
            }
            history.push((s_k, y_k, 1.0 / sy));
        }
        xk.copy_from_slice(&trial);
        grad.copy_from_slice(&trial_grad);
        let gain = value - new_value;
        value = new_value;
        if gain <= 1e-10 * (1.0 + value.abs()) {
            break;
        }
    }
    Some(xk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_badly_scaled_quadratic() {
        // Σ c_i (x_i − i)², with c from 1 to 1000: minimum at x_i = i.
        let mut f = |x: &[f64], g: &mut [f64]| -> f64 {
            let mut v = 0.0;
            for (i, (x, g)) in x.iter().zip(g.iter_mut()).enumerate() {
                let c = 10f64.powi(i as i32);
                v += c * (x - i as f64).powi(2);
                *g = 2.0 * c * (x - i as f64);
            }
            v
        };
        let x = minimize(&mut f, vec![5.0; 4]).unwrap();
        for (i, x) in x.iter().enumerate() {
            assert!((x - i as f64).abs() < 1e-3, "{x} at {i}");
        }
        let mut wall = |_: &[f64], _: &mut [f64]| f64::INFINITY;
        assert!(minimize(&mut wall, vec![0.0]).is_none());
    }
}
