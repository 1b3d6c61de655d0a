//! Fourier terms for long or non-integer seasonality (R's `forecast::fourier`): pairs
//! `sin(2πkt/m)`, `cos(2πkt/m)` used as regressors of an ARIMA model.

use ndarray::Array2;
use serde::Serialize;

use super::estimate::Regressor;
use crate::ForecastError;

/// The Fourier regressors of a fitted model: `k` sine/cosine pairs of period `season_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FourierTerms {
    /// Season length `m`.
    pub season_length: usize,
    /// Number of harmonics `K`.
    pub k: usize,
}

impl FourierTerms {
    /// Number of columns: `2K`, less one when `2K = m` (that sine is identically zero).
    pub fn n_columns(&self) -> usize {
        if 2 * self.k == self.season_length {
            2 * self.k - 1
        } else {
            2 * self.k
        }
    }
}

fn validate(season_length: usize, k: usize) -> Result<(), ForecastError> {
    if season_length < 2 {
        return Err(ForecastError::InvalidParameter {
            parameter: "season_length",
            message: "Fourier terms need a season length of at least 2".into(),
        });
    }
    if k == 0 || k > season_length / 2 {
        return Err(ForecastError::InvalidParameter {
            parameter: "k",
            message: format!(
                "{k} harmonics: K must be between 1 and season_length / 2 = {}",
                season_length / 2
            ),
        });
    }
    Ok(())
}

/// `sin` and `cos` of `2π·harmonic·t/m` (`m = season_length`) with the argument reduced
/// exactly in integers.
fn harmonic(harmonic: usize, t: usize, season_length: usize) -> (f64, f64) {
    let m = season_length as u128;
    let r = (harmonic as u128 % m) * (t as u128 % m) % m;
    let angle = std::f64::consts::TAU * r as f64 / season_length as f64;
    angle.sin_cos()
}

/// R's `fourier(x, K = k)` for times `offset + 1, …, offset + n` (use `offset = 0` for the
/// fitting period and `offset = n_observed` for the `n` periods after it): columns
/// `S1, C1, S2, C2, …` with `Sⱼ = sin(2πjt/m)`, `Cⱼ = cos(2πjt/m)`, `m = season_length`; the
/// sine with `2j = m` (identically zero) is left out.
///
/// # Errors
///
/// [`ForecastError::InvalidParameter`] naming `season_length` (below 2), `k` (0 or above
/// `season_length / 2`) or `offset` (time points that overflow).
pub fn fourier(
    n: usize,
    season_length: usize,
    k: usize,
    offset: usize,
) -> Result<Array2<f64>, ForecastError> {
    validate(season_length, k)?;
    if offset.checked_add(n).is_none() {
        return Err(ForecastError::InvalidParameter {
            parameter: "offset",
            message: format!("{offset} + {n} time points overflow"),
        });
    }
    let terms = FourierTerms { season_length, k };
    let mut out = Array2::zeros((n, terms.n_columns()));
    for (i, mut row) in out.rows_mut().into_iter().enumerate() {
        let t = offset + i + 1;
        let mut col = 0;
        for j in 1..=k {
            let (sin, cos) = harmonic(j, t, season_length);
            if 2 * j != season_length {
                row[col] = sin;
                col += 1;
            }
            row[col] = cos;
            col += 1;
        }
    }
    Ok(out)
}

/// The same columns as named regressors (`S1-52`, `C1-52`, …).
pub(crate) fn fourier_regressors(
    n: usize,
    season_length: usize,
    k: usize,
    offset: usize,
) -> Result<Vec<Regressor>, ForecastError> {
    let x = fourier(n, season_length, k, offset)?;
    let mut names = Vec::with_capacity(x.ncols());
    for j in 1..=k {
        if 2 * j != season_length {
            names.push(format!("S{j}-{season_length}"));
        }
        names.push(format!("C{j}-{season_length}"));
    }
    Ok(names
        .into_iter()
        .zip(x.columns())
        .map(|(name, column)| Regressor {
            name,
            values: column.to_vec(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_hand() {
        // Period 4, K = 2: S1 = sin(πt/2), C1 = cos(πt/2), C2 = cos(πt); S2 = sin(πt) ≡ 0 is
        // dropped. t = 1, 2, 3, 4.
        let x = fourier(4, 4, 2, 0).unwrap();
        let want = [
            [1.0, 0.0, -1.0],
            [0.0, -1.0, 1.0],
            [-1.0, 0.0, -1.0],
            [0.0, 1.0, 1.0],
        ];
        assert_eq!(x.dim(), (4, 3));
        for (i, row) in want.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                assert!((x[[i, j]] - v).abs() < 1e-15, "{x}");
            }
        }
        // Period 12, K = 1, continuing after 10 observations: t = 11, 12.
        let x = fourier(2, 12, 1, 10).unwrap();
        let sixth = std::f64::consts::FRAC_PI_6;
        assert!((x[[0, 0]] - (11.0 * sixth).sin()).abs() < 1e-15);
        assert!((x[[0, 1]] - (11.0 * sixth).cos()).abs() < 1e-15);
        assert!(x[[1, 0]].abs() < 1e-15 && (x[[1, 1]] - 1.0).abs() < 1e-15);
        // Period 52, K = 3 gives six columns named like R's.
        let names: Vec<String> = fourier_regressors(5, 52, 3, 0)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(
            names,
            ["S1-52", "C1-52", "S2-52", "C2-52", "S3-52", "C3-52"]
        );
    }

    #[test]
    fn rejects_bad_orders() {
        assert!(matches!(
            fourier(10, 4, 3, 0),
            Err(ForecastError::InvalidParameter { parameter: "k", .. })
        ));
        assert!(matches!(
            fourier(10, 1, 1, 0),
            Err(ForecastError::InvalidParameter {
                parameter: "season_length",
                ..
            })
        ));
        assert!(fourier(10, 4, 0, 0).is_err());
        assert_eq!(fourier(0, 4, 1, 0).unwrap().dim(), (0, 2));
    }
}
