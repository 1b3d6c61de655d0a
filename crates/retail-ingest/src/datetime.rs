//! Timestamps as real exports write them: `2010-12-01 08:26:00`, `2010-12-01T08:26:00Z`,
//! `12/1/2010 8:26`, `11-08-2016`, `01.02.2011 14:05:09`, `1/2/11 3:04 PM`.
//!
//! Dates whose year comes last are ambiguous (`01/02/2011`): the day/month order comes from
//! the layout, the caller ([`DateOrder`]) or the data itself ([`DateOrderEvidence`]).

use std::fmt;

/// How to read a date whose year comes last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DateOrder {
    /// Use the layout's convention, else decide from the data (error when it cannot tell).
    #[default]
    Auto,
    /// `MM/DD/YYYY` (US exports).
    MonthFirst,
    /// `DD/MM/YYYY` (most of the world).
    DayFirst,
}

impl std::str::FromStr for DateOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(DateOrder::Auto),
            "month-first" | "mdy" | "us" => Ok(DateOrder::MonthFirst),
            "day-first" | "dmy" => Ok(DateOrder::DayFirst),
            other => Err(format!(
                "unknown date order '{other}': expected auto, month-first (MM/DD/YYYY) or day-first (DD/MM/YYYY)"
            )),
        }
    }
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateOrder::Auto => "auto",
            DateOrder::MonthFirst => "month-first",
            DateOrder::DayFirst => "day-first",
        })
    }
}

/// Why a timestamp did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampError {
    /// The text is not laid out as a date (and optional time).
    Layout,
    /// A part is out of its range (month 13, 31 April, hour 25, ...).
    OutOfRange,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimestampError::Layout => "not a date or date-time",
            TimestampError::OutOfRange => "date or time part out of range",
        })
    }
}

/// What one value says about the day/month order of year-last dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateOrderEvidence {
    /// The first part is above 12, so it must be the day.
    DayFirst,
    /// The second part is above 12, so the first must be the month.
    MonthFirst,
    /// Year-first or ambiguous: says nothing.
    None,
}

/// Reads what `text` says about the day/month order of slash and dash dates. Dotted dates
/// (`01.12.2010`) are always day-first, so they say nothing about the others.
pub fn date_order_evidence(text: &[u8]) -> DateOrderEvidence {
    let mut cursor = Cursor::new(trim(text));
    let Some((a, na)) = cursor.number() else {
        return DateOrderEvidence::None;
    };
    if na == 4 || cursor.peek() == b'.' || !cursor.date_separator() {
        return DateOrderEvidence::None;
    }
    let Some((b, _)) = cursor.number() else {
        return DateOrderEvidence::None;
    };
    match (a > 12, b > 12) {
        (true, false) => DateOrderEvidence::DayFirst,
        (false, true) => DateOrderEvidence::MonthFirst,
        _ => DateOrderEvidence::None,
    }
}

/// True for a slash or dash date whose year comes last (`01/02/2011`, `1-2-11`): the dates
/// whose day/month order needs deciding. Dotted dates are day-first and do not.
pub(crate) fn is_ambiguous_year_last(value: &[u8]) -> bool {
    let value = value.trim_ascii();
    let first = value.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=2).contains(&first) && matches!(value.get(first), Some(b'/' | b'-'))
}

