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
    pub name: String,
    pub dates: Vec<NaiveDate>,
    pub values: Vec<Option<f64>>,
    pub color: &'static str,
    pub dashed: bool,
    /// Stroke width in px (2 for main lines, 1.5 for secondary).
    pub width: f64,
}

/// A shaded band between two curves (a prediction interval).
#[derive(Debug, Clone)]
pub struct Band {
    pub name: String,
    pub dates: Vec<NaiveDate>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub color: &'static str,
    pub opacity: f64,
}

/// A highlighted point (a peak).
#[derive(Debug, Clone)]
pub struct Marker {
    pub date: NaiveDate,
    pub value: f64,
    /// Tooltip text (escaped by the chart).
    pub label: String,
}

/// A time chart: lines, bands and markers over a date axis.
#[derive(Debug, Clone)]
pub struct TimeChart {
    /// Stable id, used as `data-chart` (ASCII, no spaces).
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub unit: Unit,
    pub lines: Vec<Line>,
    pub bands: Vec<Band>,
    pub markers: Vec<Marker>,
    /// Legend name of the markers (e.g. "peak week"); no legend entry when empty.
    pub marker_name: String,
    /// A vertical dashed rule with a small label (e.g. where the forecast starts).
    pub rule: Option<(NaiveDate, String)>,
}

/// Horizontal bars, one per labelled row, top to bottom in the given order.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub id: String,
    pub title: String,
    /// Label of the value axis (with the unit), e.g. "Completed revenue (£)".
    pub x_label: String,
    /// Label of the category axis, e.g. "Customer".
    pub y_label: String,
    pub unit: Unit,
    /// (row label, value, tooltip). Negative values grow left of a zero line.
    pub bars: Vec<(String, f64, String)>,
    pub color: &'static str,
    /// Colour of negative bars.
    pub negative_color: &'static str,
}

/// Vertical grouped columns: categories along x, one column per series in each group.
#[derive(Debug, Clone)]
pub struct ColumnChart {
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub unit: Unit,
    pub categories: Vec<String>,
    /// (series name, one value per category, colour). One series: no legend.
    pub series: Vec<(String, Vec<f64>, &'static str)>,
}

/// Colour scale of a heatmap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// From white (0 or the minimum) to dark blue (the maximum).
    Sequential { min: f64, max: f64 },
    /// Red below zero, white at zero, blue above; saturates at ±`limit`.
    Diverging { limit: f64 },
}

/// A matrix of coloured cells with the value written in each (blank for None).
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub unit: Unit,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// values[row][column].
    pub values: Vec<Vec<Option<f64>>>,
    /// (row, column) tooltip text; empty = the formatted value.
    pub tooltips: Vec<Vec<String>>,
    pub scale: Scale,
    /// Legend caption, e.g. "share of the cohort buying again".
    pub legend: String,
}

impl TimeChart {
    /// The SVG.
    pub fn render(&self) -> String {
        let height = 340.0;
        let area = Area {
            left: 64.0,
            top: 52.0,
            right: PLOT_RIGHT,
            bottom: height - 52.0,
        };
        let mut out = open(&self.id, &self.title, height);
        match (min_max(self.plotted_values()), self.date_range()) {
            (Some((lo, hi)), Some((first, last))) => {
                self.write_legend(&mut out);
                let axis = ValueAxis::new(lo.min(0.0), hi, (area.bottom, area.top));
                y_ticks(&mut out, area, &axis, self.unit);
                let x = Linear {
                    d0: day_number(first),
                    d1: day_number(last),
                    r0: area.left,
                    r1: area.right,
                };
                date_axis(&mut out, area, x, (first, last));
                self.write_data(&mut out, area, TimePlot { x, y: axis.scale });
            }
            _ => no_data(&mut out, area.mid_x(), area.mid_y()),
        }
        let x_at = (area.mid_x(), height - 12.0);
        axis_labels(&mut out, &self.x_label, x_at, &self.y_label, area.mid_y());
        close(out)
    }

