//! Time charts: lines, bands and markers over dates.

#[allow(clippy::wildcard_imports)]
use super::*;

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
