//! What a user asks for: [`ModelChoice`] parses `auto`, `ets`, `AAdM`, `(0,1,1)(0,1,1)12`,
//! `naive`, `theta`, `imapa`, … and names the model back.

use std::fmt;
use std::str::FromStr;

use crate::ForecastError;
use crate::arima::ArimaSpec;
use crate::ets::EtsSpec;
use crate::intermittent::IntermittentMethod;
use crate::theta::ThetaVariant;

/// Which model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelChoice {
    /// The default: per series, the candidate (ETS, ARIMA, Theta, their mean; the
    /// intermittent-demand methods for sporadic demand) with the lowest rolling-origin
    /// cross-validated MASE, with intervals calibrated on its cross-validation errors
    /// (crate::select; on the retail hold-outs of docs/forecast.md it beats every single
    /// method and the peers').
    Auto,
    /// Automatic ETS.
    AutoEts,
    /// Automatic ARIMA (Hyndman–Khandakar; Fourier terms for seasons longer than 24).
    AutoArima,
    /// Automatic ARIMA on the Box–Cox scale, λ by Guerrero's method (R `auto.arima(y,
    /// lambda = "auto")`); positive series only (crate::boxcox).
    AutoArimaBoxCox,
    /// One ETS specification.
    Ets(EtsSpec),
    /// One ARIMA order.
    Arima(ArimaSpec),
    /// The naive forecast (last value).
    Naive,
    /// The seasonal naive forecast.
    SeasonalNaive,
    /// One Theta model: `theta` is R's `thetaf`, `stm`/`otm`/`dstm`/`dotm` statsforecast's
    /// state-space ones (crate::theta).
    Theta(ThetaVariant),
    /// The state-space Theta model with the lowest in-sample MSE (statsforecast `AutoTheta`).
    AutoTheta,
    /// Croston's method, α = 0.1 (crate::intermittent).
    Croston,
    /// Croston with the Syntetos–Boylan correction.
    CrostonSba,
    /// Croston with α chosen by in-sample SSE.
    CrostonOptimized,
    /// TSB with α_d = α_p = 0.1 ([`crate::Intermittent`] takes others).
    Tsb,
    /// ADIDA.
    Adida,
    /// IMAPA.
    Imapa,
    /// The step-wise mean of automatic ETS, automatic ARIMA and `thetaf` (crate::select).
    Ensemble,
}

impl ModelChoice {
    /// Whether the model never forecasts below zero for a non-negative series.
    pub(crate) fn floors_at_zero(&self) -> bool {
        matches!(
            self,
            ModelChoice::Theta(_)
                | ModelChoice::AutoTheta
                | ModelChoice::Auto
                | ModelChoice::Ensemble
        ) || self.intermittent().is_some()
    }

    /// The intermittent-demand method behind a choice, if it is one.
    pub(crate) fn intermittent(&self) -> Option<IntermittentMethod> {
        Some(match self {
            ModelChoice::Croston => IntermittentMethod::Croston,
            ModelChoice::CrostonSba => IntermittentMethod::CrostonSba,
            ModelChoice::CrostonOptimized => IntermittentMethod::CrostonOptimized,
            ModelChoice::Tsb => IntermittentMethod::Tsb {
                alpha_d: 0.1,
                alpha_p: 0.1,
            },
            ModelChoice::Adida => IntermittentMethod::Adida,
            ModelChoice::Imapa => IntermittentMethod::Imapa,
            _ => return None,
        })
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelChoice::Auto => f.write_str("auto"),
            ModelChoice::AutoEts => f.write_str("ets"),
            ModelChoice::AutoArima => f.write_str("arima"),
            ModelChoice::AutoArimaBoxCox => f.write_str("arima-boxcox"),
            ModelChoice::Ets(spec) => f.write_str(&spec.code()),
            ModelChoice::Arima(spec) => write!(f, "{spec}"),
            ModelChoice::Naive => f.write_str("naive"),
            ModelChoice::SeasonalNaive => f.write_str("snaive"),
            ModelChoice::Theta(ThetaVariant::Classic) => f.write_str("theta"),
            ModelChoice::Theta(v) => f.write_str(&v.code().to_ascii_lowercase()),
            ModelChoice::AutoTheta => f.write_str("autotheta"),
            ModelChoice::Croston => f.write_str("croston"),
            ModelChoice::CrostonSba => f.write_str("croston-sba"),
            ModelChoice::CrostonOptimized => f.write_str("croston-opt"),
            ModelChoice::Tsb => f.write_str("tsb"),
            ModelChoice::Adida => f.write_str("adida"),
            ModelChoice::Imapa => f.write_str("imapa"),
            ModelChoice::Ensemble => f.write_str("ensemble"),
        }
    }
}

