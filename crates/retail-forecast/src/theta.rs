//! The Theta method: simple exponential smoothing plus half the series' linear trend, on the
//! seasonally adjusted series when a seasonality test says so.
//!
//! Two definitions, each matching its reference implementation:
//!
//! * [`ThetaVariant::Classic`]: R `forecast::thetaf` (Hyndman & Billah 2003): SES (ETS(A,N,N),
//!   α and ℓ₀ by likelihood) on the series, drift `b/2` from the least-squares slope `b`,
//!   forecast `ℓₙ + b/2·(h − 1 + (1 − (1 − α)ⁿ)/α)`; thetaf's seasonality test (lag-`m`
//!   autocorrelation against `1.645·√((1 + 2Σ_{k<m} r_k²)/n)`, for `m > 1` and `n > 2m`) and
//!   classical multiplicative decomposition; its intervals `±z·σ·√(1 + (h − 1)α²)` around
//!   the reseasonalised forecast, σ² the SES residual variance (SSE/(n − 2)).
//! * [`ThetaVariant::Stm`], [`Otm`](ThetaVariant::Otm), [`Dstm`](ThetaVariant::Dstm),
//!   [`Dotm`](ThetaVariant::Dotm): the state-space Theta models of Fiorucci et al. (2016) as
//!   statsforecast 2.1 (`AutoTheta`) implements them: standard or optimised θ, static or
//!   dynamic (updated every period) trend line; `ℓ₀`, α ∈ [0.1, 0.99] (and θ ≥ 1 for the
//!   optimised ones) minimise the one-step squared errors from the fourth period on, divided
//!   by the mean absolute value. statsforecast's test (`m ≥ 4`, `n ≥ 2m`) and decomposition
//!   (multiplicative, additive when the data are not all positive or a seasonal index is
//!   below 0.01). [`Theta::auto`] fits the four and keeps the lowest in-sample MSE.
//!   Intervals: statsforecast simulates them; ours are thetaf's formula with σ the standard
//!   deviation of the same residuals, reseasonalised like the point forecast.
//!
//! For a series without negative values, forecasts and bounds are floored at zero.

use serde::Serialize;

use crate::ForecastError;
use crate::ets::{Ets, EtsSpec};
use crate::forecast::{Fit, Forecast, Interval, PredictLevels, check_levels, normal_quantile};
use crate::numeric::nelder_mead::NelderMead;

/// Which Theta model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum ThetaVariant {
    /// R `forecast::thetaf`.
    Classic,
    /// Standard Theta model (θ = 2, static trend line).
    Stm,
    /// Optimised Theta model (θ estimated, static trend line).
    Otm,
    /// Dynamic standard Theta model (θ = 2, trend line updated every period).
    Dstm,
    /// Dynamic optimised Theta model.
    Dotm,
}

impl ThetaVariant {
    /// The state-space variants [`Theta::auto`] chooses among.
    pub const STATE_SPACE: [ThetaVariant; 4] = [
        ThetaVariant::Stm,
        ThetaVariant::Otm,
        ThetaVariant::Dstm,
        ThetaVariant::Dotm,
    ];

    /// Short name: `thetaf`, `STM`, `OTM`, `DSTM`, `DOTM`.
    pub fn code(&self) -> &'static str {
        match self {
            ThetaVariant::Classic => "thetaf",
            ThetaVariant::Stm => "STM",
            ThetaVariant::Otm => "OTM",
            ThetaVariant::Dstm => "DSTM",
            ThetaVariant::Dotm => "DOTM",
        }
    }

    fn dynamic(&self) -> bool {
        matches!(self, ThetaVariant::Dstm | ThetaVariant::Dotm)
    }

    fn optimised(&self) -> bool {
        matches!(self, ThetaVariant::Otm | ThetaVariant::Dotm)
    }
}