/// Parses a timestamp into microseconds since 1970-01-01 00:00 (naive time; a trailing `Z`
/// or UTC offset converts the value to UTC). `order` decides year-last slash and dash
/// dates; with [`DateOrder::Auto`] one that is not resolved by its own values is an error.
/// Dotted year-last dates (`13.12.2010`) are always day-first, whatever `order` says: that
/// is the convention wherever dots are used. The year may be anything from 0 to 9999: the
/// caller bounds the range.
///
/// # Errors
/// [`TimestampError`] saying why the text is not a timestamp of the accepted range.
pub fn parse_timestamp_micros(text: &[u8], order: DateOrder) -> Result<i64, TimestampError> {
    let mut cursor = Cursor::new(trim(text));
    let (a, na) = cursor.number().ok_or(TimestampError::Layout)?;
    let separator = cursor.peek();
    if !cursor.date_separator() {
        return Err(TimestampError::Layout);
    }
    let (b, _) = cursor.number().ok_or(TimestampError::Layout)?;
    if cursor.peek() != separator {
        return Err(TimestampError::Layout);
    }
    cursor.bump();
    let (c, nc) = cursor.number().ok_or(TimestampError::Layout)?;
    let (year, month, day) = if na == 4 {
        (a as i64, b, c)
    } else if nc == 4 || nc == 2 {
        let year = if nc == 2 { two_digit_year(c) } else { c as i64 };
        let order = if separator == b'.' {
            DateOrder::DayFirst
        } else {
            order
        };
        let order = match (order, a > 12, b > 12) {
            (DateOrder::Auto, true, false) => DateOrder::DayFirst,
            (DateOrder::Auto, false, true) => DateOrder::MonthFirst,
            (DateOrder::Auto, false, false) if a == b => DateOrder::DayFirst,
            (DateOrder::Auto, _, _) => return Err(TimestampError::Layout),
            (given, _, _) => given,
        };
        match order {
            DateOrder::DayFirst => (year, b, a),
            _ => (year, a, b),
        }
    } else {
        return Err(TimestampError::Layout);
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(TimestampError::OutOfRange);
    }
    let days = days_from_civil(year, month, day);
    let mut micros = days * 86_400_000_000;

    if cursor.at_end() {
        return Ok(micros);
    }
    // Date and time are separated by `T` or spaces.
    match cursor.peek() {
        b'T' | b't' => cursor.bump(),
        b' ' => {
            while cursor.peek() == b' ' {
                cursor.bump();
            }
        }
        _ => return Err(TimestampError::Layout),
    }
    let (hour, nh) = cursor.number().ok_or(TimestampError::Layout)?;
    if nh > 2 || cursor.peek() != b':' {
        return Err(TimestampError::Layout);
    }
    cursor.bump();
    let (minute, nm) = cursor.number().ok_or(TimestampError::Layout)?;
    if nm != 2 {
        return Err(TimestampError::Layout);
    }
    let mut second = 0;
    let mut fraction_micros = 0i64;
    if cursor.peek() == b':' {
        cursor.bump();
        let (s, ns) = cursor.number().ok_or(TimestampError::Layout)?;
        if ns != 2 {
            return Err(TimestampError::Layout);
        }
        second = s;
        if cursor.peek() == b'.' || cursor.peek() == b',' {
            cursor.bump();
            let digits = cursor.digits();
            if digits.is_empty() {
                return Err(TimestampError::Layout);
            }
            let mut scale = 100_000i64;
            for &d in digits.iter().take(6) {
                fraction_micros += (d - b'0') as i64 * scale;
                scale /= 10;
            }
        }
    }
    let mut hour = hour;
    // Optional AM/PM marker.
    let rest = cursor.rest_trimmed_start();
    let (meridiem, rest) = strip_meridiem(rest);
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hour) {
            return Err(TimestampError::OutOfRange);
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (false, h) => h,
            (true, 12) => 12,
            (true, h) => h + 12,
        };
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(TimestampError::OutOfRange);
    }
    micros +=
        ((hour as i64 * 60 + minute as i64) * 60 + second as i64) * 1_000_000 + fraction_micros;
    micros -= utc_offset_micros(rest)?;
    Ok(micros)
}

fn strip_meridiem(rest: &[u8]) -> (Option<bool>, &[u8]) {
    if rest.len() >= 2 && rest[1].eq_ignore_ascii_case(&b'm') {
        match rest[0].to_ascii_lowercase() {
            b'a' => return (Some(false), &rest[2..]),
            b'p' => return (Some(true), &rest[2..]),
            _ => {}
        }
    }
    (None, rest)
}

