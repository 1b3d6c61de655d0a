//! Intermittent demand: series with many zero periods (a product sold in some weeks only).
//!
//! Croston's method (classic, α = 0.1; SBA with the Syntetos–Boylan (1 − α/2) correction;
//! optimised, α by in-sample SSE), TSB (Teunter–Syntetos–Babai: demand size and demand
//! probability smoothed separately), ADIDA (aggregate at the mean inter-demand interval,
//! smooth, disaggregate) and IMAPA (ADIDA's forecast averaged over every aggregation level
//! from 1 to the mean interval), as statsforecast 2.1 defines them (`CrostonClassic`,
//! `CrostonSBA`, `CrostonOptimized`, `TSB`, `ADIDA`, `IMAPA`), and the Syntetos–Boylan
//! demand classifier ([`classify`]).
//!
//! The forecasts are flat (one value for every horizon). statsforecast gives them no
//! intervals; ours are empirical: the `h`-step interval is the point forecast plus the
//! sample quantiles (R type 7) of the in-sample `h`-step errors `y[t+h] − f(t)`, where
//! `f(t)` is the forecast the method made after period `t` (with the parameters fitted on
//! the whole series), floored at zero like the point forecast. A series needs non-negative
//! values.

use serde::Serialize;

use crate::ForecastError;
use crate::forecast::{Fit, Forecast, Interval, PredictLevels, check_levels, quantile_sorted};

/// Syntetos–Boylan cut-off for the average inter-demand interval.
pub const ADI_CUTOFF: f64 = 1.32;
/// Syntetos–Boylan cut-off for the squared coefficient of variation of demand sizes.
pub const CV2_CUTOFF: f64 = 0.49;

/// Which intermittent-demand method.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum IntermittentMethod {
    /// Croston's method, α = 0.1 for sizes and intervals.
    Croston,
    /// Croston with the Syntetos–Boylan approximation: the classic forecast × (1 − α/2) = 0.95.
    CrostonSba,
    /// Croston with α for sizes and for intervals each chosen in [0.1, 0.3] by in-sample SSE.
    CrostonOptimized,
    /// TSB with smoothing `alpha_d` for demand sizes and `alpha_p` for the demand probability.
    Tsb {
        /// Smoothing of the demand sizes, in (0, 1].
        alpha_d: f64,
        /// Smoothing of the demand probability, in (0, 1].
        alpha_p: f64,
    },
    /// Aggregate–disaggregate intermittent demand approach.
    Adida,
    /// Intermittent multiple aggregation prediction algorithm.
    Imapa,
}

impl IntermittentMethod {
    /// TSB with its parameters checked (each in (0, 1]).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `alpha_d` or `alpha_p` outside (0, 1].
    pub fn tsb(alpha_d: f64, alpha_p: f64) -> Result<IntermittentMethod, ForecastError> {
        for (parameter, value) in [("alpha_d", alpha_d), ("alpha_p", alpha_p)] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(ForecastError::InvalidParameter {
                    parameter,
                    message: format!("{value} is not in (0, 1]"),
                });
            }
        }
        Ok(IntermittentMethod::Tsb { alpha_d, alpha_p })
    }

    /// The name reported with the forecast.
    pub fn name(&self) -> String {
        match self {
            IntermittentMethod::Croston => "Croston".into(),
            IntermittentMethod::CrostonSba => "CrostonSBA".into(),
            IntermittentMethod::CrostonOptimized => "CrostonOptimized".into(),
            IntermittentMethod::Tsb { .. } => "TSB".into(),
            IntermittentMethod::Adida => "ADIDA".into(),
            IntermittentMethod::Imapa => "IMAPA".into(),
        }
    }
}

/// An intermittent-demand method, ready to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intermittent {
    method: IntermittentMethod,
}

impl Intermittent {
    /// The method `method` (TSB's parameters are checked).
    ///
    /// # Errors
    ///
    /// As [`IntermittentMethod::tsb`] for TSB's parameters.
    pub fn new(method: IntermittentMethod) -> Result<Intermittent, ForecastError> {
        if let IntermittentMethod::Tsb { alpha_d, alpha_p } = method {
            IntermittentMethod::tsb(alpha_d, alpha_p)?;
        }
        Ok(Intermittent { method })
    }
}