    /// Every value that is drawn (line points, band edges, markers), finite or not.
    fn plotted_values(&self) -> impl Iterator<Item = f64> {
        let lines = self
            .lines
            .iter()
            .flat_map(|line| line.values.iter().take(line.dates.len()).flatten().copied());
        let bands = self.bands.iter().flat_map(|band| {
            let n = band.dates.len();
            band.lower
                .iter()
                .take(n)
                .chain(band.upper.iter().take(n))
                .copied()
        });
        let markers = self.markers.iter().map(|marker| marker.value);
        lines.chain(bands).chain(markers)
    }

    /// The earliest and the latest date of the lines, bands, markers and rule.
    fn date_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let lines = self
            .lines
            .iter()
            .flat_map(|line| line.dates.iter().copied());
        let bands = self
            .bands
            .iter()
            .flat_map(|band| band.dates.iter().copied());
        let markers = self.markers.iter().map(|marker| marker.date);
        let rule = self.rule.iter().map(|(date, _)| *date);
        lines
            .chain(bands)
            .chain(markers)
            .chain(rule)
            .fold(None::<(NaiveDate, NaiveDate)>, |range, d| {
                Some(range.map_or((d, d), |(lo, hi)| (lo.min(d), hi.max(d))))
            })
    }

    /// Legend of the named lines and bands and of the markers: with two entries or more, or
    /// whenever the markers are named.
    fn write_legend(&self, out: &mut String) {
        let mut entries: Vec<(&str, Swatch)> = self
            .lines
            .iter()
            .filter(|line| !line.name.is_empty())
            .map(|line| {
                let swatch = Swatch::Line {
                    color: line.color,
                    dashed: line.dashed,
                };
                (line.name.as_str(), swatch)
            })
            .collect();
        entries.extend(
            self.bands
                .iter()
                .filter(|band| !band.name.is_empty())
                .map(|band| {
                    let swatch = Swatch::Block {
                        color: band.color,
                        opacity: band_opacity(band),
                    };
                    (band.name.as_str(), swatch)
                }),
        );
        let markers = !self.marker_name.is_empty() && !self.markers.is_empty();
        if markers {
            entries.push((self.marker_name.as_str(), Swatch::Dot));
        }
        if entries.len() >= 2 || markers {
            legend(out, &entries);
        }
    }

    /// Bands, then lines, then markers, then the rule.
    fn write_data(&self, out: &mut String, area: Area, plot: TimePlot) {
        for band in &self.bands {
            band_svg(out, band, plot);
        }
        for line in &self.lines {
            line_svg(out, line, plot);
        }
        for marker in self
            .markers
            .iter()
            .filter(|marker| marker.value.is_finite())
        {
            let (cx, cy) = plot.point(marker.date, marker.value);
            let tip = escape(&marker.label);
            let _ = write!(
                out,
                r#"<circle class="marker" cx="{cx:.1}" cy="{cy:.1}" r="4" fill="{MARKER_COLOR}" stroke="{WHITE}" stroke-width="1.5"><title>{tip}</title></circle>"#
            );
        }
        if let Some((date, text)) = &self.rule {
            rule_svg(out, area, plot.x_at(*date), text);
        }
    }
}

impl BarChart {
    /// The SVG.
    pub fn render(&self) -> String {
        let rows = self.bars.len() as f64;
        let height = (84.0 + BAR_ROW * rows).max(160.0);
        let area = Area {
            left: BAR_LEFT,
            top: BAR_TOP,
            right: WIDTH - 24.0,
            bottom: BAR_TOP + BAR_ROW * rows,
        };
        let mut out = open(&self.id, &self.title, height);
        match min_max(self.bars.iter().map(|bar| bar.1)) {
            Some((lo, hi)) => {
                let axis = ValueAxis::new(lo.min(0.0), hi.max(0.0), (area.left, area.right));
                x_ticks(&mut out, area, &axis, self.unit);
                for (index, bar) in self.bars.iter().enumerate() {
                    self.write_bar(&mut out, index, bar, &axis);
                }
                let zero = axis.scale.at(0.0);
                let (top, bottom) = (area.top, area.bottom);
                let _ = write!(
                    out,
                    r#"<line class="zero" x1="{zero:.1}" y1="{top:.1}" x2="{zero:.1}" y2="{bottom:.1}" stroke="{AXIS_COLOR}" />"#
                );
            }
            None => no_data(&mut out, area.mid_x(), height / 2.0),
        }
        let x_at = (area.mid_x(), height - 10.0);
        axis_labels(&mut out, &self.x_label, x_at, &self.y_label, height / 2.0);
        close(out)
    }

