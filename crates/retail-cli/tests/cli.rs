//! The `retail` binary as a user runs it: output, exit codes, error messages. One module per
//! subcommand under `cli/` (and the cross-cutting manners, names and slicing); this file holds
//! the helpers they share. Snapshots are insta's (`cargo insta review`, or `INSTA_UPDATE=always`).

use std::process::{Command, Output};

mod common;
use common::chromium;

#[path = "cli/bundles.rs"]
mod bundles;
#[path = "cli/convert.rs"]
mod convert;
#[cfg(feature = "distributed")]
#[path = "cli/distributed.rs"]
mod distributed;
#[path = "cli/forecast.rs"]
mod forecast;
#[path = "cli/inspect.rs"]
mod inspect;
#[path = "cli/kpis.rs"]
mod kpis;
#[path = "cli/manners.rs"]
mod manners;
#[path = "cli/names.rs"]
mod names;
#[path = "cli/report.rs"]
mod report;
#[path = "cli/slicing.rs"]
mod slicing;
#[path = "cli/sql.rs"]
mod sql;
#[path = "cli/theta.rs"]
mod theta;

fn retail(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retail"))
        .args(args)
        .output()
        .expect("run retail")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// The run failed with exit status `code` and its message on stderr contains `needle`.
fn assert_fails(out: &Output, code: i32, needle: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

fn metrics_reference() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../retail-metrics/tests/reference/kpis_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A shared data file, or `None` after printing `SKIPPED`.
fn shared_file(relative: &str) -> Option<std::path::PathBuf> {
    match retail_ingest::shared_data_dir() {
        Some(dir) if dir.join(relative).is_file() => Some(dir.join(relative)),
        _ => {
            println!("SKIPPED: {relative} not found (../shared/data is absent)");
            None
        }
    }
}

/// A file in a fresh temporary directory (kept alive by the returned guard).
fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// A series of the forecasting reference set (retail-forecast/tests/reference).
fn reference_series(name: &str) -> Vec<f64> {
    let reference: serde_json::Value = serde_json::from_str(include_str!(
        "../../retail-forecast/tests/reference/reference.json"
    ))
    .unwrap();
    reference["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn airpassengers_csv(dir: &std::path::Path) -> std::path::PathBuf {
    // The 144 monthly values of the reference set (public domain, Box & Jenkins).
    let values = reference_series("airpassengers");
    let mut text = String::from("date,value\n");
    for (i, v) in values.iter().enumerate() {
        text.push_str(&format!("{}-{:02}-01,{}\n", 1949 + i / 12, i % 12 + 1, v));
    }
    let path = dir.join("airpassengers.csv");
    std::fs::write(&path, text).unwrap();
    path
}
