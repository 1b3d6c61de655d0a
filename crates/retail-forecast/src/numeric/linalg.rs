//! The little dense linear algebra the models need: one solver for symmetric positive
//! (semi)definite systems (Cholesky as `L D Lᵀ`), Gaussian elimination for general square
//! systems, and (weighted) least squares by the normal equations.

/// What [`solve_symmetric`] does with a (nearly) singular matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Singular {
    /// Adds `1e-12 · max diag(A)` to the diagonal first, so that a semidefinite system still
    /// solves (ETS's concentrated initial states: any least-squares solution will do); fails
    /// only when a pivot is not positive even then.
    Ridge,
    /// No ridge; fails when a pivot falls to `1e-13 · max diag(A)` or below, i.e. when the
    /// system is rank deficient (collinear columns in [`least_squares`]).
    Fail,
}

/// Solves `A x = b` for symmetric positive (semi)definite `A` (row-major `k × k`; only the
/// diagonal and the lower triangle are read) by the square-root-free Cholesky factorisation
/// `A = L D Lᵀ`; `b` receives `x`. `singular` chooses between a tiny ridge and a rank check.
/// `A` is overwritten by its factor.
pub(crate) fn solve_symmetric(
    a: &mut [f64],
    b: &mut [f64],
    k: usize,
    singular: Singular,
) -> Option<()> {
    let scale = (0..k).map(|i| a[i * k + i].abs()).fold(0.0, f64::max);
    if scale == 0.0 || !scale.is_finite() {
        return None;
    }
    let floor = match singular {
        Singular::Ridge => {
            for i in 0..k {
                a[i * k + i] += 1e-12 * scale;
            }
            0.0
        }
        Singular::Fail => 1e-13 * scale,
    };
    // A = L D Lᵀ with unit lower-triangular L (below the diagonal) and D (on it); `scaled`
    // holds row j of L times D. No square roots: a diagonal system solves exactly.
    let mut scaled = vec![0.0; k];
    for j in 0..k {
        for (m, s) in scaled[..j].iter_mut().enumerate() {
            *s = a[j * k + m] * a[m * k + m];
        }
        let (row_j, below) = a[j * k..].split_at_mut(k);
        let d = row_j[j] - dot(&row_j[..j], &scaled[..j]);
        if d <= floor {
            return None;
        }
        row_j[j] = d;
        // Column j of L below the diagonal: L[i][j] = (A[i][j] − Σ L[i][m] D[m] L[j][m]) / D[j].
        for row_i in below.chunks_exact_mut(k) {
            row_i[j] = (row_i[j] - dot(&row_i[..j], &scaled[..j])) / d;
        }
    }
    // Forward substitution with L, the division by D, then back substitution with Lᵀ.
    for i in 0..k {
        b[i] -= dot(&a[i * k..i * k + i], &b[..i]);
    }
    for i in 0..k {
        b[i] /= a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s;
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

/// Solves `A x = b` for square, not necessarily symmetric `A` (row-major, `n × n`) by
/// Gaussian elimination with partial pivoting; `None` when `A` is (numerically) singular.
/// Symmetric systems go through [`solve_symmetric`]; this one serves ARIMA's autocovariance
/// equations.
pub(crate) fn solve_general(mut a: Vec<f64>, mut b: Vec<f64>) -> Option<Vec<f64>> {
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

/// Weighted least squares by the normal equations, solved by [`solve_symmetric`] with its
/// rank check; `None` when the columns are collinear over the rows used.
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
        solve_symmetric(&mut a, &mut b, k, Singular::Fail)?;
        if !b.iter().all(|v| v.is_finite()) {
            return None;
        }
        b
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
        let x = solve_general(vec![0.0, 1.0, 2.0, 1.0], vec![1.0, 5.0]).unwrap();
        assert!(
            (x[0] - 2.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14,
            "{x:?}"
        );
        assert!(solve_general(vec![1.0, 2.0, 2.0, 4.0], vec![1.0, 2.0]).is_none());
    }

    #[test]
    fn symmetric_systems_solve_and_singular_ones_follow_the_policy() {
        // 4x + 2y = 10, 2x + 3y = 9 → x = 1.5, y = 2.
        for singular in [Singular::Fail, Singular::Ridge] {
            let (mut a, mut b) = (vec![4.0, 2.0, 2.0, 3.0], vec![10.0, 9.0]);
            solve_symmetric(&mut a, &mut b, 2, singular).unwrap();
            assert!(
                (b[0] - 1.5).abs() < 1e-10 && (b[1] - 2.0).abs() < 1e-10,
                "{b:?}"
            );
        }
        // Rank one: the rank check refuses it, the ridge solves it.
        let singular = || (vec![1.0, 2.0, 2.0, 4.0], vec![1.0, 2.0]);
        let (mut a, mut b) = singular();
        assert!(solve_symmetric(&mut a, &mut b, 2, Singular::Fail).is_none());
        let (mut a, mut b) = singular();
        assert!(solve_symmetric(&mut a, &mut b, 2, Singular::Ridge).is_some());
        assert!(b.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn least_squares_refuses_collinear_columns() {
        let t: Vec<f64> = (0..10).map(f64::from).collect();
        let twice: Vec<f64> = t.iter().map(|v| 2.0 * v).collect();
        let y: Vec<f64> = t.iter().map(|v| 1.0 + v).collect();
        assert!(least_squares(&y, &[vec![1.0; 10], t, twice], None, 0).is_none());
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
