//! The reports as plain text for a terminal: aligned tables of the KPIs, bundles, next-basket
//! recommendations, forecasts and ingest reports. Numbers are written by [`crate::format`], as
//! on the dashboard. The renderings name no command-line flag: where a hint to a caller's
//! option belongs, the caller passes it (or adds a [`TextTable::note`]).

use std::fmt::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use crate::ReportError;
use crate::format::float_for_people;

pub mod backtest;
pub mod bundles;
pub mod forecast;
pub mod ingest;
pub mod kpis;
pub mod shards;

/// A sequence serialized from a fresh iterator each time, without collecting it: hundreds of
/// thousands of itemsets go out as JSON without a tree of them in memory.
///
/// ```
/// use retail_report::text::Streamed;
///
/// let squares = Streamed(|| (1..4).map(|i| i * i));
/// assert_eq!(serde_json::to_string(&squares).unwrap(), "[1,4,9]");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Streamed<F>(pub F);

impl<F, I> serde::Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// An aligned text table: a title, headers, and rows; columns after the first are
/// right-aligned unless marked as text.
///
/// ```
/// use retail_report::text::TextTable;
///
/// let mut t = TextTable::new("Top", &["customer", "orders"]);
/// t.row(vec!["14646".into(), "73".into()]);
/// assert_eq!(t.render(), "Top\n  customer  orders\n  ────────  ──────\n  14646         73\n");
/// ```
#[derive(Debug, Clone)]
pub struct TextTable {
    title: String,
    headers: Vec<String>,
    text_columns: Vec<usize>,
    rows: Vec<Vec<String>>,
    note: Option<String>,
}

impl TextTable {
    /// A table without rows; the first column is left-aligned.
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

    /// Adds a row: one cell per header (cells past the headers are left out).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// A line under the rows (replacing an earlier note).
    pub fn note(&mut self, note: impl Into<String>) {
        self.note = Some(note.into());
    }

    /// The title, the headers, a rule, the rows (`(none)` without any) and the note, each
    /// line ending in a newline and without trailing spaces.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut text = String::from(" ");
            for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                let pad = width - cell.chars().count();
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

/// Any record batches (a KPI table, a SQL result) as a boxed table (Arrow's pretty printer)
/// followed by a newline, or `(no rows)`; Float64 values are shown with at most ten significant
/// digits ([`float_for_people`]), the exact values being for JSON, CSV and Parquet.
///
/// # Errors
///
/// [`ReportError::Arrow`] when a batch cannot be shown.
pub fn batches_table(batches: &[RecordBatch]) -> Result<String, ReportError> {
    if batches.iter().all(|b| b.num_rows() == 0) {
        return Ok("(no rows)\n".to_string());
    }
    let shown = batches
        .iter()
        .map(floats_for_people)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!(
        "{}\n",
        arrow::util::pretty::pretty_format_batches(&shown)?
    ))
}

/// The batch with its Float64 columns as text of at most ten significant digits.
fn floats_for_people(batch: &RecordBatch) -> Result<RecordBatch, ReportError> {
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| f.data_type() == &DataType::Float64)
    {
        return Ok(batch.clone());
    }
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        match column.as_any().downcast_ref::<Float64Array>() {
            Some(values) => {
                let text: StringArray = values.iter().map(|v| v.map(float_for_people)).collect();
                fields.push(Field::new(field.name(), DataType::Utf8, true));
                columns.push(Arc::new(text));
            }
            None => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// Rows of (label, value) with the labels padded to one width, indented by two spaces.
fn pairs(out: &mut String, rows: &[(&str, String)]) {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<width$}  {value}");
    }
}

/// `text` cut to `width` characters, the last of them an ellipsis when cut; trailing spaces
/// are dropped first.
pub fn clip(text: &str, width: usize) -> String {
    let text = text.trim_end();
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let kept: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::money;

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

    #[test]
    fn text_columns_are_left_aligned_and_empty_tables_say_none() {
        let mut t = TextTable::new("Names", &["id", "name", "n"]).text_columns(&[1]);
        t.row(vec!["1".into(), "ab".into(), "7".into()]);
        t.row(vec!["22".into(), "abcdef".into(), "1,000".into()]);
        t.note("a note");
        assert_eq!(
            t.render(),
            "Names\n  id  name        n\n  ──  ──────  ─────\n  1   ab          7\n  22  abcdef  1,000\n  a note\n"
        );
        let empty = TextTable::new("Empty", &["a", "b"]);
        assert_eq!(empty.render(), "Empty\n  a  b\n  ─  ─\n  (none)\n");
    }

    #[test]
    fn clipping_counts_characters_and_marks_the_cut() {
        assert_eq!(clip("short  ", 10), "short");
        assert_eq!(clip("exactly ten", 11), "exactly ten");
        assert_eq!(clip("WHITE HANGING HEART T-LIGHT HOLDER", 10), "WHITE HAN…");
        assert_eq!(clip("Ünïcödé names", 4), "Ünï…");
    }

    #[test]
    fn batches_show_floats_for_people() {
        use arrow::array::Int64Array;
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("x", DataType::Float64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![1, 20])),
                Arc::new(Float64Array::from(vec![
                    Some(1_087_908.469_999_991_1),
                    None,
                ])),
            ],
        )
        .unwrap();
        assert_eq!(
            batches_table(&[batch]).unwrap(),
            "+----+------------+\n\
             | n  | x          |\n\
             +----+------------+\n\
             | 1  | 1087908.47 |\n\
             | 20 |            |\n\
             +----+------------+\n"
        );
        assert_eq!(
            batches_table(&[RecordBatch::new_empty(schema)]).unwrap(),
            "(no rows)\n"
        );
        assert_eq!(batches_table(&[]).unwrap(), "(no rows)\n");
    }

    #[test]
    fn pairs_pad_their_labels() {
        let mut out = String::new();
        pairs(&mut out, &[("a", "1".into()), ("longer", "2".into())]);
        assert_eq!(out, "  a       1\n  longer  2\n");
    }
}
