//! Issue 18: what counts as a sale, a product's name, a partial period, a guest. Values on the
//! full Online Retail file are derived independently with DuckDB (queries in the comments).

use std::collections::HashMap;

use arrow::array::{Array, AsArray};
use arrow::datatypes::TimestampMicrosecondType;
use chrono::{Datelike, NaiveDate};
use retail_ingest::names::ProductNames;
use retail_ingest::{IngestParams, ProductClasses, read_transactions, samples, shared_data_dir};
use retail_metrics::{
    CustomerRanking, Grain, KpiParams, KpiSuite, MetricsError, ProductRanking, run_sql,
    sales_context,
};

use super::sample_batches;

fn months_between(a: NaiveDate, b: NaiveDate) -> i64 {
    i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month())
}

/// The full Online Retail file, or `None` (and a SKIPPED line) where ../shared/data is absent.
pub(super) fn full_online_retail() -> Option<Vec<arrow::array::RecordBatch>> {
    let Some(path) = shared_data_dir()
        .map(|d| d.join("online_retail/online_retail.csv.gz"))
        .filter(|p| p.is_file())
    else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: online_retail/online_retail.csv.gz not found (../shared/data is absent; CI has it)"
        );
        return None;
    };
    Some(
        read_transactions(&path, &IngestParams::default())
            .unwrap()
            .batches,
    )
}

