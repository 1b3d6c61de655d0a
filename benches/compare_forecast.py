#!/usr/bin/env python3
"""Side-by-side weekly forecasting benchmark: ours vs statsforecast, statsmodels and augurs, in one run.

Automatic ETS (non-seasonal and season 52) and automatic ARIMA (season 52) on the
deterministic synthetic weekly series of `retail_forecast::synthetic::weekly_series(count,
156, 2026)` (156 weeks, level, trend, yearly season with a pre-Christmas peak, AR(1) noise),
one series at a time on one core, after checking every tool's answers.

Usage (from the workspace root; the peers need a Python with statsforecast and statsmodels):

    /work/venv/bin/python benches/compare_forecast.py                    # full: ours on 1,000 series
    /work/venv/bin/python benches/compare_forecast.py --quick --out forecast.md
    /work/venv/bin/python benches/compare_forecast.py /tmp/weekly.csv --ets 50 --arima 5
    /work/venv/bin/python benches/compare_forecast.py --tasks ets1,ets52 --sm-ets 20

The positional CSV (optional) is where the series file is written (default: a temp file);
--ets / --arima are statsforecast's subset sizes, as in the first version of this script.

Tasks and tools (a peer never gets more series than ours on the same task; the peers get the
first N series of ours, so every peer's series is also one of ours):

* ets1    automatic ETS, season_length 1. ours: `AutoEts::new(1)`; statsforecast:
          `AutoETS(season_length=1)`; statsmodels: no automatic ETS, so the same candidates as
          ours (crates/retail-forecast/src/auto_ets.rs: errors A/M, trends N/A/Ad, no season; M
          only on positive data) are each fitted with `ETSModel(..., initialization_method=
          'estimated').fit(disp=False)` and the lowest AICc (R convention, below) is kept;
          augurs (Rust): `augurs_ets::AutoETS::non_seasonal()` (the same six candidates) in
          benches/augurs-peer, its own Cargo project (pinned augurs-ets 0.10.3), built by this
          script into target/augurs-peer (needs cargo and crates.io the first time; `--augurs
          0` skips it). augurs has no seasonal ETS and no ARIMA.
* ets52   the same with season_length 52 (ours' candidates then add seasons A and M, never A
          error with M season: 15 models; statsmodels' M-season recursion is Holt-Winters'
          component form, a different model from R's, ours' and statsforecast's).
* arima52 automatic ARIMA, season_length 52. ours: `AutoArima::new(52)` (Fourier route);
          statsforecast: `AutoARIMA(season_length=52)` (seasonal ARIMA); statsmodels: no
          automatic ARIMA, so `SARIMAX` is fitted with the order ours chose (the same Fourier
          regressors, intercept or drift; `simple_differencing=True`, the exact likelihood of
          the differenced series as R's `arima`): one fit per series, no search, so its rate
          is not like-for-like and no ratio is given.

Timing. ours: `examples/weekly_forecast --series N --seasonal-series N --arima-series N --write
CSV` (one thread) prints the seconds of each task measured in-process (fits only); that is wall
time of a single-threaded loop, and the whole process' CPU time (os.wait4) is reported next to
it as a cross-check. Peers: one child process per tool and task, BLAS/OpenMP/numba limited to
one thread, one warm-up fit outside the timing; `time.process_time()` around each fit (the
forecast is made after, untimed); augurs, like ours, times its single-threaded loop in-process
(`Instant` around each fit). Reported: series per CPU-second and ours / peer (> 1: ours
faster), the median CPU time per series, and each process' peak RSS.

Answer check (before any time is reported; exit code 2 "ABORTED: answers differ" otherwise):

* every tool returns a fitted model (ours: no naive fallback) and 12 finite point forecasts for
  every series it was given. The per-series answers of ours come from `retail forecast --series
  FILE --model ets|arima --season-length M --threads 1 --format json` (the same
  `AutoEts::new(m)` / `AutoArima::new(m)` as the example, which prints only model counts) on
  every series any peer was given; where that covers all of ours' timed series, the example's
  top-model counts must equal the CLI's.
* log-likelihoods are in one convention, R's (`forecast::ets`, `stats::arima`; see
  docs/forecast.md and crates/retail-forecast/tests/reference/README.md): ours' ETS loglik must
  equal an independent Python ETS recursion at ours' reported parameters; statsforecast's ETS
  loglik, augurs' and statsmodels' converted one (`llf + n/2 (log(2 pi / n) + 1)`) must equal
  the R formula on their own fitted values; for ARIMA, statsmodels' exact likelihood
  (`simple_differencing=True`, scale concentrated out) at ours' and at statsforecast's
  coefficients must equal their reported loglik. Tolerance 1e-5 * max(1, |loglik|).
* automatic choices may legitimately differ: the share of series on which two tools chose the
  same model is reported, not checked; so are the fixed-model log-likelihood gaps (ours minus
  statsmodels on ours' chosen model; ours minus statsforecast where both chose the same model)
  and the share of series where ours' AICc is at most statsforecast's.
"""

import argparse
import collections
import concurrent.futures
import csv
import datetime
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from harness import cpu_model, emit_report, log, mib, run_child