/// A fitted intermittent-demand method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedIntermittent {
    /// The method's name.
    pub model: String,
    /// The flat point forecast.
    pub point: f64,
    /// Estimated or fixed parameters (`alpha_d`, `alpha_i`, `alpha_p`, `aggregation`, …).
    pub parameters: Vec<(String, f64)>,
    /// `origins[t]`: the forecast made after observing `y[..=t]` (NaN where the method has
    /// none yet).
    #[serde(skip)]
    pub origins: Vec<f64>,
    /// The series.
    #[serde(skip)]
    pub y: Vec<f64>,
}

/// The Syntetos–Boylan demand class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DemandClass {
    /// ADI < 1.32, CV² < 0.49: regular demand of steady size (ETS, Theta, ARIMA).
    Smooth,
    /// ADI < 1.32, CV² ≥ 0.49: regular demand of very variable size.
    Erratic,
    /// ADI ≥ 1.32, CV² < 0.49: sporadic demand of steady size (Croston SBA, TSB).
    Intermittent,
    /// ADI ≥ 1.32, CV² ≥ 0.49: sporadic demand of variable size (SBA, ADIDA, IMAPA).
    Lumpy,
}

impl std::fmt::Display for DemandClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DemandClass::Smooth => "smooth",
            DemandClass::Erratic => "erratic",
            DemandClass::Intermittent => "intermittent",
            DemandClass::Lumpy => "lumpy",
        })
    }
}

/// A series' demand profile: its ADI, CV² and class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DemandProfile {
    /// Average inter-demand interval: the mean gap between non-zero periods, the first gap
    /// counted from the start of the series (so a series with no zero has ADI 1).
    pub adi: f64,
    /// Squared coefficient of variation (population variance over squared mean) of the
    /// non-zero demand sizes.
    pub cv2: f64,
    /// The class by the Syntetos–Boylan cut-offs [`ADI_CUTOFF`] and [`CV2_CUTOFF`].
    pub class: DemandClass,
}

/// The Syntetos–Boylan class of `y` (non-negative values, at least one non-zero).
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `y` (a value that is not finite);
/// [`ForecastError::Undefined`] when `y` is empty, has a negative value or has no non-zero
/// value.
pub fn classify(y: &[f64]) -> Result<DemandProfile, ForecastError> {
    check_demand(y, "y")?;
    let demand = demand_sizes(y);
    if demand.is_empty() {
        return Err(ForecastError::Undefined(
            "the series has no demand (every value is zero): no demand class".into(),
        ));
    }
    let intervals = intervals(y);
    let adi = intervals.iter().sum::<f64>() / intervals.len() as f64;
    let mean = demand.iter().sum::<f64>() / demand.len() as f64;
    let var = demand.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / demand.len() as f64;
    let cv2 = var / (mean * mean);
    let class = match (adi < ADI_CUTOFF, cv2 < CV2_CUTOFF) {
        (true, true) => DemandClass::Smooth,
        (true, false) => DemandClass::Erratic,
        (false, true) => DemandClass::Intermittent,
        (false, false) => DemandClass::Lumpy,
    };
    Ok(DemandProfile { adi, cv2, class })
}

/// Values must be finite and non-negative.
fn check_demand(y: &[f64], parameter: &'static str) -> Result<(), ForecastError> {
    crate::forecast::check_finite(y, parameter)?;
    if y.is_empty() {
        return Err(ForecastError::Undefined("the series is empty".into()));
    }
    if let Some(i) = y.iter().position(|&v| v < 0.0) {
        return Err(ForecastError::Undefined(format!(
            "intermittent-demand models need non-negative values; value {} at index {i} is \
             negative",
            y[i]
        )));
    }
    Ok(())
}

fn demand_sizes(y: &[f64]) -> Vec<f64> {
    y.iter().copied().filter(|&v| v > 0.0).collect()
}

/// Gaps between non-zero periods, the first counted from before the series (index −1).
fn intervals(y: &[f64]) -> Vec<f64> {
    let mut last: isize = -1;
    let mut out = Vec::new();
    for (i, &v) in y.iter().enumerate() {
        if v != 0.0 {
            out.push((i as isize - last) as f64);
            last = i as isize;
        }
    }
    out
}

/// SES as statsforecast's `ses_forecast`: the level starts at `x[0]`; returns the level after
/// each value (the forecast made after it).
fn ses_levels(x: &[f64], alpha: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    let mut level = match x.first() {
        Some(&v) => v,
        None => return out,
    };
    out.push(level);
    for &v in &x[1..] {
        level = alpha * v + (1.0 - alpha) * level;
        out.push(level);
    }
    out
}

