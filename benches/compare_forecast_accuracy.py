#!/usr/bin/env python3
"""Forecast accuracy on real retail hold-outs: ours (`retail forecast`) vs statsforecast and
R forecast, side by side in one run.

Usage (from the workspace root; a Python with pandas, pyarrow and statsforecast 2.1.1, e.g.
/tmp/venv-theta; Rscript with the R package forecast; ours needs target/debug/retail):

    /tmp/venv-theta/bin/python benches/compare_forecast_accuracy.py \\
        --json /work/notes/accuracy.json --out /work/notes/accuracy_peers.md     # peers + ours
    /tmp/venv-theta/bin/python benches/compare_forecast_accuracy.py --only peers \\
        --json /work/notes/accuracy.json                                          # peers only
    /tmp/venv-theta/bin/python benches/compare_forecast_accuracy.py --only ours \\
        --peers-from /work/notes/accuracy.json --json /tmp/acc.json               # re-run ours,
                                                    # peers' forecasts read back from the JSON
    ... --ours-models auto,theta --retail target/release/retail --jobs 2 --workdir /tmp/acc

Options: --data DIR (default: $RETAIL_SHARED_DATA, else ../shared/data next to the repo
root), --workdir DIR (where the training CSVs go; default a fresh temp directory),
--json OUT (every per-series number), --out MD (the Markdown tables, also printed),
--only ours|peers (default both), --peers-from JSON (reuse the peers' forecasts of an
earlier --json; the series rebuilt now must equal the ones stored there), --retail PATH
(default target/debug/retail), --ours-models LIST (default
auto,ets,arima,theta,autotheta,croston-opt,imapa,naive,snaive), --jobs N (ours' processes
at once, default 2), --rscript PATH.

Series (built here with pandas from the shared data, PROVENANCE.md in each folder):

* Online Retail (UCI, 541,909 lines, online_retail.parquet; the .csv.gz is read when the
  Parquet copy is absent): weekly revenue sum(Quantity * UnitPrice) of completed sales
  (Quantity > 0, UnitPrice > 0, InvoiceNo not starting with 'C') per ISO week (Monday
  start). The first week is dropped when the data's first line is later than its Monday, the
  last when the data's last line is earlier than its Sunday (2010-12-01 is a Wednesday,
  2011-12-09 a Friday: both dropped, leaving 52 weeks 2010-12-06 .. 2011-11-28, among them
  2010-12-27 with no sales at all). Weeks without sales are 0. Groups: `weekly-country`: the
  10 countries with the largest completed revenue in those 52 weeks, plus the `total`
  (11 series); `weekly-product`: the 30 StockCodes with the largest completed revenue in
  those weeks among merchandise (not POST, DOT, M, C2, BANK CHARGES, AMAZONFEE, CRUK, D, S,
  B, PADS, m, and starting with a digit). Ranking over the kept weeks rather than the whole
  file matters once: 23843's only sale (168,469.60, cancelled) is in the dropped last week. Hold-out: the last 8 weeks (44 training weeks), season length
  m = 52 for the models (as a user would pass it), 1 for the metrics' scale.
* Superstore (Tableau sample, cp1252): monthly Sales by Order Date month (2014-01 ..
  2017-12) per Category (3), Sub-Category (17), Region (4) and the total: group
  `monthly-superstore` (25 series). Months without sales are 0. Hold-out: the last 12
  months (36 training months), m = 12.

The training part of each series is written as `<workdir>/<group>/<key>.csv` (`date,value`,
ISO period start); the hold-out stays in memory (and in the JSON). Every tool sees exactly
those files' values.

Methods:

* statsforecast (`sf:`), in-process, one thread: `Model(...).forecast(y=train, h=H,
  level=[80, 95])` for AutoETS, AutoARIMA, AutoTheta, Theta (Standard Theta Method), Naive,
  SeasonalNaive (season_length 52 weekly / 12 monthly); CrostonOptimized, CrostonSBA,
  TSB(alpha_d=0.1, alpha_p=0.1), ADIDA, IMAPA take no season and give intervals only when
  built with conformal `prediction_intervals`, so they are called as `forecast(y, h)` (points
  only). A model that raises or returns non-finite values on a series is a failure: it is
  recorded and the statsforecast Naive forecast (with its intervals) is used in its place
  (column "subst"). SeasonalNaive with m = 52 on 44 weeks returns NaN (statsforecast warns):
  every weekly series is such a substitution. `sf:Ensemble-mean` / `sf:Ensemble-median`:
  the mean / median of AutoETS, AutoARIMA and AutoTheta's point forecasts (the M4-style
  combination of statsforecast's experiments; points only, after substitution).
* R forecast (`R:`): thetaf(y, h, level = c(80, 95)), forecast(ets(y), h, level),
  forecast(auto.arima(y), h, level) with y = ts(train, frequency = m); one Rscript call per
  group reads that group's CSVs and writes one JSON. (With frequency 52 and 44 points, ets,
  auto.arima and thetaf fit non-seasonal models; R's warnings, if any, are kept in the
  JSON.) Failures: as for statsforecast.
* ours (`ours:`): `retail forecast --series FILE --horizon H --model MODEL --level 80,95
  --season-length M --format json --quiet` per series and model, at most --jobs at once. A
  non-zero exit is a failure (error text kept, no forecast, the series is left out of that
  method's means: compare "n"); a forecast the CLI itself replaced by the naive method
  (its `fallback` field) is used and counted in "fallback".

Metrics (per series; e = y - forecast over the hold-out, y_1..y_n the training values):

* MASE = mean|e| / mean_{t>m}|y_t - y_{t-m}|: the hold-out MAE relative to the in-sample
  MAE of the naive forecast with lag m; m = 1 weekly (44 training weeks hold no 52-week
  lag worth a scale), m = 12 monthly. < 1: better than that in-sample naive.
* RMSSE = sqrt(mean e^2 / mean_{t>m}(y_t - y_{t-m})^2), the squared-error analogue.
* cov80 / cov95: the share of hold-out points inside the 80 % / 95 % interval (bounds
  inclusive), pooled over the group's series; the nominal values are 0.80 and 0.95. Only
  methods with intervals.
Per group (weekly-country, weekly-product, monthly-superstore, all): mean and median MASE,
mean RMSSE, coverage, number of series with a forecast (n), failures and fallbacks. Bold:
the best value of each column among the methods with their own forecast on every series of
the group (no failure, no Naive substitution, no fallback of ours; lowest MASE/RMSSE,
coverage nearest the nominal level); the method name is bold for the best mean MASE.

Versions measured with (recorded again in every JSON): Python 3.11.7, statsforecast 2.1.1,
numpy 2.4.6, pandas 2.3.3; R 4.2.2 Patched (2022-11-10 r83330), forecast 8.20; ours:
`retail --version` and the workspace's git commit.
"""