HORIZON = 12
LL_TOL = 1e-5
TASKS = {
    "ets1": {"label": "automatic ETS, non-seasonal", "m": 1, "ours_line": "auto ETS, non-seasonal",
             "cli_model": "ets"},
    "ets52": {"label": "automatic ETS, season 52", "m": 52, "ours_line": "auto ETS, season 52",
              "cli_model": "ets"},
    "arima52": {"label": "automatic ARIMA, season 52", "m": 52, "ours_line": "auto ARIMA, season 52",
                "cli_model": "arima"},
}
# Series per tool and task: full run and --quick (explicit options override).
SIZES = {
    "full": {"series": 1000, "seasonal_series": 300, "arima_series": 200, "ets": 1000, "arima": 10,
             "sm_ets": 100, "sm_ets_seasonal": 10, "sm_arima": 50, "augurs": 1000},
    "quick": {"series": 100, "seasonal_series": 4, "arima_series": 10, "ets": 100, "arima": 2,
              "sm_ets": 20, "sm_ets_seasonal": 2, "sm_arima": 5, "augurs": 100},
}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}
FIRST_MONDAY = datetime.date(2022, 1, 3)
AUGURS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "augurs-peer")


class BenchError(Exception):
    pass


class Mismatch(Exception):
    pass


# ============================================================================ R-convention math

def loglik_r(y, yhat, error):
    """R forecast::ets log-likelihood (no Gaussian constants) of one-step fits yhat."""
    n = len(y)
    if error == "A":
        return -0.5 * n * math.log(sum((a - b) ** 2 for a, b in zip(y, yhat)))
    rel = sum(((a - b) / b) ** 2 for a, b in zip(y, yhat))
    return -0.5 * (n * math.log(rel) + 2.0 * sum(math.log(abs(b)) for b in yhat))


def ets_fitted(y, m, trend, season, p):
    """One-step fits of R's ETS recursion (etscalc) at parameters p (alpha, beta, gamma, phi,
    l0, b0, s0..s{m-1} with s0 the most recent seasonal state, as ours reports them)."""
    alpha = p["alpha"]
    beta = p.get("beta", 0.0)
    gamma = p.get("gamma", 0.0)
    phi = p.get("phi", 1.0)
    level, slope = p["l0"], p.get("b0", 0.0)
    ring = [p[f"s{i}"] for i in range(m)][::-1] if season != "N" else []
    out = []
    for i, v in enumerate(y):
        q = level + phi * slope if trend != "N" else level
        if season == "N":
            mu, target = q, v
        elif season == "A":
            old = ring[i % m]
            mu, target = q + old, v - old
        else:
            old = ring[i % m]
            mu, target = q * old, v / old
        out.append(mu)
        new_level = q + alpha * (target - q)
        if trend != "N":
            slope = phi * slope + (beta / alpha) * (new_level - level - phi * slope)
        if season == "A":
            ring[i % m] = old + gamma * (v - q - old)
        elif season == "M":
            ring[i % m] = old + gamma * (v / q - old)
        level = new_level
    return out


def ets_candidates(m, positive):
    """ours' AutoEts candidates (auto_ets.rs) for a 156-week series: (error, trend, season)."""
    seasons = ("N", "A", "M") if m >= 2 else ("N",)
    out = []
    for e in ("A", "M"):
        for t in ("N", "A", "Ad"):
            for s in seasons:
                if (e == "M" or s == "M") and not positive:
                    continue
                if e == "A" and s == "M":
                    continue
                out.append((e, t, s))
    return out


def ets_n_params(t, s, m):
    """R's parameter count: smoothing parameters, free initial states, sigma."""
    k = 2 + (2 if t != "N" else 0) + (1 if t == "Ad" else 0)
    if s != "N":
        k += 1 + (m - 1)
    return k + 1


def aicc_r(loglik, k, n):
    aic = -2.0 * loglik + 2.0 * k
    return aic + 2.0 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf


def ll_close(a, b):
    return abs(a - b) <= LL_TOL * max(1.0, abs(a), abs(b))


ETS_NAME = re.compile(r"^ETS\(([AM]),(N|A|Ad),([NAM])\)$")
ARIMA_NAME = re.compile(r"^ARIMA\((\d+),(\d+),(\d+)\)(?:\((\d+),(\d+),(\d+)\)\[(\d+)\])?")


def arima_orders(name):
    """(p, d, q, P, D, Q, m) from ours' or statsforecast's model name, or None."""
    mt = ARIMA_NAME.match(name.strip())
    if not mt:
        return None
    p, d, q, sp, sd, sq, per = mt.groups()
    return (int(p), int(d), int(q), int(sp or 0), int(sd or 0), int(sq or 0), int(per or 1))


# ============================================================================ children

def regressor_column(name, n, offset=0):
    """A regressor of ours' ARIMA by its name: intercept, drift (t = 1..n) or R's Fourier
    `Sj-m` / `Cj-m` (sin / cos of 2 pi j t / m, t = offset + 1 ..)."""
    ts = range(offset + 1, offset + n + 1)
    if name == "intercept":
        return [1.0] * n
    if name == "drift":
        return [float(t) for t in ts]
    mt = re.fullmatch(r"([SC])(\d+)-(\d+)", name)
    if not mt:
        raise BenchError(f"unknown ARIMA regressor {name!r}")
    fn = math.sin if mt.group(1) == "S" else math.cos
    j, m = int(mt.group(2)), int(mt.group(3))
    return [fn(2.0 * math.pi * ((j * t) % m) / m) for t in ts]


