//! Coherent group forecasts: the groups' forecasts add up to the total's.
//!
//! Forecasting the total and each group separately gives numbers that do not add up (the
//! regions' forecasts sum to more or less than the company's). Reconciliation adjusts them
//! so that they do, for a two-level hierarchy: the total, and its parts (the largest groups,
//! and the rest summed as one `(other)` part so that nothing is lost).
//!
//! - [`Reconciliation::BottomUp`]: the parts' forecasts stand; the total is their sum.
//! - [`Reconciliation::MinTShrink`]: minimum trace (Wickramasuriya, Athanasopoulos & Hyndman
//!   2019) with the Schäfer–Strimmer shrinkage covariance of the in-sample one-step errors,
//!   as hierarchicalforecast's `MinTrace(method="mint_shrink")` and R hts' `MinT(covariance =
//!   "shr")`. With one aggregate the projection has a closed form: the incoherence
//!   `e = ŷ_total − Σ ŷ_part` is taken out of the parts in proportion to how each part's
//!   errors co-vary with it, `ỹ_part = ŷ_part − (W u)_part · e / (uᵀ W u)`, `u = (1, −1, …,
//!   −1)`, and the total becomes the sum of the parts.
//!
//! Intervals are the base models', moved with their point forecast (not reconciled as
//! distributions). A non-negative series' reconciled forecast is floored at zero and the
//! total recomputed from the floored parts, so the sum still holds.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use ndarray::ArrayView1;
use serde::Serialize;

use crate::ForecastError;
use crate::accuracy::{mase, scale_lag};
use crate::forecast::{SeriesForecast, floor_at_zero};
use crate::job::{ForecastParams, SeriesOutcome};
use crate::model::forecast_many_with_limits;
use crate::series::{Frequency, SalesSeries, SeriesSet};

/// How group forecasts are made to add up to the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Reconciliation {
    /// The parts' forecasts stand; the total is their sum.
    #[serde(rename = "bottom-up")]
    BottomUp,
    /// Minimum trace with the shrinkage covariance of the in-sample errors.
    #[serde(rename = "mint")]
    MinTShrink,
}

impl FromStr for Reconciliation {
    type Err = ForecastError;

    fn from_str(text: &str) -> Result<Reconciliation, ForecastError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "bottom-up" | "bottomup" | "bu" => Ok(Reconciliation::BottomUp),
            "mint" | "mint-shrink" | "mint_shrink" => Ok(Reconciliation::MinTShrink),
            other => Err(ForecastError::InvalidParameter {
                parameter: "reconcile",
                message: format!("unknown method `{other}`: expected bottom-up or mint"),
            }),
        }
    }
}

impl fmt::Display for Reconciliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reconciliation::BottomUp => "bottom-up",
            Reconciliation::MinTShrink => "mint",
        })
    }
}

/// A total and the parts that add up to it, every series ending at the same period.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    /// The sum of every group.
    pub total: SalesSeries,
    /// The largest groups, then `(other)` (the rest summed) when there are more groups.
    pub parts: Vec<SalesSeries>,
}

impl Hierarchy {
    /// The series in reconciliation order: the total, then the parts.
    pub fn series(&self) -> impl Iterator<Item = &SalesSeries> {
        std::iter::once(&self.total).chain(&self.parts)
    }
}

/// Adds `part` into `sum`, both ending at the same period.
fn add_aligned(sum: &mut [f64], part: &[f64]) {
    let offset = sum.len() - part.len();
    for (s, v) in sum[offset..].iter_mut().zip(part) {
        *s += v;
    }
}

