//! Chart maths and escaping.

use super::*;

/// A data string with markup in it.
const NASTY: &str = "Sales <b>& co";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn weeks(n: u64) -> Vec<NaiveDate> {
    (0..n)
        .filter_map(|i| date(2011, 1, 3).checked_add_days(Days::new(7 * i)))
        .collect()
}

/// The checks every rendered chart passes.
fn assert_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.ends_with("</svg>"), "{svg}");
    assert_eq!(
        svg.matches("<text").count(),
        svg.matches("</text>").count(),
        "{svg}"
    );
    for class in ["chart-title", "x-label", "y-label"] {
        assert!(svg.contains(class), "no {class} in {svg}");
    }
}

fn line(name: &str, values: Vec<Option<f64>>) -> Line {
    let dates = weeks(values.len() as u64);
    Line {
        name: name.to_string(),
        dates,
        values,
        color: PALETTE[0],
        dashed: false,
        width: 2.0,
    }
}

fn time_chart(lines: Vec<Line>) -> TimeChart {
    TimeChart {
        id: "weekly".to_string(),
        title: NASTY.to_string(),
        x_label: "Week".to_string(),
        y_label: "Revenue (£)".to_string(),
        unit: Unit::Money("£"),
        lines,
        bands: Vec::new(),
        markers: Vec::new(),
        marker_name: String::new(),
        rule: None,
    }
}

fn bar_chart(bars: Vec<(String, f64, String)>) -> BarChart {
    BarChart {
        id: "customers".to_string(),
        title: "Top customers".to_string(),
        x_label: "Revenue (£)".to_string(),
        y_label: "Customer".to_string(),
        unit: Unit::Money("£"),
        bars,
        color: PALETTE[0],
        negative_color: PALETTE[5],
    }
}

