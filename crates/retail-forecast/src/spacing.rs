//! The spacing of a dated series' dates: the step the median spacing implies (a day, a week,
//! a calendar month, a quarter, a year, or a fixed number of days), and where the dates
//! depart from it: missing periods (a whole number of steps) or irregular spacing.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The step between consecutive dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// A fixed number of days (1 daily, 7 weekly).
    Days(i64),
    /// A number of calendar months (1 monthly, 3 quarterly, 12 yearly); the day of the month
    /// is free (first, last or any day).
    Months(i64),
}

impl Step {
    /// The step a median spacing of `days` implies.
    pub(crate) fn from_median_days(days: i64) -> Step {
        match days {
            28..=31 => Step::Months(1),
            89..=92 => Step::Months(3),
            365..=366 => Step::Months(12),
            d => Step::Days(d),
        }
    }

    fn name(self) -> String {
        match self {
            Step::Days(1) => "daily".into(),
            Step::Days(7) => "weekly".into(),
            Step::Months(1) => "monthly".into(),
            Step::Months(3) => "quarterly".into(),
            Step::Months(12) => "yearly".into(),
            Step::Days(d) => format!("{d}-day"),
            Step::Months(k) => format!("{k}-month"),
        }
    }

    /// How many steps lead from `a` to `b`, when `b` is a whole number of steps after `a`.
    fn steps(self, a: NaiveDate, b: NaiveDate) -> Option<i64> {
        let (distance, unit) = match self {
            Step::Days(d) => ((b - a).num_days(), d),
            Step::Months(k) => (month_index(b) - month_index(a), k),
        };
        (unit > 0 && distance > 0 && distance % unit == 0).then_some(distance / unit)
    }

    /// The date `k` steps after `a` (`None` past the calendar's end).
    fn after(self, a: NaiveDate, k: i64) -> Option<NaiveDate> {
        let k = u32::try_from(k).ok()?;
        match self {
            Step::Days(d) => {
                a.checked_add_days(chrono::Days::new(u64::try_from(d).ok()? * u64::from(k)))
            }
            Step::Months(m) => {
                a.checked_add_months(chrono::Months::new(u32::try_from(m).ok()?.checked_mul(k)?))
            }
        }
    }
}

fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// Where the dates of a series first depart from its regular spacing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Irregularity {
    /// 1-based line of the file with the first date that does not follow its predecessor by
    /// one step.
    pub line: u64,
    /// What is wrong there (missing periods or the spacing found).
    pub message: String,
    /// How many dates in all do not follow their predecessor by one step.
    pub count: usize,
}

/// The first departure of `dates` (strictly increasing, `lines[i]` the file line of
/// `dates[i]`) from `step`, with the number of departures; `None` for a regular series.
pub(crate) fn irregularity(dates: &[NaiveDate], lines: &[u64], step: Step) -> Option<Irregularity> {
    let mut first: Option<(usize, String)> = None;
    let mut count = 0;
    for i in 1..dates.len() {
        let (a, b) = (dates[i - 1], dates[i]);
        let steps = step.steps(a, b);
        if steps == Some(1) {
            continue;
        }
        count += 1;
        if first.is_some() {
            continue;
        }
        let message = match steps {
            Some(k) => format!(
                "{b} follows {a}: {} {} period{} missing (from {}); the series needs one row per \
                 period (a period without sales is a row with 0)",
                k - 1,
                step.name(),
                if k == 2 { " is" } else { "s are" },
                step.after(a, 1).map(|d| d.to_string()).unwrap_or_default()
            ),
            None => format!(
                "{b} follows {a} by {} days, which is not the series' {} spacing (the median \
                 of its dates); the series needs one row per period",
                (b - a).num_days(),
                step.name()
            ),
        };
        first = Some((i, message));
    }
    first.map(|(i, message)| Irregularity {
        line: lines[i],
        message,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn steps_follow_the_calendar() {
        assert_eq!(Step::from_median_days(1), Step::Days(1));
        assert_eq!(Step::from_median_days(30), Step::Months(1));
        assert_eq!(Step::from_median_days(91), Step::Months(3));
        assert_eq!(Step::from_median_days(365), Step::Months(12));
        assert_eq!(Step::from_median_days(14), Step::Days(14));
        // Month ends are one month apart whatever the days.
        let m = Step::Months(1);
        assert_eq!(m.steps(d("2020-01-31"), d("2020-02-29")), Some(1));
        assert_eq!(m.steps(d("2020-01-31"), d("2020-04-30")), Some(3));
        assert_eq!(m.steps(d("2020-01-01"), d("2020-01-15")), None);
        assert_eq!(
            Step::Days(7).steps(d("2020-01-06"), d("2020-01-27")),
            Some(3)
        );
        assert_eq!(Step::Days(7).steps(d("2020-01-06"), d("2020-01-10")), None);
        assert_eq!(
            Step::Months(3).after(d("2020-01-01"), 1),
            Some(d("2020-04-01"))
        );
    }

    #[test]
    fn the_first_departure_is_named_with_its_line() {
        let dates = [
            d("2020-01-01"),
            d("2020-02-01"),
            d("2020-05-01"),
            d("2020-06-01"),
            d("2020-06-20"),
        ];
        let lines = [2, 3, 4, 5, 7];
        let found = irregularity(&dates, &lines, Step::Months(1)).unwrap();
        assert_eq!(
            found,
            Irregularity {
                line: 4,
                message: "2020-05-01 follows 2020-02-01: 2 monthly periods are missing (from \
                          2020-03-01); the series needs one row per period (a period without \
                          sales is a row with 0)"
                    .into(),
                count: 2,
            }
        );
        let weekly = [d("2020-01-06"), d("2020-01-13"), d("2020-01-17")];
        let found = irregularity(&weekly, &[1, 2, 3], Step::Days(7)).unwrap();
        assert_eq!(found.line, 3);
        assert!(
            found.message.starts_with(
                "2020-01-17 follows 2020-01-13 by 4 days, which is not the series' weekly spacing"
            ),
            "{}",
            found.message
        );
        assert_eq!(irregularity(&weekly[..2], &[1, 2], Step::Days(7)), None);
    }
}
