//! Parquet files of any of the layouts, through the same row conversion as CSV (so a Parquet
//! copy of an export gives the same canonical table). Timestamps may be real timestamp or
//! date columns, or text.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use arrow::compute::{cast, filter};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::IngestParams;
use crate::convert::{Conversion, RowConverter};
use crate::encoding::TextEncoding;
use crate::error::{IngestError, Result};
use crate::layout::resolve;
use crate::report::{
    DateEvidence, IngestReport, Location, MAX_ABS_AMOUNT, MAX_ABS_QUANTITY, RejectReason,
    Rejection, SourceFormat, TIMESTAMP_RANGE, Tally,
};
use crate::schema::{
    LineKind, OPTIONAL_COLUMNS, OptionalColumns, canonical_schema, canonical_schema_with, col,
};

/// A streaming reader of one Parquet file: canonical batches in file order.
#[derive(Debug)]
pub struct ParquetReader {
    path: PathBuf,
    inner: ParquetRecordBatchReader,
    /// `None` for a file that already has the canonical schema (written by this workspace or
    /// another tool): its batches are checked and passed through.
    conversion: Option<Conversion>,
    /// The schema of a canonical file's batches: the canonical columns and the optional
    /// columns the file has.
    canonical: arrow::datatypes::SchemaRef,
    report: IngestReport,
    rows_seen: u64,
    strict: bool,
    max_samples: usize,
    done: bool,
    evidence: DateEvidence,
    order_from_layout: bool,
}

