//! Writing Arrow batches as files: canonical sales files (docs/schema.md) that every reader of
//! this workspace reads back (layout `canonical`), one file or one per calendar month, and
//! any other table as CSV or Parquet.
//!
//! This module holds the one set of Parquet writer settings of the workspace
//! ([`parquet_writer_properties`]): the CLI's `convert`, `sql --out` and `kpis --out`, and the
//! shard files of `retail-bundles`, all write with them.
//!
//! ```
//! use retail_ingest::write::{FileFormat, Partitioning, write_sales};
//!
//! let dir = tempfile::tempdir()?;
//! let out = dir.path().join("sales");
//! let sales = retail_ingest::samples::open(
//!     "online_retail_sample.csv.gz",
//!     retail_ingest::samples::ONLINE_RETAIL,
//!     &Default::default(),
//! )?
//! .collect::<Result<Vec<_>, _>>()?;
//! let written = write_sales(&out, &sales, FileFormat::Parquet, Partitioning::Month)?;
//! assert_eq!(written.len(), 13); // December 2010 to December 2011
//! assert!(out.join("month=2011-06/part-0.parquet").is_file());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, TimestampMicrosecondArray, UInt32Array};
use arrow::compute::cast;
use arrow::compute::take_record_batch;
use arrow::datatypes::{DataType, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{
    DEFAULT_MAX_ROW_GROUP_ROW_COUNT, WriterProperties, WriterPropertiesBuilder,
};

use crate::datetime::civil_from_days;
use crate::error::{IngestError, Result};
use crate::schema::{OptionalColumns, canonical_schema, canonical_schema_with, col};

/// The zstd level of every Parquet file written (level 1: fast, and still about a quarter
/// of the size of gzip CSV for the canonical table).
pub const ZSTD_LEVEL: i32 = 1;

/// The most rows in one Parquet row group (Parquet's default, stated here so that every
/// writer agrees).
pub const MAX_ROW_GROUP_ROWS: usize = DEFAULT_MAX_ROW_GROUP_ROW_COUNT;

/// The Parquet writer settings of the workspace, as a builder, for a writer that adds its
/// own settings (such as key-value metadata) to them.
pub fn parquet_writer_builder() -> WriterPropertiesBuilder {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("a valid zstd level"),
        ))
        .set_max_row_group_row_count(Some(MAX_ROW_GROUP_ROWS))
}

/// The Parquet writer settings of the workspace: zstd level [`ZSTD_LEVEL`], row groups of at
/// most [`MAX_ROW_GROUP_ROWS`] rows, Parquet's defaults otherwise.
pub fn parquet_writer_properties() -> WriterProperties {
    parquet_writer_builder().build()
}

/// The format of a file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFormat {
    /// Parquet, with [`parquet_writer_properties`].
    Parquet,
    /// CSV with a header line; timestamps in ISO 8601 (what the canonical reader reads back).
    Csv,
}

impl FileFormat {
    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
        }
    }

    /// CSV for a name ending in `.csv` (any case), Parquet otherwise.
    pub fn from_path(path: &Path) -> FileFormat {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            FileFormat::Csv
        } else {
            FileFormat::Parquet
        }
    }
}

/// How canonical rows are spread over files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Partitioning {
    /// One file.
    None,
    /// One file per calendar month of the invoice date, in hive-style directories:
    /// `DIR/month=YYYY-MM/part-0.parquet` (or `.csv`), the layout that
    /// `retail_metrics::distributed::register_sales_files` and other Parquet readers scan in
    /// parallel and prune by month.
    Month,
}

/// A file written, with its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WrittenFile {
    /// The file.
    pub path: PathBuf,
    /// Rows in it.
    pub rows: usize,
}

/// A streaming writer of one CSV or Parquet file: batches go out as they come, in constant
/// memory. An empty result still gets its header (CSV) or schema (Parquet).
pub struct BatchFileWriter {
    path: PathBuf,
    schema: SchemaRef,
    inner: Inner,
    wrote_any: bool,
}

// One writer per file: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Inner {
    Parquet(ArrowWriter<File>),
    Csv(arrow::csv::Writer<BufWriter<File>>),
}

