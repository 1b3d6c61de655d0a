#!/usr/bin/env python3
"""Side-by-side KPI-suite benchmark: ours (`examples/kpis`) vs DuckDB vs Polars, in one run.

Every KPI of docs/kpis.md (23 results, default parameters: top 10, churn 90 days), computed by
each tool on the same data and machine, interleaved, after checking that all tools produced the
same answers.

Usage (from the workspace root; the peers need a Python with duckdb and polars):

    /work/venv/bin/python benches/compare_kpis.py                       # both workloads, 3 rounds
    /work/venv/bin/python benches/compare_kpis.py --quick --out kpis.md  # 1 timed round
    /work/venv/bin/python benches/compare_kpis.py --workloads online_retail --rounds 5
    /work/venv/bin/python benches/compare_kpis.py --synthetic /tmp/retail_10m.parquet
    /work/venv/bin/python benches/compare_kpis.py --self-test   # peers vs kpis_reference.json
    /work/venv/bin/python benches/compare_kpis.py --tools duckdb,polars --no-check  # no Rust binary

Workloads (each run is a fresh child process; peak RSS = ru_maxrss of that child via os.wait4):

* online_retail : input /work/shared/data/online_retail/online_retail.csv.gz. Each tool reads the
                  raw file, builds the canonical table (docs/schema.md) and keeps it in memory
                  ("load"), then computes all 23 KPIs and materialises every result ("KPI").
* scale_up_10m  : a synthetic canonical Parquet (`examples/synth --rows N`, the real data
                  repeated with invoice and customer ids suffixed `~k`), made once at start in a
                  temp dir unless --synthetic FILE is given; skipped when the synth binary is
                  missing. Load = read the Parquet into memory; then all KPIs.

What each tool does:

* ours   : `examples/kpis FILE` (ingest to Arrow, then the suite: one DataFusion SQL statement
           per KPI, the 23 run two at a time); it reports rows, load_seconds and kpi_seconds.
* duckdb : `SET threads=N`; load = `CREATE TABLE sales AS SELECT <casts> FROM read_csv(FILE,
           all_varchar=true)` (the canonical table exactly as
           crates/retail-metrics/tests/reference/compute_kpis.py builds it) or `... FROM
           read_parquet(FILE)`; KPIs = one SQL statement per KPI, run one after the other, each
           materialised with `fetchall()`. The SQL is written from compute_kpis.py's, with its Python
           post-processing (changes, YoY, moving averages, peaks, ratios, zero-filling, RFM
           segments) moved into SQL (window functions, GROUPING SETS, NTILE).
* polars : POLARS_MAX_THREADS=N; load = `pl.read_csv(FILE, schema=...)` + expressions for the
           canonical columns, or `pl.read_parquet(FILE)`; KPIs = 23 LazyFrames written with the
           native expression API (no SQL anywhere: grouping sets are a union of group-bys,
           NTILE is computed from sort positions), collected together with `pl.collect_all`.
           Whether the source has profit data is decided eagerly first (null_count, O(1)).

Answer check (before any time is reported): the first (warm-up) run of every tool on every
workload returns its full results (ours with `--results`); per KPI the row counts must agree,
and for summary, churn, top_customers_by_revenue, top_products_by_revenue,
top_forfeited_products, sales_by_month, retention_monthly (first 20 rows), by_country and
rfm_segments every value (floats: |a - b| <= 1e-6 * max(|a|, |b|, 1); everything else
exactly); --check-all compares every value of every KPI. Any difference aborts with exit code 2
("ABORTED: answers differ") unless --no-check. One allowance: in the top customer/product lists
ranked by a float (revenue, profit, forfeited) and in rfm m_scores, rows whose sort value ties
within 1e-9 relative may come in any order. The scale-up repeats every customer ~18 times, so
the copies' revenues are equal in decimal arithmetic, and which copy ranks first is decided by
the f64 rounding of each engine's parallel sums (seen: DuckDB and Polars list different copies
of customer 14646 as the top 10; both are right).

--self-test runs only the DuckDB and Polars children (no Rust binary) on the Online Retail
sample and full file (from the raw CSV and from a canonical Parquet made by DuckDB) and on
Superstore (canonical Parquet, exercises profit, discount and dimension KPIs) and compares every
value of every KPI with crates/retail-metrics/tests/reference/kpis_reference.json (floats within
1e-9 * max(|a|, |b|, 1), as the Rust golden test does).

Schedule: one warm-up round (the answer-check run; not recorded), then --rounds timed rounds;
per round every workload, every tool, the tool order rotated each round. Medians are reported.
--quick = 1 timed round, and a 2-million-line scale-up (workload `scale_up_2m`) unless --rows.
"""

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
import time

from harness import cpu_model, emit_report, git_describe, log, mib, run_child

HERE = os.path.dirname(os.path.abspath(__file__))
WORKSPACE = os.path.dirname(HERE)
DEFAULT_CSV = "/work/shared/data/online_retail/online_retail.csv.gz"
SAMPLE_CSV = os.path.join(WORKSPACE, "crates/retail-ingest/data/online_retail_sample.csv.gz")
SUPERSTORE_CSV = "/work/shared/data/superstore/Superstore.csv"
REFERENCE_JSON = os.path.join(WORKSPACE, "crates/retail-metrics/tests/reference/kpis_reference.json")
TOP_N = 10
CHURN_DAYS = 90

# The 23 KPIs, in the order of `KpiOptions::queries` (crates/retail-metrics/src/suite.rs).
KPI_NAMES = [
    "summary", "lines_by_kind", "top_customers_by_revenue", "top_customers_by_profit",
    "top_products_by_revenue", "top_products_by_units", "top_forfeited_products", "sales_by_day",
    "sales_by_week", "sales_by_month", "retention_monthly", "retention_weekly", "churn",
    "by_country", "by_region", "by_dimensions", "by_price_band", "discount_impact",
    "discount_bands", "discount_by_category", "discount_correlation", "rfm", "rfm_segments",
]
SINGLE_ROW = ("summary", "churn", "discount_correlation")
# KPIs whose every value is compared by default (None = all rows, else the first n rows).
VALUE_CHECKED = {"summary": None, "churn": None, "top_customers_by_revenue": None,
                 "top_products_by_revenue": None, "top_forfeited_products": None,
                 "sales_by_month": None, "retention_monthly": 20, "by_country": None,
                 "rfm_segments": None}
CHECK_TOL = 1e-6
SELF_TEST_TOL = 1e-9
# Values equal within TIE_TOL (relative) count as ties when they decide an order: sums that are
# equal in decimal arithmetic (the scale-up copies every customer ~18x) differ in their last bits
# depending on each engine's parallel summation order, so their relative order is f64 noise.
TIE_TOL = 1e-9
# Ranked lists ordered by a float key descending, then an id: (id field, key field).
RANKED = {"top_customers_by_revenue": ("customer_id", "revenue"),
          "top_customers_by_profit": ("customer_id", "profit"),
          "top_products_by_revenue": ("product_id", "revenue"),
          "top_forfeited_products": ("product_id", "forfeited")}

DIMS = ("category", "sub_category", "region", "segment")
# by_dimensions grouping sets, in the order of docs/kpis.md; `(sub_category)` is grouped with
# its category and labelled `category,sub_category` (reference README, interpretation 8).
DIM_SETS = [("category",), ("category", "sub_category"), ("region",), ("segment",),
            ("category", "region"), ("category", "segment"), ("region", "segment"),
            ("category", "sub_category", "region"), ("category", "sub_category", "segment"), ()]
PRICE_BANDS = {0: "< 0", 1: "[0, 1)", 2: "[1, 2)", 3: "[2, 5)", 4: "[5, 10)", 5: "[10, 20)",
               6: "[20, 50)", 7: "[50, \u221e)", 8: "unknown"}
DISCOUNT_BANDS = {0: "none", 1: "up to 20%", 2: "up to 40%", 3: "above 40%"}
SEGMENTS = ("Champions", "Loyal", "New", "Promising", "At risk", "Hibernating")


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def is_parquet(path):
    return path.lower().endswith(".parquet")


# ============================================================================ result values

def jsonable(v):
    """A result cell as ours prints it in JSON: dates YYYY-MM-DD, timestamps YYYY-MM-DDTHH:MM:SS,
    NaN/inf -> null, integers as int."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, float):
        return None if (math.isnan(v) or math.isinf(v)) else v
    if isinstance(v, int):
        return v
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, datetime.date):
        return v.isoformat()
    try:  # decimal.Decimal and friends
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def rows_to_result(name, columns, rows):
    out = [{c: jsonable(v) for c, v in zip(columns, r)} for r in rows]
    if name in SINGLE_ROW:
        return out[0] if out else None
    return out


# ============================================================================ DuckDB side

# The canonical table from the raw Online Retail CSV, as compute_kpis.py `load()` builds it
# (without its validation queries and the exact-decimal columns, which only serve the golden
# values): all_varchar read, explicit casts.
DUCK_CSV_OPTS = "all_varchar=true, header=true, delim=',', quote='\"', escape='\"'"
DUCK_LOAD_ONLINE_RETAIL = """
CREATE TABLE sales AS SELECT
  InvoiceNo AS invoice_id,
  CAST(InvoiceDate AS TIMESTAMP) AS timestamp,
  CASE WHEN CustomerID IS NULL OR CustomerID = '' THEN NULL
       ELSE regexp_replace(CustomerID, '\\.0$', '') END AS customer_id,
  StockCode AS product_id,
  NULLIF(Description, '') AS product_name,
  CAST(NULL AS VARCHAR) AS category, CAST(NULL AS VARCHAR) AS sub_category,
  CAST(NULL AS VARCHAR) AS region, NULLIF(Country, '') AS country,
  CAST(NULL AS VARCHAR) AS segment,
  CAST(Quantity AS BIGINT) AS quantity,
  CAST(UnitPrice AS DOUBLE) AS unit_price,
  CAST(Quantity AS BIGINT) * CAST(UnitPrice AS DOUBLE) AS line_amount,
  CAST(NULL AS DOUBLE) AS discount, CAST(NULL AS DOUBLE) AS profit,
  CASE WHEN starts_with(InvoiceNo, 'C') THEN 'cancellation'
       WHEN starts_with(InvoiceNo, 'A') THEN 'adjustment'
       WHEN CAST(Quantity AS BIGINT) < 0 THEN 'adjustment'
       ELSE 'sale' END AS line_kind
