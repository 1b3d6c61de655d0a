//! Derivative-free minimisation: Nelder–Mead with restarts (R's `optim` default, as
//! `forecast::ets` and statsforecast use it), on objectives that return `f64::INFINITY`
//! outside their domain.

/// Settings of one Nelder–Mead run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NelderMead {
    /// Largest number of objective evaluations.
    pub max_evals: usize,
    /// Stop when the simplex's objective values span less than this (relative).
    pub tolerance: f64,
    /// Initial simplex step per coordinate (absolute).
    pub step: f64,
}

impl Default for NelderMead {
    fn default() -> Self {
        NelderMead {
            max_evals: 2_000,
            tolerance: 1e-8,
            step: 0.1,
        }
    }
}

/// Validates a user's evaluation budget (at least 10).
pub(crate) fn check_max_evals(evals: usize) -> Result<usize, crate::ForecastError> {
    if evals < 10 {
        return Err(crate::ForecastError::InvalidParameter {
            parameter: "max_evals",
            message: "must be at least 10".into(),
        });
    }
    Ok(evals)
}

/// The best point found and its value.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub evals: usize,
}

impl NelderMead {
    /// Minimises `f` from `start`; each coordinate's initial step is `step · scale[i]`.
    pub fn minimize(
        &self,
        f: &mut dyn FnMut(&[f64]) -> f64,
        start: &[f64],
        scale: &[f64],
    ) -> Minimum {
        let k = start.len();
        let mut evals = 0;
        let mut eval = |x: &[f64], evals: &mut usize| {
            *evals += 1;
            let v = f(x);
            if v.is_nan() { f64::INFINITY } else { v }
        };
        if k == 0 {
            let value = eval(start, &mut evals);
            return Minimum {
                x: Vec::new(),
                value,
                evals,
            };
        }
        let mut simplex: Vec<Vec<f64>> = Vec::with_capacity(k + 1);
        simplex.push(start.to_vec());
        for i in 0..k {
            let mut x = start.to_vec();
            x[i] += self.step * scale[i];
            simplex.push(x);
        }
        let mut values: Vec<f64> = simplex.iter().map(|x| eval(x, &mut evals)).collect();
        let (alpha, gamma, rho, sigma) = (1.0, 2.0, 0.5, 0.5);
        let mut centroid = vec![0.0; k];
        let mut trial = vec![0.0; k];
        let mut trial2 = vec![0.0; k];
        while evals < self.max_evals {
            // Order: best first.
            let mut order: Vec<usize> = (0..=k).collect();
            order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            simplex = order.iter().map(|&i| simplex[i].clone()).collect();
            values = order.iter().map(|&i| values[i]).collect();
            let (best, worst) = (values[0], values[k]);
            if best.is_finite()
                && (worst - best).abs() <= self.tolerance * (best.abs() + self.tolerance)
            {
                break;
            }
            centroid.iter_mut().for_each(|c| *c = 0.0);
            for x in &simplex[..k] {
                for (c, v) in centroid.iter_mut().zip(x) {
                    *c += v / k as f64;
                }
            }
            for i in 0..k {
                trial[i] = centroid[i] + alpha * (centroid[i] - simplex[k][i]);
            }
            let reflected = eval(&trial, &mut evals);
            if reflected < values[0] {
                for i in 0..k {
                    trial2[i] = centroid[i] + gamma * (trial[i] - centroid[i]);
                }
                let expanded = eval(&trial2, &mut evals);
                if expanded < reflected {
                    simplex[k].copy_from_slice(&trial2);
                    values[k] = expanded;
                } else {
                    simplex[k].copy_from_slice(&trial);
                    values[k] = reflected;
                }
            } else if reflected < values[k - 1] {
                simplex[k].copy_from_slice(&trial);
                values[k] = reflected;
            } else {
                let outside = reflected < values[k];
                for i in 0..k {
                    trial2[i] = if outside {
                        centroid[i] + rho * (trial[i] - centroid[i])
                    } else {
                        centroid[i] + rho * (simplex[k][i] - centroid[i])
                    };
                }
                let contracted = eval(&trial2, &mut evals);
                if contracted < values[k].min(reflected) {
                    simplex[k].copy_from_slice(&trial2);
                    values[k] = contracted;
                } else {
                    // Shrink towards the best point.
                    let (first, rest) = simplex.split_at_mut(1);
                    for (vertex, value) in rest.iter_mut().zip(values[1..].iter_mut()) {
                        for (x, &best) in vertex.iter_mut().zip(&first[0]) {
                            *x = best + sigma * (*x - best);
                        }
                        *value = eval(vertex, &mut evals);
                    }
                }
            }
        }
        let best = (0..=k)
            .min_by(|&a, &b| values[a].total_cmp(&values[b]))
            .unwrap_or(0);
        Minimum {
            x: simplex[best].clone(),
            value: values[best],
            evals,
        }
    }

    /// Runs from `start`, then restarts from each result with a fresh simplex until a restart
    /// no longer improves (at most `restarts` times): a cheap cure for collapsed simplices.
    pub fn minimize_restarting(
        &self,
        f: &mut dyn FnMut(&[f64]) -> f64,
        start: &[f64],
        scale: &[f64],
        restarts: usize,
    ) -> Minimum {
        let mut best = self.minimize(f, start, scale);
        for _ in 0..restarts {
            let again = self.minimize(f, &best.x, scale);
            let evals = best.evals + again.evals;
            let improved = again.value < best.value - 1e-9 * (1.0 + best.value.abs());
            if again.value < best.value {
                best = again;
            }
            best.evals = evals;
            if !improved {
                break;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let mut f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let nm = NelderMead {
            max_evals: 5_000,
            ..NelderMead::default()
        };
        let m = nm.minimize_restarting(&mut f, &[-1.2, 1.0], &[1.0, 1.0], 5);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
            "{m:?}"
        );
    }

    #[test]
    fn respects_an_infinite_wall() {
        // Minimum of (x - 2)^2 subject to x <= 1 is at the wall.
        let mut f = |x: &[f64]| {
            if x[0] > 1.0 {
                f64::INFINITY
            } else {
                (x[0] - 2.0).powi(2)
            }
        };
        let m = NelderMead::default().minimize_restarting(&mut f, &[0.0], &[1.0], 3);
        assert!((m.x[0] - 1.0).abs() < 1e-6, "{m:?}");
    }
}
