//! What was read: a file's ingest report and the canonical schema.

use std::fmt::Write;

use retail_ingest::{
    IngestReport, LineKind, OptionalColumns, canonical_schema, canonical_schema_with,
};

use super::pairs;
use crate::format::thousands;

/// One file's ingest report: its source, format, layout, encoding, delimiter and date order,
/// the rows read, accepted (by line kind) and rejected (by reason), the optional columns, the
/// time taken (`seconds`), and the first rejected rows.
pub fn ingest_report(r: &IngestReport, seconds: f64) -> String {
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
            LineKind::Sale => ("  sale lines", thousands(*n)),
            LineKind::Cancellation => ("  cancellation lines", thousands(*n)),
            LineKind::Adjustment => ("  adjustment lines", thousands(*n)),
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

/// The canonical schema, one column a line with its type and whether it is required,
/// nullable, or optional (present when the source has it).
pub fn canonical_schema_text() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use retail_ingest::{IngestParams, samples};

    #[test]
    fn the_schema_lists_required_nullable_and_optional_columns() {
        let text = canonical_schema_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "canonical schema");
        assert_eq!(
            lines.len(),
            1 + canonical_schema_with(OptionalColumns::ALL).fields().len()
        );
        assert!(lines[1].starts_with("  invoice_id "), "{text}");
        assert!(lines[1].ends_with("  required"), "{text}");
        assert!(
            lines
                .last()
                .unwrap()
                .ends_with("  optional (when the source has it)"),
            "{text}"
        );
    }

    /// The value on the line of `label` in a report.
    fn value<'a>(text: &'a str, label: &str) -> &'a str {
        text.lines()
            .find_map(|line| {
                let rest = line.strip_prefix("  ")?.strip_prefix(label)?;
                rest.starts_with("  ").then(|| rest.trim_start())
            })
            .unwrap_or_else(|| panic!("no {label} in {text}"))
    }

    #[test]
    fn a_report_shows_rows_read_accepted_and_rejected() {
        let mut reader = samples::open(
            "online_retail_sample.csv.gz",
            samples::ONLINE_RETAIL,
            &IngestParams::default(),
        )
        .unwrap();
        for batch in reader.by_ref() {
            batch.unwrap();
        }
        let text = ingest_report(&reader.into_report(), 0.25);
        assert!(
            text.starts_with("embedded:online_retail_sample.csv.gz\n"),
            "{text}"
        );
        assert_eq!(value(&text, "layout"), "online-retail");
        assert_eq!(value(&text, "rows read"), "99,096");
        assert_eq!(value(&text, "rejected"), "0");
        assert_eq!(value(&text, "  sale lines"), "96,948");
        assert_eq!(value(&text, "  cancellation lines"), "1,628");
        assert_eq!(value(&text, "read in"), "0.250 s");
    }
}
