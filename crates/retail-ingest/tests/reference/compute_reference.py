#!/usr/bin/env python3
"""Independent reference numbers for the retail-ingest test data, computed with DuckDB (SQL).

Run (from the workspace root, with a venv that has duckdb installed):

    /work/venv/bin/python crates/retail-ingest/tests/reference/compute_reference.py \
        > crates/retail-ingest/tests/reference/reference.json

The JSON goes to stdout; progress/notes go to stderr.

Conventions
-----------
* Every CSV is read with ``read_csv(..., all_varchar=true, header=true)`` and explicit
  ``delim=',' quote='"' escape='"'``, so DuckDB's type sniffing changes nothing; all casts
  are written out below.  DuckDB's ``read_csv`` fails on any malformed row (no
  ``ignore_errors``), so a successful load means every row parsed.  DuckDB reads an empty
  unquoted field as NULL.
* The DuckDB session uses ``SET threads=1`` so that DOUBLE sums are summed in file order and
  are reproducible bit for bit (a plain left-to-right fold of f64, the same as a sequential
  Rust ``iter().sum::<f64>()`` over the rows in file order).
* Every float is given twice: as a JSON number (Python ``repr``, the shortest string that
  round-trips to the same f64) and as a string with 17 significant digits (``%.17g``).
* Exact sums are ``SUM(CAST(... AS DECIMAL(38,6)))`` over values cast to ``DECIMAL(18,6)``;
  the script checks first that every such input has at most 6 decimals (so the cast is exact)
  and prints the result as a decimal string.
* Online Retail "line kind": InvoiceNo starting with 'C' -> cancellation; else starting with
  'A' -> adjustment; else Quantity < 0 -> adjustment; else a zero amount (UnitPrice 0,
  'free' lines) -> adjustment; else sale.
  Customer id: '17850.0' -> '17850'; empty -> NULL.  Line amount = Quantity * UnitPrice.
* Superstore: every line is a sale unless Quantity < 0 (cancellation); line amount = Sales.
  The file is Windows-1252; it is transcoded to UTF-8 in Python
  (``open(path, encoding='cp1252', newline='')``) because DuckDB's ``encoding='latin-1'``
  rejects the file ("File is not latin-1 encoded") and true Latin-1 would map 0x93/0x94 to
  C1 control characters anyway.
* A second, independent pass with Python's ``csv`` module + ``decimal`` cross-checks the row
  counts, line kinds, exact sums and the sample rows; the script aborts if anything differs.
"""

import csv
import decimal
import gzip
import hashlib
import io
import json
import math
import os
import platform
import sys
import tempfile

import duckdb

WORKSPACE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ONLINE_RETAIL_FULL = "/work/shared/data/online_retail/online_retail.csv.gz"
ONLINE_RETAIL_SAMPLE = os.path.join(WORKSPACE, "crates/retail-ingest/data/online_retail_sample.csv.gz")
SUPERSTORE_CSV = "/work/shared/data/superstore/Superstore.csv"
SUPERSTORE_GZ = os.path.join(WORKSPACE, "crates/retail-ingest/data/superstore.csv.gz")

CSV_OPTS = "all_varchar=true, header=true, delim=',', quote='\"', escape='\"'"

KIND_OR = """CASE WHEN starts_with(InvoiceNo, 'C') THEN 'cancellation'
                  WHEN starts_with(InvoiceNo, 'A') THEN 'adjustment'
                  WHEN CAST(Quantity AS BIGINT) < 0 THEN 'adjustment'
                  WHEN CAST(UnitPrice AS DECIMAL(18,6)) = 0 OR CAST(Quantity AS BIGINT) = 0 THEN 'adjustment'
                  ELSE 'sale' END"""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def fnum(x):
    """A float as {value: repr-number, g17: '%.17g' string}."""
    if x is None:
        return None
    x = float(x)
    return {"value": x, "g17": "%.17g" % x}


