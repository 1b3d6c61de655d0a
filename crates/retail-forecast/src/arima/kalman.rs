//! The state-space form of an ARIMA model (Harvey's form, as R's `makeARIMA` builds it), the
//! stationary initial covariance, the Kalman filter that gives the exact Gaussian likelihood
//! of a stationary ARMA series, and Kalman forecasts of the integrated model.
//!
//! The state has `r = max(p, q + 1)` ARMA components `α` with transition
//! `αₜ₊₁[i] = φᵢ₊₁ αₜ[0] + αₜ[i + 1] + θᵢ εₜ₊₁` (θ₀ = 1) and observation `wₜ = αₜ[0]`,
//! followed by `k = d + D·m` lagged undifferenced values that integrate `w` back to the
//! original scale: `yₜ = wₜ + δ₁yₜ₋₁ + … + δ_k yₜ₋ₖ`. Covariances are in units of the
//! innovation variance σ².

use crate::numeric::linalg::solve_general;

/// Largest change of any entry of the filtered covariance below which the filter has
/// reached its steady state and stops updating the covariance.
const STEADY_TOLERANCE: f64 = 1e-13;

/// An ARIMA model in state-space form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StateSpace {
    /// Full AR polynomial `φ₁ … φ_p` (seasonal part multiplied in).
    phi: Vec<f64>,
    /// Full MA polynomial `θ₁ … θ_q`.
    theta: Vec<f64>,
    /// Differencing polynomial `δ₁ … δ_k` (empty for a stationary model).
    delta: Vec<f64>,
    /// ARMA state dimension `max(p, q + 1)`.
    r: usize,
}

/// Scratch space for [`StateSpace::predict_covariance`].
#[derive(Debug, Clone)]
pub(crate) struct CovarianceWork {
    product: Vec<f64>,
    column: Vec<f64>,
    image: Vec<f64>,
}

impl CovarianceWork {
    pub(crate) fn new(dim: usize) -> CovarianceWork {
        CovarianceWork {
            product: vec![0.0; dim * dim],
            column: vec![0.0; dim],
            image: vec![0.0; dim],
        }
    }
}

impl StateSpace {
    /// The model `φ(B) Δ(B) y = θ(B) ε` with `Δ(B) = 1 − δ₁B − … − δ_kB^k`.
    pub(crate) fn new(phi: Vec<f64>, theta: Vec<f64>, delta: Vec<f64>) -> StateSpace {
        let r = phi.len().max(theta.len() + 1);
        StateSpace {
            phi,
            theta,
            delta,
            r,
        }
    }

    /// Full state dimension `r + k`.
    pub(crate) fn dim(&self) -> usize {
        self.r + self.delta.len()
    }

    /// ARMA state dimension `r`.
    pub(crate) fn arma_dim(&self) -> usize {
        self.r
    }

    /// `θᵢ` with `θ₀ = 1` and zeros beyond `q`: the loading of the innovation on the
    /// `i`-th state.
    fn loading(&self, i: usize) -> f64 {
        match i {
            0 => 1.0,
            i if i <= self.theta.len() => self.theta[i - 1],
            _ => 0.0,
        }
    }

    /// `out = T x`.
    pub(crate) fn transition(&self, x: &[f64], out: &mut [f64]) {
        let (r, p) = (self.r, self.phi.len());
        for i in 0..r {
            let mut v = if i < p { self.phi[i] * x[0] } else { 0.0 };
            if i + 1 < r {
                v += x[i + 1];
            }
            out[i] = v;
        }
        let k = self.delta.len();
        if k > 0 {
            let mut v = x[0];
            for (j, d) in self.delta.iter().enumerate() {
                v += d * x[r + j];
            }
            out[r] = v;
            out[r + 1..r + k].copy_from_slice(&x[r..r + k - 1]);
        }
    }

    /// The observation vector `Z = (1, 0, …, 0, δ₁, …, δ_k)`.
    pub(crate) fn observation(&self) -> Vec<f64> {
        let mut z = vec![0.0; self.dim()];
        z[0] = 1.0;
        z[self.r..].copy_from_slice(&self.delta);
        z
    }

