//! Simulated prediction intervals of the nonlinear ETS models in memory that does not grow
//! with the horizon.
//!
//! Sample paths must be simulated forward, but the interval at step `t` needs only the
//! paths' values at `t`: so every path's state (level, slope, its ring of seasonal states
//! and its place in the random stream) is kept, all paths are advanced one step, that
//! step's quantiles are read off the sorted values and the values are dropped. Memory is
//! O(paths × (m + 1)) for season length `m`, plus the O(h) output, where keeping whole paths
//! took O(paths × h) (5,000 × h values: 40 GB at h = 1,000,000).
//!
//! The result equals the interval computed from [`FittedEts::simulate`]'s whole paths bit for
//! bit: path `p` takes the normal draws `p·h … p·h + h − 1` of the seeded stream, exactly as
//! when the paths are drawn one after another (`Normal::at` seeks the counter-based stream),
//! and every state update is the same arithmetic in the same order.

use crate::ets::{ErrorKind, FittedEts, SeasonKind};
use crate::forecast::{Interval, Normal, quantile_sorted};

/// Intervals at `levels` (fractions) from `paths` simulated paths of `fit`, `h` steps ahead,
/// seeded by `seed`.
pub(crate) fn simulated_intervals(
    fit: &FittedEts,
    h: usize,
    levels: &[f64],
    paths: usize,
    seed: u64,
) -> Vec<Interval> {
    let spec = fit.spec;
    let has_trend = spec.trend != crate::ets::TrendKind::None;
    let sigma = fit.sigma2.sqrt();
    let alpha = fit.params.alpha;
    let beta = fit.params.beta.unwrap_or(0.0);
    let gamma = fit.params.gamma.unwrap_or(0.0);
    let phi = fit.params.phi.unwrap_or(1.0);
    let m = fit.state.seasonal.len();
    let mut level = vec![fit.state.level; paths];
    let mut slope = vec![fit.state.slope; paths];
    // Path p's seasonal states at p·m … p·m + m − 1, a ring: at step t slot t mod m holds
    // the oldest state (the one used now), and the updated state replaces it.
    let oldest_first: Vec<f64> = fit.state.seasonal.iter().rev().copied().collect();
    let mut seasons: Vec<f64> = oldest_first.repeat(paths);
    let mut rngs: Vec<Normal> = (0..paths as u64)
        .map(|p| Normal::at(seed, p.wrapping_mul(h as u64)))
        .collect();
    let tails: Vec<f64> = levels.iter().map(|l| (1.0 - l) / 2.0).collect();
    let mut intervals: Vec<Interval> = levels
        .iter()
        .map(|&level| Interval {
            level,
            lower: Vec::with_capacity(h),
            upper: Vec::with_capacity(h),
        })
        .collect();
    let mut column = vec![0.0; paths];
    for t in 0..h {
        let slot = if m > 0 { t % m } else { 0 };
        for p in 0..paths {
            let (l, b) = (level[p], slope[p]);
            let s_old = if m > 0 { seasons[p * m + slot] } else { 0.0 };
            let phib = phi * b;
            let q = if has_trend { l + phib } else { l };
            let yhat = match spec.season {
                SeasonKind::None => q,
                SeasonKind::Additive => q + s_old,
                SeasonKind::Multiplicative => q * s_old,
            };
            let e = sigma * rngs[p].sample();
            let obs = match spec.error {
                ErrorKind::Additive => yhat + e,
                ErrorKind::Multiplicative => yhat * (1.0 + e),
            };
            column[p] = obs;
            let p_obs = match spec.season {
                SeasonKind::None => obs,
                SeasonKind::Additive => obs - s_old,
                SeasonKind::Multiplicative => obs / s_old,
            };
            level[p] = q + alpha * (p_obs - q);
            if has_trend {
                slope[p] = phib + beta * (p_obs - q);
            }
            if m > 0 {
                let detrended = match spec.season {
                    SeasonKind::Multiplicative => obs / q,
                    _ => obs - q,
                };
                seasons[p * m + slot] = s_old + gamma * (detrended - s_old);
            }
        }
        column.sort_by(f64::total_cmp);
        for (interval, &tail) in intervals.iter_mut().zip(&tails) {
            interval.lower.push(quantile_sorted(&column, tail));
            interval.upper.push(quantile_sorted(&column, 1.0 - tail));
        }
    }
    intervals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ets::{Ets, EtsSpec};

    /// The intervals the way they were computed until issue 17: every path kept whole, one
    /// column of all paths sorted per step and level.
    fn from_whole_paths(fit: &FittedEts, h: usize, levels: &[f64], paths: usize) -> Vec<Interval> {
        let all = fit.simulate(h, paths, 42);
        levels
            .iter()
            .map(|&level| {
                let (mut lower, mut upper) = (Vec::new(), Vec::new());
                for step in 0..h {
                    let mut column: Vec<f64> = all.iter().map(|p| p[step]).collect();
                    column.sort_by(f64::total_cmp);
                    let tail = (1.0 - level) / 2.0;
                    lower.push(quantile_sorted(&column, tail));
                    upper.push(quantile_sorted(&column, 1.0 - tail));
                }
                Interval {
                    level,
                    lower,
                    upper,
                }
            })
            .collect()
    }

    #[test]
    fn streamed_intervals_equal_the_whole_path_computation() {
        // Quarterly data with a trend and a multiplicative season.
        let y: Vec<f64> = (0..24)
            .map(|t| {
                let season = [0.8, 1.1, 0.9, 1.3][t % 4];
                (100.0 + 3.0 * t as f64) * season * (1.0 + 0.02 * ((t * 7 % 5) as f64 - 2.0))
            })
            .collect();
        for (code, m) in [("MAM", 4), ("MNM", 4), ("MAdN", 1), ("MNN", 1), ("AAM", 4)] {
            let spec: EtsSpec = code.parse().unwrap();
            let fit = Ets::new(spec, m).unwrap().fit(&y).unwrap();
            // Odd horizons and path counts: path p starts on the spare half of a draw pair.
            for (h, paths) in [(7, 301), (9, 40), (1, 3)] {
                let streamed = simulated_intervals(&fit, h, &[0.8, 0.95], paths, 42);
                let whole = from_whole_paths(&fit, h, &[0.8, 0.95], paths);
                assert_eq!(streamed, whole, "{code} h={h} paths={paths}");
                assert_eq!(streamed[0].lower.len(), h);
            }
        }
    }
}
