#!/usr/bin/env python3
"""Independent golden values for every KPI of docs/kpis.md, computed with DuckDB (SQL).

Run from the workspace root (takes well under a minute):

    /work/venv/bin/python crates/retail-metrics/tests/reference/compute_kpis.py

It writes crates/retail-metrics/tests/reference/kpis_reference.json (progress and the notes of
the cross-checks go to stderr).  Written from docs/kpis.md and docs/schema.md only, without
looking at the Rust implementation.

How
---
1. Each input is loaded into a canonical table (docs/schema.md) with DuckDB
   ``read_csv(all_varchar=true)`` and explicit casts (same rules as
   crates/retail-ingest/tests/reference/compute_reference.py).  Two extra columns hold the money
   as exact decimals: ``line_amount_d`` and ``profit_d`` (DECIMAL(38,6); every input value has at
   most 6 decimals, checked, so these are exact).
2. Every KPI is computed twice by the same SQL text with the money columns switched:
   mode "double" (``line_amount``/``profit`` DOUBLE, ``SET threads=1`` so sums are sequential
   folds) and mode "exact" (the DECIMAL columns, sums exact, converted to float only at the end).
   The JSON holds the "double" run; the script asserts that every number of the "exact" run is
   within 1e-9 relative (or 1e-8 absolute, for values that are ~0) of it and that every
   non-float field (ids, orders, ranks, scores, segments, peaks, row order) is identical.
3. Derived per-period columns (change, YoY, moving average, peak), ratios and RFM segments are
   computed in plain Python from the SQL aggregates.
4. A second, independent implementation with Polars recomputes summary, sales_by_month,
   sales_by_week (revenue/orders/customers), retention_monthly, churn, rfm (with its own NTILE)
   and top customers, and the script aborts on any difference.
"""

import datetime as dt
import decimal
import json
import math
import os
import platform
import sys
import tempfile

import duckdb
import polars as pl

HERE = os.path.dirname(os.path.abspath(__file__))
WORKSPACE = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
OUT = os.path.join(HERE, "kpis_reference.json")
INPUTS = {
    "online_retail_sample": ("online_retail",
                             os.path.join(WORKSPACE, "crates/retail-ingest/data/online_retail_sample.csv.gz")),
    "online_retail_full": ("online_retail", "/work/shared/data/online_retail/online_retail.csv.gz"),
    "superstore": ("superstore", "/work/shared/data/superstore/Superstore.csv"),
}
COMMAND = "/work/venv/bin/python crates/retail-metrics/tests/reference/compute_kpis.py"
CSV_OPTS = "all_varchar=true, header=true, delim=',', quote='\"', escape='\"'"
TOP_N = 10
CHURN_DAYS = 90


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def q(con, sql):
    return con.execute(sql).fetchall()


def q1(con, sql):
    return con.execute(sql).fetchone()


def f(x):
    """SQL number -> JSON float (None stays None; NaN/inf -> None per 'never NaN')."""
    if x is None:
        return None
    x = float(x)
    return None if (math.isnan(x) or math.isinf(x)) else x


def ratio(a, b):
    """a / b in f64, null when either is null or b == 0."""
    if a is None or b is None:
        return None
    a, b = float(a), float(b)
    if b == 0:
        return None
    return a / b


def ts(x):
    return None if x is None else x.strftime("%Y-%m-%dT%H:%M:%S")


def ds(x):
    return None if x is None else x.strftime("%Y-%m-%d")


# ----------------------------------------------------------------------------- loading

def load(con, name, layout, path, tmpdir):
    """Creates table `name` in the canonical schema (+ line_amount_d, profit_d, and the optional
    column customer_name: Superstore's "Customer Name", null for Online Retail, which has no
    customer names)."""
    log(f"[{name}] loading {path}")
    raw = f"raw_{name}"
    if layout == "online_retail":
        con.execute(f"CREATE TABLE {raw} AS SELECT * FROM read_csv({sql_str(path)}, {CSV_OPTS})")
        bad = q1(con, f"""SELECT
            count(*) FILTER (WHERE NOT regexp_full_match(Quantity, '-?[0-9]+')),
            count(*) FILTER (WHERE NOT regexp_full_match(UnitPrice, '-?[0-9]+(\\.[0-9]{{1,6}})?')),
            count(*) FILTER (WHERE CustomerID IS NOT NULL AND NOT regexp_full_match(CustomerID, '[0-9]+(\\.0)?')),
            count(*) FILTER (WHERE strftime(CAST(InvoiceDate AS TIMESTAMP), '%Y-%m-%d %H:%M:%S') <> InvoiceDate),
            count(*) FILTER (WHERE InvoiceNo IS NULL OR StockCode IS NULL OR Quantity IS NULL
                              OR InvoiceDate IS NULL OR UnitPrice IS NULL)
            FROM {raw}""")
        assert bad == (0, 0, 0, 0, 0), bad
        con.execute(f"""CREATE TABLE {name} AS SELECT
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
                 WHEN CAST(UnitPrice AS DECIMAL(18,6)) = 0 OR CAST(Quantity AS BIGINT) = 0 THEN 'adjustment'
                 ELSE 'sale' END AS line_kind,
            CAST(CAST(Quantity AS DECIMAL(18,0)) * CAST(UnitPrice AS DECIMAL(18,6)) AS DECIMAL(38,6)) AS line_amount_d,
            CAST(NULL AS DECIMAL(38,6)) AS profit_d,
            CAST(NULL AS VARCHAR) AS customer_name
            FROM {raw}""")
    else:
        utf8 = os.path.join(tmpdir, "superstore_utf8.csv")
        with open(path, encoding="cp1252", newline="") as fi, \
                open(utf8, "w", encoding="utf-8", newline="") as fo:
            fo.write(fi.read())
        con.execute(f"CREATE TABLE {raw} AS SELECT * FROM read_csv({sql_str(utf8)}, {CSV_OPTS})")
        bad = q1(con, f"""SELECT
            count(*) FILTER (WHERE NOT regexp_full_match(Quantity, '[0-9]+') OR CAST(Quantity AS BIGINT) = 0),
            count(*) FILTER (WHERE NOT regexp_full_match(Sales, '-?[0-9]+(\\.[0-9]{{1,6}})?')),
            count(*) FILTER (WHERE NOT regexp_full_match(Profit, '-?[0-9]+(\\.[0-9]{{1,6}})?')),
            count(*) FILTER (WHERE NOT regexp_full_match(Discount, '[0-9]+(\\.[0-9]{{1,6}})?')),
            count(*) FILTER (WHERE NOT regexp_full_match("Order Date", '[0-9]{{2}}-[0-9]{{2}}-[0-9]{{4}}')
                                OR try_strptime("Order Date", '%m-%d-%Y') IS NULL)
            FROM {raw}""")
        assert bad == (0, 0, 0, 0, 0), bad
        con.execute(f"""CREATE TABLE {name} AS SELECT
            "Order ID" AS invoice_id,
            strptime("Order Date", '%m-%d-%Y') AS timestamp,
            NULLIF("Customer ID", '') AS customer_id,
            "Product ID" AS product_id,
            NULLIF("Product Name", '') AS product_name,
            NULLIF(Category, '') AS category, NULLIF("Sub-Category", '') AS sub_category,
            NULLIF(Region, '') AS region, NULLIF(Country, '') AS country,
            NULLIF(Segment, '') AS segment,
            CAST(Quantity AS BIGINT) AS quantity,
            CAST(Sales AS DOUBLE) / CAST(Quantity AS BIGINT) AS unit_price,
            CAST(Sales AS DOUBLE) AS line_amount,
            CAST(Discount AS DOUBLE) AS discount,
            CAST(Profit AS DOUBLE) AS profit,
            'sale' AS line_kind,
            CAST(Sales AS DECIMAL(38,6)) AS line_amount_d,
            CAST(Profit AS DECIMAL(38,6)) AS profit_d,
            NULLIF("Customer Name", '') AS customer_name
            FROM {raw}""")
    n = q1(con, f"SELECT count(*) FROM {name}")[0]
    log(f"[{name}] {n} rows")
    return n


