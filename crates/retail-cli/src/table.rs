//! Plain-text tables for people.

use std::fmt::Write;

use retail_ingest::{IngestReport, canonical_schema};

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
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

/// The canonical schema.
pub fn schema() -> String {
    let mut out = String::from("canonical schema\n");
    let schema = canonical_schema();
    let width = schema
        .fields()
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for field in schema.fields() {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<24}  {}",
            field.name(),
            field.data_type().to_string(),
            if field.is_nullable() {
                "nullable"
            } else {
                "required"
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(541_909), "541,909");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
