//! Exponential smoothing in the innovations state-space form of Hyndman, Koehler, Ord &
//! Snyder (2008): additive or multiplicative error; no, additive or damped trend; no,
//! additive or multiplicative season.
//!
//! Conventions follow R's `forecast::ets` (and statsforecast, its port):
//! - the state update is R's `etscalc` (`l_t = q + α(p − q)`, `b_t = φb + β(p − q)`,
//!   `s_t = s + γ(t − s)`, with `q = l + φb`, `p` the deseasonalised observation and `t` the
//!   detrended one); `β` is Hyndman's `β`, not `β* = β/α`;
//! - the log-likelihood drops the Gaussian constants: `−½ n ln SSE` for additive error,
//!   `−½ (n ln Σ eₜ² + 2 Σ ln|ŷₜ|)` with relative errors for multiplicative error;
//! - the parameter count `np` is the free smoothing parameters plus the free initial states
//!   (`l₀`, `b₀`, `m − 1` seasonal states; the m-th is fixed by the normalisation Σs = 0 or
//!   Σs = m) plus one for σ; AIC = −2 loglik + 2 np, AICc and BIC as in R;
//! - parameters stay in R's "usual" region: `1e-4 ≤ α ≤ 0.9999`, `1e-4 ≤ β ≤ α`,
//!   `1e-4 ≤ γ ≤ 1 − α`, `0.8 ≤ φ ≤ 0.98`.
//!
//! Fitting is maximum likelihood from several starting points. For the linear models
//! (additive error, trend and season) the initial states are concentrated out exactly by
//! least squares at every trial of the smoothing parameters, so the optimiser searches at
//! most four dimensions whatever the season length; the other models start from the linear
//! fit and R's heuristic initial states and refine everything by Nelder–Mead.

use std::fmt;
use std::str::FromStr;

use ndarray::Array1;
use serde::Serialize;

use crate::ForecastError;
use crate::forecast::Forecast;
use crate::numeric::linalg::{Singular, dot, solve_symmetric};
use crate::numeric::nelder_mead::{Minimum, NelderMead};

/// The error component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorKind {
    /// `y = ŷ + ε`.
    Additive,
    /// `y = ŷ (1 + ε)`.
    Multiplicative,
}

/// The trend component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TrendKind {
    /// No trend.
    None,
    /// Additive (linear) trend.
    Additive,
    /// Additive damped trend.
    Damped,
}

/// The seasonal component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SeasonKind {
    /// No season.
    None,
    /// Additive season.
    Additive,
    /// Multiplicative season.
    Multiplicative,
}

/// An ETS model specification such as `AAdM` (error, trend, season).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtsSpec {
    /// Error.
    pub error: ErrorKind,
    /// Trend.
    pub trend: TrendKind,
    /// Season.
    pub season: SeasonKind,
}

impl EtsSpec {
    /// Every specification with these components allowed (no multiplicative trend).
    pub fn all() -> Vec<EtsSpec> {
        let mut out = Vec::new();
        for error in [ErrorKind::Additive, ErrorKind::Multiplicative] {
            for trend in [TrendKind::None, TrendKind::Additive, TrendKind::Damped] {
                for season in [
                    SeasonKind::None,
                    SeasonKind::Additive,
                    SeasonKind::Multiplicative,
                ] {
                    out.push(EtsSpec {
                        error,
                        trend,
                        season,
                    });
                }
            }
        }
        out
    }

    /// The short code, e.g. `AAdM`.
    pub fn code(&self) -> String {
        let e = match self.error {
            ErrorKind::Additive => "A",
            ErrorKind::Multiplicative => "M",
        };
        let t = match self.trend {
            TrendKind::None => "N",
            TrendKind::Additive => "A",
            TrendKind::Damped => "Ad",
        };
        let s = match self.season {
            SeasonKind::None => "N",
            SeasonKind::Additive => "A",
            SeasonKind::Multiplicative => "M",
        };
        format!("{e}{t}{s}")
    }

    /// True when every component is additive (the linear class with analytic intervals).
    pub fn is_linear(&self) -> bool {
        self.error == ErrorKind::Additive && self.season != SeasonKind::Multiplicative
    }

    fn has_trend(&self) -> bool {
        self.trend != TrendKind::None
    }

    fn has_season(&self) -> bool {
        self.season != SeasonKind::None
    }

    fn needs_positive_data(&self) -> bool {
        self.error == ErrorKind::Multiplicative || self.season == SeasonKind::Multiplicative
    }
}

impl fmt::Display for EtsSpec {
    /// `ETS(A,Ad,M)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        let (e, rest) = code.split_at(1);
        let (t, s) = rest.split_at(rest.len() - 1);
        write!(f, "ETS({e},{t},{s})")
    }
}

impl FromStr for EtsSpec {
    type Err = ForecastError;

    /// Parses `AAdM`, `MNN`, `ETS(A,Ad,M)` (case-insensitive).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ForecastError::InvalidParameter {
            parameter: "model",
            message: format!(
                "'{text}' is not an ETS specification such as ANN, AAdN, MAM or ETS(A,Ad,M)"
            ),
        };
        let mut s: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '(' | ')'))
            .collect::<String>()
            .to_ascii_uppercase();
        if let Some(rest) = s.strip_prefix("ETS") {
            s = rest.to_string();
        }
        let mut chars = s.chars();
        let error = match chars.next() {
            Some('A') => ErrorKind::Additive,
            Some('M') => ErrorKind::Multiplicative,
            _ => return Err(bad()),
        };
        let rest: String = chars.collect();
        let (trend, season) = match rest.as_str() {
            r if r.len() == 3 && r.starts_with("AD") => (TrendKind::Damped, &r[2..]),
            r if r.len() == 2 && r.starts_with('A') => (TrendKind::Additive, &r[1..]),
            r if r.len() == 2 && r.starts_with('N') => (TrendKind::None, &r[1..]),
            _ => return Err(bad()),
        };
        let season = match season {
            "N" => SeasonKind::None,
            "A" => SeasonKind::Additive,
            "M" => SeasonKind::Multiplicative,
            _ => return Err(bad()),
        };
        Ok(EtsSpec {
            error,
            trend,
            season,
        })
    }
}