impl SeriesSet {
    /// The hierarchy of the largest `top` groups: the total of every group, those groups,
    /// and the others summed as one part keyed `(other)` (when there are more than `top`).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `reconcile` when the set has fewer than
    /// two groups (nothing to reconcile) or the groups do not end at the same period.
    pub fn into_hierarchy(self, top: usize) -> Result<Hierarchy, ForecastError> {
        let invalid = |message: String| ForecastError::InvalidParameter {
            parameter: "reconcile",
            message,
        };
        if self.series.len() < 2 {
            return Err(invalid(format!(
                "needs at least two groups to add up to a total; the data has {}",
                self.series.len()
            )));
        }
        let last = self.series[0].periods.last().copied();
        if self
            .series
            .iter()
            .any(|s| s.periods.last().copied() != last)
        {
            return Err(invalid(
                "the groups' series do not end at the same period".into(),
            ));
        }
        let longest = |series: &[SalesSeries]| {
            series
                .iter()
                .max_by_key(|s| s.periods.len())
                .map(|s| s.periods.clone())
                .unwrap_or_default()
        };
        let sum_of = |series: &[SalesSeries], key: &str| {
            let periods = longest(series);
            let mut values = vec![0.0; periods.len()];
            for s in series {
                add_aligned(&mut values, &s.values);
            }
            SalesSeries {
                key: key.to_string(),
                periods,
                values,
                name: None,
            }
        };
        let total = sum_of(&self.series, "total");
        let top = top.max(1);
        let mut parts = self.series;
        if parts.len() > top + 1 {
            let rest = parts.split_off(top);
            parts.push(sum_of(&rest, "(other)"));
        }
        Ok(Hierarchy { total, parts })
    }
}

/// The Schäfer–Strimmer (2005) shrinkage estimate of the covariance of `errors` (one row per
/// series, equal lengths, at least 3 columns): the sample covariance (centred, `n − 1`)
/// pulled towards its diagonal by `λ = Σ_{i≠j} Var(r̂ᵢⱼ) / Σ_{i≠j} r̂ᵢⱼ²`, clipped to [0, 1].
/// Returns the row-major matrix and λ. A series with zero variance keeps λ's formula finite
/// by leaving its pairs out.
pub fn shrunk_covariance(errors: &[Vec<f64>]) -> (Vec<f64>, f64) {
    let k = errors.len();
    let n = errors.first().map_or(0, Vec::len);
    let nf = n as f64;
    let centred: Vec<Vec<f64>> = errors
        .iter()
        .map(|row| {
            let mean = row.iter().sum::<f64>() / nf;
            row.iter().map(|v| v - mean).collect()
        })
        .collect();
    let mut cov = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let c = crate::numeric::linalg::dot(&centred[i], &centred[j]) / (nf - 1.0);
            cov[i * k + j] = c;
            cov[j * k + i] = c;
        }
    }
    let sd: Vec<f64> = (0..k).map(|i| cov[i * k + i].sqrt()).collect();
    let standard: Vec<Vec<f64>> = centred
        .iter()
        .zip(&sd)
        .map(|(row, &s)| {
            row.iter()
                .map(|v| if s > 0.0 { v / s } else { 0.0 })
                .collect()
        })
        .collect();
    let (mut variance_sum, mut square_sum) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..i {
            if sd[i] == 0.0 || sd[j] == 0.0 {
                continue;
            }
            let w: Vec<f64> = standard[i]
                .iter()
                .zip(&standard[j])
                .map(|(a, b)| a * b)
                .collect();
            let mean = w.iter().sum::<f64>() / nf;
            let spread: f64 = w.iter().map(|x| (x - mean) * (x - mean)).sum();
            variance_sum += nf / ((nf - 1.0).powi(3)) * spread;
            let r = nf / (nf - 1.0) * mean;
            square_sum += r * r;
        }
    }
    let lambda = if square_sum > 0.0 {
        (variance_sum / square_sum).clamp(0.0, 1.0)
    } else {
        1.0
    };
    for i in 0..k {
        for j in 0..k {
            if i != j {
                cov[i * k + j] *= 1.0 - lambda;
            }
        }
    }
    (cov, lambda)
}

/// Reconciled point forecasts of a two-level hierarchy.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciled {
    /// One row per series (the total first), one value per step.
    pub point: Vec<Vec<f64>>,
    /// The shrinkage intensity of the covariance (MinT only).
    pub lambda: Option<f64>,
}

/// The fewest common in-sample errors MinT estimates its covariance from.
pub const MIN_RESIDUALS: usize = 3;