    /// One row: its label, its bar (with tooltip) and its value.
    fn write_bar(
        &self,
        out: &mut String,
        index: usize,
        (label, value, tooltip): &(String, f64, String),
        axis: &ValueAxis,
    ) {
        let top = BAR_TOP + BAR_ROW * index as f64;
        let text_y = top + BAR_ROW / 2.0 + 4.0;
        let label_x = BAR_LEFT - 8.0;
        let attrs = format!(
            r#"class="row-label" x="{label_x:.1}" y="{text_y:.1}" text-anchor="end" font-size="11" fill="{TEXT_COLOR}""#
        );
        write_text(out, &attrs, label, 34);
        let value = *value;
        if !value.is_finite() {
            return;
        }
        let zero = axis.scale.at(0.0);
        let end = axis.scale.at(value);
        let (x, width) = (zero.min(end), (end - zero).abs());
        let bar_y = top + 4.0;
        let fill = if value < 0.0 {
            self.negative_color
        } else {
            self.color
        };
        let shown = value_label(value, self.unit);
        let tip = if tooltip.is_empty() {
            escape(&format!("{label}: {shown}"))
        } else {
            escape(tooltip)
        };
        let _ = write!(
            out,
            r#"<rect class="bar" x="{x:.1}" y="{bar_y:.1}" width="{width:.1}" height="18" fill="{fill}"><title>{tip}</title></rect>"#
        );
        let (tx, anchor, ink) = bar_value_position(zero, end, text_width(&shown) + 4.0);
        let _ = write!(
            out,
            r#"<text class="value" x="{tx:.1}" y="{text_y:.1}" text-anchor="{anchor}" font-size="11" fill="{ink}" pointer-events="none">{}</text>"#,
            escape(&shown)
        );
    }
}

/// Where a bar's value goes (x, text-anchor, fill): past the bar's far end when it fits in the
/// chart, else inside the bar in white, else on the other side of the zero line.
fn bar_value_position(zero: f64, end: f64, room: f64) -> (f64, &'static str, &'static str) {
    let inside = (end - zero).abs() >= room;
    if end < zero {
        if end - room >= BAR_LEFT {
            (end - 4.0, "end", TEXT_COLOR)
        } else if inside {
            (end + 4.0, "start", WHITE)
        } else {
            (zero + 4.0, "start", TEXT_COLOR)
        }
    } else if end + room <= WIDTH - 4.0 {
        (end + 4.0, "start", TEXT_COLOR)
    } else if inside {
        (end - 4.0, "end", WHITE)
    } else {
        (zero - 4.0, "end", TEXT_COLOR)
    }
}

impl ColumnChart {
    /// The SVG.
    pub fn render(&self) -> String {
        let height = 340.0;
        let n = self.categories.len();
        let rotate = n > 8 || self.categories.iter().any(|c| c.chars().count() > 10);
        let bottom = if rotate {
            height - 100.0
        } else {
            height - 52.0
        };
        let area = Area {
            left: 64.0,
            top: 52.0,
            right: PLOT_RIGHT,
            bottom,
        };
        let mut out = open(&self.id, &self.title, height);
        let values = self
            .series
            .iter()
            .flat_map(|(_, values, _)| values.iter().take(n).copied());
        match min_max(values) {
            Some((lo, hi)) => {
                self.write_legend(&mut out);
                let axis = ValueAxis::new(lo.min(0.0), hi.max(0.0), (area.bottom, area.top));
                y_ticks(&mut out, area, &axis, self.unit);
                self.write_columns(&mut out, area, &axis);
                let zero = axis.scale.at(0.0);
                let (left, right) = (area.left, area.right);
                let _ = write!(
                    out,
                    r#"<line class="zero" x1="{left:.1}" y1="{zero:.1}" x2="{right:.1}" y2="{zero:.1}" stroke="{AXIS_COLOR}" />"#
                );
                self.write_categories(&mut out, area, rotate);
            }
            None => no_data(&mut out, area.mid_x(), area.mid_y()),
        }
        let x_at = (area.mid_x(), height - 10.0);
        axis_labels(&mut out, &self.x_label, x_at, &self.y_label, area.mid_y());
        close(out)
    }

