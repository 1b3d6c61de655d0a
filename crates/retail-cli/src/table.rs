//! Plain-text tables for people.

use std::fmt::Write;

use retail_ingest::{IngestReport, OptionalColumns, canonical_schema, canonical_schema_with};

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Rows of (label, value) with the labels padded to one width.
fn pairs(out: &mut String, rows: &[(&str, String)]) {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<width$}  {value}");
    }
}

/// One file's ingest report.
pub fn report(r: &IngestReport, seconds: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.source);
    let mut rows = vec![
        ("format", r.format.to_string()),
        ("layout", r.layout.clone()),
    ];
    if let Some(encoding) = &r.encoding {
        rows.push(("encoding", encoding.clone()));
    }
    if let Some(d) = r.delimiter {
        rows.push(("delimiter", format!("{:?}", d)));
    }
    rows.push(("date order", r.date_order.to_string()));
    rows.push(("rows read", thousands(r.rows_read)));
    rows.push(("accepted", thousands(r.rows_accepted)));
    rows.push(("rejected", thousands(r.rows_rejected)));
    for (kind, n) in &r.accepted_by_kind {
        rows.push(match kind {
            retail_ingest::LineKind::Sale => ("  sale lines", thousands(*n)),
            retail_ingest::LineKind::Cancellation => ("  cancellation lines", thousands(*n)),
            retail_ingest::LineKind::Adjustment => ("  adjustment lines", thousands(*n)),
        });
    }
    for (reason, n) in &r.rejected_by_reason {
        let label: &'static str = reason.describe();
        rows.push((label, thousands(*n)));
    }
    if !r.optional_columns.is_empty() {
        rows.push(("optional columns", r.optional_columns.join(", ")));
    }
    if r.blank_lines > 0 {
        rows.push(("blank lines skipped", thousands(r.blank_lines)));
    }
    rows.push(("read in", format!("{seconds:.3} s")));
    pairs(&mut out, &rows);
    if !r.samples.is_empty() {
        let _ = writeln!(out, "  first rejected rows:");
        for sample in &r.samples {
            let _ = writeln!(out, "    {sample}");
        }
    }
    out
}

/// The canonical schema, with the optional columns (present when the source has them).
pub fn schema() -> String {
    let mut out = String::from("canonical schema\n");
    let schema = canonical_schema_with(OptionalColumns::ALL);
    let optional = canonical_schema().fields().len();
    let width = schema
        .fields()
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for (i, field) in schema.fields().iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<24}  {}",
            field.name(),
            field.data_type().to_string(),
            if i >= optional {
                "optional (when the source has it)"
            } else if field.is_nullable() {
                "nullable"
            } else {
                "required"
            }
        );
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

/// An aligned text table: a title, headers, and rows; columns after the first are right-aligned
/// unless marked as text.
#[derive(Debug)]
pub struct TextTable {
    title: String,
    headers: Vec<String>,
    text_columns: Vec<usize>,
    rows: Vec<Vec<String>>,
    note: Option<String>,
}

impl TextTable {
    pub fn new(title: &str, headers: &[&str]) -> Self {
        TextTable {
            title: title.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            text_columns: vec![0],
            rows: Vec::new(),
            note: None,
        }
    }

    /// Left-aligns these columns (the first always is).
    pub fn text_columns(mut self, columns: &[usize]) -> Self {
        self.text_columns.extend_from_slice(columns);
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.note = Some(note.into());
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut text = String::from(" ");
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                text.push(' ');
                if self.text_columns.contains(&i) {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                } else {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                }
                text.push(' ');
            }
            text.trim_end().to_string()
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title);
        let _ = writeln!(out, "{}", line(&self.headers));
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        let _ = writeln!(out, "{}", line(&rule));
        if self.rows.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row));
        }
        if let Some(note) = &self.note {
            let _ = writeln!(out, "  {note}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_money_percentages_and_tables() {
        assert_eq!(money(1_874_363.261), "1,874,363.26");
        assert_eq!(money(-101_939.6), "-101,939.60");
        assert_eq!(money(0.004), "0.00");
        assert_eq!(money(-0.004), "0.00");
        assert_eq!(money(999.996), "1,000.00");
        assert_eq!(pct(Some(0.66399)), "66.4%");
        assert_eq!(pct(None), "–");
        assert_eq!(int(-1_234), "-1,234");
        let mut t = TextTable::new("Top", &["customer", "revenue"]);
        t.row(vec!["14646".into(), money(279_489.02)]);
        t.row(vec!["18102".into(), money(256_438.49)]);
        assert_eq!(
            t.render(),
            "Top\n  customer     revenue\n  ────────  ──────────\n  14646     279,489.02\n  18102     256,438.49\n"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(541_909), "541,909");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}

#[cfg(test)]
mod counted_tests {
    use super::counted;

    #[test]
    fn counts_take_the_noun_in_the_right_number() {
        assert_eq!(counted(1, "order"), "1 order");
        assert_eq!(counted(0, "order"), "0 orders");
        assert_eq!(counted(2, "unit"), "2 units");
        assert_eq!(counted(1234, "customer"), "1,234 customers");
        assert_eq!(counted(-3, "unit"), "-3 units");
    }
}
