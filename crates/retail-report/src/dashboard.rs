//! `retail report`: one self-contained HTML dashboard (inline SVG charts, no script, no network)
//! from the library crates' results: KPIs, retention, discounts, forecasts and bundles.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use clap::Args;
use retail_bundles::next_basket::{Evaluation, evaluate};
use retail_bundles::{
    AssociationRules, BasketItem, BundlesError, FpGrowth, FrequentItemsets, InvoiceBaskets,
    MinSupport, NextBasketParams, Rule, RuleParams,
};
use retail_forecast::{
    Frequency, GroupBy, ModelChoice, SeriesBuilder, SeriesForecast, forecast_many,
};
use retail_ingest::{IngestReport, samples};
use retail_metrics::typed::{
    CancellationOutcome, Churn, DimensionSales, DiscountCorrelation, DiscountSales,
    ForfeitedProduct, PeriodSales, PlaceSales, PriceBand, RetentionCell, RfmSegment, Summary,
    TopCustomer, TopProduct,
};
use retail_metrics::{CustomerRanking, Grain, KpiOptions, KpiSuite, ProductRanking, SalesSlice};

use crate::input::{EmptySlice, ReadArgs, Source, load_sources_sliced};
use crate::progress::Progress;
use crate::slice::{CustomerSliceArg, SliceArgs};

pub mod chart;
mod page;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Transaction files (CSV, gzip CSV or Parquet), read together as one data set. None: the
    /// embedded samples, Online Retail and Superstore, one dashboard each.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    slice: SliceArgs,
    #[command(flatten)]
    customers: CustomerSliceArg,
    /// Where to write the report.
    #[arg(short, long, default_value = "report.html", value_name = "FILE")]
    out: PathBuf,
    /// Open the report in the default browser once written.
    #[arg(long)]
    open: bool,
    /// Title of the report (default: the input's name).
    #[arg(long)]
    title: Option<String>,
    /// Currency symbol for money (default: £ for Online Retail, $ for Superstore, none for
    /// other layouts).
    #[arg(long, value_name = "SYMBOL")]
    currency: Option<String>,
    /// Weeks to forecast.
    #[arg(long, default_value_t = 12, value_name = "WEEKS")]
    horizon: usize,
    /// Minimum support of the product bundles, as a share of baskets (raised when it admits
    /// more than 1,000,000 itemsets; docs/report.md).
    #[arg(long, default_value_t = 0.01, value_name = "SHARE")]
    min_support: f64,
}

/// Everything one dashboard shows, computed by the library crates.
#[derive(Debug)]
pub struct Dashboard {
    pub name: String,
    pub currency: &'static str,
    pub reports: Vec<IngestReport>,
    /// The slice in words, when the lines are a slice of the files.
    pub slice: Option<String>,
    pub summary: Summary,
    pub churn: Churn,
    /// Completed revenue of each identified customer (the RFM monetary value).
    pub customer_spend: Vec<f64>,
    pub top_customers: Vec<TopCustomer>,
    pub top_products: Vec<TopProduct>,
    pub retention: Vec<RetentionCell>,
    pub rfm_segments: Vec<RfmSegment>,
    pub weekly: Vec<PeriodSales>,
    pub forfeited_products: Vec<ForfeitedProduct>,
    /// Forfeited sales by outcome: voided orders, returns, unmatched.
    pub cancellation_outcomes: Vec<CancellationOutcome>,
    pub countries: Vec<PlaceSales>,
    pub dimensions: Vec<DimensionSales>,
    pub price_bands: Vec<PriceBand>,
    pub discount_bands: Vec<DiscountSales>,
    pub discount_by_category: Vec<DiscountSales>,
    pub discount_correlation: DiscountCorrelation,
    pub forecasts: ForecastPanel,
    pub bundles: BundlesPanel,
}

/// Weekly forecasts of total sales and of the largest groups.
#[derive(Debug)]
pub struct ForecastPanel {
    /// What the groups are (`category`, `country`).
    pub group_by: String,
    pub horizon: usize,
    pub series: Vec<ForecastedSeries>,
    /// Partial weeks left out at the edges of the data.
    pub partial_weeks: Vec<NaiveDate>,
    /// Why there is no forecast, when there is none.
    pub note: Option<String>,
}

/// One forecasted series.
#[derive(Debug)]
pub struct ForecastedSeries {
    pub key: String,
    pub periods: Vec<NaiveDate>,
    pub values: Vec<f64>,
    pub future: Vec<NaiveDate>,
    pub result: SeriesForecast,
    /// Points and bounds below zero raised to zero (sales cannot be negative).
    pub floored: usize,
}