def undifference(history, diffs, d, sd, m):
    """Levels from forecasts of the differenced series (1 - B)^d (1 - B^m)^sd y."""
    poly = [1.0]
    for factor in [[1.0, -1.0]] * d + [[1.0] + [0.0] * (m - 1) + [-1.0]] * sd:
        out = [0.0] * (len(poly) + len(factor) - 1)
        for i, a in enumerate(poly):
            for j, b in enumerate(factor):
                out[i + j] += a * b
        poly = out
    y = list(history)
    for w in diffs:
        y.append(w - sum(poly[j] * y[-j] for j in range(1, len(poly))))
    return y[len(history):]


def sarimax_model(y, orders, names):
    """statsmodels SARIMAX in R's arima convention for orders and regressor names."""
    import numpy as np
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    p, d, q, sp, sd, sq, per = orders
    exog = np.column_stack([regressor_column(nm, len(y)) for nm in names]) if names else None
    return SARIMAX(np.asarray(y, dtype=float), exog=exog, order=(p, d, q),
                   seasonal_order=(sp, sd, sq, per) if per > 1 else (0, 0, 0, 0), trend="n",
                   simple_differencing=True, concentrate_scale=True)


def sarimax_params(coef, orders, names):
    """SARIMAX parameter vector (exog, ar, ma, seasonal ar, seasonal ma) from R-style names."""
    p, _, q, sp, _, sq, _ = orders
    keys = (list(names) + [f"ar{i}" for i in range(1, p + 1)] + [f"ma{i}" for i in range(1, q + 1)]
            + [f"sar{i}" for i in range(1, sp + 1)] + [f"sma{i}" for i in range(1, sq + 1)])
    return [float(coef[k]) for k in keys]


def floats(xs):
    return [float(x) for x in xs]


def child_statsforecast(task, series):
    import numpy as np
    from statsforecast.arima import arima_string
    from statsforecast.models import AutoARIMA, AutoETS
    m = TASKS[task]["m"]

    def make():
        return AutoARIMA(season_length=m) if task == "arima52" else AutoETS(season_length=m)

    make().fit(np.asarray(series[0][1][:110] if task == "arima52" else series[0][1], dtype=float))  # warm-up
    out = []
    for sid, y in series:
        arr = np.asarray(y, dtype=float)
        t0 = time.process_time()
        model = make().fit(arr)
        cpu = time.process_time() - t0
        md = model.model_
        fc = floats(model.predict(h=HORIZON)["mean"])
        rec = {"id": sid, "cpu": cpu, "loglik": float(md["loglik"]), "aicc": float(md["aicc"]), "forecast": fc}
        if task == "arima52":
            rec["model"] = arima_string(md).strip()
            p, q, sp, sq, per, d, sd = (int(x) for x in md["arma"])
            orders = (p, d, q, sp, sd, sq, per)
            coef = {k: float(v) for k, v in md["coef"].items()}
            names = [k for k in ("intercept", "drift") if k in coef]
            rec["loglik_check"] = float(sarimax_model(y, orders, names).loglike(
                np.asarray(sarimax_params(coef, orders, names))))
            rec["check_what"] = "statsmodels exact loglik at its coefficients"
        else:
            rec["model"] = md["method"]
            e = ETS_NAME.match(md["method"]).group(1)
            rec["loglik_check"] = loglik_r(y, floats(md["fitted"]), e)
            rec["check_what"] = "R formula on its fitted values"
        out.append(rec)
    return out


def child_statsmodels(task, series, ours_models):
    import warnings
    import numpy as np
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    warnings.simplefilter("ignore")  # convergence warnings are counted below instead
    m = TASKS[task]["m"]
    out = []
    if task == "arima52":
        def fit(y, orders, names):
            return sarimax_model(y, orders, names).fit(disp=False)
        first = ours_models[str(series[0][0])]
        fit(series[0][1], first["orders"], first["regressors"])  # warm-up, untimed
        for sid, y in series:
            spec = ours_models[str(sid)]
            orders, names = spec["orders"], spec["regressors"]
            t0 = time.process_time()
            res = fit(y, orders, names)
            cpu = time.process_time() - t0
            diffs = res.forecast(HORIZON, exog=np.column_stack(
                [regressor_column(nm, HORIZON, len(y)) for nm in names]) if names else None)
            fc = undifference(y, floats(diffs), orders[1], orders[4], orders[6])
            at_ours = float(res.model.loglike(np.asarray(sarimax_params(spec["coef"], orders, names))))
            out.append({"id": sid, "cpu": cpu, "model": spec["name"], "loglik": float(res.llf),
                        "loglik_at_ours": at_ours, "ours_loglik": spec["loglik"], "forecast": fc})
        return out

    def sm_fit(arr, e, t, s):
        mod = ETSModel(arr, error="add" if e == "A" else "mul", trend=None if t == "N" else "add",
                       damped_trend=(t == "Ad"), seasonal=None if s == "N" else ("add" if s == "A" else "mul"),
                       seasonal_periods=m if s != "N" else None, initialization_method="estimated")
        return mod.fit(disp=False)

    sm_fit(np.asarray(series[0][1], dtype=float), "A", "N", "N")  # warm-up, untimed
    for sid, y in series:
        arr = np.asarray(y, dtype=float)
        n = len(y)
        t0 = time.process_time()
        fits = {}
        for e, t, s in ets_candidates(m, min(y) > 0):
            try:
                res = sm_fit(arr, e, t, s)
            except (ValueError, np.linalg.LinAlgError):
                continue
            ll = float(res.llf) + n / 2.0 * (math.log(2.0 * math.pi / n) + 1.0)
            fits[f"ETS({e},{t},{s})"] = (aicc_r(ll, ets_n_params(t, s, m), n), ll, res, e)
        cpu = time.process_time() - t0
        best = min((k for k in fits if math.isfinite(fits[k][0])), key=lambda k: fits[k][0])
        aicc, ll, res, e = fits[best]
        out.append({"id": sid, "cpu": cpu, "model": best, "loglik": ll, "aicc": aicc,
                    "loglik_check": loglik_r(y, floats(res.fittedvalues), e),
                    "check_what": "R formula on its fitted values",
                    "loglik_by_model": {k: v[1] for k, v in fits.items()},
                    "fits": len(fits),
                    "not_converged": sum(1 for v in fits.values()
                                         if not (v[2].mle_retvals or {}).get("converged", True)),
                    "forecast": floats(res.forecast(HORIZON))})
    return out


