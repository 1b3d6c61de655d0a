//! Charts as inline SVG: no script, no external resource, every data string escaped.
//!
//! Each chart is one `<svg class="chart" data-chart="ID">` holding its title, axis labels (with
//! units) and a legend where it has several series, so a screenshot or a printout reads alone.
//! Colours: the Okabe–Ito palette for series, a single-hue blue ramp for sequential heatmaps and
//! a red–blue ramp for diverging ones (both readable with the common colour-vision deficiencies).

use std::fmt::Write as _;

use chrono::{Datelike, Days, NaiveDate};

/// Okabe–Ito colours, in the order series use them.
pub const PALETTE: [&str; 7] = [
    "#0072B2", // blue
    "#E69F00", // orange
    "#009E73", // bluish green
    "#CC79A7", // reddish purple
    "#56B4E9", // sky blue
    "#D55E00", // vermillion
    "#000000", // black
];

/// Escapes text for HTML and SVG (element content and attribute values).
///
/// Control characters other than tab and line breaks (not allowed in XML) become spaces;
/// Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two of every plane; the
/// first two are not allowed in XML either) become U+FFFD; bidirectional embedding, override
/// and isolate controls and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C),
/// which would reverse the text around a label, are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if c.is_control() => out.push(' '),
            c if is_noncharacter(c) => out.push('\u{FFFD}'),
            '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A Unicode noncharacter: U+FDD0–U+FDEF, or U+xxFFFE / U+xxFFFF in any plane.
fn is_noncharacter(c: char) -> bool {
    let code = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

/// What a value is, for tick labels and tooltips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// Money with a currency symbol such as `£` (may be empty): ticks `£1.2k`, tooltips `£1,234.50`.
    Money(&'static str),
    /// A plain count: ticks `12k`, tooltips `12,345`.
    Count,
    /// A share in [0, 1] shown as percent: ticks `20%`, tooltips `20.4%`.
    Share,
    /// A ratio such as lift: `2.35`.
    Ratio,
}

/// One line of a time chart: values per date (None = no point, the line breaks).
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend name.
    pub name: String,
    /// One date per value.
    pub dates: Vec<NaiveDate>,
    /// The values (None: a gap).
    pub values: Vec<Option<f64>>,
    /// Stroke colour.
    pub color: &'static str,
    /// Dashed (forecasts) or solid.
    pub dashed: bool,
    /// Stroke width in px (2 for main lines, 1.5 for secondary).
    pub width: f64,
}

/// A shaded band between two curves (a prediction interval).
#[derive(Debug, Clone)]
pub struct Band {
    /// Legend name.
    pub name: String,
    /// One date per bound.
    pub dates: Vec<NaiveDate>,
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds.
    pub upper: Vec<f64>,
    /// Fill colour.
    pub color: &'static str,
    /// Fill opacity in [0, 1].
    pub opacity: f64,
}

/// A highlighted point (a peak).
#[derive(Debug, Clone)]
pub struct Marker {
    /// Where the marker sits.
    pub date: NaiveDate,
    /// Its value.
    pub value: f64,
    /// Tooltip text (escaped by the chart).
    pub label: String,
}

/// A time chart: lines, bands and markers over a date axis.
#[derive(Debug, Clone)]
pub struct TimeChart {
    /// Stable id, used as `data-chart` (ASCII, no spaces).
    pub id: String,
    /// Title above the plot.
    pub title: String,
    /// Label of the date axis.
    pub x_label: String,
    /// Label of the value axis, with its unit.
    pub y_label: String,
    /// How values are written.
    pub unit: Unit,
    /// The lines.
    pub lines: Vec<Line>,
    /// The shaded bands, drawn under the lines.
    pub bands: Vec<Band>,
    /// The highlighted points.
    pub markers: Vec<Marker>,
    /// Legend name of the markers (e.g. "peak week"); no legend entry when empty.
    pub marker_name: String,
    /// A vertical dashed rule with a small label (e.g. where the forecast starts).
    pub rule: Option<(NaiveDate, String)>,
}

