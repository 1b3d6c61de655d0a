//! What an ingest did: rows read, accepted and rejected (by reason, with samples).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::datetime::DateOrder;
use crate::schema::LineKind;

/// Why a row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RejectReason {
    /// The row has more or fewer fields than the header.
    WrongFieldCount,
    /// A quoted field is never closed (the rest of the file is this row), or text follows
    /// a closing quote.
    MalformedQuoting,
    /// Bytes that are not valid in the file's encoding.
    InvalidText,
    /// The timestamp does not parse or is out of range.
    BadTimestamp,
    /// A number does not parse.
    BadNumber,
    /// A quantity with a fractional part.
    FractionalQuantity,
    /// A required value (invoice, product, timestamp, quantity, price or amount) is empty.
    MissingValue,
    /// A canonical file's `line_kind` is not `sale`, `cancellation` or `adjustment`.
    UnknownLineKind,
    /// A quoted field that does not close within its record: the line with the opening quote
    /// is rejected and reading resumes at the next line (docs/schema.md, "Quoting").
    UnterminatedQuote,
    /// A valid timestamp outside the accepted years (see [`TIMESTAMP_RANGE`]).
    TimestampOutOfRange,
    /// A quantity beyond ±[`MAX_ABS_QUANTITY`] (or too large for any integer type).
    QuantityOutOfRange,
    /// A unit price, line amount, discount or profit beyond ±[`MAX_ABS_AMOUNT`] or not finite
    /// (a numeral such as `1e309`, or quantity × unit price overflowing).
    AmountOutOfRange,
}

/// The accepted timestamps, in microseconds since 1970-01-01: 1900-01-01 00:00:00 to
/// 2200-12-31 23:59:59.999999 (inclusive). Every such value also fits Arrow's nanosecond
/// timestamps (1677-09-21 .. 2262-04-11), which DataFusion casts to.
pub const TIMESTAMP_RANGE: std::ops::RangeInclusive<i64> =
    -2_208_988_800_000_000..=7_289_654_399_999_999;

/// The largest accepted |quantity|: 10^12 units, so that the sum of up to 9.2 million such
/// lines still fits an `i64`.
pub const MAX_ABS_QUANTITY: i64 = 1_000_000_000_000;

/// The largest accepted |unit price|, |line amount|, |discount| or |profit|: 10^15 (above any
/// real invoice line; sums of up to 10^290 such values stay finite).
pub const MAX_ABS_AMOUNT: f64 = 1e15;

/// Timestamp spans longer than this many days get a warning in the report: 50 years
/// (50 × 365.25 days).
pub const PLAUSIBLE_SPAN_DAYS: i64 = 18_263;

impl RejectReason {
    /// Every reason, in report order.
    pub const ALL: [RejectReason; 12] = [
        RejectReason::WrongFieldCount,
        RejectReason::MalformedQuoting,
        RejectReason::InvalidText,
        RejectReason::BadTimestamp,
        RejectReason::BadNumber,
        RejectReason::FractionalQuantity,
        RejectReason::MissingValue,
        RejectReason::UnknownLineKind,
        RejectReason::UnterminatedQuote,
        RejectReason::TimestampOutOfRange,
        RejectReason::QuantityOutOfRange,
        RejectReason::AmountOutOfRange,
    ];

    /// Short human description.
    pub fn describe(self) -> &'static str {
        match self {
            RejectReason::WrongFieldCount => "wrong number of fields",
            RejectReason::MalformedQuoting => "malformed quoting",
            RejectReason::InvalidText => "invalid text for the encoding",
            RejectReason::BadTimestamp => "unparsable timestamp",
            RejectReason::BadNumber => "unparsable number",
            RejectReason::FractionalQuantity => "quantity is not a whole number",
            RejectReason::MissingValue => "missing required value",
            RejectReason::UnknownLineKind => "unknown line kind",
            RejectReason::UnterminatedQuote => "quoted field never closed",
            RejectReason::TimestampOutOfRange => "timestamp out of range",
            RejectReason::QuantityOutOfRange => "quantity out of range",
            RejectReason::AmountOutOfRange => "amount out of range",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Where a rejected row is: a physical line of a text file (1-based, the header is line 1)
/// or a row of a Parquet file (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Location {
    /// Line in a text file where the record starts.
    Line(u64),
    /// Row in a Parquet file.
    Row(u64),
}

impl Location {
    pub(crate) fn shifted(self, by: u64) -> Location {
        match self {
            Location::Line(n) => Location::Line(n + by),
            Location::Row(n) => Location::Row(n + by),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Where the row is.
    pub location: Location,
    /// The source column at fault, when one is.
    pub column: Option<String>,
    /// Why.
    pub reason: RejectReason,
    /// The offending value or a precise explanation.
    pub detail: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)?;
        if let Some(column) = &self.column {
            write!(f, ", column '{}'", crate::printable::printable(column, 60))?;
        }
        write!(
            f,
            ": {}: {}",
            self.reason,
            crate::printable::printable(&self.detail, 200)
        )
    }
}

/// The kind of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SourceFormat {
    /// Plain CSV (or another delimiter).
    Csv,
    /// Gzip-compressed CSV.
    CsvGzip,
    /// Apache Parquet.
    Parquet,
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceFormat::Csv => "csv",
            SourceFormat::CsvGzip => "csv+gzip",
            SourceFormat::Parquet => "parquet",
        })
    }
}

