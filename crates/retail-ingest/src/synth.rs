//! Deterministic synthetic data for benchmarks and tests.
//!
//! [`scale_up`] grows a real canonical table to any size by repeating it: copy `k` (from 1)
//! suffixes every invoice id and customer id with `~k`, so orders and customers multiply with
//! the copies while dates, products, prices, places and line kinds stay those of the real data
//! (revenue, units and line counts scale exactly by the number of copies).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::record_batch::RecordBatch;

use crate::schema::col;

/// `target_rows` rows made of whole and partial copies of `batches` (copy 0 is the original),
/// as batches of the original sizes. Empty input gives no rows.
pub fn scale_up(batches: &[RecordBatch], target_rows: usize) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    scale_up_each(batches, target_rows, |batch| {
        out.push(batch);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    out
}

/// [`scale_up`] batch by batch: each batch of the copies goes to `write` as it is made, so
/// memory stays that of `batches` whatever `target_rows` is. An error of `write` stops it.
///
/// # Errors
/// `write`'s.
pub fn scale_up_each<E>(
    batches: &[RecordBatch],
    target_rows: usize,
    mut write: impl FnMut(RecordBatch) -> Result<(), E>,
) -> Result<(), E> {
    let base: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if base == 0 {
        return Ok(());
    }
    let mut remaining = target_rows;
    let mut copy = 0usize;
    while remaining > 0 {
        for batch in batches {
            if remaining == 0 {
                break;
            }
            let take = batch.num_rows().min(remaining);
            let slice = batch.slice(0, take);
            write(if copy == 0 {
                slice
            } else {
                suffixed(&slice, copy)
            })?;
            remaining -= take;
        }
        copy += 1;
    }
    Ok(())
}

fn suffixed(batch: &RecordBatch, copy: usize) -> RecordBatch {
    let suffix = format!("~{copy}");
    let schema = batch.schema();
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, column)| {
            if field.name() == col::INVOICE_ID || field.name() == col::CUSTOMER_ID {
                let strings = column.as_string::<i32>();
                let mut builder = StringBuilder::with_capacity(
                    strings.len(),
                    strings.value_data().len() + strings.len() * suffix.len(),
                );
                for value in strings.iter() {
                    match value {
                        Some(v) => builder.append_value(format!("{v}{suffix}")),
                        None => builder.append_null(),
                    }
                }
                Arc::new(builder.finish()) as ArrayRef
            } else {
                Arc::clone(column)
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("same schema, same lengths")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IngestParams, samples};

    #[test]
    fn scales_rows_orders_and_customers_exactly() {
        let reader = samples::open("s", samples::SUPERSTORE, &IngestParams::default()).unwrap();
        let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        let grown = scale_up(&batches, 9_994 * 3 + 6);
        assert_eq!(
            grown.iter().map(RecordBatch::num_rows).sum::<usize>(),
            29_988
        );
        let mut invoices = std::collections::HashSet::new();
        let mut customers = std::collections::HashSet::new();
        for batch in &grown {
            let inv = batch
                .column_by_name(col::INVOICE_ID)
                .unwrap()
                .as_string::<i32>();
            let cus = batch
                .column_by_name(col::CUSTOMER_ID)
                .unwrap()
                .as_string::<i32>();
            for i in 0..batch.num_rows() {
                invoices.insert(inv.value(i).to_string());
                customers.insert(cus.value(i).to_string());
            }
        }
        // Superstore: 5,009 orders and 793 customers; the 6 extra rows of copy 3 are the first
        // six lines (orders CA-2016-152156, CA-2016-138688, US-2015-108966, CA-2014-115812 of
        // customers CG-12520, DV-13045, SO-20335, BH-11710).
        assert_eq!(invoices.len(), 5_009 * 3 + 4);
        assert_eq!(customers.len(), 793 * 3 + 4);
        assert!(invoices.contains("CA-2016-152156~2"));
        assert!(scale_up(&[], 10).is_empty());
    }
}
