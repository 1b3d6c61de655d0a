//! The dashboard's data model: which panels it shows, computed by the library crates, and the
//! rules behind them (fallbacks, the ranking of rules, who qualifies for next-basket).

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;
use retail_bundles::next_basket::{Evaluation, evaluate};
use retail_bundles::{
    AssociationRules, BasketItem, BundlesError, FpGrowth, FrequentItemsets, InvoiceBaskets,
    InvoiceBasketsBuilder, MinSupport, NextBasketParams, Rule, RuleParams,
};
use retail_forecast::{
    ForecastParams, Frequency, GroupBy, Measure, ModelChoice, SalesSeries, SeriesAccumulator,
    SeriesBuilder, SeriesForecast,
};
use retail_ingest::{IngestReport, ProductClasses};
use retail_metrics::typed::{
    CancellationOutcome, Churn, DimensionSales, DiscountCorrelation, DiscountSales,
    ForfeitedProduct, PeriodSales, PlaceSales, PriceBand, RetentionCell, RfmSegment, Summary,
    TopCustomer, TopProduct,
};
use retail_metrics::{CustomerRanking, Grain, KpiParams, KpiSuite, ProductRanking, SalesSlice};

use crate::ReportError;

/// What one dashboard is built with: its name, currency, forecast horizon and bundle support.
///
/// Setters cannot fail; [`DashboardParams::check`] validates the whole set (and
/// [`Dashboard::build`] calls it).
#[derive(Debug, Clone)]
pub struct DashboardParams {
    name: String,
    currency: Option<&'static str>,
    horizon: usize,
    min_support: f64,
    product_classes: ProductClasses,
}

impl DashboardParams {
    /// Defaults: the currency of the detected layout, 12 weeks of forecasts, bundles at a
    /// support of 1 % of baskets, and no products classed as fees.
    pub fn new(name: impl Into<String>) -> Self {
        DashboardParams {
            name: name.into(),
            currency: None,
            horizon: 12,
            min_support: 0.01,
            product_classes: ProductClasses::default(),
        }
    }

    /// The currency symbol for money (default: £ for Online Retail, $ for Superstore, none for
    /// other layouts). Each distinct symbol is kept once for the life of the process.
    pub fn with_currency(mut self, symbol: &str) -> Self {
        self.currency = Some(intern(symbol));
        self
    }

    /// Weeks to forecast (at least 1).
    pub fn with_horizon(mut self, weeks: usize) -> Self {
        self.horizon = weeks;
        self
    }

    /// Minimum support of the product bundles as a share of baskets, in (0, 1]; raised when it
    /// admits more than [`REPORT_MAX_ITEMSETS`] itemsets.
    pub fn with_min_support(mut self, share: f64) -> Self {
        self.min_support = share;
        self
    }

    /// Which products are fees and other charges rather than merchandise (the KPIs' and the
    /// bundles' product classes).
    pub fn with_product_classes(mut self, classes: ProductClasses) -> Self {
        self.product_classes = classes;
        self
    }

    /// The dashboard's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Weeks to forecast.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// The bundles' minimum support as a share of baskets.
    pub fn min_support(&self) -> f64 {
        self.min_support
    }

    /// Which products are fees and other charges.
    pub fn product_classes(&self) -> &ProductClasses {
        &self.product_classes
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`ReportError::InvalidParameter`] naming `horizon` (0) or `min_support` (outside (0, 1]).
    pub fn check(&self) -> Result<(), ReportError> {
        if self.horizon == 0 {
            return Err(ReportError::InvalidParameter {
                parameter: "horizon",
                message: "must be at least 1 week".to_string(),
            });
        }
        if !(self.min_support > 0.0 && self.min_support <= 1.0) {
            return Err(ReportError::InvalidParameter {
                parameter: "min_support",
                message: format!("must be in (0, 1], got {}", self.min_support),
            });
        }
        Ok(())
    }
}