/// Product bundles and the next-basket evaluation.
#[derive(Debug)]
pub struct BundlesPanel {
    /// What the rules are over: `product` or `sub-category`.
    pub level: &'static str,
    pub baskets: u64,
    /// The support mined at: the requested share, or `min_count / baskets` when raised.
    pub min_support: f64,
    pub min_count: u64,
    /// When the requested support admitted more than [`REPORT_MAX_ITEMSETS`] itemsets: the
    /// requested share and its minimum count (the support was raised to `min_count`).
    pub raised_from: Option<(f64, u64)>,
    /// The itemset budget the support was chosen under.
    pub max_itemsets: u64,
    pub itemsets: usize,
    pub rules_total: usize,
    /// The strongest rules by lift.
    pub rules: Vec<Rule>,
    pub next_basket: Option<Evaluation>,
    /// Why the next-basket evaluation is missing, when it is.
    pub note: Option<String>,
}

const LEVELS: [f64; 2] = [80.0, 95.0];
/// The most itemsets the report mines at one support: past it, the support is raised.
pub const REPORT_MAX_ITEMSETS: u64 = 1_000_000;
const TOP_RULES: usize = 15;

/// Writes the report and says where.
pub fn run(args: &ReportArgs) -> Result<()> {
    if args.horizon == 0 {
        bail!("--horizon must be at least 1");
    }
    if !(args.min_support > 0.0 && args.min_support <= 1.0) {
        bail!("--min-support must be in (0, 1], got {}", args.min_support);
    }
    let datasets: Vec<(String, Vec<Source>)> = if args.files.is_empty() {
        vec![
            (
                "Online Retail (embedded sample)".to_string(),
                vec![Source::Embedded(
                    "online_retail_sample.csv.gz",
                    samples::ONLINE_RETAIL,
                )],
            ),
            (
                "Superstore (embedded)".to_string(),
                vec![Source::Embedded("superstore.csv.gz", samples::SUPERSTORE)],
            ),
        ]
    } else {
        let name = args
            .files
            .iter()
            .map(|p| {
                p.file_name()
                    .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
            })
            .collect::<Vec<_>>()
            .join(", ");
        vec![(name, args.files.iter().cloned().map(Source::File).collect())]
    };
    let slice = args.slice.slice_with(&args.customers)?;
    crate::slice::compile(&slice)?;
    crate::output::check_writable(&args.out)?;
    let mut progress = Progress::new(datasets.len() * 4 + 1);
    let runtime = crate::runtime()?;
    let mut dashboards = Vec::new();
    let several = datasets.len() > 1;
    for (name, sources) in datasets {
        progress.step(&format!("{name}: reading"));
        let (batches, reports) = match load_sources_sliced(&sources, &args.read, &slice) {
            Ok(loaded) => loaded,
            // One of the embedded samples outside the slice (a country of the other one).
            Err(err) if several && err.downcast_ref::<EmptySlice>().is_some() => {
                crate::note!("retail: {name}: left out: {err}");
                continue;
            }
            Err(err) => return Err(err.context(format!("{name}: reading"))),
        };
        let currency = currency_of(args.currency.as_deref(), &reports);
        let mut dashboard = build(
            &runtime,
            name,
            currency,
            batches,
            reports,
            args,
            &mut progress,
        )?;
        dashboard.slice = args.read.describe_slice(&slice);
        dashboards.push(dashboard);
    }
    if dashboards.is_empty() {
        bail!(
            "the slice ({}) keeps no line of any data set: nothing to report",
            slice.describe()
        );
    }
    progress.step("writing the report");
    let title = args.title.clone().unwrap_or_else(|| {
        if args.files.is_empty() {
            "Retail dashboard: embedded samples".to_string()
        } else {
            format!("Retail dashboard: {}", dashboards[0].name)
        }
    });
    let html = page::render(&title, &dashboards);
    std::fs::write(&args.out, html)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    progress.finish();
    crate::note!("retail: wrote {}", args.out.display());
    if args.open {
        open_in_browser(&args.out);
    }
    Ok(())
}

/// The currency symbol: the user's, or the one of the detected layout.
fn currency_of(given: Option<&str>, reports: &[IngestReport]) -> &'static str {
    if let Some(symbol) = given {
        return Box::leak(symbol.to_string().into_boxed_str());
    }
    let layouts: Vec<&str> = reports.iter().map(|r| r.layout.as_str()).collect();
    if layouts.iter().all(|l| *l == "online-retail") {
        "£"
    } else if layouts.iter().all(|l| *l == "superstore") {
        "$"
    } else {
        ""
    }
}

