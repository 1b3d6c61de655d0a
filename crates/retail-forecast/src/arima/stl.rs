//! Seasonal–trend decomposition by loess (Cleveland et al. 1990), a port of the
//! non-robust path of R's `stl` (Fortran `stl.f`: `stless`, `stlest`, `stlss`, `stlfts`,
//! `stlma`) with R's default windows, degrees and jumps. It feeds the seasonal-strength
//! heuristic of R's `nsdiffs`.

/// One loess smoother: window length, local polynomial degree (0 or 1), and the jump between
/// points where it is evaluated (the rest are interpolated).
#[derive(Debug, Clone, Copy)]
struct Loess {
    len: usize,
    degree: usize,
    jump: usize,
}

/// The seasonal and trend components (the remainder is `y − seasonal − trend`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decomposition {
    /// Seasonal component.
    pub seasonal: Vec<f64>,
    /// Trend component.
    pub trend: Vec<f64>,
}

/// R's `nextodd`.
fn next_odd(x: usize) -> usize {
    if x.is_multiple_of(2) { x + 1 } else { x }
}

/// Loess estimate at `xs` from `y[left..=right]` with tricube weights (R's `stlest`);
/// `w` is scratch of length `y.len()`. `None` when all weights vanish.
fn local_fit(
    y: &[f64],
    loess: Loess,
    xs: f64,
    left: usize,
    right: usize,
    w: &mut [f64],
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - left as f64).max(right as f64 - xs);
    if loess.len > n {
        h += ((loess.len - n) / 2) as f64;
    }
    let (h9, h1) = (0.999 * h, 0.001 * h);
    let window = &mut w[left..=right];
    let mut total = 0.0;
    for (offset, wj) in window.iter_mut().enumerate() {
        let r = ((left + offset) as f64 - xs).abs();
        *wj = if r <= h9 {
            if r <= h1 {
                1.0
            } else {
                (1.0 - (r / h).powi(3)).powi(3)
            }
        } else {
            0.0
        };
        total += *wj;
    }
    if total <= 0.0 {
        return None;
    }
    window.iter_mut().for_each(|v| *v /= total);
    if h > 0.0 && loess.degree > 0 {
        let position = |offset: usize| (left + offset) as f64;
        let mean: f64 = window
            .iter()
            .enumerate()
            .map(|(o, v)| v * position(o))
            .sum();
        let spread: f64 = window
            .iter()
            .enumerate()
            .map(|(o, v)| v * (position(o) - mean).powi(2))
            .sum();
        if spread.sqrt() > 0.001 * range {
            let slope = (xs - mean) / spread;
            for (o, v) in window.iter_mut().enumerate() {
                *v *= slope * (position(o) - mean) + 1.0;
            }
        }
    }
    Some(
        window
            .iter()
            .zip(&y[left..=right])
            .map(|(a, b)| a * b)
            .sum(),
    )
}

/// Loess smooth of `y` into `ys` (R's `stless`); `w` is scratch of length `y.len()`.
fn smooth(y: &[f64], loess: Loess, ys: &mut [f64], w: &mut [f64]) {
    let n = y.len();
    if n < 2 {
        ys[0] = y[0];
        return;
    }
    let jump = loess.jump.clamp(1, n - 1);
    let len = loess.len;
    let (mut left, mut right) = (0, n - 1);
    if len >= n {
        for i in (0..n).step_by(jump) {
            ys[i] = local_fit(y, loess, i as f64, left, right, w).unwrap_or(y[i]);
        }
    } else if jump == 1 {
        let half = len.div_ceil(2);
        right = len - 1;
        for i in 0..n {
            if i + 1 > half && right != n - 1 {
                left += 1;
                right += 1;
            }
            ys[i] = local_fit(y, loess, i as f64, left, right, w).unwrap_or(y[i]);
        }
    } else {
        let half = len.div_ceil(2);
        for i in (0..n).step_by(jump) {
            let position = i + 1;
            if position < half {
                (left, right) = (0, len - 1);
            } else if position > n - half {
                (left, right) = (n - len, n - 1);
            } else {
                (left, right) = (position - half, len + position - half - 1);
            }
            ys[i] = local_fit(y, loess, i as f64, left, right, w).unwrap_or(y[i]);
        }
    }
    if jump != 1 {
        let mut i = 0;
        while i + jump < n {
            let (start, delta) = (ys[i], (ys[i + jump] - ys[i]) / jump as f64);
            for (offset, v) in ys[i + 1..i + jump].iter_mut().enumerate() {
                *v = start + delta * (offset + 1) as f64;
            }
            i += jump;
        }
        let last = ((n - 1) / jump) * jump;
        if last != n - 1 {
            ys[n - 1] = local_fit(y, loess, (n - 1) as f64, left, right, w).unwrap_or(y[n - 1]);
            if last != n - 2 {
                let (start, delta) = (ys[last], (ys[n - 1] - ys[last]) / (n - 1 - last) as f64);
                for (offset, v) in ys[last + 1..n - 1].iter_mut().enumerate() {
                    *v = start + delta * (offset + 1) as f64;
                }
            }
        }
    }
}

/// Moving average of length `len` (R's `stlma`): `x.len() − len + 1` values into `out`.
fn moving_average(x: &[f64], len: usize, out: &mut [f64]) {
    let count = x.len() + 1 - len;
    let scale = len as f64;
    let mut v: f64 = x[..len].iter().sum();
    out[0] = v / scale;
    for j in 1..count {
        v = v - x[j - 1] + x[j + len - 1];
        out[j] = v / scale;
    }
}