def dec(x):
    return None if x is None else format(x, "f")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def q(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def q1(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


# --------------------------------------------------------------------------- Online Retail

def online_retail(con, path, table):
    log(f"loading {path}")
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv({sql_str(path)}, {CSV_OPTS})")
    cols = [r[0] for r in q(con, f"DESCRIBE {table}")]
    assert cols == ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                    "UnitPrice", "CustomerID", "Country"], cols
    # The view adds the typed / derived columns.  rowid is the insertion order, which is
    # file order (preserve_insertion_order is on by default, and threads=1).
    con.execute(f"""CREATE VIEW {table}_v AS SELECT
            rowid + 1 AS rn, *,
            CAST(Quantity AS BIGINT) AS qty,
            CAST(UnitPrice AS DOUBLE) AS price_f,
            CAST(UnitPrice AS DECIMAL(18,6)) AS price_d,
            CAST(Quantity AS BIGINT) * CAST(UnitPrice AS DOUBLE) AS amount_f,
            CAST(CAST(Quantity AS DECIMAL(18,0)) * CAST(UnitPrice AS DECIMAL(18,6)) AS DECIMAL(38,6)) AS amount_d,
            CASE WHEN CustomerID IS NULL OR CustomerID = '' THEN NULL
                 WHEN ends_with(CustomerID, '.0') THEN CustomerID[1:-3]
                 ELSE CustomerID END AS customer,
            CAST(InvoiceDate AS TIMESTAMP) AS ts,
            {KIND_OR} AS kind
        FROM {table}""")
    v = f"{table}_v"

    # Preconditions that make the casts above exact / well defined.
    bad = q1(con, f"""SELECT
        count(*) FILTER (WHERE NOT regexp_full_match(Quantity, '-?[0-9]+')),
        count(*) FILTER (WHERE NOT regexp_full_match(UnitPrice, '-?[0-9]+(\\.[0-9]{{1,6}})?')),
        count(*) FILTER (WHERE CustomerID IS NOT NULL AND NOT regexp_full_match(CustomerID, '[0-9]+\\.0')),
        count(*) FILTER (WHERE try_cast(InvoiceDate AS TIMESTAMP) IS NULL),
        count(*) FILTER (WHERE strftime(CAST(InvoiceDate AS TIMESTAMP), '%Y-%m-%d %H:%M:%S') <> InvoiceDate),
        count(*) FILTER (WHERE InvoiceNo IS NULL OR StockCode IS NULL OR Quantity IS NULL
                          OR InvoiceDate IS NULL OR UnitPrice IS NULL OR Country IS NULL),
        max(length(split_part(UnitPrice, '.', 2)))
        FROM {table}""")
    assert bad[:6] == (0, 0, 0, 0, 0, 0), f"unexpected values in {path}: {bad}"

    out = {"path": path, "sha256_gz": sha256_file(path)}
    out["rows"] = q1(con, f"SELECT count(*) FROM {table}")[0]
    out["unit_price_max_decimals"] = bad[6]

    overall = q1(con, f"SELECT sum(amount_f), sum(amount_d), fsum(amount_f), sum(qty) FROM {v}")
    out["sum_line_amount"] = {
        "double": fnum(overall[0]),
        "double_kahan_fsum": fnum(overall[2]),
        "exact_decimal": dec(overall[1]),
        "exact_decimal_rounded_to_double": fnum(float(overall[1])),
    }
    out["sum_quantity"] = int(overall[3])

    by_kind = {}
    for kind, n, sf, sd, sq in q(con, f"""SELECT kind, count(*), sum(amount_f), sum(amount_d), sum(qty)
                                          FROM {v} GROUP BY kind ORDER BY kind"""):
        by_kind[kind] = {
            "rows": n,
            "sum_line_amount_double": fnum(sf),
            "sum_line_amount_exact_decimal": dec(sd),
            "sum_quantity": int(sq),
        }
    for k in ("sale", "cancellation", "adjustment"):
        by_kind.setdefault(k, {"rows": 0, "sum_line_amount_double": fnum(0.0),
                               "sum_line_amount_exact_decimal": "0.000000", "sum_quantity": 0})
    out["by_kind"] = by_kind

    r = q1(con, f"""SELECT count(DISTINCT InvoiceNo), count(DISTINCT customer),
                           count(*) FILTER (WHERE customer IS NULL),
                           count(DISTINCT StockCode), count(DISTINCT Country),
                           count(*) FILTER (WHERE Description IS NULL OR Description = ''),
                           strftime(min(ts), '%Y-%m-%d %H:%M:%S'), strftime(max(ts), '%Y-%m-%d %H:%M:%S'),
                           count(*) FILTER (WHERE contains(Description, '"')),
                           count(*) FILTER (WHERE contains(Description, ',')),
                           count(*) FILTER (WHERE strlen(Description) <> length(Description)),
                           count(*) FILTER (WHERE Description <> rtrim(Description)),
                           min(CAST(customer AS INTEGER)), max(CAST(customer AS INTEGER)),
                           min(qty), max(qty), min(price_d), max(price_d),
                           count(*) FILTER (WHERE starts_with(InvoiceNo, 'C') AND qty >= 0)
                    FROM {v}""")
    (out["distinct_invoices"], out["distinct_customers"], out["rows_null_customer"],
     out["distinct_stock_codes"], out["distinct_countries"], out["rows_empty_description"],
     out["min_invoice_date"], out["max_invoice_date"], out["rows_description_with_double_quote"],
     out["rows_description_with_comma"], out["rows_description_with_non_ascii"],
     out["rows_description_with_trailing_whitespace"]) = r[:12]
    out["customer_id_range"] = [r[12], r[13]]
    out["quantity_range"] = [int(r[14]), int(r[15])]
    out["unit_price_range"] = [dec(r[16]), dec(r[17])]
    out["cancellations_with_non_negative_quantity"] = r[18]
    out["non_ascii_descriptions_distinct"] = [x[0] for x in q(con, f"""
        SELECT DISTINCT Description FROM {table} WHERE strlen(Description) <> length(Description)
        ORDER BY 1 LIMIT 10""")]

    n = out["rows"]
    rows = {}
    for label, rn in (("row_1", 1), ("row_1000", 1000), ("row_last", n)):
        rec = q1(con, f"""SELECT InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice,
                                 CustomerID, Country, kind, customer, amount_f, amount_d
                          FROM {v} WHERE rn = ?""", [rn])
        raw = dict(zip(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                        "UnitPrice", "CustomerID", "Country"],
                       [("" if x is None else x) for x in rec[:8]]))
        rows[label] = {"data_row": rn, "raw": raw, "kind": rec[8], "customer_id": rec[9],
                       "line_amount_double": fnum(rec[10]), "line_amount_exact_decimal": dec(rec[11])}
    out["rows_by_position"] = rows
    return out