impl std::fmt::Debug for BatchFileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchFileWriter")
            .field("path", &self.path)
            .field("format", &self.format())
            .finish_non_exhaustive()
    }
}

impl BatchFileWriter {
    /// Creates (or truncates) `path` for batches of `schema`.
    ///
    /// # Errors
    ///
    /// [`IngestError::Create`] when the file cannot be created; [`IngestError::Write`] when
    /// the Parquet writer refuses the schema.
    pub fn create(path: &Path, schema: SchemaRef, format: FileFormat) -> Result<BatchFileWriter> {
        let file = File::create(path).map_err(|source| IngestError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let inner = match format {
            FileFormat::Csv => Inner::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(BufWriter::new(file)),
            ),
            FileFormat::Parquet => Inner::Parquet(
                ArrowWriter::try_new(file, schema.clone(), Some(parquet_writer_properties()))
                    .map_err(|e| write_error(path, e))?,
            ),
        };
        Ok(BatchFileWriter {
            path: path.to_path_buf(),
            schema,
            inner,
            wrote_any: false,
        })
    }

    /// The file's format.
    pub fn format(&self) -> FileFormat {
        match self.inner {
            Inner::Parquet(_) => FileFormat::Parquet,
            Inner::Csv(_) => FileFormat::Csv,
        }
    }

    /// Writes one batch (of the schema given to [`BatchFileWriter::create`]).
    ///
    /// # Errors
    ///
    /// [`IngestError::Write`] naming the file.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match &mut self.inner {
            Inner::Parquet(w) => w.write(batch).map_err(|e| write_error(&self.path, e))?,
            Inner::Csv(w) => w.write(batch).map_err(|e| write_error(&self.path, e))?,
        }
        self.wrote_any = true;
        Ok(())
    }

    /// Completes the file: the Parquet footer, or the CSV header alone when no batch came.
    ///
    /// # Errors
    ///
    /// [`IngestError::Write`] naming the file.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        match self.inner {
            Inner::Parquet(w) => {
                w.close().map_err(|e| write_error(&path, e))?;
            }
            Inner::Csv(mut w) => {
                if !self.wrote_any {
                    w.write(&RecordBatch::new_empty(self.schema))
                        .map_err(|e| write_error(&path, e))?;
                }
                w.into_inner().flush().map_err(|e| write_error(&path, e))?;
            }
        }
        Ok(())
    }
}

fn write_error(path: &Path, source: impl std::error::Error + Send + Sync + 'static) -> IngestError {
    IngestError::Write {
        path: path.to_path_buf(),
        source: Box::new(source),
    }
}

/// Writes batches of `schema` to a file (CSV or Parquet); an empty result still gets its
/// header (CSV) or schema (Parquet). For any table; [`write_canonical`] for sales.
///
/// # Errors
///
/// [`IngestError::Create`] or [`IngestError::Write`] naming the file.
pub fn write_batches(
    path: &Path,
    schema: SchemaRef,
    batches: &[RecordBatch],
    format: FileFormat,
) -> Result<()> {
    let mut writer = BatchFileWriter::create(path, schema, format)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()
}

/// Writes canonical batches (all of one schema: the canonical columns and the optional ones
/// they have, as [`crate::unify_optional_columns`] gives) as one canonical sales file,
/// creating its directory. With no batches the file has the canonical columns alone.
///
/// # Errors
///
/// [`IngestError::Create`] or [`IngestError::Write`] naming the file or directory.
pub fn write_canonical(path: &Path, batches: &[RecordBatch], format: FileFormat) -> Result<()> {
    create_parent(path)?;
    let schema = batches
        .first()
        .map_or_else(canonical_schema, RecordBatch::schema);
    write_batches(path, schema, batches, format)
}

