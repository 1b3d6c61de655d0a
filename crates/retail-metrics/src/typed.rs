//! Typed rows of every KPI, read from its Arrow result: each cell becomes a serde value directly
//! (no JSON text in between), so the typed values are exactly the Arrow values.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::{NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::MetricsError;

/// The rows of any result as JSON objects (null columns present as `null`), through Arrow's
/// JSON writer, which also writes lists and structs (the CLI's JSON output of any query).
///
/// # Errors
/// Arrow's error writing a value as JSON.
pub fn json_rows(
    batches: &[RecordBatch],
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, arrow::error::ArrowError> {
    let mut buffer = Vec::new();
    let mut writer = arrow::json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, arrow::json::writer::JsonArray>(&mut buffer);
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()?;
    drop(writer);
    if buffer.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&buffer).map_err(|e| arrow::error::ArrowError::JsonError(e.to_string()))
}

/// Deserialises a KPI's rows into `T`.
///
/// # Errors
/// [`MetricsError::UnexpectedShape`] naming `kpi` when the rows do not fit `T` or a column has
/// a type no KPI has (lists, structs, ...).
pub fn rows<T: DeserializeOwned>(
    kpi: &str,
    batches: &[RecordBatch],
) -> Result<Vec<T>, MetricsError> {
    let shape = |message: String| MetricsError::UnexpectedShape {
        kpi: kpi.to_string(),
        message,
    };
    let mut out = Vec::new();
    for batch in batches {
        let schema = batch.schema();
        let columns: Vec<Vec<serde_json::Value>> = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(array, field)| {
                cells(array.as_ref()).map_err(|e| shape(format!("column `{}`: {e}", field.name())))
            })
            .collect::<Result<_, _>>()?;
        for row in 0..batch.num_rows() {
            let object: serde_json::Map<String, serde_json::Value> = schema
                .fields()
                .iter()
                .zip(&columns)
                .map(|(field, column)| (field.name().clone(), column[row].clone()))
                .collect();
            out.push(
                serde_json::from_value(serde_json::Value::Object(object))
                    .map_err(|e| shape(e.to_string()))?,
            );
        }
    }
    Ok(out)
}

