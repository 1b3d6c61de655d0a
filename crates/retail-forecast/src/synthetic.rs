//! Deterministic synthetic weekly sales series for benchmarks and tests: a level, a gentle
//! trend, a yearly season (two harmonics plus a pre-Christmas peak) and noise, all drawn from
//! a seed, so the same call gives the same numbers on every machine.

use crate::forecast::Normal;

/// `count` weekly series of `weeks` values each (all positive), from `seed`.
pub fn weekly_series(count: usize, weeks: usize, seed: u64) -> Vec<Vec<f64>> {
    (0..count)
        .map(|k| {
            let mut rng = Normal::new(seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let level = 200.0 + 800.0 * uniform(&mut rng);
            let trend = 0.004 * rng.sample();
            let amplitude = 0.1 + 0.3 * uniform(&mut rng);
            let phase = std::f64::consts::TAU * uniform(&mut rng);
            let peak = 0.5 * uniform(&mut rng);
            let noise = 0.03 + 0.12 * uniform(&mut rng);
            let mut ar = 0.0;
            (0..weeks)
                .map(|t| {
                    let year = std::f64::consts::TAU * (t % 52) as f64 / 52.0;
                    let week_of_year = t % 52;
                    let season = 1.0
                        + amplitude * (year + phase).sin()
                        + 0.3 * amplitude * (2.0 * year).cos()
                        + if (46..51).contains(&week_of_year) {
                            peak
                        } else {
                            0.0
                        };
                    ar = 0.5 * ar + noise * rng.sample();
                    (level * (1.0 + trend).powi(t as i32) * season * (1.0 + ar)).max(1.0)
                })
                .collect()
        })
        .collect()
}

fn uniform(rng: &mut Normal) -> f64 {
    rng.uniform()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_positive() {
        let a = weekly_series(5, 156, 7);
        let b = weekly_series(5, 156, 7);
        assert_eq!(a, b);
        assert_ne!(a, weekly_series(5, 156, 8));
        assert!(
            a.iter()
                .all(|s| s.len() == 156 && s.iter().all(|&v| v >= 1.0))
        );
        assert_ne!(a[0], a[1]);
    }
}