/// Smoothing parameters and initial states, in R's layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtsParams {
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing (Hyndman's β).
    pub beta: Option<f64>,
    /// Seasonal smoothing.
    pub gamma: Option<f64>,
    /// Damping.
    pub phi: Option<f64>,
    /// Initial level `l₀`.
    pub level: f64,
    /// Initial slope `b₀`.
    pub slope: Option<f64>,
    /// Initial seasonal states `[s₀, s₋₁, …, s₋₍ₘ₋₁₎]` (most recent first; the first
    /// observation uses the last).
    pub seasonal: Vec<f64>,
}

/// The state after the last observation: what forecasts start from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtsState {
    /// Level.
    pub level: f64,
    /// Slope (0 without trend).
    pub slope: f64,
    /// Seasonal states, most recent first (empty without season).
    pub seasonal: Vec<f64>,
}

const TOL: f64 = 1e-10;

/// One pass of the model over `y`.
struct Pass {
    /// Σ e² (relative errors for multiplicative error).
    sse: f64,
    /// Σ ln|ŷ| (multiplicative error only).
    sum_log: f64,
    state: EtsState,
}

/// The filter of R's `etscalc`; `fitted` receives ŷ when given. `None` when a forecast
/// or a divisor is (numerically) zero or the values blow up.
fn run(
    spec: EtsSpec,
    m: usize,
    p: &EtsParams,
    y: &[f64],
    fitted: Option<&mut [f64]>,
) -> Option<Pass> {
    use ErrorKind as E;
    use SeasonKind as S;
    use TrendKind as T;
    // One copy of the loop per model, with the spec a constant: the per-step branches on the
    // components fold away (the filter is most of a fit's time).
    macro_rules! specialised {
        ($(($e:ident, $t:ident, $s:ident)),*) => {
            match (spec.error, spec.trend, spec.season) {
                $((E::$e, T::$t, S::$s) => filter(
                    EtsSpec { error: E::$e, trend: T::$t, season: S::$s }, m, p, y, fitted,
                ),)*
            }
        };
    }
    specialised!(
        (Additive, None, None),
        (Additive, None, Additive),
        (Additive, None, Multiplicative),
        (Additive, Additive, None),
        (Additive, Additive, Additive),
        (Additive, Additive, Multiplicative),
        (Additive, Damped, None),
        (Additive, Damped, Additive),
        (Additive, Damped, Multiplicative),
        (Multiplicative, None, None),
        (Multiplicative, None, Additive),
        (Multiplicative, None, Multiplicative),
        (Multiplicative, Additive, None),
        (Multiplicative, Additive, Additive),
        (Multiplicative, Additive, Multiplicative),
        (Multiplicative, Damped, None),
        (Multiplicative, Damped, Additive),
        (Multiplicative, Damped, Multiplicative)
    )
}

#[inline(always)]
fn filter(
    spec: EtsSpec,
    m: usize,
    p: &EtsParams,
    y: &[f64],
    mut fitted: Option<&mut [f64]>,
) -> Option<Pass> {
    let phi = p.phi.unwrap_or(1.0);
    let beta = p.beta.unwrap_or(0.0);
    let gamma = p.gamma.unwrap_or(0.0);
    let (mut l, mut b) = (p.level, p.slope.unwrap_or(0.0));
    let seasonal = spec.has_season();
    // ring[t % m] holds the seasonal state used at time t (1-based): s_{t−m}.
    let mut ring = vec![0.0; if seasonal { m } else { 0 }];
    if seasonal {
        for t in 1..=m {
            ring[t % m] = p.seasonal[m - t];
        }
    }
    let (mut sse, mut sum_log) = (0.0, 0.0);
    // Σ ln|ŷ| as the log of running products, taken before they can leave f64's range: one
    // `ln` per dozens of steps instead of one per step (a quarter of a fit's time otherwise).
    let mut product = 1.0f64;
    let multiplicative_error = spec.error == ErrorKind::Multiplicative;
    let one_minus_alpha = 1.0 - p.alpha;
    let phi_one_minus_beta = phi * (1.0 - beta);
    // The slot of time t = i + 1, kept by a wrapping counter (a division per step costs more
    // than the rest of the step).
    let mut slot = 0;
    for (i, &obs) in y.iter().enumerate() {
        if seasonal {
            slot = if slot + 1 == m { 0 } else { slot + 1 };
        }
        let s_old = if seasonal { ring[slot] } else { 0.0 };
        let phib = phi * b;
        let q = if spec.has_trend() { l + phib } else { l };
        let yhat = match spec.season {
            SeasonKind::None => q,
            SeasonKind::Additive => q + s_old,
            SeasonKind::Multiplicative => q * s_old,
        };
        if let Some(f) = fitted.as_deref_mut() {
            f[i] = yhat;
        }
        if multiplicative_error {
            if yhat.abs() < TOL {
                return None;
            }
            let e = (obs - yhat) / yhat;
            sse += e * e;
            // |ŷ| ≥ TOL here; huge values go straight to the sum, so the product stays finite.
            let size = yhat.abs();
            if size > 1e100 {
                sum_log += size.ln();
            } else {
                product *= size;
            }
            if !(1e-150..=1e150).contains(&product) {
                sum_log += product.ln();
                product = 1.0;
            }
        } else {
            let e = obs - yhat;
            sse += e * e;
        }
        let p_obs = match spec.season {
            SeasonKind::None => obs,
            SeasonKind::Additive => obs - s_old,
            SeasonKind::Multiplicative => {
                if s_old.abs() < TOL {
                    return None;
                }
                obs / s_old
            }
        };
        // l' = q + α(p − q) and b' = φb + β(p − q), regrouped so that each state's chain
        // from one step to the next is one multiply and one add deep (the filter is
        // latency-bound): l' = (1 − α) q + α p, b' = φ(1 − β) b + β (p − l).
        let l_new = one_minus_alpha * q + p.alpha * p_obs;
        if spec.has_trend() {
            b = phi_one_minus_beta * b + beta * (p_obs - l);
        }
        if seasonal {
            let detrended = match spec.season {
                SeasonKind::Multiplicative => {
                    if q.abs() < TOL {
                        return None;
                    }
                    obs / q
                }
                _ => obs - q,
            };
            ring[slot] = s_old + gamma * (detrended - s_old);
        }
        l = l_new;
    }
    sum_log += product.ln();
    if !(sse.is_finite() && l.is_finite() && b.is_finite()) {
        return None;
    }
    let n = y.len();
    let seasonal_state = if seasonal {
        // Most recent first: s_n, s_{n−1}, …
        (0..m).map(|j| ring[(n + m - j) % m]).collect()
    } else {
        Vec::new()
    };
    Some(Pass {
        sse,
        sum_log,
        state: EtsState {
            level: l,
            slope: if spec.has_trend() { b } else { 0.0 },
            seasonal: seasonal_state,
        },
    })
}