/// Horizontal bars, one per labelled row, top to bottom in the given order.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Stable id, used as `data-chart` (ASCII, no spaces).
    pub id: String,
    /// Title above the plot.
    pub title: String,
    /// Label of the value axis (with the unit), e.g. "Completed revenue (£)".
    pub x_label: String,
    /// Label of the category axis, e.g. "Customer".
    pub y_label: String,
    /// How values are written.
    pub unit: Unit,
    /// (row label, value, tooltip). Negative values grow left of a zero line.
    pub bars: Vec<(String, f64, String)>,
    /// Colour of positive bars.
    pub color: &'static str,
    /// Colour of negative bars.
    pub negative_color: &'static str,
}

/// Vertical grouped columns: categories along x, one column per series in each group.
#[derive(Debug, Clone)]
pub struct ColumnChart {
    /// Stable id, used as `data-chart` (ASCII, no spaces).
    pub id: String,
    /// Title above the plot.
    pub title: String,
    /// Label of the category axis.
    pub x_label: String,
    /// Label of the value axis, with its unit.
    pub y_label: String,
    /// How values are written.
    pub unit: Unit,
    /// The categories along x, left to right.
    pub categories: Vec<String>,
    /// (series name, one value per category, colour). One series: no legend.
    pub series: Vec<(String, Vec<f64>, &'static str)>,
}

/// Colour scale of a heatmap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// From white (0 or the minimum) to dark blue (the maximum).
    Sequential {
        /// The value drawn white.
        min: f64,
        /// The value drawn darkest.
        max: f64,
    },
    /// Red below zero, white at zero, blue above; saturates at ±`limit`.
    Diverging {
        /// The magnitude drawn at full colour.
        limit: f64,
    },
}

/// A matrix of coloured cells with the value written in each (blank for None).
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Stable id, used as `data-chart` (ASCII, no spaces).
    pub id: String,
    /// Title above the grid.
    pub title: String,
    /// Label of the column axis.
    pub x_label: String,
    /// Label of the row axis.
    pub y_label: String,
    /// How values are written.
    pub unit: Unit,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// Column labels, left to right.
    pub columns: Vec<String>,
    /// values[row][column].
    pub values: Vec<Vec<Option<f64>>>,
    /// (row, column) tooltip text; empty = the formatted value.
    pub tooltips: Vec<Vec<String>>,
    /// The colour scale.
    pub scale: Scale,
    /// Legend caption, e.g. "share of the cohort buying again".
    pub legend: String,
}

// ---------------------------------------------------------------------------------------------
// Layout constants and shared pieces.

/// Width of every chart's viewBox (pages scale it).
const WIDTH: f64 = 720.0;
/// Right edge of the plot areas.
const PLOT_RIGHT: f64 = WIDTH - 16.0;
/// Font stack on the root element.
const FONT: &str = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
/// Approximate advance of one character of 11 px text.
const CHAR_W: f64 = 6.0;
const GRID_COLOR: &str = "#e5e7eb";
const AXIS_COLOR: &str = "#9ca3af";
const TEXT_COLOR: &str = "#374151";
const DARK_TEXT: &str = "#111827";
const RULE_COLOR: &str = "#6b7280";
const MARKER_COLOR: &str = "#D55E00";
const MISSING_COLOR: &str = "#f3f4f6";
const WHITE: &str = "#ffffff";
/// Label of a value that is not a finite number.
const NOT_A_NUMBER: &str = "n/a";
/// Longest legend name before it is cut.
const LEGEND_CHARS: usize = 28;
/// Left edge of the bars (their labels sit left of it).
const BAR_LEFT: f64 = 252.0;
/// Top of the first bar row.
const BAR_TOP: f64 = 36.0;
/// Height of one bar row.
const BAR_ROW: f64 = 26.0;
/// Left edge of a heatmap's grid (its row labels sit left of it).
const HEAT_LEFT: f64 = 150.0;
/// Height of one heatmap row.
const CELL_H: f64 = 22.0;
/// Colour steps in a heatmap's legend bar.
const LEGEND_STEPS: usize = 10;
/// Width of one step of a heatmap's legend bar.
const LEGEND_SWATCH: f64 = 24.0;

