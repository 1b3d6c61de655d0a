//! Forecast accuracy measures, in the definitions of Hyndman & Athanasopoulos,
//! *Forecasting: Principles and Practice* (3rd ed.), section 5.8.

use ndarray::ArrayView1;

use crate::ForecastError;

fn paired(
    actual: ArrayView1<'_, f64>,
    forecast: ArrayView1<'_, f64>,
) -> Result<usize, ForecastError> {
    if actual.len() != forecast.len() {
        return Err(ForecastError::LengthMismatch {
            what: "actual and forecast",
            left: actual.len(),
            right: forecast.len(),
        });
    }
    if actual.is_empty() {
        return Err(ForecastError::Undefined("no values to score".into()));
    }
    Ok(actual.len())
}

/// Mean absolute error.
///
/// # Errors
///
/// [`ForecastError::LengthMismatch`] when `actual` and `forecast` differ in length;
/// [`ForecastError::Undefined`] when they are empty.
pub fn mae(
    actual: ArrayView1<'_, f64>,
    forecast: ArrayView1<'_, f64>,
) -> Result<f64, ForecastError> {
    let n = paired(actual, forecast)?;
    Ok(actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum::<f64>()
        / n as f64)
}

/// Root mean squared error.
///
/// # Errors
///
/// [`ForecastError::LengthMismatch`] when `actual` and `forecast` differ in length;
/// [`ForecastError::Undefined`] when they are empty.
pub fn rmse(
    actual: ArrayView1<'_, f64>,
    forecast: ArrayView1<'_, f64>,
) -> Result<f64, ForecastError> {
    let n = paired(actual, forecast)?;
    Ok((actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).powi(2))
        .sum::<f64>()
        / n as f64)
        .sqrt())
}

/// Mean absolute percentage error, in percent; undefined when an actual value is zero.
///
/// # Errors
///
/// [`ForecastError::LengthMismatch`] when `actual` and `forecast` differ in length;
/// [`ForecastError::Undefined`] when they are empty or an actual value is zero.
pub fn mape(
    actual: ArrayView1<'_, f64>,
    forecast: ArrayView1<'_, f64>,
) -> Result<f64, ForecastError> {
    let n = paired(actual, forecast)?;
    if actual.iter().any(|&a| a == 0.0) {
        return Err(ForecastError::Undefined(
            "MAPE is undefined when an actual value is zero; use MASE or sMAPE".into(),
        ));
    }
    Ok(100.0
        * actual
            .iter()
            .zip(forecast)
            .map(|(a, f)| ((a - f) / a).abs())
            .sum::<f64>()
        / n as f64)
}

/// Symmetric MAPE in percent, `200/n * sum(|a - f| / (|a| + |f|))`; a pair of zeros scores 0.
///
/// # Errors
///
/// [`ForecastError::LengthMismatch`] when `actual` and `forecast` differ in length;
/// [`ForecastError::Undefined`] when they are empty.
pub fn smape(
    actual: ArrayView1<'_, f64>,
    forecast: ArrayView1<'_, f64>,
) -> Result<f64, ForecastError> {
    let n = paired(actual, forecast)?;
    let total: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| {
            let denominator = a.abs() + f.abs();
            if denominator == 0.0 {
                0.0
            } else {
                (a - f).abs() / denominator
            }
        })
        .sum();
    Ok(200.0 * total / n as f64)
}

/// Mean absolute scaled error: MAE over the in-sample MAE of the seasonal naive forecast with
/// period `season_length` (1 for non-seasonal data) on the training series.
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `season_length` when it is 0;
/// [`ForecastError::Undefined`] when `training` has at most `season_length` values or a zero
/// scale (a training series equal to its seasonal naive forecast);
/// [`ForecastError::LengthMismatch`] as [`mae`].
pub fn mase(
    actual: ArrayView1<'_, f64>,
    forecast: ArrayView1<'_, f64>,
    training: ArrayView1<'_, f64>,
    season_length: usize,
) -> Result<f64, ForecastError> {
    if season_length == 0 {
        return Err(ForecastError::InvalidParameter {
            parameter: "season_length",
            message: "must be at least 1".into(),
        });
    }
    if training.len() <= season_length {
        return Err(ForecastError::Undefined(format!(
            "MASE needs more than {season_length} training values, got {}",
            training.len()
        )));
    }
    let scale = (season_length..training.len())
        .map(|t| (training[t] - training[t - season_length]).abs())
        .sum::<f64>()
        / (training.len() - season_length) as f64;
    if scale == 0.0 {
        return Err(ForecastError::Undefined(
            "MASE is undefined: the training series is constant at the season lag".into(),
        ));
    }
    Ok(mae(actual, forecast)? / scale)
}