/// A Theta model to fit: one variant, or the automatic choice among the state-space ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theta {
    season_length: usize,
    variant: Option<ThetaVariant>,
}

impl Theta {
    /// `variant` with season length `season_length` (1 for none).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `season_length` when it is 0.
    pub fn new(variant: ThetaVariant, season_length: usize) -> Result<Theta, ForecastError> {
        check_season(season_length)?;
        Ok(Theta {
            season_length,
            variant: Some(variant),
        })
    }

    /// The state-space variant with the lowest in-sample MSE (statsforecast's `AutoTheta`).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `season_length` when it is 0.
    pub fn auto(season_length: usize) -> Result<Theta, ForecastError> {
        check_season(season_length)?;
        Ok(Theta {
            season_length,
            variant: None,
        })
    }
}

fn check_season(season_length: usize) -> Result<(), ForecastError> {
    if season_length == 0 {
        return Err(ForecastError::InvalidParameter {
            parameter: "season_length",
            message: "must be at least 1".into(),
        });
    }
    Ok(())
}

/// How the series was seasonally adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Decomposition {
    /// Not adjusted.
    None,
    /// Divided by the seasonal indices.
    Multiplicative,
    /// The seasonal effects subtracted.
    Additive,
}

/// A fitted Theta model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedTheta {
    /// The variant.
    pub variant: ThetaVariant,
    /// Season length used by the test and the decomposition.
    pub season_length: usize,
    /// The seasonal adjustment applied.
    pub decomposition: Decomposition,
    /// The seasonal component over the history (empty when not adjusted).
    #[serde(skip)]
    pub seasonal: Vec<f64>,
    /// Smoothing parameter.
    pub alpha: f64,
    /// θ (2 for thetaf and the standard models).
    pub theta: f64,
    /// Initial smoothed value ℓ₀.
    pub initial: f64,
    /// In-sample criterion: thetaf: SES's mean squared error; state-space: statsforecast's
    /// `mse` (squared one-step errors from the 4th period, over the mean |y|).
    pub mse: f64,
    /// Residual variance on the adjusted scale, for the intervals.
    pub sigma2: f64,
    /// Point forecasts on the adjusted scale for as many steps as asked (computed on demand).
    #[serde(skip)]
    core: Core,
    /// In-sample one-step forecasts on the original scale.
    #[serde(skip)]
    pub fitted: Vec<f64>,
    /// Whether the series has no negative value (forecasts are then floored at zero).
    pub non_negative: bool,
}

/// What a forecast needs on the adjusted scale.
#[derive(Debug, Clone, PartialEq)]
enum Core {
    /// thetaf: last SES level, drift.
    Classic { level: f64, drift: f64, n: usize },
    /// State-space: the last state and its time index.
    StateSpace { state: State, n: usize },
}

/// statsforecast's state row: level, running mean, Aₙ, Bₙ, μ.
#[derive(Debug, Clone, Copy, PartialEq)]
struct State {
    level: f64,
    mean: f64,
    a: f64,
    b: f64,
    mu: f64,
}

impl Fit for Theta {
    type Fitted = FittedTheta;
    type Error = ForecastError;

    fn fit(&self, y: &[f64]) -> Result<FittedTheta, ForecastError> {
        crate::forecast::check_finite(y, "y")?;
        if y.len() < 5 {
            return Err(ForecastError::Undefined(format!(
                "the Theta method needs at least 5 observations; the series has {}",
                y.len()
            )));
        }
        let non_negative = y.iter().all(|&v| v >= 0.0);
        let m = self.season_length;
        let mut fit = match self.variant {
            Some(ThetaVariant::Classic) => fit_classic(y, m)?,
            Some(variant) => fit_state_space(y, m, &[variant])?,
            None => fit_state_space(y, m, &ThetaVariant::STATE_SPACE)?,
        };
        fit.non_negative = non_negative;
        Ok(fit)
    }
}