/// The rectangle data is drawn in.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Area {
    fn width(self) -> f64 {
        self.right - self.left
    }

    fn mid_x(self) -> f64 {
        (self.left + self.right) / 2.0
    }

    fn mid_y(self) -> f64 {
        (self.top + self.bottom) / 2.0
    }
}

/// A linear map from the domain [d0, d1] to the pixel range [r0, r1]; a degenerate domain
/// maps to the middle of the range.
#[derive(Debug, Clone, Copy)]
struct Linear {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Linear {
    fn at(self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span.is_finite() && span != 0.0 {
            self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
        } else {
            (self.r0 + self.r1) / 2.0
        }
    }
}

/// A value axis: round ticks and the map from values to pixels (from the first to the last
/// tick).
#[derive(Debug)]
struct ValueAxis {
    ticks: Vec<f64>,
    scale: Linear,
}

impl ValueAxis {
    fn new(lo: f64, hi: f64, (r0, r1): (f64, f64)) -> Self {
        let ticks = nice_ticks(lo, hi);
        let d0 = ticks.first().copied().unwrap_or(lo);
        let d1 = ticks.last().copied().unwrap_or(hi);
        Self {
            ticks,
            scale: Linear { d0, d1, r0, r1 },
        }
    }
}

/// The maps of a time chart: dates (as day numbers) to x, values to y.
#[derive(Debug, Clone, Copy)]
struct TimePlot {
    x: Linear,
    y: Linear,
}

impl TimePlot {
    fn x_at(self, date: NaiveDate) -> f64 {
        self.x.at(day_number(date))
    }

