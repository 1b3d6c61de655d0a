//! Numbers as people read them: thousands separators, money with two decimals, percentages,
//! counts with their noun. One place for the dashboard and the CLI's tables.

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

/// A string of digits with a comma every three from the right: `1234` → `1,234`.
pub fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1` → `1 order`, `1234` → `1,234 orders`: a count with its noun in the right number
/// (`noun` is singular; the plural adds an s).
pub fn counted(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", int(n))
    }
}

/// A signed integer with thousands separators.
pub fn int(n: i64) -> String {
    if n < 0 {
        format!("-{}", thousands(n.unsigned_abs()))
    } else {
        thousands(n as u64)
    }
}

/// Money with two decimals and thousands separators: `-1,234.50`.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let cents = (x.abs() * 100.0).round();
    let whole = (cents / 100.0).trunc();
    let frac = cents - whole * 100.0;
    let sign = if x < 0.0 && cents > 0.0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        group_digits(&format!("{whole:.0}")),
        frac as u64
    )
}

/// Optional money; `–` for null.
pub fn opt_money(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), money)
}

/// A ratio as a percentage with one decimal; `–` for null.
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// A plain number with two decimals; `–` for null.
pub fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"))
}

/// `1087908.4699999911` → `1087908.47`: ten significant digits, trailing zeros dropped;
/// scientific notation below 1e-6 and from 1e15.
pub fn float_for_people(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return x.to_string();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-6..15).contains(&magnitude) {
        let text = format!("{x:.9e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let decimals = (9 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_keep_ten_significant_digits() {
        assert_eq!(float_for_people(1_087_908.469_999_991_1), "1087908.47");
        assert_eq!(float_for_people(0.1 + 0.2), "0.3");
        assert_eq!(float_for_people(2.5), "2.5");
        assert_eq!(float_for_people(-42.0), "-42");
        assert_eq!(float_for_people(0.0), "0");
        assert_eq!(float_for_people(1.234_567_890_12e-7), "1.23456789e-7");
        assert_eq!(float_for_people(2e15), "2e15");
        assert_eq!(float_for_people(f64::NAN), "NaN");
    }

    #[test]
    fn formats_money_and_percentages() {
        assert_eq!(money(1_874_363.261), "1,874,363.26");
        assert_eq!(money(-101_939.6), "-101,939.60");
        assert_eq!(money(0.004), "0.00");
        assert_eq!(money(-0.004), "0.00");
        assert_eq!(money(999.996), "1,000.00");
        assert_eq!(pct(Some(0.66399)), "66.4%");
        assert_eq!(pct(None), "–");
        assert_eq!(int(-1_234), "-1,234");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(541_909), "541,909");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn counts_take_the_noun_in_the_right_number() {
        assert_eq!(counted(1, "order"), "1 order");
        assert_eq!(counted(0, "order"), "0 orders");
        assert_eq!(counted(2, "unit"), "2 units");
        assert_eq!(counted(1234, "customer"), "1,234 customers");
        assert_eq!(counted(-3, "unit"), "-3 units");
    }
}