import argparse
import concurrent.futures
import datetime
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEEKLY_H, MONTHLY_H = 8, 12
NON_MERCHANDISE = {"POST", "DOT", "M", "C2", "BANK CHARGES", "AMAZONFEE", "CRUK", "D", "S", "B",
                   "PADS", "m"}
GROUPS = ["weekly-country", "weekly-product", "monthly-superstore"]
DEFAULT_OURS = "auto,ets,arima,theta,autotheta,croston-opt,imapa,naive,snaive"

# statsforecast: (name, class, kwargs(m), intervals?)
SF_MODELS = [
    ("AutoETS", "AutoETS", lambda m: {"season_length": m}, True),
    ("AutoARIMA", "AutoARIMA", lambda m: {"season_length": m}, True),
    ("AutoTheta", "AutoTheta", lambda m: {"season_length": m}, True),
    ("Theta", "Theta", lambda m: {"season_length": m}, True),
    ("CrostonOptimized", "CrostonOptimized", lambda m: {}, False),
    ("CrostonSBA", "CrostonSBA", lambda m: {}, False),
    ("TSB", "TSB", lambda m: {"alpha_d": 0.1, "alpha_p": 0.1}, False),
    ("ADIDA", "ADIDA", lambda m: {}, False),
    ("IMAPA", "IMAPA", lambda m: {}, False),
    ("Naive", "Naive", lambda m: {}, True),
    ("SeasonalNaive", "SeasonalNaive", lambda m: {"season_length": m}, True),
]
ENSEMBLE = ["AutoETS", "AutoARIMA", "AutoTheta"]
R_METHODS = ["thetaf", "ets", "auto.arima"]


# ----------------------------------------------------------------------------- series

def slug(name):
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-.")
    return s or "x"


def read_online_retail(data_dir):
    base = os.path.join(data_dir, "online_retail")
    pq = os.path.join(base, "online_retail.parquet")
    cols = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "Country"]
    if os.path.exists(pq):
        df = pd.read_parquet(pq, columns=cols)
        source = pq
    else:
        source = os.path.join(base, "online_retail.csv.gz")
        df = pd.read_csv(source, usecols=cols, dtype={"InvoiceNo": str, "StockCode": str})
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"])
    return df, source