    /// `out = T P Tᵀ + R Rᵀ` for a symmetric `P` (row-major, `dim × dim`).
    pub(crate) fn predict_covariance(&self, p: &[f64], out: &mut [f64], work: &mut CovarianceWork) {
        let n = self.dim();
        // product = T P, column by column.
        for j in 0..n {
            for i in 0..n {
                work.column[i] = p[i * n + j];
            }
            self.transition(&work.column, &mut work.image);
            for i in 0..n {
                work.product[i * n + j] = work.image[i];
            }
        }
        // out = T productᵀ = T P Tᵀ (P symmetric), column by column.
        for i in 0..n {
            self.transition(&work.product[i * n..(i + 1) * n], &mut work.image);
            for j in 0..n {
                out[j * n + i] = work.image[j];
            }
        }
        for i in 0..self.r {
            let ri = self.loading(i);
            if ri != 0.0 {
                for j in 0..self.r {
                    out[i * n + j] += ri * self.loading(j);
                }
            }
        }
    }
}

/// The ψ-weights `ψ₀ = 1, ψ₁, …` of `θ(B)/φ(B)` (the first `count`).
pub(crate) fn psi_weights(phi: &[f64], theta: &[f64], count: usize) -> Vec<f64> {
    let mut psi = vec![0.0; count];
    if count == 0 {
        return psi;
    }
    psi[0] = 1.0;
    for j in 1..count {
        let mut v = if j <= theta.len() { theta[j - 1] } else { 0.0 };
        for i in 1..=j.min(phi.len()) {
            v += phi[i - 1] * psi[j - i];
        }
        psi[j] = v;
    }
    psi
}

/// Autocovariances `γ(0), …, γ(lags − 1)` of the ARMA process with unit innovation
/// variance: the first `p + 1` from the linear system
/// `γ(k) − Σᵢ φᵢ γ(|k − i|) = Σ_{j ≥ k} θⱼ ψⱼ₋ₖ`, the rest by the AR recursion. `None` when
/// the system is singular (a unit root).
pub(crate) fn arma_autocovariance(phi: &[f64], theta: &[f64], lags: usize) -> Option<Vec<f64>> {
    let (p, q) = (phi.len(), theta.len());
    let psi = psi_weights(phi, theta, q + 1);
    let loading = |j: usize| if j == 0 { 1.0 } else { theta[j - 1] };
    let c: Vec<f64> = (0..=q)
        .map(|k| (k..=q).map(|j| loading(j) * psi[j - k]).sum())
        .collect();
    let rhs = |k: usize| if k <= q { c[k] } else { 0.0 };
    let size = p + 1;
    let mut a = vec![0.0; size * size];
    for k in 0..size {
        a[k * size + k] += 1.0;
        for i in 1..=p {
            a[k * size + k.abs_diff(i)] -= phi[i - 1];
        }
    }
    let head = solve_general(a, (0..size).map(rhs).collect())?;
    let mut gamma = vec![0.0; lags.max(size)];
    gamma[..size].copy_from_slice(&head);
    for k in size..gamma.len() {
        let mut v = rhs(k);
        for i in 1..=p {
            v += phi[i - 1] * gamma[k - i];
        }
        gamma[k] = v;
    }
    gamma.truncate(lags);
    Some(gamma)
}

/// The stationary covariance `P₀ = T P₀ Tᵀ + R Rᵀ` of the ARMA state (`r × r`, row-major,
/// unit innovation variance): the discrete Lyapunov equation R's `getQ0` solves, here
/// exactly from the autocovariances. The first row is `Cov(yₜ, αₜ[j])`; the Lyapunov
/// equation then gives every other entry recursively,
/// `P[i][j] = P[i−1][j−1] − φᵢφⱼP[0][0] − φᵢP[0][j] − φⱼP[i][0] − θᵢ₋₁θⱼ₋₁`.
/// `None` when the AR part is not stationary.
pub(crate) fn stationary_covariance(phi: &[f64], theta: &[f64]) -> Option<Vec<f64>> {
    let (p, q) = (phi.len(), theta.len());
    let r = p.max(q + 1);
    let ar = |i: usize| {
        if (1..=p).contains(&i) {
            phi[i - 1]
        } else {
            0.0
        }
    };
    let ma = |i: usize| match i {
        0 => 1.0,
        i if i <= q => theta[i - 1],
        _ => 0.0,
    };
    let gamma = arma_autocovariance(phi, theta, r + 1)?;
    if !(gamma[0].is_finite() && gamma[0] > 0.0) {
        return None;
    }
    let psi = psi_weights(phi, theta, r + 1);
    let mut cov = vec![0.0; r * r];
    cov[0] = gamma[0];
    for j in 1..r {
        let mut v = 0.0;
        for l in j + 1..=r {
            v += ar(l) * gamma[l - j];
        }
        for l in j..r {
            v += ma(l) * psi[l - j];
        }
        cov[j] = v;
        cov[j * r] = v;
    }
    for i in 1..r {
        for j in i..r {
            let v = cov[(i - 1) * r + j - 1]
                - ar(i) * ar(j) * cov[0]
                - ar(i) * cov[j]
                - ar(j) * cov[i * r]
                - ma(i - 1) * ma(j - 1);
            cov[i * r + j] = v;
            cov[j * r + i] = v;
        }
    }
    cov.iter().all(|v| v.is_finite()).then_some(cov)
}

