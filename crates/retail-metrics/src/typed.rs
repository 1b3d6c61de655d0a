//! Typed rows of every KPI, read from its Arrow result (through Arrow's JSON writer, so the
//! typed values are exactly the Arrow values).

use arrow::record_batch::RecordBatch;
use chrono::{NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::MetricsError;

/// The rows of a KPI result as JSON objects (null columns present as `null`).
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
/// [`MetricsError::UnexpectedShape`] naming `kpi` when the rows do not fit `T`.
pub fn rows<T: DeserializeOwned>(
    kpi: &str,
    batches: &[RecordBatch],
) -> Result<Vec<T>, MetricsError> {
    let shape = |message: String| MetricsError::UnexpectedShape {
        kpi: kpi.to_string(),
        message,
    };
    json_rows(batches)
        .map_err(|e| shape(e.to_string()))?
        .into_iter()
        .map(|row| {
            serde_json::from_value(serde_json::Value::Object(row)).map_err(|e| shape(e.to_string()))
        })
        .collect()
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
