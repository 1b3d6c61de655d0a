//! Turns source rows (a field's bytes by source column index) into canonical rows. Every
//! reader goes through this one conversion, so CSV and Parquet copies of a file agree.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::record_batch::RecordBatch;

use crate::datetime::{DateOrder, DateOrderEvidence, date_order_evidence, parse_timestamp_micros};
use crate::encoding::TextEncoding;
use crate::layout::{NegativeQuantity, OPTIONAL_SLOTS, Plan, SLOT_COUNT, Slot};
use crate::report::{
    Location, MAX_ABS_AMOUNT, MAX_ABS_QUANTITY, RejectReason, Rejection, TIMESTAMP_RANGE, Tally,
};
use crate::schema::{LineKind, canonical_schema_with};

/// The canonical text slots in schema order (the builders are indexed the same way; the
/// optional columns the file has follow them).
const TEXT_SLOTS: [Slot; 9] = [
    Slot::InvoiceId,
    Slot::CustomerId,
    Slot::ProductId,
    Slot::ProductName,
    Slot::Category,
    Slot::SubCategory,
    Slot::Region,
    Slot::Country,
    Slot::Segment,
];

/// Settings shared by every chunk of one file.
#[derive(Debug)]
pub(crate) struct Conversion {
    pub plan: Plan,
    pub encoding: TextEncoding,
    pub date_order: DateOrder,
    pub max_samples: usize,
    /// Whether to gather what the dates say about their day/month order (when the order
    /// came from the layout, to warn when nothing proves it).
    pub gather_date_evidence: bool,
    /// The file, for errors.
    pub path: std::path::PathBuf,
}

/// Builds one canonical RecordBatch from rows pushed one at a time.
pub(crate) struct RowConverter<'a> {
    conv: &'a Conversion,
    /// The text slots filled: [`TEXT_SLOTS`], then the optional columns the file has.
    text_slots: Vec<Slot>,
    text: Vec<StringBuilder>,
    line_kind: StringBuilder,
    timestamp: TimestampMicrosecondBuilder,
    quantity: Int64Builder,
    unit_price: Float64Builder,
    line_amount: Float64Builder,
    discount: Float64Builder,
    profit: Float64Builder,
    scratch: String,
    ranges: Vec<Option<(usize, usize)>>,
    last_timestamp: (Vec<u8>, i64),
    pub tally: Tally,
}

impl std::fmt::Debug for RowConverter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowConverter")
            .field("tally", &self.tally)
            .finish()
    }
}

/// A row failed: reason, source column, detail.
type Failure = (RejectReason, Option<Slot>, String);

