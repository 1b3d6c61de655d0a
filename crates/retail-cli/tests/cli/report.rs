//! `retail report`: the HTML page (well-formed, every chart, escaping, headless Chromium), its
//! errors, and the support it chooses for bundles.

use super::*;

// ---------------------------------------------------------------------------------------------
// retail report
// ---------------------------------------------------------------------------------------------

/// Relative to the crate directory, where the report commands run (so the snapshot does not
/// hold the checkout's path).
const HOSTILE: &str = "tests/data/hostile_online_retail.csv";

/// Writes the report of `files` (none: the embedded samples) once per test run.
pub(crate) fn report_of(files: &[&str], name: &str) -> (std::path::PathBuf, String) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut args = vec!["report", "--out", path.to_str().unwrap()];
    args.extend(files);
    let out = Command::new(env!("CARGO_BIN_EXE_retail"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run retail");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("wrote {}", path.display())),
        "{}",
        stderr(&out)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    (path, html)
}

pub(crate) fn embedded_report() -> &'static (std::path::PathBuf, String) {
    static REPORT: std::sync::OnceLock<(std::path::PathBuf, String)> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| report_of(&[], "report-embedded.html"))
}

fn hostile_report() -> &'static (std::path::PathBuf, String) {
    static REPORT: std::sync::OnceLock<(std::path::PathBuf, String)> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| report_of(&[HOSTILE], "report-hostile.html"))
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The tiles of one dataset section: label → value.
fn tiles(section: roxmltree::Node<'_, '_>) -> std::collections::BTreeMap<String, String> {
    let text = |n: roxmltree::Node<'_, '_>, class: &str| {
        n.descendants()
            .find(|d| d.attribute("class") == Some(class))
            .and_then(|d| d.text())
            .unwrap_or_default()
            .to_string()
    };
    section
        .descendants()
        .filter(|n| n.attribute("class") == Some("tile"))
        .map(|n| (text(n, "label"), text(n, "value")))
        .collect()
}

#[test]
fn report_of_the_embedded_samples_is_well_formed_and_has_every_chart() {
    let (_, html) = embedded_report();
    // Well-formed: the page is also XML, so a strict parser reads it.
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");
    // Self-contained: no script, no fetch of anything; the CSP forbids every source.
    assert!(!doc.descendants().any(|n| n.tag_name().name() == "script"));
    for n in doc.descendants().filter(|n| n.is_element()) {
        for attr in ["src", "href"] {
            if let Some(value) = n.attribute(attr) {
                assert!(
                    value.starts_with('#'),
                    "<{}> {attr}={value}",
                    n.tag_name().name()
                );
            }
        }
    }
    let without_svg_namespace = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_svg_namespace.contains("http://") && !without_svg_namespace.contains("https://")
    );
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"")
    );

    // Every chart, per data set; each with its title and both axis labels.
    let charts: Vec<roxmltree::Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg" && n.attribute("class") == Some("chart"))
        .collect();
    let ids: std::collections::BTreeSet<&str> = charts
        .iter()
        .filter_map(|n| n.attribute("data-chart"))
        .collect();
    let common = [
        "spend-distribution",
        "top-customers",
        "retention",
        "rfm-segments",
        "weekly-sales",
        "top-products",
        "forecast-total",
        "forecast-group-1",
        "forecast-group-2",
        "forecast-group-3",
        "forecast-units",
        "next-basket",
    ];
    // Superstore's strongest sub-category bundle has a lift of 1.24: no chart of weak bundles,
    // a sentence instead (below).
    let online_retail = [
        "rules-by-lift",
        "forfeited-weekly",
        "forfeited-products",
        "price-bands",
        "top-countries",
    ];
    let superstore = [
        "top-customers-by-profit",
        "segments",
        "sales-by-category-region",
        "profit-by-category-region",
        "margin-by-sub-category-region",
        "discount-margin",
        "discount-by-sub-category",
    ];
    let mut expected: std::collections::BTreeSet<String> = Default::default();
    for c in common.iter().chain(&online_retail) {
        expected.insert(format!("ds1-{c}"));
    }
    for c in common.iter().chain(&superstore) {
        expected.insert(format!("ds2-{c}"));
    }
    let ids: std::collections::BTreeSet<String> = ids.into_iter().map(String::from).collect();
    assert_eq!(ids, expected);
    assert!(html.contains(
        "No meaningful bundles in these sales: the strongest pair is only 1.24 times likelier \
         together than by chance"
    ));
    assert_eq!(charts.len(), expected.len(), "chart ids are unique");
    for chart in &charts {
        let id = chart.attribute("data-chart").unwrap();
        for class in ["chart-title", "axis-label x-label", "axis-label y-label"] {
            let text: String = chart
                .descendants()
                .find(|n| n.attribute("class") == Some(class))
                .map(|n| n.descendants().filter_map(|t| t.text()).collect())
                .unwrap_or_default();
            assert!(!text.trim().is_empty(), "{id}: no {class}");
        }
        assert!(
            chart.children().any(|n| n.tag_name().name() == "title"),
            "{id}: no <title>"
        );
        assert!(
            !chart.descendants().any(|n| n.text() == Some("no data")),
            "{id}: no data"
        );
    }

    // The tiles show the KPIs computed independently with DuckDB (retail-metrics reference).
    let reference = metrics_reference();
    for (ds, key, currency) in [
        ("ds1", "online_retail_sample", "£"),
        ("ds2", "superstore", "$"),
    ] {
        let section = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(ds))
            .unwrap();
        let tiles = tiles(section);
        let summary = &reference["inputs"][key]["summary"];
        let revenue = summary["revenue"].as_f64().unwrap();
        assert_eq!(
            tiles["Completed revenue"],
            format!("{currency}{}", thousands(revenue.round() as i64)),
            "{ds}"
        );
        assert_eq!(
            tiles["Orders"],
            thousands(summary["orders"].as_i64().unwrap())
        );
        assert_eq!(
            tiles["Customers"],
            thousands(summary["customers"].as_i64().unwrap())
        );
        assert_eq!(
            tiles["Repeat-purchase rate"],
            format!("{:.1}%", summary["repeat_rate"].as_f64().unwrap() * 100.0)
        );
    }
}

