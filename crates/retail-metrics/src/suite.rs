//! The whole KPI suite, run concurrently over one session.

use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use crate::MetricsError;
use crate::kpi::{self, CustomerRanking, Grain, Place, ProductRanking};
use crate::typed::{self, *};

/// Builds the stage tables from `sales` and registers them in `ctx` (so single KPI queries
/// can run on their own). On a distributed session they are registered as views instead: a
/// table in the client's memory cannot travel to the executors, a plan can (each KPI then
/// recomputes the stage it reads, on the cluster).
///
/// # Errors
/// DataFusion's errors of planning or running a stage.
pub async fn register_stages(ctx: &SessionContext) -> Result<(), MetricsError> {
    register_stages_with(ctx, &KpiParams::default()).await
}

/// [`register_stages`] with the product classes of `options`.
///
/// # Errors
/// DataFusion's errors of planning or running a stage.
pub async fn register_stages_with(
    ctx: &SessionContext,
    options: &KpiParams,
) -> Result<(), MetricsError> {
    let sales = ctx.table_provider(crate::SALES_TABLE).await?.schema();
    #[cfg(feature = "distributed")]
    if crate::distributed::is_distributed(ctx) {
        for (name, sql) in options.stages(&sales) {
            ctx.register_table(name, ctx.sql(&sql).await?.into_view())?;
        }
        return Ok(());
    }
    // One after the other: each already uses every partition, and their hash tables are the
    // suite's peak memory.
    for (name, sql) in options.stages(&sales) {
        let frame = ctx.sql(&sql).await?;
        let schema = frame.schema().inner().clone();
        let partitions = frame.collect_partitioned().await?;
        ctx.register_table(name, Arc::new(MemTable::try_new(schema, partitions)?))?;
    }
    Ok(())
}

/// Removes the stage tables from `ctx`.
///
/// # Errors
/// DataFusion's error deregistering a table.
pub fn deregister_stages(ctx: &SessionContext) -> Result<(), MetricsError> {
    for name in STAGE_NAMES {
        ctx.deregister_table(name)?;
    }
    Ok(())
}

/// The stage tables the KPI queries read besides `sales`, in the order they are built
/// ([`KpiParams::stages`] gives their SQL).
pub const STAGE_NAMES: [&str; 4] = [
    "sales_groups",
    "product_names",
    "product_sales",
    "customer_names",
];

/// The default void window: one day.
pub const DEFAULT_VOID_WINDOW_SECONDS: u64 = 86_400;

const MAX_VOID_WINDOW_SECONDS: u64 = 366 * 86_400;

/// Parameters of the suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiParams {
    top_n: usize,
    churn_days: u32,
    /// Product ids that are not merchandise, sorted.
    other_charges: Vec<String>,
    all_products: bool,
    void_window: std::time::Duration,
    /// When set, only these KPIs run (the stage tables always do).
    only: Option<Vec<String>>,
}

impl Default for KpiParams {
    fn default() -> Self {
        KpiParams {
            top_n: 10,
            churn_days: 90,
            other_charges: Vec::new(),
            all_products: false,
            void_window: std::time::Duration::from_secs(DEFAULT_VOID_WINDOW_SECONDS),
            only: None,
        }
    }
}

impl KpiParams {
    /// Runs only these KPIs (by their stable names, [`KpiParams::queries`]): a page that shows
    /// a few of them need not compute the others. Reading a KPI that did not run is an error.
    pub fn with_only(mut self, names: &[&str]) -> Self {
        self.only = Some(names.iter().map(|n| n.to_string()).collect());
        self
    }

    /// Length of the top-customer and top-product lists (1 to 1,000,000).
    pub fn with_top_n(mut self, n: usize) -> Self {
        self.top_n = n;
        self
    }

    /// Days without a purchase after which a customer counts as churned (1 to 36,500).
    pub fn with_churn_days(mut self, days: u32) -> Self {
        self.churn_days = days;
        self
    }