/// `n ln SSE (+ 2 Σ ln|ŷ|)`: minus twice R's log-likelihood.
fn lik(spec: EtsSpec, pass: &Pass, n: usize) -> f64 {
    if pass.sse <= 0.0 {
        // A perfect fit: the likelihood is unbounded; report a very good but finite value.
        return n as f64 * (1e-300f64).ln();
    }
    let mut v = n as f64 * pass.sse.ln();
    if spec.error == ErrorKind::Multiplicative {
        v += 2.0 * pass.sum_log;
    }
    v
}

/// Where the free parameters sit in the optimiser's vector.
#[derive(Debug, Clone, Copy)]
struct Layout {
    spec: EtsSpec,
    m: usize,
}

impl Layout {
    fn smoothing_len(&self) -> usize {
        1 + usize::from(self.spec.has_trend())
            + usize::from(self.spec.has_season())
            + usize::from(self.spec.trend == TrendKind::Damped)
    }

    fn state_len(&self) -> usize {
        1 + usize::from(self.spec.has_trend())
            + if self.spec.has_season() {
                self.m - 1
            } else {
                0
            }
    }

    /// Smoothing parameters from the front of the optimiser's vector `x`, projected into
    /// the usual region. The optimiser works on `(α, β/α, γ/(1−α), φ)`, a box, so the
    /// corners `β = α` and `γ = 1 − α` (where the optimum often sits) are easy to reach.
    fn smoothing(&self, x: &[f64]) -> (f64, Option<f64>, Option<f64>, Option<f64>) {
        let mut i = 1;
        let alpha = x[0].clamp(1e-4, 0.9999);
        let beta = self.spec.has_trend().then(|| {
            i += 1;
            (x[i - 1].clamp(0.0, 1.0) * alpha).max(1e-4).min(alpha)
        });
        let gamma = self.spec.has_season().then(|| {
            i += 1;
            (x[i - 1].clamp(0.0, 1.0) * (1.0 - alpha))
                .max(1e-4)
                .min(1.0 - alpha)
        });
        let phi = (self.spec.trend == TrendKind::Damped).then(|| x[i].clamp(0.8, 0.98));
        (alpha, beta, gamma, phi)
    }

    /// The linear filter's gains at smoothing `x` (β = γ = 0 and φ = 1 where absent).
    fn gains(&self, x: &[f64]) -> Gains {
        let (alpha, beta, gamma, phi) = self.smoothing(x);
        Gains {
            alpha,
            beta: beta.unwrap_or(0.0),
            gamma: gamma.unwrap_or(0.0),
            phi: phi.unwrap_or(1.0),
        }
    }

    /// How far `x` lies outside the optimiser's box (0 inside): a gentle pull back.
    fn outside(&self, x: &[f64]) -> f64 {
        let mut d = 0.0;
        let mut add = |v: f64, lo: f64, hi: f64| {
            if v < lo {
                d += lo - v;
            } else if v > hi {
                d += v - hi;
            }
        };
        let mut i = 0;
        add(x[i], 1e-4, 0.9999);
        if self.spec.has_trend() {
            i += 1;
            add(x[i], 0.0, 1.0);
        }
        if self.spec.has_season() {
            i += 1;
            add(x[i], 0.0, 1.0);
        }
        if self.spec.trend == TrendKind::Damped {
            i += 1;
            add(x[i], 0.8, 0.98);
        }
        d
    }

    /// Full parameters from smoothing `x` and free states (level, slope, m−1 seasonal).
    fn params(&self, smoothing: &[f64], states: &[f64]) -> EtsParams {
        let (alpha, beta, gamma, phi) = self.smoothing(smoothing);
        let mut i = 0;
        let level = states[i];
        i += 1;
        let slope = self.spec.has_trend().then(|| {
            i += 1;
            states[i - 1]
        });
        let seasonal = if self.spec.has_season() {
            let free = &states[i..i + self.m - 1];
            let norm = if self.spec.season == SeasonKind::Multiplicative {
                self.m as f64
            } else {
                0.0
            };
            let mut s = free.to_vec();
            s.push(norm - free.iter().sum::<f64>());
            s
        } else {
            Vec::new()
        };
        EtsParams {
            alpha,
            beta,
            gamma,
            phi,
            level,
            slope,
            seasonal,
        }
    }

    fn free_states(&self, p: &EtsParams) -> Vec<f64> {
        let mut v = vec![p.level];
        if let Some(b) = p.slope {
            v.push(b);
        }
        if self.spec.has_season() {
            v.extend_from_slice(&p.seasonal[..self.m - 1]);
        }
        v
    }