impl ParquetReader {
    pub(crate) fn open(path: &Path, options: &IngestParams) -> Result<ParquetReader> {
        let file = File::open(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let parquet_err = |source| IngestError::Parquet {
            path: path.to_path_buf(),
            source,
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet_err)?;
        let header: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let canonical = canonical_schema();
        if options.mapping.is_none() && canonical.fields().iter().all(|f| header.contains(f.name()))
        {
            let extras = OPTIONAL_COLUMNS
                .iter()
                .filter(|name| header.iter().any(|h| h == *name))
                .fold(OptionalColumns::NONE, |set, name| {
                    set.with(name).unwrap_or(set)
                });
            let inner = builder
                .with_batch_size(options.parquet_batch_rows.max(1))
                .build()
                .map_err(parquet_err)?;
            let mut report = IngestReport::new(
                path.display().to_string(),
                SourceFormat::Parquet,
                "canonical".into(),
            );
            report.optional_columns = extras.names().map(String::from).collect();
            return Ok(ParquetReader {
                path: path.to_path_buf(),
                inner,
                conversion: None,
                canonical: canonical_schema_with(extras),
                report,
                rows_seen: 0,
                strict: options.strict,
                max_samples: options.max_samples,
                done: false,
                evidence: DateEvidence::default(),
                order_from_layout: false,
            });
        }
        let plan = resolve(options.mapping.as_ref(), header, path)?;
        // Read only the mapped columns.
        let mut wanted: Vec<usize> = plan.source_index.iter().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), wanted);
        let inner = builder
            .with_projection(mask)
            .with_batch_size(options.parquet_batch_rows.max(1))
            .build()
            .map_err(parquet_err)?;
        let order_from_layout = options.date_order == crate::DateOrder::Auto
            && plan.mapping.date_order != crate::DateOrder::Auto;
        let date_order = match (options.date_order, plan.mapping.date_order) {
            (crate::DateOrder::Auto, from_layout) => from_layout,
            (given, _) => given,
        };
        let mut report = IngestReport::new(
            path.display().to_string(),
            SourceFormat::Parquet,
            plan.mapping.name.clone(),
        );
        report.date_order = date_order;
        report.optional_columns = plan.optional_columns().names().map(String::from).collect();
        Ok(ParquetReader {
            path: path.to_path_buf(),
            inner,
            conversion: Some(Conversion {
                plan,
                encoding: TextEncoding::Utf8,
                date_order,
                max_samples: options.max_samples.max(1),
                gather_date_evidence: order_from_layout,
                path: path.to_path_buf(),
            }),
            canonical,
            report,
            rows_seen: 0,
            strict: options.strict,
            max_samples: options.max_samples,
            done: false,
            evidence: DateEvidence::default(),
            order_from_layout,
        })
    }

    /// The report so far (complete once iteration has ended).
    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    pub(crate) fn into_report(self) -> IngestReport {
        self.report
    }

    fn convert(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let Some(conversion) = &self.conversion else {
            return self.pass_canonical(batch);
        };
        let arrow_err = |source| IngestError::Arrow {
            path: self.path.clone(),
            source,
        };
        // Every mapped column as text; the projection renumbered the columns, so find them
        // by name.
        let plan = &conversion.plan;
        let mut text: Vec<Option<StringArray>> = vec![None; plan.header.len()];
        for index in plan.source_index.iter().flatten() {
            let name = &plan.header[*index];
            let column = batch
                .column_by_name(name)
                .ok_or_else(|| IngestError::Parquet {
                    path: self.path.clone(),
                    source: parquet::errors::ParquetError::General(format!(
                        "column '{name}' missing from a row group"
                    )),
                })?;
            text[*index] = Some(as_text(column).map_err(arrow_err)?);
        }
        let mut converter =
            RowConverter::new(conversion, batch.num_rows(), batch.get_array_memory_size());
        for row in 0..batch.num_rows() {
            converter.push(Location::Row(row as u64), |i| match &text[i] {
                Some(array) if array.is_valid(row) => array.value(row).as_bytes(),
                _ => b"",
            });
        }
        let (out, tally) = converter.finish().map_err(arrow_err)?;
        self.account(tally, batch.num_rows())?;
        Ok(out)
    }

    /// A batch of a canonical file: cast to the canonical types, and reject (count) the rows
    /// with a null required value or an unknown line kind.
    fn pass_canonical(&mut self, batch: &RecordBatch) -> Result<RecordBatch> {
        let arrow_err = |source| IngestError::Arrow {
            path: self.path.clone(),
            source,
        };
        let schema = Arc::clone(&self.canonical);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            let column =
                batch
                    .column_by_name(field.name())
                    .ok_or_else(|| IngestError::Parquet {
                        path: self.path.clone(),
                        source: parquet::errors::ParquetError::General(format!(
                            "column '{}' missing from a row group",
                            field.name()
                        )),
                    })?;
            columns.push(if column.data_type() == field.data_type() {
                Arc::clone(column)
            } else {
                cast(column, field.data_type()).map_err(arrow_err)?
            });
        }
        let rows = batch.num_rows();
        let mut keep = vec![true; rows];
        let mut tally = Tally {
            rows_read: rows as u64,
            ..Tally::default()
        };
        for (field, column) in schema.fields().iter().zip(&columns) {
            if field.is_nullable() || column.null_count() == 0 {
                continue;
            }
            for (row, kept) in keep.iter_mut().enumerate() {
                if *kept && column.is_null(row) {
                    *kept = false;
                    tally.reject(
                        Rejection {
                            location: Location::Row(row as u64),
                            column: Some(field.name().clone()),
                            reason: RejectReason::MissingValue,
                            detail: "null".into(),
                        },
                        self.max_samples.max(1),
                    );
                }
            }
        }
        let column = |name: &str| schema.index_of(name).map(|i| &columns[i]);
        let kinds = column(col::LINE_KIND)
            .map_err(arrow_err)?
            .as_string::<i32>();
        let timestamps = column(col::TIMESTAMP)
            .map_err(arrow_err)?
            .as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
        let quantities = column(col::QUANTITY)
            .map_err(arrow_err)?
            .as_primitive::<arrow::datatypes::Int64Type>();
        let mut money = Vec::with_capacity(4);
        for name in [
            col::UNIT_PRICE,
            col::LINE_AMOUNT,
            col::DISCOUNT,
            col::PROFIT,
        ] {
            money.push((
                name,
                column(name)
                    .map_err(arrow_err)?
                    .as_primitive::<arrow::datatypes::Float64Type>(),
            ));
        }
        for (row, kept) in keep.iter_mut().enumerate() {
            if !*kept {
                continue;
            }
            let timestamp = timestamps.value(row);
            let quantity = quantities.value(row);
            let out_of_range = if !TIMESTAMP_RANGE.contains(&timestamp) {
                Some((
                    col::TIMESTAMP,
                    RejectReason::TimestampOutOfRange,
                    format!(
                        "{} is outside the accepted 1900-01-01 .. 2200-12-31",
                        crate::datetime::format_timestamp_micros(timestamp)
                    ),
                ))
            } else if quantity.unsigned_abs() > MAX_ABS_QUANTITY as u64 {
                Some((
                    col::QUANTITY,
                    RejectReason::QuantityOutOfRange,
                    format!("{quantity} is beyond ±10^12"),
                ))
            } else {
                money.iter().find_map(|(name, values)| {
                    let v = values.value(row);
                    (values.is_valid(row) && !crate::convert::within(v, MAX_ABS_AMOUNT)).then(
                        || {
                            (
                                *name,
                                RejectReason::AmountOutOfRange,
                                format!("{v} is beyond ±1e15 or not finite"),
                            )
                        },
                    )
                })
            };
            if let Some((name, reason, detail)) = out_of_range {
                *kept = false;
                tally.reject(
                    Rejection {
                        location: Location::Row(row as u64),
                        column: Some(name.to_string()),
                        reason,
                        detail,
                    },
                    self.max_samples.max(1),
                );
                continue;
            }
            match LineKind::parse(kinds.value(row)) {
                Some(kind) => tally.accept(kind, timestamp),
                None => {
                    *kept = false;
                    tally.reject(
                        Rejection {
                            location: Location::Row(row as u64),
                            column: Some(col::LINE_KIND.into()),
                            reason: RejectReason::UnknownLineKind,
                            detail: format!(
                                "'{}' is not a line kind (sale, cancellation, adjustment)",
                                kinds.value(row)
                            ),
                        },
                        self.max_samples.max(1),
                    );
                }
            }
        }
        // Drop the rejected rows before the batch takes the canonical (non-null) schema.
        let columns = if tally.rejected() > 0 {
            let mask = BooleanArray::from(keep);
            columns
                .iter()
                .map(|c| filter(c, &mask))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(arrow_err)?
        } else {
            columns
        };
        let out = RecordBatch::try_new(schema, columns).map_err(arrow_err)?;
        self.account(tally, rows)?;
        Ok(out)
    }

    /// Adds a batch's tally to the report (or stops, in strict mode).
    fn account(&mut self, tally: Tally, rows: usize) -> Result<()> {
        let offset = self.rows_seen + 1;
        self.rows_seen += rows as u64;
        if self.strict && tally.rejected() > 0 {
            let mut rejection = tally.samples[0].clone();
            rejection.location = rejection.location.shifted(offset);
            return Err(IngestError::Rejected {
                path: self.path.clone(),
                rejection,
            });
        }
        self.evidence.merge(&tally.evidence);
        self.report.absorb(tally, offset, self.max_samples);
        Ok(())
    }
}

/// A column as UTF-8 text. Floats print in their shortest round-trip form, so numbers parse
/// back to the same value.
fn as_text(column: &ArrayRef) -> std::result::Result<StringArray, arrow::error::ArrowError> {
    let utf8 = match column.data_type() {
        DataType::Utf8 => Arc::clone(column),
        _ => cast(column, &DataType::Utf8)?,
    };
    Ok(utf8
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("cast to Utf8 gives a StringArray")
        .clone())
}

impl Iterator for ParquetReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let batch = match self.inner.next() {
                None => {
                    self.done = true;
                    self.report
                        .finish(std::mem::take(&mut self.evidence), self.order_from_layout);
                    return None;
                }
                Some(Ok(batch)) => batch,
                Some(Err(source)) => {
                    self.done = true;
                    return Some(Err(IngestError::Arrow {
                        path: self.path.clone(),
                        source,
                    }));
                }
            };
            match self.convert(&batch) {
                Ok(out) if out.num_rows() == 0 => continue,
                Ok(out) => return Some(Ok(out)),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