def weekly_series(data_dir):
    df, source = read_online_retail(data_dir)
    first, last = df["InvoiceDate"].min(), df["InvoiceDate"].max()
    week_of = lambda ts: (ts.normalize() - pd.Timedelta(days=ts.weekday()))  # noqa: E731
    start, end = week_of(first), week_of(last)
    if first.normalize() > start:  # starts after its Monday: partial first week
        start += pd.Timedelta(days=7)
    if last.weekday() != 6:  # ends before its Sunday: partial last week
        end -= pd.Timedelta(days=7)
    weeks = pd.date_range(start, end, freq="7D")
    ok = (df["Quantity"] > 0) & (df["UnitPrice"] > 0) & ~df["InvoiceNo"].astype(str).str.startswith("C")
    d = df[ok].copy()
    d["revenue"] = d["Quantity"] * d["UnitPrice"]
    d["week"] = d["InvoiceDate"].dt.normalize() - pd.to_timedelta(d["InvoiceDate"].dt.weekday, unit="D")
    # Ranked over the kept weeks (the series' span): over the whole file, StockCode 23843
    # (one 168,469.60 order on 2011-12-09, in the dropped partial week, cancelled the same
    # day) would rank 2nd and give a series of zeros.
    d = d[(d["week"] >= weeks[0]) & (d["week"] <= weeks[-1])]
    top_countries = d.groupby("Country")["revenue"].sum().sort_values(ascending=False).head(10)
    code = d["StockCode"].astype(str)
    merch = d[~code.isin(NON_MERCHANDISE) & code.str.match(r"^[0-9]")]
    top_products = merch.groupby("StockCode")["revenue"].sum().sort_values(ascending=False).head(30)

    def series(frame):
        return frame.groupby("week")["revenue"].sum().reindex(weeks, fill_value=0.0)

    out = []
    for country in top_countries.index:
        out.append(("weekly-country", slug(country), f"country {country}", series(d[d["Country"] == country])))
    out.append(("weekly-country", "total", "Online Retail total", series(d)))
    for sc in top_products.index:
        out.append(("weekly-product", slug(sc), f"StockCode {sc}", series(d[d["StockCode"] == sc])))
    info = {"source": source, "first_line": str(first), "last_line": str(last),
            "weeks": [str(weeks[0].date()), str(weeks[-1].date())], "n_weeks": len(weeks),
            "top_countries": [str(c) for c in top_countries.index],
            "top_products": [str(c) for c in top_products.index]}
    return out, info


def monthly_series(data_dir):
    path = os.path.join(data_dir, "superstore", "Superstore.csv")
    s = pd.read_csv(path, encoding="cp1252", usecols=["Order Date", "Category", "Sub-Category", "Region", "Sales"])
    s["month"] = pd.to_datetime(s["Order Date"], format="%m-%d-%Y").dt.to_period("M").dt.start_time
    months = pd.date_range(s["month"].min(), s["month"].max(), freq="MS")

    def series(frame):
        return frame.groupby("month")["Sales"].sum().reindex(months, fill_value=0.0)

    out = []
    for col, prefix in (("Category", "category"), ("Sub-Category", "subcategory"), ("Region", "region")):
        for value in sorted(s[col].unique()):
            out.append(("monthly-superstore", f"{prefix}-{slug(value)}", f"{col} {value}", series(s[s[col] == value])))
    out.append(("monthly-superstore", "total", "Superstore total", series(s)))
    info = {"source": path, "months": [str(months[0].date()), str(months[-1].date())], "n_months": len(months)}
    return out, info


def build_series(data_dir):
    weekly, winfo = weekly_series(data_dir)
    monthly, minfo = monthly_series(data_dir)
    result = []
    for group, key, name, s in weekly + monthly:
        weekly_group = group.startswith("weekly")
        h = WEEKLY_H if weekly_group else MONTHLY_H
        values = s.to_numpy(dtype=float)
        dates = [str(x.date()) for x in s.index]
        result.append({
            "id": f"{group}/{key}", "group": group, "key": key, "name": name,
            "freq": "week" if weekly_group else "month",
            "season_length": 52 if weekly_group else 12,  # what the models are given
            "scale_lag": 1 if weekly_group else 12,        # the metrics' naive lag
            "h": h,
            "train_dates": dates[:-h], "train": values[:-h].tolist(),
            "test_dates": dates[-h:], "test": values[-h:].tolist(),
        })
    ids = [x["id"] for x in result]
    assert len(set(ids)) == len(ids), "series keys collide"
    return result, {"online_retail": winfo, "superstore": minfo}


def write_series(series, workdir):
    for s in series:
        folder = os.path.join(workdir, s["group"])
        os.makedirs(folder, exist_ok=True)
        s["path"] = os.path.join(folder, s["key"] + ".csv")
        with open(s["path"], "w") as f:
            f.write("date,value\n")
            for d, v in zip(s["train_dates"], s["train"]):
                f.write(f"{d},{v!r}\n")