def child_main(args):
    with open(args.child_in, encoding="utf-8") as f:
        job = json.load(f)
    series = [(sid, y) for sid, y in job["series"]]
    if args.child == "statsforecast":
        results = child_statsforecast(job["task"], series)
    else:
        results = child_statsmodels(job["task"], series, job.get("ours"))
    import importlib.metadata as md
    doc = {"results": results, "version": md.version(args.child), "python": platform.python_version()}
    sys.stdout.write(json.dumps(doc, allow_nan=True) + "\n")
    return 0


# ============================================================================ harness

OURS_LINE = re.compile(r"^(?P<name>.+?)\s+(?P<n>\d+) series\s+(?P<s>[\d.]+) s\s+(?P<rate>[\d.]+|NaN|inf) "
                       r"series/s\s+top models \[(?P<top>.*)\]\s*$")
TOP_ITEM = re.compile(r'\("((?:[^"\\]|\\.)*)", (\d+)\)')


def run_ours(binary, counts, csv_path):
    argv = [binary, "--series", str(counts["ets1"]), "--seasonal-series", str(counts["ets52"]),
            "--arima-series", str(counts["arima52"]), "--write", csv_path]
    log(f"ours: {shlex.join(argv)}")
    out, err, rc, wall, cpu, rss = run_child(argv)
    if rc != 0:
        raise BenchError(f"ours (weekly_forecast) failed (exit {rc}):\n  $ {shlex.join(argv)}\n{err.strip()[-2000:]}")
    tasks = {}
    for line in out.splitlines():
        mt = OURS_LINE.match(line.strip())
        if not mt:
            continue
        for key, t in TASKS.items():
            if mt.group("name").strip() == t["ours_line"]:
                tasks[key] = {"n": int(mt.group("n")), "seconds": float(mt.group("s")),
                              "top": [(a, int(b)) for a, b in TOP_ITEM.findall(mt.group("top"))]}
    missing = [t["ours_line"] for k, t in TASKS.items() if k not in tasks]
    if missing:
        raise BenchError(f"cannot read weekly_forecast's output (no line for {', '.join(missing)}):\n{out[:1500]}")
    log(out.rstrip())
    return {"argv": argv, "tasks": tasks, "wall": wall, "cpu": cpu, "rss": rss}


def read_series(path):
    by_id = collections.defaultdict(list)
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        if next(rows) != ["unique_id", "ds", "y"]:
            raise BenchError(f"{path}: not the weekly_forecast series layout (unique_id,ds,y)")
        for sid, ds, y in rows:
            by_id[int(sid)].append((int(ds), float(y)))
    out = []
    for sid in sorted(by_id):
        pts = sorted(by_id[sid])
        if [t for t, _ in pts] != list(range(len(pts))):
            raise BenchError(f"{path}: series {sid} has gaps")
        out.append((sid, [v for _, v in pts]))
    return out


def ours_cli_one(retail, task, sid, y, workdir):
    """ours' answer on one series through `retail forecast --series` (JSON)."""
    path = os.path.join(workdir, f"{task}_{sid}.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("date,value\n")
        for t, v in enumerate(y):
            f.write(f"{FIRST_MONDAY + datetime.timedelta(weeks=t)},{v!r}\n")
    argv = [retail, "forecast", "--series", path, "--model", TASKS[task]["cli_model"], "--season-length",
            str(TASKS[task]["m"]), "--horizon", str(HORIZON), "--level", "95", "--threads", "1", "--format", "json"]
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"ours failed on {task} series {sid} (exit {p.returncode}):\n  $ {shlex.join(argv)}\n"
                         + p.stderr.strip()[-1000:])
    s = json.loads(p.stdout)["series"][0]
    params = {x["name"]: x["value"] for x in s["parameters"]}
    rec = {"id": sid, "model": s["model"], "fallback": s["fallback"], "loglik": s["loglik"], "aicc": s["aicc"],
           "forecast": [r["forecast"] for r in s["forecast"]], "params": params}
    mt = ETS_NAME.match(s["model"])
    if mt and s["loglik"] is not None:
        e, t, se = mt.groups()
        rec["loglik_check"] = loglik_r(y, ets_fitted(y, TASKS[task]["m"], t, se, params), e)
        rec["check_what"] = "Python ETS recursion at its parameters"
    return rec