/// `symbol` as a `&'static str`, stored once per distinct symbol.
fn intern(symbol: &str) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, OnceLock};
    static SYMBOLS: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut symbols = SYMBOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&known) = symbols.get(symbol) {
        return known;
    }
    let leaked: &'static str = Box::leak(symbol.to_string().into_boxed_str());
    symbols.insert(leaked);
    leaked
}

/// Everything one dashboard shows, computed by the library crates.
#[derive(Debug)]
pub struct Dashboard {
    /// The data set's name (its files' names).
    pub name: String,
    /// Currency symbol of money (may be empty).
    pub currency: &'static str,
    /// The ingest report of every file read.
    pub reports: Vec<IngestReport>,
    /// The slice in words, when the lines are a slice of the files.
    pub slice: Option<String>,
    /// The headline KPIs.
    pub summary: Summary,
    /// Customers lost in the last period.
    pub churn: Churn,
    /// Completed revenue of each identified customer (the RFM monetary value).
    pub customer_spend: Vec<f64>,
    /// Top customers by net revenue.
    pub top_customers: Vec<TopCustomer>,
    /// Top customers by profit (empty when the source has no profit).
    pub top_customers_by_profit: Vec<TopCustomer>,
    /// Top products by net revenue.
    pub top_products: Vec<TopProduct>,
    /// Monthly cohort retention.
    pub retention: Vec<RetentionCell>,
    /// RFM segments.
    pub rfm_segments: Vec<RfmSegment>,
    /// Sales per week, with partial weeks marked.
    pub weekly: Vec<PeriodSales>,
    /// Sales per month, with partial months marked and the changes vs the previous month and
    /// the same month a year earlier.
    pub monthly: Vec<PeriodSales>,
    /// Products with the most forfeited sales.
    pub forfeited_products: Vec<ForfeitedProduct>,
    /// Forfeited sales by outcome: voided orders, returns, unmatched.
    pub cancellation_outcomes: Vec<CancellationOutcome>,
    /// Sales by country.
    pub countries: Vec<PlaceSales>,
    /// Sales by category, sub-category, region and segment.
    pub dimensions: Vec<DimensionSales>,
    /// Sales by unit-price band.
    pub price_bands: Vec<PriceBand>,
    /// Sales and profit by discount band.
    pub discount_bands: Vec<DiscountSales>,
    /// Sales and profit by category and discount band.
    pub discount_by_category: Vec<DiscountSales>,
    /// How discount and profit margin move together.
    pub discount_correlation: DiscountCorrelation,
    /// The weekly forecasts (None: not computed, as on `retail serve`'s first page).
    pub forecasts: Option<ForecastPanel>,
    /// The bundles (None: not computed).
    pub bundles: Option<BundlesPanel>,
}

/// Weekly forecasts of total sales and of the largest groups.
#[derive(Debug)]
pub struct ForecastPanel {
    /// What the groups are (`category`, `country`).
    pub group_by: String,
    /// Weeks forecast.
    pub horizon: usize,
    /// Total first, then the largest groups.
    pub series: Vec<ForecastedSeries>,
    /// Partial weeks left out at the edges of the data.
    pub partial_weeks: Vec<NaiveDate>,
    /// Why there is no forecast, when there is none.
    pub note: Option<String>,
}

/// One forecasted series.
#[derive(Debug)]
pub struct ForecastedSeries {
    /// `total`, or the group's value (`units` for the total units).
    pub key: String,
    /// What is forecast: sales (money) or units.
    pub measure: Measure,
    /// Week starts of the history.
    pub periods: Vec<NaiveDate>,
    /// Sales per week of the history.
    pub values: Vec<f64>,
    /// Week starts of the forecast.
    pub future: Vec<NaiveDate>,
    /// The chosen model, its forecast and intervals.
    pub result: SeriesForecast,
    /// Points and bounds below zero raised to zero (sales cannot be negative).
    pub floored: usize,
}