/// Lag-1..=m sample autocorrelations (R `acf`, statsmodels `acf`: biased, mean removed).
fn acf(y: &[f64], max_lag: usize) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum();
    (1..=max_lag)
        .map(|k| {
            if k >= n || c0 == 0.0 {
                return 0.0;
            }
            d[..n - k]
                .iter()
                .zip(&d[k..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / c0
        })
        .collect()
}

/// The Theta seasonality test: |r_m| > 1.645·√((1 + 2Σ_{k<m} r_k²)/n).
fn seasonal_test(y: &[f64], m: usize) -> bool {
    let r = acf(y, m);
    let stat =
        ((1.0 + 2.0 * r[..m - 1].iter().map(|v| v * v).sum::<f64>()) / y.len() as f64).sqrt();
    stat > 0.0 && r[m - 1].abs() / stat > normal_quantile(0.95)
}

/// Classical decomposition's seasonal component over the history (R `decompose`,
/// statsmodels `seasonal_decompose`): centred moving average, mean detrended value per
/// position, normalised to mean 1 (multiplicative) or 0 (additive).
fn seasonal_component(y: &[f64], m: usize, multiplicative: bool) -> Vec<f64> {
    let n = y.len();
    let (weights, half): (Vec<f64>, usize) = if m.is_multiple_of(2) {
        let mut w = vec![1.0 / m as f64; m + 1];
        w[0] /= 2.0;
        w[m] /= 2.0;
        (w, m / 2)
    } else {
        (vec![1.0 / m as f64; m], (m - 1) / 2)
    };
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..n.saturating_sub(weights.len() - 1 - half) {
        let trend: f64 = weights
            .iter()
            .enumerate()
            .map(|(j, w)| w * y[t + j - half])
            .sum();
        let detrended = if multiplicative {
            y[t] / trend
        } else {
            y[t] - trend
        };
        sums[t % m] += detrended;
        counts[t % m] += 1;
    }
    let figure: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| s / c.max(1) as f64)
        .collect();
    let mean = figure.iter().sum::<f64>() / m as f64;
    (0..n)
        .map(|t| {
            if multiplicative {
                figure[t % m] / mean
            } else {
                figure[t % m] - mean
            }
        })
        .collect()
}

fn adjust(y: &[f64], seasonal: &[f64], decomposition: Decomposition) -> Vec<f64> {
    match decomposition {
        Decomposition::None => y.to_vec(),
        Decomposition::Multiplicative => y.iter().zip(seasonal).map(|(v, s)| v / s).collect(),
        Decomposition::Additive => y.iter().zip(seasonal).map(|(v, s)| v - s).collect(),
    }
}

fn reseasonalise(value: f64, s: f64, decomposition: Decomposition) -> f64 {
    match decomposition {
        Decomposition::None => value,
        Decomposition::Multiplicative => value * s,
        Decomposition::Additive => value + s,
    }
}

fn is_constant(y: &[f64]) -> bool {
    y.iter().all(|&v| v == y[0])
}