impl<'a> RowConverter<'a> {
    pub(crate) fn new(conv: &'a Conversion, rows: usize, text_bytes: usize) -> Self {
        let per_column = text_bytes / 4 + 16;
        let mut text_slots = TEXT_SLOTS.to_vec();
        text_slots.extend(
            OPTIONAL_SLOTS
                .into_iter()
                .filter(|slot| conv.plan.source_index[*slot as usize].is_some()),
        );
        // The optional columns are short (names, cities, codes): a smaller first allocation.
        let text = text_slots
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let bytes = if i < TEXT_SLOTS.len() {
                    per_column
                } else {
                    text_bytes / 16 + 16
                };
                StringBuilder::with_capacity(rows, bytes)
            })
            .collect();
        RowConverter {
            conv,
            ranges: vec![None; text_slots.len()],
            text_slots,
            text,
            line_kind: StringBuilder::with_capacity(rows, rows * 5),
            timestamp: TimestampMicrosecondBuilder::with_capacity(rows),
            quantity: Int64Builder::with_capacity(rows),
            unit_price: Float64Builder::with_capacity(rows),
            line_amount: Float64Builder::with_capacity(rows),
            discount: Float64Builder::with_capacity(rows),
            profit: Float64Builder::with_capacity(rows),
            scratch: String::new(),
            last_timestamp: (Vec::new(), 0),
            tally: Tally::default(),
        }
    }

    /// Counts a row that failed before conversion (wrong field count, bad quoting).
    pub(crate) fn reject(&mut self, location: Location, reason: RejectReason, detail: String) {
        self.tally.rows_read += 1;
        self.tally.reject(
            Rejection {
                location,
                column: None,
                reason,
                detail,
            },
            self.conv.max_samples,
        );
    }

    /// Converts one row; `field(i)` gives the bytes of source column `i` (empty for null).
    pub(crate) fn push<'f>(&mut self, location: Location, field: impl Fn(usize) -> &'f [u8]) {
        self.tally.rows_read += 1;
        match self.convert(&field) {
            Ok((kind, timestamp)) => self.tally.accept(kind, timestamp),
            Err((reason, slot, detail)) => {
                let column = slot
                    .and_then(|s| self.conv.plan.column_name(s))
                    .map(str::to_string);
                self.tally.reject(
                    Rejection {
                        location,
                        column,
                        reason,
                        detail,
                    },
                    self.conv.max_samples,
                );
            }
        }
    }

    fn convert<'f>(
        &mut self,
        field: &impl Fn(usize) -> &'f [u8],
    ) -> Result<(LineKind, i64), Failure> {
        let plan = &self.conv.plan;
        let get = |slot: Slot| plan.source_index[slot as usize].map(field);

        // Text first, into one scratch string: nothing is appended until the row is valid.
        self.scratch.clear();
        for (i, slot) in self.text_slots.iter().enumerate() {
            self.ranges[i] = None;
            let Some(bytes) = get(*slot) else { continue };
            let bytes = if *slot == Slot::CustomerId {
                normalize_customer_id(bytes)
            } else {
                bytes
            };
            if bytes.trim_ascii().is_empty() {
                continue;
            }
            let start = self.scratch.len();
            if self
                .conv
                .encoding
                .decode_into(bytes, &mut self.scratch)
                .is_err()
            {
                return Err((
                    RejectReason::InvalidText,
                    Some(*slot),
                    format!(
                        "{} is not valid {}",
                        escape_bytes(bytes),
                        self.conv.encoding
                    ),
                ));
            }
            self.ranges[i] = Some((start, self.scratch.len()));
        }
        for (i, slot) in [(0, Slot::InvoiceId), (2, Slot::ProductId)] {
            if self.ranges[i].is_none() {
                return Err((RejectReason::MissingValue, Some(slot), "empty".into()));
            }
        }

        let ts_bytes = get(Slot::Timestamp).unwrap_or_default();
        let timestamp = if ts_bytes == self.last_timestamp.0.as_slice() && !ts_bytes.is_empty() {
            self.last_timestamp.1
        } else {
            if ts_bytes.trim_ascii().is_empty() {
                return Err((
                    RejectReason::MissingValue,
                    Some(Slot::Timestamp),
                    "empty".into(),
                ));
            }
            let micros = parse_timestamp_micros(ts_bytes, self.conv.date_order).map_err(|e| {
                (
                    RejectReason::BadTimestamp,
                    Some(Slot::Timestamp),
                    format!("'{}': {e}", lossy(ts_bytes)),
                )
            })?;
            if !TIMESTAMP_RANGE.contains(&micros) {
                return Err((
                    RejectReason::TimestampOutOfRange,
                    Some(Slot::Timestamp),
                    format!(
                        "'{}' is outside the accepted 1900-01-01 .. 2200-12-31",
                        lossy(ts_bytes)
                    ),
                ));
            }
            if self.conv.gather_date_evidence {
                self.gather_evidence(ts_bytes);
            }
            self.last_timestamp.0.clear();
            self.last_timestamp.0.extend_from_slice(ts_bytes);
            self.last_timestamp.1 = micros;
            micros
        };

        let quantity = parse_quantity(get(Slot::Quantity).unwrap_or_default())?;
        let unit_price = parse_optional_number(get(Slot::UnitPrice), Slot::UnitPrice)?;
        let amount = parse_optional_number(get(Slot::LineAmount), Slot::LineAmount)?;
        let discount = parse_optional_number(get(Slot::Discount), Slot::Discount)?;
        let profit = parse_optional_number(get(Slot::Profit), Slot::Profit)?;
        let (unit_price, amount) = match (unit_price, amount) {
            (Some(p), Some(a)) => (Some(p), a),
            (Some(p), None) => {
                let amount = quantity as f64 * p;
                if !within(amount, MAX_ABS_AMOUNT) {
                    return Err((
                        RejectReason::AmountOutOfRange,
                        Some(Slot::UnitPrice),
                        format!(
                            "quantity {quantity} × unit price {p:e} = {amount:e} is beyond ±1e15"
                        ),
                    ));
                }
                (Some(p), amount)
            }
            (None, Some(a)) => (
                if quantity != 0 {
                    Some(a / quantity as f64)
                } else {
                    None
                },
                a,
            ),
            (None, None) => {
                let slot = if plan.source_index[Slot::UnitPrice as usize].is_some() {
                    Slot::UnitPrice
                } else {
                    Slot::LineAmount
                };
                return Err((
                    RejectReason::MissingValue,
                    Some(slot),
                    "no unit price or line amount".into(),
                ));
            }
        };

        let invoice = &self.scratch[self.ranges[0].map_or(0..0, |(a, b)| a..b)];
        let mapping = &plan.mapping;
        let kind = if mapping
            .cancellation_prefix
            .as_deref()
            .is_some_and(|p| invoice.starts_with(p))
        {
            LineKind::Cancellation
        } else if mapping
            .adjustment_prefix
            .as_deref()
            .is_some_and(|p| invoice.starts_with(p))
        {
            LineKind::Adjustment
        } else if quantity < 0 {
            match mapping.negative_quantity {
                NegativeQuantity::Cancellation => LineKind::Cancellation,
                NegativeQuantity::Adjustment => LineKind::Adjustment,
            }
        } else if amount == 0.0 || unit_price == Some(0.0) {
            // Free lines (unit price or amount 0: stock notes, samples, "check" lines) are no
            // sale: they make no order, customer, units or product name (docs/schema.md).
            LineKind::Adjustment
        } else {
            LineKind::Sale
        };
        // A canonical file says what each line is.
        let kind = match get(Slot::LineKind) {
            Some(bytes) => parse_line_kind(bytes)?,
            None => kind,
        };

        for (builder, range) in self.text.iter_mut().zip(self.ranges.iter()) {
            match range {
                Some((a, b)) => builder.append_value(&self.scratch[*a..*b]),
                None => builder.append_null(),
            }
        }
        self.line_kind.append_value(kind.as_str());
        self.timestamp.append_value(timestamp);
        self.quantity.append_value(quantity);
        self.unit_price.append_option(unit_price);
        self.line_amount.append_value(amount);
        self.discount.append_option(discount);
        self.profit.append_option(profit);
        Ok((kind, timestamp))
    }

    /// Notes what a newly seen timestamp says about the day/month order.
    #[cold]
    fn gather_evidence(&mut self, text: &[u8]) {
        let evidence = &mut self.tally.evidence;
        match date_order_evidence(text) {
            DateOrderEvidence::DayFirst => evidence.day_first = true,
            DateOrderEvidence::MonthFirst => evidence.month_first = true,
            DateOrderEvidence::None => {
                if !evidence.ambiguous && crate::datetime::is_ambiguous_year_last(text) {
                    evidence.ambiguous = true;
                    evidence.example = lossy(text);
                }
            }
        }
    }

    /// Finishes the batch (and hands back the tally).
    pub(crate) fn finish(mut self) -> Result<(RecordBatch, Tally), arrow::error::ArrowError> {
        let text: Vec<ArrayRef> = self
            .text
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(text.len() + 7);
        columns.push(text[0].clone());
        columns.push(Arc::new(self.timestamp.finish()));
        columns.extend(text[1..TEXT_SLOTS.len()].iter().cloned());
        columns.push(Arc::new(self.quantity.finish()));
        columns.push(Arc::new(self.unit_price.finish()));
        columns.push(Arc::new(self.line_amount.finish()));
        columns.push(Arc::new(self.discount.finish()));
        columns.push(Arc::new(self.profit.finish()));
        columns.push(Arc::new(self.line_kind.finish()));
        columns.extend(text[TEXT_SLOTS.len()..].iter().cloned());
        let schema = canonical_schema_with(self.conv.plan.optional_columns());
        let batch = RecordBatch::try_new(schema, columns)?;
        Ok((batch, self.tally))
    }
}

