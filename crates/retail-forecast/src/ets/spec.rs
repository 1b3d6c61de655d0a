//! The model specification: error, trend and season kinds, and [`EtsSpec`] with its short
//! codes (`AAdM`), parsing and display (`ETS(A,Ad,M)`).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ForecastError;

/// The error component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `y = ŷ + ε`.
    Additive,
    /// `y = ŷ (1 + ε)`.
    Multiplicative,
}

/// The trend component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TrendKind {
    /// No trend.
    None,
    /// Additive (linear) trend.
    Additive,
    /// Additive damped trend.
    Damped,
}

/// The seasonal component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum SeasonKind {
    /// No season.
    None,
    /// Additive season.
    Additive,
    /// Multiplicative season.
    Multiplicative,
}

/// An ETS model specification such as `AAdM` (error, trend, season).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtsSpec {
    /// Error.
    pub error: ErrorKind,
    /// Trend.
    pub trend: TrendKind,
    /// Season.
    pub season: SeasonKind,
}

impl EtsSpec {
    /// Every specification with these components allowed (no multiplicative trend).
    pub fn all() -> Vec<EtsSpec> {
        let mut out = Vec::new();
        for error in [ErrorKind::Additive, ErrorKind::Multiplicative] {
            for trend in [TrendKind::None, TrendKind::Additive, TrendKind::Damped] {
                for season in [
                    SeasonKind::None,
                    SeasonKind::Additive,
                    SeasonKind::Multiplicative,
                ] {
                    out.push(EtsSpec {
                        error,
                        trend,
                        season,
                    });
                }
            }
        }
        out
    }

    /// The short code, e.g. `AAdM`.
    pub fn code(&self) -> String {
        let e = match self.error {
            ErrorKind::Additive => "A",
            ErrorKind::Multiplicative => "M",
        };
        let t = match self.trend {
            TrendKind::None => "N",
            TrendKind::Additive => "A",
            TrendKind::Damped => "Ad",
        };
        let s = match self.season {
            SeasonKind::None => "N",
            SeasonKind::Additive => "A",
            SeasonKind::Multiplicative => "M",
        };
        format!("{e}{t}{s}")
    }

    /// True when every component is additive (the linear class with analytic intervals).
    pub fn is_linear(&self) -> bool {
        self.error == ErrorKind::Additive && self.season != SeasonKind::Multiplicative
    }

    pub(super) fn has_trend(&self) -> bool {
        self.trend != TrendKind::None
    }

    pub(super) fn has_season(&self) -> bool {
        self.season != SeasonKind::None
    }

    pub(super) fn needs_positive_data(&self) -> bool {
        self.error == ErrorKind::Multiplicative || self.season == SeasonKind::Multiplicative
    }
}

impl fmt::Display for EtsSpec {
    /// `ETS(A,Ad,M)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        let (e, rest) = code.split_at(1);
        let (t, s) = rest.split_at(rest.len() - 1);
        write!(f, "ETS({e},{t},{s})")
    }
}

impl FromStr for EtsSpec {
    type Err = ForecastError;

    /// Parses `AAdM`, `MNN`, `ETS(A,Ad,M)` (case-insensitive).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ForecastError::InvalidParameter {
            parameter: "model",
            message: format!(
                "'{text}' is not an ETS specification such as ANN, AAdN, MAM or ETS(A,Ad,M)"
            ),
        };
        let mut s: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '(' | ')'))
            .collect::<String>()
            .to_ascii_uppercase();
        if let Some(rest) = s.strip_prefix("ETS") {
            s = rest.to_string();
        }
        let mut chars = s.chars();
        let error = match chars.next() {
            Some('A') => ErrorKind::Additive,
            Some('M') => ErrorKind::Multiplicative,
            _ => return Err(bad()),
        };
        let rest: String = chars.collect();
        let (trend, season) = match rest.as_str() {
            r if r.len() == 3 && r.starts_with("AD") => (TrendKind::Damped, &r[2..]),
            r if r.len() == 2 && r.starts_with('A') => (TrendKind::Additive, &r[1..]),
            r if r.len() == 2 && r.starts_with('N') => (TrendKind::None, &r[1..]),
            _ => return Err(bad()),
        };
        let season = match season {
            "N" => SeasonKind::None,
            "A" => SeasonKind::Additive,
            "M" => SeasonKind::Multiplicative,
            _ => return Err(bad()),
        };
        Ok(EtsSpec {
            error,
            trend,
            season,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print() {
        for code in ["ANN", "AAN", "AAdN", "MAdM", "MNA", "AAdA"] {
            let spec: EtsSpec = code.parse().unwrap();
            assert_eq!(spec.code(), code);
        }
        assert_eq!("ETS(A,Ad,M)".parse::<EtsSpec>().unwrap().code(), "AAdM");
        assert_eq!(
            "aadm".parse::<EtsSpec>().unwrap().to_string(),
            "ETS(A,Ad,M)"
        );
        assert!("AXN".parse::<EtsSpec>().is_err());
        assert!("AMN".parse::<EtsSpec>().is_err());
        assert_eq!(EtsSpec::all().len(), 18);
    }
}
