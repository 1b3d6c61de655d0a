//! Automatic ETS: fit every admissible model and keep the one with the lowest information
//! criterion, as R's `forecast::ets(model = "ZZZ")` and statsforecast's `AutoETS` do.
//!
//! The candidates follow R's defaults: additive or multiplicative error; no, additive or
//! damped trend (no multiplicative trend); no, additive or multiplicative season when the
//! season length is at least 2 and the series covers two seasons. As in R (`restrict =
//! TRUE`), additive error never pairs with a multiplicative season, and multiplicative
//! components need strictly positive data. Unlike R, which refuses seasons longer than 24,
//! weekly data keeps its season of 52: the linear models concentrate their initial states
//! out exactly, so the search stays small. Every candidate is screened with a quick fit and
//! the best two are refitted with the full search when they are within 4 criterion units of
//! the best screened one ([`AutoEts::with_polish`]).
//!
//! Documented fallbacks (never a NaN forecast): a constant series gets `ETS(A,N,N)` with
//! α = 0.9999 and a zero variance; a series too short for any model is an error that names
//! its length (the many-series layer falls back to the naive forecast then).

use serde::Serialize;

use crate::ForecastError;
use crate::ets::{Effort, ErrorKind, Ets, EtsParams, EtsSpec, FittedEts, SeasonKind, TrendKind};
use crate::forecast::{Fit, Forecast, PredictLevels};

/// Screened candidates further than this from the best screened criterion value are not
/// refitted: the full search moves a criterion by well under one unit on all but rare
/// series, so a candidate this far behind does not overtake.
const POLISH_MARGIN: f64 = 4.0;

/// The criterion that picks the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub enum Criterion {
    /// Akaike's information criterion.
    Aic,
    /// AIC corrected for small samples (R's default).
    #[default]
    Aicc,
    /// Bayesian information criterion.
    Bic,
}

impl Criterion {
    fn of(self, fit: &FittedEts) -> f64 {
        match self {
            Criterion::Aic => fit.aic,
            Criterion::Aicc => fit.aicc,
            Criterion::Bic => fit.bic,
        }
    }
}

/// Which trends automatic ETS tries ([`AutoEts::with_damping`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Damping {
    /// Damped and undamped trends both, the criterion chooses (R's `damped = NULL`; the
    /// default).
    #[default]
    Auto,
    /// Only damped trends (and no trend).
    Damped,
    /// Only undamped trends (and no trend).
    Undamped,
}

/// Automatic model selection over the ETS family: a parameter type whose setters cannot
/// fail; [`AutoEts::check`] validates it, and fitting checks first.
#[derive(Debug, Clone)]
pub struct AutoEts {
    season_length: usize,
    criterion: Criterion,
    damping: Damping,
    seasonal: bool,
    multiplicative: bool,
    max_evals: usize,
    polish: usize,
}

/// One candidate's outcome in an automatic fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The model, e.g. `ETS(M,Ad,N)`.
    pub model: String,
    /// Its criterion value (infinite when it could not be fitted).
    pub criterion: f64,
    /// Why it could not be fitted, if so.
    pub error: Option<String>,
}

/// The chosen model and what the others scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoEtsFit {
    /// The chosen fit.
    pub best: FittedEts,
    /// Every candidate tried, in the order tried.
    pub candidates: Vec<Candidate>,
}