fn fit_classic(y: &[f64], m: usize) -> Result<FittedTheta, ForecastError> {
    let n = y.len();
    let mut decomposition = Decomposition::None;
    let mut seasonal = Vec::new();
    // thetaf deseasonalises multiplicatively; a series with zeros or negatives has no
    // multiplicative decomposition, so it is left as it is.
    if m > 1 && n > 2 * m && !is_constant(y) && y.iter().all(|&v| v > 0.0) && seasonal_test(y, m) {
        let s = seasonal_component(y, m, true);
        if s.iter().all(|v| v.abs() >= 1e-4) {
            seasonal = s;
            decomposition = Decomposition::Multiplicative;
        }
    }
    let x = adjust(y, &seasonal, decomposition);
    let ses = Ets::new("ANN".parse::<EtsSpec>()?, 1)?.fit(&x)?;
    let alpha = ses.params.alpha.max(1e-10);
    let level = ses.state.level;
    // Least-squares slope of x on 0..n−1.
    let tbar = (n as f64 - 1.0) / 2.0;
    let xbar = x.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, v) in x.iter().enumerate() {
        sxy += (t as f64 - tbar) * (v - xbar);
        sxx += (t as f64 - tbar).powi(2);
    }
    let drift = sxy / sxx / 2.0;
    let ses_fitted = ses.fitted.to_vec();
    let fitted = ses_fitted
        .iter()
        .enumerate()
        .map(|(t, &f)| reseasonalise(f, seasonal.get(t).copied().unwrap_or(0.0), decomposition))
        .collect();
    let mse = x
        .iter()
        .zip(&ses_fitted)
        .map(|(a, f)| (a - f).powi(2))
        .sum::<f64>()
        / n as f64;
    Ok(FittedTheta {
        variant: ThetaVariant::Classic,
        season_length: m,
        decomposition,
        seasonal,
        alpha,
        theta: 2.0,
        initial: ses.params.level,
        mse,
        sigma2: ses.sigma2,
        core: Core::Classic { level, drift, n },
        fitted,
        non_negative: false,
    })
}

/// The recursion of one state-space Theta model on `y` (the adjusted series).
struct Recursion<'a> {
    y: &'a [f64],
    dynamic: bool,
    /// Static trend line (Aₙ, Bₙ) over the whole series.
    line: (f64, f64),
    mean_abs: f64,
}

