//! `retail forecast`: the plain-series snapshot, regressors, groups, partitions, and the
//! limits of issue 17.

use super::*;

#[test]
fn forecast_of_a_plain_series_matches_its_snapshot_and_json_carries_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = airpassengers_csv(dir.path());
    let path = path.to_str().unwrap();
    let out = retail(&[
        "forecast",
        "--series",
        path,
        "--model",
        "MAM",
        "--horizon",
        "12",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out).replace(path, "airpassengers.csv");
    insta::assert_snapshot!("forecast_airpassengers_mam", &text);

    let out = retail(&[
        "forecast",
        "--series",
        path,
        "--model",
        "(0,1,1)(0,1,1)12",
        "--format",
        "json",
        "--horizon",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["series"][0];
    assert_eq!(s["model"], "ARIMA(0,1,1)(0,1,1)[12]");
    for key in ["loglik", "aic", "aicc", "bic"] {
        assert!(s[key].as_f64().unwrap().is_finite(), "{key}");
    }
    assert_eq!(s["forecast"].as_array().unwrap().len(), 3);
    assert_eq!(s["forecast"][0]["period"], "1961-01-01");
    let f = &s["forecast"][0];
    assert!(f["lower_95"].as_f64().unwrap() < f["lower_80"].as_f64().unwrap());
    assert!(f["upper_80"].as_f64().unwrap() < f["upper_95"].as_f64().unwrap());

    let bad = retail(&["forecast", "--series", path, "--model", "XYZ"]);
    assert_fails(&bad, 1, "'XYZ'");
}

/// A made-up 0/1 promotion flag per year.
fn promotion(year: usize) -> f64 {
    f64::from(u8::from(year.is_multiple_of(3) || year.is_multiple_of(7)))
}

/// Log lynx (yearly, 1821–1934, reference set) plus `shift` times a 0/1 promotion flag,
/// with the flag as a regressor column; and the flag over the next `future` years.
fn lynx_with_promotion(dir: &std::path::Path, shift: f64, future: usize) -> (String, String) {
    let values = reference_series("lynx");
    let mut text = String::from("year,lynx,promotion\n");
    for (i, v) in values.iter().enumerate() {
        let y = v.ln() + shift * promotion(1821 + i);
        text.push_str(&format!("{}-01-01,{y},{}\n", 1821 + i, promotion(1821 + i)));
    }
    let series = dir.join(format!("lynx_{shift}.csv"));
    std::fs::write(&series, text).unwrap();
    let mut text = String::from("date,promotion\n");
    for year in 1935..1935 + future {
        text.push_str(&format!("{year}-01-01,{}\n", promotion(year)));
    }
    let future_path = dir.join(format!("future_{future}.csv"));
    std::fs::write(&future_path, text).unwrap();
    (
        series.to_str().unwrap().to_string(),
        future_path.to_str().unwrap().to_string(),
    )
}

#[test]
fn forecast_with_regressors_is_equivariant_and_checks_its_future_file() {
    let dir = tempfile::tempdir().unwrap();
    let fit = |series: &str, future: &str| {
        let out = retail(&[
            "forecast",
            "--series",
            series,
            "--future",
            future,
            "--model",
            "(2,0,0)",
            "--horizon",
            "5",
            "--format",
            "json",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["series"][0].clone()
    };
    // Adding 0.5 × promotion to the data moves the promotion's coefficient by exactly 0.5
    // and nothing else: same likelihood, the same AR part, forecasts up by 0.5 × flag.
    let (plain, future) = lynx_with_promotion(dir.path(), 0.0, 5);
    let (shifted, _) = lynx_with_promotion(dir.path(), 0.5, 5);
    let (a, b) = (fit(&plain, &future), fit(&shifted, &future));
    let coefficient = |s: &serde_json::Value, name: &str| {
        s["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {s}"))["value"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(a["model"], "Regression with ARIMA(2,0,0) errors");
    assert!((coefficient(&b, "promotion") - coefficient(&a, "promotion") - 0.5).abs() < 1e-4);
    for name in ["ar1", "ar2", "intercept"] {
        assert!(
            (coefficient(&a, name) - coefficient(&b, name)).abs() < 1e-4,
            "{name}"
        );
    }
    assert!((a["loglik"].as_f64().unwrap() - b["loglik"].as_f64().unwrap()).abs() < 1e-6);
    for (h, year) in (1935..1940).enumerate() {
        let flag = promotion(year);
        let (fa, fb) = (&a["forecast"][h], &b["forecast"][h]);
        assert_eq!(fa["period"], format!("{year}-01-01"));
        let gap = fb["forecast"].as_f64().unwrap() - fa["forecast"].as_f64().unwrap();
        assert!((gap - 0.5 * flag).abs() < 1e-3, "{year}: {gap}");
    }
    // The future file must cover the horizon, from the right period, with the right columns.
    let out = retail(&["forecast", "--series", &plain, "--model", "(2,0,0)"]);
    assert_fails(&out, 1, "--future");
    let (_, short) = lynx_with_promotion(dir.path(), 0.0, 3);
    let out = retail(&[
        "forecast",
        "--series",
        &plain,
        "--future",
        &short,
        "--model",
        "(2,0,0)",
        "--horizon",
        "5",
    ]);
    assert_fails(&out, 1, "3 rows for 5 forecast periods");
    let late = dir.path().join("late.csv");
    std::fs::write(&late, "date,promotion\n1936-01-01,1\n").unwrap();
    let out = retail(&[
        "forecast",
        "--series",
        &plain,
        "--future",
        late.to_str().unwrap(),
        "--model",
        "(2,0,0)",
        "--horizon",
        "1",
    ]);
    assert_fails(
        &out,
        1,
        "late.csv:2:1: 1936-01-01: expected the forecast period 1935-01-01",
    );
    let out = retail(&[
        "forecast",
        "--series",
        &plain,
        "--future",
        &future,
        "--model",
        "ANN",
        "--horizon",
        "5",
    ]);
    assert_fails(&out, 1, "takes no regressors");
}

#[test]
fn forecast_of_transactions_by_group_writes_csv() {
    let out = retail(&[
        "forecast",
        "--by",
        "country",
        "--freq",
        "month",
        "--top",
        "3",
        "--horizon",
        "2",
        "--model",
        "naive",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "series,period,model,forecast,lower_80,upper_80,lower_95,upper_95"
    );
    assert_eq!(lines.len(), 1 + 3 * 2);
    assert!(lines[1].starts_with("United Kingdom,"), "{}", lines[1]);
    assert!(stderr(&out).contains("partial month"), "{}", stderr(&out));
}
/// The distributed map of docs/distributed.md: three tasks (`--partition K/3`, separate
/// processes) fit disjoint shares of the groups, and together exactly the series of one run.
#[test]
fn forecast_partitions_together_equal_one_run() {
    let run = |partition: Option<&str>| -> serde_json::Value {
        let mut args = vec![
            "forecast",
            "--by",
            "product",
            "--top",
            "8",
            "--horizon",
            "4",
            "--format",
            "json",
        ];
        if let Some(p) = partition {
            args.extend(["--partition", p]);
        }
        let out = retail(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let whole = run(None);
    let whole = whole["series"].as_array().unwrap();
    assert_eq!(whole.len(), 8);
    let mut merged = Vec::new();
    for k in 0..3 {
        let part = run(Some(&format!("{k}/3")));
        let series = part["series"].as_array().unwrap();
        // Round-robin over the ranked groups: ranks k, k+3, k+6.
        assert_eq!(series.len(), [3, 3, 2][k]);
        for (i, s) in series.iter().enumerate() {
            merged.push((k + 3 * i, s.clone()));
        }
    }
    merged.sort_by_key(|(rank, _)| *rank);
    let merged: Vec<serde_json::Value> = merged.into_iter().map(|(_, s)| s).collect();
    assert_eq!(&merged, whole);

    for bad in ["3/3", "1", "a/2", "0/0"] {
        let out = retail(&["forecast", "--by", "product", "--partition", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("--partition"),
            "{bad}: {}",
            stderr(&out)
        );
    }
    let out = retail(&["forecast", "--partition", "1/2"]);
    assert_fails(&out, 1, "the total is one series");
}
/// `--reconcile`: the groups' forecasts add up to the total's at every step (MinT moves
/// them, bottom-up keeps the groups' and sums them), the groups beyond `--top` as
/// `(other)`; the backtest reports MASE before and after; misuse fails naming the flag.
#[test]
fn reconciled_group_forecasts_add_up_to_the_total() {
    let run = |method: &str, extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "forecast",
            "--by",
            "country",
            "--top",
            "3",
            "--horizon",
            "3",
            "--reconcile",
            method,
            "--format",
            "json",
        ];
        args.extend(extra);
        let out = retail(&args);
        assert!(out.status.success(), "{method}: {}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let points = |series: &serde_json::Value| -> Vec<f64> {
        series["forecast"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["forecast"].as_f64().unwrap())
            .collect()
    };
    for method in ["mint", "bottom-up"] {
        let doc = run(method, &[]);
        assert_eq!(doc["reconciliation"]["method"], method);
        let series = doc["series"].as_array().unwrap();
        let keys: Vec<&str> = series.iter().map(|s| s["key"].as_str().unwrap()).collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
        assert_eq!((keys[0], keys[4]), ("total", "(other)"));
        let total = points(&series[0]);
        for (step, &whole) in total.iter().enumerate() {
            let sum: f64 = series[1..].iter().map(|s| points(s)[step]).sum();
            assert!(
                (sum - whole).abs() <= 1e-9 * whole.abs().max(1.0),
                "{method} step {step}: {sum} vs {whole}"
            );
        }
        let base = doc["reconciliation"]["base_forecasts"].as_array().unwrap();
        if method == "bottom-up" {
            // The groups keep their own forecasts (none of these is below zero).
            for (s, b) in series[1..].iter().zip(&base[1..]) {
                let own: Vec<f64> = b["forecast"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect();
                assert_eq!(points(s), own);
            }
        } else {
            let lambda = doc["reconciliation"]["shrinkage_lambda"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&lambda), "{lambda}");
        }
    }
    let doc = run("bottom-up", &["--backtest", "1"]);
    let rows = doc["series"].as_array().unwrap();
    assert_eq!(rows[0]["key"], "total");
    for row in &rows[1..] {
        assert_eq!(row["mase_base"], row["mase_reconciled"], "{row}");
    }

    let out = retail(&["forecast", "--reconcile", "mint"]);
    assert_fails(&out, 1, "pass --by");
    let out = retail(&["forecast", "--by", "country", "--reconcile", "ols"]);
    assert_fails(&out, 1, "bad --reconcile");
    let out = retail(&[
        "forecast",
        "--by",
        "country",
        "--reconcile",
        "mint",
        "--partition",
        "0/2",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

// ---- forecast hardening (issue 17) ----

#[test]
fn forecast_horizons_beyond_max_horizon_fail_fast_and_the_limit_can_be_raised() {
    let dir = tempfile::tempdir().unwrap();
    let path = airpassengers_csv(dir.path());
    let path = path.to_str().unwrap();
    // The sweep's case: it aborted holding 5,000 paths x 1,000,000 values.
    let expected = "retail: --horizon 1000000: invalid horizon: 1000000 periods ahead is more \
                    than max_horizon (10000); forecasts that far ahead are not meaningful, and \
                    raising max_horizon costs time in proportion (--max-horizon raises the limit)\n";
    for args in [
        vec!["forecast", "--horizon", "1000000", "--model", "MAM"],
        vec![
            "forecast",
            "--series",
            path,
            "--horizon",
            "1000000",
            "--model",
            "MAM",
        ],
    ] {
        let out = retail(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stderr(&out), expected);
        assert!(out.stdout.is_empty());
    }
    let with = |horizon: &str| {
        retail(&[
            "forecast",
            "--series",
            path,
            "--model",
            "naive",
            "--max-horizon",
            "20",
            "--horizon",
            horizon,
            "--format",
            "csv",
        ])
    };
    assert_fails(
        &with("21"),
        1,
        "--horizon 21: invalid horizon: 21 periods ahead is more than max_horizon (20)",
    );
    let out = with("20");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // A header and 20 months after December 1960: January 1961 to August 1962, each the
    // last value, 432.
    assert_eq!(lines.len(), 21);
    assert!(
        lines[1].starts_with("airpassengers,1961-01-01,Naive,432,"),
        "{text}"
    );
    assert!(
        lines[20].starts_with("airpassengers,1962-08-01,Naive,432,"),
        "{text}"
    );
}

#[test]
fn forecast_of_values_that_overflow_is_an_error_not_null() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let mut text = String::from("date,value\n");
    for (i, v) in ["1.7e308", "1.6e308", "1.75e308", "1.7e308", "1.65e308"]
        .iter()
        .cycle()
        .take(10)
        .enumerate()
    {
        text.push_str(&format!("2020-01-{:02},{v}\n", i + 1));
    }
    std::fs::write(&path, text).unwrap();
    for model in ["MAM", "auto", "naive"] {
        let out = retail(&[
            "forecast",
            "--series",
            path.to_str().unwrap(),
            "--model",
            model,
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(1), "{model}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "retail: series huge: {model} could not be fitted: invalid y: value 1.7e308 \
                 (index 0) is larger in magnitude than 1e100: the fit would overflow; rescale \
                 the series (thousands, millions)\n"
            )
        );
        assert!(out.stdout.is_empty(), "{model}: {}", stdout(&out));
    }
}

#[test]
fn forecast_series_with_gaps_are_rejected_unless_allowed_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap.csv");
    std::fs::write(
        &path,
        "date,value\n2020-01-01,5\n2020-02-01,6\n2020-04-01,7\n2020-05-01,8\n2020-06-01,8\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let args = [
        "forecast", "--series", path, "--model", "naive", "--format", "csv",
    ];
    let out = retail(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "retail: {path}:4:1: 2020-04-01 follows 2020-02-01: 1 monthly period is missing \
             (from 2020-03-01); the series needs one row per period (a period without sales is \
             a row with 0) (--allow-gaps reads the series as it is)\n"
        )
    );
    let out = retail(&[&args[..], &["--allow-gaps", "--horizon", "2"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!(
            "retail: warning: {path}:4:1: 2020-04-01 follows 2020-02-01: 1 monthly period is \
             missing (from 2020-03-01);"
        )),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // The naive forecast of the file as it is: the last value, 8, for July and August.
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].starts_with("gap,2020-07-01,Naive,8,"), "{text}");
    assert!(lines[2].starts_with("gap,2020-08-01,Naive,8,"), "{text}");
    // Without gaps nothing is said.
    std::fs::write(
        path,
        "date,value\n2020-01-01,5\n2020-02-01,6\n2020-03-01,7\n",
    )
    .unwrap();
    let out = retail(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn forecast_from_sales_spanning_more_than_max_periods_fails_naming_the_dates() {
    // The embedded sample runs from 2010-12-01 to 2011-12-09: ISO weeks from Monday
    // 2010-11-29 to Monday 2011-12-05, 54 of them.
    let run = |max: &str| {
        retail(&[
            "forecast",
            "--model",
            "naive",
            "--horizon",
            "1",
            "--max-periods",
            max,
            "--format",
            "csv",
        ])
    };
    let out = run("53");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "retail: invalid max_periods: the sales run from 2010-12-01 to 2011-12-09, 54 weeks: \
         more than max_periods (53); a mistyped date far from the others is the usual cause \
         (raise max_periods for a longer history) (--max-periods raises the limit)\n"
    );
    let out = run("54");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("series,period,model,forecast"));
}
