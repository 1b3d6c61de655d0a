//! The one error type of this crate. Every variant names where the problem is: the file, and
//! the line and column or the parameter.

use std::path::PathBuf;

use crate::printable::printable;
use crate::report::Rejection;

/// Everything that can stop an ingest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file could not be opened or read (including a corrupt gzip stream).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system or decompressor said.
        #[source]
        source: std::io::Error,
    },

    /// The file has no header line.
    #[error("{}: the file is empty; expected a header line naming the columns", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },

    /// The header matches no known layout and no column mapping was given.
    #[error(
        "{}: the columns ({}) match no known layout (Online Retail, Online Retail II, Superstore); \
         describe them with a column mapping (the `mapping` option, see docs/schema.md)",
        path.display(), column_list(columns)
    )]
    UnknownLayout {
        /// The file.
        path: PathBuf,
        /// The header as read.
        columns: Vec<String>,
    },

    /// A column the layout or mapping needs is not in the file.
    #[error(
        "{}: no column '{}' for {field} (the {layout} layout needs it); the file has: {}",
        path.display(), printable(column, 60), column_list(available)
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// Layout or mapping name.
        layout: String,
        /// Canonical field the column was meant to fill.
        field: String,
        /// The column name looked for.
        column: String,
        /// The columns the file has.
        available: Vec<String>,
    },

    /// Two columns of the header have the same name (compared trimmed and
    /// case-insensitively), so a mapping could not tell which one it means.
    #[error(
        "{}: columns {first} and {second} are both named '{}'; rename one of them \
         (column names must be unique)",
        path.display(), printable(name, 60)
    )]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The name, as the first of the two columns writes it.
        name: String,
        /// 1-based position of the first column with the name.
        first: usize,
        /// 1-based position of the second.
        second: usize,
    },

    /// The column mapping itself is wrong.
    #[error("{origin}: {message}")]
    Mapping {
        /// The mapping file (or `mapping` when it came from the API).
        origin: String,
        /// What is wrong, with the line and column of a syntax error.
        message: String,
    },

    /// A parameter has a value that cannot work.
    #[error("invalid {parameter}: {message}")]
    InvalidParameter {
        /// The option or builder method.
        parameter: &'static str,
        /// What is wrong and what would work.
        message: String,
    },

    /// Year-last dates whose day/month order the data cannot tell and nobody gave.
    #[error(
        "{}: column '{}' has dates like '{}' whose day/month order is ambiguous; \
         set the `date_order` option to day-first or month-first",
        path.display(), printable(column, 60), printable(example, 60)
    )]
    AmbiguousDateOrder {
        /// The file.
        path: PathBuf,
        /// The timestamp column.
        column: String,
        /// A value that shows the ambiguity.
        example: String,
    },

    /// A record runs on past `max_record_bytes` without a line end (a file that is not
    /// line-based text, or a quote that swallows huge lines).
    #[error(
        "{}: line {line}: a record longer than {limit} bytes without a line end; this does not \
         look like a CSV export (the limit is the `max_record_bytes` option)",
        path.display()
    )]
    RecordTooLong {
        /// The file.
        path: PathBuf,
        /// The line where the record starts.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },

    /// Strict mode stopped at the first rejected row.
    #[error("{}: {rejection} (strict mode stops at the first rejected row)", path.display())]
    Rejected {
        /// The file.
        path: PathBuf,
        /// The row, where and why.
        rejection: Rejection,
    },

    /// The Parquet file could not be decoded.
    #[error("{}: {source}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        #[source]
        source: parquet::errors::ParquetError,
    },

    /// Building or converting Arrow arrays failed.
    #[error("{}: {source}", path.display())]
    Arrow {
        /// The file.
        path: PathBuf,
        /// Arrow's message.
        #[source]
        source: arrow::error::ArrowError,
    },
    /// A file or directory could not be created.
    #[error("cannot create {}: {source}", path.display())]
    Create {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// Writing a file failed (the CSV or Parquet writer, or the disk).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },

    /// The output path is a directory where one file is to be written, or a file where a
    /// directory of partitions is ([`crate::write::write_sales`]).
    #[error("{}: {}", path.display(), if *wants_directory {
        "a file; month partitions are written into a directory"
    } else {
        "a directory; one file is written there"
    })]
    OutputPath {
        /// The output path.
        path: PathBuf,
        /// True when a directory of partitions was to be written (and the path is a file).
        wants_directory: bool,
    },

    /// A table to be written as canonical sales does not have the canonical columns in
    /// order ([`crate::write::canonical_target`]).
    #[error(
        "a canonical sales table has the canonical columns in order ({}), optionally \
         followed by optional columns ({}) in that order; this one has: {}",
        crate::schema::canonical_column_names().join(", "),
        crate::OPTIONAL_COLUMNS.join(", "),
        columns.join(", ")
    )]
    NotCanonicalColumns {
        /// The table's columns, in order.
        columns: Vec<String>,
    },
    /// A column of a table to be written as canonical sales has a type that does not cast to
    /// its canonical type without loss ([`crate::write::canonical_target`]).
    #[error("column {column} is {found} in the table, {expected} in the canonical schema")]
    NotCanonicalType {
        /// The column.
        column: String,
        /// Its type in the table.
        found: arrow::datatypes::DataType,
        /// Its canonical type.
        expected: arrow::datatypes::DataType,
    },
    /// A required canonical column has a null ([`crate::write::conform_canonical`]).
    #[error("column {column} has a null value, and every canonical line needs one")]
    NullInCanonicalColumn {
        /// The column.
        column: String,
    },
    /// Casting a column to its canonical type failed ([`crate::write::conform_canonical`]).
    #[error("column {column}: {source}")]
    CanonicalCast {
        /// The column.
        column: String,
        /// Arrow's message.
        #[source]
        source: arrow::error::ArrowError,
    },

    /// Basket mining was given transaction files and basket files together
    /// ([`crate::baskets::BasketInputs::load`]).
    #[error(
        "mix of transaction files and basket files in `paths` ({} holds transactions, {} \
         baskets); load them separately",
        transactions.display(), baskets.display()
    )]
    MixedInputs {
        /// A file that holds transactions.
        transactions: PathBuf,
        /// A file that holds baskets.
        baskets: PathBuf,
    },

    /// A slice of sales lines was asked for over basket files, which have no lines
    /// ([`crate::baskets::BasketInputs::load`]).
    #[error("a slice (`sliced`) selects sales lines; basket files have none")]
    SlicedBaskets,
}

/// Column names for a message: each printable and at most 40 characters, at most 30 names
/// (then how many more), so a header that is really the whole file stays one short line.
fn column_list(columns: &[String]) -> String {
    const NAMES: usize = 30;
    let mut out = columns
        .iter()
        .take(NAMES)
        .map(|c| printable(c, 40))
        .collect::<Vec<_>>()
        .join(", ");
    if columns.len() > NAMES {
        out.push_str(&format!(" and {} more", columns.len() - NAMES));
    }
    out
}

/// Shorthand for this crate's results.
pub type Result<T, E = IngestError> = std::result::Result<T, E>;