fn build(
    runtime: &tokio::runtime::Runtime,
    name: String,
    currency: &'static str,
    batches: Vec<RecordBatch>,
    reports: Vec<IngestReport>,
    args: &ReportArgs,
    progress: &mut Progress,
) -> Result<Dashboard> {
    progress.step(&format!("{name}: computing the KPIs"));
    let ctx = retail_metrics::sales_context(batches.clone())?;
    let options = KpiOptions::default().with_product_classes(&args.read.product_classes(&reports)?);
    let suite = runtime.block_on(KpiSuite::run(&ctx, &options))?;
    let summary = suite.summary()?;
    if summary.sale_lines == 0 {
        bail!("{name}: no completed sales lines: nothing to report");
    }
    let customer_spend = suite.rfm()?.into_iter().map(|c| c.monetary).collect();

    progress.step(&format!("{name}: forecasting weekly sales"));
    let forecasts = forecast_panel(&batches, args.horizon)?;

    progress.step(&format!("{name}: mining product bundles"));
    // Bundles of goods: postage and fees are in most baskets and say nothing about them.
    let merchandise = SalesSlice::new()
        .with_merchandise_only(&args.read.product_classes(&reports)?)
        .compile()?
        .apply_all(batches)?;
    let bundles = bundles_panel(&merchandise, args.min_support)?;
    crate::note!("retail: {name}: {}", support_sentence(&bundles));

    Ok(Dashboard {
        name,
        currency,
        reports,
        slice: None,
        churn: suite.churn()?,
        customer_spend,
        top_customers: suite.top_customers(CustomerRanking::NetRevenue)?,
        top_products: suite.top_products(ProductRanking::NetRevenue)?,
        retention: suite.retention(Grain::Month)?,
        rfm_segments: suite.rfm_segments()?,
        weekly: suite.sales_by(Grain::Week)?,
        forfeited_products: suite.top_forfeited_products()?,
        cancellation_outcomes: suite.cancellation_outcomes()?,
        countries: suite.by_country()?,
        dimensions: suite.by_dimensions()?,
        price_bands: suite.by_price_band()?,
        discount_bands: suite.discount_bands()?,
        discount_by_category: suite.discount_by_category()?,
        discount_correlation: suite.discount_correlation()?,
        summary,
        forecasts,
        bundles,
    })
}