def ours_answers(retail, task, series, workdir):
    log(f"ours' answers for {task}: `retail forecast --series` on {len(series)} series")
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda s: ours_cli_one(retail, task, s[0], s[1], workdir), series))


def build_augurs(target_dir):
    """Builds benches/augurs-peer (its own Cargo project) and returns the binary's path."""
    argv = ["cargo", "build", "--quiet", "--release", "--locked", "--manifest-path",
            os.path.join(AUGURS_DIR, "Cargo.toml"), "--target-dir", target_dir]
    log(f"augurs: {shlex.join(argv)}")
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"building the augurs peer failed (exit {p.returncode}; --augurs 0 skips it):\n"
                         f"  $ {shlex.join(argv)}\n{p.stderr.strip()[-2000:]}")
    return os.path.join(target_dir, "release", "augurs-peer")


def run_augurs(binary, csv_path, series):
    """augurs-peer on the first len(series) series of csv_path; its loglik checked by the R formula."""
    argv = [binary, csv_path, str(len(series))]
    log(f"augurs: {TASKS['ets1']['label']} on {len(series)} series")
    out, err, rc, _, _, rss = run_child(argv, dict(os.environ, **ONE_THREAD))
    if rc != 0:
        raise BenchError(f"augurs failed (exit {rc}):\n  $ {shlex.join(argv)}\n{err.strip()[-3000:]}")
    doc = json.loads(out.strip().splitlines()[-1])
    by_id = dict(series)
    for r in doc["results"]:
        fitted = r.pop("fitted")
        mt = ETS_NAME.match(r["model"])
        if mt and len(fitted) == len(by_id[r["id"]]):
            r["loglik_check"] = loglik_r(by_id[r["id"]], fitted, mt.group(1))
            r["check_what"] = "R formula on its fitted values"
    doc["rss"] = rss
    return doc


def run_peer(python, tool, task, series, ours_models, workdir):
    job = os.path.join(workdir, f"job_{tool}_{task}.json")
    with open(job, "w", encoding="utf-8") as f:
        json.dump({"task": task, "series": series, "ours": ours_models}, f)
    argv = [python, os.path.abspath(__file__), "--child", tool, "--child-in", job]
    env = dict(os.environ, **ONE_THREAD)
    log(f"{tool}: {TASKS[task]['label']} on {len(series)} series")
    out, err, rc, _, _, rss = run_child(argv, env)
    if rc != 0:
        raise BenchError(f"{tool} failed on {task} (exit {rc}):\n  $ {shlex.join(argv)}\n{err.strip()[-3000:]}")
    doc = json.loads(out.strip().splitlines()[-1])
    doc["rss"] = rss
    return doc


# ============================================================================ answer check

def check_answers(task, tool, results, n_expected):
    """Problems with one tool's answers on one task (empty list: all good)."""
    bad = []
    if len(results) != n_expected:
        bad.append(f"{task} {tool}: {len(results)} answers for {n_expected} series")
    for r in results:
        where = f"{task} {tool} series {r['id']}"
        if r.get("fallback"):
            bad.append(f"{where}: naive fallback ({r['fallback']})")
        elif task == "arima52" and arima_orders(r.get("model") or "") is None:
            bad.append(f"{where}: not an ARIMA model: {r.get('model')!r}")
        fc = r.get("forecast") or []
        if len(fc) != HORIZON or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in fc):
            bad.append(f"{where}: forecast is not {HORIZON} finite values: {fc}")
        ll = r.get("loglik")
        if ll is None or not math.isfinite(ll):
            bad.append(f"{where}: no finite log-likelihood ({r.get('model')})")
        elif r.get("loglik_check") is not None and not ll_close(ll, r["loglik_check"]):
            bad.append(f"{where}: log-likelihood {ll!r} is not in R's convention: {r['check_what']} gives "
                       f"{r['loglik_check']!r} ({r.get('model')})")
        if r.get("loglik_at_ours") is not None and not ll_close(r["loglik_at_ours"], r["ours_loglik"]):
            bad.append(f"{where}: statsmodels' exact loglik at ours' coefficients is {r['loglik_at_ours']!r}, "
                       f"ours reports {r['ours_loglik']!r} ({r['model']})")
    return bad


def top3(models):
    """weekly_forecast's ranking: count descending, then name ascending, first 3."""
    c = collections.Counter(models)
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:3]


# ============================================================================ report

def share(pairs, pred):
    pairs = list(pairs)
    if not pairs:
        return "—"
    k = sum(1 for p in pairs if pred(*p))
    return f"{k}/{len(pairs)} ({100.0 * k / len(pairs):.0f} %)"


def gaps(values):
    v = [x for x in values if x is not None and math.isfinite(x)]
    if not v:
        return "—", "—", "—", 0
    return f"{statistics.median(v):+.3f}", f"{min(v):+.3f}", f"{max(v):+.3f}", len(v)