fn column_chart(categories: &[&str], series: Vec<(String, Vec<f64>, &'static str)>) -> ColumnChart {
    ColumnChart {
        id: "months".to_string(),
        title: "Monthly orders".to_string(),
        x_label: "Month".to_string(),
        y_label: "Orders".to_string(),
        unit: Unit::Count,
        categories: categories.iter().map(|c| c.to_string()).collect(),
        series,
    }
}

fn heatmap(rows: &[&str], columns: &[&str], values: Vec<Vec<Option<f64>>>) -> Heatmap {
    Heatmap {
        id: "retention".to_string(),
        title: "Retention".to_string(),
        x_label: "Months since first order".to_string(),
        y_label: "Cohort".to_string(),
        unit: Unit::Share,
        rows: rows.iter().map(|r| r.to_string()).collect(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        values,
        tooltips: Vec::new(),
        scale: Scale::Sequential { min: 0.0, max: 1.0 },
        legend: "share of the cohort buying again".to_string(),
    }
}

/// The `d` of the first line path.
fn line_data(svg: &str) -> &str {
    let key = r#"class="series" d=""#;
    let start = svg.find(key).expect("a line path") + key.len();
    svg[start..].split('"').next().unwrap_or_default()
}

#[test]
fn escape_replaces_markup_characters() {
    assert_eq!(
        escape(r#"<script>alert("x") & 'y'</script>"#),
        "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
    );
    assert_eq!(escape("a\u{0}b\tc"), "a b\tc");
}

#[test]
fn escape_neutralises_noncharacters_and_bidi_controls() {
    // Not allowed in XML: the page must stay well-formed (issue 17).
    assert_eq!(escape("a\u{FFFE}b\u{FFFF}c"), "a\u{FFFD}b\u{FFFD}c");
    assert_eq!(
        escape("\u{FDD0}\u{FDEF}\u{1FFFE}\u{10FFFF}"),
        "\u{FFFD}".repeat(4)
    );
    // A right-to-left override would show "LIGHT" reversed after it.
    assert_eq!(escape("T-\u{202E}LIGHT\u{202C} HOLDER"), "T-LIGHT HOLDER");
    assert_eq!(
        escape(
            "\u{2066}a\u{2067}b\u{2068}c\u{2069}\u{200E}\u{200F}\u{061C}d\u{202A}\u{202B}\u{202D}"
        ),
        "abcd"
    );
    // Ordinary text in other scripts passes: Hebrew, Arabic, accents, U+FFFD itself.
    assert_eq!(
        escape("שלום مرحبا café \u{FFFD}"),
        "שלום مرحبا café \u{FFFD}"
    );
}

#[test]
fn labels_follow_the_unit() {
    let pound = Unit::Money("£");
    assert_eq!(value_label(1234.5, pound), "£1,234.50");
    assert_eq!(value_label(-1234.5, Unit::Money("$")), "-$1,234.50");
    assert_eq!(value_label(1_000_000.0, pound), "£1,000,000.00");
    assert_eq!(value_label(-0.001, pound), "£0.00");
    assert_eq!(tick_label(2_000_000.0, pound), "£2M");
    assert_eq!(tick_label(1200.0, pound), "£1.2k");
    assert_eq!(tick_label(350.0, pound), "£350");
    assert_eq!(tick_label(-40_000.0, pound), "-£40k");
    assert_eq!(tick_label(0.0, pound), "£0");
    assert_eq!(tick_label(2.5e6, pound), "£2.5M");
    assert_eq!(tick_label(1500.0, Unit::Count), "1.5k");
    assert_eq!(tick_label(12_000.0, Unit::Count), "12k");
    assert_eq!(tick_label(800.0, Unit::Count), "800");
    assert_eq!(tick_label(999_999.0, Unit::Count), "1M");
    assert_eq!(tick_label(3e9, Unit::Count), "3B");
    assert_eq!(value_label(12_345.0, Unit::Count), "12,345");
    assert_eq!(value_label(12.5, Unit::Count), "12.5");
    assert_eq!(tick_label(0.2, Unit::Share), "20%");
    assert_eq!(value_label(0.2043, Unit::Share), "20.4%");
    assert_eq!(cell_label(0.234, Unit::Share), "23%");
    assert_eq!(tick_label(2.5, Unit::Ratio), "2.5");
    assert_eq!(value_label(2.35, Unit::Ratio), "2.35");
    assert_eq!(value_label(f64::NAN, Unit::Ratio), NOT_A_NUMBER);
}

#[test]
fn nice_ticks_cover_the_range_with_round_steps() {
    let ticks = nice_ticks(0.0, 97.0);
    assert!(ticks.contains(&0.0), "{ticks:?}");
    assert!(ticks.last().is_some_and(|&t| t >= 97.0), "{ticks:?}");
    let step = ticks[1] - ticks[0];
    let norm = step / 10_f64.powf(step.log10().floor());
    assert!(
        [1.0, 2.0, 2.5, 5.0].iter().any(|f| (f - norm).abs() < 1e-9),
        "{ticks:?}"
    );
    assert!(
        ticks.windows(2).all(|w| (w[1] - w[0] - step).abs() < 1e-9),
        "{ticks:?}"
    );
    for (lo, hi) in [(5.0, 5.0), (0.0, 0.0), (-3.0, -3.0), (-40.0, 1e6)] {
        let ticks = nice_ticks(lo, hi);
        assert!(ticks.len() >= 2, "{ticks:?}");
        assert!(ticks[0] <= lo && ticks[ticks.len() - 1] >= hi, "{ticks:?}");
    }
}

#[test]
fn date_ticks_use_months_or_weeks() {
    let ticks = date_ticks(date(2010, 12, 1), date(2011, 12, 9));
    assert!(ticks.len() <= 8, "{ticks:?}");
    assert_eq!(ticks[0].1, "Jan 2011");
    let years = date_ticks(date(2001, 3, 1), date(2011, 3, 1));
    assert!(
        years.len() <= 8 && years.iter().all(|(_, l)| l.len() == 4),
        "{years:?}"
    );
    let weeks = date_ticks(date(2011, 1, 3), date(2011, 1, 31));
    assert_eq!(weeks.len(), 5);
    assert_eq!(weeks[0].1, "03 Jan");
    assert_eq!(date_ticks(date(2011, 1, 3), date(2011, 1, 3)).len(), 1);
}

#[test]
fn scales_span_their_ramps() {
    let sequential = Scale::Sequential {
        min: 0.0,
        max: 10.0,
    };
    assert_eq!(hex(sequential.color(0.0)), "#f7fbff");
    assert_eq!(hex(sequential.color(10.0)), "#08306b");
    assert_eq!(hex(sequential.color(99.0)), "#08306b");
    let diverging = Scale::Diverging { limit: 2.0 };
    assert_eq!(hex(diverging.color(-2.0)), "#b2182b");
    assert_eq!(hex(diverging.color(0.0)), "#f7f7f7");
    assert_eq!(hex(diverging.color(5.0)), "#2166ac");
}

#[test]
fn time_chart_breaks_the_line_at_missing_values() {
    let values = vec![Some(1.0), Some(2.0), None, Some(4.0), Some(5.0)];
    let svg = time_chart(vec![line("revenue", values)]).render();
    assert_svg(&svg);
    assert_eq!(line_data(&svg).matches('M').count(), 2, "{svg}");
    assert!(
        !svg.contains(r#"class="legend""#),
        "one series, no legend: {svg}"
    );
}

#[test]
fn time_chart_draws_bands_markers_rule_and_legend() {
    let mut chart = time_chart(vec![
        line("actual", vec![Some(3.0), Some(5.0), Some(4.0)]),
        Line {
            dashed: true,
            ..line("forecast", vec![None, None, Some(4.0), Some(4.5)])
        },
    ]);
    chart.bands.push(Band {
        name: "80% interval".to_string(),
        dates: weeks(4),
        lower: vec![f64::NAN, 2.0, 3.0, 3.5],
        upper: vec![f64::NAN, 6.0, 5.0, 5.5],
        color: PALETTE[0],
        opacity: 0.2,
    });
    chart.markers.push(Marker {
        date: weeks(2)[1],
        value: 5.0,
        label: NASTY.to_string(),
    });
    chart.marker_name = "peak week".to_string();
    chart.rule = Some((weeks(3)[2], "forecast →".to_string()));
    let svg = chart.render();
    assert_svg(&svg);
    for needle in [
        r#"class="legend""#,
        r#"class="band""#,
        "stroke-dasharray=\"6 4\"",
        "<circle",
    ] {
        assert!(svg.contains(needle), "no {needle} in {svg}");
    }
    assert!(
        svg.contains(r#"class="rule""#) && svg.contains("forecast →"),
        "{svg}"
    );
}

fn sample_charts() -> [String; 4] {
    let time = time_chart(vec![line(NASTY, vec![Some(1.0), Some(2.0)])]).render();
    let bars = bar_chart(vec![
        (NASTY.to_string(), 1234.5, String::new()),
        ("Refunds".to_string(), -300.0, "refunds <i>".to_string()),
    ])
    .render();
    let series = vec![
        (NASTY.to_string(), vec![3.0, -1.0], PALETTE[0]),
        ("b".to_string(), vec![2.0, 4.0], PALETTE[1]),
    ];
    let columns = column_chart(&["<b>&", "Feb"], series).render();
    let mut cells = heatmap(
        &[NASTY, "2011-02"],
        &["0", "1", "2"],
        vec![vec![Some(1.0), Some(0.25), None], vec![Some(1.0)]],
    );
    cells.tooltips = vec![vec![String::new(), "<b>& tip".to_string()]];
    [time, bars, columns, cells.render()]
}

#[test]
fn every_chart_escapes_data_strings() {
    for svg in sample_charts() {
        assert_svg(&svg);
        assert!(svg.contains("&lt;b&gt;&amp;"), "{svg}");
        assert!(!svg.contains("<b>") && !svg.contains("<i>"), "{svg}");
    }
}

#[test]
fn empty_inputs_render_no_data() {
    let all_nan = vec![Some(f64::NAN), Some(f64::INFINITY), None];
    let charts = [
        time_chart(Vec::new()).render(),
        time_chart(vec![line("x", all_nan)]).render(),
        bar_chart(Vec::new()).render(),
        bar_chart(vec![("a".to_string(), f64::NAN, String::new())]).render(),
        column_chart(&[], Vec::new()).render(),
        column_chart(&["a"], Vec::new()).render(),
        heatmap(&[], &[], Vec::new()).render(),
        heatmap(&["a"], &["b"], vec![vec![None]]).render(),
    ];
    for svg in charts {
        assert_svg(&svg);
        assert!(svg.contains("no data"), "{svg}");
    }
}

#[test]
fn awkward_values_render() {
    let long = "é".repeat(60);
    let mut charts = vec![
        time_chart(vec![line("single", vec![Some(7.0)])]).render(),
        time_chart(vec![line("zeros", vec![Some(0.0); 3])]).render(),
        time_chart(vec![line(
            "negative",
            vec![Some(-5.0), Some(f64::NAN), Some(-2.0)],
        )])
        .render(),
        bar_chart(vec![
            (long.clone(), 0.0, String::new()),
            ("nan".to_string(), f64::NAN, String::new()),
            ("big".to_string(), 1e300, String::new()),
            ("low".to_string(), -1e300, String::new()),
        ])
        .render(),
    ];
    let many: Vec<String> = (0..50).map(|i| format!("{long}{i}")).collect();
    let names: Vec<&str> = many.iter().map(String::as_str).collect();
    let values: Vec<f64> = (0..50_i32).map(|i| f64::from(i) - 25.0).collect();
    let columns = column_chart(&names, vec![("s".to_string(), values, PALETTE[2])]).render();
    assert!(columns.matches("rotate(-35").count() <= 20, "{columns}");
    charts.push(columns);
    let mut wide = heatmap(
        &[long.as_str()],
        &names,
        vec![vec![Some(-0.5), Some(f64::NAN), Some(2.0)]],
    );
    wide.scale = Scale::Diverging { limit: 0.0 };
    charts.push(wide.render());
    for svg in &charts {
        assert_svg(svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
    let full = format!("<title>{long}</title>");
    assert!(charts[3].contains('…') && charts[3].contains(full.as_str()));
}