    /// Checks every parameter: `top` 1 to 1,000,000, `churn_days` 1 to 36,500, `void_window`
    /// a whole number of seconds up to 366 days, and every name of `only` a KPI.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] naming the first parameter out of its range.
    pub fn check(&self) -> Result<(), MetricsError> {
        let invalid = |parameter: &'static str, message: String| {
            Err(MetricsError::InvalidParameter { parameter, message })
        };
        if self.top_n == 0 || self.top_n > 1_000_000 {
            return invalid(
                "top",
                format!("{} is not between 1 and 1000000", self.top_n),
            );
        }
        if self.churn_days == 0 || self.churn_days > 36_500 {
            return invalid(
                "churn_days",
                format!("{} is not between 1 and 36500", self.churn_days),
            );
        }
        let window = self.void_window;
        if window.subsec_nanos() != 0 || window.as_secs() > MAX_VOID_WINDOW_SECONDS {
            return invalid(
                "void_window",
                format!("{window:?} is not a whole number of seconds between 0 and 366 days"),
            );
        }
        if let Some(only) = &self.only {
            let known: Vec<&'static str> = self.queries().into_iter().map(|(n, _)| n).collect();
            if let Some(name) = only.iter().find(|n| !known.contains(&n.as_str())) {
                return invalid("only", format!("no KPI is named '{name}'"));
            }
        }
        Ok(())
    }

    /// Product classes: the products that are not merchandise (postage, fees, adjustments)
    /// are left out of the product-level KPIs (unless [`KpiParams::with_all_products`]) and
    /// reported apart in the summary. The default lists none: pass
    /// `ProductClasses::for_layout(layout)` (plus a mapping's or table's overrides) for a
    /// known layout's defaults.
    pub fn with_product_classes(mut self, classes: &retail_ingest::ProductClasses) -> Self {
        self.other_charges = classes
            .non_merchandise()
            .map(|(id, _)| id.to_string())
            .collect();
        self
    }

    /// Product-level KPIs (top products, forfeited by product, price bands) cover every
    /// product instead of merchandise only.
    pub fn with_all_products(mut self, all: bool) -> Self {
        self.all_products = all;
        self
    }

    /// How soon after its sale a matched cancellation counts as voiding the order (keyed by
    /// mistake) rather than as a return: 0 seconds to 366 days in whole seconds, default one
    /// day.
    pub fn with_void_window(mut self, window: std::time::Duration) -> Self {
        self.void_window = window;
        self
    }

    /// The void window ([`KpiParams::with_void_window`]).
    pub fn void_window(&self) -> std::time::Duration {
        self.void_window
    }

    /// The stage tables' names and SQL, in the order they are built, for a `sales` table of
    /// schema `sales` (`customer_names` reads its optional column `customer_name`, and is an
    /// empty table when there is none).
    pub fn stages(&self, sales: &arrow::datatypes::Schema) -> Vec<(&'static str, String)> {
        let has_names = sales
            .column_with_name(retail_ingest::col::CUSTOMER_NAME)
            .is_some();
        let other = kpi::other_charge_condition(
            "product_id",
            self.other_charges.iter().map(String::as_str),
        );
        let other_p = kpi::other_charge_condition(
            "p.product_id",
            self.other_charges.iter().map(String::as_str),
        );
        vec![
            (STAGE_NAMES[0], kpi::sales_groups_sql(&other)),
            (STAGE_NAMES[1], kpi::PRODUCT_NAMES_SQL.to_string()),
            (STAGE_NAMES[2], kpi::product_sales_sql(&other_p)),
            (
                STAGE_NAMES[3],
                if has_names {
                    kpi::CUSTOMER_NAMES_SQL
                } else {
                    kpi::NO_CUSTOMER_NAMES_SQL
                }
                .to_string(),
            ),
        ]
    }

    /// The top-N length.
    pub fn top_n(&self) -> usize {
        self.top_n
    }

    /// The churn horizon in days.
    pub fn churn_days(&self) -> u32 {
        self.churn_days
    }

    /// Every KPI of the suite: stable name and SQL, in report order.
    pub fn queries(&self) -> Vec<(&'static str, String)> {
        let n = self.top_n;
        let all = self.all_products;
        let other = kpi::other_charge_condition(
            "product_id",
            self.other_charges.iter().map(String::as_str),
        );
        vec![
            ("summary", kpi::SUMMARY_SQL.to_string()),
            ("lines_by_kind", kpi::LINES_BY_KIND_SQL.to_string()),
            (
                "top_customers_by_net_revenue",
                kpi::top_customers_sql(CustomerRanking::NetRevenue, n),
            ),
            (
                "top_customers_by_revenue",
                kpi::top_customers_sql(CustomerRanking::Revenue, n),
            ),
            (
                "top_customers_by_profit",
                kpi::top_customers_sql(CustomerRanking::Profit, n),
            ),
            (
                "top_products_by_revenue",
                kpi::top_products_sql(ProductRanking::Revenue, n, all),
            ),
            (
                "top_products_by_net_revenue",
                kpi::top_products_sql(ProductRanking::NetRevenue, n, all),
            ),
            (
                "top_products_by_units",
                kpi::top_products_sql(ProductRanking::Units, n, all),
            ),
            (
                "top_products_by_net_units",
                kpi::top_products_sql(ProductRanking::NetUnits, n, all),
            ),
            (
                "top_forfeited_products",
                kpi::top_forfeited_products_sql(n, &other, all),
            ),
            (
                "cancellation_outcomes",
                kpi::cancellation_outcomes_sql(self.void_window.as_secs(), &other),
            ),
            ("sales_by_day", kpi::sales_by_period_sql(Grain::Day)),
            ("sales_by_week", kpi::sales_by_period_sql(Grain::Week)),
            ("sales_by_month", kpi::sales_by_period_sql(Grain::Month)),
            ("retention_monthly", kpi::retention_sql(Grain::Month)),
            ("retention_weekly", kpi::retention_sql(Grain::Week)),
            ("churn", kpi::churn_sql(self.churn_days)),
            ("by_country", kpi::by_place_sql(Place::Country)),
            ("by_region", kpi::by_place_sql(Place::Region)),
            ("by_dimensions", kpi::BY_DIMENSIONS_SQL.to_string()),
            ("by_price_band", kpi::by_price_band_sql(&other, all)),
            ("discount_impact", kpi::discount_impact_sql()),
            ("discount_bands", kpi::discount_bands_sql()),
            ("discount_by_category", kpi::discount_by_category_sql()),
            (
                "discount_correlation",
                kpi::DISCOUNT_CORRELATION_SQL.to_string(),
            ),
            ("rfm", kpi::rfm_sql()),
            ("rfm_segments", kpi::rfm_segments_sql()),
        ]
    }
}