/// Reconciles `base` (one row of point forecasts per series, the total first, then the
/// parts that add up to it) by `method`; `errors` are the series' in-sample one-step errors
/// (any lengths: the last periods common to all rows are used, skipping a period where any
/// is not finite).
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `reconcile` when there are fewer than two
/// parts, the rows differ in length, or (MinT) fewer than [`MIN_RESIDUALS`] common errors
/// remain or their covariance gives no finite adjustment.
pub fn reconcile(
    method: Reconciliation,
    base: &[Vec<f64>],
    errors: &[Vec<f64>],
) -> Result<Reconciled, ForecastError> {
    let invalid = |message: String| ForecastError::InvalidParameter {
        parameter: "reconcile",
        message,
    };
    let h = base.first().map_or(0, Vec::len);
    if base.len() < 3 || base.iter().any(|row| row.len() != h) {
        return Err(invalid(
            "needs a total and at least two parts with forecasts of equal length".into(),
        ));
    }
    let parts = &base[1..];
    let mut point: Vec<Vec<f64>> = Vec::with_capacity(base.len());
    let lambda = match method {
        Reconciliation::BottomUp => {
            point.extend(parts.iter().cloned());
            None
        }
        Reconciliation::MinTShrink => {
            if errors.len() != base.len() {
                return Err(invalid("one row of in-sample errors per series".into()));
            }
            let common = errors.iter().map(Vec::len).min().unwrap_or(0);
            let rows: Vec<&[f64]> = errors.iter().map(|e| &e[e.len() - common..]).collect();
            let kept: Vec<usize> = (0..common)
                .filter(|&t| rows.iter().all(|r| r[t].is_finite()))
                .collect();
            if kept.len() < MIN_RESIDUALS {
                return Err(invalid(format!(
                    "MinT needs at least {MIN_RESIDUALS} periods of in-sample errors common to \
                     every series; {} found",
                    kept.len()
                )));
            }
            let aligned: Vec<Vec<f64>> = rows
                .iter()
                .map(|r| kept.iter().map(|&t| r[t]).collect())
                .collect();
            let (w, lambda) = shrunk_covariance(&aligned);
            let k = base.len();
            // W u with u = (1, −1, …, −1).
            let wu: Vec<f64> = (0..k)
                .map(|i| w[i * k] - (1..k).map(|j| w[i * k + j]).sum::<f64>())
                .collect();
            let uwu = wu[0] - wu[1..].iter().sum::<f64>();
            if !(uwu > 0.0 && uwu.is_finite()) {
                return Err(invalid(
                    "the in-sample errors' covariance is degenerate: use bottom-up".into(),
                ));
            }
            for (i, part) in parts.iter().enumerate() {
                let share = wu[i + 1] / uwu;
                point.push(
                    (0..h)
                        .map(|t| {
                            let incoherence = base[0][t] - parts.iter().map(|p| p[t]).sum::<f64>();
                            part[t] - share * incoherence
                        })
                        .collect(),
                );
            }
            Some(lambda)
        }
    };
    let total: Vec<f64> = (0..h).map(|t| point.iter().map(|p| p[t]).sum()).collect();
    point.insert(0, total);
    Ok(Reconciled { point, lambda })
}

/// Applies reconciled points to the forecasts (total first): each interval moves with its
/// point; a non-negative part is floored at zero and the total recomputed from the parts.
/// Returns how many values were raised to zero.
fn apply(
    forecasts: &mut [&mut SeriesForecast],
    reconciled: &[Vec<f64>],
    non_negative: &[bool],
) -> usize {
    // Always floored: moving a bound that the model had floored at zero would take it
    // below zero again, whatever the job's own flooring.
    let floor = true;
    let mut floored = 0;
    for (i, forecast) in forecasts.iter_mut().enumerate().skip(1) {
        shift(forecast, &reconciled[i]);
        if floor && non_negative[i] {
            floored += floor_at_zero(&mut forecast.forecast);
        }
    }
    let h = reconciled[0].len();
    let total: Vec<f64> = (0..h)
        .map(|t| forecasts[1..].iter().map(|f| f.forecast.point[t]).sum())
        .collect();
    // The total is the parts' sum, never floored on its own (a part with negative history
    // may sum below zero), so the sum holds exactly.
    shift(forecasts[0], &total);
    floored
}

