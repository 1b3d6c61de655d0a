//! Initial states: R's heuristic (a classical decomposition of the first seasons) and, for
//! the linear models, the exact least-squares states at given smoothing parameters
//! (concentrated out of the likelihood).

use super::filter::TOL;
use super::layout::{Gains, Layout};
use super::spec::SeasonKind;
use crate::numeric::linalg::{Singular, solve_symmetric};

/// Classical decomposition of the first seasons (R's `decompose`), as `initstate` uses it.
pub(super) fn heuristic_states(layout: Layout, y: &[f64]) -> Vec<f64> {
    let spec = layout.spec;
    let m = layout.m;
    let n = y.len();
    let mut adjusted = y.to_vec();
    let mut seasonal_free = Vec::new();
    if spec.has_season() {
        let take = (3 * m).min(n);
        let z = &y[..take];
        // Centred moving average of order m (2×m for even m).
        let half = m / 2;
        let mut figure = vec![0.0; m];
        let mut counts = vec![0usize; m];
        for t in half..take.saturating_sub(half) {
            let trend = if m.is_multiple_of(2) {
                if t + half >= take {
                    continue;
                }
                let mut s = 0.5 * (z[t - half] + z[t + half]);
                for v in &z[t + 1 - half..t + half] {
                    s += v;
                }
                s / m as f64
            } else {
                z[t - half..=t + half].iter().sum::<f64>() / m as f64
            };
            let detrended = if spec.season == SeasonKind::Multiplicative {
                z[t] / trend
            } else {
                z[t] - trend
            };
            if detrended.is_finite() {
                figure[t % m] += detrended;
                counts[t % m] += 1;
            }
        }
        for j in 0..m {
            figure[j] = if counts[j] > 0 {
                figure[j] / counts[j] as f64
            } else if spec.season == SeasonKind::Multiplicative {
                1.0
            } else {
                0.0
            };
        }
        let mean = figure.iter().sum::<f64>() / m as f64;
        for f in &mut figure {
            if spec.season == SeasonKind::Multiplicative {
                *f /= if mean.abs() > TOL { mean } else { 1.0 };
                *f = f.max(1e-2);
            } else {
                *f -= mean;
            }
        }
        // figure[j] is the season of times t ≡ j (mod m), t 0-based; time 1 (1-based) is
        // figure[0]. R layout: s_R[k] = season of time m − k (1-based) = figure[m − k − 1].
        seasonal_free = (0..m - 1).map(|k| figure[m - k - 1]).collect();
        for (t, v) in adjusted.iter_mut().enumerate() {
            if spec.season == SeasonKind::Multiplicative {
                *v /= figure[t % m];
            } else {
                *v -= figure[t % m];
            }
        }
    }
    let season_m = if spec.has_season() { m } else { 1 };
    let maxn = (2 * season_m).max(10).min(n);
    let mut states = Vec::new();
    if spec.has_trend() {
        // Least-squares line through the first maxn adjusted values, at times 1..maxn.
        let xs: Vec<f64> = (1..=maxn).map(|t| t as f64).collect();
        let xm = xs.iter().sum::<f64>() / maxn as f64;
        let ym = adjusted[..maxn].iter().sum::<f64>() / maxn as f64;
        let sxy: f64 = xs
            .iter()
            .zip(&adjusted[..maxn])
            .map(|(x, y)| (x - xm) * (y - ym))
            .sum();
        let sxx: f64 = xs.iter().map(|x| (x - xm) * (x - xm)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let mut l0 = ym - slope * xm;
        let mut b0 = slope;
        if (l0 + b0).abs() < 1e-8 {
            l0 *= 1.0 + 1e-3;
            b0 *= 1.0 - 1e-3;
        }
        states.push(l0);
        states.push(b0);
    } else {
        states.push(adjusted[..maxn].iter().sum::<f64>() / maxn as f64);
    }
    states.extend(seasonal_free);
    states
}

/// Least squares for the initial states of a linear model at given smoothing parameters:
/// ŷ is affine in the free states, so the SSE-minimising states solve a normal system.
pub(super) fn concentrated_states(
    layout: Layout,
    smoothing: &[f64],
    y: &[f64],
) -> Option<Vec<f64>> {
    let spec = layout.spec;
    let m = layout.m;
    let k = layout.state_len();
    if !spec.has_season() {
        return level_slope_profile(layout, smoothing, y).map(|(states, _)| states);
    }
    let Gains {
        alpha,
        beta,
        gamma,
        phi,
    } = layout.gains(smoothing);
    // Affine forms: value = c + coef · x, stored as [c, coef...] (k + 1 numbers).
    let w = k + 1;
    let mut level = vec![0.0; w];
    level[1] = 1.0;
    let mut slope = vec![0.0; w];
    let mut col = 2;
    if spec.has_trend() {
        slope[col] = 1.0;
        col += 1;
    }
    let seasonal = spec.has_season();
    let mut ring = vec![0.0; if seasonal { m * w } else { 0 }];
    if seasonal {
        // s_R[k] for k < m−1 is free state col+k; s_R[m−1] = −Σ free.
        for t in 1..=m {
            let k_r = m - t;
            let slot = (t % m) * w;
            if k_r < m - 1 {
                ring[slot + col + k_r] = 1.0;
            } else {
                for j in 0..m - 1 {
                    ring[slot + col + j] = -1.0;
                }
            }
        }
    }
    // Row i of the design holds ŷ_i's coefficients on the states; z_i = y_i − ŷ_i's constant.
    let n = y.len();
    let mut design = vec![0.0; n * k];
    let mut z = vec![0.0; n];
    let mut q = vec![0.0; w];
    let mut s_old = vec![0.0; w];
    let mut p_minus_q = vec![0.0; w];
    let trend = spec.has_trend();
    let mut t_mod_m = 0;
    for (i, (&obs, row)) in y.iter().zip(design.chunks_exact_mut(k)).enumerate() {
        t_mod_m = if t_mod_m + 1 == m { 0 } else { t_mod_m + 1 };
        let slot = if seasonal { t_mod_m * w } else { 0 };
        if seasonal {
            s_old.copy_from_slice(&ring[slot..slot + w]);
        }
        if trend {
            for ((q, l), b) in q.iter_mut().zip(&level).zip(&slope) {
                *q = l + phi * b;
            }
        } else {
            q.copy_from_slice(&level);
        }
        for ((r, q), s) in row.iter_mut().zip(&q[1..]).zip(&s_old[1..]) {
            *r = q + s;
        }
        z[i] = obs - (q[0] + s_old[0]);
        // Updates with p − q = obs − s_old − q (the constant carries obs, the forms 0); the
        // season's update γ (obs − q − s_old) is the same p − q.
        for (j, pmq) in p_minus_q.iter_mut().enumerate() {
            *pmq = -s_old[j] - q[j];
        }
        p_minus_q[0] += obs;
        for ((l, q), d) in level.iter_mut().zip(&q).zip(&p_minus_q) {
            *l = q + alpha * d;
        }
        if trend {
            for (b, d) in slope.iter_mut().zip(&p_minus_q) {
                *b = phi * *b + beta * d;
            }
        }
        if seasonal {
            for ((r, s), d) in ring[slot..slot + w].iter_mut().zip(&s_old).zip(&p_minus_q) {
                *r = s + gamma * d;
            }
        }
    }
    // The normal equations through matrixmultiply's blocked kernels (the hot spot of
    // automatic seasonal ETS: one call per trial of the smoothing parameters).
    // Few states (no season): plain loops beat the kernels' packing.
    let (mut xtx, mut xtz) = if k < 16 {
        let mut xtx = vec![0.0; k * k];
        let mut xtz = vec![0.0; k];
        for (row, z) in design.chunks_exact(k).zip(&z) {
            for (a, &xa) in row.iter().enumerate() {
                xtz[a] += xa * z;
                for (g, xb) in xtx[a * k..(a + 1) * k].iter_mut().zip(row) {
                    *g += xa * xb;
                }
            }
        }
        (xtx, xtz)
    } else {
        let x = ndarray::ArrayView2::from_shape((n, k), &design).ok()?;
        let xtx: Vec<f64> = x.t().dot(&x).iter().copied().collect();
        (xtx, x.t().dot(&ndarray::ArrayView1::from(&z)).to_vec())
    };
    solve_symmetric(&mut xtx, &mut xtz, k, Singular::Ridge)?;
    Some(xtz)
}

/// [`concentrated_states`] for a model without a season, and the SSE there (from the
/// normal equations: `zᵀz − bᵀXᵀz`), so an additive-error profile needs no filter pass.
pub(super) fn level_slope_profile(
    layout: Layout,
    smoothing: &[f64],
    y: &[f64],
) -> Option<(Vec<f64>, f64)> {
    let g = layout.gains(smoothing);
    if layout.spec.has_trend() {
        concentrated_level_slope::<3>(g, y)
    } else {
        concentrated_level_slope::<2>(g, y)
    }
}

/// [`level_slope_profile`] on fixed-size forms: `W` = 2 (level) or 3 (level and slope; β
/// and φ unused when 2).
fn concentrated_level_slope<const W: usize>(g: Gains, y: &[f64]) -> Option<(Vec<f64>, f64)> {
    let Gains {
        alpha, beta, phi, ..
    } = g;
    let trend = W == 3;
    let mut level = [0.0; W];
    level[1] = 1.0;
    let mut slope = [0.0; W];
    if trend {
        slope[2] = 1.0;
    }
    let mut xtx = [[0.0; W]; W];
    let mut xtz = [0.0; W];
    let mut zz = 0.0;
    for &obs in y {
        let mut q = level;
        if trend {
            for (q, b) in q.iter_mut().zip(&slope) {
                *q += phi * b;
            }
        }
        let z = obs - q[0];
        zz += z * z;
        for a in 1..W {
            xtz[a] += q[a] * z;
            for b in 1..W {
                xtx[a][b] += q[a] * q[b];
            }
        }
        for j in 0..W {
            let p_minus_q = if j == 0 { obs - q[0] } else { -q[j] };
            level[j] = q[j] + alpha * p_minus_q;
            if trend {
                slope[j] = phi * slope[j] + beta * p_minus_q;
            }
        }
    }
    let k = W - 1;
    let mut a: Vec<f64> = (1..W).flat_map(|i| xtx[i][1..].to_vec()).collect();
    let mut b = xtz[1..].to_vec();
    debug_assert_eq!(a.len(), k * k);
    solve_symmetric(&mut a, &mut b, k, Singular::Ridge)?;
    let explained: f64 = b.iter().zip(&xtz[1..]).map(|(b, z)| b * z).sum();
    Some((b, zz - explained))
}

#[cfg(test)]
mod tests {
    use super::super::filter::run;
    use super::*;

    #[test]
    fn concentrated_states_recover_a_noise_free_linear_model() {
        // Data generated by AAA with known states and tiny smoothing: the least-squares
        // states must reproduce it.
        let layout = Layout {
            spec: "AAA".parse().unwrap(),
            m: 4,
        };
        let truth = layout.params(&[0.2, 0.05, 0.1], &[100.0, 2.0, 5.0, -3.0, 1.0]);
        // Noise-free observations: y = ŷ at every step (ŷₜ does not depend on yₜ).
        let mut y = vec![0.0; 24];
        for i in 0..24 {
            let mut f = vec![0.0; i + 1];
            run(layout.spec, 4, &truth, &y[..=i], Some(&mut f));
            y[i] = f[i];
        }
        let states = concentrated_states(layout, &[0.2, 0.05, 0.1], &y).unwrap();
        for (a, b) in states.iter().zip([100.0, 2.0, 5.0, -3.0, 1.0]) {
            assert!((a - b).abs() < 1e-6, "{states:?}");
        }
    }
}