# ----------------------------------------------------------------------------- peers

def clean(x):
    return [float(v) for v in np.asarray(x, dtype=float)]


def finite_forecast(fc, h):
    if fc is None or len(fc["mean"]) != h or not all(math.isfinite(v) for v in fc["mean"]):
        return False
    for k in ("lo80", "hi80", "lo95", "hi95"):
        if fc.get(k) is not None and (len(fc[k]) != h or not all(math.isfinite(v) for v in fc[k])):
            return False
    return True


def sf_naive(y, h):
    from statsforecast.models import Naive
    r = Naive().forecast(y=np.asarray(y, dtype=float), h=h, level=[80, 95])
    return {"mean": clean(r["mean"]), "lo80": clean(r["lo-80"]), "hi80": clean(r["hi-80"]),
            "lo95": clean(r["lo-95"]), "hi95": clean(r["hi-95"])}


def run_statsforecast(series, log):
    import statsforecast.models as sfm
    methods = {f"sf:{name}": {} for name, *_ in SF_MODELS}
    methods["sf:Ensemble-mean"], methods["sf:Ensemble-median"] = {}, {}
    for name, cls, kwargs, intervals in SF_MODELS:
        t_method = time.perf_counter()
        for s in series:
            y, h, m = np.asarray(s["train"], dtype=float), s["h"], s["season_length"]
            rec = {"status": "ok"}
            t0 = time.process_time()
            try:
                model = getattr(sfm, cls)(**kwargs(m))
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    r = model.forecast(y=y, h=h, level=[80, 95]) if intervals else model.forecast(y=y, h=h)
                fc = {"mean": clean(r["mean"])}
                if intervals:
                    fc.update(lo80=clean(r["lo-80"]), hi80=clean(r["hi-80"]),
                              lo95=clean(r["lo-95"]), hi95=clean(r["hi-95"]))
                if caught:
                    rec["warnings"] = sorted({str(w.message) for w in caught})
                if not finite_forecast(fc, h):
                    raise ValueError("non-finite or missing forecast values"
                                     + (f" ({'; '.join(rec['warnings'])})" if rec.get("warnings") else ""))
                rec["forecast"] = fc
            except Exception as e:  # noqa: BLE001 - any failure is recorded
                naive = sf_naive(y, h)
                rec.update(status="substituted", error=f"{type(e).__name__}: {e}",
                           forecast=naive if intervals else {"mean": naive["mean"]})
            rec["cpu_seconds"] = time.process_time() - t0
            methods[f"sf:{name}"][s["id"]] = rec
        log(f"  sf:{name}: {time.perf_counter() - t_method:.1f} s")
    for s in series:
        parts = [methods[f"sf:{n}"][s["id"]] for n in ENSEMBLE]
        stack = np.array([p["forecast"]["mean"] for p in parts])
        note = [f"{n} substituted by Naive" for n, p in zip(ENSEMBLE, parts) if p["status"] != "ok"]
        for label, fn in (("mean", np.mean), ("median", np.median)):
            rec = {"status": "ok", "forecast": {"mean": clean(fn(stack, axis=0))},
                   "cpu_seconds": sum(p["cpu_seconds"] for p in parts)}
            if note:
                rec["note"] = "; ".join(note)
            methods[f"sf:Ensemble-{label}"][s["id"]] = rec
    return methods


R_SCRIPT = r"""
suppressMessages({library(forecast); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
man <- read.csv(args[1], stringsAsFactors = FALSE)
methods <- c("thetaf", "ets", "auto.arima")
out <- list()
for (i in seq_len(nrow(man))) {
  d <- read.csv(man$path[i])
  y <- ts(d$value, frequency = man$m[i])
  h <- man$h[i]
  res <- list()
  for (meth in methods) {
    warns <- character(0)
    t0 <- proc.time()
    fc <- tryCatch(withCallingHandlers({
      if (meth == "thetaf") thetaf(y, h = h, level = c(80, 95))
      else if (meth == "ets") forecast(ets(y), h = h, level = c(80, 95))
      else forecast(auto.arima(y), h = h, level = c(80, 95))
    }, warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") }),
    error = function(e) e)
    secs <- (proc.time() - t0)[["elapsed"]]
    if (inherits(fc, "error")) {
      res[[meth]] <- list(status = "error", error = conditionMessage(fc), seconds = secs,
                          warnings = unique(warns))
    } else {
      res[[meth]] <- list(status = "ok", model = fc$method, seconds = secs,
                          warnings = unique(warns),
                          mean = as.numeric(fc$mean),
                          lo80 = as.numeric(fc$lower[, 1]), hi80 = as.numeric(fc$upper[, 1]),
                          lo95 = as.numeric(fc$lower[, 2]), hi95 = as.numeric(fc$upper[, 2]))
    }
  }
  out[[man$id[i]]] <- res
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"), args[2])
"""