def online_retail_python_check(path, ref):
    """Independent pass with the csv module; raises on any difference from the DuckDB result."""
    D = decimal.Decimal
    n = 0
    kinds = {"sale": [0, D(0), 0], "cancellation": [0, D(0), 0], "adjustment": [0, D(0), 0]}
    total = D(0)
    seq = 0.0
    picks = {}
    want = {1, 1000, ref["rows"]}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        for row in rd:
            n += 1
            inv, _sc, _desc, qty, _dt, price, _cust, _ctry = row
            qi = int(qty)
            if inv.startswith("C"):
                k = "cancellation"
            elif inv.startswith("A") or qi < 0 or qi * D(price) == 0:
                k = "adjustment"
            else:
                k = "sale"
            amt = qi * D(price)
            kinds[k][0] += 1
            kinds[k][1] += amt
            kinds[k][2] += qi
            total += amt
            seq += qi * float(price)
            if n in want:
                picks[n] = dict(zip(header, row))
    assert n == ref["rows"], (n, ref["rows"])
    assert format(total.quantize(D("0.000001")), "f") == ref["sum_line_amount"]["exact_decimal"], total
    assert seq == ref["sum_line_amount"]["double"]["value"], (seq, ref["sum_line_amount"])
    for k, (cnt, s, sq) in kinds.items():
        r = ref["by_kind"][k]
        assert cnt == r["rows"] and sq == r["sum_quantity"], (k, cnt, sq, r)
        assert format(s.quantize(D("0.000001")), "f") == r["sum_line_amount_exact_decimal"], (k, s, r)
    for label, r in ref["rows_by_position"].items():
        assert picks[r["data_row"]] == r["raw"], (label, picks[r["data_row"]], r["raw"])
    return {"tool": "python csv module + decimal", "rows": n, "agrees": True,
            "sequential_double_sum_equals_duckdb_threads1_sum": True}


