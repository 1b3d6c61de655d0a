//! Minimum support, as a count or as a fraction of the baskets.
//!
//! A fraction becomes the count `ceil(fraction * n)` computed on the decimal the user wrote,
//! not on its binary approximation: `0.07 * 100` is `7.000000000000001` in `f64`, whose
//! ceiling would wrongly be 8.

use crate::BundlesError;

/// The least number of baskets an itemset must be in to be frequent.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum MinSupport {
    /// An absolute basket count (at least 1).
    Count(u64),
    /// A fraction of all baskets (empty ones included), in (0, 1].
    Fraction(f64),
}

impl MinSupport {
    /// A validated fraction.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming `min_support` for a value outside (0, 1] or
    /// NaN.
    pub fn fraction(value: f64) -> Result<MinSupport, BundlesError> {
        if !(value > 0.0 && value <= 1.0) {
            return Err(BundlesError::InvalidParameter {
                parameter: "min_support",
                message: format!(
                    "{value} is not a fraction in (0, 1]; use a count for absolute support"
                ),
            });
        }
        Ok(MinSupport::Fraction(value))
    }

    /// A validated count.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming `min_count` for a count of 0.
    pub fn count(value: u64) -> Result<MinSupport, BundlesError> {
        if value == 0 {
            return Err(BundlesError::InvalidParameter {
                parameter: "min_count",
                message: "must be at least 1".into(),
            });
        }
        Ok(MinSupport::Count(value))
    }

    /// The minimum count over `baskets` baskets: an itemset is frequent when its count is at
    /// least this (never below 1).
    pub fn to_count(self, baskets: u64) -> u64 {
        match self {
            MinSupport::Count(c) => c.max(1),
            MinSupport::Fraction(f) => {
                let (digits, scale) = shortest_decimal(f);
                // ceil(digits * baskets / 10^scale) in exact integer arithmetic.
                let numerator = digits as u128 * baskets as u128;
                let denominator = 10u128.pow(scale);
                (numerator.div_ceil(denominator) as u64).max(1)
            }
        }
    }
}

/// The shortest decimal that round-trips to `value` (in (0, 1]), as `digits / 10^scale`.
fn shortest_decimal(value: f64) -> (u64, u32) {
    // Rust's `Display` for f64 prints the shortest round-trip digits, without exponent.
    let text = format!("{value}");
    match text.split_once('.') {
        None => (text.parse().unwrap_or(1), 0),
        Some((int, frac)) => {
            let frac = &frac[..frac.len().min(18)];
            let digits = format!("{int}{frac}")
                .trim_start_matches('0')
                .parse()
                .unwrap_or(0);
            (digits, frac.len() as u32)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_become_exact_ceilings() {
        assert_eq!(0.07 * 100.0, 7.000000000000001);
        assert_eq!(MinSupport::Fraction(0.07).to_count(100), 7);
        assert_eq!(MinSupport::Fraction(0.07).to_count(101), 8); // 7.07 → 8
        assert_eq!(MinSupport::Fraction(0.0005).to_count(88_162), 45); // 44.081 → 45
        assert_eq!(MinSupport::Fraction(0.1).to_count(8_124), 813); // 812.4 → 813
        assert_eq!(MinSupport::Fraction(0.5).to_count(10), 5);
        assert_eq!(MinSupport::Fraction(1.0).to_count(9_835), 9_835);
        assert_eq!(MinSupport::Fraction(0.001).to_count(0), 1);
        assert_eq!(MinSupport::Fraction(1e-7).to_count(10), 1);
        assert_eq!(MinSupport::Count(3).to_count(2), 3);
    }

    #[test]
    fn invalid_supports_name_the_parameter() {
        for bad in [0.0, -0.1, 1.5, f64::NAN] {
            let err = MinSupport::fraction(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid min_support"), "{err}");
        }
        assert!(
            MinSupport::count(0)
                .unwrap_err()
                .to_string()
                .contains("min_count")
        );
        assert_eq!(
            MinSupport::fraction(0.25).unwrap(),
            MinSupport::Fraction(0.25)
        );
    }
}