/// Splits canonical rows by the calendar month of their invoice date and writes one file per
/// month, `dir/month=YYYY-MM/part-0.EXT`, in month order.
///
/// # Errors
///
/// [`IngestError::InvalidParameter`] (`batches`) for a batch without its timestamp column
/// or with a null timestamp; [`IngestError::Create`] or [`IngestError::Write`] naming the
/// file.
pub fn write_months(
    dir: &Path,
    batches: &[RecordBatch],
    format: FileFormat,
) -> Result<Vec<WrittenFile>> {
    let schema = batches
        .first()
        .map_or_else(canonical_schema, RecordBatch::schema);
    let mut writer = SalesWriter::create(dir, schema, format, Partitioning::Month)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()
}

/// Writes canonical batches to `out`: one file ([`write_canonical`]) or a directory of month
/// files ([`write_months`]). [`SalesWriter`] does the same batch by batch.
///
/// # Errors
///
/// [`IngestError::OutputPath`] when `out` is a directory and one file is to be written, or a
/// file and month partitions are; otherwise as [`write_canonical`] and [`write_months`].
pub fn write_sales(
    out: &Path,
    batches: &[RecordBatch],
    format: FileFormat,
    partitioning: Partitioning,
) -> Result<Vec<WrittenFile>> {
    let schema = batches
        .first()
        .map_or_else(canonical_schema, RecordBatch::schema);
    let mut writer = SalesWriter::create(out, schema, format, partitioning)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()
}

/// Canonical sales written batch by batch as they are read, in memory bounded by the open
/// files' buffers (a Parquet file holds its current row group, at most
/// [`MAX_ROW_GROUP_ROWS`] rows, encoded), whatever the input's size: one file, or one file
/// per calendar month of the invoice date (`OUT/month=YYYY-MM/part-0.EXT`, each month's file
/// open from its first line to [`SalesWriter::finish`]). Within a file the rows keep their
/// order; exports come in time order, so a file's row groups cover consecutive periods and a
/// date-sliced scan skips the others by their statistics.
#[derive(Debug)]
pub struct SalesWriter {
    out: PathBuf,
    schema: SchemaRef,
    format: FileFormat,
    single: Option<(BatchFileWriter, usize)>,
    months: BTreeMap<(i64, u32), (PathBuf, BatchFileWriter, usize)>,
}

impl SalesWriter {
    /// Starts writing batches of `schema` (the canonical columns and the optional ones the
    /// batches have) to `out`: a file, created with its directory, or a directory of months.
    ///
    /// # Errors
    ///
    /// [`IngestError::OutputPath`] when `out` is a directory and one file is to be written, or
    /// a file and month partitions are; [`IngestError::Create`] or [`IngestError::Write`]
    /// naming the file.
    pub fn create(
        out: &Path,
        schema: SchemaRef,
        format: FileFormat,
        partitioning: Partitioning,
    ) -> Result<SalesWriter> {
        let mut writer = SalesWriter {
            out: out.to_path_buf(),
            schema,
            format,
            single: None,
            months: BTreeMap::new(),
        };
        match partitioning {
            Partitioning::None => {
                if out.is_dir() {
                    return Err(IngestError::OutputPath {
                        path: out.to_path_buf(),
                        wants_directory: false,
                    });
                }
                create_parent(out)?;
                let file = BatchFileWriter::create(out, writer.schema.clone(), format)?;
                writer.single = Some((file, 0));
            }
            Partitioning::Month => {
                if out.is_file() {
                    return Err(IngestError::OutputPath {
                        path: out.to_path_buf(),
                        wants_directory: true,
                    });
                }
            }
        }
        Ok(writer)
    }

