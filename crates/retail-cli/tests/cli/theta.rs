//! `retail forecast --model theta|autotheta|croston|croston-sba|croston-opt|tsb|adida|imapa`
//! (issue 21): the new models from the CLI, on a plain series and on the embedded sample.

use super::{airpassengers_csv, assert_fails, retail, stderr};

fn json(args: &[&str]) -> serde_json::Value {
    let out = retail(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn intermittent_models_forecast_a_plain_weekly_series() {
    let dir = tempfile::tempdir().unwrap();
    // 20 weeks from Monday 2024-01-01: a demand of 4 in week 1 and of 8 in week 4, then
    // demands of 6 every third week.
    let mut values = [0.0; 20];
    values[1] = 4.0;
    values[4] = 8.0;
    for t in (7..20).step_by(3) {
        values[t] = 6.0;
    }
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut text = String::from("date,units\n");
    for (t, v) in values.iter().enumerate() {
        text.push_str(&format!(
            "{},{v}\n",
            start + chrono::Days::new(7 * t as u64)
        ));
    }
    let path = dir.path().join("units.csv");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    // Croston by hand: sizes 4, 8, 6, 6, 6, 6, 6 and gaps 2, 3, 3, 3, 3, 3, 3 smoothed with
    // α = 0.1 from the first of each.
    let (mut size, mut gap) = (4.0, 2.0);
    for (s, g) in [
        (8.0, 3.0),
        (6.0, 3.0),
        (6.0, 3.0),
        (6.0, 3.0),
        (6.0, 3.0),
        (6.0, 3.0),
    ] {
        size = 0.1 * s + 0.9 * size;
        gap = 0.1 * g + 0.9 * gap;
    }
    let v = json(&[
        "forecast",
        "--series",
        path,
        "--model",
        "croston",
        "--horizon",
        "4",
        "--format",
        "json",
    ]);
    let s = &v["series"][0];
    assert_eq!(s["model"], "Croston");
    assert!(s["fallback"].is_null());
    let rows = s["forecast"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["period"], "2024-05-20");
    for row in rows {
        let point = row["forecast"].as_f64().unwrap();
        assert!(
            (point - size / gap).abs() < 1e-9,
            "{point} vs {}",
            size / gap
        );
        assert!(row["lower_95"].as_f64().unwrap() >= 0.0);
    }
    for model in [
        "croston-sba",
        "croston-opt",
        "tsb",
        "adida",
        "imapa",
        "theta",
        "autotheta",
    ] {
        let v = json(&[
            "forecast",
            "--series",
            path,
            "--model",
            model,
            "--horizon",
            "4",
            "--format",
            "json",
        ]);
        let s = &v["series"][0];
        assert!(s["fallback"].is_null(), "{model}: {}", s["fallback"]);
        for row in s["forecast"].as_array().unwrap() {
            for key in ["forecast", "lower_80", "lower_95"] {
                assert!(row[key].as_f64().unwrap() >= 0.0, "{model} {key}: {row}");
            }
        }
    }
}

#[test]
fn theta_forecasts_the_embedded_sample_and_a_monthly_series() {
    let v = json(&[
        "forecast",
        "--freq",
        "week",
        "--model",
        "theta",
        "--horizon",
        "4",
        "--format",
        "json",
    ]);
    let s = &v["series"][0];
    assert!(
        s["model"].as_str().unwrap().starts_with("Theta(thetaf"),
        "{}",
        s["model"]
    );
    assert!(s["fallback"].is_null());
    let dir = tempfile::tempdir().unwrap();
    let path = airpassengers_csv(dir.path());
    let v = json(&[
        "forecast",
        "--series",
        path.to_str().unwrap(),
        "--model",
        "theta",
        "--horizon",
        "1",
        "--format",
        "json",
    ]);
    let s = &v["series"][0];
    assert_eq!(s["model"], "Theta(thetaf, multiplicative season 12)");
    // R forecast 8.20: thetaf(AirPassengers)$mean[1] = 440.0782 (tests/reference/thetaf.json).
    let point = s["forecast"][0]["forecast"].as_f64().unwrap();
    assert!((point - 440.0782).abs() < 0.05, "{point}");
    let bad = retail(&["forecast", "--model", "thetta"]);
    assert_fails(&bad, 1, "croston");
}
