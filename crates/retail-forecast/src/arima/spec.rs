//! ARIMA orders: `(p,d,q)(P,D,Q)[m]`, parsed from and printed as text.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ForecastError;

/// Largest autoregressive order per block (R's `transform.pars` limit).
const MAX_AR: usize = 100;
/// Largest state dimension `max(p + P·m, q + Q·m + 1) + d + D·m` (the Kalman filter works
/// with square matrices of this size).
const MAX_STATE: usize = 2_000;

/// The orders of a (seasonal) ARIMA model: `(p,d,q)(P,D,Q)[m]`.
///
/// The model is `φ(B) Φ(Bᵐ) (1 − B)ᵈ (1 − Bᵐ)ᴰ yₜ = θ(B) Θ(Bᵐ) εₜ` with `m = season_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ArimaSpec {
    /// Non-seasonal autoregressive order `p`.
    pub p: usize,
    /// Non-seasonal differences `d`.
    pub d: usize,
    /// Non-seasonal moving-average order `q`.
    pub q: usize,
    /// Seasonal autoregressive order `P`.
    pub seasonal_p: usize,
    /// Seasonal differences `D`.
    pub seasonal_d: usize,
    /// Seasonal moving-average order `Q`.
    pub seasonal_q: usize,
    /// Season length `m` (1 for a non-seasonal model).
    pub season_length: usize,
}

impl ArimaSpec {
    /// A non-seasonal `ARIMA(p,d,q)`.
    pub fn new(p: usize, d: usize, q: usize) -> ArimaSpec {
        ArimaSpec {
            p,
            d,
            q,
            seasonal_p: 0,
            seasonal_d: 0,
            seasonal_q: 0,
            season_length: 1,
        }
    }

    /// Adds the seasonal part `(P,D,Q)[m]` with `m = season_length`.
    ///
    /// # Errors
    ///
    /// As [`ArimaSpec::validate`].
    pub fn with_seasonal(
        mut self,
        seasonal_p: usize,
        seasonal_d: usize,
        seasonal_q: usize,
        season_length: usize,
    ) -> Result<ArimaSpec, ForecastError> {
        self.seasonal_p = seasonal_p;
        self.seasonal_d = seasonal_d;
        self.seasonal_q = seasonal_q;
        self.season_length = season_length;
        self.validate()?;
        Ok(self)
    }

    /// Checks the orders: a season length of at least 1, at least 2 when there are seasonal terms,
    /// autoregressive orders of at most 100 and a state dimension
    /// `max(p + P·m, q + Q·m + 1) + d + D·m` of at most 2,000.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `season_length`, `p` or `seasonal_p`.
    pub fn validate(&self) -> Result<(), ForecastError> {
        if self.season_length == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: "must be at least 1 (1 for a non-seasonal model)".into(),
            });
        }
        if self.has_seasonal_terms() && self.season_length < 2 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: format!(
                    "the seasonal orders ({},{},{}) need a season length of at least 2",
                    self.seasonal_p, self.seasonal_d, self.seasonal_q
                ),
            });
        }
        if self.p > MAX_AR {
            return Err(ForecastError::InvalidParameter {
                parameter: "p",
                message: format!("{} is above the largest supported order {MAX_AR}", self.p),
            });
        }
        if self.seasonal_p > MAX_AR {
            return Err(ForecastError::InvalidParameter {
                parameter: "seasonal_p",
                message: format!(
                    "{} is above the largest supported order {MAX_AR}",
                    self.seasonal_p
                ),
            });
        }
        let degree = |order: usize, seasonal: usize| {
            seasonal
                .checked_mul(self.season_length)
                .and_then(|s| s.checked_add(order))
        };
        let state = match (
            degree(self.p, self.seasonal_p),
            degree(self.q, self.seasonal_q),
            degree(self.d, self.seasonal_d),
        ) {
            (Some(ar), Some(ma), Some(diff)) => ar.max(ma.saturating_add(1)).saturating_add(diff),
            _ => usize::MAX,
        };
        if state > MAX_STATE {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: format!(
                    "{self} needs a state of dimension max(p + P·m, q + Q·m + 1) + d + D·m above \
                     the supported {MAX_STATE}"
                ),
            });
        }
        Ok(())
    }

    /// True when `P`, `D` or `Q` is positive.
    pub fn has_seasonal_terms(&self) -> bool {
        self.seasonal_p > 0 || self.seasonal_d > 0 || self.seasonal_q > 0
    }

    /// Total differencing order `d + D·m` (the observations lost to differencing).
    pub fn n_diff(&self) -> usize {
        self.seasonal_d
            .saturating_mul(self.season_length)
            .saturating_add(self.d)
    }

    /// Number of ARMA coefficients `p + q + P + Q`.
    pub fn n_arma(&self) -> usize {
        self.p
            .saturating_add(self.q)
            .saturating_add(self.seasonal_p)
            .saturating_add(self.seasonal_q)
    }

    /// Degree of the full autoregressive polynomial `p + P·m`.
    pub fn full_ar_order(&self) -> usize {
        self.seasonal_p
            .saturating_mul(self.season_length)
            .saturating_add(self.p)
    }

    /// Degree of the full moving-average polynomial `q + Q·m`.
    pub fn full_ma_order(&self) -> usize {
        self.seasonal_q
            .saturating_mul(self.season_length)
            .saturating_add(self.q)
    }

    /// R's model label without the constant: `ARIMA(0,1,1)(0,1,1)[12]`, or `ARIMA(1,1,1)`
    /// when there are no seasonal terms.
    pub fn label(&self) -> String {
        let mut s = format!("ARIMA({},{},{})", self.p, self.d, self.q);
        if self.season_length > 1 && self.has_seasonal_terms() {
            s.push_str(&format!(
                "({},{},{})[{}]",
                self.seasonal_p, self.seasonal_d, self.seasonal_q, self.season_length
            ));
        }
        s
    }
}