/// Moves `forecast`'s point to `point` and every bound by the same amount.
fn shift(forecast: &mut SeriesForecast, point: &[f64]) {
    let f = &mut forecast.forecast;
    for (t, &new) in point.iter().enumerate() {
        let delta = new - f.point[t];
        f.point[t] = new;
        for interval in &mut f.intervals {
            interval.lower[t] += delta;
            interval.upper[t] += delta;
        }
    }
}

/// The in-sample one-step errors of a fit (`y − fitted`, non-finite where the fit gives
/// none).
fn errors_of(y: &[f64], fit: &SeriesForecast) -> Vec<f64> {
    let offset = y.len().saturating_sub(fit.fitted.len());
    y[offset..]
        .iter()
        .zip(&fit.fitted)
        .map(|(v, f)| v - f)
        .collect()
}

/// A hierarchy's forecasts after reconciliation ([`ForecastParams::forecast_coherent`]).
#[derive(Debug)]
pub struct CoherentForecast {
    /// The total first, then the parts, with reconciled forecasts.
    pub outcomes: Vec<SeriesOutcome>,
    /// Each series' point forecasts before reconciliation, in the same order.
    pub base: Vec<Vec<f64>>,
    /// The method.
    pub method: Reconciliation,
    /// MinT's shrinkage intensity.
    pub lambda: Option<f64>,
}

/// One series' accuracy before and after reconciliation ([`ForecastParams::backtest_coherent`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconciledBacktest {
    /// The series' key (`total`, a group, `(other)`).
    pub key: String,
    /// The product's name, for series by product.
    pub name: Option<String>,
    /// Mean MASE over the origins of the base forecasts.
    pub mase_base: f64,
    /// Mean MASE over the origins of the reconciled forecasts.
    pub mase_reconciled: f64,
}

impl ForecastParams {
    /// Forecasts every series of `hierarchy` and reconciles them by `method`, so that the
    /// parts add up to the total at every step (see the module documentation); otherwise as
    /// [`ForecastParams::forecast`].
    ///
    /// # Errors
    ///
    /// As [`ForecastParams::forecast`]; a series that cannot be fitted is an error naming it
    /// (a partial hierarchy cannot be reconciled); [`reconcile`]'s errors.
    pub fn forecast_coherent(
        &self,
        hierarchy: Hierarchy,
        frequency: Option<Frequency>,
        implied_season_length: usize,
        method: Reconciliation,
    ) -> Result<CoherentForecast, ForecastError> {
        let series: Vec<SalesSeries> = hierarchy.series().cloned().collect();
        let mut outcomes = self.forecast(series, frequency, implied_season_length, None)?;
        let mut base = Vec::with_capacity(outcomes.len());
        let mut errors = Vec::with_capacity(outcomes.len());
        for outcome in &outcomes {
            let fit = outcome.result.as_ref().map_err(|err| {
                ForecastError::Undefined(format!(
                    "series {} could not be fitted, so the groups cannot be reconciled: {err}",
                    outcome.series.key
                ))
            })?;
            base.push(fit.forecast.point.clone());
            errors.push(errors_of(&outcome.series.values, fit));
        }
        let reconciled = reconcile(method, &base, &errors)?;
        let non_negative: Vec<bool> = outcomes
            .iter()
            .map(|o| o.series.values.iter().all(|&v| v >= 0.0))
            .collect();
        let mut fits: Vec<&mut SeriesForecast> = outcomes
            .iter_mut()
            .map(|o| o.result.as_mut().expect("checked above"))
            .collect();
        apply(&mut fits, &reconciled.point, &non_negative);
        Ok(CoherentForecast {
            outcomes,
            base,
            method,
            lambda: reconciled.lambda,
        })
    }

