//! The optimiser's coordinates: where the smoothing parameters and the free initial states
//! sit in its vector, and how they map to [`EtsParams`] and to the linear filter's gains.

use super::EtsParams;
use super::spec::{EtsSpec, SeasonKind, TrendKind};

/// Where the free parameters sit in the optimiser's vector.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// The model.
    pub(super) spec: EtsSpec,
    /// Season length (1 without a season).
    pub(super) m: usize,
}

impl Layout {
    pub(super) fn smoothing_len(&self) -> usize {
        1 + usize::from(self.spec.has_trend())
            + usize::from(self.spec.has_season())
            + usize::from(self.spec.trend == TrendKind::Damped)
    }

    pub(super) fn state_len(&self) -> usize {
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
    pub(super) fn smoothing(&self, x: &[f64]) -> (f64, Option<f64>, Option<f64>, Option<f64>) {
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
    pub(super) fn gains(&self, x: &[f64]) -> Gains {
        let (alpha, beta, gamma, phi) = self.smoothing(x);
        Gains {
            alpha,
            beta: beta.unwrap_or(0.0),
            gamma: gamma.unwrap_or(0.0),
            phi: phi.unwrap_or(1.0),
        }
    }

    /// How far `x` lies outside the optimiser's box (0 inside): a gentle pull back.
    pub(super) fn outside(&self, x: &[f64]) -> f64 {
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
    pub(super) fn params(&self, smoothing: &[f64], states: &[f64]) -> EtsParams {
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

    pub(super) fn free_states(&self, p: &EtsParams) -> Vec<f64> {
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
    pub(super) fn smoothing_vec(&self, p: &EtsParams) -> Vec<f64> {
        let mut v = vec![p.alpha];
        v.extend(p.beta.map(|b| b / p.alpha));
        v.extend(p.gamma.map(|g| g / (1.0 - p.alpha)));
        v.extend(p.phi);
        v
    }
}

/// Smoothing parameters of the linear filter: α, β, γ, φ (β = 0 and φ = 1 without trend).
#[derive(Debug, Clone, Copy)]
pub(super) struct Gains {
    pub(super) alpha: f64,
    pub(super) beta: f64,
    pub(super) gamma: f64,
    pub(super) phi: f64,
}