    fn point(self, date: NaiveDate, value: f64) -> (f64, f64) {
        (self.x_at(date), self.y.at(value))
    }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
enum Swatch {
    /// A short line, solid or dashed.
    Line { color: &'static str, dashed: bool },
    /// A filled square.
    Block { color: &'static str, opacity: f64 },
    /// A marker dot.
    Dot,
}

/// Opens the `<svg>` with its accessible title and the visible title.
fn open(id: &str, title: &str, height: f64) -> String {
    let id = escape(id);
    let title = escape(title);
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{id}" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="{id}-title" font-family="{FONT}">"#
    );
    let _ = write!(out, r#"<title id="{id}-title">{title}</title>"#);
    let _ = write!(
        out,
        r#"<text class="chart-title" x="12" y="22" font-size="15" font-weight="600" fill="{DARK_TEXT}">{title}</text>"#
    );
    out
}

/// Closes the `<svg>`.
fn close(mut out: String) -> String {
    out.push_str("</svg>");
    out
}

/// The x axis label centred at `x_at`, the y axis label rotated along the left edge.
fn axis_labels(out: &mut String, x_label: &str, (x, y): (f64, f64), y_label: &str, y_mid: f64) {
    let attrs = format!(
        r#"class="axis-label x-label" x="{x:.1}" y="{y:.1}" text-anchor="middle" font-size="12" fill="{TEXT_COLOR}""#
    );
    write_text(out, &attrs, x_label, 100);
    let attrs = format!(
        r#"class="axis-label y-label" x="14" y="{y_mid:.1}" transform="rotate(-90 14 {y_mid:.1})" text-anchor="middle" font-size="12" fill="{TEXT_COLOR}""#
    );
    write_text(out, &attrs, y_label, 45);
}

/// The grey "no data" note centred at (x, y).
fn no_data(out: &mut String, x: f64, y: f64) {
    let _ = write!(
        out,
        r#"<text class="no-data" x="{x:.1}" y="{y:.1}" text-anchor="middle" font-size="13" fill="{AXIS_COLOR}">no data</text>"#
    );
}

/// Writes `<text {attrs}>` with `text` cut to `max_chars`; a cut text carries the whole one
/// as its tooltip.
fn write_text(out: &mut String, attrs: &str, text: &str, max_chars: usize) {
    let shown = truncate(text, max_chars);
    if shown == text {
        let _ = write!(out, "<text {attrs}>{}</text>", escape(text));
    } else {
        let _ = write!(
            out,
            "<text {attrs}><title>{}</title>{}</text>",
            escape(text),
            escape(&shown)
        );
    }
}

/// At most `max_chars` characters; a cut text ends with an ellipsis.
fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// Approximate width of 11 px text.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_W
}

/// One row of legend entries at the top right, under the title.
fn legend(out: &mut String, entries: &[(&str, Swatch)]) {
    let widths: Vec<f64> = entries
        .iter()
        .map(|(name, _)| text_width(&truncate(name, LEGEND_CHARS)))
        .collect();
    let total: f64 = widths.iter().map(|w| w + 32.0).sum();
    let mut x = (PLOT_RIGHT - total).max(12.0);
    let _ = write!(
        out,
        r#"<g class="legend" font-size="11" fill="{TEXT_COLOR}">"#
    );
    for ((name, swatch), width) in entries.iter().zip(&widths) {
        write_swatch(out, *swatch, x, 35.0);
        let tx = x + 18.0;
        write_text(out, &format!(r#"x="{tx:.1}" y="39""#), name, LEGEND_CHARS);
        x = tx + width + 14.0;
    }
    out.push_str("</g>");
}

/// A legend swatch, 14 px wide, starting at `x` and centred on `y`.
fn write_swatch(out: &mut String, swatch: Swatch, x: f64, y: f64) {
    match swatch {
        Swatch::Line { color, dashed } => {
            let dash = if dashed {
                r#" stroke-dasharray="4 2""#
            } else {
                ""
            };
            let x2 = x + 14.0;
            let _ = write!(
                out,
                r#"<line x1="{x:.1}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="{color}" stroke-width="2"{dash} />"#
            );
        }
        Swatch::Block { color, opacity } => {
            let top = y - 5.0;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{top:.1}" width="14" height="10" fill="{color}" fill-opacity="{opacity:.2}" />"#
            );
        }
        Swatch::Dot => {
            let cx = x + 7.0;
            let _ = write!(
                out,
                r#"<circle cx="{cx:.1}" cy="{y:.1}" r="4" fill="{MARKER_COLOR}" stroke="{WHITE}" />"#
            );
        }
    }
}

/// Horizontal grid lines with the value ticks left of the plot.
fn y_ticks(out: &mut String, area: Area, axis: &ValueAxis, unit: Unit) {
    let (left, right, label_x) = (area.left, area.right, area.left - 6.0);
    let _ = write!(
        out,
        r#"<g class="y-ticks" font-size="11" fill="{TEXT_COLOR}" text-anchor="end">"#
    );
    for &tick in &axis.ticks {
        let y = axis.scale.at(tick);
        let label_y = y + 4.0;
        let text = escape(&tick_label(tick, unit));
        let _ = write!(
            out,
            r#"<line x1="{left:.1}" y1="{y:.1}" x2="{right:.1}" y2="{y:.1}" stroke="{GRID_COLOR}" /><text x="{label_x:.1}" y="{label_y:.1}">{text}</text>"#
        );
    }
    out.push_str("</g>");
}

/// Vertical grid lines with the value ticks under the plot.
fn x_ticks(out: &mut String, area: Area, axis: &ValueAxis, unit: Unit) {
    let (top, bottom, label_y) = (area.top, area.bottom, area.bottom + 14.0);
    let _ = write!(
        out,
        r#"<g class="x-ticks" font-size="11" fill="{TEXT_COLOR}" text-anchor="middle">"#
    );
    for &tick in &axis.ticks {
        let x = axis.scale.at(tick);
        let text = escape(&tick_label(tick, unit));
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="{GRID_COLOR}" /><text x="{x:.1}" y="{label_y:.1}">{text}</text>"#
        );
    }
    out.push_str("</g>");
}

/// The date axis of a time chart: baseline, grid lines and labels at the date ticks.
fn date_axis(out: &mut String, area: Area, x: Linear, (first, last): (NaiveDate, NaiveDate)) {
    let (left, right, top, bottom) = (area.left, area.right, area.top, area.bottom);
    let label_y = bottom + 18.0;
    let _ = write!(
        out,
        r#"<g class="x-ticks" font-size="11" fill="{TEXT_COLOR}" text-anchor="middle">"#
    );
    for (date, text) in date_ticks(first, last) {
        let tx = x.at(day_number(date));
        let text = escape(&text);
        let _ = write!(
            out,
            r#"<line x1="{tx:.1}" y1="{top:.1}" x2="{tx:.1}" y2="{bottom:.1}" stroke="{GRID_COLOR}" /><text x="{tx:.1}" y="{label_y:.1}">{text}</text>"#
        );
    }
    let _ = write!(
        out,
        r#"<line x1="{left:.1}" y1="{bottom:.1}" x2="{right:.1}" y2="{bottom:.1}" stroke="{AXIS_COLOR}" />"#
    );
    out.push_str("</g>");
}

/// A band as one closed polygon: the upper edge forward, the lower edge back.
fn band_svg(out: &mut String, band: &Band, plot: TimePlot) {
    let points: Vec<(f64, f64, f64)> = band
        .dates
        .iter()
        .zip(band.lower.iter().zip(&band.upper))
        .filter(|(_, (lower, upper))| lower.is_finite() && upper.is_finite())
        .map(|(&date, (&lower, &upper))| (plot.x_at(date), plot.y.at(upper), plot.y.at(lower)))
        .collect();
    if points.len() < 2 {
        return;
    }
    let mut d = String::new();
    for (i, (x, upper, _)) in points.iter().enumerate() {
        let command = if i == 0 { 'M' } else { 'L' };
        let _ = write!(d, "{command}{x:.1} {upper:.1} ");
    }
    for (x, _, lower) in points.iter().rev() {
        let _ = write!(d, "L{x:.1} {lower:.1} ");
    }
    d.push('Z');
    let opacity = band_opacity(band);
    let _ = write!(
        out,
        r#"<path class="band" d="{d}" fill="{}" fill-opacity="{opacity:.2}" stroke="none"><title>{}</title></path>"#,
        band.color,
        escape(&band.name)
    );
}

/// A band's fill opacity, 0.2 when out of [0, 1].
fn band_opacity(band: &Band) -> f64 {
    if (0.0..=1.0).contains(&band.opacity) {
        band.opacity
    } else {
        0.2
    }
}

/// A line as one path, with its name as tooltip.
fn line_svg(out: &mut String, line: &Line, plot: TimePlot) {
    let points = line
        .dates
        .iter()
        .zip(&line.values)
        .map(|(&date, &value)| value.filter(|v| v.is_finite()).map(|v| plot.point(date, v)));
    let d = line_path(points);
    if d.is_empty() {
        return;
    }
    let width = if line.width.is_finite() && line.width > 0.0 {
        line.width
    } else {
        2.0
    };
    let dash = if line.dashed {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<path class="series" d="{d}" fill="none" stroke="{}" stroke-width="{width:.1}" stroke-linejoin="round" stroke-linecap="round"{dash}><title>{}</title></path>"#,
        line.color,
        escape(&line.name)
    );
}

/// Path data through the points; a gap (None) starts a new subpath. A lone point gets a
/// zero-length segment so that its round cap shows as a dot.
fn line_path(points: impl Iterator<Item = Option<(f64, f64)>>) -> String {
    let mut d = String::new();
    let mut run = 0_usize;
    for point in points {
        match point {
            Some((x, y)) => {
                let command = if run == 0 { 'M' } else { 'L' };
                let separator = if d.is_empty() { "" } else { " " };
                let _ = write!(d, "{separator}{command}{x:.1} {y:.1}");
                run += 1;
            }
            None => {
                end_run(&mut d, run);
                run = 0;
            }
        }
    }
    end_run(&mut d, run);
    d
}

/// Ends a subpath of `run` points (see [`line_path`]).
fn end_run(d: &mut String, run: usize) {
    if run == 1 {
        d.push_str(" l0 0");
    }
}

/// The vertical dashed rule at `x` with its label at the top of the plot.
fn rule_svg(out: &mut String, area: Area, x: f64, text: &str) {
    let (top, bottom) = (area.top, area.bottom);
    let _ = write!(
        out,
        r#"<line class="rule" x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="{RULE_COLOR}" stroke-dasharray="4 4" />"#
    );
    let (tx, anchor) = if x > area.right - 120.0 {
        (x - 4.0, "end")
    } else {
        (x + 4.0, "start")
    };
    let ty = top + 12.0;
    let attrs = format!(
        r#"class="rule-label" x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}" font-size="11" fill="{RULE_COLOR}""#
    );
    write_text(out, &attrs, text, 40);
}

/// The smallest and the largest finite value, if any.
fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None::<(f64, f64)>, |range, v| {
            Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
        })
}

/// About five round ticks covering [lo, hi], with a step of 1, 2, 2.5 or 5 × 10^k; always at
/// least two, even for an empty range.
fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() {
        return vec![0.0, 1.0];
    }
    let (mut lo, mut hi) = (lo.min(hi), lo.max(hi));
    if hi == lo {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let pad = lo.abs() * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    let raw = (hi - lo) / 5.0;
    let magnitude = 10_f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let factor = [1.0, 2.0, 2.5, 5.0]
        .into_iter()
        .find(|&f| norm <= f * (1.0 + 1e-9));
    let step = magnitude * factor.unwrap_or(10.0);
    if !step.is_normal() {
        return vec![lo, hi];
    }
    let first = (lo / step).floor();
    let count = ((hi / step).ceil() - first).round().clamp(1.0, 50.0) as usize;
    let ticks: Vec<f64> = (0..=count)
        .map(|i| {
            let tick = (first + i as f64) * step;
            // Snap float noise such as 1e-17 to zero.
            if tick.abs() < step * 1e-9 { 0.0 } else { tick }
        })
        .collect();
    if ticks.iter().all(|t| t.is_finite()) {
        ticks
    } else {
        vec![lo, hi]
    }
}

/// Days since the common era, as a coordinate.
fn day_number(date: NaiveDate) -> f64 {
    f64::from(date.num_days_from_ce())
}

/// Date ticks with their labels: month starts every 1, 2, 3, 6 or 12 months (or more years),
/// at most eight; weekly ticks when the span is under two months.
fn date_ticks(first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, String)> {
    if last.num_days_from_ce() - first.num_days_from_ce() < 60 {
        return weekly_ticks(first, last);
    }
    let month_index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    let start = month_index(first) + i64::from(first.day() > 1);
    let end = month_index(last);
    let months = u64::try_from(end - start + 1).unwrap_or(1);
    let step = [1, 2, 3, 6, 12]
        .into_iter()
        .find(|&s| months.div_ceil(s) <= 8)
        .unwrap_or(12 * months.div_ceil(96));
    let step = i64::try_from(step).unwrap_or(12).max(1);
    let format = if step >= 12 { "%Y" } else { "%b %Y" };
    // Align on multiples of the step: quarters start in January, April, July and October.
    let mut index = start.div_euclid(step) * step;
    if index < start {
        index += step;
    }
    let mut ticks = Vec::new();
    while index <= end {
        if let Some(date) = month_start(index) {
            ticks.push((date, date.format(format).to_string()));
        }
        index += step;
    }
    ticks
}

/// A tick every seven days from `first`, labelled `03 Jan`.
fn weekly_ticks(first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, String)> {
    let mut ticks = Vec::new();
    let mut next = Some(first);
    while let Some(date) = next.filter(|date| *date <= last) {
        ticks.push((date, date.format("%d %b").to_string()));
        next = date.checked_add_days(Days::new(7));
    }
    ticks
}

/// The first day of the month numbered `year * 12 + month0`.
fn month_start(index: i64) -> Option<NaiveDate> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)
}