    /// The optimiser's vector of `p`'s smoothing parameters (inverse of `smoothing`).
    fn smoothing_vec(&self, p: &EtsParams) -> Vec<f64> {
        let mut v = vec![p.alpha];
        v.extend(p.beta.map(|b| b / p.alpha));
        v.extend(p.gamma.map(|g| g / (1.0 - p.alpha)));
        v.extend(p.phi);
        v
    }
}

/// Starting points in the optimiser's coordinates: R's `initparam` values (α = 0.2/m of
/// its range, β = 0.1 α, γ = 0.05 (1 − α), φ = 0.978) and spread-out others, including the
/// corners β = α and γ = 1 − α. `many` adds more for the cheap concentrated searches.
fn smoothing_starts(layout: Layout, many: bool) -> Vec<Vec<f64>> {
    let m = if layout.spec.has_season() {
        layout.m
    } else {
        1
    };
    let r_alpha = (1e-4 + 0.2 * (0.9999 - 1e-4) / m as f64).clamp(2e-4, 0.9998);
    let mut grid: Vec<(f64, f64, f64)> =
        vec![(r_alpha, 0.1, 0.05), (0.5, 0.1, 0.05), (0.95, 0.9, 0.5)];
    if many {
        grid.extend([
            (0.2, 0.5, 0.5),
            (0.05, 0.9, 0.9),
            (0.9999, 1.0, 0.0),
            (0.02, 0.02, 0.02),
        ]);
    }
    grid.into_iter()
        .map(|(alpha, u, v)| {
            let mut x = vec![alpha];
            if layout.spec.has_trend() {
                x.push(u);
            }
            if layout.spec.has_season() {
                x.push(v);
            }
            if layout.spec.trend == TrendKind::Damped {
                x.push(0.978);
            }
            x
        })
        .collect()
}

