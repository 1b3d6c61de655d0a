//! Plain-text tables for people.

use std::fmt::Write;

use retail_ingest::{IngestReport, OptionalColumns, canonical_schema, canonical_schema_with};

pub use retail_report::format::{int, money, num, opt_money, pct, thousands};

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
    if let Some(encoding) = r.encoding {
        rows.push(("encoding", encoding.to_string()));
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
            _ => ("  other lines", thousands(*n)),
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
    fn tables_align_their_columns() {
        let mut t = TextTable::new("Top", &["customer", "revenue"]);
        t.row(vec!["14646".into(), money(279_489.02)]);
        t.row(vec!["18102".into(), money(256_438.49)]);
        assert_eq!(
            t.render(),
            "Top\n  customer     revenue\n  ────────  ──────────\n  14646     279,489.02\n  18102     256,438.49\n"
        );
    }
}