def r_versions(rscript):
    expr = 'cat(R.version.string, "|", as.character(packageVersion("forecast")), "\\n")'
    p = subprocess.run([rscript, "-e", expr], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    r, fc = [x.strip() for x in p.stdout.strip().split("|")]
    return {"R": r, "forecast": fc}


def run_r(series, rscript, workdir, log):
    script = os.path.join(workdir, "r_forecast.R")
    with open(script, "w") as f:
        f.write(R_SCRIPT)
    methods = {f"R:{m}": {} for m in R_METHODS}
    for group in GROUPS:
        members = [s for s in series if s["group"] == group]
        if not members:
            continue
        manifest = os.path.join(workdir, group, "manifest.csv")
        pd.DataFrame({"id": [s["id"] for s in members], "path": [s["path"] for s in members],
                      "h": [s["h"] for s in members], "m": [s["season_length"] for s in members]}
                     ).to_csv(manifest, index=False)
        out_json = os.path.join(workdir, group, "r_forecasts.json")
        t0 = time.perf_counter()
        p = subprocess.run([rscript, script, manifest, out_json], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        log(f"  R {group}: {len(members)} series, {wall:.1f} s (one Rscript call)")
        if p.returncode != 0:
            raise RuntimeError(f"Rscript failed on {group}:\n{p.stderr}")
        with open(out_json) as f:
            got = json.load(f)
        for s in members:
            for meth in R_METHODS:
                r = got[s["id"]][meth]
                warns = r.get("warnings") or []
                rec = {"status": "ok", "seconds": r.get("seconds")}
                if isinstance(warns, str):
                    warns = [warns]
                if warns:
                    rec["warnings"] = warns
                fc = None
                if r["status"] == "ok":
                    fc = {k: clean(np.atleast_1d(np.asarray(r[k], dtype=float))) for k in ("mean", "lo80", "hi80", "lo95", "hi95")}
                    rec["model"] = r.get("model")
                if r["status"] != "ok" or not finite_forecast(fc, s["h"]):
                    rec.update(status="substituted", error=r.get("error", "non-finite forecast"))
                    fc = sf_naive(s["train"], s["h"])
                rec["forecast"] = fc
                methods[f"R:{meth}"][s["id"]] = rec
    return methods


# ----------------------------------------------------------------------------- ours

def run_ours_one(retail, s, model, retries=12):
    argv = [retail, "forecast", "--series", s["path"], "--horizon", str(s["h"]), "--model", model,
            "--level", "80,95", "--season-length", str(s["season_length"]), "--format", "json", "--quiet"]
    for attempt in range(retries):
        t0 = time.perf_counter()
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        except OSError as e:  # binary being replaced (ETXTBSY / ENOENT): wait and retry
            if attempt + 1 == retries:
                return {"status": "failed", "error": f"could not run {retail}: {e}"}
            time.sleep(5)
            continue
        except subprocess.TimeoutExpired:
            return {"status": "failed", "error": "timeout after 600 s"}
        wall = time.perf_counter() - t0
        if p.returncode < 0 and attempt + 1 < retries:  # killed by a signal (e.g. mid-rebuild)
            time.sleep(5)
            continue
        break
    rec = {"seconds": wall, "argv": " ".join(argv[1:])}
    if p.returncode != 0:
        rec.update(status="failed", error=(p.stderr.strip() or f"exit status {p.returncode}")[-2000:])
        return rec
    try:
        d = json.loads(p.stdout)
        one = d["series"][0]
        rows = one["forecast"]
        fc = {"mean": [float(r["forecast"]) for r in rows]}
        for lv in ("80", "95"):
            if f"lower_{lv}" in rows[0]:
                fc[f"lo{lv}"] = [float(r[f"lower_{lv}"]) for r in rows]
                fc[f"hi{lv}"] = [float(r[f"upper_{lv}"]) for r in rows]
        periods = [r["period"] for r in rows]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        rec.update(status="failed", error=f"unreadable JSON output: {e}: {p.stdout[:300]}")
        return rec
    if not finite_forecast(fc, s["h"]):
        rec.update(status="failed", error="non-finite or missing forecast values")
        return rec
    rec.update(status="fallback" if one.get("fallback") else "ok", model=one.get("model"), forecast=fc)
    if one.get("fallback"):
        rec["fallback"] = one["fallback"]
    if periods != s["test_dates"]:
        rec["period_mismatch"] = {"ours": periods, "holdout": s["test_dates"]}
    return rec


def run_ours(series, retail, models, jobs, log):
    methods = {f"ours:{m}": {} for m in models}
    tasks = [(m, s) for m in models for s in series]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_ours_one, retail, s, m): (m, s) for m, s in tasks}
        for fut in concurrent.futures.as_completed(futures):
            m, s = futures[fut]
            methods[f"ours:{m}"][s["id"]] = fut.result()
    for m in models:
        recs = methods[f"ours:{m}"].values()
        log(f"  ours:{m}: {sum(r.get('seconds', 0) for r in recs):.1f} s wall summed, "
            f"{sum(r['status'] == 'failed' for r in recs)} failed, {sum(r['status'] == 'fallback' for r in recs)} fallback")
    return methods