/// The issue's "done when" numbers. DuckDB 2.0.1 over the raw CSV
/// (`read_csv(..., all_varchar=true)`, kind as in docs/schema.md: `C…` cancellation, `A…` or
/// quantity < 0 or `Quantity * UnitPrice = 0` adjustment, else sale):
///
/// ```sql
/// SELECT count(DISTINCT InvoiceNo), count(DISTINCT CustomerID), sum(Quantity),
///        sum(CAST(UnitPrice AS DECIMAL(18,3)) * Quantity)
/// FROM s WHERE kind = 'sale'              -- 19959, 4338, 5588375, 10655622.484
/// SELECT Description, count(*), max(InvoiceDate) FROM s
/// WHERE StockCode = '85123A' AND kind = 'sale' GROUP BY 1
///   -- WHITE HANGING HEART T-LIGHT HOLDER 2256 lines; CREAM HANGING HEART T-LIGHT HOLDER 9
/// ```
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_online_retail_file_answers_as_a_retailer_counts() {
    let Some(batches) = full_online_retail() else {
        return;
    };
    let ctx = sales_context(batches).unwrap();
    let options =
        KpiParams::default().with_product_classes(&ProductClasses::for_layout("online-retail"));
    let suite = KpiSuite::run(&ctx, &options).await.unwrap();
    let summary = suite.summary().unwrap();
    // Merchandise vs other charges (DuckDB, codes of docs/schema.md:
    // SELECT StockCode IN ('POST','DOT','C2','BANK CHARGES','AMAZONFEE','CRUK','M','m','D','B',
    //                      'S','PADS'), -sum(CAST(UnitPrice AS DECIMAL(18,3)) * Quantity)
    // FROM s WHERE kind = 'cancellation' GROUP BY 1   -- false 478724.180, true 418088.310
    // and over kind = 'sale': false 10272118.870, true 383503.614).
    assert!((summary.forfeited_goods - 478_724.18).abs() < 1e-6);
    assert!((summary.forfeited_other_charges - 418_088.31).abs() < 1e-6);
    assert!((summary.merchandise_revenue - 10_272_118.87).abs() < 1e-6);
    assert!((summary.other_charges - 383_503.614).abs() < 1e-6);
    // The top merchandise product by revenue is 22423 (DOT, 206,248.77, is postage):
    // SELECT StockCode, sum(...) FROM s WHERE kind = 'sale' AND <merchandise> GROUP BY 1
    // ORDER BY 2 DESC LIMIT 1   -- 22423 174484.740
    let top_merchandise = suite.top_products(ProductRanking::Revenue).unwrap();
    assert_eq!(top_merchandise[0].product_id, "22423");
    assert!(
        top_merchandise
            .iter()
            .all(|p| p.product_id != "DOT" && p.product_id != "POST" && p.product_id != "M")
    );
    let forfeited = suite.top_forfeited_products().unwrap();
    assert!(
        forfeited
            .iter()
            .all(|p| p.product_id != "AMAZONFEE" && p.product_id != "M")
    );
    assert_eq!(forfeited[0].product_id, "23843");
    // With every product, DOT is first again.
    let everything = KpiSuite::run(&ctx, &options.clone().with_all_products(true))
        .await
        .unwrap();
    assert_eq!(
        everything.top_products(ProductRanking::Revenue).unwrap()[0].product_id,
        "DOT"
    );
    assert_eq!(summary.orders, 19_959);
    assert_eq!(summary.customers, 4_338);
    assert_eq!(summary.units, 5_588_375);
    assert!(
        (summary.revenue - 10_655_622.484).abs() < 1e-6,
        "{}",
        summary.revenue
    );
    // Guests (DuckDB: sum of the amount and count(DISTINCT InvoiceNo) of sale lines with an
    // empty CustomerID: 1744214.58, 1427).
    assert!((summary.guest_revenue - 1_744_214.58).abs() < 1e-6);
    assert_eq!(summary.guest_orders, 1_427);
    let share = summary.guest_revenue_share.unwrap();
    assert!((share - 1_744_214.58 / 10_655_622.484).abs() < 1e-12);
    // Partial periods: the data runs from Wednesday 2010-12-01 08:26 to Friday 2011-12-09 12:50
    // (DuckDB: SELECT min(InvoiceDate), max(InvoiceDate)); by hand, the first week (Monday
    // 2010-11-29) misses 2 days, the last week (Monday 2011-12-05) 2 days, December 2011 22
    // days; December 2010 starts on the data's first day.
    let partial = |grain| {
        suite
            .sales_by(grain)
            .unwrap()
            .into_iter()
            .filter(|p| p.is_partial)
            .map(|p| p.period_start.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(partial(Grain::Week), ["2010-11-29", "2011-12-05"]);
    assert_eq!(partial(Grain::Month), ["2011-12-01"]);
    assert!(partial(Grain::Day).is_empty());
    let months = suite.sales_by(Grain::Month).unwrap();
    let december = months.last().unwrap();
    assert_eq!((december.revenue_change, december.is_peak), (None, false));
    let weeks = suite.sales_by(Grain::Week).unwrap();
    assert!(!weeks.last().unwrap().is_peak && !weeks[0].is_peak);
    // 54 weeks, 52 whole: ceil(52 / 10) = 6 peaks.
    assert_eq!(weeks.len(), 54);
    assert_eq!(weeks.iter().filter(|w| w.is_peak).count(), 6);
    // The retention matrix's last diagonal (offset to December 2011) is partial.
    let cells = suite.retention(Grain::Month).unwrap();
    assert!(cells.iter().all(|c| c.is_partial
        == (c.cohort < december.period_start
            && c.period_offset == months_between(c.cohort, december.period_start)
            || c.cohort == december.period_start && c.period_offset == 0)));
    assert_eq!(cells.iter().filter(|c| c.is_partial).count(), 13);
    // Daily cohorts are not computed: asking for them is an error naming the parameter, not
    // the monthly matrix in disguise.
    let daily = suite.retention(Grain::Day).unwrap_err();
    assert!(
        matches!(
            daily,
            MetricsError::InvalidParameter {
                parameter: "grain",
                ..
            }
        ),
        "{daily}"
    );
    // Customers by net revenue (DuckDB: per CustomerID, sale amounts + cancellation amounts;
    // 16446 nets 2.90 and 12346 0.00 after cancelling their mis-keyed orders; the tenth is
    // 15311 at 59,419.34). By gross revenue 16446 is fourth (168,472.50) and 12346 tenth (77,183.60; 9 customers above).
    let net = suite.top_customers(CustomerRanking::NetRevenue).unwrap();
    assert_eq!(net.len(), 10);
    assert_eq!(net[0].customer_id, "14646");
    assert_eq!(net[9].customer_id, "15311");
    assert!(
        net.iter()
            .all(|c| c.customer_id != "16446" && c.customer_id != "12346")
    );
    let gross = suite.top_customers(CustomerRanking::Revenue).unwrap();
    assert_eq!(gross[3].customer_id, "16446");
    assert_eq!(gross[9].customer_id, "12346");
    let top = suite.top_products(ProductRanking::Revenue).unwrap();
    let heart = top.iter().find(|p| p.product_id == "85123A").unwrap();
    assert_eq!(
        heart.product_name.as_deref(),
        Some("WHITE HANGING HEART T-LIGHT HOLDER")
    );
}

/// Bundles, next-basket and the report name products with `retail_ingest::names`; the KPIs
/// with the `product_names` SQL. Both must give every product the same name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_and_sql_naming_rules_agree_on_every_product() {
    let mut inputs = vec![sample_batches("or", samples::ONLINE_RETAIL)];
    inputs.extend(full_online_retail());
    for batches in inputs {
        let mut names = ProductNames::new();
        for b in &batches {
            let kind = b.column_by_name("line_kind").unwrap().as_string::<i32>();
            let id = b.column_by_name("product_id").unwrap().as_string::<i32>();
            let name = b.column_by_name("product_name").unwrap().as_string::<i32>();
            let ts = b
                .column_by_name("timestamp")
                .unwrap()
                .as_primitive::<TimestampMicrosecondType>();
            for row in 0..b.num_rows() {
                if kind.value(row) == "sale" && name.is_valid(row) {
                    names.add(id.value(row), name.value(row), ts.value(row));
                }
            }
        }
        let expected = names.into_map();
        let ctx = sales_context(batches).unwrap();
        let rows = run_sql(&ctx, retail_metrics::kpi::PRODUCT_NAMES_SQL)
            .await
            .unwrap();
        let mut actual = HashMap::new();
        for b in &rows {
            let id = b.column(0).as_string::<i32>();
            let name = b.column(1).as_string::<i32>();
            for row in 0..b.num_rows() {
                actual.insert(id.value(row).to_string(), name.value(row).to_string());
            }
        }
        assert!(expected.len() > 3_000, "{}", expected.len());
        assert_eq!(expected, actual);
    }
}

/// Returns and voided orders on the full file (issue 18, item 4). DuckDB 2.0.1, the canonical
/// table `t` of tests/reference/compute_kpis.py, one cancellation line at a time with a
/// correlated subquery (not the suite's join):
///
/// ```sql
/// WITH m AS (SELECT x.*, (SELECT max(s.timestamp) FROM t s WHERE s.line_kind = 'sale'
///              AND s.customer_id = x.customer_id AND s.product_id = x.product_id
///              AND s.timestamp <= x.timestamp AND s.quantity >= abs(x.quantity)) AS sold_at
///            FROM t x WHERE x.line_kind = 'cancellation')
/// SELECT CASE WHEN sold_at IS NULL THEN 'unmatched'
///             WHEN timestamp - sold_at <= INTERVAL 1 DAY THEN 'voided' ELSE 'returned' END,
///        count(*), count(DISTINCT invoice_id), sum(abs(line_amount))
/// FROM m GROUP BY 1
///   -- voided 880 lines, 336 invoices, 312471.50; returned 6631, 2834, 163417.80;
///   -- unmatched 1777, 944, 420923.19
/// ```
///
/// The two mis-keyed orders are voids: C581484 (16446, 80,995 × 23843, £168,469.60, 12
/// minutes after 581483) and C541433 (12346, 74,215 × 23166, £77,183.60, 16 minutes after
/// 541431) (DuckDB: the sale and cancellation lines with |quantity| > 70,000).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellations_are_matched_to_the_sales_they_reverse() {
    let Some(batches) = full_online_retail() else {
        return;
    };
    let ctx = sales_context(batches).unwrap();
    let options =
        KpiParams::default().with_product_classes(&ProductClasses::for_layout("online-retail"));
    let suite = KpiSuite::run(&ctx, &options).await.unwrap();
    let outcomes = suite.cancellation_outcomes().unwrap();
    let got: Vec<(&str, i64, i64, f64)> = outcomes
        .iter()
        .map(|o| (o.outcome.as_str(), o.lines, o.invoices, o.amount))
        .collect();
    let expected = [
        ("voided", 880, 336, 312_471.50),
        ("returned", 6_631, 2_834, 163_417.80),
        ("unmatched", 1_777, 944, 420_923.19),
    ];
    for (g, e) in got.iter().zip(expected) {
        assert_eq!((g.0, g.1, g.2), (e.0, e.1, e.2));
        assert!((g.3 - e.3).abs() < 1e-6, "{g:?} vs {e:?}");
    }
    // Every forfeited pound is in exactly one outcome.
    let summary = suite.summary().unwrap();
    let total: f64 = outcomes.iter().map(|o| o.amount).sum();
    assert!((total - summary.forfeited).abs() < 1e-6);

    // The void window is a parameter. DuckDB, the query above with INTERVAL 11 MINUTE: voided
    // 403 lines, 186 invoices, 39302.26; returned 7108, 2964, 436587.04. Neither mis-keyed
    // order (12 and 16 minutes) is a void any more.
    let short = KpiParams::default()
        .with_product_classes(&ProductClasses::for_layout("online-retail"))
        .with_void_window(std::time::Duration::from_secs(11 * 60));
    let short = KpiSuite::run(&ctx, &short)
        .await
        .unwrap()
        .cancellation_outcomes()
        .unwrap();
    assert_eq!((short[0].lines, short[0].invoices), (403, 186));
    assert!((short[0].amount - 39_302.26).abs() < 1e-6);
    assert_eq!((short[1].lines, short[1].invoices), (7_108, 2_964));
    assert!((short[1].amount - 436_587.04).abs() < 1e-6);

    // Peaks rank by net revenue: the days of the mis-keyed orders (2011-01-18: revenue
    // 95,978.05, net 18,680.80; 2011-12-09: 200,920.60, net 32,131.53) are not peaks.
    let days = suite.sales_by(Grain::Day).unwrap();
    for day in ["2011-01-18", "2011-12-09"] {
        let d = days
            .iter()
            .find(|d| d.period_start.to_string() == day)
            .unwrap();
        assert!(!d.is_peak, "{day}");
    }
    // Products by net revenue (DuckDB: sale amounts minus |cancellation amounts| per
    // StockCode, merchandise only): 22423 164,762.19, 47566 98,302.98, 85123A 97,894.50.
    let net = suite.top_products(ProductRanking::NetRevenue).unwrap();
    let ids: Vec<&str> = net.iter().take(3).map(|p| p.product_id.as_str()).collect();
    assert_eq!(ids, ["22423", "47566", "85123A"]);
    assert!((net[0].net_revenue - 164_762.19).abs() < 1e-6);
}