/// The account of one file's ingest. `rows_accepted + rows_rejected == rows_read` always.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReport {
    /// The file.
    pub source: String,
    /// How it was read.
    pub format: SourceFormat,
    /// The layout detected or the mapping used.
    pub layout: String,
    /// Text encoding (text files only).
    pub encoding: Option<crate::FileEncoding>,
    /// Field delimiter (text files only).
    pub delimiter: Option<char>,
    /// How year-last dates were read.
    pub date_order: DateOrder,
    /// Data rows read (the header and blank lines are not rows).
    pub rows_read: u64,
    /// Rows that became canonical rows.
    pub rows_accepted: u64,
    /// Rows rejected, all reasons.
    pub rows_rejected: u64,
    /// Rejected rows by reason.
    pub rejected_by_reason: BTreeMap<RejectReason, u64>,
    /// Accepted rows by line kind.
    pub accepted_by_kind: BTreeMap<LineKind, u64>,
    /// Blank lines skipped (not rows).
    pub blank_lines: u64,
    /// The first rejections, in file order.
    pub samples: Vec<Rejection>,
    /// The earliest timestamp of the accepted rows (microseconds since 1970-01-01; printed
    /// as `YYYY-MM-DD HH:MM:SS` in JSON).
    #[serde(serialize_with = "serialize_timestamp")]
    pub first_timestamp: Option<i64>,
    /// The latest timestamp of the accepted rows.
    #[serde(serialize_with = "serialize_timestamp")]
    pub last_timestamp: Option<i64>,
    /// True when year-last dates were read in the layout's day/month order while no date of
    /// the file proves that order (every day and month of the file at most 12).
    pub date_order_guessed: bool,
    /// Things that are not errors but deserve a look: an implausible date span, a guessed
    /// day/month order.
    pub warnings: Vec<String>,
    /// The optional columns (`customer_name`, `city`, …) the file gives, in schema order;
    /// left out of the JSON when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub optional_columns: Vec<String>,
}

fn serialize_timestamp<S: serde::Serializer>(
    value: &Option<i64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(micros) => {
            serializer.serialize_some(&crate::datetime::format_timestamp_micros(*micros))
        }
        None => serializer.serialize_none(),
    }
}

impl IngestReport {
    pub(crate) fn new(source: String, format: SourceFormat, layout: String) -> Self {
        IngestReport {
            source,
            format,
            layout,
            encoding: None,
            delimiter: None,
            date_order: DateOrder::Auto,
            rows_read: 0,
            rows_accepted: 0,
            rows_rejected: 0,
            rejected_by_reason: BTreeMap::new(),
            accepted_by_kind: BTreeMap::new(),
            blank_lines: 0,
            samples: Vec::new(),
            first_timestamp: None,
            last_timestamp: None,
            date_order_guessed: false,
            warnings: Vec::new(),
            optional_columns: Vec::new(),
        }
    }

    /// The report of canonical Parquet files queried in place (not read row by row): `rows`
    /// from the files' footers, all of them accepted (the files hold canonical rows, as
    /// `retail convert` wrote them after checking each one), and the first and last
    /// timestamps from the column statistics. Lines by kind are not counted (the
    /// `lines_by_kind` KPI has them).
    pub fn canonical_in_place(
        source: impl Into<String>,
        rows: u64,
        first_timestamp: Option<i64>,
        last_timestamp: Option<i64>,
        optional_columns: &[&str],
    ) -> Self {
        let mut report = IngestReport::new(
            source.into(),
            SourceFormat::Parquet,
            crate::KnownLayout::Canonical.name().to_string(),
        );
        report.rows_read = rows;
        report.rows_accepted = rows;
        report.first_timestamp = first_timestamp;
        report.last_timestamp = last_timestamp;
        report.optional_columns = optional_columns.iter().map(|c| c.to_string()).collect();
        report
    }