    /// Writes one batch of the schema given to [`SalesWriter::create`].
    ///
    /// # Errors
    ///
    /// [`IngestError::InvalidParameter`] (`batches`) for a batch without its timestamp column
    /// or with a null timestamp (month partitions); [`IngestError::Create`] or
    /// [`IngestError::Write`] naming the file.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if let Some((file, rows)) = &mut self.single {
            file.write(batch)?;
            *rows += batch.num_rows();
            return Ok(());
        }
        for ((year, month), part) in split_by_month(batch)? {
            let entry = match self.months.entry((year, month)) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::btree_map::Entry::Vacant(entry) => {
                    let path = self.out.join(format!(
                        "month={year:04}-{month:02}/part-0.{}",
                        self.format.extension()
                    ));
                    create_parent(&path)?;
                    let file = BatchFileWriter::create(&path, self.schema.clone(), self.format)?;
                    entry.insert((path, file, 0))
                }
            };
            entry.1.write(&part)?;
            entry.2 += part.num_rows();
        }
        Ok(())
    }

    /// Completes every file; returns them in month order, with their rows.
    ///
    /// # Errors
    ///
    /// [`IngestError::Write`] naming the file.
    pub fn finish(self) -> Result<Vec<WrittenFile>> {
        if let Some((file, rows)) = self.single {
            file.finish()?;
            return Ok(vec![WrittenFile {
                path: self.out,
                rows,
            }]);
        }
        let mut written = Vec::with_capacity(self.months.len());
        for (_, (path, file, rows)) in self.months {
            file.finish()?;
            written.push(WrittenFile { path, rows });
        }
        Ok(written)
    }
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| IngestError::Create {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// The rows of a canonical batch by calendar month (year, month) of their timestamp.
fn split_by_month(batch: &RecordBatch) -> Result<Vec<((i64, u32), RecordBatch)>> {
    let bad = |message: String| IngestError::InvalidParameter {
        parameter: "batches",
        message,
    };
    let timestamps = batch
        .column_by_name(col::TIMESTAMP)
        .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
        .ok_or_else(|| bad("canonical batch without its timestamp column".into()))?;
    let mut rows: BTreeMap<(i64, u32), Vec<u32>> = BTreeMap::new();
    for (i, micros) in timestamps.values().iter().enumerate() {
        if timestamps.is_null(i) {
            return Err(bad(format!(
                "canonical batch with a null timestamp (row {i})"
            )));
        }
        let (year, month, _) = civil_from_days(micros.div_euclid(86_400_000_000));
        rows.entry((year, month)).or_default().push(i as u32);
    }
    rows.into_iter()
        .map(|(month, indices)| {
            let part = take_record_batch(batch, &UInt32Array::from(indices))
                .map_err(|e| bad(e.to_string()))?;
            Ok((month, part))
        })
        .collect()
}

pub use crate::schema::canonical_column_names;

/// Whether a column of type `from` casts to the canonical type `to` without loss.
fn castable(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    from == to
        || match to {
            Utf8 => {
                matches!(from, Utf8View | LargeUtf8 | Null)
                    || matches!(from, Dictionary(_, value) if value.as_ref() == &Utf8)
            }
            Int64 => matches!(from, Int8 | Int16 | Int32 | UInt8 | UInt16 | UInt32 | Null),
            Float64 => matches!(
                from,
                Float16 | Float32 | Int8 | Int16 | Int32 | UInt8 | UInt16 | UInt32 | Null
            ),
            Timestamp(_, None) => matches!(from, Timestamp(_, None) | Date32 | Date64),
            _ => false,
        }
}

/// The canonical schema a table of `schema` (such as a query result) is written with: the
/// canonical columns in order, then the optional columns (customer_name, …) the table has,
/// in their order. Each column's type must cast to its canonical type without loss (a
/// narrower integer or float, another string type or dictionary-encoded text, a date for the
/// timestamp); its batches
/// are then made canonical with [`conform_canonical`].
///
/// # Errors
/// [`IngestError::NotCanonicalColumns`] when the names or their order differ,
/// [`IngestError::NotCanonicalType`] for a column of another type.
pub fn canonical_target(schema: &Schema) -> Result<SchemaRef> {
    let got: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let extras = got
        .get(canonical_schema().fields().len()..)
        .and_then(OptionalColumns::from_names)
        .unwrap_or_default();
    let canonical = canonical_schema_with(extras);
    let want: Vec<&str> = canonical
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    if got != want {
        return Err(IngestError::NotCanonicalColumns {
            columns: got.iter().map(|c| c.to_string()).collect(),
        });
    }
    for (have, field) in schema.fields().iter().zip(canonical.fields()) {
        if !castable(have.data_type(), field.data_type()) {
            return Err(IngestError::NotCanonicalType {
                column: field.name().clone(),
                found: have.data_type().clone(),
                expected: field.data_type().clone(),
            });
        }
    }
    Ok(canonical)
}

/// A batch whose schema [`canonical_target`] accepted, as a batch of `target` (lossless
/// casts).
///
/// # Errors
/// [`IngestError::NullInCanonicalColumn`] for a null in a required column,
/// [`IngestError::CanonicalCast`] when a cast fails.
pub fn conform_canonical(batch: &RecordBatch, target: &SchemaRef) -> Result<RecordBatch> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(target.fields().len());
    for (column, field) in batch.columns().iter().zip(target.fields()) {
        let cast_error = |source| IngestError::CanonicalCast {
            column: field.name().clone(),
            source,
        };
        let column = if column.data_type() == field.data_type() {
            column.clone()
        } else {
            cast(column, field.data_type()).map_err(cast_error)?
        };
        if !field.is_nullable() && column.null_count() > 0 {
            return Err(IngestError::NullInCanonicalColumn {
                column: field.name().clone(),
            });
        }
        columns.push(column);
    }
    RecordBatch::try_new(target.clone(), columns).map_err(|source| IngestError::CanonicalCast {
        column: String::new(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow::array::{Float64Array, Int32Array, Int64Array, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn batch(micros: &[i64]) -> RecordBatch {
        let schema = canonical_schema();
        let n = micros.len();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| -> ArrayRef {
                match f.name().as_str() {
                    col::TIMESTAMP => Arc::new(TimestampMicrosecondArray::from(micros.to_vec())),
                    col::QUANTITY => Arc::new(Int64Array::from(vec![1; n])),
                    col::LINE_AMOUNT => Arc::new(Float64Array::from(vec![1.0; n])),
                    _ if f.data_type() == &arrow::datatypes::DataType::Float64 => {
                        Arc::new(Float64Array::from(vec![None::<f64>; n]))
                    }
                    _ => Arc::new(StringArray::from(vec!["x"; n])),
                }
            })
            .collect();
        RecordBatch::try_new(schema, columns).unwrap()
    }

    // 1969-12-31 23:59:59, 2011-01-01 00:00, 2010-12-31 23:59:59.999999, 2011-01-31 12:00
    const MICROS: [i64; 4] = [
        -1_000_000,
        1_293_840_000_000_000,
        1_293_839_999_999_999,
        1_296_475_200_000_000,
    ];

    #[test]
    fn rows_split_by_calendar_month_including_before_1970() {
        let parts = split_by_month(&batch(&MICROS)).unwrap();
        let got: Vec<((i64, u32), usize)> = parts.iter().map(|(m, b)| (*m, b.num_rows())).collect();
        assert_eq!(got, vec![((1969, 12), 1), ((2010, 12), 1), ((2011, 1), 2)]);
        let january = parts[2].1.column_by_name(col::TIMESTAMP).unwrap();
        let january = january
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        assert_eq!(january.values().to_vec(), vec![MICROS[1], MICROS[3]]);
    }

    #[test]
    fn month_files_hold_their_months_rows_with_the_workspace_settings() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sales");
        let written = write_sales(
            &out,
            &[batch(&MICROS)],
            FileFormat::Parquet,
            Partitioning::Month,
        )
        .unwrap();
        let got: Vec<(String, usize)> = written
            .iter()
            .map(|w| {
                let relative = w.path.strip_prefix(&out).unwrap();
                (relative.to_string_lossy().replace('\\', "/"), w.rows)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("month=1969-12/part-0.parquet".to_string(), 1),
                ("month=2010-12/part-0.parquet".to_string(), 1),
                ("month=2011-01/part-0.parquet".to_string(), 2),
            ]
        );
        let file = File::open(&written[2].path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let column = reader.metadata().row_group(0).column(0);
        assert_eq!(
            column.compression(),
            Compression::ZSTD(ZstdLevel::try_new(1).unwrap())
        );
        let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 2);

        // A file where the months' directory should be, and the reverse, are refused.
        let err = write_sales(&written[0].path, &[], FileFormat::Csv, Partitioning::Month);
        assert!(
            matches!(err, Err(IngestError::OutputPath { .. })),
            "{err:?}"
        );
        let err = write_sales(&out, &[], FileFormat::Csv, Partitioning::None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: a directory; one file is written there", out.display())
        );
    }

    #[test]
    fn an_empty_canonical_csv_has_the_header_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/empty.csv");
        write_canonical(&path, &[], FileFormat::from_path(&path)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Vec<String> = canonical_schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(text, format!("{}\n", header.join(",")));
    }

    #[test]
    fn a_null_timestamp_is_refused_naming_the_row() {
        let mut columns = batch(&MICROS).columns().to_vec();
        let index = canonical_schema().index_of(col::TIMESTAMP).unwrap();
        columns[index] = Arc::new(TimestampMicrosecondArray::from(vec![
            Some(0),
            None,
            Some(0),
            Some(0),
        ]));
        let schema = Arc::new(arrow::datatypes::Schema::new(
            canonical_schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_nullable(true))
                .collect::<Vec<_>>(),
        ));
        let batch = RecordBatch::try_new(schema, columns).unwrap();
        let err = split_by_month(&batch).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid batches: canonical batch with a null timestamp (row 1)"
        );
    }

    #[test]
    fn a_table_is_made_canonical_by_lossless_casts() {
        let canonical = batch(&[0, 1]);
        // quantity as Int32, as a query may give it.
        let mut fields: Vec<arrow::datatypes::Field> = canonical
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let q = canonical.schema().index_of(col::QUANTITY).unwrap();
        fields[q] = fields[q].clone().with_data_type(DataType::Int32);
        let mut columns = canonical.columns().to_vec();
        columns[q] = Arc::new(Int32Array::from(vec![3, -2]));
        let narrow =
            RecordBatch::try_new(Arc::new(Schema::new(fields.clone())), columns.clone()).unwrap();
        let target = canonical_target(&narrow.schema()).unwrap();
        assert_eq!(target, canonical_schema());
        let conformed = conform_canonical(&narrow, &target).unwrap();
        let quantity = conformed
            .column(q)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        assert_eq!(quantity.values().to_vec(), vec![3, -2]);

        // Dictionary-encoded text (a compact table's) is written back as plain text.
        let c = canonical.schema().index_of(col::COUNTRY).unwrap();
        let mut dict_fields = fields.clone();
        dict_fields[c] = dict_fields[c].clone().with_data_type(DataType::Dictionary(
            Box::new(DataType::Int32),
            Box::new(DataType::Utf8),
        ));
        let mut dict_columns = columns.clone();
        dict_columns[c] = cast(&columns[c], dict_fields[c].data_type()).unwrap();
        let dict = RecordBatch::try_new(Arc::new(Schema::new(dict_fields)), dict_columns).unwrap();
        let target = canonical_target(&dict.schema()).unwrap();
        assert_eq!(target, canonical_schema());
        let conformed = conform_canonical(&dict, &target).unwrap();
        assert_eq!(conformed.column(c).as_ref(), columns[c].as_ref());

        // A float quantity does not cast without loss.
        fields[q] = fields[q].clone().with_data_type(DataType::Float64);
        let err = canonical_target(&Schema::new(fields.clone())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column quantity is Float64 in the table, Int64 in the canonical schema"
        );
        // Columns out of order.
        fields.swap(0, 1);
        let err = canonical_target(&Schema::new(fields)).unwrap_err();
        assert!(matches!(
            &err,
            IngestError::NotCanonicalColumns { columns } if columns[0] == col::TIMESTAMP
        ));
        assert!(err.to_string().starts_with(
            "a canonical sales table has the canonical columns in order (invoice_id, timestamp,"
        ));

        // A null in a required column.
        let mut columns = canonical.columns().to_vec();
        let i = canonical.schema().index_of(col::INVOICE_ID).unwrap();
        columns[i] = Arc::new(StringArray::from(vec![Some("a"), None]));
        let fields: Vec<arrow::datatypes::Field> = canonical
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect();
        let nullable = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        let err = conform_canonical(&nullable, &canonical_schema()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column invoice_id has a null value, and every canonical line needs one"
        );
    }
}