impl FromStr for ModelChoice {
    type Err = ForecastError;

    /// `auto`, `ets`, `naive`, `snaive`, or an ETS specification such as `AAdM`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" | "select" | "cv" => return Ok(ModelChoice::Auto),
            "ets" | "autoets" => return Ok(ModelChoice::AutoEts),
            "arima" | "autoarima" => return Ok(ModelChoice::AutoArima),
            "arima-boxcox" | "arima-bc" | "boxcox-arima" => {
                return Ok(ModelChoice::AutoArimaBoxCox);
            }
            "naive" => return Ok(ModelChoice::Naive),
            "snaive" | "seasonal-naive" | "seasonal_naive" => {
                return Ok(ModelChoice::SeasonalNaive);
            }
            "theta" | "thetaf" => return Ok(ModelChoice::Theta(ThetaVariant::Classic)),
            "stm" => return Ok(ModelChoice::Theta(ThetaVariant::Stm)),
            "otm" => return Ok(ModelChoice::Theta(ThetaVariant::Otm)),
            "dstm" => return Ok(ModelChoice::Theta(ThetaVariant::Dstm)),
            "dotm" => return Ok(ModelChoice::Theta(ThetaVariant::Dotm)),
            "autotheta" | "auto-theta" => return Ok(ModelChoice::AutoTheta),
            "croston" => return Ok(ModelChoice::Croston),
            "croston-sba" | "crostonsba" | "sba" => return Ok(ModelChoice::CrostonSba),
            "croston-opt" | "croston-optimized" | "crostonoptimized" => {
                return Ok(ModelChoice::CrostonOptimized);
            }
            "tsb" => return Ok(ModelChoice::Tsb),
            "adida" => return Ok(ModelChoice::Adida),
            "imapa" => return Ok(ModelChoice::Imapa),
            "ensemble" | "mean" | "combination" => return Ok(ModelChoice::Ensemble),
            _ => {}
        }
        if text.trim_start().starts_with(['(', 'A', 'a']) && text.contains('(') {
            return text.parse::<ArimaSpec>().map(ModelChoice::Arima);
        }
        text.parse::<EtsSpec>()
            .map(ModelChoice::Ets)
            .map_err(|_| ForecastError::InvalidParameter {
                parameter: "model",
                message: format!(
                    "'{text}' is not auto, ets, arima, naive, snaive, theta, autotheta, stm, \
                     otm, dstm, dotm, croston, croston-sba, croston-opt, tsb, adida, imapa, \
                     ensemble, an \
                     ETS specification such as AAdM or an ARIMA order such as (0,1,1)(0,1,1)12"
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse() {
        assert_eq!("auto".parse::<ModelChoice>().unwrap(), ModelChoice::Auto);
        assert_eq!("ETS".parse::<ModelChoice>().unwrap(), ModelChoice::AutoEts);
        assert_eq!(
            "(0,1,1)(0,1,1)12"
                .parse::<ModelChoice>()
                .unwrap()
                .to_string(),
            "(0,1,1)(0,1,1)[12]"
        );
        assert_eq!(
            "AAdM".parse::<ModelChoice>().unwrap(),
            ModelChoice::Ets("AAdM".parse().unwrap())
        );
        let err = "prophet".parse::<ModelChoice>().unwrap_err();
        assert!(err.to_string().contains("'prophet'"), "{err}");
    }
}
