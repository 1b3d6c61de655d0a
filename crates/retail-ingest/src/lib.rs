#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod baskets;
mod boundary;
pub mod categories;
pub mod classes;
mod convert;
pub mod csv;
pub mod datetime;
pub mod encoding;
mod error;
pub mod layout;
pub mod names;
pub mod parallel;
pub mod parquet;
mod printable;
pub mod report;
pub mod schema;
pub mod synth;
mod text_input;
pub mod write;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow::record_batch::RecordBatch;

pub use baskets::{BasketFormat, BasketReport, Baskets, read_baskets};
pub use categories::ProductCategories;
pub use classes::{ProductClass, ProductClasses};
pub use datetime::DateOrder;
pub use encoding::{FileEncoding, TextEncoding};
pub use error::{IngestError, Result};
pub use layout::{ColumnMapping, Columns, KnownLayout, NegativeQuantity};
pub use report::{IngestReport, Location, RejectReason, Rejection, SourceFormat};
pub use schema::{
    LineKind, OPTIONAL_COLUMNS, OptionalColumns, canonical_schema, canonical_schema_with, col,
    unify_optional_columns, with_optional_columns,
};

/// How to read transaction files. Every setting has a `with_*` builder; the defaults detect
/// everything.
#[derive(Debug, Clone)]
pub struct IngestParams {
    mapping: Option<ColumnMapping>,
    encoding: Option<TextEncoding>,
    delimiter: Option<u8>,
    date_order: DateOrder,
    strict: bool,
    threads: usize,
    chunk_bytes: usize,
    max_record_bytes: usize,
    parquet_batch_rows: usize,
    max_samples: usize,
}

impl Default for IngestParams {
    fn default() -> Self {
        IngestParams {
            mapping: None,
            encoding: None,
            delimiter: None,
            date_order: DateOrder::Auto,
            strict: false,
            threads: parallel::available_threads().min(16),
            chunk_bytes: 4 << 20,
            max_record_bytes: 64 << 20,
            parquet_batch_rows: 65_536,
            max_samples: 10,
        }
    }
}

impl IngestParams {
    /// Reads the files with a known layout instead of detecting it.
    pub fn with_layout(self, layout: KnownLayout) -> Self {
        self.with_mapping(layout.mapping())
    }

    /// Reads the files with a column mapping (for exports of any other layout).
    pub fn with_mapping(mut self, mapping: ColumnMapping) -> Self {
        self.mapping = Some(mapping);
        self
    }

    /// Sets the text encoding instead of detecting it.
    pub fn with_encoding(mut self, encoding: TextEncoding) -> Self {
        self.encoding = Some(encoding);
        self
    }

    /// Sets the field delimiter instead of detecting it from the header: one ASCII character
    /// other than a quote or a line end.
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }

    /// Sets the day/month order of year-last dates (overrides the layout's).
    pub fn with_date_order(mut self, order: DateOrder) -> Self {
        self.date_order = order;
        self
    }

    /// Fails on the first rejected row instead of counting it.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Worker threads for CSV parsing; `0` means all available cores (the default is those
    /// cores, at most 16), as everywhere in the workspace ([`parallel`]).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = parallel::resolve_threads(threads);
        self
    }

    /// Size of the CSV chunks parsed in parallel (one batch each); at least 1 KiB.
    pub fn with_chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = bytes;
        self
    }

    /// The longest CSV record (one line, or the lines of a quoted line break) read before
    /// giving up with [`IngestError::RecordTooLong`]: 64 MiB by default, at least 1 KiB (and
    /// never less than the chunk size). Bounds memory on input without line ends.
    pub fn with_max_record_bytes(mut self, bytes: usize) -> Self {
        self.max_record_bytes = bytes;
        self
    }

    /// Checks the settings: a delimiter that can separate fields, chunks and records of at
    /// least 1 KiB.
    ///
    /// # Errors
    /// [`IngestError::InvalidParameter`] naming the first setting out of its range.
    pub fn check(&self) -> Result<()> {
        if let Some(delimiter) = self.delimiter
            && (matches!(delimiter, b'"' | b'\n' | b'\r') || !delimiter.is_ascii())
        {
            return Err(IngestError::InvalidParameter {
                parameter: "delimiter",
                message: format!(
                    "{:?} cannot separate fields; use one ASCII character other than a quote or newline",
                    delimiter as char
                ),
            });
        }
        for (parameter, bytes) in [
            ("chunk_bytes", self.chunk_bytes),
            ("max_record_bytes", self.max_record_bytes),
        ] {
            if bytes < 1024 {
                return Err(IngestError::InvalidParameter {
                    parameter,
                    message: format!("{bytes} is below the 1024-byte minimum"),
                });
            }
        }
        Ok(())
    }

    /// How many rejected rows each report keeps as samples.
    pub fn with_max_samples(mut self, samples: usize) -> Self {
        self.max_samples = samples;
        self
    }

    /// The mapping given, if any.
    pub fn mapping(&self) -> Option<&ColumnMapping> {
        self.mapping.as_ref()
    }
}

/// A streaming reader of one transaction file (CSV, gzip CSV or Parquet, told apart by their
/// first bytes): canonical RecordBatches in file order.
// One reader per open file: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum TransactionReader {
    /// Delimited text.
    Csv(csv::CsvReader),
    /// Parquet.
    Parquet(parquet::ParquetReader),
}

impl TransactionReader {
    /// The report so far; complete once the iterator has returned `None`.
    pub fn report(&self) -> &IngestReport {
        match self {
            TransactionReader::Csv(r) => r.report(),
            TransactionReader::Parquet(r) => r.report(),
        }
    }