/// Product bundles and the next-basket evaluation.
#[derive(Debug)]
pub struct BundlesPanel {
    /// What the rules are over: `product` or `sub-category`.
    pub level: &'static str,
    /// Baskets (invoices) mined.
    pub baskets: u64,
    /// The support mined at: the requested share, or `min_count / baskets` when raised.
    pub min_support: f64,
    /// The minimum count mined at.
    pub min_count: u64,
    /// When the requested support admitted more than [`REPORT_MAX_ITEMSETS`] itemsets: the
    /// requested share and its minimum count (the support was raised to `min_count`).
    pub raised_from: Option<(f64, u64)>,
    /// The itemset budget the support was chosen under.
    pub max_itemsets: u64,
    /// Frequent itemsets found.
    pub itemsets: usize,
    /// Rules found at lift above 1.
    pub rules_total: usize,
    /// The strongest rules by lift.
    pub rules: Vec<Rule>,
    /// The next-basket recommender against its baselines.
    pub next_basket: Option<Evaluation>,
    /// Why the next-basket evaluation is missing, when it is.
    pub note: Option<String>,
}

/// The forecast panel's interval levels (fractions: 80 % and 95 %).
const LEVELS: [f64; 2] = [0.8, 0.95];

/// The KPIs the dashboard shows: only these run (a served page is recomputed per request).
const DASHBOARD_KPIS: [&str; 18] = [
    "summary",
    "churn",
    "rfm",
    "rfm_segments",
    "top_customers_by_net_revenue",
    "top_customers_by_profit",
    "top_products_by_net_revenue",
    "retention_monthly",
    "sales_by_week",
    "sales_by_month",
    "top_forfeited_products",
    "cancellation_outcomes",
    "by_country",
    "by_dimensions",
    "by_price_band",
    "discount_bands",
    "discount_by_category",
    "discount_correlation",
];
/// The key of the total units series (the last of the forecast panel).
const UNITS_KEY: &str = "units";
/// The most itemsets the report mines at one support: past it, the support is raised.
pub const REPORT_MAX_ITEMSETS: u64 = 1_000_000;
/// Rules kept for the page: it shows each set of products once (A → B and B → A together),
/// the 15 strongest.
const TOP_RULES: usize = 30;

/// The currency symbol of the detected layouts: £ for Online Retail, $ for Superstore, none
/// otherwise.
pub fn currency_of_layouts(reports: &[IngestReport]) -> &'static str {
    let layouts: Vec<&str> = reports.iter().map(|r| r.layout.as_str()).collect();
    if !layouts.is_empty() && layouts.iter().all(|l| *l == "online-retail") {
        "£"
    } else if !layouts.is_empty() && layouts.iter().all(|l| *l == "superstore") {
        "$"
    } else {
        ""
    }
}

impl Dashboard {
    /// Every panel: the KPIs, the weekly forecasts and the bundles of `batches` (canonical
    /// sales lines, already sliced), read from the files of `reports`.
    ///
    /// # Errors
    /// [`ReportError::InvalidParameter`] for bad `params`, [`ReportError::NoSales`] when no
    /// line is a completed sale, and the library crates' errors.
    pub async fn build(
        batches: Vec<RecordBatch>,
        reports: Vec<IngestReport>,
        params: &DashboardParams,
    ) -> Result<Dashboard, ReportError> {
        let mut dashboard = Dashboard::build_kpis(batches.clone(), reports, params).await?;
        dashboard.forecasts = Some(ForecastPanel::build(&batches, params.horizon)?);
        dashboard.bundles = Some(BundlesPanel::build(
            &batches,
            &params.product_classes,
            params.min_support,
        )?);
        Ok(dashboard)
    }

    /// The KPI panels only (no forecasts, no bundles: the fast part, which `retail serve`
    /// answers first).
    ///
    /// # Errors
    /// As [`Dashboard::build`].
    pub async fn build_kpis(
        batches: Vec<RecordBatch>,
        reports: Vec<IngestReport>,
        params: &DashboardParams,
    ) -> Result<Dashboard, ReportError> {
        let ctx = retail_metrics::sales_context(batches)?;
        Dashboard::build_kpis_from(&ctx, reports, params).await
    }