impl<'a> Recursion<'a> {
    fn new(y: &'a [f64], dynamic: bool) -> Recursion<'a> {
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let weighted = y
            .iter()
            .enumerate()
            .map(|(t, v)| (t + 1) as f64 * v)
            .sum::<f64>()
            / n;
        let b = 6.0 * (2.0 * weighted - (n + 1.0) * mean) / (n * n - 1.0);
        let a = mean - (n + 1.0) * b / 2.0;
        let mean_abs = (y.iter().map(|v| v.abs()).sum::<f64>() / n).max(1e-10);
        Recursion {
            y,
            dynamic,
            line: (a, b),
            mean_abs,
        }
    }

    fn initial_state(&self, l0: f64, alpha: f64, theta: f64) -> State {
        let y0 = self.y[0];
        let (a, b, mu) = if self.dynamic {
            (y0, 0.0, y0)
        } else {
            let (a, b) = self.line;
            (a, b, l0 + (1.0 - 1.0 / theta) * (a + b))
        };
        State {
            level: alpha * y0 + (1.0 - alpha) * l0,
            mean: y0,
            a,
            b,
            mu,
        }
    }

    /// The one-step forecast μ at time `i` from the previous state; `pow_i` = (1 − α)^i.
    fn mu(prev: &State, alpha: f64, theta: f64, pow_i: f64) -> f64 {
        prev.level
            + (1.0 - 1.0 / theta)
                * (prev.a * pow_i + prev.b * (1.0 - pow_i * (1.0 - alpha)) / alpha)
    }

    fn step(&self, prev: &State, i: usize, alpha: f64, mu: f64, y: f64) -> State {
        let fi = i as f64;
        let mean = (fi * prev.mean + y) / (fi + 1.0);
        let (a, b) = if self.dynamic {
            let b = ((fi - 1.0) * prev.b + 6.0 * (y - prev.mean) / (fi + 1.0)) / (fi + 2.0);
            (mean - b * (fi + 2.0) / 2.0, b)
        } else {
            (prev.a, prev.b)
        };
        State {
            level: alpha * y + (1.0 - alpha) * prev.level,
            mean,
            a,
            b,
            mu,
        }
    }

    /// statsforecast's `mse`, the last state, and the one-step errors (and forecasts when
    /// `keep`).
    fn run(&self, l0: f64, alpha: f64, theta: f64, keep: Option<&mut Vec<f64>>) -> (f64, State) {
        let mut state = self.initial_state(l0, alpha, theta);
        let mut sse = 0.0;
        let mut pow = 1.0 - alpha;
        let mut fitted = keep;
        if let Some(f) = fitted.as_deref_mut() {
            f.push(state.mu);
        }
        for i in 1..self.y.len() {
            let mu = Self::mu(&state, alpha, theta, pow);
            let e = self.y[i] - mu;
            if i >= 3 {
                sse += e * e;
            }
            if let Some(f) = fitted.as_deref_mut() {
                f.push(mu);
            }
            state = self.step(&state, i, alpha, mu, self.y[i]);
            pow *= 1.0 - alpha;
        }
        let mse = sse / self.mean_abs;
        (if mse.is_finite() { mse } else { f64::INFINITY }, state)
    }
}

/// Point forecasts of a state-space Theta model from its last state at time `n`.
fn state_space_forecast(
    state: &State,
    n: usize,
    alpha: f64,
    theta: f64,
    dynamic: bool,
    h: usize,
) -> Vec<f64> {
    let dummy = [0.0];
    let rec = Recursion {
        y: &dummy,
        dynamic,
        line: (state.a, state.b),
        mean_abs: 1.0,
    };
    let mut prev = *state;
    let mut pow = (1.0 - alpha).powi(n as i32);
    (0..h)
        .map(|j| {
            let mu = Recursion::mu(&prev, alpha, theta, pow);
            prev = rec.step(&prev, n + j, alpha, mu, mu);
            pow *= 1.0 - alpha;
            mu
        })
        .collect()
}

fn fit_state_space(
    y: &[f64],
    m: usize,
    variants: &[ThetaVariant],
) -> Result<FittedTheta, ForecastError> {
    let n = y.len();
    let mut decomposition = Decomposition::None;
    let mut seasonal = Vec::new();
    if m >= 4 && n >= 2 * m && !is_constant(y) && seasonal_test(y, m) {
        let positive = y.iter().all(|&v| v > 0.0);
        let mut s = seasonal_component(y, m, positive);
        decomposition = if positive {
            Decomposition::Multiplicative
        } else {
            Decomposition::Additive
        };
        if positive && s.iter().any(|&v| v < 0.01) {
            s = seasonal_component(y, m, false);
            decomposition = Decomposition::Additive;
        }
        seasonal = s;
    }
    let x = adjust(y, &seasonal, decomposition);
    let scale = x.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
    let mut best: Option<FittedTheta> = None;
    for &variant in variants {
        let rec = Recursion::new(&x, variant.dynamic());
        let l0_start = x[0] / 2.0;
        let optimised = variant.optimised();
        let mut objective = |p: &[f64]| {
            let (l0, alpha) = (p[0], p[1]);
            let theta = if optimised { p[2] } else { 2.0 };
            if !(0.1..=0.99).contains(&alpha) || theta < 1.0 || l0.abs() > 1e10 {
                return f64::INFINITY;
            }
            rec.run(l0, alpha, theta, None).0
        };
        let (start, steps): (Vec<f64>, Vec<f64>) = if optimised {
            (vec![l0_start, 0.5, 2.0], vec![scale.max(1e-8), 1.0, 1.0])
        } else {
            (vec![l0_start, 0.5], vec![scale.max(1e-8), 1.0])
        };
        let nm = NelderMead {
            max_evals: 1_500,
            tolerance: 1e-10,
            step: 0.1,
        };
        let min = nm.minimize_restarting(&mut objective, &start, &steps, 3);
        let (l0, alpha) = (min.x[0], min.x[1]);
        let theta = if optimised { min.x[2] } else { 2.0 };
        let mut one_step = Vec::with_capacity(n);
        let (mse, state) = rec.run(l0, alpha, theta, Some(&mut one_step));
        if !mse.is_finite() {
            continue;
        }
        if best.as_ref().is_some_and(|b| b.mse <= mse) {
            continue;
        }
        let residuals: Vec<f64> = x.iter().zip(&one_step).map(|(a, f)| a - f).collect();
        let tail = if residuals.len() > 4 {
            &residuals[3..]
        } else {
            &residuals[..]
        };
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        let sigma2 =
            tail.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (tail.len() - 1).max(1) as f64;
        let fitted = one_step
            .iter()
            .enumerate()
            .map(|(t, &f)| reseasonalise(f, seasonal.get(t).copied().unwrap_or(0.0), decomposition))
            .collect();
        best = Some(FittedTheta {
            variant,
            season_length: m,
            decomposition,
            seasonal: seasonal.clone(),
            alpha,
            theta,
            initial: l0,
            mse,
            sigma2,
            core: Core::StateSpace { state, n },
            fitted,
            non_negative: false,
        });
    }
    best.ok_or_else(|| {
        ForecastError::Undefined("no Theta model gives a finite in-sample error".into())
    })
}

impl FittedTheta {
    /// Point forecasts on the adjusted scale.
    fn adjusted_forecast(&self, h: usize) -> Vec<f64> {
        match &self.core {
            Core::Classic { level, drift, n } => {
                let shift = (1.0 - (1.0 - self.alpha).powi(*n as i32)) / self.alpha;
                (0..h).map(|j| level + drift * (j as f64 + shift)).collect()
            }
            Core::StateSpace { state, n } => {
                state_space_forecast(state, *n, self.alpha, self.theta, self.variant.dynamic(), h)
            }
        }
    }