const _: () = assert!(SLOT_COUNT == 16 + OPTIONAL_SLOTS.len());

/// The line kind of a canonical file's `line_kind` column.
fn parse_line_kind(bytes: &[u8]) -> Result<LineKind, Failure> {
    std::str::from_utf8(bytes.trim_ascii())
        .ok()
        .and_then(LineKind::parse)
        .ok_or_else(|| {
            (
                RejectReason::UnknownLineKind,
                Some(Slot::LineKind),
                format!(
                    "'{}' is not a line kind ({})",
                    lossy(bytes),
                    LineKind::ALL.map(LineKind::as_str).join(", ")
                ),
            )
        })
}

/// `17850.0` → `17850`: Online Retail and pandas write integer ids as floats.
fn normalize_customer_id(bytes: &[u8]) -> &[u8] {
    let trimmed = bytes.trim_ascii();
    if let Some(dot) = trimmed.iter().position(|&b| b == b'.') {
        let (int, frac) = trimmed.split_at(dot);
        if !int.is_empty()
            && int.iter().all(u8::is_ascii_digit)
            && frac[1..].iter().all(|&b| b == b'0')
        {
            return int;
        }
    }
    bytes
}

fn parse_quantity(bytes: &[u8]) -> Result<i64, Failure> {
    let text = bytes.trim_ascii();
    if text.is_empty() {
        return Err((
            RejectReason::MissingValue,
            Some(Slot::Quantity),
            "empty".into(),
        ));
    }
    let out_of_range = || {
        (
            RejectReason::QuantityOutOfRange,
            Some(Slot::Quantity),
            format!("'{}' is beyond ±10^12", lossy(bytes)),
        )
    };
    if let Ok(q) = lexical_core::parse::<i64>(text) {
        if q.unsigned_abs() > MAX_ABS_QUANTITY as u64 {
            return Err(out_of_range());
        }
        return Ok(q);
    }
    let bad = || {
        (
            RejectReason::BadNumber,
            Some(Slot::Quantity),
            format!("'{}' is not a number", lossy(bytes)),
        )
    };
    let text = text.strip_prefix(b"+").unwrap_or(text);
    let value: f64 = lexical_core::parse(text).map_err(|_| bad())?;
    if value.is_nan() || (value.is_infinite() && !text.iter().any(u8::is_ascii_digit)) {
        // `NaN`, `inf`: words, not numbers.
        return Err(bad());
    }
    if !within(value, MAX_ABS_QUANTITY as f64) {
        return Err(out_of_range());
    }
    if value.fract() != 0.0 {
        return Err((
            RejectReason::FractionalQuantity,
            Some(Slot::Quantity),
            format!("'{}'", lossy(bytes)),
        ));
    }
    Ok(value as i64)
}