    /// Every panel over the table `sales` of `ctx` (canonical lines in memory or canonical
    /// Parquet queried in place: `retail_metrics::files::register_sales_in_place`), read from
    /// the files of `reports`. The forecasts and bundles fold the lines a batch at a time
    /// ([`ForecastPanel::build_from`], [`BundlesPanel::build_from`]): nothing holds them all.
    ///
    /// # Errors
    /// As [`Dashboard::build`].
    pub async fn build_from(
        ctx: &SessionContext,
        reports: Vec<IngestReport>,
        params: &DashboardParams,
    ) -> Result<Dashboard, ReportError> {
        let mut dashboard = Dashboard::build_kpis_from(ctx, reports, params).await?;
        dashboard.forecasts = Some(ForecastPanel::build_from(ctx, params.horizon).await?);
        dashboard.bundles =
            Some(BundlesPanel::build_from(ctx, &params.product_classes, params.min_support).await?);
        Ok(dashboard)
    }

    /// [`Dashboard::build_kpis`] over the table `sales` of `ctx`.
    ///
    /// # Errors
    /// As [`Dashboard::build`].
    pub async fn build_kpis_from(
        ctx: &SessionContext,
        reports: Vec<IngestReport>,
        params: &DashboardParams,
    ) -> Result<Dashboard, ReportError> {
        params.check()?;
        let name = params.name.clone();
        let options = KpiParams::default()
            .with_product_classes(&params.product_classes)
            .with_only(&DASHBOARD_KPIS);
        let suite = KpiSuite::run(ctx, &options).await?;
        let summary = suite.summary()?;
        if summary.sale_lines == 0 {
            return Err(ReportError::NoSales { name });
        }
        let customer_spend = suite.rfm()?.into_iter().map(|c| c.monetary).collect();
        Ok(Dashboard {
            currency: params
                .currency
                .unwrap_or_else(|| currency_of_layouts(&reports)),
            name,
            reports,
            slice: None,
            churn: suite.churn()?,
            customer_spend,
            top_customers: suite.top_customers(CustomerRanking::NetRevenue)?,
            top_customers_by_profit: suite.top_customers(CustomerRanking::Profit)?,
            top_products: suite.top_products(ProductRanking::NetRevenue)?,
            retention: suite.retention(Grain::Month)?,
            rfm_segments: suite.rfm_segments()?,
            weekly: suite.sales_by(Grain::Week)?,
            monthly: suite.sales_by(Grain::Month)?,
            forfeited_products: suite.top_forfeited_products()?,
            cancellation_outcomes: suite.cancellation_outcomes()?,
            countries: suite.by_country()?,
            dimensions: suite.by_dimensions()?,
            price_bands: suite.by_price_band()?,
            discount_bands: suite.discount_bands()?,
            discount_by_category: suite.discount_by_category()?,
            discount_correlation: suite.discount_correlation()?,
            summary,
            forecasts: None,
            bundles: None,
        })
    }

    /// Says which slice of the files the dashboard covers (shown under its title).
    pub fn with_slice_description(mut self, description: Option<String>) -> Self {
        self.slice = description;
        self
    }
}

impl ForecastPanel {
    /// Total weekly sales and the three largest categories (countries when the source has no
    /// category), each forecast `horizon` weeks with the automatic model choice.
    ///
    /// # Errors
    /// [`ReportError::Forecast`] naming the series that could not be forecast.
    pub fn build(batches: &[RecordBatch], horizon: usize) -> Result<ForecastPanel, ReportError> {
        let mut sums = PANEL_SERIES.map(|b| b.accumulator());
        for batch in batches {
            push_to_all(&mut sums, batch)?;
        }
        forecast_panel(sums, horizon)
    }