# ----------------------------------------------------------------------------- KPIs

KIND_SALE = "line_kind = 'sale'"
KIND_CANC = "line_kind = 'cancellation'"


# docs/schema.md "Product classes": the Online Retail stock codes that are not merchandise
# (postage, carriage, fees, commission, manual lines, discount, bad debt, samples, PADS).
ONLINE_RETAIL_OTHER_CHARGES = ["POST", "DOT", "C2", "BANK CHARGES", "AMAZONFEE", "CRUK",
                               "M", "m", "D", "B", "S", "PADS"]


class Ctx:
    def __init__(self, con, t, mode):
        self.con, self.t, self.mode = con, t, mode
        other = ONLINE_RETAIL_OTHER_CHARGES if t.startswith("online_retail") else []
        # MERCH: the line's product is merchandise (product-level KPIs keep only those).
        self.MERCH = ("product_id NOT IN (" + ", ".join(sql_str(x) for x in other) + ")"
                      if other else "TRUE")
        self.A = "line_amount" if mode == "double" else "line_amount_d"
        self.P = "profit" if mode == "double" else "profit_d"
        self.has_profit = q1(con, f"SELECT count(profit) > 0 FROM {t}")[0]
        self.has_discount = q1(con, f"SELECT count(discount) > 0 FROM {t}")[0]
        self.end = q1(con, f"SELECT max(timestamp) FROM {t} WHERE {KIND_SALE}")[0]

    def profit_expr(self, cond="TRUE"):
        """SQL for the profit sum of completed lines matching cond (null without profit)."""
        if not self.has_profit:
            return "CAST(NULL AS DOUBLE)"
        return f"coalesce(sum({self.P}) FILTER (WHERE {KIND_SALE} AND {cond}), 0)"


def k_summary(c):
    t, A = c.t, c.A
    r = q1(c.con, f"""
      WITH s AS (SELECT * FROM {t} WHERE {KIND_SALE}),
           cust AS (SELECT customer_id, count(DISTINCT invoice_id) AS n FROM s
                    WHERE customer_id IS NOT NULL GROUP BY customer_id)
      SELECT
        (SELECT count(*) FROM {t} WHERE line_kind = 'sale'),
        (SELECT count(*) FROM {t} WHERE line_kind = 'cancellation'),
        (SELECT count(*) FROM {t} WHERE line_kind = 'adjustment'),
        (SELECT count(DISTINCT invoice_id) FROM s),
        (SELECT count(DISTINCT customer_id) FROM s),
        (SELECT coalesce(sum({A}), 0) FROM s),
        (SELECT coalesce(sum(abs({A})), 0) FROM {t} WHERE {KIND_CANC}),
        (SELECT coalesce(sum(quantity), 0) FROM s),
        (SELECT coalesce(sum({A}), 0) FROM s WHERE customer_id IS NOT NULL),
        (SELECT count(DISTINCT invoice_id) FROM s WHERE customer_id IS NOT NULL),
        (SELECT count(*) FROM cust WHERE n >= 2),
        (SELECT count(DISTINCT invoice_id) FROM {t} WHERE {KIND_CANC}),
        (SELECT count(DISTINCT invoice_id) FROM {t} WHERE line_kind IN ('sale', 'cancellation')),
        (SELECT {c.profit_expr()} FROM {t} LIMIT 1),
        (SELECT min(timestamp) FROM s),
        (SELECT max(timestamp) FROM s),
        (SELECT coalesce(sum({A}), 0) FROM s WHERE customer_id IS NULL),
        (SELECT count(DISTINCT invoice_id) FROM s WHERE customer_id IS NULL),
        (SELECT coalesce(sum({A}), 0) FROM s WHERE {c.MERCH}),
        (SELECT coalesce(sum({A}), 0) FROM s WHERE NOT ({c.MERCH})),
        (SELECT coalesce(sum(abs({A})), 0) FROM {t} WHERE {KIND_CANC} AND {c.MERCH}),
        (SELECT coalesce(sum(abs({A})), 0) FROM {t} WHERE {KIND_CANC} AND NOT ({c.MERCH}))
    """)
    (sale, canc, adj, orders, customers, revenue, forfeited, units, rev_cust, inv_cust, repeat,
     canc_inv, inv_sc, profit, first, last, rev_guest, inv_guest,
     rev_merch, rev_other, forf_goods, forf_other) = r
    revenue, forfeited = f(revenue), f(forfeited)
    net = None if revenue is None else float(r[5] - r[6])  # exact difference in exact mode
    profit = f(profit)
    return {
        "sale_lines": sale, "cancellation_lines": canc, "adjustment_lines": adj,
        "orders": orders, "customers": customers,
        "revenue": revenue, "forfeited": forfeited, "net_revenue": net,
        "units": int(units),
        "avg_customer_spend": ratio(rev_cust, customers),
        "avg_order_value": ratio(revenue, orders),
        "orders_per_customer": ratio(inv_cust, customers),
        "repeat_customers": repeat,
        "repeat_rate": ratio(repeat, customers),
        "cancelled_invoices": canc_inv,
        "cancelled_invoice_share": ratio(canc_inv, inv_sc),
        "profit": profit,
        "margin": None if profit is None else ratio(profit, revenue),
        "first_sale": ts(first), "last_sale": ts(last),
        "merchandise_revenue": f(rev_merch), "other_charges": f(rev_other),
        "forfeited_goods": f(forf_goods), "forfeited_other_charges": f(forf_other),
        "guest_revenue": f(rev_guest), "guest_orders": inv_guest,
        "guest_revenue_share": ratio(rev_guest, r[5]),
        "guest_order_share": ratio(inv_guest, orders),
    }


def k_lines_by_kind(c):
    rows = q(c.con, f"""SELECT line_kind, count(*), sum({c.A}) FROM {c.t}
                        GROUP BY line_kind ORDER BY line_kind""")
    return [{"line_kind": k, "lines": n, "amount": f(a)} for k, n, a in rows]