/// Sum of squared one-step errors of SES at `alpha` (statsforecast's `ses_sse`).
fn ses_sse(x: &[f64], alpha: f64) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let mut forecast = x[0];
    let mut sse = 0.0;
    for i in 1..x.len() {
        forecast = alpha * x[i - 1] + (1.0 - alpha) * forecast;
        let e = x[i] - forecast;
        sse += e * e;
    }
    sse
}

/// The α in [lo, hi] minimising SES's SSE on `x`: golden-section search as statsforecast's
/// `golden_section_ses` (down to an interval of 1e-12, stopping early at an exact tie, so a
/// flat SSE gives the middle of the range), returning the final interval's midpoint.
fn optimal_alpha(x: &[f64], lo: f64, hi: f64) -> f64 {
    let ratio = (5f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - (b - a) / ratio;
    let mut d = a + (b - a) / ratio;
    let (mut fc, mut fd) = (ses_sse(x, c), ses_sse(x, d));
    while (b - a).abs() >= 1e-12 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / ratio;
            fc = ses_sse(x, c);
        } else if fd < fc {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / ratio;
            fd = ses_sse(x, d);
        } else {
            break;
        }
    }
    (a + b) / 2.0
}

/// Croston's origins with smoothing `alpha_d` (sizes) and `alpha_i` (intervals): after each
/// period, size level over interval level (0 before the first demand).
fn croston_origins(y: &[f64], alpha_d: f64, alpha_i: f64) -> Vec<f64> {
    let mut size: Option<f64> = None;
    let mut interval = 0.0;
    let mut last: isize = -1;
    y.iter()
        .enumerate()
        .map(|(t, &v)| {
            if v > 0.0 {
                let gap = (t as isize - last) as f64;
                last = t as isize;
                match size {
                    None => {
                        size = Some(v);
                        interval = gap;
                    }
                    Some(z) => {
                        size = Some(alpha_d * v + (1.0 - alpha_d) * z);
                        interval = alpha_i * gap + (1.0 - alpha_i) * interval;
                    }
                }
            }
            match size {
                Some(z) if interval != 0.0 => z / interval,
                Some(z) => z,
                None => 0.0,
            }
        })
        .collect()
}

/// ADIDA at aggregation level `k`: the forecast per period and the origins (NaN before the
/// first complete bucket), with the SES α of the bucket sums.
fn adida_at(y: &[f64], k: usize) -> (f64, Vec<f64>, f64) {
    let skip = y.len() % k;
    let sums: Vec<f64> = y[skip..].chunks_exact(k).map(|c| c.iter().sum()).collect();
    let alpha = optimal_alpha(&sums, 0.1, 0.3);
    let levels = ses_levels(&sums, alpha);
    let mut origins = vec![f64::NAN; y.len()];
    for (j, level) in levels.iter().enumerate() {
        let end = skip + (j + 1) * k - 1;
        let until = (end + k).min(y.len());
        for o in &mut origins[end..until] {
            *o = level / k as f64;
        }
    }
    let point = levels.last().map_or(0.0, |l| l / k as f64);
    (point, origins, alpha)
}

/// The mean inter-demand interval rounded half to even (Python's `round`), at least 1.
fn aggregation_level(y: &[f64]) -> usize {
    let iv = intervals(y);
    let mean = iv.iter().sum::<f64>() / iv.len() as f64;
    (mean.round_ties_even() as usize).max(1)
}

impl Fit for Intermittent {
    type Fitted = FittedIntermittent;
    type Error = ForecastError;

