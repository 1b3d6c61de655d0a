//! Itemsets and rules for formats without lists (CSV): the item lists of
//! [`crate::FrequentItemsets::to_record_batch`] and [`crate::AssociationRules::to_record_batch`]
//! as `a|b|c` text.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use crate::BundlesError;

/// `batch` with every list-of-text column as text, its values joined by `|` (a null value
/// as an empty one); other columns unchanged.
///
/// # Errors
/// [`BundlesError::Arrow`] when a list column does not hold text, or the batch cannot be
/// rebuilt.
pub fn flatten_lists(batch: &RecordBatch) -> Result<RecordBatch, BundlesError> {
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if let DataType::List(_) = field.data_type() {
            let lists = column.as_list::<i32>();
            let mut text = StringBuilder::new();
            for i in 0..lists.len() {
                let values = lists.value(i);
                let values = values.as_string_opt::<i32>().ok_or_else(|| {
                    arrow::error::ArrowError::InvalidArgumentError(format!(
                        "column {} holds lists of {}, not text",
                        field.name(),
                        values.data_type()
                    ))
                })?;
                let joined: Vec<&str> = (0..values.len())
                    .map(|j| {
                        if values.is_valid(j) {
                            values.value(j)
                        } else {
                            ""
                        }
                    })
                    .collect();
                text.append_value(joined.join("|"));
            }
            fields.push(Field::new(field.name(), DataType::Utf8, false));
            columns.push(Arc::new(text.finish()));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, ListBuilder, StringArray};

    #[test]
    fn list_columns_become_joined_text() {
        let mut items = ListBuilder::new(StringBuilder::new());
        items.values().append_value("A");
        items.values().append_value("B");
        items.append(true);
        items.values().append_value("C");
        items.values().append_null();
        items.append(true);
        let batch = RecordBatch::try_from_iter([
            ("items", Arc::new(items.finish()) as ArrayRef),
            ("count", Arc::new(Int64Array::from(vec![7, 3])) as ArrayRef),
        ])
        .unwrap();
        let flat = flatten_lists(&batch).unwrap();
        assert_eq!(flat.schema().field(0).data_type(), &DataType::Utf8);
        let text = flat
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(text.value(0), "A|B");
        assert_eq!(text.value(1), "C|");
        assert_eq!(flat.column(1).as_ref(), batch.column(1).as_ref());
    }
}
