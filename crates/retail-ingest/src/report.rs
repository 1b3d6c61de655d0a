//! What an ingest did: rows read, accepted and rejected (by reason, with samples).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::datetime::DateOrder;
use crate::schema::LineKind;

/// Why a row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
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
}

impl RejectReason {
    /// Every reason, in report order.
    pub const ALL: [RejectReason; 8] = [
        RejectReason::WrongFieldCount,
        RejectReason::MalformedQuoting,
        RejectReason::InvalidText,
        RejectReason::BadTimestamp,
        RejectReason::BadNumber,
        RejectReason::FractionalQuantity,
        RejectReason::MissingValue,
        RejectReason::UnknownLineKind,
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
            write!(f, ", column '{column}'")?;
        }
        write!(f, ": {}: {}", self.reason, self.detail)
    }
}

/// The kind of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
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
    pub encoding: Option<String>,
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
        }
    }

    /// True when no row was rejected.
    pub fn is_clean(&self) -> bool {
        self.rows_rejected == 0
    }

    /// Adds a chunk's tally; sample locations are shifted by `offset` first.
    pub(crate) fn absorb(&mut self, tally: Tally, offset: u64, max_samples: usize) {
        self.rows_read += tally.rows_read;
        self.rows_accepted += tally.rows_accepted;
        self.blank_lines += tally.blank_lines;
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
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub blank_lines: u64,
    pub by_kind: [u64; 3],
    pub by_reason: [u64; 8],
    pub samples: Vec<Rejection>,
}

impl Tally {
    pub(crate) fn reject(&mut self, rejection: Rejection, max_samples: usize) {
        self.by_reason[rejection.reason as usize] += 1;
        if self.samples.len() < max_samples {
            self.samples.push(rejection);
        }
    }

    pub(crate) fn accept(&mut self, kind: LineKind) {
        self.rows_accepted += 1;
        self.by_kind[kind as usize] += 1;
    }

    pub(crate) fn rejected(&self) -> u64 {
        self.by_reason.iter().sum()
    }
}