/// Classical decomposition of the first seasons (R's `decompose`), as `initstate` uses it.
fn heuristic_states(layout: Layout, y: &[f64]) -> Vec<f64> {
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
fn concentrated_states(layout: Layout, smoothing: &[f64], y: &[f64]) -> Option<Vec<f64>> {
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

/// Warm-started least squares for the initial states of a linear model with a long season.
///
/// ŷ is affine in the free states `x`: ŷ = c + X x, where c is the filter's output from a
/// zero start and `X x` its output from start `x` with all observations zero. Conjugate
/// gradients on the normal equations (CGLS) need only products with X (the zero-data filter,
/// O(n)) and Xᵀ (its adjoint, run backwards in time), never X itself: with m = 52 that is
/// two orders of magnitude less work per trial than forming XᵀX, and a search's consecutive
/// trials start from the previous solution, so a few iterations suffice. When the iteration
/// does not settle it falls back to the exact normal equations.
struct LongSeasonStates<'a> {
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

/// Smoothing parameters of the linear filter: α, β, γ, φ (β = 0 and φ = 1 without trend).
#[derive(Debug, Clone, Copy)]
struct Gains {
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
}

impl<'a> LongSeasonStates<'a> {
    /// For a linear seasonal `layout` (additive error and season) and the data `y`.
    fn new(layout: Layout, y: &'a [f64]) -> LongSeasonStates<'a> {
        debug_assert!(layout.spec.is_linear() && layout.spec.has_season());
        LongSeasonStates {
            layout,
            y,
            recent: Vec::new(),
            ring: vec![0.0; layout.m],
        }
    }

    /// The least-squares free states at smoothing `x` (the optimiser's coordinates).
    fn solve(&mut self, x: &[f64]) -> Option<Vec<f64>> {
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
    fn relative_error_states(&mut self, x: &[f64], start: Vec<f64>) -> Option<Vec<f64>> {
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
        let mut value_and_gradient = |me: &mut Self, states: &[f64], grad: &mut [f64]| -> f64 {
            me.forward(g, states, &mut yhat);
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
            me.adjoint(g, &weights, grad);
            n as f64 * sse.ln() + 2.0 * sum_log
        };
        let k = start.len();
        let mut xk = start;
        let mut grad = vec![0.0; k];
        let mut value = value_and_gradient(self, &xk, &mut grad);
        if !value.is_finite() {
            return None;
        }
        // L-BFGS, memory 6, backtracking (Armijo) line search.
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
                // A first step of about 1 % of the states' size.
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
                let v = value_and_gradient(self, &trial, &mut trial_grad);
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

/// [`concentrated_states`] for a model without a season, and the SSE there (from the
/// normal equations: `zᵀz − bᵀXᵀz`), so an additive-error profile needs no filter pass.
fn level_slope_profile(layout: Layout, smoothing: &[f64], y: &[f64]) -> Option<(Vec<f64>, f64)> {
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

/// How to fit an ETS model.
#[derive(Debug, Clone, PartialEq)]
pub struct Ets {
    spec: EtsSpec,
    season_length: usize,
    max_evals: usize,
    effort: Effort,
    linear_start: Option<EtsParams>,
}

/// How hard a fit searches for the maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effort {
    /// Every start, restarts, and a refinement of all parameters and states together.
    Full,
    /// R's start only, one restart, a looser tolerance, and for the nonlinear models one
    /// refinement from that result: the screening pass of automatic selection.
    Screen,
}

impl Ets {
    /// A model of `spec` with season length `season_length` (1 for none).
    pub fn new(spec: EtsSpec, season_length: usize) -> Result<Ets, ForecastError> {
        if season_length == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: "must be at least 1".into(),
            });
        }
        if spec.has_season() && season_length < 2 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: format!("{spec} is seasonal; give a season length of at least 2"),
            });
        }
        Ok(Ets {
            spec,
            season_length,
            max_evals: 4_000,
            effort: Effort::Full,
            linear_start: None,
        })
    }

    /// Largest number of likelihood evaluations per optimiser run (default 4,000).
    pub fn with_max_evals(mut self, evals: usize) -> Result<Ets, ForecastError> {
        self.max_evals = crate::numeric::nelder_mead::check_max_evals(evals)?;
        Ok(self)
    }

    pub(crate) fn with_effort(mut self, effort: Effort) -> Ets {
        self.effort = effort;
        self
    }

    /// A screening fit of a nonlinear model without a season or with a long one starts from
    /// the fit of its linear counterpart (same trend, additive error and season) instead of
    /// searching the profile again: the states follow the same recursion, so that fit is a
    /// close start. Without a season everything is then refined; with a long one the
    /// smoothing parameters, level and slope.
    pub(crate) fn with_linear_start(mut self, linear: EtsParams) -> Ets {
        self.linear_start = Some(linear);
        self
    }

    /// The specification.
    pub fn spec(&self) -> EtsSpec {
        self.spec
    }

    /// Fits by maximum likelihood.
    pub fn fit(&self, y: &[f64]) -> Result<FittedEts, ForecastError> {
        let spec = self.spec;
        let m = if spec.has_season() {
            self.season_length
        } else {
            1
        };
        let layout = Layout { spec, m };
        let n = y.len();
        crate::forecast::check_finite(y, "y")?;
        let n_params = layout.smoothing_len() + layout.state_len() + 1;
        if n < n_params + 2 || (spec.has_season() && n < 2 * m) {
            return Err(ForecastError::Undefined(format!(
                "{spec} with season length {m} needs more than {} observations; the series has {n}",
                (n_params + 1).max(if spec.has_season() { 2 * m - 1 } else { 0 })
            )));
        }
        if spec.needs_positive_data() && y.iter().any(|&v| v <= 0.0) {
            return Err(ForecastError::Undefined(format!(
                "{spec} has a multiplicative component and needs strictly positive data; \
                 the series has zeros or negatives (use an additive model)"
            )));
        }
        let scale = {
            let mean_abs = y.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
            if mean_abs > 0.0 { mean_abs } else { 1.0 }
        };
        let screen = self.effort == Effort::Screen;
        // Long seasons (weekly data, m = 52) make every trial a least-squares solve in m + 1
        // unknowns (conjugate gradients, warm-started): fewer starts and no restarts there.
        let long_season = spec.has_season() && m > 24;
        // A screen only ranks the candidates (the best two within 4 are refitted in full):
        // at season 52 a relative spread of 1e-5 (about 0.02 likelihood units there) ranks
        // them as 1e-6 does, on the 300 benchmark series the same choices, for a quarter
        // less time.
        let nm = NelderMead {
            max_evals: self.max_evals,
            tolerance: if screen && long_season {
                1e-5
            } else if screen {
                1e-6
            } else {
                1e-8
            },
            ..NelderMead::default()
        };
        // Exploring from several starts needs to find basins, not the last digits: the
        // nonlinear models' starts run at the screening tolerance first; then the best is
        // polished with `nm` and its restarts, and the starts that ended within 1e-4 of it
        // (the same basin, or a rival one) get one more `nm` run each. On the 1,000 weekly
        // benchmark series this picks the same models as polishing every start with restarts,
        // with AICc within 1e-4, in 3/4 of the time.
        let explore = NelderMead {
            tolerance: nm.tolerance.max(1e-6),
            ..nm
        };

        let mut best: Option<(f64, EtsParams)> = None;
        let consider = |value: f64, params: EtsParams, best: &mut Option<(f64, EtsParams)>| {
            if value.is_finite() && best.as_ref().is_none_or(|(v, _)| value < *v) {
                *best = Some((value, params));
            }
        };
        let evaluate = |params: &EtsParams| -> f64 {
            match run(spec, m, params, y, None) {
                Some(pass) => lik(spec, &pass, n),
                None => f64::INFINITY,
            }
        };

        // Linear-in-states start: concentrated least squares (exact for linear models).
        let linear = EtsSpec {
            error: ErrorKind::Additive,
            trend: spec.trend,
            season: if spec.has_season() {
                SeasonKind::Additive
            } else {
                SeasonKind::None
            },
        };
        let linear_layout = Layout { spec: linear, m };
        let smoothing_len = layout.smoothing_len();
        let s_scale = vec![1.0; smoothing_len];
        // A multiplicative season takes the additive states as ratios to the level: only a
        // start, refined below with everything free.
        let multiplicative_season = spec.season == SeasonKind::Multiplicative;
        let states_for = |linear_states: Vec<f64>| -> Vec<f64> {
            if !multiplicative_season {
                return linear_states;
            }
            let level = linear_states[0];
            let first_seasonal = 1 + usize::from(spec.has_trend());
            linear_states
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    if i >= first_seasonal {
                        1.0 + v / level
                    } else {
                        v
                    }
                })
                .collect()
        };
        let mut profiled: Vec<(f64, EtsParams)> = Vec::new();
        let starts = smoothing_starts(layout, spec.is_linear() && !long_season && !screen);
        let mut long_states = long_season.then(|| LongSeasonStates::new(linear_layout, y));
        let mut states_at = |x: &[f64]| match long_states.as_mut() {
            Some(solver) => solver.solve(x),
            None => concentrated_states(linear_layout, x, y),
        };
        let reuse = self
            .linear_start
            .as_ref()
            .filter(|_| screen && (long_season || !spec.has_season()) && !spec.is_linear());
        if let Some(linear_fit) = reuse {
            let params = layout.params(
                &linear_layout.smoothing_vec(linear_fit),
                &states_for(linear_layout.free_states(linear_fit)),
            );
            consider(evaluate(&params), params, &mut best);
        }
        let profile_starts = match (reuse.is_some(), screen) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => usize::MAX,
        };
        // Additive error without a season: the profile's SSE comes with the states.
        let sse_direct = spec.is_linear() && !spec.has_season();
        for start in starts.into_iter().take(profile_starts) {
            let mut profile = |x: &[f64]| -> f64 {
                if sse_direct {
                    return match level_slope_profile(linear_layout, x, y) {
                        Some((_, sse)) => {
                            n as f64 * sse.max(f64::MIN_POSITIVE).ln() + layout.outside(x)
                        }
                        None => f64::INFINITY,
                    };
                }
                let Some(states) = states_at(x) else {
                    return f64::INFINITY;
                };
                evaluate(&layout.params(x, &states_for(states))) + layout.outside(x)
            };
            // The linear models' profile is their exact likelihood: polished here. For the
            // others it only seeds the refinement of everything below.
            let (optimizer, restarts) = if long_season {
                (&nm, 0)
            } else if screen || !spec.is_linear() {
                (&explore, 1)
            } else {
                (&nm, 3)
            };
            let found = optimizer.minimize_restarting(&mut profile, &start, &s_scale, restarts);
            if let Some(states) = states_at(&found.x) {
                let params = layout.params(&found.x, &states_for(states));
                let value = evaluate(&params);
                if value.is_finite() {
                    profiled.push((value, params.clone()));
                }
                consider(value, params, &mut best);
            }
        }

        // Everything free, from the heuristic states and from the best so far. Not for the
        // linear models: their profile over the smoothing parameters is the exact likelihood.
        let full_dim = smoothing_len + layout.state_len();
        let refine_all = !spec.is_linear() && full_dim <= 30;
        if !spec.is_linear()
            && !refine_all
            && let Some((_, p)) = best.clone()
        {
            // Too many states for a full search: refine the smoothing parameters, level and
            // slope with the seasonal states of the best start held fixed. With multiplicative
            // error and an additive season the forecasts are still affine in all the initial
            // states, so each round then moves every state at once by quasi-Newton steps on
            // the exact likelihood, its gradient from the adjoint filter.
            let polish_states = spec.season == SeasonKind::Additive && m > 24;
            let rounds = if polish_states && !screen { 2 } else { 1 };
            let mut p = p;
            for _ in 0..rounds {
                let level_slope = 1 + usize::from(spec.has_trend());
                let mut start = layout.smoothing_vec(&p);
                start.extend(&layout.free_states(&p)[..level_slope]);
                let mut scale_small = s_scale.clone();
                scale_small.extend(std::iter::repeat_n(scale, level_slope));
                let seasonal_free = layout.free_states(&p)[level_slope..].to_vec();
                let assemble = |x: &[f64]| -> EtsParams {
                    let mut states = x[smoothing_len..].to_vec();
                    states.extend_from_slice(&seasonal_free);
                    layout.params(&x[..smoothing_len], &states)
                };
                let mut objective = |x: &[f64]| -> f64 {
                    evaluate(&assemble(x)) + layout.outside(&x[..smoothing_len])
                };
                let found = nm.minimize_restarting(
                    &mut objective,
                    &start,
                    &scale_small,
                    if screen { 1 } else { 2 },
                );
                p = assemble(&found.x);
                if polish_states {
                    let mut solver = LongSeasonStates::new(linear_layout, y);
                    let smoothing = layout.smoothing_vec(&p);
                    if let Some(states) =
                        solver.relative_error_states(&smoothing, layout.free_states(&p))
                    {
                        let moved = layout.params(&smoothing, &states);
                        if evaluate(&moved) < evaluate(&p) {
                            p = moved;
                        }
                    }
                }
            }
            consider(evaluate(&p), p, &mut best);
        }
        if refine_all {
            // The best profile result.
            let mut starts: Vec<Vec<f64>> = Vec::new();
            profiled.sort_by(|a, b| a.0.total_cmp(&b.0));
            let from_profile = 1;
            for (_, p) in profiled.iter().take(from_profile) {
                let mut x = layout.smoothing_vec(p);
                x.extend(layout.free_states(p));
                starts.push(x);
            }
            if starts.is_empty()
                && let Some((_, p)) = &best
            {
                let mut x = layout.smoothing_vec(p);
                x.extend(layout.free_states(p));
                starts.push(x);
            }
            let heuristic = heuristic_states(layout, y);
            if !screen || starts.is_empty() {
                for s in smoothing_starts(layout, false) {
                    let mut x = s;
                    x.extend_from_slice(&heuristic);
                    starts.push(x);
                }
            }
            if !screen && spec.has_season() {
                // A slowly moving level with trend and season nearly fixed: a basin the other
                // starts miss on some series (wineind's ETS(M,Ad,M): the reference optimum has
                // α = 0.068, β = γ = 1e-4).
                let mut x = vec![0.1];
                if spec.has_trend() {
                    x.push(0.001);
                }
                x.push(0.001);
                if spec.trend == TrendKind::Damped {
                    x.push(0.978);
                }
                x.extend_from_slice(&heuristic);
                starts.push(x);
            }
            let state_scale: Vec<f64> = (0..layout.state_len())
                .map(|i| {
                    let seasonal_index = i > usize::from(spec.has_trend());
                    if seasonal_index && spec.season == SeasonKind::Multiplicative {
                        1.0
                    } else {
                        scale
                    }
                })
                .collect();
            let mut full_scale = s_scale.clone();
            full_scale.extend_from_slice(&state_scale);
            let mut objective = |x: &[f64]| -> f64 {
                evaluate(&layout.params(&x[..smoothing_len], &x[smoothing_len..]))
                    + layout.outside(&x[..smoothing_len])
            };
            let explored: Vec<Minimum> = starts
                .iter()
                .map(|start| explore.minimize(&mut objective, start, &full_scale))
                .collect();
            let best_explored = explored
                .iter()
                .map(|e| e.value)
                .fold(f64::INFINITY, f64::min);
            for found in explored {
                let found = if screen {
                    found
                } else if found.value == best_explored {
                    nm.minimize_restarting(&mut objective, &found.x, &full_scale, 4)
                } else if found.value <= best_explored + 1e-4 * best_explored.abs() {
                    nm.minimize(&mut objective, &found.x, &full_scale)
                } else {
                    continue;
                };
                let params = layout.params(&found.x[..smoothing_len], &found.x[smoothing_len..]);
                consider(evaluate(&params), params, &mut best);
            }
        }

        let Some((value, params)) = best else {
            return Err(ForecastError::Undefined(format!(
                "{spec} could not be fitted: every start gave a zero forecast or divisor"
            )));
        };
        FittedEts::from_params(spec, self.season_length, params, y, Some(value))
    }
}