    /// Sets the warnings once every row is counted: a span of timestamps longer than
    /// [`PLAUSIBLE_SPAN_DAYS`], and a day/month order no date proves (`order_from_layout`:
    /// the order came from the layout, not from the caller or the data).
    pub(crate) fn finish(&mut self, evidence: DateEvidence, order_from_layout: bool) {
        if let (Some(first), Some(last)) = (self.first_timestamp, self.last_timestamp) {
            let days = (last - first) / 86_400_000_000;
            if days > PLAUSIBLE_SPAN_DAYS {
                self.warnings.push(format!(
                    "the timestamps span {:.1} years ({} .. {}): check for mistyped years \
                     (more than 50 years is implausible for sales data)",
                    days as f64 / 365.2425,
                    crate::datetime::format_timestamp_micros(first),
                    crate::datetime::format_timestamp_micros(last),
                ));
            }
        }
        let proven = match self.date_order {
            DateOrder::DayFirst => evidence.day_first,
            DateOrder::MonthFirst => evidence.month_first,
            DateOrder::Auto => true,
        };
        if order_from_layout && evidence.ambiguous && !proven {
            self.date_order_guessed = true;
            self.warnings.push(format!(
                "the dates (such as '{}') are read {} by the {} layout's convention, but no \
                 date in the file proves that order (day and month are both 12 or less in \
                 every one); set the `date_order` option if it is the other way round",
                evidence.example, self.date_order, self.layout
            ));
        }
    }
}

/// What the year-last dates of a file say about their day/month order.
#[derive(Debug, Clone, Default)]
pub(crate) struct DateEvidence {
    pub day_first: bool,
    pub month_first: bool,
    pub ambiguous: bool,
    pub example: String,
}

impl DateEvidence {
    pub(crate) fn merge(&mut self, other: &DateEvidence) {
        self.day_first |= other.day_first;
        self.month_first |= other.month_first;
        if other.ambiguous && !self.ambiguous {
            self.ambiguous = true;
            self.example = other.example.clone();
        }
    }
}

impl IngestReport {
    /// True when no row was rejected.
    pub fn is_clean(&self) -> bool {
        self.rows_rejected == 0
    }

    /// Adds a chunk's tally; sample locations are shifted by `offset` first.
    pub(crate) fn absorb(&mut self, tally: Tally, offset: u64, max_samples: usize) {
        self.rows_read += tally.rows_read;
        self.rows_accepted += tally.rows_accepted;
        self.blank_lines += tally.blank_lines;
        if tally.rows_accepted > 0 {
            self.first_timestamp = Some(
                self.first_timestamp
                    .map_or(tally.min_timestamp, |t| t.min(tally.min_timestamp)),
            );
            self.last_timestamp = Some(
                self.last_timestamp
                    .map_or(tally.max_timestamp, |t| t.max(tally.max_timestamp)),
            );
        }
        for (i, kind) in LineKind::ALL.iter().enumerate() {
            if tally.by_kind[i] > 0 {
                *self.accepted_by_kind.entry(*kind).or_default() += tally.by_kind[i];
            }
        }
        for (i, reason) in RejectReason::ALL.iter().enumerate() {
            if tally.by_reason[i] > 0 {
                self.rows_rejected += tally.by_reason[i];
                *self.rejected_by_reason.entry(*reason).or_default() += tally.by_reason[i];
            }
        }
        for mut sample in tally.samples {
            if self.samples.len() >= max_samples {
                break;
            }
            sample.location = sample.location.shifted(offset);
            self.samples.push(sample);
        }
    }
}

/// Counts gathered while converting one chunk of rows.
#[derive(Debug)]
pub(crate) struct Tally {
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub blank_lines: u64,
    pub by_kind: [u64; 3],
    pub by_reason: [u64; RejectReason::ALL.len()],
    pub samples: Vec<Rejection>,
    /// The earliest and latest accepted timestamps (meaningful when `rows_accepted > 0`).
    pub min_timestamp: i64,
    pub max_timestamp: i64,
    pub evidence: DateEvidence,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            rows_read: 0,
            rows_accepted: 0,
            blank_lines: 0,
            by_kind: [0; 3],
            by_reason: [0; RejectReason::ALL.len()],
            samples: Vec::new(),
            min_timestamp: i64::MAX,
            max_timestamp: i64::MIN,
            evidence: DateEvidence::default(),
        }
    }
}

impl Tally {
    pub(crate) fn reject(&mut self, rejection: Rejection, max_samples: usize) {
        self.by_reason[rejection.reason as usize] += 1;
        if self.samples.len() < max_samples {
            self.samples.push(rejection);
        }
    }

    pub(crate) fn accept(&mut self, kind: LineKind, timestamp: i64) {
        self.rows_accepted += 1;
        self.by_kind[kind as usize] += 1;
        self.min_timestamp = self.min_timestamp.min(timestamp);
        self.max_timestamp = self.max_timestamp.max(timestamp);
    }

    pub(crate) fn rejected(&self) -> u64 {
        self.by_reason.iter().sum()
    }
}