/// `""`, `Z`, `+01:00`, `-0530`, `+01` → offset east of UTC in microseconds.
fn utc_offset_micros(rest: &[u8]) -> Result<i64, TimestampError> {
    let rest = trim(rest);
    match rest {
        [] => Ok(0),
        [b'Z' | b'z'] => Ok(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let digits: Vec<u8> = tail.iter().copied().filter(|&c| c != b':').collect();
            if !(digits.len() == 2 || digits.len() == 4) || !digits.iter().all(u8::is_ascii_digit) {
                return Err(TimestampError::Layout);
            }
            let hours = ((digits[0] - b'0') * 10 + (digits[1] - b'0')) as i64;
            let minutes = if digits.len() == 4 {
                ((digits[2] - b'0') * 10 + (digits[3] - b'0')) as i64
            } else {
                0
            };
            if hours > 18 || minutes > 59 {
                return Err(TimestampError::OutOfRange);
            }
            let offset = (hours * 60 + minutes) * 60_000_000;
            Ok(if *sign == b'-' { -offset } else { offset })
        }
        _ => Err(TimestampError::Layout),
    }
}

/// POSIX `strptime %y`: 69..99 are 1969..1999, 00..68 are 2000..2068.
fn two_digit_year(yy: u32) -> i64 {
    if yy >= 69 {
        1900 + yy as i64
    } else {
        2000 + yy as i64
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats microseconds since the epoch as `YYYY-MM-DD HH:MM:SS[.ffffff]`.
pub fn format_timestamp_micros(micros: i64) -> String {
    let days = micros.div_euclid(86_400_000_000);
    let within = micros.rem_euclid(86_400_000_000);
    let (y, m, d) = civil_from_days(days);
    let secs = within / 1_000_000;
    let frac = within % 1_000_000;
    let base = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if frac == 0 {
        base
    } else {
        format!("{base}.{frac:06}")
    }
}

fn trim(text: &[u8]) -> &[u8] {
    text.trim_ascii()
}

struct Cursor<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a [u8]) -> Self {
        Cursor { text, pos: 0 }
    }
    fn peek(&self) -> u8 {
        self.text.get(self.pos).copied().unwrap_or(0)
    }
    fn bump(&mut self) {
        self.pos += 1;
    }
    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }
    fn digits(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_ascii_digit() {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }
    /// Up to 9 digits as a number, with how many digits there were.
    fn number(&mut self) -> Option<(u32, usize)> {
        let digits = self.digits();
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        let value = digits
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + (d - b'0') as u32);
        Some((value, digits.len()))
    }
    fn date_separator(&mut self) -> bool {
        if matches!(self.peek(), b'-' | b'/' | b'.') {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn rest_trimmed_start(&self) -> &'a [u8] {
        self.text[self.pos.min(self.text.len())..].trim_ascii_start()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str, order: DateOrder) -> Result<String, TimestampError> {
        parse_timestamp_micros(text.as_bytes(), order).map(format_timestamp_micros)
    }

    #[test]
    fn reads_the_formats_real_exports_use() {
        let auto = DateOrder::Auto;
        assert_eq!(
            ts("2010-12-01 08:26:00", auto).unwrap(),
            "2010-12-01 08:26:00"
        );
        assert_eq!(
            ts("2010-12-01T08:26:00", auto).unwrap(),
            "2010-12-01 08:26:00"
        );
        assert_eq!(ts("2010-12-01", auto).unwrap(), "2010-12-01 00:00:00");
        assert_eq!(
            ts("12/1/2010 8:26", DateOrder::MonthFirst).unwrap(),
            "2010-12-01 08:26:00"
        );
        assert_eq!(
            ts("11-08-2016", DateOrder::MonthFirst).unwrap(),
            "2016-11-08 00:00:00"
        );
        assert_eq!(
            ts("11-08-2016", DateOrder::DayFirst).unwrap(),
            "2016-08-11 00:00:00"
        );
        assert_eq!(
            ts("01.02.2011 14:05:09", DateOrder::DayFirst).unwrap(),
            "2011-02-01 14:05:09"
        );
        assert_eq!(
            ts("1/2/11 3:04 PM", DateOrder::MonthFirst).unwrap(),
            "2011-01-02 15:04:00"
        );
        assert_eq!(
            ts("1/2/11 12:04 am", DateOrder::MonthFirst).unwrap(),
            "2011-01-02 00:04:00"
        );
        assert_eq!(
            ts("2011-06-30T23:59:59.25Z", auto).unwrap(),
            "2011-06-30 23:59:59.250000"
        );
        assert_eq!(
            ts("2011-07-01T01:30:00+02:00", auto).unwrap(),
            "2011-06-30 23:30:00"
        );
        assert_eq!(
            ts("  2011/07/01 01:30  ", auto).unwrap(),
            "2011-07-01 01:30:00"
        );
    }

    #[test]
    fn auto_order_decides_only_when_the_value_itself_tells() {
        assert_eq!(
            ts("25/12/2010", DateOrder::Auto).unwrap(),
            "2010-12-25 00:00:00"
        );
        assert_eq!(
            ts("12/25/2010", DateOrder::Auto).unwrap(),
            "2010-12-25 00:00:00"
        );
        assert_eq!(
            ts("05/05/2010", DateOrder::Auto).unwrap(),
            "2010-05-05 00:00:00"
        );
        assert_eq!(
            ts("01/02/2010", DateOrder::Auto),
            Err(TimestampError::Layout)
        );
        assert_eq!(
            date_order_evidence(b"25/12/2010"),
            DateOrderEvidence::DayFirst
        );
        assert_eq!(
            date_order_evidence(b"12/25/2010 10:00"),
            DateOrderEvidence::MonthFirst
        );
        assert_eq!(date_order_evidence(b"01/02/2010"), DateOrderEvidence::None);
        assert_eq!(date_order_evidence(b"2010-12-25"), DateOrderEvidence::None);
    }

    #[test]
    fn dotted_dates_are_day_first_whatever_the_order() {
        for order in [DateOrder::Auto, DateOrder::MonthFirst, DateOrder::DayFirst] {
            assert_eq!(
                ts("13.12.2010 08:26", order).unwrap(),
                "2010-12-13 08:26:00"
            );
            assert_eq!(ts("01.12.2010", order).unwrap(), "2010-12-01 00:00:00");
            assert_eq!(ts("12.13.2010", order), Err(TimestampError::OutOfRange));
        }
        // Slash dates still follow the order given.
        assert_eq!(
            ts("01/12/2010", DateOrder::MonthFirst).unwrap(),
            "2010-01-12 00:00:00"
        );
        assert_eq!(date_order_evidence(b"13.12.2010"), DateOrderEvidence::None);
        assert!(!is_ambiguous_year_last(b"01.12.2010"));
        assert!(is_ambiguous_year_last(b"01/12/2010 10:00"));
        assert!(is_ambiguous_year_last(b"1-12-10"));
        assert!(!is_ambiguous_year_last(b"2010-12-01"));
    }

    #[test]
    fn rejects_impossible_and_malformed_values() {
        let auto = DateOrder::Auto;
        for bad in [
            "",
            "yesterday",
            "2010-13-01",
            "2010-02-30",
            "2011-02-29",
            "2010-12-01 24:00",
            "2010-12-01 10:61",
            "2010-12-01 10:00:00 +25:00",
            "2010-12-01x",
            "2010-12/01",
            "13/13/2010",
            "2010-12-01 1:2",
            "20101-12-01",
            "1/2/345",
        ] {
            assert!(ts(bad, auto).is_err(), "{bad} should not parse");
        }
        assert_eq!(ts("2012-02-29", auto).unwrap(), "2012-02-29 00:00:00");
        assert_eq!(ts("2000-02-29", auto).unwrap(), "2000-02-29 00:00:00");
        assert!(ts("1900-02-29", auto).is_err());
    }

    #[test]
    fn civil_conversion_matches_known_epoch_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2010, 12, 1), 14_944);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in [-800_000, -1, 0, 14_944, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