/// A fitted ETS model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedEts {
    /// The specification.
    #[serde(serialize_with = "serialize_spec")]
    pub spec: EtsSpec,
    /// Season length.
    pub season_length: usize,
    /// Estimated parameters and initial states.
    pub params: EtsParams,
    /// Log-likelihood (R `forecast::ets` convention, Gaussian constants dropped).
    pub loglik: f64,
    /// Number of parameters counted by the criteria (including σ).
    pub n_params: usize,
    /// Akaike's information criterion.
    pub aic: f64,
    /// AIC corrected for small samples.
    pub aicc: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// Innovation variance: Σ e² / (n − np + 1), the free parameters excluding σ.
    pub sigma2: f64,
    /// In-sample one-step forecasts.
    #[serde(skip)]
    pub fitted: Array1<f64>,
    /// In-sample residuals `y − ŷ` (on the data's scale for both error types).
    #[serde(skip)]
    pub residuals: Array1<f64>,
    /// The state after the last observation.
    pub state: EtsState,
    /// Observations fitted.
    pub n: usize,
}

fn serialize_spec<S: serde::Serializer>(spec: &EtsSpec, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&spec.to_string())
}

impl FittedEts {
    /// Evaluates given parameters on `y` (no fitting): the likelihood, criteria, fitted
    /// values and final state.
    pub fn from_params(
        spec: EtsSpec,
        season_length: usize,
        params: EtsParams,
        y: &[f64],
        _known: Option<f64>,
    ) -> Result<FittedEts, ForecastError> {
        let m = if spec.has_season() { season_length } else { 1 };
        if spec.has_season() && params.seasonal.len() != m {
            return Err(ForecastError::InvalidParameter {
                parameter: "seasonal",
                message: format!(
                    "{} initial seasonal states for season length {m}",
                    params.seasonal.len()
                ),
            });
        }
        let n = y.len();
        let mut fitted = vec![0.0; n];
        let pass = run(spec, m, &params, y, Some(&mut fitted)).ok_or_else(|| {
            ForecastError::Undefined(format!(
                "{spec}: the parameters give a zero forecast or divisor on this series"
            ))
        })?;
        let layout = Layout { spec, m };
        let free = layout.smoothing_len() + layout.state_len();
        let n_params = free + 1;
        let loglik = -0.5 * lik(spec, &pass, n);
        let aic = -2.0 * loglik + 2.0 * n_params as f64;
        let denominator = n as f64 - n_params as f64 - 1.0;
        let aicc = if denominator > 0.0 {
            aic + 2.0 * (n_params * (n_params + 1)) as f64 / denominator
        } else {
            f64::INFINITY
        };
        let bic = aic + n_params as f64 * ((n as f64).ln() - 2.0);
        let dof = (n as f64 - free as f64).max(1.0);
        let sigma2 = pass.sse / dof;
        let residuals: Vec<f64> = y.iter().zip(&fitted).map(|(a, f)| a - f).collect();
        Ok(FittedEts {
            spec,
            season_length,
            params,
            loglik,
            n_params,
            aic,
            aicc,
            bic,
            sigma2,
            fitted: Array1::from(fitted),
            residuals: Array1::from(residuals),
            state: pass.state,
            n,
        })
    }