impl AutoEts {
    /// Automatic ETS for season length `season_length` (1 for none).
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `season_length` when it is 0.
    pub fn new(season_length: usize) -> Result<AutoEts, ForecastError> {
        if season_length == 0 {
            return Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                message: "must be at least 1".into(),
            });
        }
        Ok(AutoEts {
            season_length,
            criterion: Criterion::Aicc,
            damping: Damping::Auto,
            seasonal: true,
            multiplicative: true,
            max_evals: 4_000,
            polish: 2,
        })
    }

    /// The selection criterion (default AICc).
    pub fn with_criterion(mut self, criterion: Criterion) -> AutoEts {
        self.criterion = criterion;
        self
    }

    /// Which trends are candidates: damped, undamped or both (default [`Damping::Auto`]).
    pub fn with_damping(mut self, damping: Damping) -> AutoEts {
        self.damping = damping;
        self
    }

    /// Whether seasonal models are candidates (default true when the season length ≥ 2).
    pub fn with_seasonal(mut self, seasonal: bool) -> AutoEts {
        self.seasonal = seasonal;
        self
    }

    /// Whether multiplicative error and season are candidates (default true; they are
    /// skipped anyway on data with zeros or negatives).
    pub fn with_multiplicative(mut self, multiplicative: bool) -> AutoEts {
        self.multiplicative = multiplicative;
        self
    }

    /// Largest number of likelihood evaluations per optimiser run (default 4,000; at least
    /// 10, which [`AutoEts::check`] verifies).
    pub fn with_max_evals(mut self, evals: usize) -> AutoEts {
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

    /// How many of the best screened candidates are refitted with the full search (default
    /// 2; `usize::MAX` fits every candidate fully, 0 keeps the screening fits).
    ///
    /// Every candidate is first fitted from R's start values only (the screen); the best
    /// `polish` by the criterion (those within 4 units of the best) are then fitted from
    /// every start, and the best of all wins.
    /// The full search reaches higher likelihoods on hard series, at several times the cost.
    pub fn with_polish(mut self, polish: usize) -> AutoEts {
        self.polish = polish;
        self
    }

    /// The models that would be tried on `y`.
    pub fn candidates(&self, y: &[f64]) -> Vec<EtsSpec> {
        let positive = y.iter().all(|&v| v > 0.0);
        let seasonal =
            self.seasonal && self.season_length >= 2 && y.len() >= 2 * self.season_length;
        EtsSpec::all()
            .into_iter()
            .filter(|s| {
                let multiplicative =
                    s.error == ErrorKind::Multiplicative || s.season == SeasonKind::Multiplicative;
                (!multiplicative || (self.multiplicative && positive))
                    && (seasonal || s.season == SeasonKind::None)
                    && !(s.error == ErrorKind::Additive && s.season == SeasonKind::Multiplicative)
                    && !matches!(
                        (self.damping, s.trend),
                        (Damping::Damped, TrendKind::Additive)
                            | (Damping::Undamped, TrendKind::Damped)
                    )
            })
            .collect()
    }

    /// Fits every candidate and keeps the best by the criterion.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `y` (a value that is not finite) or
    /// `max_evals` ([`AutoEts::check`]); [`ForecastError::Undefined`] when no candidate model can
    /// be fitted (an empty or too short series).
    pub fn fit_all(&self, y: &[f64]) -> Result<AutoEtsFit, ForecastError> {
        self.check()?;
        crate::forecast::check_finite(y, "y")?;
        if let Some(&first) = y.first()
            && y.iter().all(|&v| v == first)
        {
            return Ok(AutoEtsFit {
                best: constant_fit(y)?,
                candidates: Vec::new(),
            });
        }
        let fit = |spec: EtsSpec, effort: Effort, linear_start: Option<EtsParams>| {
            Ets::new(spec, self.season_length)
                .map(|m| m.with_max_evals(self.max_evals))
                .map(|m| match linear_start {
                    Some(start) => m.with_effort(effort).with_linear_start(start),
                    None => m.with_effort(effort),
                })
                .and_then(|m| m.fit(y))
        };
        let everything_full = self.polish == usize::MAX;
        let first = if everything_full {
            Effort::Full
        } else {
            Effort::Screen
        };
        let mut candidates = Vec::new();
        let mut fits: Vec<(f64, FittedEts)> = Vec::new();
        let long_season = self.season_length > 24;
        for spec in self.candidates(y) {
            // The nonlinear models without a season, and with a long one, start their
            // screening fit from the screened fit of their linear counterpart (fitted before
            // them: additive error comes first).
            let counterpart = EtsSpec {
                error: ErrorKind::Additive,
                trend: spec.trend,
                season: match spec.season {
                    SeasonKind::None => SeasonKind::None,
                    _ => SeasonKind::Additive,
                },
            };
            let linear_start = fits
                .iter()
                .map(|(_, f)| f)
                .find(|f| {
                    !spec.is_linear()
                        && (long_season || spec.season == SeasonKind::None)
                        && f.spec == counterpart
                })
                .map(|f| f.params.clone());
            match fit(spec, first, linear_start) {
                Ok(fitted) => {
                    let value = self.criterion.of(&fitted);
                    candidates.push(Candidate {
                        model: spec.to_string(),
                        criterion: value,
                        error: None,
                    });
                    if value.is_finite() {
                        fits.push((value, fitted));
                    }
                }
                Err(err) => candidates.push(Candidate {
                    model: spec.to_string(),
                    criterion: f64::INFINITY,
                    error: Some(err.to_string()),
                }),
            }
        }
        if !everything_full {
            // Polish the best screened candidates (ties stay in candidate order).
            fits.sort_by(|a, b| a.0.total_cmp(&b.0));
            let best_screened = fits.first().map_or(f64::INFINITY, |f| f.0);
            for (value, fitted) in fits
                .iter_mut()
                .take(self.polish)
                .take_while(|(value, _)| *value <= best_screened + POLISH_MARGIN)
            {
                if let Ok(full) = fit(fitted.spec, Effort::Full, None) {
                    let full_value = self.criterion.of(&full);
                    if full_value < *value {
                        let name = full.spec.to_string();
                        if let Some(c) = candidates.iter_mut().find(|c| c.model == name) {
                            c.criterion = full_value;
                        }
                        (*value, *fitted) = (full_value, full);
                    }
                }
            }
        }
        let mut best: Option<(f64, FittedEts)> = None;
        for (value, fitted) in fits {
            if best.as_ref().is_none_or(|(v, _)| value < *v) {
                best = Some((value, fitted));
            }
        }
        match best {
            Some((_, best)) => Ok(AutoEtsFit { best, candidates }),
            None => Err(ForecastError::Undefined(format!(
                "no ETS model could be fitted to a series of {} observations (the smallest, \
                 ETS(A,N,N), needs 5)",
                y.len()
            ))),
        }
    }
}

