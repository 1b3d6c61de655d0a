//! `retail sql`: read-only by default, statements from -c, -f and stdin, streamed output,
//! table row limit, quiet broken pipes, causes printed once (issue 17).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use super::{assert_fails, retail, stderr, stdout};

#[test]
fn sql_is_read_only_unless_writes_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("sub").join("x.csv");
    let copy = format!(
        "COPY (SELECT 'x' AS v) TO '{}' STORED AS CSV",
        target.display()
    );
    let refused = retail(&["sql", &copy]);
    assert_fails(&refused, 1, "read-only: pass --allow-write");
    assert!(!target.exists() && !target.parent().unwrap().exists());
    for statement in [
        "CREATE TABLE t AS SELECT 1",
        "DROP TABLE sales",
        "INSERT INTO sales SELECT * FROM sales",
        "SET datafusion.execution.batch_size = 1",
        "CREATE EXTERNAL TABLE e STORED AS CSV LOCATION '/etc/passwd'",
    ] {
        let out = retail(&["sql", statement]);
        assert_fails(&out, 1, "--allow-write");
    }
    // The refusal also holds for a write hidden behind EXPLAIN or a second statement.
    let hidden = retail(&["sql", "-c", &format!("SELECT 1; {copy}")]);
    assert_eq!(hidden.status.code(), Some(1), "{}", stderr(&hidden));
    assert!(!target.exists());

    let allowed = retail(&["sql", "--allow-write", &copy]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let written = std::fs::read_dir(&target)
        .map(|d| d.count())
        .unwrap_or_else(|_| usize::from(target.is_file()));
    assert!(written >= 1, "COPY wrote nothing at {}", target.display());
}

#[test]
fn sql_reads_statements_from_a_command_a_file_and_stdin() {
    let two = retail(&[
        "sql",
        "-c",
        "SELECT COUNT(*) AS n FROM sales WHERE line_kind = 'adjustment'; SELECT 2 AS two",
        "--format",
        "csv",
    ]);
    assert!(two.status.success(), "{}", stderr(&two));
    // 520 adjustment lines in the embedded sample (see the inspect test; 250 of them free
    // lines at price 0, issue 18).
    assert_eq!(stdout(&two), "n\n520\ntwo\n2\n");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.sql");
    std::fs::write(
        &file,
        "-- cancellations\nSELECT COUNT(*) AS n FROM sales\n WHERE line_kind = 'cancellation';\n",
    )
    .unwrap();
    let from_file = retail(&["sql", "-f", file.to_str().unwrap(), "--format", "csv"]);
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    assert_eq!(stdout(&from_file), "n\n1628\n");

    let mut child = Command::new(env!("CARGO_BIN_EXE_retail"))
        .args(["sql", "-f", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT COUNT(*) AS n FROM sales WHERE line_kind = 'sale'")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "[\n  {\n    \"n\": 96948\n  }\n]\n");

    let none = retail(&["sql", "-c", "  ; "]);
    assert_fails(&none, 1, "no SQL statement");
    let missing = retail(&["sql"]);
    assert_fails(&missing, 1, "needs a query");
}

#[test]
fn sql_tables_show_at_most_maxrows_and_say_how_many_were_left_out() {
    // 99,096 lines × 2 = 198,192 rows, streamed; the table keeps 40 by default.
    let query =
        "SELECT s.invoice_id, t.k FROM sales s CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2) t";
    let out = retail(&["sql", query]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.ends_with("(40 of 198,192 rows shown; --maxrows N or --maxrows inf shows more)\n"),
        "{text}"
    );
    // 40 data rows, a header row and four rule lines.
    assert_eq!(text.lines().count(), 40 + 1 + 3 + 1, "{text}");

    let three = retail(&["sql", "--maxrows", "3", query]);
    assert!(stdout(&three).contains("(3 of 198,192 rows shown"));
    let all = retail(&["sql", "--maxrows", "inf", "SELECT * FROM sales LIMIT 41"]);
    assert!(!stdout(&all).contains("rows shown"), "{}", stdout(&all));
    assert_eq!(stdout(&all).lines().count(), 41 + 4);
    let bad = retail(&["sql", "--maxrows", "many", "SELECT 1"]);
    assert_fails(&bad, 2, "neither a row count nor `inf`");

    // JSON and CSV print every row.
    let csv = retail(&["sql", "--format", "csv", query]);
    assert_eq!(stdout(&csv).lines().count(), 198_192 + 1);
}

#[test]
fn sql_tables_show_floats_for_people_and_machines_get_every_digit() {
    let query = "SELECT CAST(1087908.4699999911 AS DOUBLE) AS revenue, CAST(0.000000012345 AS DOUBLE) AS tiny, CAST(2.5 AS DOUBLE) AS half";
    let table = retail(&["sql", query]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.contains("| 1087908.47 | 1.2345e-8 | 2.5  |"), "{text}");
    let csv = retail(&["sql", "--format", "csv", query]);
    assert_eq!(
        stdout(&csv),
        "revenue,tiny,half\n1087908.4699999911,1.2345e-8,2.5\n"
    );
}

#[test]
fn closing_the_output_early_is_not_an_error() {
    for args in [
        &["kpis", "--format", "json"][..],
        &["sql", "--format", "json", "SELECT * FROM sales"][..],
        &["sql", "--format", "csv", "SELECT * FROM sales"][..],
        &["bundles", "--format", "json"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_retail"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 1];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("Broken pipe"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn an_error_names_its_cause_once() {
    let out = retail(&["sql", "/no/such/file.csv", "SELECT 1"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert_eq!(message.matches("os error 2").count(), 1, "{message}");
    assert!(message.contains("/no/such/file.csv"), "{message}");

    let schema = retail(&["sql", "SELECT nope FROM sales"]);
    let message = stderr(&schema);
    assert_eq!(message.matches("line_kind").count(), 1, "{message}");
}

#[test]
fn sql_runs_user_queries_and_reports_their_errors() {
    let out = retail(&[
        "sql",
        "SELECT line_kind, COUNT(*) AS lines FROM sales GROUP BY line_kind ORDER BY line_kind",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "line_kind,lines\nadjustment,520\ncancellation,1628\nsale,96948\n"
    );

    let bad = retail(&["sql", "SELECT nope FROM sales"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).starts_with("retail: ") && stderr(&bad).contains("nope"),
        "{}",
        stderr(&bad)
    );
}