    fn fit(&self, y: &[f64]) -> Result<FittedIntermittent, ForecastError> {
        check_demand(y, "y")?;
        let model = self.method.name();
        if y.iter().all(|&v| v == 0.0) {
            return Ok(FittedIntermittent {
                model,
                point: 0.0,
                parameters: Vec::new(),
                origins: vec![0.0; y.len()],
                y: y.to_vec(),
            });
        }
        let (origins, parameters): (Vec<f64>, Vec<(String, f64)>) = match self.method {
            IntermittentMethod::Croston | IntermittentMethod::CrostonSba => {
                let mut o = croston_origins(y, 0.1, 0.1);
                if self.method == IntermittentMethod::CrostonSba {
                    o.iter_mut().for_each(|v| *v *= 0.95);
                }
                (o, vec![("alpha_d".into(), 0.1), ("alpha_i".into(), 0.1)])
            }
            IntermittentMethod::CrostonOptimized => {
                let alpha_d = optimal_alpha(&demand_sizes(y), 0.1, 0.3);
                let alpha_i = optimal_alpha(&intervals(y), 0.1, 0.3);
                (
                    croston_origins(y, alpha_d, alpha_i),
                    vec![("alpha_d".into(), alpha_d), ("alpha_i".into(), alpha_i)],
                )
            }
            IntermittentMethod::Tsb { alpha_d, alpha_p } => {
                let mut p = if y[0] != 0.0 { 1.0 } else { 0.0 };
                let mut size: Option<f64> = None;
                let o = y
                    .iter()
                    .enumerate()
                    .map(|(t, &v)| {
                        let occurred = if v != 0.0 { 1.0 } else { 0.0 };
                        if t > 0 {
                            p = alpha_p * occurred + (1.0 - alpha_p) * p;
                        }
                        if v > 0.0 {
                            size = Some(match size {
                                None => v,
                                Some(z) => alpha_d * v + (1.0 - alpha_d) * z,
                            });
                        }
                        p * size.unwrap_or(0.0)
                    })
                    .collect();
                (
                    o,
                    vec![("alpha_d".into(), alpha_d), ("alpha_p".into(), alpha_p)],
                )
            }
            IntermittentMethod::Adida => {
                let k = aggregation_level(y);
                let (_, o, alpha) = adida_at(y, k);
                (
                    o,
                    vec![("aggregation".into(), k as f64), ("alpha".into(), alpha)],
                )
            }
            IntermittentMethod::Imapa => {
                let max = aggregation_level(y);
                let mut sum = vec![0.0; y.len()];
                for k in 1..=max {
                    let (_, o, _) = adida_at(y, k);
                    sum.iter_mut().zip(&o).for_each(|(s, v)| *s += v);
                }
                (
                    sum.into_iter().map(|s| s / max as f64).collect(),
                    vec![("max_aggregation".into(), max as f64)],
                )
            }
        };
        let point = origins.last().copied().unwrap_or(0.0);
        Ok(FittedIntermittent {
            model,
            point,
            parameters,
            origins,
            y: y.to_vec(),
        })
    }
}

impl FittedIntermittent {
    /// The in-sample `h`-step errors `y[t+h] − origins[t]`, sorted.
    fn errors(&self, h: usize) -> Vec<f64> {
        let mut e: Vec<f64> = (0..self.y.len().saturating_sub(h))
            .filter(|&t| self.origins[t].is_finite())
            .map(|t| self.y[t + h] - self.origins[t])
            .collect();
        e.sort_by(f64::total_cmp);
        e
    }
}

/// Fewest in-sample errors an empirical interval is drawn from.
pub const MIN_INTERVAL_ERRORS: usize = 4;

impl PredictLevels for FittedIntermittent {
    fn predict_levels(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        check_levels(levels)?;
        let point = vec![self.point.max(0.0); horizon];
        let mut intervals: Vec<Interval> = levels
            .iter()
            .map(|&level| Interval {
                level,
                lower: Vec::with_capacity(horizon),
                upper: Vec::with_capacity(horizon),
            })
            .collect();
        if !levels.is_empty() {
            let mut errors = self.errors(1);
            if errors.len() < MIN_INTERVAL_ERRORS {
                return Err(ForecastError::Undefined(format!(
                    "{}: empirical intervals need at least {MIN_INTERVAL_ERRORS} in-sample \
                     one-step errors; the series gives {}",
                    self.model,
                    errors.len()
                )));
            }
            for h in 1..=horizon {
                // Past the history's reach, the longest horizon with enough errors stands in.
                let next = self.errors(h);
                if next.len() >= MIN_INTERVAL_ERRORS {
                    errors = next;
                }
                for interval in &mut intervals {
                    let tail = (1.0 - interval.level) / 2.0;
                    let lo = self.point + quantile_sorted(&errors, tail);
                    let hi = self.point + quantile_sorted(&errors, 1.0 - tail);
                    interval.lower.push(lo.max(0.0));
                    interval.upper.push(hi.max(0.0));
                }
            }
        }
        Ok(Forecast {
            model: self.model_name(),
            point,
            intervals,
        })
    }

    /// The forecast made one period before each value; where the method had none yet (the
    /// first period; ADIDA and IMAPA before their first complete bucket) the value itself.
    fn fitted_values(&self) -> Vec<f64> {
        (0..self.y.len())
            .map(|t| match t.checked_sub(1).map(|s| self.origins[s]) {
                Some(f) if f.is_finite() => f,
                _ => self.y[t],
            })
            .collect()
    }

    fn model_name(&self) -> String {
        self.model.clone()
    }
}

crate::forecast::augurs_predict!(FittedIntermittent);