/// `ETS(A,N,N)` with α = 0.9999 and the level at the constant: forecasts the constant with
/// zero-width intervals.
fn constant_fit(y: &[f64]) -> Result<FittedEts, ForecastError> {
    let spec: EtsSpec = "ANN".parse()?;
    let params = EtsParams {
        alpha: 0.9999,
        beta: None,
        gamma: None,
        phi: None,
        level: y[0],
        slope: None,
        seasonal: Vec::new(),
    };
    let mut fit = FittedEts::from_params(spec, 1, params, y, None)?;
    fit.sigma2 = 0.0;
    Ok(fit)
}

impl Fit for AutoEts {
    type Fitted = FittedEts;
    type Error = ForecastError;

    fn fit(&self, y: &[f64]) -> Result<FittedEts, ForecastError> {
        self.fit_all(y).map(|f| f.best)
    }
}

impl Fit for Ets {
    type Fitted = FittedEts;
    type Error = ForecastError;

    fn fit(&self, y: &[f64]) -> Result<FittedEts, ForecastError> {
        Ets::fit(self, y)
    }
}

impl PredictLevels for FittedEts {
    fn predict_levels(&self, horizon: usize, levels: &[f64]) -> Result<Forecast, ForecastError> {
        self.forecast(horizon, levels)
    }

    fn fitted_values(&self) -> Vec<f64> {
        self.fitted.to_vec()
    }

    fn model_name(&self) -> String {
        self.spec.to_string()
    }
}