// ---------------------------------------------------------------------------------------------
// Number formats.

/// Compact tick label: `£1.2k`, `-£40k`, `12k`, `1.5M`, `20%`, `2.5`.
fn tick_label(v: f64, unit: Unit) -> String {
    if !v.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    let a = v.abs();
    let body = match unit {
        Unit::Money(symbol) => format!("{symbol}{}", compact(a)),
        Unit::Count => compact(a),
        Unit::Share => format!("{}%", trimmed(a * 100.0, 2)),
        Unit::Ratio => trimmed(a, 2),
    };
    signed(v, body)
}

/// Exact label for tooltips and bar values: `£1,234.50`, `-$1,234.50`, `12,345`, `20.4%`, `2.35`.
fn value_label(v: f64, unit: Unit) -> String {
    if !v.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    let a = v.abs();
    let body = match unit {
        Unit::Money(symbol) => format!("{symbol}{}", grouped(a, 2)),
        Unit::Count => grouped(a, if (a - a.round()).abs() < 1e-9 { 0 } else { 1 }),
        Unit::Share => format!("{:.1}%", a * 100.0),
        Unit::Ratio => format!("{a:.2}"),
    };
    signed(v, body)
}

/// Short label inside a heatmap cell: `23%`, `£1.2k`, `1,234` (`12k` from ten thousand), `2.35`.
fn cell_label(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Share => signed(v, format!("{:.0}%", v.abs() * 100.0)),
        Unit::Money(_) => tick_label(v, unit),
        Unit::Count if v.abs() >= 10_000.0 => tick_label(v, unit),
        Unit::Count | Unit::Ratio => value_label(v, unit),
    }
}