FROM read_csv({path}, {opts})
"""
# Superstore canonical table (self-test only), as compute_kpis.py builds it from the UTF-8 copy.
DUCK_SUPERSTORE_SELECT = """
SELECT
  "Order ID" AS invoice_id, strptime("Order Date", '%m-%d-%Y') AS timestamp,
  NULLIF("Customer ID", '') AS customer_id, "Product ID" AS product_id,
  NULLIF("Product Name", '') AS product_name,
  NULLIF(Category, '') AS category, NULLIF("Sub-Category", '') AS sub_category,
  NULLIF(Region, '') AS region, NULLIF(Country, '') AS country, NULLIF(Segment, '') AS segment,
  CAST(Quantity AS BIGINT) AS quantity,
  CAST(Sales AS DOUBLE) / CAST(Quantity AS BIGINT) AS unit_price,
  CAST(Sales AS DOUBLE) AS line_amount, CAST(Discount AS DOUBLE) AS discount,
  CAST(Profit AS DOUBLE) AS profit, 'sale' AS line_kind
FROM read_csv({path}, {opts})
"""

SALE = "line_kind = 'sale'"
CANC = "line_kind = 'cancellation'"
PERIOD = {"day": ("INTERVAL 1 DAY", "INTERVAL 1 YEAR", 7),
          "week": ("INTERVAL 7 DAY", "INTERVAL 364 DAY", 4),
          "month": ("INTERVAL 1 MONTH", "INTERVAL 1 YEAR", 3)}


def duck_offset(unit, a, b):
    """Whole periods from period start b to period start a (DATEs)."""
    if unit == "month":
        return f"((year({a}) - year({b})) * 12 + month({a}) - month({b}))"
    return f"(date_diff('day', {b}, {a}) // 7)"


def duck_kpi_sql(has_profit, top_n=TOP_N, churn_days=CHURN_DAYS):
    """[(name, sql)] for the 23 KPIs. `has_profit`: some line has a profit (docs/kpis.md)."""
    def psum(cond=None):
        if not has_profit:
            return "CAST(NULL AS DOUBLE)"
        f = f" FILTER (WHERE {cond})" if cond else ""
        return f"coalesce(sum(profit){f}, 0.0)"

    def ratio(a, b):
        return f"CASE WHEN ({b}) <> 0 THEN CAST({a} AS DOUBLE) / ({b}) END"

    q = []
    q.append(("summary", f"""
WITH t AS (
  SELECT
    count(*) FILTER (WHERE {SALE}) AS sale_lines,
    count(*) FILTER (WHERE {CANC}) AS cancellation_lines,
    count(*) FILTER (WHERE line_kind = 'adjustment') AS adjustment_lines,
    count(DISTINCT invoice_id) FILTER (WHERE {SALE}) AS orders,
    count(DISTINCT customer_id) FILTER (WHERE {SALE}) AS customers,
    coalesce(sum(line_amount) FILTER (WHERE {SALE}), 0.0) AS revenue,
    coalesce(sum(abs(line_amount)) FILTER (WHERE {CANC}), 0.0) AS forfeited,
    CAST(coalesce(sum(quantity) FILTER (WHERE {SALE}), 0) AS BIGINT) AS units,
    coalesce(sum(line_amount) FILTER (WHERE {SALE} AND customer_id IS NOT NULL), 0.0) AS rev_ident,
    count(DISTINCT invoice_id) FILTER (WHERE {SALE} AND customer_id IS NOT NULL) AS inv_ident,
    count(DISTINCT invoice_id) FILTER (WHERE {CANC}) AS cancelled_invoices,
    count(DISTINCT invoice_id) FILTER (WHERE line_kind IN ('sale', 'cancellation')) AS inv_sc,
    {psum(SALE)} AS profit,
    min(timestamp) FILTER (WHERE {SALE}) AS first_sale,
    max(timestamp) FILTER (WHERE {SALE}) AS last_sale
  FROM sales),
r AS (SELECT count(*) AS repeat_customers FROM (
        SELECT customer_id FROM sales WHERE {SALE} AND customer_id IS NOT NULL
        GROUP BY customer_id HAVING count(DISTINCT invoice_id) >= 2))
SELECT sale_lines, cancellation_lines, adjustment_lines, orders, customers, revenue, forfeited,
       revenue - forfeited AS net_revenue, units,
       {ratio('rev_ident', 'customers')} AS avg_customer_spend,
       {ratio('revenue', 'orders')} AS avg_order_value,
       {ratio('inv_ident', 'customers')} AS orders_per_customer,
       repeat_customers, {ratio('repeat_customers', 'customers')} AS repeat_rate,
       cancelled_invoices, {ratio('cancelled_invoices', 'inv_sc')} AS cancelled_invoice_share,
       profit, {ratio('profit', 'revenue')} AS margin, first_sale, last_sale
FROM t, r"""))

    q.append(("lines_by_kind", """
SELECT line_kind, count(*) AS lines, sum(line_amount) AS amount
FROM sales GROUP BY line_kind ORDER BY line_kind"""))

    for by in ("revenue", "profit"):
        having = "HAVING count(profit) > 0" if by == "profit" else ""
        q.append((f"top_customers_by_{by}", f"""
SELECT customer_id, sum(line_amount) AS revenue, count(DISTINCT invoice_id) AS orders,
       CAST(sum(quantity) AS BIGINT) AS units, {psum()} AS profit
FROM sales WHERE {SALE} AND customer_id IS NOT NULL
GROUP BY customer_id {having}
ORDER BY {by} DESC, customer_id ASC LIMIT {top_n}"""))

    for by in ("revenue", "units"):
        q.append((f"top_products_by_{by}", f"""
SELECT product_id, min(product_name) AS product_name, sum(line_amount) AS revenue,
       CAST(sum(quantity) AS BIGINT) AS units, count(DISTINCT invoice_id) AS orders
FROM sales WHERE {SALE}
GROUP BY product_id ORDER BY {by} DESC, product_id ASC LIMIT {top_n}"""))

    q.append(("top_forfeited_products", f"""
SELECT product_id, min(product_name) AS product_name, sum(abs(line_amount)) AS forfeited,
       CAST(sum(abs(quantity)) AS BIGINT) AS units, count(DISTINCT invoice_id) AS invoices
FROM sales WHERE {CANC}
GROUP BY product_id ORDER BY forfeited DESC, product_id ASC LIMIT {top_n}"""))

    for unit in ("day", "week", "month"):
        step, back, window = PERIOD[unit]
        q.append((f"sales_by_{unit}", f"""
WITH b AS (SELECT date_trunc('{unit}', min(timestamp)) AS lo,
                  date_trunc('{unit}', max(timestamp)) AS hi FROM sales),
cal AS (SELECT CAST(g.generate_series AS DATE) AS period_start
        FROM b, generate_series(b.lo, b.hi, {step}) AS g),
agg AS (SELECT CAST(date_trunc('{unit}', timestamp) AS DATE) AS period_start,
               sum(line_amount) FILTER (WHERE {SALE}) AS revenue,
               sum(abs(line_amount)) FILTER (WHERE {CANC}) AS forfeited,
               count(DISTINCT invoice_id) FILTER (WHERE {SALE}) AS orders,
               count(DISTINCT customer_id) FILTER (WHERE {SALE}) AS customers,
               sum(quantity) FILTER (WHERE {SALE}) AS units,
               {psum(SALE)} AS profit
        FROM sales GROUP BY 1),
f AS (SELECT cal.period_start, coalesce(revenue, 0.0) AS revenue,
             coalesce(forfeited, 0.0) AS forfeited, coalesce(orders, 0) AS orders,
             coalesce(customers, 0) AS customers, CAST(coalesce(units, 0) AS BIGINT) AS units,
             {'coalesce(profit, 0.0)' if has_profit else 'CAST(NULL AS DOUBLE)'} AS profit
      FROM cal LEFT JOIN agg USING (period_start)),
w AS (SELECT *,
        lag(revenue) OVER (ORDER BY period_start) AS prev_revenue,
        avg(revenue) OVER (ORDER BY period_start ROWS BETWEEN {window - 1} PRECEDING AND CURRENT ROW)
          AS revenue_moving_avg,
        row_number() OVER (ORDER BY revenue DESC, period_start ASC) AS revenue_rank,
        count(*) OVER () AS periods
      FROM f)