crate::forecast::augurs_predict!(FittedEts);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damping_picks_the_trends_tried() {
        let with_zero: Vec<f64> = (0..40).map(|i| (i % 4) as f64).collect();
        let codes = |damping: Damping| -> Vec<String> {
            AutoEts::new(4)
                .unwrap()
                .with_damping(damping)
                .candidates(&with_zero)
                .iter()
                .map(|s| s.code())
                .collect()
        };
        assert_eq!(
            codes(Damping::Auto),
            ["ANN", "ANA", "AAN", "AAA", "AAdN", "AAdA"]
        );
        assert_eq!(codes(Damping::Damped), ["ANN", "ANA", "AAdN", "AAdA"]);
        assert_eq!(codes(Damping::Undamped), ["ANN", "ANA", "AAN", "AAA"]);
        assert_eq!(Damping::default(), Damping::Auto);
    }

    #[test]
    fn setters_cannot_fail_and_check_names_the_parameter() {
        let y: Vec<f64> = (0..30).map(|i| 10.0 + (i % 3) as f64).collect();
        let bad = AutoEts::new(1).unwrap().with_max_evals(3);
        assert!(matches!(
            bad.check(),
            Err(ForecastError::InvalidParameter {
                parameter: "max_evals",
                ..
            })
        ));
        assert!(matches!(
            bad.fit_all(&y),
            Err(ForecastError::InvalidParameter {
                parameter: "max_evals",
                ..
            })
        ));
        let ets = Ets::new("ANN".parse().unwrap(), 1)
            .unwrap()
            .with_max_evals(9);
        assert!(ets.check().is_err() && ets.fit(&y).is_err());
        let ok = AutoEts::new(1).unwrap().with_max_evals(10);
        assert!(ok.check().is_ok() && ok.fit_all(&y).is_ok());
    }

    #[test]
    fn candidates_follow_r_restrictions() {
        let positive: Vec<f64> = (0..40).map(|i| 10.0 + (i % 4) as f64).collect();
        let codes: Vec<String> = AutoEts::new(4)
            .unwrap()
            .candidates(&positive)
            .iter()
            .map(|s| s.code())
            .collect();
        // 2 errors × 3 trends × 3 seasons = 18, minus A·M (3): 15.
        assert_eq!(codes.len(), 15);
        assert!(!codes.contains(&"ANM".to_string()));
        assert!(codes.contains(&"MAdM".to_string()));
        let with_zero: Vec<f64> = positive.iter().map(|v| v - 10.0).collect();
        let codes: Vec<String> = AutoEts::new(4)
            .unwrap()
            .candidates(&with_zero)
            .iter()
            .map(|s| s.code())
            .collect();
        assert_eq!(codes, ["ANN", "ANA", "AAN", "AAA", "AAdN", "AAdA"]);
        // Shorter than two seasons: no seasonal candidates.
        assert_eq!(
            AutoEts::new(12).unwrap().candidates(&positive[..20]).len(),
            6
        );
    }

    #[test]
    fn constant_series_forecasts_itself_with_zero_width() {
        let y = vec![7.5; 30];
        let fit = AutoEts::new(1).unwrap().fit_all(&y).unwrap().best;
        let f = fit.forecast(5, &[0.95]).unwrap();
        assert!(f.point.iter().all(|&v| (v - 7.5).abs() < 1e-12));
        assert!(
            f.intervals[0]
                .lower
                .iter()
                .all(|&v| (v - 7.5).abs() < 1e-12)
        );
        assert!(
            f.intervals[0]
                .upper
                .iter()
                .all(|&v| (v - 7.5).abs() < 1e-12)
        );
    }

    #[test]
    fn too_short_and_bad_values_are_errors() {
        let err = AutoEts::new(1)
            .unwrap()
            .fit_all(&[1.0, 2.0, 3.0])
            .unwrap_err();
        assert!(err.to_string().contains("3 observations"), "{err}");
        let err = AutoEts::new(1)
            .unwrap()
            .fit_all(&[1.0, f64::NAN, 3.0])
            .unwrap_err();
        assert!(err.to_string().contains("index 1"), "{err}");
        assert!(AutoEts::new(0).is_err());
    }
}
