//! The filter (R's `etscalc`, one specialised loop per model) and the likelihood it gives.

use super::spec::{ErrorKind, EtsSpec, SeasonKind, TrendKind};
use super::{EtsParams, EtsState};

/// Forecasts and divisors closer to zero than this stop the filter.
pub(super) const TOL: f64 = 1e-10;

/// One pass of the model over `y`.
pub(super) struct Pass {
    /// Σ e² (relative errors for multiplicative error).
    pub(super) sse: f64,
    /// Σ ln|ŷ| (multiplicative error only).
    pub(super) sum_log: f64,
    /// The state after the last observation.
    pub(super) state: EtsState,
}

/// The filter of R's `etscalc`; `fitted` receives ŷ when given. `None` when a forecast
/// or a divisor is (numerically) zero or the values blow up.
pub(super) fn run(
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
pub(super) fn lik(spec: EtsSpec, pass: &Pass, n: usize) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ets::FittedEts;

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
}