    /// Scores the hierarchy's forecasts before and after reconciliation by `method` at
    /// `folds` rolling origins, [`ForecastParams::with_horizon`] periods apart (the last
    /// `folds × horizon` periods of the total held out in turn; each series is cut at the
    /// same date): mean MASE per series, the total first.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `backtest` when `folds` is 0 or a series
    /// has fewer than 3 values before the first origin; a fit's or [`reconcile`]'s error at
    /// any origin, naming the series and the origin.
    pub fn backtest_coherent(
        &self,
        hierarchy: &Hierarchy,
        implied_season_length: usize,
        folds: usize,
        method: Reconciliation,
    ) -> Result<Vec<ReconciledBacktest>, ForecastError> {
        self.check()?;
        let h = self.horizon();
        let season_length = self.season_length_or(implied_season_length).max(1);
        let series: Vec<&SalesSeries> = hierarchy.series().collect();
        let n = hierarchy.total.values.len();
        let first = folds
            .checked_mul(h)
            .and_then(|held| n.checked_sub(held))
            .filter(|_| folds > 0);
        let Some(first) = first else {
            return Err(ForecastError::InvalidParameter {
                parameter: "backtest",
                message: format!(
                    "{folds} origins of {h} periods need at least one origin and a total \
                     longer than {} periods; it has {n}",
                    folds.saturating_mul(h)
                ),
            });
        };
        let mut sums = vec![(0.0, 0.0, 0usize); series.len()];
        for fold in 0..folds {
            let cutoff: NaiveDate = hierarchy.total.periods[first + fold * h];
            let mut trains = Vec::with_capacity(series.len());
            let mut actuals = Vec::with_capacity(series.len());
            for s in &series {
                let origin = s.periods.partition_point(|p| *p < cutoff);
                if origin < 3 {
                    return Err(ForecastError::InvalidParameter {
                        parameter: "backtest",
                        message: format!(
                            "series {} has {origin} values before the origin {cutoff}; at \
                             least 3 are needed (fewer origins, or a shorter horizon)",
                            s.key
                        ),
                    });
                }
                // A part must run to the total's last period (as `into_hierarchy` builds
                // them); a hand-built hierarchy may not.
                let Some(actual) = s.values.get(origin..origin + h) else {
                    return Err(ForecastError::InvalidParameter {
                        parameter: "hierarchy",
                        message: format!(
                            "series {} has {} values after the origin {cutoff}, fewer than the \
                             {h} of the horizon: every part must end with the total",
                            s.key,
                            s.values.len().saturating_sub(origin)
                        ),
                    });
                };
                trains.push(s.values[..origin].to_vec());
                actuals.push(actual);
            }
            let fits = forecast_many_with_limits(
                &trains,
                self.model(),
                season_length,
                h,
                &[],
                self.threads(),
                self.limits(),
            );
            let mut base = Vec::with_capacity(fits.len());
            let mut errors = Vec::with_capacity(fits.len());
            let mut kept = Vec::with_capacity(fits.len());
            for ((fit, s), train) in fits.into_iter().zip(&series).zip(&trains) {
                let mut fit = fit.map_err(|err| {
                    ForecastError::Undefined(format!(
                        "series {} at the origin {cutoff}: {err}",
                        s.key
                    ))
                })?;
                // Floored as the reconciled forecasts are, so the comparison is fair.
                if train.iter().all(|&v| v >= 0.0) {
                    floor_at_zero(&mut fit.forecast);
                }
                base.push(fit.forecast.point.clone());
                errors.push(errors_of(train, &fit));
                kept.push(fit);
            }
            let reconciled = reconcile(method, &base, &errors)?;
            let non_negative: Vec<bool> =
                trains.iter().map(|t| t.iter().all(|&v| v >= 0.0)).collect();
            let mut refs: Vec<&mut SeriesForecast> = kept.iter_mut().collect();
            apply(&mut refs, &reconciled.point, &non_negative);
            for (i, fit) in kept.iter().enumerate() {
                let (train, actual) = (&trains[i], actuals[i]);
                let lag = scale_lag(train.len(), season_length);
                let score = |point: &[f64]| {
                    mase(
                        ArrayView1::from(actual),
                        ArrayView1::from(point),
                        ArrayView1::from(train.as_slice()),
                        lag,
                    )
                    .ok()
                };
                if let (Some(a), Some(b)) = (score(&base[i]), score(&fit.forecast.point)) {
                    sums[i].0 += a;
                    sums[i].1 += b;
                    sums[i].2 += 1;
                }
            }
        }
        Ok(series
            .iter()
            .zip(sums)
            .map(|(s, (a, b, count))| {
                // NaN when no origin could be scored (a constant training series).
                let mean = |sum: f64| {
                    if count > 0 {
                        sum / count as f64
                    } else {
                        f64::NAN
                    }
                };
                ReconciledBacktest {
                    key: s.key.clone(),
                    name: s.name.clone(),
                    mase_base: mean(a),
                    mase_reconciled: mean(b),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_and_name_themselves() {
        assert_eq!(
            "bottom-up".parse::<Reconciliation>().unwrap(),
            Reconciliation::BottomUp
        );
        assert_eq!(
            "MinT".parse::<Reconciliation>().unwrap(),
            Reconciliation::MinTShrink
        );
        assert_eq!(Reconciliation::MinTShrink.to_string(), "mint");
        let err = "ols".parse::<Reconciliation>().unwrap_err().to_string();
        assert!(err.contains("reconcile") && err.contains("ols"), "{err}");
    }

    #[test]
    fn a_hierarchy_keeps_the_top_groups_and_sums_the_rest_aligned_at_the_end() {
        use crate::series::{GroupBy, Measure};
        let weeks: Vec<NaiveDate> = (0..4)
            .map(|w| NaiveDate::from_ymd_opt(2011, 1, 3).unwrap() + chrono::Days::new(7 * w))
            .collect();
        let group = |key: &str, values: &[f64]| SalesSeries {
            key: key.into(),
            periods: weeks[4 - values.len()..].to_vec(),
            values: values.to_vec(),
            name: None,
        };
        let set = SeriesSet {
            frequency: Frequency::Week,
            group_by: GroupBy::Country,
            measure: Measure::Sales,
            series: vec![
                group("UK", &[10.0, 20.0, 30.0, 40.0]),
                group("France", &[5.0, 6.0]),
                group("Spain", &[1.0, 2.0, 3.0]),
            ],
            lines_used: 0,
            lines_other_kind: 0,
            lines_in_partial_periods: 0,
            partial_periods: Vec::new(),
        };
        let h = set.clone().into_hierarchy(1).unwrap();
        assert_eq!(h.total.values, [10.0, 21.0, 37.0, 49.0]);
        assert_eq!(h.total.periods, weeks);
        let keys: Vec<&str> = h.parts.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["UK", "(other)"]);
        assert_eq!(h.parts[1].values, [1.0, 7.0, 9.0]);
        // Two groups beyond the top one would be summed; one beyond stays itself.
        let h = set.clone().into_hierarchy(2).unwrap();
        assert_eq!(h.parts.len(), 3);
        let mut one = set;
        one.series.truncate(1);
        assert!(
            one.into_hierarchy(5)
                .unwrap_err()
                .to_string()
                .contains("reconcile")
        );
    }

    #[test]
    fn a_part_that_ends_before_the_total_is_an_error_not_a_panic() {
        let weeks: Vec<NaiveDate> = (0..12)
            .map(|w| NaiveDate::from_ymd_opt(2011, 1, 3).unwrap() + chrono::Days::new(7 * w))
            .collect();
        let series = |key: &str, n: usize| SalesSeries {
            key: key.into(),
            periods: weeks[..n].to_vec(),
            values: (0..n).map(|i| 10.0 + i as f64).collect(),
            name: None,
        };
        // A hand-built hierarchy whose second part stops four weeks early.
        let hierarchy = Hierarchy {
            total: series("total", 12),
            parts: vec![series("UK", 12), series("France", 8)],
        };
        let params = ForecastParams::new(crate::ModelChoice::Naive).with_horizon(2);
        let err = params
            .backtest_coherent(&hierarchy, 1, 2, Reconciliation::BottomUp)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("series France has 0 values after the origin 2011-02-28"),
            "{err}"
        );
    }

    #[test]
    fn bottom_up_sums_the_parts() {
        let base = vec![vec![100.0, 100.0], vec![30.0, 40.0], vec![50.0, 50.0]];
        let r = reconcile(Reconciliation::BottomUp, &base, &[]).unwrap();
        assert_eq!(
            r.point,
            vec![vec![80.0, 90.0], vec![30.0, 40.0], vec![50.0, 50.0]]
        );
        assert_eq!(r.lambda, None);
    }

    #[test]
    fn mint_with_independent_equal_errors_splits_the_incoherence_evenly() {
        // By hand: W = diag(σ_T², σ², σ²) (λ = 1 when the errors are uncorrelated enough), so
        // W u = (σ_T², −σ², −σ²), uᵀWu = σ_T² + 2σ²; each part gains σ²·e/(σ_T² + 2σ²).
        // Errors: total ±2 (σ_T² = 4·4/3), parts ±1 in orthogonal patterns (σ² = 4/3).
        let errors = vec![
            vec![2.0, -2.0, 2.0, -2.0],
            vec![1.0, 1.0, -1.0, -1.0],
            vec![1.0, -1.0, -1.0, 1.0],
        ];
        let (w, lambda) = shrunk_covariance(&errors);
        assert!(w[1] == 0.0 && w[2] == 0.0 && w[5] == 0.0, "{w:?}");
        assert!((w[0] - 16.0 / 3.0).abs() < 1e-12 && (w[4] - 4.0 / 3.0).abs() < 1e-12);
        assert!((0.0..=1.0).contains(&lambda));
        let base = vec![vec![100.0], vec![30.0], vec![50.0]];
        let r = reconcile(Reconciliation::MinTShrink, &base, &errors).unwrap();
        // e = 20; σ² / (σ_T² + 2σ²) = (4/3) / (24/3) = 1/6: each part + 20/6.
        assert!(
            (r.point[1][0] - (30.0 + 20.0 / 6.0)).abs() < 1e-9,
            "{:?}",
            r.point
        );
        assert!((r.point[2][0] - (50.0 + 20.0 / 6.0)).abs() < 1e-9);
        assert!((r.point[0][0] - r.point[1][0] - r.point[2][0]).abs() < 1e-9);
    }

    #[test]
    fn mint_matches_hierarchicalforecast() {
        // tests/reference/mint_reference.py: hierarchicalforecast 1.5.3,
        // MinTrace(method="mint_shrink", mint_shr_ridge=0.0) on these residuals (total
        // first, 12 periods) and base forecasts of a total and three parts.
        let errors = vec![
            vec![
                -0.190689, 1.775288, -3.66327, -2.946846, -3.875633, -3.219838, -7.14076, 1.624356,
                -4.153587, -4.927363, 2.435424, 0.444156,
            ],
            vec![
                -0.028831, 1.780626, -1.406014, -2.783477, -1.253548, -2.911158, -1.044625,
                4.096786, -0.117796, -3.408569, 2.328909, 1.190015,
            ],
            vec![
                0.194568, -1.418741, -0.350304, 1.334755, -2.633197, -0.883341, -4.414973,
                -2.541005, -3.004058, -1.243755, -2.105202, 0.602206,
            ],
            vec![
                0.156751, -0.186931, -2.51676, -0.538693, -0.048501, 0.113309, -1.530136,
                -0.477753, -0.978519, -0.808837, 1.060899, -0.807535,
            ],
        ];
        let base = vec![
            vec![100.0, 104.0],
            vec![40.0, 41.0],
            vec![35.0, 36.0],
            vec![20.0, 22.0],
        ];
        let expected = [
            [97.13341527745443, 101.13341527745443],
            [41.06551827337456, 42.06551827337456],
            [35.917910543853914, 36.917910543853914],
            [20.14998646022596, 22.14998646022596],
        ];
        let r = reconcile(Reconciliation::MinTShrink, &base, &errors).unwrap();
        for (row, want) in r.point.iter().zip(expected) {
            for (got, want) in row.iter().zip(want) {
                assert!((got - want).abs() < 1e-7, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn too_few_common_errors_are_an_error_naming_reconcile() {
        let base = vec![vec![1.0], vec![0.5], vec![0.5]];
        let errors = vec![
            vec![1.0, f64::NAN, 1.0],
            vec![0.5, 0.1, 0.2],
            vec![0.1, 0.2, 0.3],
        ];
        let err = reconcile(Reconciliation::MinTShrink, &base, &errors).unwrap_err();
        assert!(err.to_string().contains("reconcile"), "{err}");
    }
}