def ours_version(retail):
    info = {"binary": retail}
    try:
        p = subprocess.run([retail, "--version"], capture_output=True, text=True, timeout=60)
        info["version"] = p.stdout.strip()
        st = os.stat(retail)
        info["binary_mtime"] = datetime.datetime.fromtimestamp(st.st_mtime).isoformat(timespec="seconds")
    except OSError as e:
        info["error"] = str(e)
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        info["git"] = head + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        pass
    return info


# ----------------------------------------------------------------------------- metrics

def series_metrics(s, fc):
    y = np.asarray(s["train"], dtype=float)
    test = np.asarray(s["test"], dtype=float)
    lag = s["scale_lag"]
    diffs = y[lag:] - y[:-lag]
    scale_mae, scale_mse = float(np.mean(np.abs(diffs))), float(np.mean(diffs ** 2))
    e = test - np.asarray(fc["mean"], dtype=float)
    out = {"mae": float(np.mean(np.abs(e))), "rmse": float(np.sqrt(np.mean(e ** 2))),
           "mase": float(np.mean(np.abs(e)) / scale_mae) if scale_mae > 0 else None,
           "rmsse": float(np.sqrt(np.mean(e ** 2) / scale_mse)) if scale_mse > 0 else None}
    for lv in ("80", "95"):
        if fc.get(f"lo{lv}") is not None:
            lo, hi = np.asarray(fc[f"lo{lv}"]), np.asarray(fc[f"hi{lv}"])
            out[f"in{lv}"] = int(np.sum((test >= lo) & (test <= hi)))
            out["points"] = len(test)
    return out


def summarize(series, methods):
    """Per method: per-series metrics and per-group aggregates."""
    per_series, summary = {}, {}
    groups = GROUPS + ["all"]
    for name, recs in methods.items():
        per_series[name] = {}
        for s in series:
            rec = recs.get(s["id"])
            if rec and rec.get("forecast"):
                per_series[name][s["id"]] = series_metrics(s, rec["forecast"])
        summary[name] = {}
        for g in groups:
            members = [s for s in series if g == "all" or s["group"] == g]
            if not members:
                continue
            ms = [per_series[name][s["id"]] for s in members if s["id"] in per_series[name]]
            statuses = [(recs.get(s["id"]) or {}).get("status") for s in members]
            mase = [m["mase"] for m in ms if m["mase"] is not None]
            rmsse = [m["rmsse"] for m in ms if m["rmsse"] is not None]
            agg = {"series": len(members), "n": len(ms),
                   "failed": sum(st in ("failed", None) for st in statuses),
                   "substituted": sum(st == "substituted" for st in statuses),
                   "fallback": sum(st == "fallback" for st in statuses),
                   "mean_mase": float(np.mean(mase)) if mase else None,
                   "median_mase": float(np.median(mase)) if mase else None,
                   "mean_rmsse": float(np.mean(rmsse)) if rmsse else None}
            for lv in ("80", "95"):
                withi = [m for m in ms if f"in{lv}" in m]
                agg[f"cov{lv}"] = (sum(m[f"in{lv}"] for m in withi) / sum(m["points"] for m in withi)) if withi else None
            summary[name][g] = agg
    return per_series, summary


def fmt(x, digits=3):
    return "–" if x is None else f"{x:.{digits}f}"


def best_of(rows, key, target=None):
    vals = [(r[key] if target is None else abs(r[key] - target)) for r in rows if r[key] is not None]
    return min(vals) if vals else None