# --------------------------------------------------------------------------- Superstore

def superstore(con, tmpdir):
    raw = open(SUPERSTORE_CSV, "rb").read()
    gz = gzip.open(SUPERSTORE_GZ, "rb").read()
    identical = raw == gz
    assert identical, "superstore.csv.gz does not decompress to Superstore.csv"

    try:
        con.execute(f"SELECT count(*) FROM read_csv({sql_str(SUPERSTORE_CSV)}, {CSV_OPTS}, encoding='latin-1')").fetchall()
        latin1 = "DuckDB accepted encoding='latin-1' (not used: Latin-1 maps 0x93/0x94 to C1 controls)"
    except duckdb.Error as e:
        latin1 = "DuckDB rejected encoding='latin-1': " + str(e).splitlines()[0]

    text = raw.decode("cp1252")  # strict: raises if a byte is undefined in cp1252
    utf8 = os.path.join(tmpdir, "superstore_utf8.csv")
    with open(SUPERSTORE_CSV, encoding="cp1252", newline="") as fi, \
            open(utf8, "w", encoding="utf-8", newline="") as fo:
        fo.write(fi.read())
    con.execute(f"CREATE TABLE ss AS SELECT * FROM read_csv({sql_str(utf8)}, {CSV_OPTS})")

    bad = q1(con, """SELECT
        count(*) FILTER (WHERE NOT regexp_full_match("Row ID", '[0-9]+')),
        count(*) FILTER (WHERE NOT regexp_full_match(Quantity, '-?[0-9]+')),
        count(*) FILTER (WHERE NOT regexp_full_match(Sales, '-?[0-9]+(\\.[0-9]{1,6})?')),
        count(*) FILTER (WHERE NOT regexp_full_match(Profit, '-?[0-9]+(\\.[0-9]{1,6})?')),
        count(*) FILTER (WHERE NOT regexp_full_match(Discount, '-?[0-9]+(\\.[0-9]{1,6})?')),
        count(*) FILTER (WHERE NOT regexp_full_match("Order Date", '[0-9]{2}-[0-9]{2}-[0-9]{4}')
                            OR try_strptime("Order Date", '%m-%d-%Y') IS NULL),
        count(*) FILTER (WHERE NOT regexp_full_match("Ship Date", '[0-9]{2}-[0-9]{2}-[0-9]{4}')
                            OR try_strptime("Ship Date", '%m-%d-%Y') IS NULL)
        FROM ss""")
    assert bad == (0, 0, 0, 0, 0, 0, 0), f"unexpected values in Superstore: {bad}"

    con.execute("""CREATE VIEW ss_v AS SELECT *,
        CAST("Row ID" AS INTEGER) AS row_id,
        CAST(Quantity AS BIGINT) AS qty,
        CAST(Sales AS DOUBLE) AS sales_f, CAST(Sales AS DECIMAL(18,6)) AS sales_d,
        CAST(Profit AS DOUBLE) AS profit_f, CAST(Profit AS DECIMAL(18,6)) AS profit_d,
        CAST(Discount AS DOUBLE) AS discount_f, CAST(Discount AS DECIMAL(18,6)) AS discount_d,
        CAST(strptime("Order Date", '%m-%d-%Y') AS DATE) AS order_date,
        CAST(strptime("Ship Date", '%m-%d-%Y') AS DATE) AS ship_date,
        CASE WHEN CAST(Quantity AS BIGINT) < 0 THEN 'cancellation' ELSE 'sale' END AS kind
        FROM ss""")

    out = {"path": SUPERSTORE_CSV, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw),
           "crlf_line_ends": raw.count(b"\r\n"), "bare_lf": raw.count(b"\n") - raw.count(b"\r\n"),
           "gz_path": SUPERSTORE_GZ, "gz_sha256": sha256_file(SUPERSTORE_GZ),
           "gz_decompresses_byte_identical": identical,
           "cp1252_bytes_0x93_0x94": [raw.count(b"\x93"), raw.count(b"\x94")],
           "duckdb_latin1_attempt": latin1,
           "read_via": "Python cp1252 -> UTF-8 temp file, then DuckDB read_csv(all_varchar=true)"}
    del text

    r = q1(con, """SELECT count(*),
        sum(sales_f), sum(sales_d), sum(profit_f), sum(profit_d), sum(qty), sum(discount_f), sum(discount_d),
        count(DISTINCT "Order ID"), count(DISTINCT "Customer ID"), count(DISTINCT "Product ID"),
        count(DISTINCT "Product Name"),
        CAST(min(order_date) AS VARCHAR), CAST(max(order_date) AS VARCHAR),
        CAST(min(ship_date) AS VARCHAR), CAST(max(ship_date) AS VARCHAR),
        count(*) FILTER (WHERE contains("Product Name", '\u201d')),
        count(DISTINCT "Product Name") FILTER (WHERE contains("Product Name", '\u201d')),
        count(*) FILTER (WHERE contains("Product Name", '\u00a0')),
        count(DISTINCT "Product Name") FILTER (WHERE contains("Product Name", '\u00a0')),
        count(*) FILTER (WHERE strlen("Customer Name") <> length("Customer Name")),
        count(DISTINCT "Customer Name") FILTER (WHERE strlen("Customer Name") <> length("Customer Name")),
        count(*) FILTER (WHERE strlen("Product Name") <> length("Product Name")),
        fsum(sales_f), fsum(profit_f), min(row_id), max(row_id), count(DISTINCT row_id),
        count(DISTINCT "Customer Name")
        FROM ss_v""")
    out["rows"] = r[0]
    out["sum_sales"] = {"double": fnum(r[1]), "double_kahan_fsum": fnum(r[23]), "exact_decimal": dec(r[2])}
    out["sum_profit"] = {"double": fnum(r[3]), "double_kahan_fsum": fnum(r[24]), "exact_decimal": dec(r[4])}
    out["sum_quantity"] = int(r[5])
    out["sum_discount"] = {"double": fnum(r[6]), "exact_decimal": dec(r[7])}
    out["distinct_order_ids"], out["distinct_customer_ids"], out["distinct_product_ids"], \
        out["distinct_product_names"] = r[8:12]
    out["distinct_customer_names"] = r[28]
    out["min_order_date"], out["max_order_date"], out["min_ship_date"], out["max_ship_date"] = r[12:16]
    out["product_name_with_u201d"] = {"rows": r[16], "distinct_names": r[17]}
    out["product_name_with_u00a0"] = {"rows": r[18], "distinct_names": r[19]}
    out["customer_name_non_ascii"] = {"rows": r[20], "distinct_names": r[21]}
    out["product_name_non_ascii_rows"] = r[22]
    out["row_id_range"] = [r[25], r[26]]
    out["row_id_distinct"] = r[27]

    out["by_kind"] = {k: {"rows": n, "sum_sales_double": fnum(sf), "sum_sales_exact_decimal": dec(sd),
                          "sum_quantity": int(sq)}
                      for k, n, sf, sd, sq in q(con, """SELECT kind, count(*), sum(sales_f), sum(sales_d), sum(qty)
                                                        FROM ss_v GROUP BY kind ORDER BY kind""")}
    out["by_kind"].setdefault("cancellation", {"rows": 0})
    out["rows_by_region"] = {k: n for k, n in q(con, "SELECT Region, count(*) FROM ss GROUP BY 1 ORDER BY 1")}
    out["sum_sales_by_category"] = {
        k: {"double": fnum(sf), "exact_decimal": dec(sd)}
        for k, sf, sd in q(con, "SELECT Category, sum(sales_f), sum(sales_d) FROM ss_v GROUP BY 1 ORDER BY 1")}

    rid1 = q1(con, 'SELECT "Product Name" FROM ss_v WHERE row_id = 1')
    out["row_id_1_product_name"] = rid1[0]
    first_q = q1(con, """SELECT row_id, "Product Name" FROM ss_v WHERE contains("Product Name", '\u201d')
                         ORDER BY row_id LIMIT 1""")
    out["first_product_name_with_u201d"] = {"row_id": first_q[0], "product_name": first_q[1],
                                            "escaped": first_q[1].encode("unicode_escape").decode("ascii")}
    first_nb = q1(con, """SELECT row_id, "Product Name" FROM ss_v WHERE contains("Product Name", '\u00a0')
                          ORDER BY row_id LIMIT 1""")
    out["first_product_name_with_u00a0"] = {"row_id": first_nb[0], "product_name": first_nb[1],
                                            "escaped": first_nb[1].encode("unicode_escape").decode("ascii")}
    first_o = q1(con, """SELECT row_id, "Customer Name" FROM ss_v WHERE contains("Customer Name", 'ö')
                         ORDER BY row_id LIMIT 1""")
    out["first_customer_name_with_o_umlaut"] = {"row_id": first_o[0], "customer_name": first_o[1]}
    first_row = q(con, 'SELECT * EXCLUDE (rowid) FROM (SELECT rowid, * FROM ss) WHERE rowid = 0')
    out["row_1_raw"] = dict(zip([c[0] for c in q(con, "DESCRIBE ss")], first_row[0]))

    # independent pass
    D = decimal.Decimal
    with open(SUPERSTORE_CSV, encoding="cp1252", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == out["rows"]
    assert format(sum(D(x["Sales"]) for x in rows).quantize(D("0.000001")), "f") == out["sum_sales"]["exact_decimal"]
    assert format(sum(D(x["Profit"]) for x in rows).quantize(D("0.000001")), "f") == out["sum_profit"]["exact_decimal"]
    seq = 0.0
    for x in rows:
        seq += float(x["Sales"])
    assert seq == out["sum_sales"]["double"]["value"], (seq, out["sum_sales"])
    assert len({x["Order ID"] for x in rows}) == out["distinct_order_ids"]
    assert sum("\u201d" in x["Product Name"] for x in rows) == out["product_name_with_u201d"]["rows"]
    assert sum("\u00a0" in x["Product Name"] for x in rows) == out["product_name_with_u00a0"]["rows"]
    out["crosscheck"] = {"tool": "python csv module (cp1252) + decimal", "agrees": True}
    return out


def main():
    con = duckdb.connect()
    con.execute("SET threads=1")  # deterministic, file-order DOUBLE sums
    con.execute("SET preserve_insertion_order=true")
    result = {
        "generated_by": "crates/retail-ingest/tests/reference/compute_reference.py",
        "tools": {"duckdb": duckdb.__version__, "python": platform.python_version()},
        "conventions": {
            "floats": "JSON number = Python repr (shortest round-trip f64); g17 = '%.17g'",
            "double_sums": "DuckDB SUM(DOUBLE) with threads=1, i.e. sequential left fold in file order",
            "exact_sums": "SUM over DECIMAL(18,6) inputs as DECIMAL(38,6), printed as a decimal string",
            "online_retail_line_kind": "InvoiceNo 'C..' -> cancellation; else 'A..' -> adjustment; "
                                       "else Quantity < 0 -> adjustment; else amount 0 (free line) -> adjustment; else sale",
            "online_retail_customer_id": "'17850.0' -> '17850'; empty -> NULL",
            "superstore_line_kind": "sale unless Quantity < 0 (cancellation)",
            "row_positions": "1-based data rows (header excluded) in file order",
        },
    }
    full = online_retail(con, ONLINE_RETAIL_FULL, "orf")
    log("cross-checking full file with the csv module")
    full["crosscheck"] = online_retail_python_check(ONLINE_RETAIL_FULL, full)
    sample = online_retail(con, ONLINE_RETAIL_SAMPLE, "ors")
    sample["crosscheck"] = online_retail_python_check(ONLINE_RETAIL_SAMPLE, sample)
    # The sample should be a subset (as a multiset of rows) of the full file.
    not_in_full = q1(con, "SELECT count(*) FROM (SELECT * FROM ors EXCEPT ALL SELECT * FROM orf)")[0]
    sample["rows_not_in_full_file"] = not_in_full
    result["online_retail_full"] = full
    result["online_retail_sample"] = sample
    with tempfile.TemporaryDirectory() as tmp:
        log("superstore")
        result["superstore"] = superstore(con, tmp)
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
