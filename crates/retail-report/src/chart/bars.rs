//! Bar and column charts.

#[allow(clippy::wildcard_imports)]
use super::*;

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