/// The values of one column as serde values: numbers, text and booleans as themselves,
/// non-finite floats and nulls as null, dates and timestamps as Arrow prints them (ISO 8601).
fn cells(array: &dyn Array) -> Result<Vec<serde_json::Value>, arrow::error::ArrowError> {
    use serde_json::Value;
    fn each<T>(array: &dyn Array, value: impl Fn(usize) -> T) -> Vec<Value>
    where
        Value: From<T>,
    {
        (0..array.len())
            .map(|i| {
                if array.is_null(i) {
                    Value::Null
                } else {
                    Value::from(value(i))
                }
            })
            .collect()
    }
    let float = |x: f64| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
    Ok(match array.data_type() {
        DataType::Null => vec![Value::Null; array.len()],
        DataType::Boolean => each(array, |i| array.as_boolean().value(i)),
        DataType::Int8 => each(array, |i| array.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => each(array, |i| array.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => each(array, |i| array.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => each(array, |i| array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => each(array, |i| array.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => each(array, |i| array.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => each(array, |i| array.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => each(array, |i| array.as_primitive::<UInt64Type>().value(i)),
        DataType::Float32 => each(array, |i| {
            float(f64::from(array.as_primitive::<Float32Type>().value(i)))
        }),
        DataType::Float64 => each(array, |i| {
            float(array.as_primitive::<Float64Type>().value(i))
        }),
        DataType::Utf8 => each(array, |i| array.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => each(array, |i| array.as_string::<i64>().value(i)),
        DataType::Utf8View => each(array, |i| array.as_string_view().value(i)),
        // Dictionary-encoded text (the compact table's, `crate::compact`): its values.
        DataType::Dictionary(_, _) => {
            let values = arrow::compute::cast(array, &DataType::Utf8)?;
            return cells(values.as_ref());
        }
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => {
            let formatter = ArrayFormatter::try_new(array, &FormatOptions::default())?;
            each(array, |i| formatter.value(i).to_string())
        }
        other => {
            return Err(arrow::error::ArrowError::NotYetImplemented(format!(
                "{other} values in a typed KPI row"
            )));
        }
    })
}

/// The one-row summary (docs/kpis.md).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub sale_lines: i64,
    pub cancellation_lines: i64,
    pub adjustment_lines: i64,
    pub orders: i64,
    pub customers: i64,
    pub revenue: f64,
    pub forfeited: f64,
    pub net_revenue: f64,
    pub units: i64,
    pub avg_customer_spend: Option<f64>,
    pub avg_order_value: Option<f64>,
    pub orders_per_customer: Option<f64>,
    pub repeat_customers: i64,
    pub repeat_rate: Option<f64>,
    pub cancelled_invoices: i64,
    pub cancelled_invoice_share: Option<f64>,
    pub profit: Option<f64>,
    pub margin: Option<f64>,
    pub first_sale: Option<NaiveDateTime>,
    pub last_sale: Option<NaiveDateTime>,
    /// Completed revenue of lines without a customer id (guest checkouts).
    pub guest_revenue: f64,
    /// Orders (distinct invoices) with completed lines without a customer id.
    pub guest_orders: i64,
    /// guest_revenue / revenue.
    pub guest_revenue_share: Option<f64>,
    /// guest_orders / orders.
    pub guest_order_share: Option<f64>,
    /// Completed revenue of merchandise lines.
    pub merchandise_revenue: f64,
    /// Completed revenue of other charges (postage, fees, adjustments).
    pub other_charges: f64,
    /// Forfeited sales of merchandise: returned or cancelled goods.
    pub forfeited_goods: f64,
    /// Forfeited sales of other charges: fees, postage and adjustments reversed.
    pub forfeited_other_charges: f64,
}

/// Lines and amount of one line kind.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineKindCount {
    pub line_kind: retail_ingest::LineKind,
    pub lines: i64,
    pub amount: f64,
}

/// One of the top customers.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopCustomer {
    pub customer_id: String,
    /// The customer's name (docs/kpis.md): null when the source has no customer names.
    pub customer_name: Option<String>,
    pub revenue: f64,
    pub orders: i64,
    pub units: i64,
    pub profit: Option<f64>,
    /// The customer's forfeited sales (their cancellation lines).
    pub forfeited: f64,
    /// revenue − forfeited.
    pub net_revenue: f64,
}

/// One of the top products.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopProduct {
    pub product_id: String,
    pub product_name: Option<String>,
    pub revenue: f64,
    pub units: i64,
    pub orders: i64,
    /// The product's forfeited sales (its cancellation lines).
    pub forfeited: f64,
    /// revenue − forfeited.
    pub net_revenue: f64,
    /// units − units cancelled or returned.
    pub net_units: i64,
}

/// Forfeited sales of one outcome of the cancellation matching (docs/kpis.md, "Returns and
/// voided orders").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancellationOutcome {
    /// `voided` (matched to a sale within the void window), `returned` (matched later) or
    /// `unmatched`.
    pub outcome: String,
    /// 0, 1, 2 in the order above.
    pub outcome_order: i64,
    /// Cancellation lines.
    pub lines: i64,
    /// Distinct cancellation invoices with a line of this outcome.
    pub invoices: i64,
    /// Distinct identified customers.
    pub customers: i64,
    /// Units cancelled (absolute).
    pub units: i64,
    /// Amount forfeited (absolute).
    pub amount: f64,
    /// Of which merchandise.
    pub goods: f64,
    /// Of which other charges (postage, fees, adjustments).
    pub other_charges: f64,
    /// amount / all forfeited sales; null without any.
    pub forfeited_share: Option<f64>,
}

/// One of the products with the most forfeited sales.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForfeitedProduct {
    pub product_id: String,
    pub product_name: Option<String>,
    pub forfeited: f64,
    pub units: i64,
    pub invoices: i64,
}

/// Sales of one day, week or month.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodSales {
    pub period_start: NaiveDate,
    pub revenue: f64,
    pub forfeited: f64,
    pub net_revenue: f64,
    pub orders: i64,
    pub customers: i64,
    pub units: i64,
    pub profit: Option<f64>,
    pub revenue_change: Option<f64>,
    pub revenue_yoy_change: Option<f64>,
    pub revenue_moving_avg: f64,
    pub is_peak: bool,
    /// The data covers only part of the period (its first or last; docs/kpis.md).
    pub is_partial: bool,
}

/// One cell of a cohort retention matrix.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionCell {
    pub cohort: NaiveDate,
    pub period_offset: i64,
    pub cohort_size: i64,
    pub active_customers: i64,
    pub retention: f64,
    /// The cell's period (cohort + offset) is a partial period of the data.
    pub is_partial: bool,
}

