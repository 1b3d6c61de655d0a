//! Lag polynomials: R's reparametrisation of autoregressive blocks (`partrans`), the
//! multiplication of the seasonal and non-seasonal parts, the differencing polynomial, a
//! root-free stationarity test and R's `maInvert` (reflecting moving-average roots that lie
//! inside the unit circle).
//!
//! Sign conventions follow R: the AR polynomial is `1 − φ₁B − … − φ_pB^p`, the MA
//! polynomial `1 + θ₁B + … + θ_qB^q`.

use std::ops::{Add, AddAssign, Div, Mul, Sub, SubAssign};

use super::spec::ArimaSpec;

/// R's `partrans`: maps unconstrained values to a stationary AR block (tanh gives partial
/// autocorrelations in (−1, 1), Durbin–Levinson turns them into coefficients).
pub(crate) fn partrans(raw: &[f64]) -> Vec<f64> {
    let mut new: Vec<f64> = raw.iter().map(|v| v.tanh()).collect();
    let mut work = new.clone();
    for j in 1..new.len() {
        let a = new[j];
        for k in 0..j {
            work[k] -= a * new[j - k - 1];
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new
}

/// The inverse of [`partrans`] (R's `invpartrans`): `None` when the coefficients are not
/// stationary.
pub(crate) fn inverse_partrans(phi: &[f64]) -> Option<Vec<f64>> {
    let mut new = phi.to_vec();
    let mut work = phi.to_vec();
    for j in (1..new.len()).rev() {
        let a = new[j];
        if a.is_nan() || a.abs() >= 1.0 {
            return None;
        }
        for k in 0..j {
            work[k] = (new[k] + a * new[j - k - 1]) / (1.0 - a * a);
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new.iter()
        .map(|&v| if v.abs() < 1.0 { Some(v.atanh()) } else { None })
        .collect()
}

/// True when every root of `1 − a₁z − … − a_pz^p` lies outside the circle `|z| = margin`
/// (Schur–Cohn step-down recursion on `aᵢ·marginⁱ`; no root finding).
pub(crate) fn roots_outside(a: &[f64], margin: f64) -> bool {
    let mut cur: Vec<f64> = a
        .iter()
        .enumerate()
        .map(|(i, &v)| v * margin.powi(i as i32 + 1))
        .collect();
    while let Some(&last) = cur.last() {
        if last != 0.0 {
            break;
        }
        cur.pop();
    }
    if cur.iter().any(|v| !v.is_finite()) {
        return false;
    }
    while let Some(&k) = cur.last() {
        if k.is_nan() || k.abs() >= 1.0 {
            return false;
        }
        let j = cur.len() - 1;
        let next: Vec<f64> = (0..j)
            .map(|i| (cur[i] + k * cur[j - 1 - i]) / (1.0 - k * k))
            .collect();
        cur = next;
    }
    true
}

/// The full AR and MA polynomials of `spec` from the coefficient vector
/// `[ar(p), ma(q), sar(P), sma(Q)]` (R's `ARIMA_transPars` without the transformation):
/// `φ(B)Φ(Bᵐ)` and `θ(B)Θ(Bᵐ)` multiplied out.
pub(crate) fn expand(spec: &ArimaSpec, par: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (p, q, sp, sq, m) = (
        spec.p,
        spec.q,
        spec.seasonal_p,
        spec.seasonal_q,
        spec.season_length,
    );
    let ar = &par[..p];
    let ma = &par[p..p + q];
    let sar = &par[p + q..p + q + sp];
    let sma = &par[p + q + sp..p + q + sp + sq];
    let mut phi = vec![0.0; spec.full_ar_order()];
    let mut theta = vec![0.0; spec.full_ma_order()];
    phi[..p].copy_from_slice(ar);
    theta[..q].copy_from_slice(ma);
    for (j, &s) in sar.iter().enumerate() {
        phi[(j + 1) * m - 1] += s;
        for (i, &a) in ar.iter().enumerate() {
            phi[(j + 1) * m + i] -= a * s;
        }
    }
    for (j, &s) in sma.iter().enumerate() {
        theta[(j + 1) * m - 1] += s;
        for (i, &a) in ma.iter().enumerate() {
            theta[(j + 1) * m + i] += a * s;
        }
    }
    (phi, theta)
}

/// `δ₁, …, δ_k` with `1 − δ₁B − … − δ_kB^k = (1 − B)^d (1 − B^m)^D` (R's `Delta`).
pub(crate) fn differencing_coefficients(d: usize, seasonal_d: usize, m: usize) -> Vec<f64> {
    let mut poly = vec![1.0];
    for _ in 0..d {
        poly = multiply(&poly, &[1.0, -1.0]);
    }
    for _ in 0..seasonal_d {
        let mut s = vec![0.0; m + 1];
        s[0] = 1.0;
        s[m] = -1.0;
        poly = multiply(&poly, &s);
    }
    poly[1..].iter().map(|c| -c).collect()
}

/// Product of two polynomials given by their coefficients (lowest power first).
pub(crate) fn multiply(a: &[f64], b: &[f64]) -> Vec<f64> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

/// `(1 − B)^d (1 − B^m)^D x`: the differenced series, `d + D·m` values shorter.
pub(crate) fn difference(x: &[f64], d: usize, seasonal_d: usize, m: usize) -> Vec<f64> {
    let mut w = x.to_vec();
    for _ in 0..d {
        w = w.windows(2).map(|p| p[1] - p[0]).collect();
    }
    for _ in 0..seasonal_d {
        w = (m..w.len()).map(|t| w[t] - w[t - m]).collect();
    }
    w
}

/// R's `maInvert`: reflects the roots of `1 + θ₁z + … + θ_qz^q` that lie inside the unit
/// circle (`z → 1/z`), which leaves the exact likelihood unchanged and makes the MA part
/// invertible. Exact trailing zeros are kept.
pub(crate) fn ma_invert(ma: &[f64]) -> Vec<f64> {
    let q = ma.len();
    let q0 = ma.iter().rposition(|&v| v != 0.0).map_or(0, |i| i + 1);
    if q0 == 0 {
        return ma.to_vec();
    }
    let mut coefficients = Vec::with_capacity(q0 + 1);
    coefficients.push(1.0);
    coefficients.extend_from_slice(&ma[..q0]);
    let Some(mut roots) = polynomial_roots(&coefficients) else {
        return ma.to_vec();
    };
    if roots.iter().all(|r| r.abs() >= 1.0) {
        return ma.to_vec();
    }
    if q0 == 1 {
        let mut out = vec![0.0; q];
        out[0] = 1.0 / ma[0];
        return out;
    }
    for r in roots.iter_mut() {
        if r.abs() < 1.0 {
            *r = Complex::ONE / *r;
        }
    }
    // Π (1 − z/r), lowest power first.
    let mut x = vec![Complex::ONE];
    for r in &roots {
        let mut next = x.clone();
        next.push(Complex::ZERO);
        for (i, &xi) in x.iter().enumerate() {
            next[i + 1] -= xi / *r;
        }
        x = next;
    }
    let mut out: Vec<f64> = x[1..].iter().map(|c| c.re).collect();
    out.resize(q, 0.0);
    out
}

/// A complex number (only what the root finder needs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Complex {
    re: f64,
    im: f64,
}

impl Complex {
    const ZERO: Complex = Complex { re: 0.0, im: 0.0 };
    const ONE: Complex = Complex { re: 1.0, im: 0.0 };

    fn new(re: f64, im: f64) -> Complex {
        Complex { re, im }
    }

    fn from_polar(r: f64, angle: f64) -> Complex {
        Complex::new(r * angle.cos(), r * angle.sin())
    }

    /// The modulus.
    pub(crate) fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }

    fn is_finite(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }
}

impl Add for Complex {
    type Output = Complex;
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for Complex {
    type Output = Complex;
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
}

impl AddAssign for Complex {
    fn add_assign(&mut self, o: Complex) {
        *self = *self + o;
    }
}

impl SubAssign for Complex {
    fn sub_assign(&mut self, o: Complex) {
        *self = *self - o;
    }
}

impl Mul for Complex {
    type Output = Complex;
    fn mul(self, o: Complex) -> Complex {
        Complex::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

impl Div for Complex {
    type Output = Complex;
    fn div(self, o: Complex) -> Complex {
        // Smith's algorithm: no overflow for large components.
        if o.re.abs() >= o.im.abs() {
            let r = o.im / o.re;
            let den = o.re + o.im * r;
            Complex::new((self.re + self.im * r) / den, (self.im - self.re * r) / den)
        } else {
            let r = o.re / o.im;
            let den = o.re * r + o.im;
            Complex::new((self.re * r + self.im) / den, (self.im * r - self.re) / den)
        }
    }
}

/// Value and derivative of `Σ cₖ zᵏ` (Horner).
fn evaluate(c: &[f64], z: Complex) -> (Complex, Complex) {
    let mut p = Complex::ZERO;
    let mut dp = Complex::ZERO;
    for &ck in c.iter().rev() {
        dp = dp * z + p;
        p = p * z + Complex::new(ck, 0.0);
    }
    (p, dp)
}

/// All roots of `c₀ + c₁z + … + c_nz^n` (`c_n ≠ 0`, `c₀ ≠ 0`) by the Aberth–Ehrlich
/// iteration, polished by Newton steps. `None` when the iteration does not settle.
pub(crate) fn polynomial_roots(c: &[f64]) -> Option<Vec<Complex>> {
    let n = c.len().checked_sub(1)?;
    if n == 0 || c[n] == 0.0 || c.iter().any(|v| !v.is_finite()) {
        return None;
    }
    if n == 1 {
        return Some(vec![Complex::new(-c[0] / c[1], 0.0)]);
    }
    // Start on a circle of the geometric-mean root radius, off the real axis.
    let radius = (c[0] / c[n]).abs().powf(1.0 / n as f64).max(1e-3);
    let mut z: Vec<Complex> = (0..n)
        .map(|k| {
            let angle = std::f64::consts::TAU * k as f64 / n as f64 + 0.4;
            Complex::from_polar(radius, angle)
        })
        .collect();
    let mut settled = false;
    for _ in 0..500 {
        let mut largest_step: f64 = 0.0;
        for k in 0..n {
            let (p, dp) = evaluate(c, z[k]);
            if p.abs() == 0.0 {
                continue;
            }
            let ratio = p / dp;
            let mut repulsion = Complex::ZERO;
            for (j, &zj) in z.iter().enumerate() {
                if j != k {
                    repulsion += Complex::ONE / (z[k] - zj);
                }
            }
            let step = ratio / (Complex::ONE - ratio * repulsion);
            if !step.is_finite() {
                // A zero derivative or coincident estimates: nudge and retry.
                let nudge = Complex::new(1e-7 * (1.0 + z[k].abs()), 1e-7);
                z[k] += nudge;
                largest_step = f64::INFINITY;
                continue;
            }
            z[k] -= step;
            largest_step = largest_step.max(step.abs() / (1.0 + z[k].abs()));
        }
        if largest_step < 1e-15 {
            settled = true;
            break;
        }
    }
    for root in z.iter_mut() {
        for _ in 0..3 {
            let (p, dp) = evaluate(c, *root);
            let step = p / dp;
            if !step.is_finite() || step.abs() == 0.0 {
                break;
            }
            *root -= step;
        }
    }
    // Accept a slow (multiple-root) finish when the residuals are small.
    let scale: f64 = c.iter().map(|v| v.abs()).sum();
    let small = z.iter().all(|&r| {
        r.is_finite() && evaluate(c, r).0.abs() <= 1e-8 * scale * (1.0 + r.abs()).powi(n as i32)
    });
    (settled || small).then_some(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partrans_round_trips_and_is_stationary() {
        let raw = [0.3, -1.2, 2.0, 0.1];
        let phi = partrans(&raw);
        assert!(roots_outside(&phi, 1.0));
        let back = inverse_partrans(&phi).unwrap();
        for (a, b) in raw.iter().zip(&back) {
            assert!((a - b).abs() < 1e-10, "{raw:?} {back:?}");
        }
        // AR(1): the coefficient is tanh(x).
        assert!((partrans(&[0.5])[0] - 0.5f64.tanh()).abs() < 1e-15);
        // AR(2) by hand: pacf (a, b) → (a − ab, b).
        let (a, b) = (0.4f64.tanh(), (-0.3f64).tanh());
        let two = partrans(&[0.4, -0.3]);
        assert!((two[0] - (a - a * b)).abs() < 1e-15 && (two[1] - b).abs() < 1e-15);
    }

    #[test]
    fn stationarity_matches_known_cases() {
        // 1 − 1.5z + 0.56z² = (1 − 0.7z)(1 − 0.8z): roots 1/0.7 and 1/0.8.
        assert!(roots_outside(&[1.5, -0.56], 1.0));
        assert!(roots_outside(&[1.5, -0.56], 1.2));
        assert!(!roots_outside(&[1.5, -0.56], 1.3));
        // Random walk and explosive AR(1).
        assert!(!roots_outside(&[1.0], 1.0));
        assert!(!roots_outside(&[1.1], 1.0));
        assert!(roots_outside(&[], 1.0));
        assert!(roots_outside(&[0.5, 0.0, 0.0], 1.0));
        assert!(inverse_partrans(&[1.0]).is_none());
        assert!(inverse_partrans(&[0.5, 0.6]).is_none()); // 1 − 0.5z − 0.6z² has a root inside
    }

    #[test]
    fn seasonal_polynomials_multiply_out() {
        let spec = ArimaSpec::new(1, 0, 1).with_seasonal(1, 0, 1, 4).unwrap();
        // (1 − 0.5B)(1 − 0.3B⁴) = 1 − 0.5B − 0.3B⁴ + 0.15B⁵;
        // (1 + 0.2B)(1 − 0.6B⁴) = 1 + 0.2B − 0.6B⁴ − 0.12B⁵.
        let (phi, theta) = expand(&spec, &[0.5, 0.2, 0.3, -0.6]);
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-15);
        assert!(close(&phi, &[0.5, 0.0, 0.0, 0.3, -0.15]), "{phi:?}");
        assert!(close(&theta, &[0.2, 0.0, 0.0, -0.6, -0.12]), "{theta:?}");
    }

    #[test]
    fn differencing_polynomial_and_series() {
        // (1 − B)(1 − B⁴) = 1 − B − B⁴ + B⁵ → δ = (1, 0, 0, 1, −1).
        assert_eq!(
            differencing_coefficients(1, 1, 4),
            vec![1.0, 0.0, 0.0, 1.0, -1.0]
        );
        assert_eq!(differencing_coefficients(2, 0, 1), vec![2.0, -1.0]);
        assert!(differencing_coefficients(0, 0, 1).is_empty());
        let x = [1.0, 4.0, 9.0, 16.0, 25.0];
        assert_eq!(difference(&x, 2, 0, 1), vec![2.0, 2.0, 2.0]);
        assert_eq!(difference(&x, 0, 1, 2), vec![8.0, 12.0, 16.0]);
    }

    #[test]
    fn ma_inversion_reflects_roots() {
        // MA(1): θ → 1/θ.
        assert_eq!(ma_invert(&[2.0, 0.0]), vec![0.5, 0.0]);
        assert_eq!(ma_invert(&[0.5]), vec![0.5]);
        // (1 + 2z)(1 + 0.5z) = 1 + 2.5z + z²: reflecting −1/2 gives (1 + 0.5z)² = 1 + z + 0.25z².
        let inv = ma_invert(&[2.5, 1.0]);
        assert!(
            (inv[0] - 1.0).abs() < 1e-10 && (inv[1] - 0.25).abs() < 1e-10,
            "{inv:?}"
        );
        // Complex pair inside: 1 + z + 4z² (roots modulus 1/2) → 1 + 0.25z + 0.25z² times
        // the scale that keeps the constant at 1: (1 + z/r)(1 + z/r̄) with |r| = 2.
        let inv = ma_invert(&[1.0, 4.0]);
        assert!(
            (inv[0] - 0.25).abs() < 1e-10 && (inv[1] - 0.25).abs() < 1e-10,
            "{inv:?}"
        );
    }

    #[test]
    fn roots_of_a_cubic() {
        // (z − 1)(z − 2)(z + 3) = z³ − 7z + 6.
        let roots = polynomial_roots(&[6.0, -7.0, 0.0, 1.0]).unwrap();
        let mut re: Vec<f64> = roots.iter().map(|r| r.re).collect();
        re.sort_by(f64::total_cmp);
        for (got, want) in re.iter().zip([-3.0, 1.0, 2.0]) {
            assert!((got - want).abs() < 1e-10, "{roots:?}");
        }
        assert!(roots.iter().all(|r| r.im.abs() < 1e-10));
    }
}
