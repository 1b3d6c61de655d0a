//! The weekly forecasts.

use retail_forecast::Measure;

#[allow(clippy::wildcard_imports)]
use super::*;

// ------------------------------------------------------------------------------------------
// Forecast
// ------------------------------------------------------------------------------------------

pub(super) fn forecast(html: &mut String, id: &str, d: &Dashboard, panel: &ForecastPanel) {
    section_start(html, id, "forecast", "Forecast");
    if let Some(note) = &panel.note {
        note_card(html, note);
    }
    for (i, s) in panel.series.iter().enumerate() {
        let r = &s.result;
        let history_weeks = s.periods.len().min(104);
        let skip = s.periods.len() - history_weeks;
        let mut lines = vec![Line {
            name: "actual".into(),
            dates: s.periods[skip..].to_vec(),
            values: s.values[skip..].iter().map(|&v| Some(v)).collect(),
            color: BLUE,
            dashed: false,
            width: 1.8,
        }];
        // The forecast line starts at the last actual week so the two join.
        let mut dates = vec![*s.periods.last().unwrap_or(&s.future[0])];
        dates.extend(&s.future);
        let mut values = vec![s.values.last().copied()];
        values.extend(r.forecast.point.iter().map(|&v| Some(v)));
        lines.push(Line {
            name: format!("forecast: {}", r.model),
            dates,
            values,
            color: ORANGE,
            dashed: true,
            width: 2.0,
        });
        let bands = r
            .forecast
            .intervals
            .iter()
            .rev()
            .map(|interval| Band {
                name: format!("{:.0}% interval", 100.0 * interval.level),
                dates: s.future.clone(),
                lower: interval.lower.clone(),
                upper: interval.upper.clone(),
                color: ORANGE,
                opacity: if interval.level >= 0.9 { 0.15 } else { 0.3 },
            })
            .collect();
        let units = s.measure == Measure::Units;
        let title = if units {
            "Weekly units forecast: total".to_string()
        } else if s.key == "total" {
            "Weekly sales forecast: total".to_string()
        } else {
            format!("Weekly sales forecast: {} {}", panel.group_by, s.key)
        };
        let chart_id = if units {
            format!("{id}-forecast-units")
        } else if i == 0 {
            format!("{id}-forecast-total")
        } else {
            format!("{id}-forecast-group-{i}")
        };
        // Plain words for the automatic choice: the combination by what it is, and how much
        // the calibration on earlier weeks widened the intervals.
        let model = match r
            .model
            .strip_prefix("Mean(")
            .and_then(|m| m.strip_suffix(')'))
        {
            Some(members) => format!("the average of {members}"),
            None => r.model.clone(),
        };
        let mut caption = format!(
            "Model chosen automatically, as the one that forecast earlier weeks of this history \
             best: {model}. {} weeks ahead with 80% and 95% prediction intervals; the last \
             {history_weeks} full weeks of history shown.",
            panel.horizon
        );
        let factor = |name: &str| {
            r.parameters
                .iter()
                .find(|p| p.name == name)
                .map_or(1.0, |p| p.value)
        };
        let (above, below) = (
            factor("interval_factor_above_0.8"),
            factor("interval_factor_below_0.8"),
        );
        // A side said to be widened only when the caption's one decimal shows it.
        let widened = |f: f64| f >= 1.05;
        let sides = match (widened(above), widened(below)) {
            (true, true) => Some(format!(
                "reach {above:.1} times as far above the forecast as the model's own and \
                 {below:.1} times as far below it"
            )),
            (true, false) => Some(format!(
                "reach {above:.1} times as far above the forecast as the model's own"
            )),
            (false, true) => Some(format!(
                "reach {below:.1} times as far below the forecast as the model's own"
            )),
            (false, false) => None,
        };
        if let Some(sides) = sides {
            let _ = write!(
                caption,
                " The intervals {sides}, so that they would have held 80% and 95% of those \
                 earlier weeks."
            );
        }
        if let Some(reason) = &r.fallback {
            let _ = write!(caption, " Naive forecast used instead: {reason}.");
        }
        // Two full years are the least a model needs to tell a yearly season from noise.
        if i == 0 && s.periods.len() < 104 {
            let _ = write!(
                caption,
                " Only {} weeks of history: too short to learn a yearly season (two years are \
                 needed), so the forecast follows the recent level and trend and will not \
                 foresee a seasonal peak such as Christmas.",
                s.periods.len()
            );
        }
        // Floored here, or already by the model (the automatic choice floors its own).
        let cut_at_zero = s.floored > 0
            || r.forecast.point.contains(&0.0)
            || r.forecast.intervals.iter().any(|i| i.lower.contains(&0.0));
        if cut_at_zero {
            caption.push_str(if units {
                " Units cannot be negative: the forecast and its intervals are cut at zero \
                     where the model reaches below it."
            } else {
                " Sales cannot be negative: the forecast and its intervals are cut at zero \
                     where the model reaches below it."
            });
        }
        if i == 0 && !panel.partial_weeks.is_empty() {
            let _ = write!(
                caption,
                " Left out as partial weeks: {}.",
                panel
                    .partial_weeks
                    .iter()
                    .map(|&w| day(w))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        figure(
            html,
            &TimeChart {
                id: chart_id,
                title,
                x_label: "Week".into(),
                y_label: if units {
                    "Units sold".to_string()
                } else {
                    format!("Completed revenue{}", unit_suffix(d))
                },
                unit: if units { Unit::Count } else { money_unit(d) },
                lines,
                bands,
                markers: Vec::new(),
                marker_name: String::new(),
                rule: s.future.first().map(|&f| (f, "forecast".to_string())),
            }
            .render(),
            &caption,
        );
    }
    section_end(html);
}