def markdown(series, summary, methods_order, meta):
    lines = []
    groups = [g for g in GROUPS + ["all"] if any(g == "all" or s["group"] == g for s in series)]
    counts = {g: sum(1 for s in series if g == "all" or s["group"] == g) for g in groups}
    lines.append("## Summary: mean / median MASE per group (lower is better; bold = best among methods "
                 "with their own forecast on every series: no failure, substitution or fallback)\n")
    head = "| method | " + " | ".join(f"{g} ({counts[g]}) mean / median" for g in groups) + " | all cov80 | all cov95 |"
    lines += [head, "|---|" + "---:|" * (len(groups) + 2)]
    best = {}

    def eligible(a, g):
        return a["n"] == counts[g] and a["substituted"] == a["failed"] == a["fallback"] == 0

    for g in groups:
        complete = [summary[m][g] for m in methods_order if eligible(summary[m][g], g)]
        best[g] = {k: best_of(complete, k) for k in ("mean_mase", "median_mase", "mean_rmsse")}
        best[g]["cov80"] = best_of(complete, "cov80", 0.80)
        best[g]["cov95"] = best_of(complete, "cov95", 0.95)

    def cell(g, m, key, target=None):
        a = summary[m][g]
        v = a[key]
        text = fmt(v)
        if v is not None and eligible(a, g) and best[g][key] is not None:
            d = v if target is None else abs(v - target)
            if abs(d - best[g][key]) < 1e-12:
                text = f"**{text}**"
        return text

    for m in methods_order:
        cells = []
        for g in groups:
            a = summary[m][g]
            c = f"{cell(g, m, 'mean_mase')} / {cell(g, m, 'median_mase')}"
            if a["n"] < counts[g]:
                c += f" (n={a['n']})"
            cells.append(c)
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {cell('all', m, 'cov80', 0.80)} | {cell('all', m, 'cov95', 0.95)} |")
    lines.append("")
    for g in groups:
        lines.append(f"## {g}: {counts[g]} series\n")
        lines.append("| method | n | failed | subst. by Naive | fallback | mean MASE | median MASE | mean RMSSE | cov80 | cov95 |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        winner = best[g]["mean_mase"]
        for m in methods_order:
            a = summary[m][g]
            name = m
            if winner is not None and a["mean_mase"] is not None and eligible(a, g) and abs(a["mean_mase"] - winner) < 1e-12:
                name = f"**{m}**"
            lines.append(f"| {name} | {a['n']} | {a['failed']} | {a['substituted']} | {a['fallback']} | "
                         f"{cell(g, m, 'mean_mase')} | {cell(g, m, 'median_mase')} | {cell(g, m, 'mean_rmsse')} | "
                         f"{cell(g, m, 'cov80', 0.80)} | {cell(g, m, 'cov95', 0.95)} |")
        lines.append("")
    lines.append("n: series with a forecast; failed: ours exited non-zero (no forecast, left out of the means); "
                 "subst. by Naive: the peer raised or returned non-finite values, its statsforecast Naive "
                 "forecast is scored instead; fallback: ours replaced the model by the naive method itself "
                 "(its JSON `fallback`). cov: share of hold-out points inside the interval, pooled; "
                 "– = no intervals. Weekly: h = 8, MASE/RMSSE scale = in-sample lag-1 naive; monthly: h = 12, lag 12.\n")
    lines.append("Versions: " + "; ".join(f"{k}: {v}" for k, v in meta["versions"].items()) + "\n")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main

def default_data_dir():
    env = os.environ.get("RETAIL_SHARED_DATA")
    return env if env else os.path.normpath(os.path.join(REPO, "..", "shared", "data"))


def same_series(a, b):
    return (a["train_dates"] == b["train_dates"] and a["test_dates"] == b["test_dates"]
            and np.allclose(a["train"], b["train"], rtol=1e-12, atol=1e-9)
            and np.allclose(a["test"], b["test"], rtol=1e-12, atol=1e-9))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--json", dest="json_out", default=None)
    ap.add_argument("--out", default=None, help="write the Markdown tables here too")
    ap.add_argument("--only", choices=["ours", "peers"], default=None)
    ap.add_argument("--peers-from", default=None)
    ap.add_argument("--retail", default=os.path.join(REPO, "target", "debug", "retail"))
    ap.add_argument("--ours-models", default=DEFAULT_OURS)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rscript", default=shutil.which("Rscript") or "Rscript")
    args = ap.parse_args()

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    t_start = time.perf_counter()
    workdir = args.workdir or tempfile.mkdtemp(prefix="retail-accuracy-")
    os.makedirs(workdir, exist_ok=True)
    series, data_info = build_series(args.data)
    write_series(series, workdir)
    log(f"{len(series)} series written under {workdir}")

    import statsforecast
    versions = {"python": platform.python_version(), "statsforecast": statsforecast.__version__,
                "numpy": np.__version__, "pandas": pd.__version__}
    meta = {"created": datetime.datetime.now().isoformat(timespec="seconds"),
            "command": " ".join([sys.executable] + sys.argv),
            "data": os.path.abspath(args.data), "data_info": data_info, "workdir": workdir,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "versions": versions,
            "timings_seconds": {}}
    methods = {}
    tools = {}

    if args.peers_from is None and args.only != "ours":
        t0 = time.perf_counter()
        log("statsforecast ...")
        sf = run_statsforecast(series, log)
        meta["timings_seconds"]["statsforecast"] = time.perf_counter() - t0
        rv = r_versions(args.rscript)
        if rv is None:
            log("Rscript with forecast not available: R peers skipped")
        else:
            versions.update({"R": rv["R"], "R forecast": rv["forecast"]})
            t0 = time.perf_counter()
            log("R forecast ...")
            rr = run_r(series, args.rscript, workdir, log)
            meta["timings_seconds"]["R"] = time.perf_counter() - t0
            sf.update(rr)
        methods.update(sf)
        tools.update({k: "peer" for k in sf})
    elif args.peers_from:
        with open(args.peers_from) as f:
            old = json.load(f)
        stored = {s["id"]: s for s in old["series"]}
        for s in series:
            if s["id"] not in stored or not same_series(s, stored[s["id"]]):
                sys.exit(f"--peers-from {args.peers_from}: series {s['id']} differs from the one built now")
        for name, block in old["methods"].items():
            if block["tool"] == "peer":
                methods[name] = block["results"]
                tools[name] = "peer"
        for k in ("python", "statsforecast", "numpy", "pandas", "R", "R forecast"):
            if k in old["meta"]["versions"]:
                versions[f"peers' {k}" if k in ("python", "numpy", "pandas") else k] = old["meta"]["versions"][k]
        meta["peers_from"] = {"file": os.path.abspath(args.peers_from), "created": old["meta"].get("created"),
                              "timings_seconds": old["meta"].get("timings_seconds")}
        log(f"peers read from {args.peers_from} ({len(methods)} methods)")

    if args.only != "peers":
        if not os.path.exists(args.retail):
            log(f"{args.retail} does not exist: ours skipped")
        else:
            ov = ours_version(args.retail)
            meta["ours"] = ov
            versions["ours"] = f"{ov.get('version')} ({ov.get('git', '?')}, binary {ov.get('binary_mtime')})"
            models = [m.strip() for m in args.ours_models.split(",") if m.strip()]
            t0 = time.perf_counter()
            log(f"ours ({args.retail}, {args.jobs} at once) ...")
            ours = run_ours(series, args.retail, models, args.jobs, log)
            meta["timings_seconds"]["ours"] = time.perf_counter() - t0
            methods.update(ours)
            tools.update({k: "ours" for k in ours})

    order = [m for m in methods if tools[m] == "peer"] + [m for m in methods if tools[m] == "ours"]
    per_series, summary = summarize(series, methods)
    meta["timings_seconds"]["total"] = time.perf_counter() - t_start
    md = markdown(series, summary, order, meta)
    issues = {}  # (method, kind, message) -> series ids
    for m in order:
        for sid, rec in methods[m].items():
            if rec.get("status") in ("failed", "substituted", "fallback"):
                text = rec.get("error") or rec.get("fallback") or ""
                text = text.strip().splitlines()[-1] if text.strip() else ""
                issues.setdefault((m, rec["status"], text), []).append(sid)
            if rec.get("period_mismatch"):
                issues.setdefault((m, "period mismatch", "forecast periods differ from the hold-out dates"), []).append(sid)
        for sid in (s["id"] for s in series):
            if sid not in methods[m]:
                issues.setdefault((m, "missing", "no result"), []).append(sid)
    if issues:
        md += "\n## Failures, substitutions and fallbacks\n\n| method | what | series | message |\n|---|---|---|---|\n"
        for (m, kind, text), sids in issues.items():
            shown = ", ".join(sids[:6]) + (f", … ({len(sids)} in all)" if len(sids) > 6 else "")
            md += f"| {m} | {kind} | {shown} | {text.replace('|', '/')[:300]} |\n"
    unscored = [s["id"] for s in series if s["id"] in per_series.get(order[0], {}) and per_series[order[0]][s["id"]]["mase"] is None] if order else []
    if unscored:
        md += f"\nNo MASE/RMSSE (in-sample naive scale 0): {', '.join(unscored)}\n"
    md += f"\nRun: `{meta['command']}`, {meta['timings_seconds']['total']:.0f} s in all " \
          f"({', '.join(f'{k} {v:.0f} s' for k, v in meta['timings_seconds'].items() if k != 'total')}).\n"
    print(md)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(md)
    if args.json_out:
        doc = {"meta": meta,
               "series": [{k: v for k, v in s.items() if k != "path"} for s in series],
               "methods": {m: {"tool": tools[m], "results": methods[m]} for m in order},
               "metrics": per_series, "summary": summary}
        os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(doc, f, indent=1)
        log(f"JSON written to {args.json_out}")


if __name__ == "__main__":
    main()
