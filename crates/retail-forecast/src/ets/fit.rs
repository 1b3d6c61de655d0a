//! Fitting by maximum likelihood ([`Ets`]): the profile over the smoothing parameters with
//! the states concentrated out, then, for the nonlinear models, Nelder–Mead on everything.

use super::EtsParams;
use super::filter::{lik, run};
use super::fitted::FittedEts;
use super::initial::{concentrated_states, heuristic_states, level_slope_profile};
use super::layout::Layout;
use super::long_season::LongSeasonStates;
use super::spec::{ErrorKind, EtsSpec, SeasonKind, TrendKind};
use crate::ForecastError;
use crate::numeric::nelder_mead::{Minimum, NelderMead};

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
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `season_length`: 0, or below 2 for a seasonal
    /// `spec`.
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

    /// Largest number of likelihood evaluations per optimiser run (default 4,000; at least
    /// 10, which [`Ets::check`] verifies).
    pub fn with_max_evals(mut self, evals: usize) -> Ets {
        self.max_evals = evals;
        self
    }

    /// Validates the parameters as a whole (fitting does this first).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `max_evals` (below 10).
    pub fn check(&self) -> Result<(), ForecastError> {
        crate::numeric::nelder_mead::check_max_evals(self.max_evals).map(|_| ())
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
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `y` (a value that is not finite) or
    /// `max_evals` ([`Ets::check`]); [`ForecastError::Undefined`] when the series is too short
    /// for the model, or a multiplicative model meets zeros or negative values, or no start
    /// gives a finite likelihood.
    pub fn fit(&self, y: &[f64]) -> Result<FittedEts, ForecastError> {
        self.check()?;
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