/// One KPI's result.
#[derive(Debug, Clone)]
pub struct KpiTable {
    /// Stable name (the JSON key and the file name with `--out`).
    pub name: &'static str,
    /// The SQL that computed it.
    pub sql: String,
    /// The result's schema (also when there are no rows).
    pub schema: arrow::datatypes::SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl KpiTable {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Every KPI, computed.
#[derive(Debug, Clone)]
pub struct KpiSuite {
    /// The results in report order.
    pub tables: Vec<KpiTable>,
}

/// KPIs whose result is one row (JSON gives them as an object, not an array).
const SINGLE_ROW: [&str; 3] = ["summary", "churn", "discount_correlation"];

impl KpiSuite {
    /// Runs the suite over `ctx` (which must have `sales`): first the stage tables
    /// ([`KpiParams::stages`]: one scan of `sales` each, registered for the duration of the run and
    /// deregistered after), then every KPI query, two at a time (each query already runs on all
    /// of the session's partitions; more at once only adds memory).
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] for options out of range ([`KpiParams::check`]),
    /// and DataFusion's errors of planning or running a query.
    pub async fn run(ctx: &SessionContext, options: &KpiParams) -> Result<KpiSuite, MetricsError> {
        options.check()?;
        register_stages_with(ctx, options).await?;
        let tables = futures::stream::iter(
            options
                .queries()
                .into_iter()
                .filter(|(name, _)| {
                    options
                        .only
                        .as_ref()
                        .is_none_or(|o| o.iter().any(|n| n == name))
                })
                .map(|(name, sql)| async move {
                    let frame = ctx.sql(&sql).await?;
                    let schema = frame.schema().inner().clone();
                    let batches = frame.collect().await?;
                    Ok::<_, MetricsError>(KpiTable {
                        name,
                        sql,
                        schema,
                        batches,
                    })
                }),
        )
        .buffered(2)
        .try_collect::<Vec<_>>()
        .await;
        deregister_stages(ctx)?;
        Ok(KpiSuite { tables: tables? })
    }

    /// One KPI by name.
    pub fn table(&self, name: &str) -> Option<&KpiTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    fn typed<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>, MetricsError> {
        let table = self
            .table(name)
            .ok_or_else(|| MetricsError::UnexpectedShape {
                kpi: name.into(),
                message: "not in the suite".into(),
            })?;
        typed::rows(name, &table.batches)
    }

    fn single<T: DeserializeOwned>(&self, name: &str) -> Result<T, MetricsError> {
        self.typed(name)?
            .into_iter()
            .next()
            .ok_or_else(|| MetricsError::UnexpectedShape {
                kpi: name.into(),
                message: "no row".into(),
            })
    }

    /// The summary.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn summary(&self) -> Result<Summary, MetricsError> {
        self.single("summary")
    }
    /// Lines by kind.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn lines_by_kind(&self) -> Result<Vec<LineKindCount>, MetricsError> {
        self.typed("lines_by_kind")
    }
    /// Top customers by revenue or profit.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn top_customers(&self, by: CustomerRanking) -> Result<Vec<TopCustomer>, MetricsError> {
        self.typed(match by {
            CustomerRanking::NetRevenue => "top_customers_by_net_revenue",
            CustomerRanking::Revenue => "top_customers_by_revenue",
            CustomerRanking::Profit => "top_customers_by_profit",
        })
    }
    /// Top products by revenue or units.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn top_products(&self, by: ProductRanking) -> Result<Vec<TopProduct>, MetricsError> {
        self.typed(match by {
            ProductRanking::Revenue => "top_products_by_revenue",
            ProductRanking::NetRevenue => "top_products_by_net_revenue",
            ProductRanking::Units => "top_products_by_units",
            ProductRanking::NetUnits => "top_products_by_net_units",
        })
    }
    /// The products that lost the most sales to cancellations and returns.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn top_forfeited_products(&self) -> Result<Vec<ForfeitedProduct>, MetricsError> {
        self.typed("top_forfeited_products")
    }
    /// Forfeited sales by what they were: voided orders, returns and unmatched cancellations.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn cancellation_outcomes(&self) -> Result<Vec<CancellationOutcome>, MetricsError> {
        self.typed("cancellation_outcomes")
    }
    /// Sales per day, week or month.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn sales_by(&self, grain: Grain) -> Result<Vec<PeriodSales>, MetricsError> {
        self.typed(match grain {
            Grain::Day => "sales_by_day",
            Grain::Week => "sales_by_week",
            Grain::Month => "sales_by_month",
        })
    }
    /// The monthly or weekly cohort matrix.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] naming `grain` for [`Grain::Day`] (daily cohorts are
    /// not computed), and the errors of reading the rows.
    pub fn retention(&self, grain: Grain) -> Result<Vec<RetentionCell>, MetricsError> {
        self.typed(match grain {
            Grain::Week => "retention_weekly",
            Grain::Month => "retention_monthly",
            Grain::Day => {
                return Err(MetricsError::InvalidParameter {
                    parameter: "grain",
                    message: "retention cohorts are by week or month, not by day".into(),
                });
            }
        })
    }
    /// Churn.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn churn(&self) -> Result<Churn, MetricsError> {
        self.single("churn")
    }
    /// Sales per country.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn by_country(&self) -> Result<Vec<PlaceSales>, MetricsError> {
        self.typed("by_country")
    }
    /// Sales per region.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn by_region(&self) -> Result<Vec<PlaceSales>, MetricsError> {
        self.typed("by_region")
    }
    /// Sales by category, sub-category, region, segment and combinations.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn by_dimensions(&self) -> Result<Vec<DimensionSales>, MetricsError> {
        self.typed("by_dimensions")
    }
    /// Completed lines by unit-price band.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn by_price_band(&self) -> Result<Vec<PriceBand>, MetricsError> {
        self.typed("by_price_band")
    }
    /// Sales and profit per discount level.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn discount_impact(&self) -> Result<Vec<DiscountSales>, MetricsError> {
        self.typed("discount_impact")
    }
    /// Sales and profit per discount band.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn discount_bands(&self) -> Result<Vec<DiscountSales>, MetricsError> {
        self.typed("discount_bands")
    }
    /// Sales and profit per category, sub-category and discount band.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn discount_by_category(&self) -> Result<Vec<DiscountSales>, MetricsError> {
        self.typed("discount_by_category")
    }
    /// Discount-profit correlation.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn discount_correlation(&self) -> Result<DiscountCorrelation, MetricsError> {
        self.single("discount_correlation")
    }
    /// RFM per customer.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn rfm(&self) -> Result<Vec<RfmCustomer>, MetricsError> {
        self.typed("rfm")
    }
    /// RFM segments.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when this KPI did not run ([`KpiParams::with_only`])
    /// or its rows do not fit the typed row.
    pub fn rfm_segments(&self) -> Result<Vec<RfmSegment>, MetricsError> {
        self.typed("rfm_segments")
    }

    /// Every KPI under its stable name: one-row KPIs as objects, the others as arrays of rows.
    ///
    /// # Errors
    /// [`MetricsError::UnexpectedShape`] when a KPI's rows cannot be read as JSON.
    pub fn to_json(&self) -> Result<serde_json::Value, MetricsError> {
        let mut out = serde_json::Map::new();
        for table in &self.tables {
            let rows =
                typed::json_rows(&table.batches).map_err(|e| MetricsError::UnexpectedShape {
                    kpi: table.name.into(),
                    message: e.to_string(),
                })?;
            let value = if SINGLE_ROW.contains(&table.name) {
                rows.into_iter()
                    .next()
                    .map_or(serde_json::Value::Null, serde_json::Value::Object)
            } else {
                serde_json::Value::Array(rows.into_iter().map(serde_json::Value::Object).collect())
            };
            out.insert(table.name.to_string(), value);
        }
        Ok(serde_json::Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_chosen_kpis_run() {
        let options = KpiParams::default().with_only(&["summary", "churn"]);
        let ctx = crate::sales_context(Vec::new()).unwrap();
        let suite = KpiSuite::run(&ctx, &options).await.unwrap();
        let names: Vec<&str> = suite.tables.iter().map(|t| t.name).collect();
        assert_eq!(names, ["summary", "churn"]);
        assert_eq!(suite.summary().unwrap().sale_lines, 0);
        assert!(suite.rfm().is_err(), "a KPI that did not run is an error");
        match KpiParams::default().with_only(&["summary", "nope"]).check() {
            Err(MetricsError::InvalidParameter { parameter, message }) => {
                assert_eq!(parameter, "only");
                assert!(message.contains("'nope'"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