    /// Point forecasts for `h` steps.
    pub fn point_forecast(&self, h: usize) -> Vec<f64> {
        let spec = self.spec;
        let m = self.state.seasonal.len();
        let phi = self.params.phi.unwrap_or(1.0);
        let mut out = Vec::with_capacity(h);
        let mut damp_sum = 0.0;
        let mut power = 1.0;
        for step in 1..=h {
            if spec.trend == TrendKind::Damped {
                power *= phi;
                damp_sum += power;
            } else {
                damp_sum = step as f64;
            }
            let q = if spec.has_trend() {
                self.state.level + damp_sum * self.state.slope
            } else {
                self.state.level
            };
            // Season for time n + step: s_{n+step−m·k}; most-recent-first index (m − step mod m) mod m.
            let value = if m > 0 {
                let s = self.state.seasonal[(m - 1) - ((step - 1) % m)];
                match spec.season {
                    SeasonKind::Multiplicative => q * s,
                    _ => q + s,
                }
            } else {
                q
            };
            out.push(value);
        }
        out
    }

    /// Forecasts with prediction intervals at `levels` (percent, e.g. 80 and 95): analytic
    /// for the linear class, simulated otherwise (5,000 sample paths, fixed seed). The work
    /// and the output grow with `h`; [`crate::forecast_series`] bounds it (`max_horizon`).
    pub fn forecast(&self, h: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        crate::forecast::check_levels(levels)?;
        let point = self.point_forecast(h);
        let intervals = if self.spec.is_linear() {
            let sd: Vec<f64> = self.linear_variances(h).iter().map(|v| v.sqrt()).collect();
            crate::forecast::normal_intervals(&point, &sd, levels)
        } else {
            // Step by step across the paths: memory O(paths), not O(paths × h).
            crate::simulate::simulated_intervals(self, h, levels, 5_000, 42)
        };
        Ok(Forecast {
            model: self.spec.to_string(),
            point,
            intervals,
        })
    }