/// Churn over the last `churn_days` days of the data.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Churn {
    pub churn_days: i64,
    pub customers: i64,
    pub churned: i64,
    pub churn_rate: Option<f64>,
}

/// Sales of one country or region.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceSales {
    #[serde(alias = "country", alias = "region")]
    pub place: Option<String>,
    pub revenue: f64,
    pub forfeited: f64,
    pub net_revenue: f64,
    pub orders: i64,
    pub customers: i64,
    pub units: i64,
}

/// Sales of one group of a dimension grouping set.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionSales {
    pub grouping: String,
    pub category: Option<String>,
    pub sub_category: Option<String>,
    pub region: Option<String>,
    pub segment: Option<String>,
    pub revenue: f64,
    pub profit: Option<f64>,
    pub margin: Option<f64>,
    pub units: i64,
    pub orders: i64,
    pub lines: i64,
}

/// Completed lines in one unit-price band.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceBand {
    pub price_band: String,
    pub band_order: i64,
    pub lines: i64,
    pub units: i64,
    pub revenue: f64,
    pub products: i64,
    pub revenue_share: Option<f64>,
}

/// Sales and profit at one discount level or band (and category).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscountSales {
    #[serde(default)]
    pub discount: Option<f64>,
    #[serde(default)]
    pub discount_band: Option<String>,
    #[serde(default)]
    pub band_order: Option<i64>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub sub_category: Option<String>,
    pub lines: i64,
    pub sales: f64,
    pub profit: Option<f64>,
    pub margin: Option<f64>,
    pub mean_profit_per_line: Option<f64>,
    #[serde(default)]
    pub loses_money: Option<bool>,
}

/// Correlation of discount with profit and with line margin.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscountCorrelation {
    pub corr: Option<f64>,
    pub corr_margin: Option<f64>,
    pub lines: i64,
}

/// Recency, frequency, monetary value and segment of one customer.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmCustomer {
    pub customer_id: String,
    pub recency_days: i64,
    pub frequency: i64,
    pub monetary: f64,
    pub r_score: i64,
    pub f_score: i64,
    pub m_score: i64,
    pub segment: String,
}

/// Customers and revenue of one RFM segment.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmSegment {
    pub segment: String,
    pub customers: i64,
    pub revenue: f64,
    pub mean_recency_days: f64,
    pub mean_frequency: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{DictionaryArray, StringArray};

    #[test]
    fn dictionary_text_reads_as_its_values() {
        let dict: DictionaryArray<Int32Type> =
            vec![Some("France"), None, Some("EIRE"), Some("France")]
                .into_iter()
                .collect();
        let plain = StringArray::from(vec![Some("France"), None, Some("EIRE"), Some("France")]);
        let expected = vec![
            serde_json::json!("France"),
            serde_json::Value::Null,
            serde_json::json!("EIRE"),
            serde_json::json!("France"),
        ];
        assert_eq!(cells(&dict).unwrap(), expected);
        assert_eq!(cells(&plain).unwrap(), expected);
    }
}