/// `body` (the formatted magnitude of `v`) with a leading minus when `v` is negative and the
/// label does not read as zero.
fn signed(v: f64, body: String) -> String {
    if v < 0.0 && body.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        format!("-{body}")
    } else {
        body
    }
}

/// `a` (>= 0) with a k, M or B suffix, at most one decimal once scaled (two below 10), no
/// trailing zeros: `350`, `1.2k`, `2M`.
fn compact(a: f64) -> String {
    let mut scaled = a;
    for suffix in ["", "k", "M"] {
        // Move on to the next suffix when the rounded value would read 1000.
        if (scaled * 10.0).round() < 10_000.0 {
            let decimals = if suffix.is_empty() && scaled < 10.0 {
                2
            } else {
                1
            };
            return format!("{}{suffix}", trimmed(scaled, decimals));
        }
        scaled /= 1000.0;
    }
    format!("{}B", trimmed(scaled, 1))
}

/// `x` with at most `decimals` decimals, without trailing zeros.
fn trimmed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `a` (>= 0) with `decimals` decimals and thousands separators: `1,234.50`.
fn grouped(a: f64, decimals: usize) -> String {
    let text = format!("{a:.decimals$}");
    match text.split_once('.') {
        Some((int, frac)) => format!("{}.{frac}", crate::format::group_digits(int)),
        None => crate::format::group_digits(&text),
    }
}