    /// The seasonal factor (or effect) of forecast step `j` (0-based): the last season's,
    /// repeated.
    fn future_season(&self, j: usize) -> f64 {
        let m = self.season_length;
        let n = self.seasonal.len();
        if n < m {
            return 0.0;
        }
        self.seasonal[n - m + j % m]
    }
}

impl PredictLevels for FittedTheta {
    fn predict_levels(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        check_levels(levels)?;
        let floor = |v: f64| if self.non_negative { v.max(0.0) } else { v };
        let adjusted = self.adjusted_forecast(horizon);
        let sd: Vec<f64> = (0..horizon)
            .map(|j| (self.sigma2 * (1.0 + j as f64 * self.alpha * self.alpha)).sqrt())
            .collect();
        let point: Vec<f64> = adjusted
            .iter()
            .enumerate()
            .map(|(j, &v)| reseasonalise(v, self.future_season(j), self.decomposition))
            .collect();
        let intervals = levels
            .iter()
            .map(|&level| {
                let z = normal_quantile(0.5 + level / 2.0);
                let bound = |j: usize, sign: f64| {
                    if self.variant == ThetaVariant::Classic {
                        // thetaf: ± on the reseasonalised forecast.
                        point[j] + sign * z * sd[j]
                    } else {
                        // statsforecast: bounds on the adjusted scale, reseasonalised.
                        reseasonalise(
                            adjusted[j] + sign * z * sd[j],
                            self.future_season(j),
                            self.decomposition,
                        )
                    }
                };
                Interval {
                    level,
                    lower: (0..horizon).map(|j| floor(bound(j, -1.0))).collect(),
                    upper: (0..horizon).map(|j| floor(bound(j, 1.0))).collect(),
                }
            })
            .collect();
        Ok(Forecast {
            model: self.model_name(),
            point: point.into_iter().map(floor).collect(),
            intervals,
        })
    }

    fn fitted_values(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn model_name(&self) -> String {
        let season = match self.decomposition {
            Decomposition::None => String::new(),
            Decomposition::Multiplicative => {
                format!(", multiplicative season {}", self.season_length)
            }
            Decomposition::Additive => format!(", additive season {}", self.season_length),
        };
        format!("Theta({}{season})", self.variant.code())
    }
}

crate::forecast::augurs_predict!(FittedTheta);