def customer_table(c):
    return q(c.con, f"""WITH forf AS (SELECT customer_id, sum(abs({c.A})) AS forfeited FROM {c.t}
                                      WHERE {KIND_CANC} AND customer_id IS NOT NULL GROUP BY 1)
                        SELECT s.customer_id, sum({c.A}), count(DISTINCT invoice_id), sum(quantity),
                               {c.profit_expr()}, coalesce(any_value(forf.forfeited), 0)
                        FROM {c.t} s LEFT JOIN forf USING (customer_id)
                        WHERE {KIND_SALE} AND s.customer_id IS NOT NULL
                        GROUP BY s.customer_id""")


def customer_names(c):
    """docs/kpis.md "Customer names": the name the customer's completed lines carry most often;
    ties to the one seen most recently, then the alphabetically first; none without a name."""
    return dict(q(c.con, f"""
        SELECT customer_id, arg_max(customer_name, (n, latest, -rank_alpha)) AS customer_name
        FROM (SELECT customer_id, customer_name, count(*) AS n, max(timestamp) AS latest,
                     dense_rank() OVER (PARTITION BY customer_id ORDER BY customer_name) AS rank_alpha
              FROM {c.t} WHERE {KIND_SALE} AND customer_id IS NOT NULL AND customer_name IS NOT NULL
              GROUP BY customer_id, customer_name)
        GROUP BY customer_id"""))


def k_top_customers(c, by):
    rows = customer_table(c)
    names = customer_names(c)
    if by == "profit" and not c.has_profit:
        return []
    rank = {"revenue": lambda r: r[1], "profit": lambda r: r[4], "net": lambda r: r[1] - r[5]}[by]
    # revenue (profit, net revenue) descending, then customer_id ascending
    rows.sort(key=lambda r: r[0])
    rows.sort(key=rank, reverse=True)
    return [{"customer_id": r[0], "customer_name": names.get(r[0]), "revenue": f(r[1]), "orders": r[2], "units": int(r[3]),
             "profit": f(r[4]), "forfeited": f(r[5]), "net_revenue": float(r[1] - r[5])}
            for r in rows[:TOP_N]]


def product_names_sql(c, name_cond=KIND_SALE):
    """docs/kpis.md "Product names": the description the product's completed lines carry most
    often; ties to the one seen most recently, then the alphabetically first."""
    return f"""SELECT product_id, arg_max(product_name, (n, latest, -rank_alpha)) AS product_name
               FROM (SELECT product_id, product_name, count(*) AS n, max(timestamp) AS latest,
                            dense_rank() OVER (PARTITION BY product_id ORDER BY product_name) AS rank_alpha
                     FROM {c.t} WHERE {name_cond} AND product_name IS NOT NULL
                     GROUP BY product_id, product_name)
               GROUP BY product_id"""


def product_table(c, name_scope="sale"):
    name_cond = KIND_SALE if name_scope == "sale" else "TRUE"
    return q(c.con, f"""
        WITH names AS ({product_names_sql(c, name_cond)}),
             forf AS (SELECT product_id, sum(abs({c.A})) AS forfeited,
                             sum(abs(quantity)) AS forfeited_units FROM {c.t}
                      WHERE {KIND_CANC} GROUP BY product_id)
        SELECT s.product_id, any_value(names.product_name), sum({c.A}), sum(quantity),
               count(DISTINCT invoice_id), coalesce(any_value(forf.forfeited), 0),
               coalesce(any_value(forf.forfeited_units), 0)
        FROM {c.t} s LEFT JOIN names USING (product_id) LEFT JOIN forf USING (product_id)
        WHERE {KIND_SALE} AND {c.MERCH} GROUP BY s.product_id""")


def k_top_products(c, by, name_scope="sale"):
    rows = product_table(c, name_scope)
    rank = {"revenue": lambda r: r[2], "units": lambda r: r[3], "net": lambda r: r[2] - r[5],
            "net_units": lambda r: r[3] - r[6]}[by]
    rows.sort(key=lambda r: r[0])
    rows.sort(key=rank, reverse=True)
    return [{"product_id": r[0], "product_name": r[1], "revenue": f(r[2]), "units": int(r[3]),
             "orders": r[4], "forfeited": f(r[5]), "net_revenue": float(r[2] - r[5]),
             "net_units": int(r[3] - r[6])}
            for r in rows[:TOP_N]]


VOID_WINDOW = "INTERVAL 1 DAY"  # docs/kpis.md "Returns and voided orders": default one day


def k_cancellation_outcomes(c):
    """docs/kpis.md "Returns and voided orders", one cancellation line at a time: the latest
    completed line of the same customer and product at or before it whose quantity covers the
    cancelled quantity (a correlated subquery); voided within a day of it, returned later,
    unmatched without one."""
    rows = q(c.con, f"""
        WITH m AS (
          SELECT x.*, (SELECT max(s.timestamp) FROM {c.t} s
                       WHERE s.line_kind = 'sale' AND s.customer_id = x.customer_id
                         AND s.product_id = x.product_id AND s.timestamp <= x.timestamp
                         AND s.quantity >= abs(x.quantity)) AS sold_at
          FROM {c.t} x WHERE x.line_kind = 'cancellation'),
        o AS (
          SELECT *, CASE WHEN sold_at IS NULL THEN 2
                         WHEN timestamp - sold_at <= {VOID_WINDOW} THEN 0 ELSE 1 END AS k
          FROM m)
        SELECT k, count(*), count(DISTINCT invoice_id), count(DISTINCT customer_id),
               sum(abs(quantity)), sum(abs({c.A})),
               coalesce(sum(abs({c.A})) FILTER (WHERE {c.MERCH}), 0),
               coalesce(sum(abs({c.A})) FILTER (WHERE NOT ({c.MERCH})), 0)
        FROM o GROUP BY k""")
    total = q1(c.con, f"SELECT coalesce(sum(abs({c.A})), 0) FROM {c.t} WHERE {KIND_CANC}")[0]
    by_k = {r[0]: r for r in rows}
    out = []
    for k, name in enumerate(("voided", "returned", "unmatched")):
        r = by_k.get(k, (k, 0, 0, 0, 0, 0, 0, 0))
        out.append({"outcome": name, "outcome_order": k, "lines": r[1], "invoices": r[2],
                    "customers": r[3], "units": int(r[4]), "amount": f(r[5]) or 0.0,
                    "goods": f(r[6]) or 0.0, "other_charges": f(r[7]) or 0.0,
                    "forfeited_share": ratio(r[5], total) if total > 0 else None})
    return out


def k_top_forfeited_products(c):
    rows = q(c.con, f"""WITH names AS ({product_names_sql(c)})
                        SELECT s.product_id, any_value(names.product_name), sum(abs({c.A})),
                               sum(abs(quantity)), count(DISTINCT invoice_id)
                        FROM {c.t} s LEFT JOIN names USING (product_id)
                        WHERE {KIND_CANC} AND {c.MERCH} GROUP BY s.product_id""")
    rows.sort(key=lambda r: r[0])
    rows.sort(key=lambda r: r[2], reverse=True)
    return [{"product_id": r[0], "product_name": r[1], "forfeited": f(r[2]), "units": int(r[3]),
             "invoices": r[4]} for r in rows[:TOP_N]]


