//! Feature `distributed`: `retail cluster` in one process, `retail kpis --cluster` and
//! `retail sql --cluster` in others, over the month files of `retail convert`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use super::*;

/// Kills the cluster when the test ends, passed or not. Holds its stdout open: a closed
/// pipe would make the cluster's later prints fail.
struct Cluster(
    Child,
    #[allow(dead_code)] BufReader<std::process::ChildStdout>,
);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn close(expected: &serde_json::Value, actual: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) if e.is_f64() || a.is_f64() => {
            let (e, a) = (e.as_f64().unwrap(), a.as_f64().unwrap());
            assert!(
                (e - a).abs() <= 1e-9 * e.abs().max(1.0),
                "{path}: {e} vs {a}"
            );
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{path}: lengths");
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                close(e, a, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            assert_eq!(
                e.keys().collect::<Vec<_>>(),
                a.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, e) in e {
                close(e, &a[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(expected, actual, "{path}"),
    }
}

#[test]
fn kpis_on_a_ballista_cluster_equal_the_local_run() {
    let dir = tempfile::tempdir().unwrap();
    let months = dir.path().join("sales");
    let out = retail(&[
        "convert",
        "--out",
        months.to_str().unwrap(),
        "--partition-by",
        "month",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let mut child = Command::new(env!("CARGO_BIN_EXE_retail"))
        .args(["cluster", "--executors", "2", "--task-slots", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout_pipe = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout_pipe);
    let mut url = String::new();
    reader.read_line(&mut url).unwrap();
    let cluster = Cluster(child, reader);
    let url = url.trim().to_string();
    assert!(url.starts_with("df://localhost:"), "{url}");

    let local = retail(&["kpis", "--format", "json"]);
    assert!(local.status.success(), "{}", stderr(&local));
    let remote = retail(&[
        "kpis",
        "--cluster",
        &url,
        months.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(remote.status.success(), "{}", stderr(&remote));
    let local: serde_json::Value = serde_json::from_str(&stdout(&local)).unwrap();
    let remote: serde_json::Value = serde_json::from_str(&stdout(&remote)).unwrap();
    close(&local["kpis"], &remote["kpis"], "kpis");

    // The same from canonical CSV month files.
    let csv_months = dir.path().join("sales_csv");
    let out = retail(&[
        "convert",
        "--out",
        csv_months.to_str().unwrap(),
        "--partition-by",
        "month",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(csv_months.join("month=2011-06/part-0.csv").is_file());
    let remote = retail(&[
        "kpis",
        "--cluster",
        &url,
        csv_months.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(remote.status.success(), "{}", stderr(&remote));
    let remote: serde_json::Value = serde_json::from_str(&stdout(&remote)).unwrap();
    close(&local["kpis"], &remote["kpis"], "kpis from CSV");

    let sql = "SELECT COUNT(*) AS line_count, \
               SUM(CASE WHEN line_kind = 'cancellation' THEN 1 ELSE 0 END) AS cancellations \
               FROM sales";
    let out = retail(&[
        "sql",
        "--cluster",
        &url,
        months.to_str().unwrap(),
        sql,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let summary = &metrics_reference()["inputs"]["online_retail_sample"]["summary"];
    assert_eq!(rows[0]["line_count"], 99_096, "{rows}");
    assert_eq!(
        rows[0]["cancellations"], summary["cancellation_lines"],
        "{rows}"
    );

    // Paths the executors cannot open and URLs that are not Ballista's are named.
    let out = retail(&["kpis", "--cluster", &url, "/nonexistent/sales/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/nonexistent/sales") && stderr(&out).contains("no such file"),
        "{}",
        stderr(&out)
    );
    let out = retail(&[
        "kpis",
        "--cluster",
        "localhost:50050",
        months.to_str().unwrap(),
    ]);
    assert_fails(&out, 1, "df://HOST:PORT");
    drop(cluster);
}