/// What the filter leaves: per series the one-step innovations `vₜ` and the filtered state
/// after the last observation; shared by all series the innovation variances `Fₜ` (in σ²
/// units) and the final filtered covariance.
#[derive(Debug, Clone)]
pub(crate) struct Filtered {
    /// Innovations `vₜ = wₜ − ŵₜ|ₜ₋₁`, one vector per series.
    pub innovations: Vec<Vec<f64>>,
    /// Innovation variances `Fₜ` (relative to σ², at least 1).
    pub gains: Vec<f64>,
    /// Filtered states `aₙ|ₙ`, one per series.
    pub states: Vec<Vec<f64>>,
    /// Filtered covariance `Pₙ|ₙ` (`r × r`).
    pub covariance: Vec<f64>,
}

/// Runs the Kalman filter of the stationary ARMA `model` (no differencing part) over each of
/// `series` (equal lengths), starting from the stationary distribution. The covariance
/// recursion does not depend on the data and is shared; it is frozen once it stops changing.
/// `None` when the AR part is not stationary or a variance degenerates.
pub(crate) fn filter(model: &StateSpace, series: &[&[f64]]) -> Option<Filtered> {
    let r = model.arma_dim();
    let n = series.first().map_or(0, |s| s.len());
    let mut predicted = stationary_covariance(&model.phi, &model.theta)?;
    let mut filtered = vec![0.0; r * r];
    let mut states = vec![vec![0.0; r]; series.len()];
    let mut innovations = vec![Vec::with_capacity(n); series.len()];
    let mut gains = Vec::with_capacity(n);
    let mut next = vec![0.0; r];
    let mut work = CovarianceWork::new(r);
    let mut steady = false;
    for t in 0..n {
        if t > 0 && !steady {
            model.predict_covariance(&filtered, &mut predicted, &mut work);
        }
        let gain = predicted[0];
        if !(gain.is_finite() && gain > 0.0) {
            return None;
        }
        gains.push(gain);
        for ((state, y), out) in states.iter_mut().zip(series).zip(innovations.iter_mut()) {
            model.transition(state, &mut next);
            let v = y[t] - next[0];
            out.push(v);
            let k = v / gain;
            for i in 0..r {
                state[i] = next[i] + predicted[i * r] * k;
            }
        }
        if !steady {
            let mut change: f64 = 0.0;
            for i in 0..r {
                let mi = predicted[i * r] / gain;
                for j in 0..r {
                    let value = predicted[i * r + j] - mi * predicted[j * r];
                    change = change.max((value - filtered[i * r + j]).abs());
                    filtered[i * r + j] = value;
                }
            }
            steady = t > 0 && change < STEADY_TOLERANCE;
        }
    }
    Some(Filtered {
        innovations,
        gains,
        states,
        covariance: filtered,
    })
}