fn parse_optional_number(bytes: Option<&[u8]>, slot: Slot) -> Result<Option<f64>, Failure> {
    let Some(bytes) = bytes else { return Ok(None) };
    let text = bytes.trim_ascii();
    if text.is_empty() {
        return Ok(None);
    }
    let text = text.strip_prefix(b"+").unwrap_or(text);
    match lexical_core::parse::<f64>(text) {
        Ok(v) if within(v, MAX_ABS_AMOUNT) => Ok(Some(v)),
        // A numeral too large for f64 (`1e309`) or beyond the bound: out of range. `NaN` and
        // `inf` are words, not numbers.
        Ok(v) if !v.is_nan() && text.iter().any(u8::is_ascii_digit) => Err((
            RejectReason::AmountOutOfRange,
            Some(slot),
            format!("'{}' is beyond ±1e15", lossy(bytes)),
        )),
        _ => Err((
            RejectReason::BadNumber,
            Some(slot),
            format!("'{}' is not a number", lossy(bytes)),
        )),
    }
}

/// `|value| <= bound`, false for NaN.
pub(crate) fn within(value: f64, bound: f64) -> bool {
    value.abs() <= bound
}

/// The value for a message: at most 60 characters, control characters (NUL, CR, ...)
/// escaped so that nothing unprintable reaches a terminal.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    crate::printable::printable(&String::from_utf8_lossy(bytes), 60)
}