    /// [`ForecastPanel::build`] over the table `sales` of `ctx`, its lines folded a batch at a
    /// time into weekly sums (memory grows with the weeks and groups, not the lines).
    ///
    /// # Errors
    /// As [`ForecastPanel::build`], and the scan's errors.
    pub async fn build_from(
        ctx: &SessionContext,
        horizon: usize,
    ) -> Result<ForecastPanel, ReportError> {
        let mut columns: Vec<&str> = PANEL_SERIES.iter().flat_map(|b| b.columns()).collect();
        columns.sort_unstable();
        columns.dedup();
        let mut sums = PANEL_SERIES.map(|b| b.accumulator());
        retail_metrics::for_each_sales_batch(ctx, &columns, &SalesSlice::new(), |batch| {
            push_to_all(&mut sums, batch)
        })
        .await?;
        forecast_panel(sums, horizon)
    }
}

/// Adds one batch of lines to each of the panel's series (one pass over the lines for all).
fn push_to_all(sums: &mut [SeriesAccumulator], batch: &RecordBatch) -> Result<(), ReportError> {
    for sum in sums {
        sum.push(batch)?;
    }
    Ok(())
}

impl BundlesPanel {
    /// Frequent product sets of the merchandise in `batches` (fees and other charges, as
    /// `classes` says, are in most baskets and say nothing about bundles) and the next-basket
    /// evaluation.
    ///
    /// # Errors
    /// The errors of retail-bundles and of the slice.
    pub fn build(
        batches: &[RecordBatch],
        classes: &ProductClasses,
        min_support: f64,
    ) -> Result<BundlesPanel, ReportError> {
        let merchandise = SalesSlice::new()
            .with_merchandise_only(classes)
            .compile()?
            .apply_all(batches.to_vec())?;
        let data = InvoiceBaskets::from_sales(&merchandise)?;
        let mut mined = mine_within_budget(&data, min_support)?;
        if mined.rules.is_empty() {
            let by_sub = InvoiceBaskets::from_sales_by(&merchandise, BasketItem::SubCategory)?;
            mined = mine_sub_categories(&by_sub, min_support)?.unwrap_or(mined);
        }
        Ok(bundles_panel(&data, mined, min_support))
    }

    /// [`BundlesPanel::build`] over the table `sales` of `ctx`, its lines folded a batch at a
    /// time into baskets of item ids (the sub-category baskets, needed only when no product
    /// rule comes out, in a second pass).
    ///
    /// # Errors
    /// As [`BundlesPanel::build`], and the scan's errors.
    pub async fn build_from(
        ctx: &SessionContext,
        classes: &ProductClasses,
        min_support: f64,
    ) -> Result<BundlesPanel, ReportError> {
        let merchandise = &SalesSlice::new().with_merchandise_only(classes);
        let baskets = |item| async move {
            let mut builder = InvoiceBasketsBuilder::new(item);
            let columns = InvoiceBaskets::columns(item);
            retail_metrics::for_each_sales_batch(ctx, &columns, merchandise, |batch| {
                builder.push(batch).map_err(ReportError::from)
            })
            .await?;
            Ok::<_, ReportError>(builder.finish())
        };
        let data = baskets(BasketItem::Product).await?;
        let mut mined = mine_within_budget(&data, min_support)?;
        if mined.rules.is_empty() {
            let by_sub = baskets(BasketItem::SubCategory).await?;
            mined = mine_sub_categories(&by_sub, min_support)?.unwrap_or(mined);
        }
        Ok(bundles_panel(&data, mined, min_support))
    }
}

/// The series the forecast panel is built from: total weekly sales, sales per category and
/// per country (the groups when the source has no category), and total units.
const PANEL_SERIES: [SeriesBuilder; 4] = [
    SeriesBuilder::new(Frequency::Week, GroupBy::Total),
    SeriesBuilder::new(Frequency::Week, GroupBy::Category),
    SeriesBuilder::new(Frequency::Week, GroupBy::Country),
    SeriesBuilder::new(Frequency::Week, GroupBy::Total).with_measure(Measure::Units),
];