/// Kalman forecasts (R's `KalmanForecast`) from the filtered state `a` with covariance `p`
/// of the full model: the means of the next `h` observations and their variances in σ²
/// units.
pub(crate) fn forecast(
    model: &StateSpace,
    mut a: Vec<f64>,
    mut p: Vec<f64>,
    h: usize,
) -> (Vec<f64>, Vec<f64>) {
    let n = model.dim();
    let z = model.observation();
    let mut work = CovarianceWork::new(n);
    let mut next_a = vec![0.0; n];
    let mut next_p = vec![0.0; n * n];
    let mut means = Vec::with_capacity(h);
    let mut variances = Vec::with_capacity(h);
    for _ in 0..h {
        model.transition(&a, &mut next_a);
        std::mem::swap(&mut a, &mut next_a);
        model.predict_covariance(&p, &mut next_p, &mut work);
        std::mem::swap(&mut p, &mut next_p);
        means.push(z.iter().zip(&a).map(|(zi, ai)| zi * ai).sum());
        let mut v = 0.0;
        for i in 0..n {
            if z[i] != 0.0 {
                for j in 0..n {
                    v += z[i] * z[j] * p[i * n + j];
                }
            }
        }
        variances.push(v);
    }
    (means, variances)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn autocovariances_of_textbook_models() {
        // ARMA(1,1): γ(0) = (1 + 2φθ + θ²)/(1 − φ²), γ(1) = (1 + φθ)(φ + θ)/(1 − φ²).
        let (phi, theta) = (0.6, 0.3);
        let g = arma_autocovariance(&[phi], &[theta], 3).unwrap();
        let den = 1.0 - phi * phi;
        assert!(close(
            g[0],
            (1.0 + 2.0 * phi * theta + theta * theta) / den,
            1e-14
        ));
        assert!(close(
            g[1],
            (1.0 + phi * theta) * (phi + theta) / den,
            1e-14
        ));
        assert!(close(g[2], phi * g[1], 1e-14));
        // AR(2): γ(0) = (1 − φ₂) / ((1 + φ₂)((1 − φ₂)² − φ₁²)).
        let (a1, a2) = (0.5, -0.3);
        let g = arma_autocovariance(&[a1, a2], &[], 1).unwrap();
        let want = (1.0 - a2) / ((1.0 + a2) * ((1.0 - a2).powi(2) - a1 * a1));
        assert!(close(g[0], want, 1e-14), "{} {want}", g[0]);
        // A unit root has no stationary covariance.
        assert!(stationary_covariance(&[1.0], &[]).is_none());
    }

    #[test]
    fn stationary_covariance_solves_the_lyapunov_equation() {
        // MA(1): the state (yₜ, θεₜ) has covariance [[1 + θ², θ], [θ, θ²]].
        let theta = -0.4;
        let p = stationary_covariance(&[], &[theta]).unwrap();
        let want = [1.0 + theta * theta, theta, theta, theta * theta];
        for (a, b) in p.iter().zip(want) {
            assert!(close(*a, b, 1e-14), "{p:?}");
        }
        // A seasonal ARMA: check P = T P Tᵀ + R Rᵀ entry by entry.
        let phi = vec![0.5, 0.0, 0.0, 0.3, -0.15];
        let theta = vec![0.2, 0.0, 0.0, -0.6, -0.12];
        let model = StateSpace::new(phi.clone(), theta.clone(), Vec::new());
        let p = stationary_covariance(&phi, &theta).unwrap();
        let mut next = vec![0.0; p.len()];
        model.predict_covariance(&p, &mut next, &mut CovarianceWork::new(model.dim()));
        for (a, b) in p.iter().zip(&next) {
            assert!(close(*a, *b, 1e-12), "{a} {b}");
        }
    }

    #[test]
    fn ar1_exact_likelihood_matches_the_closed_form() {
        // y₁ ~ N(0, σ²/(1 − φ²)), yₜ | yₜ₋₁ ~ N(φyₜ₋₁, σ²): the filter must give the same
        // Gaussian likelihood at fixed φ and σ².
        let phi = 0.7;
        let sigma2 = 2.5;
        let y = [1.3, -0.4, 0.8, 2.1, 1.7, -0.9, -1.5, 0.2, 0.6, 1.1];
        let ln_density =
            |x: f64, var: f64| -0.5 * ((std::f64::consts::TAU * var).ln() + x * x / var);
        let mut closed = ln_density(y[0], sigma2 / (1.0 - phi * phi));
        for t in 1..y.len() {
            closed += ln_density(y[t] - phi * y[t - 1], sigma2);
        }
        let model = StateSpace::new(vec![phi], Vec::new(), Vec::new());
        let out = filter(&model, &[&y[..]]).unwrap();
        let kalman: f64 = out.innovations[0]
            .iter()
            .zip(&out.gains)
            .map(|(v, f)| ln_density(*v, sigma2 * f))
            .sum();
        assert!((kalman - closed).abs() < 1e-12, "{kalman} {closed}");
        assert!(close(out.gains[0], 1.0 / (1.0 - phi * phi), 1e-14));
        assert!(out.gains[1..].iter().all(|f| close(*f, 1.0, 1e-14)));
        // Filtered state of an AR(1): the last observation, known exactly.
        assert!(close(out.states[0][0], y[9], 1e-14));
        assert!(out.covariance[0].abs() < 1e-14);
    }

    #[test]
    fn random_walk_forecasts_are_flat_with_linear_variance() {
        // (1 − B) y = ε: state (wₜ, yₜ₋₁) = (0.5, 3.0) → yₙ = 3.5.
        let model = StateSpace::new(Vec::new(), Vec::new(), vec![1.0]);
        let (means, variances) = forecast(&model, vec![0.5, 3.0], vec![0.0; 4], 4);
        for (h, (m, v)) in means.iter().zip(&variances).enumerate() {
            assert!(close(*m, 3.5, 1e-15));
            assert!(close(*v, (h + 1) as f64, 1e-15));
        }
    }
}