/// Root mean squared scaled error (the M5 competition's measure): the RMSE of the forecast
/// over the root mean squared error of the in-sample seasonal naive forecast with period
/// `season_length`.
///
/// # Errors
///
/// As [`mase`].
pub fn rmsse(
    actual: ArrayView1<'_, f64>,
    forecast: ArrayView1<'_, f64>,
    training: ArrayView1<'_, f64>,
    season_length: usize,
) -> Result<f64, ForecastError> {
    if season_length == 0 {
        return Err(ForecastError::InvalidParameter {
            parameter: "season_length",
            message: "must be at least 1".into(),
        });
    }
    if training.len() <= season_length {
        return Err(ForecastError::Undefined(format!(
            "RMSSE needs more than {season_length} training values, got {}",
            training.len()
        )));
    }
    let scale = ((season_length..training.len())
        .map(|t| (training[t] - training[t - season_length]).powi(2))
        .sum::<f64>()
        / (training.len() - season_length) as f64)
        .sqrt();
    if scale == 0.0 {
        return Err(ForecastError::Undefined(
            "RMSSE is undefined: the training series is constant at the season lag".into(),
        ));
    }
    Ok(rmse(actual, forecast)? / scale)
}

/// The lag of the naive forecast that scales [`mase`] and [`rmsse`] for a training series of
/// `training_len` values: `season_length` when the training holds more than one season,
/// otherwise 1 (a year of weekly sales has no earlier year to compare with; the scale is then
/// the plain naive forecast's error).
pub fn scale_lag(training_len: usize, season_length: usize) -> usize {
    if training_len > season_length {
        season_length.max(1)
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    // Worked by hand: errors are (1, -2, 0.5, 0).
    #[test]
    fn measures_agree_with_hand_computation() {
        let a = array![10.0, 20.0, 30.0, 40.0];
        let f = array![9.0, 22.0, 29.5, 40.0];
        assert!((mae(a.view(), f.view()).unwrap() - 3.5 / 4.0).abs() < 1e-15);
        assert!((rmse(a.view(), f.view()).unwrap() - (5.25f64 / 4.0).sqrt()).abs() < 1e-15);
        let mape_hand = 100.0 * (0.1 + 0.1 + 0.5 / 30.0 + 0.0) / 4.0;
        assert!((mape(a.view(), f.view()).unwrap() - mape_hand).abs() < 1e-12);
        let smape_hand = 200.0 * (1.0 / 19.0 + 2.0 / 42.0 + 0.5 / 59.5 + 0.0) / 4.0;
        assert!((smape(a.view(), f.view()).unwrap() - smape_hand).abs() < 1e-12);
        // Training 1, 3, 2, 6: naive lag-1 errors 2, 1, 4 → scale 7/3.
        let train = array![1.0, 3.0, 2.0, 6.0];
        assert!(
            (mase(a.view(), f.view(), train.view(), 1).unwrap() - (3.5 / 4.0) / (7.0 / 3.0)).abs()
                < 1e-12
        );
        // Lag 2: errors 1, 3 → scale 2.
        assert!(
            (mase(a.view(), f.view(), train.view(), 2).unwrap() - (3.5 / 4.0) / 2.0).abs() < 1e-12
        );
    }

    #[test]
    fn undefined_cases_are_errors_not_nan() {
        let a = array![0.0, 1.0];
        let f = array![0.0, 2.0];
        assert!(mape(a.view(), f.view()).is_err());
        assert_eq!(
            smape(a.view(), f.view()).unwrap(),
            200.0 * (0.0 + 1.0 / 3.0) / 2.0
        );
        assert!(mase(a.view(), f.view(), array![5.0, 5.0, 5.0].view(), 1).is_err());
        assert!(mase(a.view(), f.view(), array![5.0].view(), 1).is_err());
        assert!(mase(a.view(), f.view(), array![1.0, 2.0].view(), 0).is_err());
        assert!(mae(a.view(), array![1.0].view()).is_err());
        assert!(rmse(array![].view(), array![].view()).is_err());
    }

    #[test]
    fn rmsse_by_hand() {
        // Training 1, 3, 2, 6: lag-1 squared steps 4, 1, 16, mean 7; forecast errors 1 and 3:
        // RMSE √5. RMSSE = √5 / √7.
        let v = rmsse(
            array![4.0, 9.0].view(),
            array![3.0, 6.0].view(),
            array![1.0, 3.0, 2.0, 6.0].view(),
            1,
        )
        .unwrap();
        assert!((v - (5.0f64 / 7.0).sqrt()).abs() < 1e-12, "{v}");
        assert_eq!(scale_lag(45, 52), 1);
        assert_eq!(scale_lag(53, 52), 52);
        assert!(
            rmsse(
                array![1.0].view(),
                array![1.0].view(),
                array![2.0].view(),
                1
            )
            .is_err()
        );
    }
}