/// Total weekly sales and the three largest categories (countries when the source has no
/// category), each forecast with the automatic model choice.
fn forecast_panel(
    sums: [SeriesAccumulator; 4],
    horizon: usize,
) -> Result<ForecastPanel, ReportError> {
    let [total, category, country, units] = sums.map(SeriesAccumulator::finish);
    let [total, category, country, units] = [total?, category?, country?, units?];
    let (group_by, groups) = if category.series.len() < 2 {
        (GroupBy::Country, country)
    } else {
        (GroupBy::Category, category)
    };
    let mut inputs: Vec<SalesSeries> = total
        .series
        .into_iter()
        .map(|s| SalesSeries {
            key: "total".to_string(),
            ..s
        })
        .collect();
    if groups.series.len() >= 2 {
        inputs.extend(groups.series.into_iter().take(3));
    }
    // Units as well as money: what the stock room plans with.
    let with_units = !units.series.is_empty();
    inputs.extend(units.series.into_iter().map(|s| SalesSeries {
        key: UNITS_KEY.to_string(),
        ..s
    }));
    let panel = |series, note| ForecastPanel {
        group_by: group_name(group_by).to_string(),
        horizon,
        series,
        partial_weeks: total.partial_periods.clone(),
        note,
    };
    let weeks = inputs.first().map_or(0, |s| s.periods.len());
    if weeks < 8 {
        return Ok(panel(
            Vec::new(),
            Some(format!(
                "{weeks} full weeks of sales: too short to forecast (at least 8 are needed)"
            )),
        ));
    }
    // Weekly sales are never negative: a model on the original scale can reach below zero
    // (its intervals widen symmetrically), and the chart truncates there and says so.
    let outcomes = ForecastParams::new(ModelChoice::Auto)
        .with_horizon(horizon)
        .with_levels(LEVELS.to_vec())
        .with_floor_at_zero(true)
        .forecast(
            inputs,
            Some(Frequency::Week),
            Frequency::Week.season_length(),
            None,
        )?;
    let count = outcomes.len();
    let mut series = Vec::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let SalesSeries {
            key,
            periods,
            values,
            ..
        } = outcome.series;
        let result = outcome.result.map_err(|source| ReportError::Forecast {
            series: key.clone(),
            source,
        })?;
        series.push(ForecastedSeries {
            measure: if with_units && i + 1 == count {
                Measure::Units
            } else {
                Measure::Sales
            },
            key,
            periods,
            values,
            future: outcome.future,
            result,
            floored: outcome.floored,
        });
    }
    Ok(panel(series, None))
}

fn group_name(group_by: GroupBy) -> &'static str {
    match group_by {
        GroupBy::Category => "category",
        GroupBy::Country => "country",
        _ => "group",
    }
}

/// The bundles panel of `data` (one basket per invoice) with what was mined: frequent
/// product sets and rules at lift > 1, the strongest by lift (or the sub-category ones when no
/// two products are bought together often enough: Superstore has 1,862 products and two lines
/// an order); and the next-basket recommender against its baselines.
fn bundles_panel(data: &InvoiceBaskets, mined: Mined, min_support: f64) -> BundlesPanel {
    let Mined {
        itemsets,
        rules,
        raised,
        level,
    } = mined;
    let strongest = strongest_rules(&rules, TOP_RULES);
    let params = NextBasketParams::default();
    let (next_basket, note) = if data.customers.iter().all(Option::is_none) {
        (None, Some("no line has a customer id".to_string()))
    } else {
        match evaluate(data, &params) {
            Ok(evaluation) if evaluation.customers > 0 => (Some(evaluation), None),
            Ok(_) => (
                None,
                Some("no customer has two or more baskets to hold one out".to_string()),
            ),
            Err(err) => (None, Some(err.to_string())),
        }
    };
    BundlesPanel {
        level,
        baskets: itemsets.baskets(),
        min_support: match raised {
            Some(_) => itemsets.min_count() as f64 / itemsets.baskets().max(1) as f64,
            None => min_support,
        },
        min_count: itemsets.min_count(),
        raised_from: raised.map(|count| (min_support, count)),
        max_itemsets: REPORT_MAX_ITEMSETS,
        itemsets: itemsets.len(),
        rules_total: rules.len(),
        rules: strongest,
        next_basket,
        note,
    }
}