    /// Legend of the named series, when there are two or more.
    fn write_legend(&self, out: &mut String) {
        let entries: Vec<(&str, Swatch)> = self
            .series
            .iter()
            .filter(|(name, _, _)| !name.is_empty())
            .map(|(name, _, color)| {
                (
                    name.as_str(),
                    Swatch::Block {
                        color,
                        opacity: 1.0,
                    },
                )
            })
            .collect();
        if entries.len() >= 2 {
            legend(out, &entries);
        }
    }

    /// One column per series and category, from the zero line, each with its tooltip.
    fn write_columns(&self, out: &mut String, area: Area, axis: &ValueAxis) {
        let slot = area.width() / self.categories.len() as f64;
        let column_w = slot * 0.8 / self.series.len().max(1) as f64;
        let zero = axis.scale.at(0.0);
        out.push_str(r#"<g class="columns">"#);
        for (s, (name, values, color)) in self.series.iter().enumerate() {
            for ((i, category), &value) in self.categories.iter().enumerate().zip(values) {
                if !value.is_finite() {
                    continue;
                }
                let x = area.left + slot * (i as f64 + 0.1) + column_w * s as f64;
                let end = axis.scale.at(value);
                let (y, h) = (end.min(zero), (end - zero).abs());
                let shown = value_label(value, self.unit);
                let tip = if name.is_empty() {
                    escape(&format!("{category}: {shown}"))
                } else {
                    escape(&format!("{category} · {name}: {shown}"))
                };
                let _ = write!(
                    out,
                    r#"<rect class="column" x="{x:.1}" y="{y:.1}" width="{column_w:.1}" height="{h:.1}" fill="{color}"><title>{tip}</title></rect>"#
                );
            }
        }
        out.push_str("</g>");
    }

    /// Category labels under the axis: rotated when many or long, every k-th when very many.
    fn write_categories(&self, out: &mut String, area: Area, rotate: bool) {
        let n = self.categories.len();
        let every = if n > 40 { n.div_ceil(20) } else { 1 };
        let slot = area.width() / n as f64;
        let (y, anchor) = if rotate {
            (area.bottom + 12.0, "end")
        } else {
            (area.bottom + 16.0, "middle")
        };
        let _ = write!(
            out,
            r#"<g class="categories" font-size="11" fill="{TEXT_COLOR}" text-anchor="{anchor}">"#
        );
        let shown = self
            .categories
            .iter()
            .enumerate()
            .filter(|(i, _)| i.is_multiple_of(every));
        for (i, category) in shown {
            let x = area.left + slot * (i as f64 + 0.5);
            if rotate {
                // A label at -35° runs down to the left: keep it inside the chart.
                let room = ((x - 4.0) / (CHAR_W * 0.82)) as usize;
                let attrs =
                    format!(r#"x="{x:.1}" y="{y:.1}" transform="rotate(-35 {x:.1} {y:.1})""#);
                write_text(out, &attrs, category, room.clamp(3, 18));
            } else {
                write_text(out, &format!(r#"x="{x:.1}" y="{y:.1}""#), category, 12);
            }
        }
        out.push_str("</g>");
    }
}

impl Scale {
    /// The fill of a finite value.
    fn color(self, v: f64) -> Rgb {
        match self {
            Scale::Sequential { min, max } => {
                let span = max - min;
                let t = if span > 0.0 {
                    clamp_unit((v - min) / span)
                } else {
                    0.5
                };
                if t < 0.5 {
                    mix(SEQ_LOW, SEQ_MID, t * 2.0)
                } else {
                    mix(SEQ_MID, SEQ_HIGH, t * 2.0 - 1.0)
                }
            }
            Scale::Diverging { limit } => {
                let t = if limit > 0.0 {
                    v / limit
                } else if v == 0.0 {
                    0.0
                } else {
                    v.signum()
                };
                let t = if t.is_nan() { 0.0 } else { t.clamp(-1.0, 1.0) };
                if t < 0.0 {
                    mix(DIV_ZERO, DIV_NEG, -t)
                } else {
                    mix(DIV_ZERO, DIV_POS, t)
                }
            }
        }
    }
}

impl Heatmap {
    /// The SVG.
    pub fn render(&self) -> String {
        if !self.has_values() {
            let height = 160.0;
            let mut out = open(&self.id, &self.title, height);
            no_data(&mut out, WIDTH / 2.0, height / 2.0);
            let x_at = (WIDTH / 2.0, height - 10.0);
            axis_labels(&mut out, &self.x_label, x_at, &self.y_label, height / 2.0);
            return close(out);
        }
        let columns = self.columns.len() as f64;
        let cell_w = ((PLOT_RIGHT - HEAT_LEFT) / columns).min(56.0);
        let rotate = self.columns.len() > 12;
        let top = 36.0 + self.header_height(rotate);
        let bottom = top + CELL_H * self.rows.len() as f64;
        // Room for the rotated y label even when there are few rows.
        let height = (bottom + 66.0).max(top + 200.0);
        let mut out = open(&self.id, &self.title, height);
        self.write_column_labels(&mut out, cell_w, top, rotate);
        self.write_row_labels(&mut out, top);
        out.push_str(r#"<g class="cells">"#);
        for (r, row) in self.rows.iter().enumerate() {
            let y = top + CELL_H * r as f64;
            for (c, column) in self.columns.iter().enumerate() {
                let x = HEAT_LEFT + cell_w * c as f64;
                self.write_cell(
                    &mut out,
                    (r, c),
                    (row.as_str(), column.as_str()),
                    (x, y, cell_w),
                );
            }
        }
        out.push_str("</g>");
        let x_at = (HEAT_LEFT + cell_w * columns / 2.0, bottom + 18.0);
        axis_labels(
            &mut out,
            &self.x_label,
            x_at,
            &self.y_label,
            (top + height) / 2.0 - 20.0,
        );
        self.write_color_legend(&mut out, bottom + 30.0);
        close(out)
    }

    /// The finite value of a cell (None when missing, out of the matrix or not finite).
    fn value(&self, row: usize, column: usize) -> Option<f64> {
        self.values
            .get(row)?
            .get(column)
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    }

    /// Whether any labelled cell holds a finite value.
    fn has_values(&self) -> bool {
        (0..self.rows.len()).any(|r| (0..self.columns.len()).any(|c| self.value(r, c).is_some()))
    }

    /// Room above the grid for the column labels.
    fn header_height(&self, rotate: bool) -> f64 {
        if rotate {
            let longest = self.columns.iter().map(|c| c.chars().count().min(18)).max();
            12.0 + longest.unwrap_or(0) as f64 * CHAR_W * 0.71
        } else {
            20.0
        }
    }

    /// Column labels above the grid, rotated -45° when there are many columns.
    fn write_column_labels(&self, out: &mut String, cell_w: f64, top: f64, rotate: bool) {
        let y = top - 6.0;
        let anchor = if rotate { "start" } else { "middle" };
        let _ = write!(
            out,
            r#"<g class="column-labels" font-size="11" fill="{TEXT_COLOR}" text-anchor="{anchor}">"#
        );
        for (c, column) in self.columns.iter().enumerate() {
            let x = HEAT_LEFT + cell_w * (c as f64 + 0.5);
            if rotate {
                // A label at -45° runs up to the right: keep it inside the chart.
                let room = ((WIDTH - 4.0 - x) / (CHAR_W * 0.71)) as usize;
                let attrs =
                    format!(r#"x="{x:.1}" y="{y:.1}" transform="rotate(-45 {x:.1} {y:.1})""#);
                write_text(out, &attrs, column, room.clamp(3, 18));
            } else {
                let room = (cell_w / CHAR_W) as usize;
                write_text(
                    out,
                    &format!(r#"x="{x:.1}" y="{y:.1}""#),
                    column,
                    room.max(3),
                );
            }
        }
        out.push_str("</g>");
    }

    /// Row labels right-aligned left of the grid.
    fn write_row_labels(&self, out: &mut String, top: f64) {
        let x = HEAT_LEFT - 6.0;
        let _ = write!(
            out,
            r#"<g class="row-labels" font-size="11" fill="{TEXT_COLOR}" text-anchor="end">"#
        );
        for (r, row) in self.rows.iter().enumerate() {
            let y = top + CELL_H * (r as f64 + 0.5) + 4.0;
            write_text(out, &format!(r#"x="{x:.1}" y="{y:.1}""#), row, 20);
        }
        out.push_str("</g>");
    }

    /// One cell: its coloured rect with tooltip and, when wide enough, its value.
    fn write_cell(
        &self,
        out: &mut String,
        (r, c): (usize, usize),
        (row, column): (&str, &str),
        (x, y, w): (f64, f64, f64),
    ) {
        let value = self.value(r, c);
        let custom = self
            .tooltips
            .get(r)
            .and_then(|tips| tips.get(c))
            .filter(|tip| !tip.is_empty());
        let tip = match (custom, value) {
            (Some(tip), _) => escape(tip),
            (None, Some(v)) => escape(&format!("{row} · {column}: {}", value_label(v, self.unit))),
            (None, None) => escape(&format!("{row} · {column}: no value")),
        };
        let rgb = value.map(|v| self.scale.color(v));
        let fill = match rgb {
            Some(rgb) => hex(rgb),
            None => MISSING_COLOR.to_string(),
        };
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{CELL_H}" fill="{fill}" stroke="{WHITE}" stroke-width="1"><title>{tip}</title></rect>"#
        );
        let (Some(v), Some(rgb)) = (value, rgb) else {
            return;
        };
        if w < 34.0 {
            return;
        }
        let (tx, ty) = (x + w / 2.0, y + CELL_H / 2.0 + 3.5);
        let ink = if luminance(rgb) < 0.5 {
            WHITE
        } else {
            DARK_TEXT
        };
        let text = escape(&cell_label(v, self.unit));
        let _ = write!(
            out,
            r#"<text x="{tx:.1}" y="{ty:.1}" text-anchor="middle" font-size="10" fill="{ink}" pointer-events="none">{text}</text>"#
        );
    }

    /// A bar of colour steps across the scale, its end (and zero) labels and the caption.
    fn write_color_legend(&self, out: &mut String, y: f64) {
        let (lo, hi) = match self.scale {
            Scale::Sequential { min, max } => (min, max),
            Scale::Diverging { limit } => {
                let limit = limit.abs();
                (-limit, limit)
            }
        };
        let _ = write!(
            out,
            r#"<g class="color-legend" font-size="11" fill="{TEXT_COLOR}">"#
        );
        for i in 0..LEGEND_STEPS {
            let t = (i as f64 + 0.5) / LEGEND_STEPS as f64;
            let fill = hex(self.scale.color(lo + (hi - lo) * t));
            let x = HEAT_LEFT + LEGEND_SWATCH * i as f64;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{LEGEND_SWATCH}" height="10" fill="{fill}" />"#
            );
        }
        let end = HEAT_LEFT + LEGEND_SWATCH * LEGEND_STEPS as f64;
        let ty = y + 22.0;
        let zero = matches!(self.scale, Scale::Diverging { .. }).then_some((
            0.0,
            (HEAT_LEFT + end) / 2.0,
            "middle",
        ));
        let ticks = [Some((lo, HEAT_LEFT, "start")), zero, Some((hi, end, "end"))];
        for (v, x, anchor) in ticks.into_iter().flatten() {
            let attrs = format!(r#"x="{x:.1}" y="{ty:.1}" text-anchor="{anchor}""#);
            write_text(out, &attrs, &tick_label(v, self.unit), 16);
        }
        let (cx, cy) = (end + 12.0, y + 9.0);
        write_text(
            out,
            &format!(r#"x="{cx:.1}" y="{cy:.1}""#),
            &self.legend,
            50,
        );
        out.push_str("</g>");
    }
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
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    for (i, digit) in int.bytes().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(char::from(digit));
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
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

#[cfg(test)]
mod tests {
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

    fn column_chart(
        categories: &[&str],
        series: Vec<(String, Vec<f64>, &'static str)>,
    ) -> ColumnChart {
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
}