SELECT w.period_start, w.revenue, w.forfeited, w.revenue - w.forfeited AS net_revenue,
       w.orders, w.customers, w.units, w.profit,
       CASE WHEN w.prev_revenue <> 0 THEN w.revenue / w.prev_revenue - 1 END AS revenue_change,
       CASE WHEN y.revenue <> 0 THEN w.revenue / y.revenue - 1 END AS revenue_yoy_change,
       w.revenue_moving_avg,
       w.revenue_rank <= greatest(1, (w.periods + 9) // 10) AS is_peak
FROM w LEFT JOIN f AS y ON y.period_start = CAST(w.period_start - {back} AS DATE)
ORDER BY w.period_start"""))

    for unit, name in (("month", "retention_monthly"), ("week", "retention_weekly")):
        q.append((name, f"""
WITH cp AS (SELECT DISTINCT customer_id, CAST(date_trunc('{unit}', timestamp) AS DATE) AS p
            FROM sales WHERE {SALE} AND customer_id IS NOT NULL),
first AS (SELECT customer_id, min(p) AS cohort FROM cp GROUP BY customer_id),
sizes AS (SELECT cohort, count(*) AS cohort_size FROM first GROUP BY cohort),
lastp AS (SELECT max(p) AS last_p FROM cp),
grid AS (SELECT cohort, cohort_size,
                unnest(range(0, CAST({duck_offset(unit, 'last_p', 'cohort')} AS BIGINT) + 1)) AS period_offset
         FROM sizes, lastp),
act AS (SELECT first.cohort, CAST({duck_offset(unit, 'cp.p', 'first.cohort')} AS BIGINT) AS period_offset,
               count(*) AS active_customers
        FROM cp JOIN first USING (customer_id) GROUP BY 1, 2)
SELECT grid.cohort, grid.period_offset, grid.cohort_size,
       coalesce(act.active_customers, 0) AS active_customers,
       CAST(coalesce(act.active_customers, 0) AS DOUBLE) / grid.cohort_size AS retention
FROM grid LEFT JOIN act USING (cohort, period_offset)
ORDER BY grid.cohort, grid.period_offset"""))

    q.append(("churn", f"""
WITH e AS (SELECT max(timestamp) AS e FROM sales WHERE {SALE}),
l AS (SELECT customer_id, max(timestamp) AS last FROM sales
      WHERE {SALE} AND customer_id IS NOT NULL GROUP BY customer_id),
c AS (SELECT count(*) AS customers,
             count(*) FILTER (WHERE last < e - INTERVAL {churn_days} DAY) AS churned FROM l, e)
SELECT CAST({churn_days} AS BIGINT) AS churn_days, customers, churned,
       {ratio('churned', 'customers')} AS churn_rate FROM c"""))

    for col in ("country", "region"):
        q.append((f"by_{col}", f"""
WITH g AS (SELECT {col}, coalesce(sum(line_amount) FILTER (WHERE {SALE}), 0.0) AS revenue,
                  coalesce(sum(abs(line_amount)) FILTER (WHERE {CANC}), 0.0) AS forfeited,
                  count(DISTINCT invoice_id) FILTER (WHERE {SALE}) AS orders,
                  count(DISTINCT customer_id) FILTER (WHERE {SALE}) AS customers,
                  CAST(coalesce(sum(quantity) FILTER (WHERE {SALE}), 0) AS BIGINT) AS units
           FROM sales WHERE line_kind IN ('sale', 'cancellation') GROUP BY {col})
SELECT {col}, revenue, forfeited, revenue - forfeited AS net_revenue, orders, customers, units
FROM g ORDER BY revenue DESC, {col} ASC NULLS LAST"""))

    # GROUPING SETS, labelled by grouping(category, sub_category, region, segment) (bit set =
    # column not in the set; category is the most significant bit).
    gid = {}
    for i, gs in enumerate(DIM_SETS):
        bits = sum(1 << (3 - j) for j, d in enumerate(DIMS) if d not in gs)
        gid[bits] = (i, ",".join(gs) if gs else "total")
    label = "CASE g " + " ".join(f"WHEN {b} THEN {sql_str(lab)}" for b, (_, lab) in gid.items()) + " END"
    order = "CASE g " + " ".join(f"WHEN {b} THEN {i}" for b, (i, _) in gid.items()) + " END"
    sets = ", ".join("(" + ", ".join(gs) + ")" for gs in DIM_SETS)
    q.append(("by_dimensions", f"""
WITH g AS (
  SELECT category, sub_category, region, segment,
         grouping(category, sub_category, region, segment) AS g,
         sum(line_amount) AS revenue, {psum()} AS profit,
         CAST(sum(quantity) AS BIGINT) AS units, count(DISTINCT invoice_id) AS orders,
         count(*) AS lines
  FROM sales WHERE {SALE}
  GROUP BY GROUPING SETS ({sets}))
SELECT {label} AS grouping, category, sub_category, region, segment, revenue, profit,
       {ratio('profit', 'revenue')} AS margin, units, orders, lines
FROM g WHERE lines > 0
ORDER BY {order}, revenue DESC, category ASC NULLS LAST, sub_category ASC NULLS LAST,
         region ASC NULLS LAST, segment ASC NULLS LAST"""))

    plabel = "CASE band_order " + " ".join(f"WHEN {k} THEN {sql_str(v)}" for k, v in PRICE_BANDS.items()) + " END"
    q.append(("by_price_band", f"""
WITH b AS (SELECT CASE WHEN unit_price IS NULL THEN 8 WHEN unit_price < 0 THEN 0
                       WHEN unit_price < 1 THEN 1 WHEN unit_price < 2 THEN 2
                       WHEN unit_price < 5 THEN 3 WHEN unit_price < 10 THEN 4
                       WHEN unit_price < 20 THEN 5 WHEN unit_price < 50 THEN 6
                       ELSE 7 END AS band_order, quantity, line_amount, product_id
           FROM sales WHERE {SALE}),
g AS (SELECT band_order, count(*) AS lines, CAST(sum(quantity) AS BIGINT) AS units,
             sum(line_amount) AS revenue, count(DISTINCT product_id) AS products
      FROM b GROUP BY band_order)
SELECT {plabel} AS price_band, band_order, lines, units, revenue, products,
       {ratio('revenue', 'sum(revenue) OVER ()')} AS revenue_share
FROM g ORDER BY band_order"""))

    dband = ("CASE WHEN discount <= 0 THEN 0 WHEN discount <= 0.2 THEN 1 "
             "WHEN discount <= 0.4 THEN 2 ELSE 3 END")
    dlabel = "CASE band_order " + " ".join(f"WHEN {k} THEN {sql_str(v)}" for k, v in DISCOUNT_BANDS.items()) + " END"
    dmeas = (f"count(*) AS lines, sum(line_amount) AS sales, {psum()} AS profit, "
             f"{'avg(profit)' if has_profit else 'CAST(NULL AS DOUBLE)'} AS mean_profit_per_line")
    dout = f"lines, sales, profit, {ratio('profit', 'sales')} AS margin, mean_profit_per_line"
    dsrc = f"(SELECT *, {dband} AS band_order FROM sales WHERE {SALE} AND discount IS NOT NULL)"
    q.append(("discount_impact", f"""
WITH g AS (SELECT discount, {dmeas} FROM sales WHERE {SALE} AND discount IS NOT NULL GROUP BY discount)
SELECT discount, {dout} FROM g ORDER BY discount"""))
    q.append(("discount_bands", f"""
WITH g AS (SELECT band_order, {dmeas} FROM {dsrc} GROUP BY band_order)
SELECT {dlabel} AS discount_band, band_order, {dout} FROM g ORDER BY band_order"""))
    q.append(("discount_by_category", f"""
WITH g AS (SELECT category, sub_category, band_order, {dmeas} FROM {dsrc}
           GROUP BY category, sub_category, band_order)
SELECT category, sub_category, {dlabel} AS discount_band, band_order, {dout},
       {'profit < 0' if has_profit else 'CAST(NULL AS BOOLEAN)'} AS loses_money
FROM g ORDER BY category ASC NULLS LAST, sub_category ASC NULLS LAST, band_order"""))
    q.append(("discount_correlation", f"""
WITH c AS (SELECT corr(discount, profit) AS c1,
                  corr(discount, profit / line_amount) FILTER (WHERE line_amount <> 0) AS c2,
                  count(*) AS lines
           FROM sales WHERE {SALE} AND discount IS NOT NULL AND profit IS NOT NULL)
SELECT CASE WHEN isfinite(c1) THEN c1 END AS corr, CASE WHEN isfinite(c2) THEN c2 END AS corr_margin,
       lines FROM c"""))

    rfm_cte = f"""
WITH e AS (SELECT CAST(max(timestamp) AS DATE) AS ed FROM sales WHERE {SALE}),
cu AS (SELECT customer_id, CAST(max(timestamp) AS DATE) AS last_d,
              count(DISTINCT invoice_id) AS frequency, sum(line_amount) AS monetary
       FROM sales WHERE {SALE} AND customer_id IS NOT NULL GROUP BY customer_id),
r AS (SELECT customer_id, date_diff('day', last_d, ed) AS recency_days, frequency, monetary
      FROM cu, e),
s AS (SELECT *,
        CAST(ntile(5) OVER (ORDER BY recency_days DESC, customer_id ASC) AS BIGINT) AS r_score,
        CAST(ntile(5) OVER (ORDER BY frequency ASC, customer_id ASC) AS BIGINT) AS f_score,
        CAST(ntile(5) OVER (ORDER BY monetary ASC, customer_id ASC) AS BIGINT) AS m_score
      FROM r),
seg AS (SELECT *, CASE WHEN r_score >= 4 AND f_score >= 4 THEN 'Champions'
                       WHEN r_score >= 3 AND f_score >= 3 THEN 'Loyal'
                       WHEN r_score >= 4 AND f_score = 1 THEN 'New'
                       WHEN r_score >= 3 THEN 'Promising'
                       WHEN r_score <= 2 AND f_score >= 3 THEN 'At risk'
                       ELSE 'Hibernating' END AS segment
        FROM s)"""
    q.append(("rfm", rfm_cte + """
SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment
FROM seg ORDER BY customer_id"""))
    q.append(("rfm_segments", rfm_cte + """
SELECT segment, count(*) AS customers, sum(monetary) AS revenue,
       avg(recency_days) AS mean_recency_days, avg(frequency) AS mean_frequency
FROM seg GROUP BY segment ORDER BY revenue DESC, segment ASC"""))
    assert [n for n, _ in q] == KPI_NAMES
    return q


def duckdb_child(path, threads, results, in_place=False):
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads={int(threads)}")
    t0 = time.perf_counter()
    if in_place:
        # Queried where it lies: each KPI scans the Parquet (DuckDB's default memory_limit,
        # 80 % of RAM, and its spilling to a temp directory stay as they are).
        con.execute(f"CREATE VIEW sales AS SELECT * FROM read_parquet({parquet_glob(path)})")
    elif is_parquet(path):
        con.execute(f"CREATE TABLE sales AS SELECT * FROM read_parquet({sql_str(path)})")
    else:
        con.execute(DUCK_LOAD_ONLINE_RETAIL.format(path=sql_str(path), opts=DUCK_CSV_OPTS))
    load_s = time.perf_counter() - t0
    rows = con.execute("SELECT count(*) FROM sales").fetchone()[0]

    t0 = time.perf_counter()
    has_profit = con.execute("SELECT count(profit) > 0 FROM sales").fetchone()[0]
    fetched = []
    for name, sql in duck_kpi_sql(has_profit):
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        fetched.append((name, cols, cur.fetchall()))
    kpi_s = time.perf_counter() - t0

    doc = {"rows": rows, "load_seconds": load_s, "kpi_seconds": kpi_s,
           "kpi_rows": {n: len(r) for n, _, r in fetched},
           "threads": con.execute("SELECT current_setting('threads')").fetchone()[0]}
    if results:
        doc["kpis"] = {n: rows_to_result(n, c, r) for n, c, r in fetched}
    return doc


def path_bytes(path):
    """The size of a file, or of every file under a directory."""
    if not os.path.isdir(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def parquet_glob(path, quote=True):
    """A Parquet file, or every .parquet file under a directory (month partitions)."""
    if os.path.isdir(path):
        path = os.path.join(path, "**", "*.parquet")
    return sql_str(path) if quote else path


def duckdb_make_parquet(layout, src, out):
    """Self-test helper: a canonical-schema Parquet from a raw file, made with DuckDB."""
    import duckdb
    con = duckdb.connect()
    if layout == "online_retail":
        con.execute(DUCK_LOAD_ONLINE_RETAIL.format(path=sql_str(src), opts=DUCK_CSV_OPTS))
    else:  # superstore: Windows-1252 -> UTF-8 first, as compute_kpis.py does
        utf8 = out + ".utf8.csv"
        with open(src, encoding="cp1252", newline="") as fi, \
                open(utf8, "w", encoding="utf-8", newline="") as fo:
            fo.write(fi.read())
        con.execute("CREATE TABLE sales AS " + DUCK_SUPERSTORE_SELECT.format(path=sql_str(utf8), opts=DUCK_CSV_OPTS))
        os.remove(utf8)
    con.execute(f"COPY sales TO {sql_str(out)} (FORMAT parquet)")
    return {"rows": con.execute("SELECT count(*) FROM sales").fetchone()[0]}


# ============================================================================ Polars side

def polars_load(pl, path):
    """The canonical table as an in-memory DataFrame."""
    if is_parquet(path):
        return pl.read_parquet(path)
    raw = pl.read_csv(path, schema={
        "InvoiceNo": pl.String, "StockCode": pl.String, "Description": pl.String,
        "Quantity": pl.Int64, "InvoiceDate": pl.String, "UnitPrice": pl.Float64,
        "CustomerID": pl.String, "Country": pl.String})
    # read_csv already gives null for empty fields (empty_string_is_null=True), like NULLIF(x, '')
    inv, qty = pl.col("InvoiceNo"), pl.col("Quantity")
    null_s = pl.lit(None, dtype=pl.String)
    return raw.lazy().select(
        inv.alias("invoice_id"),
        pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us").alias("timestamp"),
        pl.col("CustomerID").str.strip_suffix(".0").alias("customer_id"),
        pl.col("StockCode").alias("product_id"),
        pl.col("Description").alias("product_name"),
        null_s.alias("category"), null_s.alias("sub_category"), null_s.alias("region"),
        pl.col("Country").alias("country"), null_s.alias("segment"),
        qty.alias("quantity"),
        pl.col("UnitPrice").alias("unit_price"),
        (qty.cast(pl.Float64) * pl.col("UnitPrice")).alias("line_amount"),
        pl.lit(None, dtype=pl.Float64).alias("discount"), pl.lit(None, dtype=pl.Float64).alias("profit"),
        pl.when(inv.str.starts_with("C")).then(pl.lit("cancellation"))
          .when(inv.str.starts_with("A")).then(pl.lit("adjustment"))
          .when(qty < 0).then(pl.lit("adjustment"))
          .otherwise(pl.lit("sale")).alias("line_kind"),
    ).collect()


def polars_kpis(pl, df, top_n=TOP_N, churn_days=CHURN_DAYS):
    """[(name, LazyFrame)] for the 23 KPIs of docs/kpis.md, native expressions only. `df` is a
    DataFrame in memory, or a LazyFrame over Parquet queried in place (--in-place)."""
    I64, F64, STR = pl.Int64, pl.Float64, pl.String
    # "the source has profit data": decided once, eagerly (null_count is O(1) metadata); it only
    # switches profit columns between "sum, 0 for a group without any" and null.
    if isinstance(df, pl.LazyFrame):
        has_profit = df.select(pl.col("profit").count()).collect().item() > 0
        lf = df
    else:
        has_profit = df.height > 0 and df["profit"].null_count() < df.height
        lf = df.lazy()
    col, lit = pl.col, pl.lit
    kind = col("line_kind")
    sale, canc = kind == "sale", kind == "cancellation"
    ident = col("customer_id").is_not_null()
    S = lf.filter(sale)
    NULL_F = lit(None, dtype=F64)

    def profit_sum(e=None):
        e = col("profit") if e is None else e
        return e.sum() if has_profit else NULL_F

    def ratio(a, b):
        a = col(a) if isinstance(a, str) else a
        b = col(b) if isinstance(b, str) else b
        return pl.when(b != 0).then(a.cast(F64) / b)  # null otherwise (and when b is null)

    def cnt(e):
        return e.cast(I64)

    # Conditional aggregations inside group_by use columns masked up front (null where the
    # condition fails) rather than `expr.filter(cond)` inside `agg`, which Polars evaluates group
    # by group (about 2x slower here). n_unique counts null as a value, hence the correction.
    def distinct(name):
        return cnt(col(name).n_unique() - (col(name).null_count() > 0).cast(I64))
    masked = lf.with_columns(
        pl.when(sale).then(col("line_amount")).alias("_rev"),
        pl.when(canc).then(col("line_amount").abs()).alias("_forf"),
        pl.when(sale).then(col("invoice_id")).alias("_inv"),
        pl.when(sale & ident).then(col("customer_id")).alias("_cust"),
        pl.when(sale).then(col("quantity")).alias("_units"),
        pl.when(sale).then(col("profit")).alias("_profit"))
    masked_aggs = [col("_rev").sum().alias("revenue"), col("_forf").sum().alias("forfeited"),
                   distinct("_inv").alias("orders"), distinct("_cust").alias("customers"),
                   cnt(col("_units").sum()).alias("units")]

    out = []

    # ---- summary
    tot = lf.select(
        cnt(sale.sum()).alias("sale_lines"), cnt(canc.sum()).alias("cancellation_lines"),
        cnt((kind == "adjustment").sum()).alias("adjustment_lines"),
        cnt(col("invoice_id").filter(sale).n_unique()).alias("orders"),
        cnt(col("customer_id").filter(sale & ident).n_unique()).alias("customers"),
        col("line_amount").filter(sale).sum().alias("revenue"),
        col("line_amount").filter(canc).abs().sum().alias("forfeited"),
        cnt(col("quantity").filter(sale).sum()).alias("units"),
        col("line_amount").filter(sale & ident).sum().alias("_rev_ident"),
        cnt(col("invoice_id").filter(sale & ident).n_unique()).alias("_inv_ident"),
        cnt(col("invoice_id").filter(canc).n_unique()).alias("cancelled_invoices"),
        cnt(col("invoice_id").filter(sale | canc).n_unique()).alias("_inv_sc"),
        profit_sum(col("profit").filter(sale)).alias("profit"),
        col("timestamp").filter(sale).min().alias("first_sale"),
        col("timestamp").filter(sale).max().alias("last_sale"),
    )
    rep = (S.filter(ident).group_by("customer_id").agg(col("invoice_id").n_unique().alias("n"))
           .select(cnt((col("n") >= 2).sum()).alias("repeat_customers")))
    out.append(("summary", pl.concat([tot, rep], how="horizontal").select(
        "sale_lines", "cancellation_lines", "adjustment_lines", "orders", "customers", "revenue",
        "forfeited", (col("revenue") - col("forfeited")).alias("net_revenue"), "units",
        ratio("_rev_ident", "customers").alias("avg_customer_spend"),
        ratio("revenue", "orders").alias("avg_order_value"),
        ratio("_inv_ident", "customers").alias("orders_per_customer"),
        "repeat_customers", ratio("repeat_customers", "customers").alias("repeat_rate"),
        "cancelled_invoices", ratio("cancelled_invoices", "_inv_sc").alias("cancelled_invoice_share"),
        "profit", ratio("profit", "revenue").alias("margin"), "first_sale", "last_sale")))

    # ---- lines_by_kind
    out.append(("lines_by_kind", lf.group_by("line_kind").agg(
        cnt(pl.len()).alias("lines"), col("line_amount").sum().alias("amount")).sort("line_kind")))

    # ---- top customers
    per_cust = S.filter(ident).group_by("customer_id").agg(
        col("line_amount").sum().alias("revenue"), cnt(col("invoice_id").n_unique()).alias("orders"),
        cnt(col("quantity").sum()).alias("units"), profit_sum().alias("profit"),
        col("profit").count().alias("_profit_lines"))
    cust_cols = ["customer_id", "revenue", "orders", "units", "profit"]
    out.append(("top_customers_by_revenue", per_cust.sort(
        ["revenue", "customer_id"], descending=[True, False]).head(top_n).select(cust_cols)))
    out.append(("top_customers_by_profit", per_cust.filter(col("_profit_lines") > 0).sort(
        ["profit", "customer_id"], descending=[True, False], nulls_last=True).head(top_n).select(cust_cols)))

    # ---- top products
    per_prod = S.group_by("product_id").agg(
        col("product_name").min().alias("product_name"), col("line_amount").sum().alias("revenue"),
        cnt(col("quantity").sum()).alias("units"), cnt(col("invoice_id").n_unique()).alias("orders"))
    for by in ("revenue", "units"):
        out.append((f"top_products_by_{by}", per_prod.sort(
            [by, "product_id"], descending=[True, False]).head(top_n)))
    out.append(("top_forfeited_products", lf.filter(canc).group_by("product_id").agg(
        col("product_name").min().alias("product_name"), col("line_amount").abs().sum().alias("forfeited"),
        cnt(col("quantity").abs().sum()).alias("units"), cnt(col("invoice_id").n_unique()).alias("invoices"),
    ).sort(["forfeited", "product_id"], descending=[True, False]).head(top_n)))

    # ---- sales by day / week / month
    every = {"day": "1d", "week": "1w", "month": "1mo"}  # truncate("1w") = Monday 00:00
    window = {"day": 7, "week": 4, "month": 3}
    year_back = {"day": "-1y", "week": "-364d", "month": "-1y"}  # 29 Feb -> 28 Feb, like DuckDB
    for unit in ("day", "week", "month"):
        p = col("timestamp").dt.truncate(every[unit]).dt.date()
        cal = lf.select(p.alias("p")).select(
            pl.date_ranges(col("p").min(), col("p").max(), interval=every[unit]).alias("period_start")
        ).explode("period_start").drop_nulls()
        agg = masked.group_by(p.alias("period_start")).agg(
            *masked_aggs, profit_sum(col("_profit")).alias("profit"))
        filled = cal.join(agg, on="period_start", how="left").with_columns(
            col("revenue", "forfeited").fill_null(0.0), col("orders", "customers", "units").fill_null(0),
            col("profit").fill_null(0.0) if has_profit else NULL_F.alias("profit"))
        year_ago = filled.select(col("period_start").alias("_then"), col("revenue").alias("_then_revenue"))
        prev = col("revenue").shift(1)
        periods = cnt(pl.len())
        out.append((f"sales_by_{unit}", filled
            .with_columns(col("period_start").dt.offset_by(year_back[unit]).alias("_then"))
            .join(year_ago, on="_then", how="left")
            .sort(["revenue", "period_start"], descending=[True, False]).with_row_index("_rank")
            .sort("period_start")
            .select("period_start", "revenue", "forfeited",
                    (col("revenue") - col("forfeited")).alias("net_revenue"),
                    "orders", "customers", "units", "profit",
                    pl.when(prev != 0).then(col("revenue") / prev - 1).alias("revenue_change"),
                    pl.when(col("_then_revenue") != 0).then(col("revenue") / col("_then_revenue") - 1)
                      .alias("revenue_yoy_change"),
                    col("revenue").rolling_mean(window[unit], min_samples=1).alias("revenue_moving_avg"),
                    (cnt(col("_rank")) < pl.max_horizontal(lit(1, I64), (periods + 9) // 10)).alias("is_peak"))))

    # ---- retention (cohort matrix, long form, zero-filled)
    for unit, name in (("month", "retention_monthly"), ("week", "retention_weekly")):
        def offset(a, b, unit=unit):  # whole periods from period start b to period start a
            if unit == "month":
                return ((a.dt.year().cast(I64) - b.dt.year().cast(I64)) * 12
                        + a.dt.month().cast(I64) - b.dt.month().cast(I64))
            return (a - b).dt.total_days().cast(I64) // 7
        buyers = S.filter(ident).select(
            "customer_id", col("timestamp").dt.truncate(every[unit]).dt.date().alias("p")).unique()
        firsts = buyers.group_by("customer_id").agg(col("p").min().alias("cohort"))
        sizes = firsts.group_by("cohort").agg(cnt(pl.len()).alias("cohort_size"))
        last_p = buyers.select(col("p").max().alias("_last"))
        grid = (sizes.join(last_p, how="cross")
                .with_columns(pl.int_ranges(0, offset(col("_last"), col("cohort")) + 1, dtype=I64)
                              .alias("period_offset"))
                .explode("period_offset").drop("_last"))
        active = (buyers.join(firsts, on="customer_id")
                  .group_by("cohort", offset(col("p"), col("cohort")).alias("period_offset"))
                  .agg(cnt(pl.len()).alias("active_customers")))
        out.append((name, grid.join(active, on=["cohort", "period_offset"], how="left")
                    .with_columns(col("active_customers").fill_null(0))
                    .select("cohort", "period_offset", "cohort_size", "active_customers",
                            (col("active_customers").cast(F64) / col("cohort_size")).alias("retention"))
                    .sort("cohort", "period_offset")))

    # ---- churn
    data_end = S.select(col("timestamp").max().alias("_end"))
    last = S.filter(ident).group_by("customer_id").agg(col("timestamp").max().alias("_last"))
    out.append(("churn", last.join(data_end, how="cross").select(
        lit(churn_days, I64).alias("churn_days"), cnt(pl.len()).alias("customers"),
        cnt((col("_last") < col("_end") - pl.duration(days=churn_days)).sum()).alias("churned"),
    ).with_columns(ratio("churned", "customers").alias("churn_rate"))))

    # ---- by country / region
    for c in ("country", "region"):
        out.append((f"by_{c}", masked.filter(sale | canc).group_by(c).agg(*masked_aggs)
                    .select(c, "revenue", "forfeited", (col("revenue") - col("forfeited")).alias("net_revenue"),
                            "orders", "customers", "units")
                    .sort(["revenue", c], descending=[True, False], nulls_last=True)))

    # ---- by_dimensions: the grouping sets as a union of group-bys
    dim_aggs = [col("line_amount").sum().alias("revenue"), profit_sum().alias("profit"),
                cnt(col("quantity").sum()).alias("units"), cnt(col("invoice_id").n_unique()).alias("orders"),
                cnt(pl.len()).alias("lines")]
    parts = []
    for i, gs in enumerate(DIM_SETS):
        g = S.group_by(list(gs)).agg(dim_aggs) if gs else S.select(dim_aggs)
        parts.append(g.select(
            lit(i, I64).alias("_set"), lit(",".join(gs) if gs else "total").alias("grouping"),
            *[col(d) if d in gs else lit(None, dtype=STR).alias(d) for d in DIMS],
            "revenue", "profit", "units", "orders", "lines"))
    out.append(("by_dimensions", pl.concat(parts).filter(col("lines") > 0)
                .sort(["_set", "revenue", *DIMS], descending=[False, True, False, False, False, False],
                      nulls_last=True)
                .select("grouping", *DIMS, "revenue", "profit", ratio("profit", "revenue").alias("margin"),
                        "units", "orders", "lines")))

    # ---- by_price_band
    up = col("unit_price")
    band = (pl.when(up.is_null()).then(8).when(up < 0).then(0).when(up < 1).then(1).when(up < 2).then(2)
            .when(up < 5).then(3).when(up < 10).then(4).when(up < 20).then(5).when(up < 50).then(6)
            .otherwise(7)).cast(I64)
    out.append(("by_price_band", S.group_by(band.alias("band_order")).agg(
        cnt(pl.len()).alias("lines"), cnt(col("quantity").sum()).alias("units"),
        col("line_amount").sum().alias("revenue"), cnt(col("product_id").n_unique()).alias("products"),
    ).select(col("band_order").replace_strict(PRICE_BANDS, return_dtype=STR).alias("price_band"),
             "band_order", "lines", "units", "revenue", "products",
             ratio("revenue", col("revenue").sum()).alias("revenue_share")).sort("band_order")))

    # ---- discounts
    D = S.filter(col("discount").is_not_null())
    d = col("discount")
    dband = pl.when(d <= 0).then(0).when(d <= 0.2).then(1).when(d <= 0.4).then(2).otherwise(3).cast(I64)
    d_aggs = [cnt(pl.len()).alias("lines"), col("line_amount").sum().alias("sales"),
              profit_sum().alias("profit"),
              (col("profit").mean() if has_profit else NULL_F).alias("mean_profit_per_line")]
    d_out = ["lines", "sales", "profit", ratio("profit", "sales").alias("margin"), "mean_profit_per_line"]
    dlabel = col("band_order").replace_strict(DISCOUNT_BANDS, return_dtype=STR).alias("discount_band")
    out.append(("discount_impact", D.group_by("discount").agg(d_aggs).select("discount", *d_out).sort("discount")))
    out.append(("discount_bands", D.group_by(dband.alias("band_order")).agg(d_aggs)
                .select(dlabel, "band_order", *d_out).sort("band_order")))
    out.append(("discount_by_category", D.group_by("category", "sub_category", dband.alias("band_order"))
                .agg(d_aggs)
                .select("category", "sub_category", dlabel, "band_order", *d_out,
                        (col("profit") < 0).alias("loses_money") if has_profit
                        else lit(None, dtype=pl.Boolean).alias("loses_money"))
                .sort(["category", "sub_category", "band_order"], nulls_last=True)))
    nz = col("line_amount") != 0
    out.append(("discount_correlation", S.filter(d.is_not_null() & col("profit").is_not_null()).select(
        pl.corr("discount", "profit").fill_nan(None).alias("corr"),
        pl.corr(d.filter(nz), (col("profit") / col("line_amount")).filter(nz)).fill_nan(None).alias("corr_margin"),
        cnt(pl.len()).alias("lines"))))

    # ---- RFM: NTILE(5) from the position in each ordering (ties broken by customer_id)
    def ntile5(pos):
        n = cnt(pl.len())
        q, r = n // 5, n % 5
        big = r * (q + 1)  # the first n mod 5 tiles hold one row more
        pos = cnt(col(pos))
        return (pl.when(pos < big).then(pos // (q + 1) + 1)
                .otherwise(r + (pos - big) // pl.max_horizontal(q, lit(1, I64)) + 1))
    r_s, f_s = col("r_score"), col("f_score")
    segment = (pl.when((r_s >= 4) & (f_s >= 4)).then(lit("Champions"))
               .when((r_s >= 3) & (f_s >= 3)).then(lit("Loyal"))
               .when((r_s >= 4) & (f_s == 1)).then(lit("New"))
               .when(r_s >= 3).then(lit("Promising"))
               .when((r_s <= 2) & (f_s >= 3)).then(lit("At risk"))
               .otherwise(lit("Hibernating")))
    rfm = (S.filter(ident).group_by("customer_id").agg(
        col("timestamp").max().alias("_last"), cnt(col("invoice_id").n_unique()).alias("frequency"),
        col("line_amount").sum().alias("monetary"))
        .join(data_end, how="cross")
        .with_columns((col("_end").dt.date() - col("_last").dt.date()).dt.total_days().cast(I64)
                      .alias("recency_days"))
        .sort(["recency_days", "customer_id"], descending=[True, False]).with_row_index("_r")
        .sort(["frequency", "customer_id"]).with_row_index("_f")
        .sort(["monetary", "customer_id"]).with_row_index("_m")
        .with_columns(ntile5("_r").alias("r_score"), ntile5("_f").alias("f_score"), ntile5("_m").alias("m_score"))
        .with_columns(segment.alias("segment"))
        .sort("customer_id")
        .select("customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                "segment"))
    out.append(("rfm", rfm))
    out.append(("rfm_segments", rfm.group_by("segment").agg(
        cnt(pl.len()).alias("customers"), col("monetary").sum().alias("revenue"),
        col("recency_days").mean().alias("mean_recency_days"),
        col("frequency").mean().alias("mean_frequency"),
    ).sort(["revenue", "segment"], descending=[True, False])))
    assert [n for n, _ in out] == KPI_NAMES
    return out


def polars_child(path, threads, results, in_place=False):
    import polars as pl
    t0 = time.perf_counter()
    if in_place:
        # Queried where it lies, on Polars' streaming engine.
        df = pl.scan_parquet(parquet_glob(path, quote=False))
        rows = df.select(pl.len()).collect().item()
    else:
        df = polars_load(pl, path)
        rows = df.height
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    named = polars_kpis(pl, df)
    if in_place:
        frames = pl.collect_all([lf for _, lf in named], engine="streaming")
    else:
        frames = pl.collect_all([lf for _, lf in named])
    kpi_s = time.perf_counter() - t0
    doc = {"rows": rows, "load_seconds": load_s, "kpi_seconds": kpi_s,
           "kpi_rows": {n: f.height for (n, _), f in zip(named, frames)},
           "threads": pl.thread_pool_size()}
    if results:
        doc["kpis"] = {n: rows_to_result(n, f.columns, f.rows()) for (n, _), f in zip(named, frames)}
    return doc


def child_main(args):
    if args.child == "baseline-duckdb":  # interpreter + import + connect, no data
        import duckdb
        duckdb.connect().execute(f"SET threads={int(args.threads)}")
        return 0
    if args.child == "baseline-polars":
        import polars  # noqa: F401
        return 0
    if args.child == "duckdb":
        doc = duckdb_child(args.input, args.threads, args.results, args.in_place)
    elif args.child == "polars":
        doc = polars_child(args.input, args.threads, args.results, args.in_place)
    elif args.child.startswith("make-parquet-"):
        doc = duckdb_make_parquet(args.child[len("make-parquet-"):], args.input, args.child_out)
    else:
        raise SystemExit(f"unknown child {args.child}")
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
    return 0


# ============================================================================ harness

class BenchError(Exception):
    pass


class Tool:
    name = "?"

    def argv(self, path, results):
        raise NotImplementedError

    def env(self):
        return None

    def run(self, path, results=False):
        argv = self.argv(path, results)
        out, err, rc, wall, _, rss = run_child(argv, self.env())
        if rc != 0:
            raise BenchError(f"{self.name} failed on {path} (exit {rc}):\n  $ {shlex.join(argv)}\n"
                             + err.strip()[-3000:])
        try:
            d = json.loads(out[out.index("{"):]) if self.name == "ours" else json.loads(out.strip().splitlines()[-1])
            r = {"rows": int(d["rows"]), "load": float(d["load_seconds"]), "kpi": float(d["kpi_seconds"]),
                 "wall": wall, "rss": rss, "kpi_rows": {k: int(v) for k, v in d["kpi_rows"].items()},
                 "threads": d.get("threads")}
        except Exception as e:  # noqa: BLE001
            raise BenchError(f"{self.name}: cannot read its output on {path}: {e}\n{out[:500]}") from e
        r["total"] = r["load"] + r["kpi"]
        if results:
            if "kpis" not in d:
                raise BenchError(f"{self.name}: no 'kpis' in its output with --results")
            r["kpis"] = d["kpis"]
        return r


class Ours(Tool):
    name = "ours"

    def __init__(self, binary, in_place=False):
        self.binary = binary
        self.in_place = in_place

    def argv(self, path, results):
        return ([self.binary] + (["--in-place"] if self.in_place else []) + [path]
                + (["--results"] if results else []))

    def version(self):
        st = os.stat(self.binary)
        built = datetime.datetime.fromtimestamp(st.st_mtime).astimezone().isoformat(timespec="seconds")
        rev = git_describe(WORKSPACE)
        return f"examples/kpis built {built} (workspace git {rev})"


class PyPeer(Tool):
    def __init__(self, python, threads, in_place=False):
        self.python = python
        self.threads = threads
        self.in_place = in_place

    def env(self):
        e = dict(os.environ)
        e["POLARS_MAX_THREADS"] = str(self.threads)  # harmless for DuckDB; Polars reads it at import
        return e

    def argv(self, path, results):
        return ([self.python, os.path.abspath(__file__), "--child", self.name, "--input", path,
                 "--threads", str(self.threads)] + (["--results"] if results else [])
                + (["--in-place"] if self.in_place else []))

    def version(self):
        out, err, rc, _, _, _ = run_child([self.python, "-c", f"import {self.name}; print({self.name}.__version__)"])
        if rc != 0:
            raise BenchError(f"{self.python} cannot import {self.name}: {err.strip()[-500:]}")
        return out.strip()

    def baseline(self, n=3):
        """Median wall time and peak RSS of a child that only starts, imports and sets up."""
        argv = [self.python, os.path.abspath(__file__), "--child", f"baseline-{self.name}",
                "--threads", str(self.threads)]
        walls, rsss = [], []
        for _ in range(n):
            _, err, rc, wall, _, rss = run_child(argv, self.env())
            if rc != 0:
                raise BenchError(f"{self.name} baseline failed: {err.strip()[-500:]}")
            walls.append(wall)
            rsss.append(rss)
        return statistics.median(walls), statistics.median(rsss)


class DuckDB(PyPeer):
    name = "duckdb"


class Polars(PyPeer):
    name = "polars"


# ---------------------------------------------------------------------------- comparing answers

# --common-columns: compare only the columns every tool computes (our KPIs have gained columns,
# such as is_partial and the merchandise/other-charge split, that the peers do not compute).
COMMON_COLUMNS_ONLY = False


def diff_values(a, b, path, out, tol, limit=50):
    """Appends differences between a and b to out (floats: |a-b| <= tol * max(|a|, |b|, 1))."""
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if (k not in a or k not in b) and COMMON_COLUMNS_ONLY:
                continue
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'the first' if k in a else 'the second'}")
            else:
                diff_values(a[k], b[k], f"{path}.{k}", out, tol, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} vs {len(b)} rows")
        for i, (x, y) in enumerate(zip(a, b)):
            diff_values(x, y, f"{path}[{i}]", out, tol, limit)
    elif isinstance(a, bool) or isinstance(b, bool):
        if a is not b:
            out.append(f"{path}: {a!r} vs {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            if a != b:
                out.append(f"{path}: {a!r} vs {b!r}")
        elif not abs(a - b) <= tol * max(abs(a), abs(b), 1.0):
            out.append(f"{path}: {a!r} vs {b!r} (difference {abs(a - b):.3g})")
    elif a != b:
        out.append(f"{path}: {a!r} vs {b!r}")


def tied(x, y):
    if x is None or y is None:
        return x is y
    return abs(x - y) <= TIE_TOL * max(abs(x), abs(y))


def clusters(values):
    """[(start, end)] runs of consecutive positions whose values are tied."""
    out, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or not tied(values[i - 1], values[i]):
            out.append((start, i))
            start = i
    return out


def compare_ranked(a, b, id_f, key, path, out):
    """Top-N lists ordered by a float key: rows whose keys are tied (TIE_TOL) may come in any
    order; in the last run of ties (which may continue past the cut) the ids may differ as long as
    the keys are tied. Returns the number of rows accepted as tie permutations."""
    permuted = 0
    keys = [r.get(key) for r in a]
    for s_, e in clusters(keys):
        ra, rb = a[s_:e], b[s_:e]
        ids_a, ids_b = sorted(r[id_f] for r in ra), sorted(r[id_f] for r in rb)
        if ids_a == ids_b:
            ra = sorted(ra, key=lambda r: r[id_f])
            rb = sorted(rb, key=lambda r: r[id_f])
            for i, (x, y) in enumerate(zip(ra, rb)):
                diff_values(x, y, f"{path}[{s_ + i}]", out, CHECK_TOL)
            permuted += sum(1 for x, y in zip(a[s_:e], b[s_:e]) if x[id_f] != y[id_f])
        elif e == len(a) and all(tied(r.get(key), keys[s_]) for r in rb):
            permuted += sum(1 for x, y in zip(a[s_:e], b[s_:e]) if x[id_f] != y[id_f])
        else:
            diff_values(a[s_:e], b[s_:e], f"{path}[{s_}:{e}]", out, CHECK_TOL)
    return permuted


def compare_rfm(a, b, path, out):
    """rfm by customer_id; m_score compared per group of customers with tied monetary values
    (NTILE spreads a tie group over neighbouring quintiles in an f64-noise-dependent order)."""
    if len(a) != len(b):
        return 0
    strip = [{k: v for k, v in r.items() if k != "m_score"} for r in a]
    strip_b = [{k: v for k, v in r.items() if k != "m_score"} for r in b]
    diff_values(strip, strip_b, path, out, CHECK_TOL)
    if out:
        return 0
    order = sorted(range(len(a)), key=lambda i: (a[i]["monetary"] is None, a[i]["monetary"] or 0.0))
    permuted = 0
    for s_, e in clusters([a[i]["monetary"] for i in order]):
        idx = order[s_:e]
        sa = sorted(a[i]["m_score"] for i in idx)
        sb = sorted(b[i]["m_score"] for i in idx)
        if sa != sb:
            out.append(f"{path}: m_score of customers {[a[i]['customer_id'] for i in idx][:5]} "
                       f"(monetary {a[idx[0]]['monetary']!r}): {sa} vs {sb}")
        else:
            permuted += sum(1 for i in idx if a[i]["m_score"] != b[i]["m_score"])
    return permuted


def nrows(v):
    if v is None:
        return 0
    return 1 if isinstance(v, dict) else len(v)


def check_answers(workload, runs, check_all):
    """runs: {tool: result with 'kpis'}. Returns (table lines, list of differences)."""
    names = list(runs)
    diffs = []
    table = [f"| KPI | {' | '.join(f'rows {n}' for n in names)} | compared | result |",
             "|---|" + "---:|" * len(names) + "---|---|"]
    for kpi in KPI_NAMES:
        counts, bad, ties = [], [], []
        for n in names:
            k = runs[n]["kpis"]
            if kpi not in k:
                bad.append(f"{workload}: {kpi} missing from {n}'s results")
                counts.append("—")
                continue
            c = nrows(k[kpi])
            counts.append(f"{c:,}")
            if runs[n]["kpi_rows"].get(kpi, c) != c:
                bad.append(f"{workload}: {n} {kpi}: kpi_rows {runs[n]['kpi_rows'][kpi]} but {c} result rows")
        if check_all:
            what, limit = "every value", None
        elif kpi in VALUE_CHECKED:
            limit = VALUE_CHECKED[kpi]
            what = "every value" if limit is None else f"every value, first {limit} rows"
        else:
            what, limit = "row count", 0
        present = [n for n in names if kpi in runs[n]["kpis"]]
        for i, x in enumerate(present):
            for y in present[i + 1:]:
                a, b = runs[x]["kpis"][kpi], runs[y]["kpis"][kpi]
                if nrows(a) != nrows(b):
                    bad.append(f"{workload}: {kpi}: {x} {nrows(a)} rows vs {y} {nrows(b)} rows")
                if limit == 0:
                    continue
                if limit is not None and isinstance(a, list):
                    a, b = a[:limit], b[:limit]
                    if len(a) != len(b):
                        continue  # already reported as a row-count difference
                found = []
                if kpi in RANKED and isinstance(a, list) and len(a) == len(b):
                    p = compare_ranked(a, b, *RANKED[kpi], kpi, found)
                    if p:
                        ties.append(f"{x}/{y} {p}")
                elif kpi == "rfm" and isinstance(a, list):
                    p = compare_rfm(a, b, kpi, found)
                    if p:
                        ties.append(f"{x}/{y} {p}")
                else:
                    diff_values(a, b, f"{kpi}", found, CHECK_TOL, limit=20)
                bad.extend(f"{workload}: {x} vs {y}: {d}" for d in found[:20])
        diffs.extend(bad)
        result = "✗ DIFFER" if bad else "✓ agree"
        if ties and not bad:
            result += f" (rows ordered differently within f64 ties: {', '.join(ties)})"
        table.append(f"| {kpi} | {' | '.join(counts)} | {what} | {result} |")
    return table, diffs


# ---------------------------------------------------------------------------- helpers

def mem_total_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / (1024 * 1024)
    except OSError:
        pass
    return float("nan")


def med(xs):
    return statistics.median(xs)


# ---------------------------------------------------------------------------- self-test

def self_test(args):
    """DuckDB and Polars children vs kpis_reference.json (every value of every KPI)."""
    with open(REFERENCE_JSON, encoding="utf-8") as f:
        ref = json.load(f)["inputs"]
    tools = [DuckDB(args.python, args.threads), Polars(args.python, args.threads)]
    for t in tools:
        log(f"{t.name} {t.version()} ({args.python})")
    tmp = tempfile.mkdtemp(prefix="compare_kpis_selftest_")
    failures = 0
    try:
        cases = []
        for key, path in (("online_retail_sample", SAMPLE_CSV), ("online_retail_full", DEFAULT_CSV)):
            if os.path.isfile(path):
                cases.append((key, "raw CSV", path))
            else:
                log(f"SKIPPED {key}: {path} not found")
        made = [("online_retail_full", "online_retail", DEFAULT_CSV), ("superstore", "superstore", SUPERSTORE_CSV)]
        for key, layout, src in made:
            if not os.path.isfile(src):
                log(f"SKIPPED {key} (canonical Parquet): {src} not found")
                continue
            pq = os.path.join(tmp, f"{key}.parquet")
            argv = [args.python, os.path.abspath(__file__), "--child", f"make-parquet-{layout}",
                    "--input", src, "--child-out", pq]
            _, err, rc, _, _, _ = run_child(argv)
            if rc != 0:
                raise BenchError(f"cannot make {pq}: {err.strip()[-2000:]}")
            cases.append((key, "canonical Parquet (made by DuckDB)", pq))
        lines = ["| input | read from | tool | rows | KPIs | differences | result |",
                 "|---|---|---|---:|---:|---:|---|"]
        for key, how, path in cases:
            expected = ref[key]
            for t in tools:
                r = t.run(path, results=True)
                got = r["kpis"]
                diffs = []
                diff_values(expected, got, key, diffs, SELF_TEST_TOL, limit=200)
                extra = [k for k in got if k not in expected]
                diffs += [f"{key}.{k}: not in the reference" for k in extra]
                ok = not diffs
                failures += 0 if ok else 1
                lines.append(f"| {key} | {how} | {t.name} | {r['rows']:,} | {len(got)} | "
                             f"{len(diffs)}{'+' if len(diffs) >= 200 else ''} | {'PASS' if ok else 'FAIL'} |")
                log(f"[self-test] {key:<22} {how:<36} {t.name:<7} {'PASS' if ok else 'FAIL'}  "
                    f"(load {r['load']:.2f}s, KPIs {r['kpi']:.2f}s)")
                for d in diffs[:25]:
                    log("    ", d)
        print("# compare_kpis.py self-test: DuckDB and Polars vs kpis_reference.json\n")
        print(f"- reference: `{os.path.relpath(REFERENCE_JSON, WORKSPACE)}`; every value of every KPI "
              f"compared (floats: |a − b| ≤ {SELF_TEST_TOL:g} · max(|a|, |b|, 1); everything else exactly)")
        print(f"- python {args.python}, threads {args.threads}\n")
        print("\n".join(lines))
        print(f"\n{'PASSED' if failures == 0 else f'FAILED ({failures} tool/input pairs)'}")
        return 0 if failures == 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kpis", default="target/release/examples/kpis",
                    help="our binary (default %(default)s)")
    ap.add_argument("--synth", default="target/release/examples/synth",
                    help="the scale-up generator, used when --synthetic is not given (default %(default)s)")
    ap.add_argument("--synthetic", metavar="FILE",
                    help="an existing canonical Parquet for scale_up_10m (otherwise made with --synth)")
    ap.add_argument("--rows", type=int, default=None,
                    help="rows of the generated synthetic file (default 10,000,000; 2,000,000 with --quick); "
                         "the workload is named after it (scale_up_10m, scale_up_2m)")
    ap.add_argument("--csv", default=DEFAULT_CSV, help="input of the online_retail workload (default %(default)s)")
    ap.add_argument("--workloads", default="online_retail,scale_up_10m",
                    help="comma-separated subset (default %(default)s)")
    ap.add_argument("--tools", default="ours,duckdb,polars", help="comma-separated subset (default %(default)s)")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds after the warm-up (default %(default)s)")
    ap.add_argument("--quick", action="store_true", help="1 timed round (the warm-up/answer-check run still happens)")
    ap.add_argument("--python", default=sys.executable,
                    help="Python with duckdb and polars for the peer children (default: this one, %(default)s)")
    ap.add_argument("--threads", type=int, default=2,
                    help="DuckDB threads / POLARS_MAX_THREADS (default %(default)s)")
    ap.add_argument("--no-check", action="store_true",
                    help="do not compare the answers (the warm-up run then skips --results)")
    ap.add_argument("--check-all", action="store_true", help="compare every value of every KPI")
    ap.add_argument("--self-test", action="store_true",
                    help="check the DuckDB and Polars implementations against kpis_reference.json and exit")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    # internal: this script is also the DuckDB / Polars child process
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--results", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    ap.add_argument("--common-columns", action="store_true",
                    help="compare only the columns every tool computes (ours has more in some KPIs)")
    ap.add_argument("--value-kpis", metavar="LIST",
                    help="comma-separated KPIs whose every value is compared (default: "
                         + ", ".join(VALUE_CHECKED) + "); the others by row count")
    ap.add_argument("--in-place", action="store_true",
                    help="query the Parquet inputs where they lie instead of loading them (ours: "
                         "`examples/kpis --in-place`, DataFusion listing table under a memory pool; DuckDB: a view "
                         "over read_parquet; Polars: scan_parquet on the streaming engine); Parquet workloads only")
    args = ap.parse_args()

    if args.child:
        return child_main(args)
    global COMMON_COLUMNS_ONLY
    COMMON_COLUMNS_ONLY = args.common_columns
    if args.value_kpis:
        chosen = [k.strip() for k in args.value_kpis.split(",") if k.strip()]
        unknown = [k for k in chosen if k not in KPI_NAMES]
        if unknown:
            print(f"unknown KPI in --value-kpis: {', '.join(unknown)}", file=sys.stderr)
            return 2
        limits = {k: VALUE_CHECKED.get(k) for k in chosen}
        VALUE_CHECKED.clear()
        VALUE_CHECKED.update(limits)
    try:
        if args.self_test:
            return self_test(args)
        return bench(args)
    except BenchError as e:
        print(f"ABORTED (no timings reported): {e}", file=sys.stderr)
        return 2


def bench(args):
    rounds = 1 if args.quick else args.rounds
    if rounds < 1:
        raise BenchError("--rounds must be >= 1")
    names = [t.strip() for t in args.tools.split(",") if t.strip()]
    for n in names:
        if n not in ("ours", "duckdb", "polars"):
            raise BenchError(f"unknown tool {n!r} (known: ours, duckdb, polars)")
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in ("online_retail", "scale_up_10m"):
            raise BenchError(f"unknown workload {w!r} (known: online_retail, scale_up_10m)")
    if "ours" in names and not (os.path.isfile(args.kpis) and os.access(args.kpis, os.X_OK)):
        raise BenchError(f"our binary not found or not executable: {args.kpis} "
                         "(build it with `cargo build --release -p retail-benches --example kpis`, "
                         "pass --kpis PATH, or leave it out with --tools duckdb,polars)")
    check = not args.no_check
    if check and len(names) < 2:
        log("note: only one tool, nothing to compare answers with")

    tools = []
    for n in names:
        tools.append(Ours(os.path.abspath(args.kpis), args.in_place) if n == "ours" else
                     DuckDB(args.python, args.threads, args.in_place) if n == "duckdb" else
                     Polars(args.python, args.threads, args.in_place))
    if args.in_place and "online_retail" in workloads:
        raise BenchError("--in-place queries Parquet: leave out the online_retail workload (CSV)")
    versions = {t.name: t.version() for t in tools}
    baselines = {t.name: t.baseline() for t in tools if isinstance(t, PyPeer)}
    notes = []
    tmpdir = tempfile.mkdtemp(prefix="compare_kpis_")
    try:
        inputs = {}
        if "online_retail" in workloads:
            if not os.path.isfile(args.csv):
                raise BenchError(f"input {args.csv} missing (pass --csv)")
            inputs["online_retail"] = os.path.abspath(args.csv)
        if "scale_up_10m" in workloads:
            rows = args.rows or (2_000_000 if args.quick else 10_000_000)
            generated = f"scale_up_{rows / 1e6:g}m" if rows % 100_000 == 0 else f"scale_up_{rows}"
            if args.synthetic:
                if not os.path.exists(args.synthetic):
                    raise BenchError(f"no such file or directory: {args.synthetic}")
                name = generated if args.rows else "scale_up_10m"
                inputs[name] = os.path.abspath(args.synthetic)
                notes.append(f"{name} input given with --synthetic: `{inputs[name]}`")
            elif os.path.isfile(args.synth) and os.access(args.synth, os.X_OK):
                if args.in_place:
                    # One file per month, as `retail convert --partition-by month` writes them.
                    out = os.path.join(tmpdir, f"retail_{rows}_months")
                    argv = [os.path.abspath(args.synth), "--rows", str(rows), "--months", out]
                else:
                    out = os.path.join(tmpdir, f"retail_{rows}.parquet")
                    argv = [os.path.abspath(args.synth), "--rows", str(rows), "--out", out]
                log(f"generating the synthetic input: {shlex.join(argv)}")
                _, err, rc, wall, _, _ = run_child(argv)
                if rc != 0:
                    raise BenchError(f"synth failed (exit {rc}): {err.strip()[-2000:]}")
                inputs[generated] = out
                notes.append(f"{generated} input generated at start by `{shlex.join(argv[1:])}` "
                             f"in {wall:.1f} s ({path_bytes(out):,} bytes of Parquet), deleted at the end")
            else:
                msg = (f"SKIPPED workload scale_up_10m: the synth binary {args.synth} is missing and no "
                       "--synthetic FILE was given (build it with `cargo build --release -p retail-benches "
                       "--example synth`)")
                log(msg)
                notes.append(msg)
        if not inputs:
            raise BenchError("no workload to run")

        results = {w: {t.name: [] for t in tools} for w in inputs}
        rows_seen = {w: {} for w in inputs}
        threads_seen = {w: {} for w in inputs}
        check_tables = {}
        warmup = 0 if (args.quick and not check) else 1
        for rnd in range(warmup + rounds):
            is_warm = rnd < warmup
            k = rnd % len(tools)
            order = tools[k:] + tools[:k]  # rotate so no tool always runs first/last
            for w, path in inputs.items():
                warm_runs = {}
                for t in order:
                    r = t.run(path, results=is_warm and check)
                    for other, n in rows_seen[w].items():
                        if n != r["rows"]:
                            raise BenchError(f"{w}: {t.name} loaded {r['rows']:,} rows, {other} {n:,}")
                    rows_seen[w][t.name] = r["rows"]
                    threads_seen[w][t.name] = r["threads"]
                    if is_warm:
                        warm_runs[t.name] = r
                    else:
                        results[w][t.name].append(r)
                    tag = "warm-up" if is_warm else f"round {rnd - warmup + 1}/{rounds}"
                    log(f"[{tag}] {w:<14} {t.name:<7} load {r['load']:8.3f}s  KPIs {r['kpi']:8.3f}s  "
                        f"wall {r['wall']:8.3f}s  rss {mib(r['rss']):8.1f} MiB  rows {r['rows']:,}")
                if is_warm and check and len(tools) > 1:
                    ordered = {t.name: warm_runs[t.name] for t in tools}
                    table, diffs = check_answers(w, ordered, args.check_all)
                    check_tables[w] = table
                    log(f"\nanswer check, {w}:")
                    log("\n".join(table) + "\n")
                    if diffs:
                        log(f"ABORTED: answers differ ({len(diffs)} differences on {w}; no timings reported)")
                        for d in diffs[:100]:
                            log("  ", d)
                        return 2

        report = build_report(args, tools, versions, baselines, notes, inputs, results, rows_seen,
                              threads_seen, check_tables, warmup, rounds, check)
        emit_report(report, args.out)
        return 0
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def build_report(args, tools, versions, baselines, notes, inputs, results, rows_seen, threads_seen,
                 check_tables, warmup, rounds, check):
    names = [t.name for t in tools]
    lines = ["# KPI suite comparison: ours vs DuckDB vs Polars", ""]
    lines.append(f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    lines.append(f"- command: `{shlex.join([sys.executable] + sys.argv)}` (cwd `{os.getcwd()}`)")
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    lines.append(f"- machine: nproc {affinity} (os.cpu_count {os.cpu_count()}), CPU `{cpu_model()}`, "
                 f"{mem_total_gib():.1f} GiB RAM, {platform.system()} {platform.release()} {platform.machine()}")
    vs = []
    for t in tools:
        if t.name == "ours":
            vs.append(f"ours = `{t.binary}` ({versions['ours']})")
        else:
            vs.append(f"{t.name} {versions[t.name]}")
    lines.append(f"- tools: {', '.join(vs)}; peer Python {args.python} ({platform.python_version()} here)")
    thr = []
    for n in names:
        seen = {str(v) for w in threads_seen for k, v in threads_seen[w].items() if k == n}
        if n == "ours":
            thr.append(f"ours: tokio multi-thread runtime and DataFusion default = {affinity} cores")
        elif n == "duckdb":
            thr.append(f"duckdb: SET threads={args.threads} (current_setting: {', '.join(sorted(seen))})")
        else:
            thr.append(f"polars: POLARS_MAX_THREADS={args.threads} (thread_pool_size: {', '.join(sorted(seen))})")
    lines.append(f"- threads: {'; '.join(thr)}")
    lines.append(f"- schedule: {warmup} warm-up round{'' if warmup == 1 else 's'} "
                 f"({'the answer-check run, with full results' if check else 'not recorded'}), "
                 f"{rounds} timed round{'' if rounds == 1 else 's'}; per round every workload, every tool, "
                 "tool order rotated each round; medians reported; every run a fresh process")
    for w, path in inputs.items():
        lines.append(f"- workload `{w}`: `{path}` ({path_bytes(path):,} bytes), "
                     f"{next(iter(rows_seen[w].values())):,} rows (all tools agree)")
    for n, (wall, rss) in baselines.items():
        lines.append(f"- {n} baseline (interpreter start + `import {n}`"
                     f"{' + connect + SET threads' if n == 'duckdb' else ''}, no data; median of 3): "
                     f"wall {wall:.3f} s, peak RSS {mib(rss):.1f} MiB — included in that tool's wall")
    if args.in_place:
        lines.append("- in place (--in-place): no tool loads the table; load = register the files (ours: read the "
                     "footers; DuckDB: a view over read_parquet; Polars: scan_parquet and count the rows); every "
                     "KPI scans the Parquet (ours: DataFusion listing table, memory pool of a quarter of RAM with "
                     "spilling; DuckDB: its default memory_limit of 80 % of RAM; Polars: collect_all on the "
                     "streaming engine)")
    lines.append("- load = read the input and build the canonical table in memory (CSV: parse, casts, "
                 "derived line_amount and line_kind; Parquet: read); KPI = compute all 23 KPIs and "
                 "materialise every result (ours: DataFusion builds two stage tables, then collects the 23 queries two at a time; "
                 "DuckDB: 23 SQL statements in sequence, `fetchall()`; Polars: 23 LazyFrames through "
                 "`pl.collect_all`); both timed inside the process. total = load + KPI; wall = spawn to "
                 "exit of the child; RSS = the child's ru_maxrss (os.wait4)")
    lines.append("- ratio = peer median / ours median (> 1: ours faster)")
    for n in notes:
        lines.append(f"- note: {n}")
    if check:
        what = ("every value of every KPI" if args.check_all else
                "per KPI row counts, and every value of " + ", ".join(VALUE_CHECKED)
                + (" (retention_monthly: first 20 rows)" if "retention_monthly" in VALUE_CHECKED else ""))
        if args.common_columns:
            what += " (--common-columns: the columns every tool computes; ours has more)"
        lines.append(f"- answers: checked on the warm-up run, before any timing: {what}; floats "
                     f"|a − b| ≤ {CHECK_TOL:g} · max(|a|, |b|, 1), everything else exactly, except that in ranked "
                     f"lists (top customers/products by revenue, profit or forfeited sales) and rfm m_scores, rows whose sort value "
                     f"ties within {TIE_TOL:g} relative may come in any order (their order is decided by the f64 "
                     f"rounding of each engine's parallel sums; the scale-up repeats every customer, so the "
                     f"copies' revenues tie exactly in decimal arithmetic). All agree.")
    else:
        lines.append("- answers: NOT checked (--no-check)")
    lines.append("")
    for w in inputs:
        lines.append(f"## {w}")
        lines.append("")
        lines.append("| tool | runs | median load s | median KPI s | median total s | median wall s "
                     "| median peak RSS MiB | ratio total (peer/ours) | ratio KPI (peer/ours) |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        ours = results[w].get("ours")
        o_total = med([r["total"] for r in ours]) if ours else None
        o_kpi = med([r["kpi"] for r in ours]) if ours else None
        for t in tools:
            rs = results[w][t.name]
            mt, mk = med([r["total"] for r in rs]), med([r["kpi"] for r in rs])
            rt = "—" if t.name == "ours" or not o_total else f"{mt / o_total:.2f}"
            rk = "—" if t.name == "ours" or not o_kpi else f"{mk / o_kpi:.2f}"
            lines.append(f"| {t.name} | {len(rs)} | {med([r['load'] for r in rs]):.3f} | {mk:.3f} | {mt:.3f} | "
                         f"{med([r['wall'] for r in rs]):.3f} | {mib(med([r['rss'] for r in rs])):.1f} | {rt} | {rk} |")
        lines.append("")
        if w in check_tables:
            lines.append(f"Answer check ({w}, warm-up run):")
            lines.append("")
            lines.extend(check_tables[w])
            lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
