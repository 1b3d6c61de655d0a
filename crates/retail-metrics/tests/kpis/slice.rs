//! Slicing: the KPIs of a slice (`SalesSlice` filtering the batches) equal the KPIs of a table
//! filtered beforehand by a plain-Rust reading of the same conditions (SQL's three-valued
//! logic: a condition on a null value drops the line).

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use retail_metrics::SalesSlice;

use super::common::oracle::{self, Row};
use super::{batch_of, suite_json, table};

/// A random predicate: its SQL text and the same condition in Rust.
#[derive(Debug, Clone)]
enum Predicate {
    DiscountAbove(f64),
    QuantityAtLeast(i64),
    KindIs(&'static str),
    Guest,
    NameStartsWith(&'static str),
    NotCountry(&'static str),
    RegionOrSegment(&'static str, &'static str),
    AmountBetween(f64, f64),
}

impl Predicate {
    fn sql(&self) -> String {
        match self {
            Predicate::DiscountAbove(d) => format!("discount > {d}"),
            Predicate::QuantityAtLeast(q) => format!("quantity >= {q}"),
            Predicate::KindIs(k) => format!("line_kind = '{k}'"),
            Predicate::Guest => "customer_id IS NULL".into(),
            Predicate::NameStartsWith(p) => format!("product_name LIKE '{p}%'"),
            Predicate::NotCountry(c) => format!("NOT (country = '{c}')"),
            Predicate::RegionOrSegment(r, s) => format!("region = '{r}' OR segment = '{s}'"),
            Predicate::AmountBetween(a, b) => format!("line_amount BETWEEN {a} AND {b}"),
        }
    }

    fn holds(&self, r: &Row) -> bool {
        match self {
            Predicate::DiscountAbove(d) => r.discount.is_some_and(|x| x > *d),
            Predicate::QuantityAtLeast(q) => r.quantity >= *q,
            Predicate::KindIs(k) => r.line_kind == *k,
            Predicate::Guest => r.customer_id.is_none(),
            Predicate::NameStartsWith(p) => {
                r.product_name.as_ref().is_some_and(|n| n.starts_with(p))
            }
            // NOT (NULL = 'x') is NULL: the line is dropped.
            Predicate::NotCountry(c) => r.country.as_ref().is_some_and(|x| x != c),
            // NULL OR true is true; NULL OR false is NULL.
            Predicate::RegionOrSegment(reg, seg) => {
                r.region.as_deref() == Some(*reg) || r.segment.as_deref() == Some(*seg)
            }
            Predicate::AmountBetween(a, b) => *a <= r.line_amount && r.line_amount <= *b,
        }
    }
}

fn predicate() -> impl Strategy<Value = Predicate> {
    prop_oneof![
        prop::sample::select(vec![0.0, 0.1, 0.3]).prop_map(Predicate::DiscountAbove),
        (-2i64..6).prop_map(Predicate::QuantityAtLeast),
        prop::sample::select(vec!["sale", "cancellation", "adjustment"])
            .prop_map(Predicate::KindIs),
        Just(Predicate::Guest),
        prop::sample::select(vec!["Product 1", "Product", "P"]).prop_map(Predicate::NameStartsWith),
        prop::sample::select(vec!["France", "EIRE"]).prop_map(Predicate::NotCountry),
        (
            prop::sample::select(vec!["East", "West"]),
            prop::sample::select(vec!["Consumer", "Corporate"])
        )
            .prop_map(|(r, s)| Predicate::RegionOrSegment(r, s)),
        (-10i32..10, 0i32..30)
            .prop_map(|(a, w)| Predicate::AmountBetween(a as f64 * 0.5, (a + w) as f64 * 0.5)),
    ]
}

/// A random slice: (days from the tables' first day, lists, predicate).
#[derive(Debug, Clone)]
struct Slice {
    from: Option<u64>,
    to: Option<u64>,
    countries: Vec<&'static str>,
    regions: Vec<&'static str>,
    categories: Vec<&'static str>,
    sub_categories: Vec<&'static str>,
    segments: Vec<&'static str>,
    customers: Vec<&'static str>,
    products: Vec<&'static str>,
    predicate: Option<Predicate>,
    /// Merchandise only: the oracle's other charges (`oracle::OTHER_CHARGES`) left out.
    merchandise_only: bool,
}

/// An empty list (no condition) three times in four, else one to three values (some absent from
/// every table).
fn list(values: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::sample::subsequence(values, 1..=3.min(values.len())),
    ]
}

fn slice() -> impl Strategy<Value = Slice> {
    let days = proptest::option::weighted(0.5, 0u64..45);
    (
        (days.clone(), days),
        (
            list(&["United Kingdom", "France", "EIRE", "Spain"]),
            list(&["East", "West", "North"]),
            list(&["Furniture", "Technology", "Office"]),
            list(&["Furniture-0", "Technology-1", "Office-0", "Office-1"]),
            list(&["Consumer", "Corporate", "Home Office"]),
            list(&["K0", "K1", "K2", "K3", "K9"]),
            list(&["P0", "P1", "P2", "P3", "P4", "P7"]),
        ),
        proptest::option::weighted(0.6, predicate()),
        proptest::bool::weighted(0.3),
    )
        .prop_map(|((from, to), lists, predicate, merchandise_only)| {
            let (countries, regions, categories, sub_categories, segments, customers, products) =
                lists;
            // `to` at or after `from` (an earlier `to` is an error, tested elsewhere).
            let to = match (from, to) {
                (Some(f), Some(t)) => Some(f + t % 20),
                (_, t) => t,
            };
            Slice {
                from,
                to,
                countries,
                regions,
                categories,
                sub_categories,
                segments,
                customers,
                products,
                predicate,
                merchandise_only,
            }
        })
}

fn start() -> NaiveDate {
    // The first day of the random tables (kpis.rs `table`).
    NaiveDate::from_ymd_opt(2023, 12, 29).unwrap()
}

impl Slice {
    fn sales_slice(&self) -> SalesSlice {
        let mut s = SalesSlice::new()
            .with_countries(self.countries.iter().copied())
            .with_regions(self.regions.iter().copied())
            .with_categories(self.categories.iter().copied())
            .with_sub_categories(self.sub_categories.iter().copied())
            .with_segments(self.segments.iter().copied())
            .with_customers(self.customers.iter().copied())
            .with_products(self.products.iter().copied());
        if let Some(d) = self.from {
            s = s.with_from(start() + Days::new(d));
        }
        if let Some(d) = self.to {
            s = s.with_to(start() + Days::new(d));
        }
        if let Some(p) = &self.predicate {
            s = s.with_predicate(p.sql());
        }
        if self.merchandise_only {
            s = s.with_merchandise_only(&retail_ingest::ProductClasses::from_entries(
                oracle::OTHER_CHARGES
                    .iter()
                    .map(|id| (id.to_string(), retail_ingest::ProductClass::Fee)),
            ));
        }
        s
    }

    fn keeps(&self, r: &Row) -> bool {
        let day = r.timestamp.date();
        let listed = |values: &[&str], value: Option<&str>| {
            values.is_empty() || value.is_some_and(|v| values.contains(&v))
        };
        self.from.is_none_or(|d| day >= start() + Days::new(d))
            && self.to.is_none_or(|d| day <= start() + Days::new(d))
            && listed(&self.countries, r.country.as_deref())
            && listed(&self.regions, r.region.as_deref())
            && listed(&self.categories, r.category.as_deref())
            && listed(&self.sub_categories, r.sub_category.as_deref())
            && listed(&self.segments, r.segment.as_deref())
            && listed(&self.customers, r.customer_id.as_deref())
            && listed(&self.products, Some(r.product_id.as_str()))
            && self.predicate.as_ref().is_none_or(|p| p.holds(r))
            && !(self.merchandise_only && oracle::OTHER_CHARGES.contains(&r.product_id.as_str()))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn slicing_then_computing_equals_computing_on_a_prefiltered_table(
        rows in table(),
        slice in slice(),
        chunk in 1usize..8,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // The slice filters the table in several batches, as the CLI does while reading.
        let batches: Vec<_> = rows.chunks(chunk).map(batch_of).collect();
        let filter = slice.sales_slice().compile().unwrap();
        let sliced = filter.apply_all(batches).unwrap();
        let kept: Vec<Row> = rows.iter().filter(|r| slice.keeps(r)).cloned().collect();
        prop_assert_eq!(
            sliced.iter().map(|b| b.num_rows()).sum::<usize>(),
            kept.len(),
            "lines kept by {}",
            slice.sales_slice().describe()
        );
        let actual = runtime.block_on(suite_json(sliced));
        let expected = runtime.block_on(suite_json(vec![batch_of(&kept)]));
        let differences = oracle::diff_json(&expected, &actual, 0.0);
        prop_assert!(
            differences.is_empty(),
            "{}: {} differences, first: {:#?}",
            slice.sales_slice().describe(),
            differences.len(),
            &differences[..differences.len().min(10)]
        );
    }
}

/// Hand-checked cases on the oracle's five example lines (A1 ×2 on 2024-01-01 10:00, A2 on
/// 01-03 12:00, C1 on 01-04 09:00, A3 on 01-10 08:00): `to` includes its whole day.
#[test]
fn the_date_range_covers_whole_days_and_lists_match_any_value() {
    use arrow::array::AsArray;
    let batch = batch_of(&oracle::example_rows());
    let day = |d: u32| NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
    let invoices = |slice: SalesSlice| -> Vec<String> {
        let kept = slice.compile().unwrap().apply(&batch).unwrap();
        let ids = kept.column(0).as_string::<i32>();
        ids.iter().map(|v| v.unwrap().to_string()).collect()
    };
    assert_eq!(
        invoices(SalesSlice::new().with_from(day(3)).with_to(day(4))),
        ["A2", "C1"]
    );
    assert_eq!(invoices(SalesSlice::new().with_to(day(1))), ["A1", "A1"]);
    assert_eq!(
        invoices(SalesSlice::new().with_from(day(10)).with_to(day(10))),
        ["A3"]
    );
    assert_eq!(
        invoices(SalesSlice::new().with_products(["P2", "P9"])),
        ["A1", "A3"]
    );
    assert_eq!(
        invoices(
            SalesSlice::new()
                .with_customers(["c2"])
                .with_customers(["c1"])
                .with_predicate("quantity < 0")
        ),
        ["C1"]
    );
    assert!(invoices(SalesSlice::new().with_from(day(11))).is_empty());
}