PERIODS = {"day": ("day", "INTERVAL 1 DAY", 7), "week": ("week", "INTERVAL 7 DAY", 4),
           "month": ("month", "INTERVAL 1 MONTH", 3)}


def year_earlier(unit, p):
    if unit == "week":
        return p - dt.timedelta(days=364)
    if unit == "month":
        return p.replace(year=p.year - 1)
    try:  # day: the date one year earlier; 29 Feb -> 28 Feb (as DuckDB date - INTERVAL 1 YEAR)
        return p.replace(year=p.year - 1)
    except ValueError:
        return p.replace(year=p.year - 1, day=28)


def period_end(unit, p):
    """Last calendar day of the period starting at p."""
    if unit == "day":
        return p
    if unit == "week":
        return p + dt.timedelta(days=6)
    nxt = dt.date(p.year + (p.month == 12), p.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def partial_test(c, unit):
    """docs/kpis.md "Partial periods": more than one calendar day of the period lies before the
    date of the data's first line or after the date of its last line (lines of any kind)."""
    first_day, last_day = q1(c.con, f"SELECT CAST(min(timestamp) AS DATE), CAST(max(timestamp) AS DATE) FROM {c.t}")
    return lambda p: (first_day - p).days > 1 or (period_end(unit, p) - last_day).days > 1


def k_sales_by(c, unit):
    u, step, window = PERIODS[unit]
    A = c.A
    rows = q(c.con, f"""
      WITH b AS (SELECT date_trunc('{u}', min(timestamp)) AS lo, date_trunc('{u}', max(timestamp)) AS hi
                 FROM {c.t}),
           cal AS (SELECT CAST(g.generate_series AS DATE) AS p
                   FROM b, generate_series(b.lo, b.hi, {step}) AS g),
           agg AS (SELECT CAST(date_trunc('{u}', timestamp) AS DATE) AS p,
                          coalesce(sum({A}) FILTER (WHERE {KIND_SALE}), 0) AS revenue,
                          coalesce(sum(abs({A})) FILTER (WHERE {KIND_CANC}), 0) AS forfeited,
                          count(DISTINCT invoice_id) FILTER (WHERE {KIND_SALE}) AS orders,
                          count(DISTINCT customer_id) FILTER (WHERE {KIND_SALE}) AS customers,
                          coalesce(sum(quantity) FILTER (WHERE {KIND_SALE}), 0) AS units,
                          {c.profit_expr()} AS profit
                   FROM {c.t} GROUP BY 1)
      SELECT cal.p, coalesce(revenue, 0), coalesce(forfeited, 0), coalesce(orders, 0),
             coalesce(customers, 0), coalesce(units, 0), profit,
             (SELECT count(*) FROM agg WHERE agg.p NOT IN (SELECT p FROM cal))
      FROM cal LEFT JOIN agg USING (p) ORDER BY cal.p""")
    assert rows and rows[0][7] == 0, "a period with lines is missing from the calendar"
    if unit == "week":
        assert all(r[0].isoweekday() == 1 for r in rows), "weeks must start on Monday"
    if unit == "month":
        assert all(r[0].day == 1 for r in rows)
    n = len(rows)
    for a, b in zip(rows, rows[1:]):
        if unit == "day":
            assert (b[0] - a[0]).days == 1
        elif unit == "week":
            assert (b[0] - a[0]).days == 7
        else:
            assert (b[0].year * 12 + b[0].month) - (a[0].year * 12 + a[0].month) == 1
    rev_exact = [r[1] for r in rows]  # Decimal in exact mode, float in double mode
    by_date = {r[0]: r[1] for r in rows}
    is_partial = partial_test(c, unit)
    partial = [is_partial(r[0]) for r in rows]
    partial_by_date = {r[0]: partial[i] for i, r in enumerate(rows)}
    whole = [i for i in range(n) if not partial[i]]
    k_peaks = -(-len(whole) // 10) if whole else 0  # ceil(whole / 10), at least 1 if any
    k_peaks = max(1, k_peaks) if whole else 0
    # docs/kpis.md: peaks rank whole periods by net revenue (revenue - forfeited)
    order = sorted(whole, key=lambda i: (-(rev_exact[i] - rows[i][2]), rows[i][0]))
    peaks = set(order[:k_peaks])
    out = []
    for i, r in enumerate(rows):
        p, revenue, forfeited, orders, customers, units, profit = r[:7]
        if c.has_profit and profit is None:
            profit = 0  # zero-filled period
        prev = rev_exact[i - 1] if i > 0 and not partial[i] and not partial[i - 1] else None
        ye_date = year_earlier(unit, p)
        ye = by_date.get(ye_date) if not partial[i] and not partial_by_date.get(ye_date, False) else None
        win = rev_exact[max(0, i - window + 1): i + 1]
        s = win[0] * 0
        for x in win:
            s += x
        mavg = (float(s) / len(win)) if c.mode == "double" else float(decimal.Decimal(s) / len(win))
        out.append({
            "period_start": ds(p),
            "revenue": f(revenue), "forfeited": f(forfeited),
            "net_revenue": float(revenue - forfeited),
            "orders": orders, "customers": customers, "units": int(units),
            "profit": f(profit) if c.has_profit else None,
            "revenue_change": None if (prev is None or prev == 0) else ratio(revenue, prev) - 1,
            "revenue_yoy_change": None if (ye is None or ye == 0) else ratio(revenue, ye) - 1,
            "revenue_moving_avg": mavg,
            "is_peak": i in peaks,
            "is_partial": partial[i],
        })
    return out


def add_periods(unit, p, k):
    if unit == "month":
        m = p.month - 1 + k
        return dt.date(p.year + m // 12, m % 12 + 1, 1)
    return p + dt.timedelta(days=k * (7 if unit == "week" else 1))


def period_offset(unit, cohort, p):
    if unit == "month":
        return (p.year - cohort.year) * 12 + (p.month - cohort.month)
    d = (p - cohort).days
    assert d % 7 == 0
    return d // 7


def k_retention(c, unit, last_scope="completed"):
    """last_scope: 'completed' = period of the data's end (latest completed line, guests included;
    the interpretation used), 'identified' = latest completed line with a customer,
    'any' = latest line of any kind.  The alternatives only serve to report if they differ."""
    u = PERIODS[unit][0]
    cond = {"completed": KIND_SALE, "identified": f"{KIND_SALE} AND customer_id IS NOT NULL",
            "any": "TRUE"}[last_scope]
    last_p = q1(c.con, f"SELECT CAST(date_trunc('{u}', max(timestamp)) AS DATE) FROM {c.t} WHERE {cond}")[0]
    rows = q(c.con, f"""
      WITH cp AS (SELECT DISTINCT customer_id, CAST(date_trunc('{u}', timestamp) AS DATE) AS p
                  FROM {c.t} WHERE {KIND_SALE} AND customer_id IS NOT NULL),
           first AS (SELECT customer_id, min(p) AS cohort FROM cp GROUP BY customer_id),
           sizes AS (SELECT cohort, count(*) AS n FROM first GROUP BY cohort)
      SELECT first.cohort, cp.p, count(DISTINCT cp.customer_id), any_value(sizes.n)
      FROM cp JOIN first USING (customer_id) JOIN sizes USING (cohort)
      GROUP BY first.cohort, cp.p""")
    act, size = {}, {}
    for cohort, p, n, sz in rows:
        act[(cohort, period_offset(unit, cohort, p))] = n
        size[cohort] = sz
    is_partial = partial_test(c, unit)
    out = []
    for cohort in sorted(size):
        kmax = period_offset(unit, cohort, last_p)
        assert act[(cohort, 0)] == size[cohort]
        for k in range(kmax + 1):
            a = act.get((cohort, k), 0)
            out.append({"cohort": ds(cohort), "period_offset": k, "cohort_size": size[cohort],
                        "active_customers": a, "retention": ratio(a, size[cohort]),
                        "is_partial": is_partial(add_periods(unit, cohort, k))})
        assert all(k <= kmax for (co, k) in act if co == cohort)
    return out


def k_churn(c, days=CHURN_DAYS, on_dates=False):
    if on_dates:  # alternative reading, only to report whether it differs
        cond = f"CAST(last AS DATE) < CAST(e AS DATE) - INTERVAL {days} DAY"
    else:
        cond = f"last < e - INTERVAL {days} DAY"
    n, churned = q1(c.con, f"""
      WITH e AS (SELECT max(timestamp) AS e FROM {c.t} WHERE {KIND_SALE}),
           l AS (SELECT customer_id, max(timestamp) AS last FROM {c.t}
                 WHERE {KIND_SALE} AND customer_id IS NOT NULL GROUP BY customer_id)
      SELECT count(*), count(*) FILTER (WHERE {cond}) FROM l, e""")
    return {"churn_days": days, "customers": n, "churned": churned, "churn_rate": ratio(churned, n)}


def k_by_value(c, col, kinds=("sale", "cancellation")):
    kl = ", ".join(sql_str(k) for k in kinds)
    rows = q(c.con, f"""
      SELECT {col}, coalesce(sum({c.A}) FILTER (WHERE {KIND_SALE}), 0),
             coalesce(sum(abs({c.A})) FILTER (WHERE {KIND_CANC}), 0),
             count(DISTINCT invoice_id) FILTER (WHERE {KIND_SALE}),
             count(DISTINCT customer_id) FILTER (WHERE {KIND_SALE}),
             coalesce(sum(quantity) FILTER (WHERE {KIND_SALE}), 0)
      FROM {c.t} WHERE line_kind IN ({kl}) GROUP BY {col}""")
    rows.sort(key=lambda r: (r[0] is None, r[0] or ""))  # value ascending, nulls last
    rows.sort(key=lambda r: r[1], reverse=True)           # revenue descending (stable)
    return [{col: r[0], "revenue": f(r[1]), "forfeited": f(r[2]), "net_revenue": float(r[1] - r[2]),
             "orders": r[3], "customers": r[4], "units": int(r[5])} for r in rows]


DIM_SETS = [("category",), ("category", "sub_category"), ("region",), ("segment",),
            ("category", "region"), ("category", "segment"), ("region", "segment"),
            ("category", "sub_category", "region"), ("category", "sub_category", "segment"), ()]
DIMS = ("category", "sub_category", "region", "segment")


def k_by_dimensions(c):
    out = []
    for gs in DIM_SETS:
        sel = ", ".join(d if d in gs else f"CAST(NULL AS VARCHAR) AS {d}" for d in DIMS)
        grp = ("GROUP BY " + ", ".join(gs)) if gs else ""
        rows = q(c.con, f"""
          SELECT {sel}, coalesce(sum({c.A}), 0), {c.profit_expr()}, coalesce(sum(quantity), 0),
                 count(DISTINCT invoice_id), count(*)
          FROM {c.t} WHERE {KIND_SALE} {grp}""")
        for i in reversed(range(4)):  # dimension values ascending, nulls last
            rows.sort(key=lambda r: (r[i] is None, r[i] or ""))
        rows.sort(key=lambda r: r[4], reverse=True)
        label = ",".join(gs) if gs else "total"
        for r in rows:
            profit = f(r[5])
            out.append({"grouping": label, "category": r[0], "sub_category": r[1], "region": r[2],
                        "segment": r[3], "revenue": f(r[4]), "profit": profit,
                        "margin": None if profit is None else ratio(r[5], r[4]),
                        "units": int(r[6]), "orders": r[7], "lines": r[8]})
    return out


BANDS = [("< 0", 0), ("[0, 1)", 1), ("[1, 2)", 2), ("[2, 5)", 3), ("[5, 10)", 4), ("[10, 20)", 5),
         ("[20, 50)", 6), ("[50, \u221e)", 7), ("unknown", 8)]


def k_by_price_band(c):
    rows = q(c.con, f"""
      WITH b AS (SELECT *, CASE WHEN unit_price IS NULL THEN 8 WHEN unit_price < 0 THEN 0
                                WHEN unit_price < 1 THEN 1 WHEN unit_price < 2 THEN 2
                                WHEN unit_price < 5 THEN 3 WHEN unit_price < 10 THEN 4
                                WHEN unit_price < 20 THEN 5 WHEN unit_price < 50 THEN 6
                                ELSE 7 END AS band_order
                 FROM {c.t} WHERE {KIND_SALE} AND {c.MERCH})
      SELECT band_order, count(*), coalesce(sum(quantity), 0), coalesce(sum({c.A}), 0),
             count(DISTINCT product_id), (SELECT sum({c.A}) FROM b)
      FROM b GROUP BY band_order ORDER BY band_order""")
    name = {o: n for n, o in BANDS}
    return [{"price_band": name[r[0]], "band_order": r[0], "lines": r[1], "units": int(r[2]),
             "revenue": f(r[3]), "products": r[4], "revenue_share": ratio(r[3], r[5])} for r in rows]


DBAND = """CASE WHEN discount = 0 THEN 0 WHEN discount > 0 AND discount <= 0.2 THEN 1
                WHEN discount > 0.2 AND discount <= 0.4 THEN 2 WHEN discount > 0.4 THEN 3 END"""
DBAND_NAMES = {0: "none", 1: "up to 20%", 2: "up to 40%", 3: "above 40%"}


def measures(c, r_sales, r_profit, lines):
    profit = f(r_profit) if c.has_profit else None
    return {"lines": lines, "sales": f(r_sales), "profit": profit,
            "margin": None if profit is None else ratio(r_profit, r_sales),
            "mean_profit_per_line": None if profit is None else ratio(r_profit, lines)}


def k_discount_impact(c):
    rows = q(c.con, f"""SELECT discount, count(*), coalesce(sum({c.A}), 0), sum({c.P})
                        FROM {c.t} WHERE {KIND_SALE} AND discount IS NOT NULL
                        GROUP BY discount ORDER BY discount""")
    return [{"discount": r[0], **measures(c, r[2], r[3], r[1])} for r in rows]


def k_discount_bands(c):
    rows = q(c.con, f"""SELECT {DBAND} AS bo, count(*), coalesce(sum({c.A}), 0), sum({c.P})
                        FROM {c.t} WHERE {KIND_SALE} AND discount IS NOT NULL
                        GROUP BY bo ORDER BY bo""")
    assert all(r[0] is not None for r in rows), "negative discount: no band"
    return [{"discount_band": DBAND_NAMES[r[0]], "band_order": r[0], **measures(c, r[2], r[3], r[1])}
            for r in rows]


def k_discount_by_category(c):
    rows = q(c.con, f"""SELECT category, sub_category, {DBAND} AS bo, count(*),
                               coalesce(sum({c.A}), 0), sum({c.P})
                        FROM {c.t} WHERE {KIND_SALE} AND discount IS NOT NULL
                        GROUP BY category, sub_category, bo""")
    rows.sort(key=lambda r: ((r[0] is None, r[0] or ""), (r[1] is None, r[1] or ""), r[2]))
    out = []
    for r in rows:
        m = measures(c, r[4], r[5], r[3])
        out.append({"category": r[0], "sub_category": r[1], "discount_band": DBAND_NAMES[r[2]],
                    "band_order": r[2], **m,
                    "loses_money": None if m["profit"] is None else bool(r[5] < 0)})
    return out


def k_discount_correlation(c):
    r = q1(c.con, f"""SELECT corr(discount, profit),
                             corr(discount, profit / line_amount) FILTER (WHERE line_amount <> 0),
                             count(*)
                      FROM {c.t} WHERE {KIND_SALE} AND discount IS NOT NULL AND profit IS NOT NULL""")
    return {"corr": f(r[0]), "corr_margin": f(r[1]), "lines": r[2]}


def ntile5(keys):
    """Standard NTILE(5) over the given already-sorted list: returns tile per position."""
    n = len(keys)
    q_, r_ = divmod(n, 5)
    tiles, pos = [], 0
    for b in range(5):
        size = q_ + (1 if b < r_ else 0)
        tiles += [b + 1] * size
        pos += size
    return tiles


def segment_of(r, fsc):
    if r >= 4 and fsc >= 4:
        return "Champions"
    if r >= 3 and fsc >= 3:
        return "Loyal"
    if r >= 4 and fsc == 1:
        return "New"
    if r >= 3:
        return "Promising"
    if r <= 2 and fsc >= 3:
        return "At risk"
    return "Hibernating"


def k_rfm(c):
    rows = q(c.con, f"""
      WITH e AS (SELECT CAST(max(timestamp) AS DATE) AS ed FROM {c.t} WHERE {KIND_SALE}),
           cu AS (SELECT customer_id, CAST(max(timestamp) AS DATE) AS last_d,
                         count(DISTINCT invoice_id) AS frequency, sum({c.A}) AS monetary
                  FROM {c.t} WHERE {KIND_SALE} AND customer_id IS NOT NULL GROUP BY customer_id),
           r AS (SELECT customer_id, date_diff('day', last_d, ed) AS recency_days, frequency, monetary
                 FROM cu, e)
      SELECT customer_id, recency_days, frequency, monetary,
             ntile(5) OVER (ORDER BY recency_days DESC, customer_id ASC),
             ntile(5) OVER (ORDER BY frequency ASC, customer_id ASC),
             ntile(5) OVER (ORDER BY monetary ASC, customer_id ASC)
      FROM r ORDER BY customer_id""")
    # the same scores with our own NTILE, as a check of the window functions
    for col, idx, desc in ((4, 1, True), (5, 2, False), (6, 3, False)):
        srt = sorted(rows, key=lambda r: r[0])
        srt.sort(key=lambda r: r[idx], reverse=desc)
        tiles = dict(zip([r[0] for r in srt], ntile5(srt)))
        assert all(tiles[r[0]] == r[col] for r in rows), f"NTILE mismatch in column {col}"
    return [{"customer_id": r[0], "recency_days": r[1], "frequency": r[2], "monetary": f(r[3]),
             "r_score": r[4], "f_score": r[5], "m_score": r[6], "segment": segment_of(r[4], r[5]),
             "_monetary_raw": r[3]} for r in rows]


def k_rfm_segments(rfm):
    seg = {}
    for r in rfm:
        s = seg.setdefault(r["segment"], [0, 0, 0, 0])
        s[0] += 1
        s[1] += r["_monetary_raw"]
        s[2] += r["recency_days"]
        s[3] += r["frequency"]
    rows = sorted(seg.items(), key=lambda kv: kv[0])
    rows.sort(key=lambda kv: kv[1][1], reverse=True)
    return [{"segment": k, "customers": v[0], "revenue": f(v[1]), "mean_recency_days": v[2] / v[0],
             "mean_frequency": v[3] / v[0]} for k, v in rows]


def all_kpis(con, t, mode):
    c = Ctx(con, t, mode)
    out = {}
    out["summary"] = k_summary(c)
    out["lines_by_kind"] = k_lines_by_kind(c)
    out["top_customers_by_net_revenue"] = k_top_customers(c, "net")
    out["top_customers_by_revenue"] = k_top_customers(c, "revenue")
    out["top_customers_by_profit"] = k_top_customers(c, "profit")
    out["top_products_by_revenue"] = k_top_products(c, "revenue")
    out["top_products_by_net_revenue"] = k_top_products(c, "net")
    out["top_products_by_units"] = k_top_products(c, "units")
    out["top_products_by_net_units"] = k_top_products(c, "net_units")
    out["top_forfeited_products"] = k_top_forfeited_products(c)
    out["cancellation_outcomes"] = k_cancellation_outcomes(c)
    for u in ("day", "week", "month"):
        out[f"sales_by_{u}"] = k_sales_by(c, u)
    out["retention_monthly"] = k_retention(c, "month")
    out["retention_weekly"] = k_retention(c, "week")
    out["churn"] = k_churn(c)
    out["by_country"] = k_by_value(c, "country")
    out["by_region"] = k_by_value(c, "region")
    out["by_dimensions"] = k_by_dimensions(c)
    out["by_price_band"] = k_by_price_band(c)
    out["discount_impact"] = k_discount_impact(c)
    out["discount_bands"] = k_discount_bands(c)
    out["discount_by_category"] = k_discount_by_category(c)
    out["discount_correlation"] = k_discount_correlation(c)
    rfm = k_rfm(c)
    out["rfm_segments"] = k_rfm_segments(rfm)
    for r in rfm:
        del r["_monetary_raw"]
    out["rfm"] = rfm
    notes = alternatives(c, out)
    return out, notes


def alternatives(c, out):
    """Checks the other readings of ambiguous spec points; returns notes on whether they matter."""
    notes = {}
    for unit, key in (("month", "retention_monthly"), ("week", "retention_weekly")):
        for scope in ("identified", "any"):
            alt = k_retention(c, unit, scope)
            notes[f"{key}: last period from {scope} lines gives the same rows"] = alt == out[key]
    notes["churn: comparing dates instead of timestamps gives the same"] = k_churn(c, on_dates=True) == out["churn"]
    for by in ("revenue", "units"):
        alt = k_top_products(c, by, name_scope="all")
        notes[f"top_products_by_{by}: names taken from lines of any kind give the same"] = \
            alt == out[f"top_products_by_{by}"]
    for col in ("country", "region"):
        alt = k_by_value(c, col, kinds=("sale", "cancellation", "adjustment"))
        notes[f"by_{col}: also grouping adjustment-only values gives the same rows"] = alt == out[f"by_{col}"]
    for u in ("day", "week", "month"):
        n = len(out[f"sales_by_{u}"])
        notes[f"sales_by_{u}: {n} periods, peaks = ceil(n/10) = {-(-n // 10)}; float ceil(0.1*n) = "
              f"{math.ceil(0.1 * n)}"] = (-(-n // 10)) == math.ceil(0.1 * n)
    return notes


# ----------------------------------------------------------------------------- checks

def compare(a, b, path, diffs):
    """Compares the double run a with the exact run b."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            compare(a[k], b[k], f"{path}.{k}", diffs)
    elif isinstance(a, list):
        if len(a) != len(b):
            diffs.append(f"{path}: {len(a)} vs {len(b)} rows")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", diffs)
    elif isinstance(a, float) and isinstance(b, float):
        if not (a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b)) or abs(a - b) <= 1e-8):
            diffs.append(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        diffs.append(f"{path}: {a!r} vs {b!r}")


def polars_check(con, t, res):
    """Independent re-computation of a few KPIs with Polars (dataframe code, no SQL)."""
    cur = con.execute(f"SELECT * EXCLUDE (line_amount_d, profit_d) FROM {t}")
    cols = [d[0] for d in cur.description]
    df = pl.DataFrame(cur.fetchall(), schema=cols, orient="row", infer_schema_length=None)
    s = df.filter(pl.col("line_kind") == "sale")
    ident = s.filter(pl.col("customer_id").is_not_null())
    canc = df.filter(pl.col("line_kind") == "cancellation")
    sm = res["summary"]
    per_cust = ident.group_by("customer_id").agg(pl.col("invoice_id").n_unique().alias("n"))
    chk = {
        "sale_lines": s.height, "orders": s["invoice_id"].n_unique(),
        "customers": ident["customer_id"].n_unique(),
        "units": int(s["quantity"].sum()),
        "repeat_customers": per_cust.filter(pl.col("n") >= 2).height,
        "cancelled_invoices": canc["invoice_id"].n_unique(),
    }
    for k, v in chk.items():
        assert sm[k] == v, (t, k, sm[k], v)
    for k, v in (("revenue", s["line_amount"].sum()), ("forfeited", canc["line_amount"].abs().sum())):
        assert abs(sm[k] - v) <= 1e-9 * max(1.0, abs(v)), (t, k, sm[k], v)

    # sales_by_month / week: revenue, orders, customers per non-empty period
    for unit, every in (("month", "1mo"), ("week", "1w")):
        g = (s.with_columns(pl.col("timestamp").dt.truncate(every).dt.date().alias("p"))
              .group_by("p").agg(pl.col("line_amount").sum().alias("rev"),
                                 pl.col("invoice_id").n_unique().alias("orders"),
                                 pl.col("customer_id").drop_nulls().n_unique().alias("cust")))
        got = {r["period_start"]: r for r in res[f"sales_by_{unit}"]}
        for p, rev, orders, cust in g.iter_rows():
            r = got[p.isoformat()]
            assert r["orders"] == orders and r["customers"] == cust, (t, unit, p)
            assert abs(r["revenue"] - rev) <= 1e-9 * max(1.0, abs(rev)), (t, unit, p, r["revenue"], rev)
        assert sum(1 for r in res[f"sales_by_{unit}"] if r["orders"] > 0) == g.height

    # churn and rfm recency/frequency/scores
    end = s["timestamp"].max()
    last = ident.group_by("customer_id").agg(pl.col("timestamp").max().alias("last"),
                                             pl.col("invoice_id").n_unique().alias("freq"),
                                             pl.col("line_amount").sum().alias("mon"))
    churned = last.filter(pl.col("last") < end - dt.timedelta(days=CHURN_DAYS)).height
    assert res["churn"]["churned"] == churned and res["churn"]["customers"] == last.height
    last = last.with_columns(
        (pl.lit(end.date()) - pl.col("last").dt.date()).dt.total_days().alias("rec")).sort("customer_id")
    rfm = {r["customer_id"]: r for r in res["rfm"]}
    assert len(rfm) == last.height
    for col, desc, score in (("rec", True, "r_score"), ("freq", False, "f_score"), ("mon", False, "m_score")):
        o = last.sort([col, "customer_id"], descending=[desc, False])
        for cid, tile in zip(o["customer_id"].to_list(), ntile5(o["customer_id"].to_list())):
            assert rfm[cid][score] == tile, (t, score, cid)
    for cid, rec, freq in last.select("customer_id", "rec", "freq").iter_rows():
        assert rfm[cid]["recency_days"] == rec and rfm[cid]["frequency"] == freq

    # retention_monthly
    cp = (ident.with_columns(pl.col("timestamp").dt.truncate("1mo").dt.date().alias("p"))
               .select("customer_id", "p").unique())
    first = cp.group_by("customer_id").agg(pl.col("p").min().alias("cohort"))
    j = cp.join(first, on="customer_id").with_columns(
        ((pl.col("p").dt.year() - pl.col("cohort").dt.year()) * 12
         + pl.col("p").dt.month().cast(pl.Int32) - pl.col("cohort").dt.month().cast(pl.Int32)).alias("k"))
    act = {(c_.isoformat(), k): n for c_, k, n in
           j.group_by("cohort", "k").agg(pl.len().alias("n")).iter_rows()}
    lastm = end.date().replace(day=1)
    n_rows = 0
    for c_ in first["cohort"].unique().to_list():
        n_rows += (lastm.year - c_.year) * 12 + lastm.month - c_.month + 1
    assert n_rows == len(res["retention_monthly"]), (n_rows, len(res["retention_monthly"]))
    for r in res["retention_monthly"]:
        assert r["active_customers"] == act.get((r["cohort"], r["period_offset"]), 0)

    # top customers by revenue
    top = last.sort(["mon", "customer_id"], descending=[True, False]).head(TOP_N)["customer_id"].to_list()
    assert top == [r["customer_id"] for r in res["top_customers_by_revenue"]]
    return "polars agrees: summary counts/revenue/forfeited, sales_by_month+week, churn, rfm, retention_monthly, top customers"


def two_way_checks(name, res, con, t):
    notes = []
    sm = res["summary"]
    for u in ("day", "week", "month"):
        rows = res[f"sales_by_{u}"]
        for fld in ("revenue", "forfeited", "units", "orders", "customers"):
            tot = sum(r[fld] for r in rows)
            if fld in ("revenue", "forfeited"):
                assert abs(tot - sm[fld]) <= 1e-9 * abs(sm[fld]), (name, u, fld, tot, sm[fld])
            elif fld == "units":
                assert tot == sm["units"]
        if sm["profit"] is not None:
            tot = sum(r["profit"] for r in rows)
            assert abs(tot - sm["profit"]) <= 1e-9 * abs(sm["profit"])
    notes.append("sum of sales_by_day/week/month revenue, forfeited, units (and profit) == summary")
    tot = [r for r in res["by_dimensions"] if r["grouping"] == "total"]
    assert len(tot) == 1 and abs(tot[0]["revenue"] - sm["revenue"]) <= 1e-9 * sm["revenue"]
    assert tot[0]["orders"] == sm["orders"] and tot[0]["lines"] == sm["sale_lines"]
    for gs in DIM_SETS:
        label = ",".join(gs) if gs else "total"
        rows = [r for r in res["by_dimensions"] if r["grouping"] == label]
        assert abs(sum(r["revenue"] for r in rows) - sm["revenue"]) <= 1e-9 * sm["revenue"]
        assert sum(r["lines"] for r in rows) == sm["sale_lines"]
    notes.append("every by_dimensions grouping set sums to the summary revenue and sale_lines")
    assert abs(sum(r["revenue"] for r in res["by_country"]) - sm["revenue"]) <= 1e-9 * sm["revenue"]
    # price bands cover merchandise only
    assert abs(sum(r["revenue"] for r in res["by_price_band"]) - sm["merchandise_revenue"]) <= 1e-9 * sm["revenue"]
    assert abs(sum(r["revenue_share"] for r in res["by_price_band"]) - 1) <= 1e-12
    assert abs(sm["merchandise_revenue"] + sm["other_charges"] - sm["revenue"]) <= 1e-9 * sm["revenue"]
    assert abs(sm["forfeited_goods"] + sm["forfeited_other_charges"] - sm["forfeited"]) <= 1e-9 * max(1, sm["forfeited"])
    notes.append("by_country and by_price_band revenues sum to the summary revenue")
    co = res["cancellation_outcomes"]
    assert sum(r["lines"] for r in co) == sm["cancellation_lines"]
    assert abs(sum(r["amount"] for r in co) - sm["forfeited"]) <= 1e-9 * max(1, sm["forfeited"])
    assert abs(sum(r["goods"] for r in co) - sm["forfeited_goods"]) <= 1e-9 * max(1, sm["forfeited"])
    notes.append("cancellation outcomes sum to the summary's cancellation lines, forfeited and forfeited goods")
    assert sum(r["customers"] for r in res["rfm_segments"]) == sm["customers"] == len(res["rfm"])
    assert res["churn"]["customers"] == sm["customers"]
    rv = sum(r["monetary"] for r in res["rfm"])
    rc = sm["avg_customer_spend"] * sm["customers"]
    assert abs(rv - rc) <= 1e-9 * abs(rc)
    notes.append("rfm customers == summary customers == churn customers; sum(monetary) == identified revenue")
    lk = {r["line_kind"]: r for r in res["lines_by_kind"]}
    assert lk["sale"]["lines"] == sm["sale_lines"] and abs(lk["sale"]["amount"] - sm["revenue"]) <= 1e-9 * sm["revenue"]
    if "cancellation" in lk:
        assert abs(-lk["cancellation"]["amount"] - sm["forfeited"]) <= 1e-9 * sm["forfeited"]
    for key in ("retention_monthly", "retention_weekly"):
        sizes = {}
        for r in res[key]:
            sizes[r["cohort"]] = r["cohort_size"]
        assert sum(sizes.values()) == sm["customers"], key
    notes.append("cohort sizes sum to summary customers (monthly and weekly)")
    if res["discount_impact"]:
        assert sum(r["lines"] for r in res["discount_impact"]) == sm["sale_lines"]
        assert abs(sum(r["sales"] for r in res["discount_bands"]) - sm["revenue"]) <= 1e-9 * sm["revenue"]
        assert abs(sum(r["profit"] for r in res["discount_by_category"]) - sm["profit"]) <= 1e-9 * abs(sm["profit"])
        # Pearson correlation the textbook two-pass way in Python
        rows = q(con, f"SELECT discount, profit, line_amount FROM {t} WHERE {KIND_SALE} "
                      "AND discount IS NOT NULL AND profit IS NOT NULL")

        def pearson(xs, ys):
            n = len(xs)
            mx, my = math.fsum(xs) / n, math.fsum(ys) / n
            sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys))
            sxx = math.fsum((x - mx) ** 2 for x in xs)
            syy = math.fsum((y - my) ** 2 for y in ys)
            return sxy / math.sqrt(sxx * syy)
        c1 = pearson([r[0] for r in rows], [r[1] for r in rows])
        nz = [r for r in rows if r[2] != 0]
        c2 = pearson([r[0] for r in nz], [r[1] / r[2] for r in nz])
        dc = res["discount_correlation"]
        assert abs(c1 - dc["corr"]) <= 1e-9 and abs(c2 - dc["corr_margin"]) <= 1e-9, (c1, c2, dc)
        notes.append(f"discount correlation two-pass Python: corr {c1!r}, corr_margin {c2!r}")
    return notes


# ----------------------------------------------------------------------------- main

def main():
    con = duckdb.connect()
    con.execute("SET threads=1")
    con.execute("SET preserve_insertion_order=true")
    result = {"tool": {"duckdb": duckdb.__version__, "polars": pl.__version__,
                       "python": platform.python_version()},
              "command": COMMAND, "inputs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (layout, path) in INPUTS.items():
            load(con, name, layout, path, tmp)
            log(f"[{name}] KPIs (double)")
            res, notes = all_kpis(con, name, "double")
            log(f"[{name}] KPIs (exact decimal)")
            exact, _ = all_kpis(con, name, "exact")
            diffs = []
            compare(res, exact, name, diffs)
            for d in diffs:
                log("  DIFF double vs exact:", d)
            assert not diffs, f"{len(diffs)} differences between the double and the exact run"
            log(f"[{name}] double and exact decimal runs agree (floats within 1e-9 rel / 1e-8 abs, "
                "everything else identical)")
            for k, v in notes.items():
                log(f"  {'same' if v else 'DIFFERENT'}: {k}")
            for n_ in two_way_checks(name, res, con, name):
                log("  ok:", n_)
            log("  ok:", polars_check(con, name, res))
            result["inputs"][name] = res
    text = json.dumps(result, ensure_ascii=False, indent=1, allow_nan=False)
    with open(OUT, "w", encoding="utf-8") as fo:
        fo.write(text + "\n")
    log(f"wrote {OUT} ({len(text.encode()):,} bytes)")


if __name__ == "__main__":
    main()