/// Smooths each cycle-subseries of `y` and extends it by one value at each end (R's
/// `stlss`): `season` receives `y.len() + 2·period` values.
fn cycle_subseries(y: &[f64], period: usize, loess: Loess, season: &mut [f64], w: &mut [f64]) {
    let n = y.len();
    for j in 0..period.min(n) {
        let k = (n - 1 - j) / period + 1;
        let sub: Vec<f64> = (0..k).map(|i| y[i * period + j]).collect();
        let mut extended = vec![0.0; k + 2];
        smooth(&sub, loess, &mut extended[1..=k], w);
        let right = loess.len.min(k) - 1;
        extended[0] = local_fit(&sub, loess, -1.0, 0, right, w).unwrap_or(extended[1]);
        let left = k.saturating_sub(loess.len);
        extended[k + 1] = local_fit(&sub, loess, k as f64, left, k - 1, w).unwrap_or(extended[k]);
        for (m, v) in extended.iter().enumerate() {
            season[m * period + j] = *v;
        }
    }
}

/// R's `stl(y, s.window = seasonal_window)` with every other argument at its default
/// (`s.degree = 0`, `t.degree = l.degree = 1`, `t.window = nextodd(⌈1.5 m / (1 − 1.5 /
/// s.window)⌉)`, `l.window = nextodd(m)`, jumps `⌈window / 10⌉`, two inner passes, no
/// robustness iterations). Needs `y.len() > 2·period` and `period ≥ 2` (checked by callers).
pub(crate) fn stl(y: &[f64], period: usize, seasonal_window: usize) -> Decomposition {
    let n = y.len();
    let period = period.max(2);
    let trend_window =
        next_odd((1.5 * period as f64 / (1.0 - 1.5 / seasonal_window as f64)).ceil() as usize);
    let low_pass_window = next_odd(period);
    let window = |w: usize| next_odd(w.max(3));
    let seasonal = Loess {
        len: window(seasonal_window),
        degree: 0,
        jump: seasonal_window.div_ceil(10),
    };
    let trend_loess = Loess {
        len: window(trend_window),
        degree: 1,
        jump: trend_window.div_ceil(10),
    };
    let low_pass = Loess {
        len: window(low_pass_window),
        degree: 1,
        jump: low_pass_window.div_ceil(10),
    };
    let total = n + 2 * period;
    let mut trend = vec![0.0; n];
    let mut season = vec![0.0; n];
    let mut w1 = vec![0.0; total];
    let mut w2 = vec![0.0; total];
    let mut w3 = vec![0.0; total];
    let mut scratch = vec![0.0; total];
    for _ in 0..2 {
        for i in 0..n {
            w1[i] = y[i] - trend[i];
        }
        cycle_subseries(&w1[..n], period, seasonal, &mut w2, &mut scratch);
        // Low-pass filter of the extended seasonal: moving averages of lengths m, m, 3
        // (R's `stlfts`), then a loess smooth.
        moving_average(&w2, period, &mut w3);
        moving_average(&w3[..total - period + 1], period, &mut w1);
        moving_average(&w1[..total - 2 * period + 2], 3, &mut w3);
        smooth(&w3[..n], low_pass, &mut w1[..n], &mut scratch);
        for i in 0..n {
            season[i] = w2[period + i] - w1[i];
        }
        for i in 0..n {
            w1[i] = y[i] - season[i];
        }
        smooth(&w1[..n], trend_loess, &mut trend, &mut scratch);
    }
    Decomposition {
        seasonal: season,
        trend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_statsmodels_stl_on_air_passengers() {
        // The first three years of AirPassengers. Reference: statsmodels 0.15.0,
        // STL(y, period=12, seasonal=11, trend=21, low_pass=13, seasonal_deg=0, trend_deg=1,
        //     low_pass_deg=1, robust=False, seasonal_jump=2, trend_jump=3, low_pass_jump=2)
        //     .fit(inner_iter=2, outer_iter=0)
        // (R's stl(y, s.window = 11) settings; statsmodels ports the same Fortran).
        let y = [
            112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0, 118.0,
            115.0, 126.0, 141.0, 135.0, 125.0, 149.0, 170.0, 170.0, 158.0, 133.0, 114.0, 140.0,
            145.0, 150.0, 178.0, 163.0, 172.0, 178.0, 199.0, 199.0, 184.0, 162.0, 146.0, 166.0,
        ];
        let fit = stl(&y, 12, 11);
        let seasonal = [
            -14.397959960560499,
            -8.17584230333635,
            9.328378948434114,
            0.39869779988110565,
        ];
        let trend = [
            123.64795127017872,
            124.18085670285035,
            124.71376213552196,
            125.24666756819359,
        ];
        for i in 0..4 {
            assert!(
                (fit.seasonal[i] - seasonal[i]).abs() < 1e-9,
                "{:?}",
                &fit.seasonal[..4]
            );
            assert!(
                (fit.trend[i] - trend[i]).abs() < 1e-9,
                "{:?}",
                &fit.trend[..4]
            );
        }
        assert!((fit.trend[35] - 180.86608302047017).abs() < 1e-9);
    }

    #[test]
    fn moving_average_by_hand() {
        let mut out = [0.0; 3];
        moving_average(&[1.0, 2.0, 3.0, 4.0, 5.0], 3, &mut out);
        assert_eq!(out, [2.0, 3.0, 4.0]);
    }
}