    /// The report, consuming the reader.
    pub fn into_report(self) -> IngestReport {
        match self {
            TransactionReader::Csv(r) => r.into_report(),
            TransactionReader::Parquet(r) => r.into_report(),
        }
    }
}

impl Iterator for TransactionReader {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            TransactionReader::Csv(r) => r.next(),
            TransactionReader::Parquet(r) => r.next(),
        }
    }
}

/// Opens a transaction file for streaming.
///
/// # Errors
/// [`IngestError::InvalidParameter`] for options out of range ([`IngestParams::check`]),
/// [`IngestError::Io`] when the file cannot be read, and the errors of reading its header
/// (an unknown layout, a mapping that does not fit).
pub fn open(path: impl AsRef<Path>, options: &IngestParams) -> Result<TransactionReader> {
    options.check()?;
    let path = path.as_ref();
    let mut magic = [0u8; 4];
    let mut file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let got = file.read(&mut magic).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    drop(file);
    if got == 4 && &magic == b"PAR1" {
        Ok(TransactionReader::Parquet(parquet::ParquetReader::open(
            path, options,
        )?))
    } else {
        Ok(TransactionReader::Csv(csv::CsvReader::open(path, options)?))
    }
}

/// Opens delimited text (plain or gzip, told by its first bytes) from any reader, such as
/// standard input or bytes in memory; `name` stands for the file in reports and errors.
///
/// # Errors
/// As [`open`]: options out of range, a failing reader, an unreadable header.
pub fn open_reader(
    name: impl AsRef<Path>,
    mut reader: impl Read + Send + 'static,
    options: &IngestParams,
) -> Result<TransactionReader> {
    options.check()?;
    let name = name.as_ref();
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match reader.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(IngestError::Io {
                    path: name.to_path_buf(),
                    source,
                });
            }
        }
    }
    let input = std::io::Cursor::new(magic[..got].to_vec()).chain(reader);
    let (input, gzip): (Box<dyn Read + Send>, bool) = if got == 2 && magic == [0x1f, 0x8b] {
        (
            Box::new(flate2::read::MultiGzDecoder::new(
                std::io::BufReader::with_capacity(1 << 20, input),
            )),
            true,
        )
    } else {
        (Box::new(input), false)
    };
    Ok(TransactionReader::Csv(csv::CsvReader::from_input(
        name, input, gzip, options,
    )?))
}

/// Real data samples compiled into the crate (see the NOTICE file for their origin and
/// licences), so examples, tests and the CLI's default run work on a fresh checkout. Behind the
/// `samples` feature: an embedder's binary does not carry them.
#[cfg(any(test, feature = "samples"))]
pub mod samples {
    /// UCI Online Retail (CC BY 4.0): every invoice of the customers whose id is a multiple of
    /// 5 and every guest invoice whose number is, 2010-12-01 .. 2011-12-09; gzip CSV, 99,096
    /// lines, same columns and formats as the full file.
    pub const ONLINE_RETAIL: &[u8] = include_bytes!("../data/online_retail_sample.csv.gz");
    /// Tableau's Sample - Superstore, all 9,994 lines, Windows-1252, CRLF; gzip CSV.
    pub const SUPERSTORE: &[u8] = include_bytes!("../data/superstore.csv.gz");
    /// R arules Groceries baskets (9,835 baskets, 169 items), one basket a line; gzip CSV.
    pub const GROCERIES: &[u8] = include_bytes!("../data/groceries.csv.gz");

    /// Opens an embedded transaction sample.
    ///
    /// # Errors
    /// As [`crate::open_reader`].
    pub fn open(
        name: &str,
        bytes: &'static [u8],
        options: &super::IngestParams,
    ) -> super::Result<super::TransactionReader> {
        super::open_reader(
            format!("embedded:{name}"),
            std::io::Cursor::new(bytes),
            options,
        )
    }
}

/// A whole file read into memory.
#[derive(Debug, Clone)]
pub struct Transactions {
    /// The canonical batches.
    pub batches: Vec<RecordBatch>,
    /// What the ingest did.
    pub report: IngestReport,
}

impl Transactions {
    /// Canonical rows accepted.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Reads a whole transaction file.
///
/// # Errors
/// As [`open`], and the first error of reading a batch (in strict mode, the first rejected
/// row).
pub fn read_transactions(path: impl AsRef<Path>, options: &IngestParams) -> Result<Transactions> {
    let mut reader = open(path, options)?;
    let batches = reader.by_ref().collect::<Result<Vec<_>>>()?;
    Ok(Transactions {
        batches,
        report: reader.into_report(),
    })
}

/// Reads several transaction files (each with its own layout detection and report). The
/// batches share one schema: the canonical columns and every optional column any file has
/// (null in the rows of the files without it).
///
/// # Errors
/// As [`read_transactions`], for the first file that fails.
pub fn read_many<P: AsRef<Path>>(
    paths: &[P],
    options: &IngestParams,
) -> Result<(Vec<RecordBatch>, Vec<IngestReport>)> {
    let mut batches = Vec::new();
    let mut reports = Vec::new();
    for path in paths {
        let t = read_transactions(path, options)?;
        batches.extend(t.batches);
        reports.push(t.report);
    }
    let batches = unify_optional_columns(batches).map_err(|source| IngestError::Arrow {
        path: paths
            .first()
            .map_or_else(PathBuf::new, |p| p.as_ref().to_path_buf()),
        source,
    })?;
    Ok((batches, reports))
}

/// Where the optional full data sets of `../shared/data` are, if present: the directory named
/// by `RETAIL_SHARED_DATA`, else `shared/data` beside the workspace. Test plumbing, behind the
/// `samples` feature.
#[cfg(any(test, feature = "samples"))]
pub fn shared_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("RETAIL_SHARED_DATA") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = workspace.join("../shared/data");
    dir.is_dir().then_some(dir)
}