#[test]
fn report_escapes_every_string_from_the_data() {
    let (_, html) = hostile_report();
    for raw in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        "<b>BOLD</b>",
    ] {
        assert!(!html.contains(raw), "{raw} is in the page unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("MUG &quot;BIG&quot; &amp; &lt;b&gt;BOLD&lt;/b&gt;"));
    // Read back, the names are text: the product chart shows the description as written.
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        !doc.descendants()
            .any(|n| n.tag_name().name() == "script" || n.tag_name().name() == "img")
    );
    assert!(
        doc.descendants()
            .filter_map(|n| n.text())
            .any(|t| t.contains("<script>alert(1)</script> (90001)"))
    );
    insta::assert_snapshot!("report_hostile_online_retail", html);
}

/// Runs headless Chromium on `page` with `args`; returns (stdout, console lines).
fn headless(
    chromium: &std::path::Path,
    page: &std::path::Path,
    args: &[&str],
) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", stderr(&out));
    let console = stderr(&out)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    (stdout(&out), console)
}

#[test]
fn report_renders_in_headless_chromium_without_console_messages() {
    let Some(chromium) = chromium() else {
        return;
    };
    let (path, html) = embedded_report();
    let (dom, console) = headless(&chromium, path, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let charts = html.matches("class=\"chart\"").count();
    assert_eq!(dom.matches("class=\"chart\"").count(), charts);
    assert!(dom.contains("Weekly sales, trend and peaks"));
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-embedded.png");
    let (_, console) = headless(
        &chromium,
        path,
        &[
            "--window-size=1400,3000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 100_000,
        "{} bytes",
        png.len()
    );

    // The hostile page: an unescaped <img onerror> or <script> would be blocked by the CSP
    // and show up as a console message.
    let (path, _) = hostile_report();
    let (dom, console) = headless(&chromium, path, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn report_errors_name_the_problem_and_set_the_exit_code() {
    let out = retail(&["report", "--horizon", "0"]);
    assert_fails(
        &out,
        1,
        "bad --horizon: invalid horizon: must be at least 1 week",
    );
    let out = retail(&["report", "--min-support", "1.5"]);
    assert_fails(
        &out,
        1,
        "bad --min-support: invalid min_support: must be in (0, 1]",
    );
    let out = retail(&["report", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let out = retail(&["report", "/no/such/sales.csv", "--out", "/tmp/never.html"]);
    assert_fails(&out, 1, "/no/such/sales.csv");
}

/// The report of `files`: it finishes, and its stderr and page say what support it chose.
fn report_choosing_support(files: &[&str], name: &str) -> (String, String) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut args = vec!["report", "--out", path.to_str().unwrap()];
    args.extend(files);
    let out = retail(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    (stderr(&out), std::fs::read_to_string(&path).unwrap())
}

#[test]
fn report_raises_the_support_until_the_bundles_fit_the_budget() {
    // Two invoices sharing 40 products and 97 one-line invoices (178 lines with the header):
    // 99 baskets, 1 % is 1 basket. At 1 and 2 baskets the 40 shared products give 2^40 sets,
    // past the report's budget of 1,000,000; doubling reaches 4 baskets, where nothing is
    // frequent (every product is in at most 2 invoices).
    let mut csv = String::from(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
    );
    for (invoice, day) in [("536001", 1), ("536002", 2)] {
        for p in 0..40 {
            csv.push_str(&format!(
                "{invoice},P{p:03},PRODUCT {p},1,2010-12-{day:02} 09:00:00,1.00,17850,United Kingdom\n"
            ));
        }
    }
    for k in 0..97 {
        csv.push_str(&format!(
            "{},Q{k:03},OTHER {k},2,2010-12-{:02} 10:00:00,2.50,{},United Kingdom\n",
            536_100 + k,
            3 + k % 20,
            13_000 + k
        ));
    }
    assert_eq!(csv.lines().count(), 178);
    let (_dir, path) = temp_file("shared-40.csv", &csv);
    let (err, html) = report_choosing_support(&[path.to_str().unwrap()], "report-shared-40.html");
    assert!(
        err.contains(
            "product bundles mined at a support of 4 baskets (4.0% of 99), raised from the \
             requested 1.0% (1 baskets), which admits more than 1000000 itemsets"
        ),
        "{err}"
    );
    assert!(
        html.contains(
            "The requested support, 1.0% (1 baskets), admits more than 1,000,000 sets, so the \
             report raised it to 4 baskets."
        ),
        "{html}"
    );
    assert!(html.contains("sets in at least 4 baskets (4.0% of baskets): 0;"));

    // The day samples of Online Retail: the report finishes and names the support it chose.
    for (file, name) in [
        (
            "online_retail_sample_2010-12-01.csv",
            "report-day-1201.html",
        ),
        (
            "online_retail_sample_2010-12-20.csv",
            "report-day-1220.html",
        ),
    ] {
        let Some(day) = shared_file(&format!("online_retail/{file}")) else {
            continue;
        };
        let (err, html) = report_choosing_support(&[day.to_str().unwrap()], name);
        assert!(
            err.contains("product bundles mined at a support of "),
            "{err}"
        );
        assert!(err.contains("raised from the requested 1.0%"), "{err}");
        assert!(html.contains("so the report raised it to"), "{file}");
    }
}
