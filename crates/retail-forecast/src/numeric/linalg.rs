//! The little dense linear algebra the models need: one solver for symmetric positive
//! (semi)definite systems (Cholesky), Gaussian elimination for general square systems, and
//! (weighted) least squares by the normal equations.

/// Solves `A x = b` for symmetric positive (semi)definite `A` by Cholesky with a tiny ridge;
/// `b` receives `x`.
pub(crate) fn solve_symmetric(a: &mut [f64], b: &mut [f64], k: usize) -> Option<()> {
    let scale = (0..k).map(|i| a[i * k + i].abs()).fold(0.0, f64::max);
    if scale == 0.0 || !scale.is_finite() {
        return None;
    }
    for i in 0..k {
        a[i * k + i] += 1e-12 * scale;
    }
    for j in 0..k {
        let (row_j, below) = a[j * k..].split_at_mut(k);
        let d = row_j[j] - dot(&row_j[..j], &row_j[..j]);
        if d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        row_j[j] = d;
        // Column j of L below the diagonal: L[i][j] = (A[i][j] − L_i·L_j) / L[j][j].
        for row_i in below.chunks_exact_mut(k) {
            row_i[j] = (row_i[j] - dot(&row_i[..j], &row_j[..j])) / d;
        }
    }
    // L is in the lower triangle (row-major): forward then backward substitution.
    for i in 0..k {
        b[i] = (b[i] - dot(&a[i * k..i * k + i], &b[..i])) / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    Some(())
}

/// `a · b` with four running sums, so the loop vectorises.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a4.zip(b4) {
        for l in 0..4 {
            lanes[l] += x[l] * y[l];
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// Solves `A x = b` for square `A` (row-major, `n × n`) by Gaussian elimination with partial
/// pivoting; `None` when `A` is (numerically) singular.
pub(crate) fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    if a.len() != n * n {
        return None;
    }
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !(scale.is_finite() && scale > 0.0) {
        return if n == 0 { Some(Vec::new()) } else { None };
    }
    for c in 0..n {
        let mut pivot = c;
        for r in c + 1..n {
            if a[r * n + c].abs() > a[pivot * n + c].abs() {
                pivot = r;
            }
        }
        let largest = a[pivot * n + c];
        if largest.abs() <= 1e-13 * scale || !largest.is_finite() {
            return None;
        }
        if pivot != c {
            for k in 0..n {
                a.swap(c * n + k, pivot * n + k);
            }
            b.swap(c, pivot);
        }
        for r in c + 1..n {
            let f = a[r * n + c] / a[c * n + c];
            if f != 0.0 {
                for k in c..n {
                    a[r * n + k] -= f * a[c * n + k];
                }
                b[r] -= f * b[c];
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let mut s = b[r];
        for k in r + 1..n {
            s -= a[r * n + k] * x[k];
        }
        x[r] = s / a[r * n + r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The fit of `y` on `columns` over the rows `start..`, each row weighted by `1 / w[t]`
/// (unit weights when `weights` is `None`).
#[derive(Debug, Clone)]
pub(crate) struct LeastSquares {
    /// Coefficients, one per column.
    pub beta: Vec<f64>,
    /// Weighted residual sum of squares `Σ (y − Xβ)² / w`.
    pub ssq: f64,
    /// Rows used.
    pub rows: usize,
}

/// Weighted least squares by the normal equations; `None` when the columns are collinear
/// over the rows used.
pub(crate) fn least_squares(
    y: &[f64],
    columns: &[Vec<f64>],
    weights: Option<&[f64]>,
    start: usize,
) -> Option<LeastSquares> {
    let k = columns.len();
    let n = y.len();
    let rows = n.saturating_sub(start);
    let weight = |t: usize| weights.map_or(1.0, |w| 1.0 / w[t]);
    let beta = if k == 0 {
        Vec::new()
    } else {
        let mut a = vec![0.0; k * k];
        let mut b = vec![0.0; k];
        for (t, &yt) in y.iter().enumerate().skip(start) {
            let wt = weight(t);
            for i in 0..k {
                let xi = columns[i][t] * wt;
                b[i] += xi * yt;
                for j in i..k {
                    a[i * k + j] += xi * columns[j][t];
                }
            }
        }
        for i in 0..k {
            for j in 0..i {
                a[i * k + j] = a[j * k + i];
            }
        }
        solve(a, b)?
    };
    let mut ssq = 0.0;
    for (t, &yt) in y.iter().enumerate().skip(start) {
        let fit: f64 = columns.iter().zip(&beta).map(|(c, b)| c[t] * b).sum();
        let r = yt - fit;
        ssq += r * r * weight(t);
    }
    Some(LeastSquares { beta, ssq, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system() {
        // 2x + y = 5, x − 3y = −1 → x = 2, y = 1 (needs a pivot swap when reordered).
        let x = solve(vec![0.0, 1.0, 2.0, 1.0], vec![1.0, 5.0]).unwrap();
        assert!(
            (x[0] - 2.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14,
            "{x:?}"
        );
        assert!(solve(vec![1.0, 2.0, 2.0, 4.0], vec![1.0, 2.0]).is_none());
    }

    #[test]
    fn least_squares_recovers_a_line() {
        let t: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = t.iter().map(|v| 3.0 + 0.5 * v).collect();
        let fit = least_squares(&y, &[vec![1.0; 10], t], None, 0).unwrap();
        assert!((fit.beta[0] - 3.0).abs() < 1e-12 && (fit.beta[1] - 0.5).abs() < 1e-12);
        assert!(fit.ssq < 1e-20);
        assert_eq!(fit.rows, 10);
        // The mean of the last four values, each weighted equally.
        let w = vec![2.0; 10];
        let mean = least_squares(&y, &[vec![1.0; 10]], Some(w.as_slice()), 6).unwrap();
        assert!((mean.beta[0] - (3.0 + 0.5 * 7.5)).abs() < 1e-12);
    }
}
