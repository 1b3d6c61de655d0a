//! Heatmaps with sequential and diverging colour scales.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Scale {
    /// The fill of a finite value.
    pub(super) fn color(self, v: f64) -> Rgb {
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