    /// h-step forecast variances of the linear class: σ²(1 + Σ_{j<h} c_j²), with c_j the
    /// j-step impulse response of the state space.
    fn linear_variances(&self, h: usize) -> Vec<f64> {
        let alpha = self.params.alpha;
        let beta = self.params.beta.unwrap_or(0.0);
        let gamma = self.params.gamma.unwrap_or(0.0);
        let phi = self.params.phi.unwrap_or(1.0);
        let m = self.state.seasonal.len();
        let mut out = Vec::with_capacity(h);
        let mut acc = 1.0;
        let mut damp_sum = 0.0;
        let mut power = 1.0;
        for step in 1..=h {
            out.push(self.sigma2 * acc);
            // c_j for j = step: α + β Σ_{i=1..j} φ^i + γ [j mod m == 0].
            if self.spec.trend == TrendKind::Damped {
                power *= phi;
                damp_sum += power;
            } else {
                damp_sum = step as f64;
            }
            let mut c = alpha;
            if self.spec.has_trend() {
                c += beta * damp_sum;
            }
            if m > 0 && step % m == 0 {
                c += gamma;
            }
            acc += c * c;
        }
        out
    }

    /// Sample paths of the next `h` values with Gaussian innovations of variance σ². This
    /// holds `paths × h` values; [`FittedEts::forecast`] computes the same intervals without
    /// them (module `simulate`).
    pub fn simulate(&self, h: usize, paths: usize, seed: u64) -> Vec<Vec<f64>> {
        let spec = self.spec;
        let sigma = self.sigma2.sqrt();
        let mut rng = crate::forecast::Normal::new(seed);
        let alpha = self.params.alpha;
        let beta = self.params.beta.unwrap_or(0.0);
        let gamma = self.params.gamma.unwrap_or(0.0);
        let phi = self.params.phi.unwrap_or(1.0);
        let m = self.state.seasonal.len();
        (0..paths)
            .map(|_| {
                let (mut l, mut b) = (self.state.level, self.state.slope);
                // Ring of seasonal states, oldest used first.
                let mut seasons: std::collections::VecDeque<f64> =
                    self.state.seasonal.iter().rev().copied().collect();
                let mut path = Vec::with_capacity(h);
                for _ in 0..h {
                    let s_old = seasons.front().copied().unwrap_or(0.0);
                    let phib = phi * b;
                    let q = if spec.has_trend() { l + phib } else { l };
                    let yhat = match spec.season {
                        SeasonKind::None => q,
                        SeasonKind::Additive => q + s_old,
                        SeasonKind::Multiplicative => q * s_old,
                    };
                    let e = sigma * rng.sample();
                    let obs = match spec.error {
                        ErrorKind::Additive => yhat + e,
                        ErrorKind::Multiplicative => yhat * (1.0 + e),
                    };
                    path.push(obs);
                    let p_obs = match spec.season {
                        SeasonKind::None => obs,
                        SeasonKind::Additive => obs - s_old,
                        SeasonKind::Multiplicative => obs / s_old,
                    };
                    let l_new = q + alpha * (p_obs - q);
                    if spec.has_trend() {
                        b = phib + beta * (p_obs - q);
                    }
                    if m > 0 {
                        let detrended = match spec.season {
                            SeasonKind::Multiplicative => obs / q,
                            _ => obs - q,
                        };
                        seasons.pop_front();
                        seasons.push_back(s_old + gamma * (detrended - s_old));
                    }
                    l = l_new;
                }
                path
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print() {
        for code in ["ANN", "AAN", "AAdN", "MAdM", "MNA", "AAdA"] {
            let spec: EtsSpec = code.parse().unwrap();
            assert_eq!(spec.code(), code);
        }
        assert_eq!("ETS(A,Ad,M)".parse::<EtsSpec>().unwrap().code(), "AAdM");
        assert_eq!(
            "aadm".parse::<EtsSpec>().unwrap().to_string(),
            "ETS(A,Ad,M)"
        );
        assert!("AXN".parse::<EtsSpec>().is_err());
        assert!("AMN".parse::<EtsSpec>().is_err());
        assert_eq!(EtsSpec::all().len(), 18);
    }

    #[test]
    fn simple_exponential_smoothing_by_hand() {
        // ANN with α = 0.5, l₀ = 10 on [12, 8]: ŷ = 10, 11; e = 2, −3; SSE = 13.
        let spec: EtsSpec = "ANN".parse().unwrap();
        let params = EtsParams {
            alpha: 0.5,
            beta: None,
            gamma: None,
            phi: None,
            level: 10.0,
            slope: None,
            seasonal: vec![],
        };
        let fit = FittedEts::from_params(spec, 1, params, &[12.0, 8.0], None).unwrap();
        assert_eq!(fit.fitted.to_vec(), vec![10.0, 11.0]);
        assert!((fit.loglik - (-0.5 * 2.0 * 13f64.ln())).abs() < 1e-12);
        assert_eq!(fit.state.level, 9.5);
        assert_eq!(fit.point_forecast(2), vec![9.5, 9.5]);
    }

    #[test]
    fn seasonal_states_are_used_oldest_first() {
        // ANA, α = γ = 1e-4 ≈ 0, l₀ = 0, s = [s0, s-1, s-2] = [3, 2, 1] (m = 3): the first
        // observation uses s-2 = 1, then 2, then 3.
        let spec: EtsSpec = "ANA".parse().unwrap();
        let params = EtsParams {
            alpha: 1e-12,
            beta: None,
            gamma: Some(1e-12),
            phi: None,
            level: 0.0,
            slope: None,
            seasonal: vec![3.0, 2.0, 1.0],
        };
        let y = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0];
        let fit = FittedEts::from_params(spec, 3, params, &y, None).unwrap();
        for (f, v) in fit.fitted.iter().zip(&y) {
            assert!((f - v).abs() < 1e-9);
        }
        let next = fit.point_forecast(3);
        for (f, v) in next.iter().zip([2.0, 3.0, 1.0]) {
            assert!((f - v).abs() < 1e-9, "{next:?}");
        }
    }

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