def build_report(args, ours, peers, answers, notes, series):
    lines = ["# Forecasting comparison: ours vs statsforecast, statsmodels and augurs", ""]
    lines.append(f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    lines.append(f"- command: `{shlex.join([sys.executable] + sys.argv)}` (cwd `{os.getcwd()}`)")
    lines.append(f"- machine: nproc {len(os.sched_getaffinity(0))}, CPU `{cpu_model()}`, "
                 f"{platform.system()} {platform.release()} {platform.machine()}")
    vers = {tool: doc["version"] for (tool, _), doc in peers.items()}
    lines.append(f"- tools: ours = `{args.weekly_forecast}` (timing) and `{args.retail} forecast` (answers); "
                 + ", ".join(f"{t} {v}" for t, v in sorted(vers.items()))
                 + f"; peer Python `{args.python}`")
    lines.append(f"- series: `weekly_series(count, 156, 2026)`, written by `{shlex.join(ours['argv'])}`; "
                 f"horizon {HORIZON}; a peer gets the first N of ours' series")
    lines.append(f"- ours: one thread; task seconds measured in-process by the example (wall time of a "
                 f"single-threaded loop, fits only); the whole process used {ours['cpu']:.2f} CPU-s for "
                 f"{sum(t['seconds'] for t in ours['tasks'].values()):.2f} s of reported task time "
                 f"(wall {ours['wall']:.2f} s incl. writing the series), peak RSS {mib(ours['rss']):.1f} MiB")
    lines.append("- peers: one child process per tool and task, BLAS/OpenMP/numba on one thread, one warm-up "
                 "fit outside the timing; CPU = sum of `time.process_time()` around each fit (augurs, Rust: the "
                 "sum of in-process `Instant` times of its single-threaded loop, like ours)")
    lines.append("- statsmodels ETS = ours' candidate list fitted one by one with `ETSModel(..., "
                 "initialization_method='estimated').fit(disp=False)`, lowest AICc in R's convention kept "
                 "(its M-season recursion is Holt-Winters' component form, another model than R's); statsmodels "
                 "ARIMA = one `SARIMAX(simple_differencing=True, concentrate_scale=True)` fit of ours' chosen "
                 "order and regressors (no search: rate not comparable, no ratio)")
    for n in notes:
        lines.append(f"- note: {n}")
    lines.append(f"- answers: checked before this report for every series each tool was given: a fitted model "
                 f"(ours: no naive fallback) and {HORIZON} finite point forecasts; log-likelihoods in R's "
                 f"convention (ours' ETS: a Python ETS recursion at its parameters; statsforecast's ETS and "
                 f"statsmodels' converted ETS: the R formula on their fitted values; ARIMA: statsmodels' exact "
                 f"likelihood at ours' and statsforecast's coefficients), within {LL_TOL:g} relative. All passed.")
    lines.append("- rate = series / CPU-s (ours: series / in-process s); ours / peer > 1: ours faster")
    lines.append("")
    lines.append("| task | tool | series | CPU s | series / CPU-s | ours / peer | median CPU ms / series "
                 "| peak RSS MiB | most chosen models |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for task in args.tasks:
        t = ours["tasks"][task]
        o_rate = t["n"] / t["seconds"] if t["seconds"] > 0 else math.inf
        lines.append(f"| {TASKS[task]['label']} | **ours** | {t['n']:,} | {t['seconds']:.2f} | {o_rate:.2f} | — | — "
                     f"| {mib(ours['rss']):.1f} | {', '.join(f'{a} {b}' for a, b in t['top'])} |")
        for tool in ("statsforecast", "statsmodels", "augurs"):
            doc = peers.get((tool, task))
            if doc is None:
                continue
            rs = doc["results"]
            cpu = sum(r["cpu"] for r in rs)
            rate = len(rs) / cpu if cpu > 0 else math.inf
            ratio = "— (fixed order, no search)" if (tool, task) == ("statsmodels", "arima52") else f"{o_rate / rate:.2f}"
            label = f"{tool} {doc['version']}" + (" (SARIMAX, ours' orders)" if task == "arima52" and tool == "statsmodels" else "")
            lines.append(f"| | {label} | {len(rs):,} of {t['n']:,} | {cpu:.2f} | {rate:.2f} | {ratio} | "
                         f"{1000 * statistics.median(r['cpu'] for r in rs):.1f} | {mib(doc['rss']):.1f} | "
                         f"{', '.join(f'{a} {b}' for a, b in top3(r['model'] for r in rs))} |")
    lines.append("")
    lines.append("Answers (not checked, reported): same chosen model, AICc, and fixed-model log-likelihood gaps "
                 "(R convention; Δ = ours − peer on the same model; > 0: ours found a higher likelihood).")
    lines.append("")
    lines.append("| task | comparison | series | result | median Δ loglik | min Δ | max Δ |")
    lines.append("|---|---|---:|---|---:|---:|---:|")
    for task in args.tasks:
        mine = {r["id"]: r for r in answers[task]}
        label = TASKS[task]["label"]
        for tool in ("statsforecast", "statsmodels", "augurs"):
            doc = peers.get((tool, task))
            if doc is None:
                continue
            rs = [(mine[r["id"]], r) for r in doc["results"]]
            if task == "arima52" and tool == "statsforecast":
                o = lambda a: arima_orders(a["model"])  # noqa: E731
                lines.append(f"| {label} | ours vs statsforecast: same (p,d,q) | {len(rs)} | "
                             f"{share(rs, lambda a, b: o(a)[:3] == o(b)[:3])} | | | |")
                lines.append(f"| {label} | ours vs statsforecast: same d | {len(rs)} | "
                             f"{share(rs, lambda a, b: o(a)[1] == o(b)[1])} | | | |")
                lines.append(f"| {label} | ours (Fourier terms) vs statsforecast (seasonal ARIMA): model "
                             f"classes differ, likelihoods not comparable | {len(rs)} | | | | |")
            elif task == "arima52":
                md, mn, mx, k = gaps(a["loglik"] - b["loglik"] for a, b in rs)
                lines.append(f"| {label} | ours − statsmodels SARIMAX (its own optimum, same model) | {k} | | "
                             f"{md} | {mn} | {mx} |")
                md, mn, mx, k = gaps(b["loglik_at_ours"] - a["loglik"] for a, b in rs)
                lines.append(f"| {label} | statsmodels at ours' coefficients − ours (convention check) | {k} | "
                             f"within {LL_TOL:g} rel. | {md} | {mn} | {mx} |")
            else:
                lines.append(f"| {label} | ours vs {tool}: same model | {len(rs)} | "
                             f"{share(rs, lambda a, b: a['model'] == b['model'])} | | | |")
                if tool == "statsforecast":
                    lines.append(f"| {label} | ours' AICc ≤ statsforecast's (+1e-6) | {len(rs)} | "
                                 f"{share(rs, lambda a, b: a['aicc'] <= b['aicc'] + 1e-6)} | | | |")
                    md, mn, mx, k = gaps(a["loglik"] - b["loglik"] for a, b in rs if a["model"] == b["model"])
                    lines.append(f"| {label} | ours − statsforecast, where both chose the same model | {k} | | "
                                 f"{md} | {mn} | {mx} |")
                elif tool == "augurs":
                    # augurs' own AICc leaves sigma out of its AIC; both recomputed in R's convention
                    def aicc_of(r, y):
                        e, t, se = ETS_NAME.match(r["model"]).groups()
                        return aicc_r(r["loglik"], ets_n_params(t, se, TASKS[task]["m"]), len(y))
                    ys = dict(series)
                    lines.append(f"| {label} | ours' AICc ≤ augurs' (R convention, +1e-6) | {len(rs)} | "
                                 f"{share(rs, lambda a, b: aicc_of(a, ys[a['id']]) <= aicc_of(b, ys[b['id']]) + 1e-6)} | | | |")
                    md, mn, mx, k = gaps(a["loglik"] - b["loglik"] for a, b in rs if a["model"] == b["model"])
                    lines.append(f"| {label} | ours − augurs, where both chose the same model | {k} | | "
                                 f"{md} | {mn} | {mx} |")
                else:
                    md, mn, mx, k = gaps(a["loglik"] - b["loglik_by_model"][a["model"]] for a, b in rs
                                         if a["model"] in b["loglik_by_model"] and not a["model"].endswith(",M)"))
                    lines.append(f"| {label} | ours − statsmodels on ours' chosen model (M season excluded) | "
                                 f"{k} | | {md} | {mn} | {mx} |")
                    fits = sum(r["fits"] for _, r in rs)
                    nc = sum(r["not_converged"] for _, r in rs)
                    lines.append(f"| {label} | statsmodels fits flagged not converged by its optimiser | {fits} | "
                                 f"{nc} | | | |")
    return "\n".join(lines) + "\n"


# ============================================================================ main

def bench(args):
    sizes = dict(SIZES["quick" if args.quick else "full"])
    for k in sizes:
        if getattr(args, k) is not None:
            sizes[k] = getattr(args, k)
    unknown = [t for t in args.tasks if t not in TASKS]
    if unknown or not args.tasks:
        raise BenchError(f"--tasks: unknown or none {', '.join(unknown)} (known: {', '.join(TASKS)})")
    for path in (args.weekly_forecast, args.retail):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise BenchError(f"{path} not found or not executable (build it with `cargo build --release "
                             "--workspace --examples --bins`, or pass --weekly-forecast / --retail)")
    # weekly_forecast always fits the non-seasonal ETS on every series it makes
    wanted = {"ets52": sizes["seasonal_series"], "arima52": sizes["arima_series"]}
    n_series = sizes["series"] if "ets1" in args.tasks else max(wanted[t] for t in wanted if t in args.tasks)
    counts = {"ets1": n_series}
    counts.update({t: min(v, n_series) if t in args.tasks else 0 for t, v in wanted.items()})
    peer_n = {("statsforecast", "ets1"): sizes["ets"], ("statsforecast", "ets52"): sizes["ets"],
              ("statsforecast", "arima52"): sizes["arima"], ("statsmodels", "ets1"): sizes["sm_ets"],
              ("statsmodels", "ets52"): sizes["sm_ets_seasonal"], ("statsmodels", "arima52"): sizes["sm_arima"],
              ("augurs", "ets1"): sizes["augurs"]}
    peer_n = {k: min(v, counts[k[1]]) for k, v in peer_n.items() if k[1] in args.tasks and v > 0}

    workdir = tempfile.mkdtemp(prefix="compare_forecast_")
    try:
        csv_path = os.path.abspath(args.csv) if args.csv else os.path.join(workdir, "weekly.csv")
        ours = run_ours(os.path.abspath(args.weekly_forecast), counts, csv_path)
        series = read_series(csv_path)
        for task in args.tasks:
            if ours["tasks"][task]["n"] != counts[task]:
                raise BenchError(f"weekly_forecast ran {task} on {ours['tasks'][task]['n']} series, asked {counts[task]}")
        if len(series) < counts["ets1"] or any(len(y) != 156 for _, y in series):
            raise BenchError(f"{csv_path}: expected {counts['ets1']} series of 156 weeks")

        # ours' per-series answers on every series a peer gets (untimed)
        retail = os.path.abspath(args.retail)
        answers, problems, notes = {}, [], []
        for task in args.tasks:
            c = max([n for (tool, t), n in peer_n.items() if t == task] + [1])
            answers[task] = ours_answers(retail, task, series[:c], workdir)
            problems += check_answers(task, "ours", answers[task], c)
            if c == counts[task] and not problems:
                got = top3(r["model"] for r in answers[task])
                if got != ours["tasks"][task]["top"]:
                    problems.append(f"{task}: weekly_forecast's top models {ours['tasks'][task]['top']} differ from "
                                    f"`retail forecast`'s on the same series {got}")
                else:
                    notes.append(f"{task}: the CLI's answers cover all {c} timed series of ours; its model counts "
                                 "equal the example's")
        if problems:
            raise Mismatch(problems)

        # peers, task by task, the tool order alternating
        peers = {}
        augurs = build_augurs(os.path.abspath(args.augurs_target_dir)) if peer_n.get(("augurs", "ets1")) else None
        for i, task in enumerate(args.tasks):
            tools = ["statsforecast", "statsmodels", "augurs"][:: 1 if i % 2 == 0 else -1]
            for tool in tools:
                n = peer_n.get((tool, task))
                if not n:
                    continue
                if tool == "augurs":
                    doc = run_augurs(augurs, csv_path, series[:n])
                    problems += check_answers(task, tool, doc["results"], n)
                    peers[(tool, task)] = doc
                    cpu = sum(r["cpu"] for r in doc["results"])
                    log(f"  {tool:<14} {task:<8} {n:5} series  {cpu:8.2f} s       {n / cpu if cpu else math.inf:8.2f} series/s")
                    continue
                ours_models = None
                if (tool, task) == ("statsmodels", "arima52"):
                    ours_models = {}
                    for r in answers[task][:n]:
                        orders = arima_orders(r["model"])
                        regs = [k for k in r["params"] if k in ("intercept", "drift") or re.fullmatch(r"[SC]\d+-\d+", k)]
                        ours_models[str(r["id"])] = {"name": r["model"], "orders": orders, "regressors": regs,
                                                     "coef": r["params"], "loglik": r["loglik"]}
                doc = run_peer(args.python, tool, task, series[:n], ours_models, workdir)
                problems += check_answers(task, tool, doc["results"], n)
                peers[(tool, task)] = doc
                cpu = sum(r["cpu"] for r in doc["results"])
                log(f"  {tool:<14} {task:<8} {n:5} series  {cpu:8.2f} CPU-s  {n / cpu if cpu else math.inf:8.2f} series/CPU-s")
        if problems:
            raise Mismatch(problems)
        report = build_report(args, ours, peers, answers, notes, series)
        emit_report(report, args.out)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="?", help="write the series file here (default: a temp file, deleted)")
    ap.add_argument("--weekly-forecast", default="target/release/examples/weekly_forecast",
                    help="our timing example (default %(default)s)")
    ap.add_argument("--retail", default="target/release/retail",
                    help="our CLI, for the per-series answers (default %(default)s)")
    ap.add_argument("--python", default=sys.executable,
                    help="Python with statsforecast and statsmodels for the peer children (default: this one)")
    ap.add_argument("--tasks", default=",".join(TASKS), type=lambda s: [t.strip() for t in s.split(",") if t.strip()],
                    help="comma-separated subset of %(default)s")
    ap.add_argument("--quick", action="store_true", help="small subsets: " + json.dumps(SIZES["quick"]))
    full = SIZES["full"]
    ap.add_argument("--series", type=int, help=f"ours, automatic ETS non-seasonal (default {full['series']})")
    ap.add_argument("--seasonal-series", type=int, help=f"ours, automatic ETS season 52 (default {full['seasonal_series']})")
    ap.add_argument("--arima-series", type=int, help=f"ours, automatic ARIMA (default {full['arima_series']})")
    ap.add_argument("--ets", type=int, help=f"statsforecast AutoETS, both seasons (default {full['ets']})")
    ap.add_argument("--arima", type=int, help=f"statsforecast AutoARIMA (default {full['arima']})")
    ap.add_argument("--sm-ets", type=int, help=f"statsmodels ETS, non-seasonal (default {full['sm_ets']})")
    ap.add_argument("--sm-ets-seasonal", type=int,
                    help=f"statsmodels ETS, season 52 (default {full['sm_ets_seasonal']})")
    ap.add_argument("--sm-arima", type=int, help=f"statsmodels SARIMAX (default {full['sm_arima']}; 0 = none)")
    ap.add_argument("--augurs", type=int, help=f"augurs-ets AutoETS, non-seasonal (default {full['augurs']}; 0 = none)")
    ap.add_argument("--augurs-target-dir", default="target/augurs-peer",
                    help="cargo --target-dir for building benches/augurs-peer (default: %(default)s)")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    ap.add_argument("--child", choices=("statsforecast", "statsmodels"), help=argparse.SUPPRESS)
    ap.add_argument("--child-in", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child_main(args)
    try:
        return bench(args)
    except Mismatch as e:
        log(f"ABORTED: answers differ ({len(e.args[0])} problems; no timings reported)")
        for p in e.args[0][:100]:
            log("  ", p)
        return 2
    except BenchError as e:
        log(f"ABORTED (no timings reported): {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