impl fmt::Display for ArimaSpec {
    /// `(0,1,1)(0,1,1)[12]`; `(1,1,1)` for a season length of 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({},{},{})", self.p, self.d, self.q)?;
        if self.season_length > 1 {
            write!(
                f,
                "({},{},{})[{}]",
                self.seasonal_p, self.seasonal_d, self.seasonal_q, self.season_length
            )?;
        }
        Ok(())
    }
}

impl FromStr for ArimaSpec {
    type Err = ForecastError;

    /// Parses `(1,1,1)`, `(0,1,1)(0,1,1)12`, `(2,0,0)(1,0,0)[52]`, optionally prefixed by
    /// `ARIMA` and with spaces anywhere.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| ForecastError::InvalidParameter {
            parameter: "spec",
            message: format!(
                "'{text}' is not an ARIMA specification such as (1,1,1), (0,1,1)(0,1,1)12 or \
                 (2,0,0)(1,0,0)[52]: {why}"
            ),
        };
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let upper = compact.to_ascii_uppercase();
        let body = upper.strip_prefix("ARIMA").unwrap_or(&upper);
        let rest = body
            .strip_prefix('(')
            .ok_or_else(|| bad("expected '(' first"))?;
        let (first, rest) = rest
            .split_once(')')
            .ok_or_else(|| bad("missing ')' after the orders"))?;
        let (p, d, q) = parse_triple(first).ok_or_else(|| bad("expected three orders p,d,q"))?;
        let mut spec = ArimaSpec::new(p, d, q);
        if !rest.is_empty() {
            let rest = rest
                .strip_prefix('(')
                .ok_or_else(|| bad("expected '(' before the seasonal orders"))?;
            let (second, period_text) = rest
                .split_once(')')
                .ok_or_else(|| bad("missing ')' after the seasonal orders"))?;
            let (sp, sd, sq) =
                parse_triple(second).ok_or_else(|| bad("expected three seasonal orders P,D,Q"))?;
            let period_text = period_text
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .unwrap_or(period_text);
            let season_length: usize = period_text.parse().map_err(|_| {
                bad("the season length after the seasonal orders must be a whole number")
            })?;
            spec.seasonal_p = sp;
            spec.seasonal_d = sd;
            spec.seasonal_q = sq;
            spec.season_length = season_length;
        }
        spec.validate()?;
        Ok(spec)
    }
}

fn parse_triple(text: &str) -> Option<(usize, usize, usize)> {
    let mut parts = text.split(',');
    let a = parts.next()?.parse().ok()?;
    let b = parts.next()?.parse().ok()?;
    let c = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((a, b, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let airline: ArimaSpec = "(0,1,1)(0,1,1)12".parse().unwrap();
        assert_eq!(
            airline,
            ArimaSpec::new(0, 1, 1).with_seasonal(0, 1, 1, 12).unwrap()
        );
        assert_eq!(airline.to_string(), "(0,1,1)(0,1,1)[12]");
        assert_eq!(airline.label(), "ARIMA(0,1,1)(0,1,1)[12]");
        assert_eq!(airline.n_diff(), 13);

        let plain: ArimaSpec = "(1,1,1)".parse().unwrap();
        assert_eq!(plain, ArimaSpec::new(1, 1, 1));
        assert_eq!(plain.to_string(), "(1,1,1)");
        assert_eq!(plain.label(), "ARIMA(1,1,1)");

        let weekly: ArimaSpec = "ARIMA (2,0,0)(1,0,0)[52]".parse().unwrap();
        assert_eq!(
            (weekly.p, weekly.seasonal_p, weekly.season_length),
            (2, 1, 52)
        );
        assert_eq!(weekly.full_ar_order(), 54);
        for text in ["(0,1,1)(0,1,1)[12]", "(1,1,1)", "(2,0,0)(1,0,0)[52]"] {
            let spec: ArimaSpec = text.parse().unwrap();
            assert_eq!(spec.to_string().parse::<ArimaSpec>().unwrap(), spec);
        }
    }

    #[test]
    fn rejects_malformed_text_naming_the_parameter() {
        for text in [
            "",
            "1,1,1",
            "(1,1)",
            "(1,1,1,1)",
            "(a,1,1)",
            "(1,1,1)(0,1,1)",
            "(1,1,1)x",
        ] {
            match text.parse::<ArimaSpec>() {
                Err(ForecastError::InvalidParameter { parameter, .. }) => {
                    assert_eq!(parameter, "spec", "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        match "(1,0,0)(1,0,0)[1]".parse::<ArimaSpec>() {
            Err(ForecastError::InvalidParameter { parameter, .. }) => {
                assert_eq!(parameter, "season_length")
            }
            other => panic!("{other:?}"),
        }
        match "(1,0,0)(0,0,0)[0]".parse::<ArimaSpec>() {
            Err(ForecastError::InvalidParameter { parameter, .. }) => {
                assert_eq!(parameter, "season_length")
            }
            other => panic!("{other:?}"),
        }
        assert!(ArimaSpec::new(101, 0, 0).validate().is_err());
        assert!(
            "(0,0,0)(0,1,0)[18446744073709551615]"
                .parse::<ArimaSpec>()
                .is_err()
        );
        assert!("(0,0,1)(0,0,50)[52]".parse::<ArimaSpec>().is_err());
    }
}