/// Total weekly sales and the three largest categories (countries when the source has no
/// category), each forecast with the automatic model choice.
fn forecast_panel(batches: &[RecordBatch], horizon: usize) -> Result<ForecastPanel> {
    let total = SeriesBuilder::new(Frequency::Week, GroupBy::Total).build(batches)?;
    let mut group_by = GroupBy::Category;
    let mut groups = SeriesBuilder::new(Frequency::Week, group_by).build(batches)?;
    if groups.series.len() < 2 {
        group_by = GroupBy::Country;
        groups = SeriesBuilder::new(Frequency::Week, group_by).build(batches)?;
    }
    let mut inputs: Vec<(String, Vec<NaiveDate>, Vec<f64>)> = total
        .series
        .into_iter()
        .map(|s| ("total".to_string(), s.periods, s.values))
        .collect();
    if groups.series.len() >= 2 {
        inputs.extend(
            groups
                .series
                .into_iter()
                .take(3)
                .map(|s| (s.key, s.periods, s.values)),
        );
    }
    let panel = |series, note| ForecastPanel {
        group_by: group_name(group_by).to_string(),
        horizon,
        series,
        partial_weeks: total.partial_periods.clone(),
        note,
    };
    let weeks = inputs.first().map_or(0, |(_, p, _)| p.len());
    if weeks < 8 {
        return Ok(panel(
            Vec::new(),
            Some(format!(
                "{weeks} full weeks of sales: too short to forecast (at least 8 are needed)"
            )),
        ));
    }
    let values: Vec<Vec<f64>> = inputs.iter().map(|(_, _, v)| v.clone()).collect();
    let results = forecast_many(
        &values,
        ModelChoice::Auto,
        Frequency::Week.season_length(),
        horizon,
        &LEVELS,
        0,
    );
    let mut series = Vec::new();
    for ((key, periods, values), result) in inputs.into_iter().zip(results) {
        let mut result = result.with_context(|| format!("forecasting weekly sales of {key}"))?;
        // Weekly sales are never negative: a model on the original scale can reach below zero
        // (its intervals widen symmetrically), and the chart truncates there and says so.
        let floored = if values.iter().all(|&v| v >= 0.0) {
            retail_forecast::floor_at_zero(&mut result.forecast)
        } else {
            0
        };
        let future = future_weeks(&periods, horizon);
        series.push(ForecastedSeries {
            key,
            periods,
            values,
            future,
            result,
            floored,
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

fn future_weeks(periods: &[NaiveDate], horizon: usize) -> Vec<NaiveDate> {
    let mut out = Vec::with_capacity(horizon);
    if let Some(&last) = periods.last() {
        let mut p = last;
        for _ in 0..horizon {
            p = Frequency::Week.next(p);
            out.push(p);
        }
    }
    out
}

/// Frequent product sets (one basket per invoice) and rules at lift > 1, the strongest by lift;
/// and the next-basket recommender against its baselines.
/// When no two products are bought together often enough (Superstore: 1,862 products, two
/// lines an order), the rules are mined over sub-categories instead.
fn bundles_panel(batches: &[RecordBatch], min_support: f64) -> Result<BundlesPanel> {
    let data = InvoiceBaskets::from_sales(batches)?;
    let (mut itemsets, mut rules, mut raised) = mine_within_budget(&data, min_support)?;
    let mut level = "product";
    if rules.is_empty() {
        let by_sub = InvoiceBaskets::from_sales_by(batches, BasketItem::SubCategory)?;
        if by_sub.lines_without_item < by_sub.lines {
            let (sub_itemsets, sub_rules, sub_raised) = mine_within_budget(&by_sub, min_support)?;
            if !sub_rules.is_empty() {
                (itemsets, rules, raised, level) =
                    (sub_itemsets, sub_rules, sub_raised, "sub-category");
            }
        }
    }
    let strongest = strongest_rules(&rules, TOP_RULES);
    let params = NextBasketParams::default();
    let (next_basket, note) = if data.customers.iter().all(Option::is_none) {
        (None, Some("no line has a customer id".to_string()))
    } else {
        match evaluate(&data, &params) {
            Ok(evaluation) if evaluation.customers > 0 => (Some(evaluation), None),
            Ok(_) => (
                None,
                Some("no customer has two or more baskets to hold one out".to_string()),
            ),
            Err(err) => (None, Some(err.to_string())),
        }
    };
    Ok(BundlesPanel {
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
    })
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

/// Mines the frequent itemsets of `data` and their rules at `min_support`; while that admits
/// more than [`REPORT_MAX_ITEMSETS`] itemsets (the miner stops there), doubles the minimum
/// count and mines again. At a count above the number of baskets nothing is frequent, so this
/// ends. Returns the requested minimum count too when it had to be raised.
fn mine_within_budget(
    data: &InvoiceBaskets,
    min_support: f64,
) -> Result<(FrequentItemsets, AssociationRules, Option<u64>)> {
    let requested = MinSupport::fraction(min_support)?.to_count(data.baskets.len() as u64);
    let mut min_count = requested;
    loop {
        let mined = FpGrowth::new(MinSupport::count(min_count)?)
            .with_max_itemsets(REPORT_MAX_ITEMSETS)?
            .mine(&data.baskets);
        match mined {
            Ok(itemsets) => {
                let itemsets = itemsets.with_item_names(&data.product_names);
                let rules = RuleParams::new()
                    .with_min_confidence(0.1)?
                    .with_min_lift(1.0)?
                    .generate(&itemsets)?;
                let raised = (min_count != requested).then_some(requested);
                return Ok((itemsets, rules, raised));
            }
            Err(BundlesError::TooManyItemsets { .. }) => min_count = min_count.saturating_mul(2),
            Err(err) => return Err(err.into()),
        }
    }
}

/// What support the bundles were mined at, and why when it is not the requested one.
pub(crate) fn support_sentence(b: &BundlesPanel) -> String {
    let chosen = format!(
        "{} bundles mined at a support of {} baskets ({} of {})",
        b.level,
        b.min_count,
        crate::table::pct(Some(b.min_support)),
        b.baskets
    );
    match b.raised_from {
        None => chosen,
        Some((share, count)) => format!(
            "{chosen}, raised from the requested {} ({count} baskets), which admits more than \
             {} itemsets",
            crate::table::pct(Some(share)),
            b.max_itemsets
        ),
    }
}

/// Opens `path` with the desktop's default program; says so when it cannot.
fn open_in_browser(path: &std::path::Path) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(program).arg(path).status() {
        Ok(status) if status.success() => {}
        _ => crate::note!(
            "retail: could not open {} with {program}; open it in a browser",
            path.display()
        ),
    }
}