fn escape_bytes(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(40)
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    format!("'{shown}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids_written_as_floats_become_integers() {
        assert_eq!(normalize_customer_id(b"17850.0"), b"17850");
        assert_eq!(normalize_customer_id(b"17850.00"), b"17850");
        assert_eq!(normalize_customer_id(b"17850"), b"17850");
        assert_eq!(normalize_customer_id(b"17850.5"), b"17850.5");
        assert_eq!(normalize_customer_id(b"CG-12520"), b"CG-12520");
        assert_eq!(normalize_customer_id(b".0"), b".0");
    }

    #[test]
    fn quantities_must_be_whole() {
        assert_eq!(parse_quantity(b"6").unwrap(), 6);
        assert_eq!(parse_quantity(b" -80995 ").unwrap(), -80995);
        assert_eq!(parse_quantity(b"+3").unwrap(), 3);
        assert_eq!(parse_quantity(b"6.0").unwrap(), 6);
        assert_eq!(
            parse_quantity(b"6.5").unwrap_err().0,
            RejectReason::FractionalQuantity
        );
        assert_eq!(
            parse_quantity(b"six").unwrap_err().0,
            RejectReason::BadNumber
        );
        assert_eq!(
            parse_quantity(b"").unwrap_err().0,
            RejectReason::MissingValue
        );
        assert_eq!(
            parse_quantity(b"inf").unwrap_err().0,
            RejectReason::BadNumber
        );
        // The bound is ±10^12, inclusive, whatever the numeral's form.
        assert_eq!(parse_quantity(b"1000000000000").unwrap(), 1_000_000_000_000);
        assert_eq!(parse_quantity(b"-1e12").unwrap(), -1_000_000_000_000);
        for big in [
            &b"1000000000001"[..],
            b"-1000000000001",
            b"12345678901234567890",
            b"-99999999999999999999",
            b"1e13",
            b"1e400",
            b"1.5e12",
        ] {
            assert_eq!(
                parse_quantity(big).unwrap_err().0,
                RejectReason::QuantityOutOfRange,
                "{}",
                String::from_utf8_lossy(big)
            );
        }
    }

    #[test]
    fn money_beyond_the_bound_or_overflowing_is_out_of_range() {
        assert_eq!(
            parse_optional_number(Some(b"1e15"), Slot::UnitPrice).unwrap(),
            Some(1e15)
        );
        assert_eq!(
            parse_optional_number(Some(b"-1e15"), Slot::Profit).unwrap(),
            Some(-1e15)
        );
        for big in [&b"1.000001e15"[..], b"1e308", b"-1e309", b"2e400"] {
            let err = parse_optional_number(Some(big), Slot::LineAmount).unwrap_err();
            assert_eq!(err.0, RejectReason::AmountOutOfRange);
            assert_eq!(err.1, Some(Slot::LineAmount));
        }
        for word in [&b"inf"[..], b"-Infinity", b"NaN"] {
            assert_eq!(
                parse_optional_number(Some(word), Slot::Discount)
                    .unwrap_err()
                    .0,
                RejectReason::BadNumber
            );
        }
    }

    #[test]
    fn numbers_parse_exactly_and_reject_garbage() {
        assert_eq!(
            parse_optional_number(Some(b"2.55"), Slot::UnitPrice).unwrap(),
            Some(2.55)
        );
        assert_eq!(
            parse_optional_number(Some(b"-11062.06"), Slot::UnitPrice).unwrap(),
            Some(-11062.06)
        );
        assert_eq!(
            parse_optional_number(Some(b"1e-3"), Slot::Discount).unwrap(),
            Some(0.001)
        );
        assert_eq!(
            parse_optional_number(Some(b" "), Slot::Profit).unwrap(),
            None
        );
        assert_eq!(parse_optional_number(None, Slot::Profit).unwrap(), None);
        assert_eq!(
            parse_optional_number(Some(b"1,5"), Slot::Profit)
                .unwrap_err()
                .0,
            RejectReason::BadNumber
        );
        assert_eq!(
            parse_optional_number(Some(b"NaN"), Slot::Profit)
                .unwrap_err()
                .0,
            RejectReason::BadNumber
        );
    }
}