/// The sub-category bundles of `by_sub`, when its lines have sub-categories and they give
/// rules.
fn mine_sub_categories(
    by_sub: &InvoiceBaskets,
    min_support: f64,
) -> Result<Option<Mined>, ReportError> {
    if by_sub.lines_without_item >= by_sub.lines {
        return Ok(None);
    }
    let mined = mine_within_budget(by_sub, min_support)?;
    Ok((!mined.rules.is_empty()).then_some(Mined {
        level: "sub-category",
        ..mined
    }))
}

/// The `k` strongest rules: by lift, then support (descending), then antecedent and consequent
/// ids. Chosen on indices, so only `k` rules are built as typed values (a low support can
/// give hundreds of thousands).
fn strongest_rules(rules: &AssociationRules, k: usize) -> Vec<Rule> {
    let ids = rules.item_ids();
    let side = |set: &'_ [u32]| {
        set.iter()
            .map(|&j| ids[j as usize].as_str())
            .collect::<Vec<_>>()
    };
    let order = |x: &usize, y: &usize| {
        let (a, b) = (rules.measures(*x), rules.measures(*y));
        let ((xa, xc), (ya, yc)) = (rules.items(*x), rules.items(*y));
        b.lift
            .total_cmp(&a.lift)
            .then(b.support.total_cmp(&a.support))
            .then_with(|| side(xa).cmp(&side(ya)))
            .then_with(|| side(xc).cmp(&side(yc)))
    };
    let mut chosen: Vec<usize> = (0..rules.len()).collect();
    if chosen.len() > k && k > 0 {
        chosen.select_nth_unstable_by(k - 1, order);
    }
    chosen.truncate(k);
    chosen.sort_by(order);
    chosen.into_iter().map(|i| rules.rule(i)).collect()
}

/// What was mined for the bundles panel.
struct Mined {
    itemsets: FrequentItemsets,
    rules: AssociationRules,
    /// The requested minimum count, when it had to be raised.
    raised: Option<u64>,
    /// What the items are: `product` or `sub-category`.
    level: &'static str,
}

/// Mines the frequent itemsets of `data` and their rules at `min_support`; while that admits
/// more than [`REPORT_MAX_ITEMSETS`] itemsets (the miner stops there), doubles the minimum
/// count and mines again. At a count above the number of baskets nothing is frequent, so this
/// ends. Says the requested minimum count too when it had to be raised.
fn mine_within_budget(data: &InvoiceBaskets, min_support: f64) -> Result<Mined, ReportError> {
    let requested = MinSupport::fraction(min_support)?.to_count(data.baskets.len() as u64);
    let mut min_count = requested;
    loop {
        let mined = FpGrowth::new(MinSupport::count(min_count)?)
            .with_max_itemsets(REPORT_MAX_ITEMSETS)
            .mine(&data.baskets);
        match mined {
            Ok(itemsets) => {
                let itemsets = itemsets.with_item_names(&data.product_names);
                let rules = RuleParams::new()
                    .with_min_confidence(0.1)
                    .with_min_lift(1.0)
                    .generate(&itemsets)?;
                let raised = (min_count != requested).then_some(requested);
                return Ok(Mined {
                    itemsets,
                    rules,
                    raised,
                    level: "product",
                });
            }
            Err(BundlesError::TooManyItemsets { .. }) => min_count = min_count.saturating_mul(2),
            Err(err) => return Err(err.into()),
        }
    }
}

impl BundlesPanel {
    /// What support the bundles were mined at, and why when it is not the requested one.
    pub fn support_sentence(&self) -> String {
        let b = self;
        let chosen = format!(
            "{} bundles mined at a support of {} baskets ({} of {})",
            b.level,
            b.min_count,
            crate::format::pct(Some(b.min_support)),
            b.baskets
        );
        match b.raised_from {
            None => chosen,
            Some((share, count)) => format!(
                "{chosen}, raised from the requested {} ({count} baskets), which admits more than \
             {} itemsets",
                crate::format::pct(Some(share)),
                b.max_itemsets
            ),
        }
    }
}