// ---------------------------------------------------------------------------------------------
// Colours.

/// An sRGB colour, channels in 0..=255.
type Rgb = [f64; 3];

/// The sequential minimum (#f7fbff).
const SEQ_LOW: Rgb = [247.0, 251.0, 255.0];
/// The sequential middle (#6baed6).
const SEQ_MID: Rgb = [107.0, 174.0, 214.0];
/// The sequential maximum (#08306b).
const SEQ_HIGH: Rgb = [8.0, 48.0, 107.0];
/// Diverging zero (#f7f7f7).
const DIV_ZERO: Rgb = [247.0, 247.0, 247.0];
/// Diverging -limit (#b2182b).
const DIV_NEG: Rgb = [178.0, 24.0, 43.0];
/// Diverging +limit (#2166ac).
const DIV_POS: Rgb = [33.0, 102.0, 172.0];

/// `t` clamped to [0, 1], NaN as 0.
fn clamp_unit(t: f64) -> f64 {
    if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) }
}

/// The colour a fraction `t` of the way from `from` to `to`.
fn mix(from: Rgb, to: Rgb, t: f64) -> Rgb {
    let [r0, g0, b0] = from;
    let [r1, g1, b1] = to;
    [r0 + (r1 - r0) * t, g0 + (g1 - g0) * t, b0 + (b1 - b0) * t]
}

/// `#rrggbb`.
fn hex(rgb: Rgb) -> String {
    let [r, g, b] = rgb.map(|c| c.round().clamp(0.0, 255.0) as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Luma in [0, 1]: below 0.5 the colour is dark and wants white text.
fn luminance([r, g, b]: Rgb) -> f64 {
    (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0
}

mod bars;
mod heatmap;
mod time;

#[cfg(test)]
mod tests;
