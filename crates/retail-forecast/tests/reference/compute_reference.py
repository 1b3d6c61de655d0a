#!/usr/bin/env python
"""Independent reference numbers for retail-forecast's ETS and ARIMA code.

Run from the workspace root (/work/main):

    /work/venv/bin/python crates/retail-forecast/tests/reference/compute_reference.py

Needs statsmodels, statsforecast and pmdarima in that venv. Writes, next to this
file, ``reference.json`` (every series with its values, so the Rust tests need no
Python) and ``README.md`` (versions, conventions and summary tables).  The run is
deterministic: no random numbers are drawn; only the date in README.md changes.

Sections of reference.json:

* ``series``  name, source, how it was extracted, frequency, season length m, values
* ``ets``     per series x spec: statsmodels ETSModel and statsforecast ets_f fits,
              both log-likelihoods in the R forecast::ets convention, the best one,
              its parameters (R layout and normalisation) and n_params/aic/aicc/bic
* ``auto``    statsforecast AutoETS / AutoARIMA on a hold-out, MASE per series
* ``arima``   fixed-order ARIMA fits (statsmodels SARIMAX in 3 set-ups, statsmodels
              ARIMA, statsforecast's port of R's arima)
"""

from __future__ import annotations

import datetime
import io
import json
import math
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import pmdarima
import pmdarima.datasets as pmd
import scipy
import statsforecast
import statsmodels
import statsmodels.api as sm
from statsforecast.arima import arima_string
from statsforecast.ets import admissible as sf_admissible
from statsforecast.ets import check_param as sf_check_param
from statsforecast.ets import pegelsresid_C as sf_pegelsresid
from statsforecast.ets import ets_f
from statsforecast.models import ARIMA as SFArima
from statsforecast.models import AutoARIMA, AutoETS
from statsforecast.utils import AirPassengers as SF_AIRPASSENGERS
from statsmodels.tsa.arima.model import ARIMA as SMArima
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE.parents[3]  # .../main (reference -> tests -> retail-forecast -> crates -> main)
SHARED_AIRPASSENGERS = WORKSPACE.parent / "shared" / "data" / "series" / "airpassengers.csv"

SM_ETS_MAXITER = 10_000
MAX_LEN = 1000
MIN_LEN = 20


# --------------------------------------------------------------------------- utils


def clean(obj):
    """Make obj JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [clean(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    return obj


def fnum(x):
    """float or None (NaN -> None)."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


class Captured:
    """Context manager collecting warnings (deduplicated, truncated)."""

    def __enter__(self):
        self._cm = warnings.catch_warnings(record=True)
        self.records = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
        msgs = []
        for w in self.records:
            m = f"{w.category.__name__}: {str(w.message)[:200]}"
            if m not in msgs:
                msgs.append(m)
        self.messages = msgs
        return False


# -------------------------------------------------------------------------- series


def load_series():
    out = []

    def add(name, values, source, extraction, frequency, m, start, note=None):
        v = np.asarray(values, dtype=np.float64)
        assert v.ndim == 1 and np.all(np.isfinite(v)), name
        assert MIN_LEN <= len(v) <= MAX_LEN, (name, len(v))
        out.append(
            dict(
                name=name,
                source=source,
                extraction=extraction,
                frequency=frequency,
                m=m,
                start=start,
                n=len(v),
                strictly_positive=bool(np.min(v) > 0),
                min=float(v.min()),
                max=float(v.max()),
                note=note,
                values=v,
            )
        )

    # AirPassengers: the shared CSV, cross-checked against the two packages.
    pm_ap = pmd.load_airpassengers()
    if SHARED_AIRPASSENGERS.exists():
        df = pd.read_csv(SHARED_AIRPASSENGERS)
        ap = df["value"].to_numpy(dtype=np.float64)
        src = "shared/data/series/airpassengers.csv (column value); identical to pmdarima.datasets.load_airpassengers() and statsforecast.utils.AirPassengers"
        start = str(df["date"].iloc[0])[:7]
    else:  # fallback when shared/ is not beside the workspace
        ap = np.asarray(SF_AIRPASSENGERS, dtype=np.float64)
        src = "statsforecast.utils.AirPassengers (shared CSV not found)"
        start = "1949-01"
    assert np.array_equal(ap, pm_ap), "AirPassengers differs from pmdarima"
    assert np.array_equal(ap, np.asarray(SF_AIRPASSENGERS, dtype=np.float64)), "AirPassengers differs from statsforecast"
    add("airpassengers", ap, src, "as is", "monthly", 12, start,
        "Box & Jenkins airline passengers (thousands) 1949-01..1960-12")

    add("wineind", pmd.load_wineind(), "pmdarima.datasets.load_wineind()", "as is",
        "monthly", 12, "1980-01", "Australian total wine sales by wine makers (litres), 1980-01..1994-08")
    add("woolyrnq", pmd.load_woolyrnq(), "pmdarima.datasets.load_woolyrnq()", "as is",
        "quarterly", 4, "1965-Q1", "Quarterly woollen yarn production in Australia (tonnes), 1965Q1..1994Q3")
    add("austres", pmd.load_austres(), "pmdarima.datasets.load_austres()", "as is",
        "quarterly", 4, "1971-Q2", "Australian residents (thousands), 1971Q2..1993Q4")
    ab = pmd.load_ausbeer()
    n_nan = int(np.isnan(ab).sum())
    assert n_nan == 1 and np.isnan(ab[-1]), "ausbeer: expected exactly one trailing NaN"
    add("ausbeer", ab[:-1], "pmdarima.datasets.load_ausbeer()",
        "dropped the single trailing NaN (212 -> 211 values)", "quarterly", 4, "1956-Q1",
        "Quarterly Australian beer production (megalitres), 1956Q1..2008Q3")
    add("lynx", pmd.load_lynx(), "pmdarima.datasets.load_lynx()", "as is",
        "annual", 1, "1821", "Annual Canadian lynx trappings 1821..1934 (~10-year cycle, not a season)")
    add("heartrate", pmd.load_heartrate(), "pmdarima.datasets.load_heartrate()", "as is",
        "0.5 s samples (no season)", 1, "0", "Heart rate of a subject, 150 evenly spaced samples")

    nile = sm.datasets.nile.load_pandas().data
    add("nile", nile["volume"].to_numpy(), "statsmodels.datasets.nile.load_pandas().data['volume']", "as is",
        "annual", 1, str(int(nile["year"].iloc[0])), "Nile annual flow at Aswan (1e8 m^3), 1871..1970")

    co2 = sm.datasets.co2.load_pandas().data["co2"]
    co2m = co2.resample("MS").mean()
    co2m = co2m.loc["1965-01-01":"2001-12-01"]
    assert not co2m.isna().any()
    add("co2_monthly", co2m.to_numpy(), "statsmodels.datasets.co2.load_pandas().data['co2'] (weekly, Mauna Loa)",
        "pandas resample('MS').mean() of the weekly values (NaN weeks ignored), kept 1965-01..2001-12 "
        "(every month there has data; 1958-1964 has empty months)", "monthly", 12, "1965-01",
        "Mauna Loa CO2 (ppm), monthly mean of weekly values")

    el = sm.datasets.elnino.load_pandas().data
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    add("elnino", el[months].to_numpy().reshape(-1),
        "statsmodels.datasets.elnino.load_pandas().data", "row-major flatten of columns JAN..DEC, years in file order",
        "monthly", 12, f"{int(el['YEAR'].iloc[0])}-01", "El Nino sea surface temperatures (deg C), 1950-01..2010-12")

    ss = sm.datasets.sunspots.load_pandas().data
    add("sunspots_annual", ss["SUNACTIVITY"].to_numpy(), "statsmodels.datasets.sunspots.load_pandas().data['SUNACTIVITY']",
        "as is", "annual", 1, str(int(ss["YEAR"].iloc[0])),
        "Yearly sunspot numbers 1700..2008; contains zeros -> additive models only")
    return out


SKIPPED_SERIES = [
    ("pmdarima load_gasoline", "downloads from alkaline-ml.com at run time (no network here); also weekly with non-integer period 52.18"),
    ("pmdarima load_taylor", "4032 half-hourly values (> 1000)"),
    ("pmdarima load_sunspots", "2820 monthly values (> 1000); the annual statsmodels sunspots are used instead"),
    ("pmdarima load_msft", "multivariate stock prices (OHLCV), not a univariate forecasting series"),
    ("statsmodels macrodata, other statsmodels datasets", "multivariate / cross-sectional"),
]


# ----------------------------------------------------------------------------- ETS


def ets_specs(series):
    m, pos = series["m"], series["strictly_positive"]
    errors = ["A", "M"] if pos else ["A"]
    trends = ["N", "A", "Ad"]
    seasons = ["N"]
    if 1 < m <= 24:
        seasons += ["A", "M"] if pos else ["A"]
    return [(e, t, s) for e in errors for t in trends for s in seasons]


def spec_name(e, t, s):
    return f"{e}{t}{s}"


def n_params_R(t, s, m):
    """R forecast::ets / statsforecast parameter count (incl. sigma)."""
    k = 1 + 1  # alpha, l0
    if t != "N":
        k += 2  # beta, b0
    if t == "Ad":
        k += 1  # phi
    if s != "N":
        k += 1 + (m - 1)  # gamma, m-1 free initial seasonal states
    return k + 1  # sigma


def ic_R(loglik, k, n):
    aic = -2.0 * loglik + 2.0 * k
    aicc = aic + 2.0 * k * (k + 1) / (n - k - 1) if n - k - 1 != 0 else math.inf
    bic = aic + k * (math.log(n) - 2.0)
    return aic, aicc, bic


def loglik_R(y, yhat, error):
    """R forecast::ets likelihood: -0.5*lik of etscalc()."""
    n = len(y)
    if error == "A":
        return -0.5 * n * math.log(float(np.sum((y - yhat) ** 2)))
    e = (y - yhat) / yhat
    return -0.5 * (n * math.log(float(np.sum(e**2))) + 2.0 * float(np.sum(np.log(np.abs(yhat)))))


def ets_filter(y, m, e, t, s, p):
    """Independent plain-Python ETS recursion (R's etscalc/update form, Hyndman et al. 2008).

    p: dict alpha, beta, gamma, phi, l0, b0, s (list s_0, s_-1, ..., s_-(m-1)).
    Returns (one-step fitted values, R-convention loglik; -inf if a fitted value is 0 / not finite).

        q    = l + phi*b            (l when no trend)
        yhat = q | q + s_old | q * s_old                    (season N | A | M; s_old = s_{t-m})
        l'   = q + alpha * (p - q), p = y | y - s_old | y / s_old
        b'   = phi*b + (beta/alpha) * (l' - l - phi*b)
        s'   = s_old + gamma * (y - q - s_old) | s_old + gamma * (y/q - s_old)
    The state update is the same for additive and multiplicative errors; only the likelihood differs."""
    n = len(y)
    alpha = p["alpha"]
    beta = p["beta"] if t != "N" else 0.0
    gamma = p["gamma"] if s != "N" else 0.0
    phi = p["phi"] if t == "Ad" else 1.0
    has_t, ss = t != "N", s
    lvl = p["l0"]
    b = p["b0"] if has_t else 0.0
    ring = list(p["s"])[::-1] if s != "N" else []  # ring[k] holds the state used at step t == k (mod m)
    yhat = np.empty(n)
    yl = y.tolist()
    ba = beta / alpha
    for i in range(n):
        yi = yl[i]
        q = lvl + phi * b if has_t else lvl
        if ss == "N":
            mu = q
            pp = yi
        elif ss == "A":
            so = ring[i % m]
            mu = q + so
            pp = yi - so
        else:
            so = ring[i % m]
            mu = q * so
            pp = yi / so
        yhat[i] = mu
        lnew = q + alpha * (pp - q)
        if has_t:
            b = phi * b + ba * (lnew - lvl - phi * b)
        if ss == "A":
            ring[i % m] = so + gamma * (yi - q - so)
        elif ss == "M":
            ring[i % m] = so + gamma * (yi / q - so)
        lvl = lnew
    if not np.all(np.isfinite(yhat)) or (e == "M" and np.any(yhat == 0)):
        return yhat, -math.inf
    return yhat, loglik_R(y, yhat, e)


# R / statsforecast defaults: lower = (1e-4,)*3 + (0.8,), upper = (0.9999,)*3 + (0.98,), bounds='both'
R_LOWER = np.array([1e-4, 1e-4, 1e-4, 0.8])
R_UPPER = np.array([0.9999, 0.9999, 0.9999, 0.98])
EPS_EDGE = 1e-12  # keeps beta <= alpha and gamma <= 1 - alpha true after rounding


def r_feasible(p, t, s, m):
    """statsforecast's own check_param(bounds='both'): usual bounds + admissible region."""
    nan = float("nan")
    return bool(sf_check_param(
        p["alpha"], p["beta"] if t != "N" else nan, p["gamma"] if s != "N" else nan,
        p["phi"] if t == "Ad" else nan, R_LOWER.copy(), R_UPPER.copy(), "both", m if s != "N" else 1))


class Packer:
    """R-feasible parametrisation for the polish: beta = lo + u*(min(hi, alpha) - lo),
    gamma = lo + v*(min(hi, 1 - alpha) - lo); states scaled by `scale`; the last seasonal
    state is implied by the R normalisation (sum 0 for A, sum m for M)."""

    def __init__(self, t, s, m, scale):
        self.t, self.s, self.m, self.scale = t, s, m, scale
        lo, hi = R_LOWER, R_UPPER
        # with a season, gamma >= 1e-4 and gamma <= 1 - alpha force alpha <= 0.9999 minus rounding
        self.a_hi = hi[0] if s == "N" else 1.0 - lo[2] - 1e-9
        b = [(lo[0], self.a_hi)]
        if t != "N":
            b.append((0.0, 1.0))
        if s != "N":
            b.append((0.0, 1.0))
        if t == "Ad":
            b.append((lo[3], hi[3]))
        b.append((None, None))
        if t != "N":
            b.append((None, None))
        if s != "N":
            b += [(None, None)] * (m - 1)
        self.bounds = b

    def pack(self, p):
        lo, hi = R_LOWER, R_UPPER
        a = min(max(p["alpha"], lo[0]), self.a_hi)
        x = [a]
        if self.t != "N":
            top = min(hi[1], a) - lo[1] - EPS_EDGE
            x.append(min(max((p["beta"] - lo[1]) / top, 0.0), 1.0) if top > 0 else 0.0)
        if self.s != "N":
            top = min(hi[2], 1 - a) - lo[2] - EPS_EDGE
            x.append(min(max((p["gamma"] - lo[2]) / top, 0.0), 1.0) if top > 0 else 0.0)
        if self.t == "Ad":
            x.append(min(max(p["phi"], lo[3]), hi[3]))
        x.append(p["l0"] / self.scale)
        if self.t != "N":
            x.append(p["b0"] / self.scale)
        if self.s != "N":
            sc = self.scale if self.s == "A" else 1.0
            x += [v / sc for v in p["s"][:-1]]
        return np.array(x, dtype=float)

    def unpack(self, x):
        lo, hi = R_LOWER, R_UPPER
        x = list(x)
        a = x.pop(0)
        p = dict(alpha=a, beta=None, gamma=None, phi=None, l0=None, b0=None, s=None)
        if self.t != "N":
            p["beta"] = lo[1] + x.pop(0) * max(min(hi[1], a) - lo[1] - EPS_EDGE, 0.0)
        if self.s != "N":
            p["gamma"] = lo[2] + x.pop(0) * max(min(hi[2], 1 - a) - lo[2] - EPS_EDGE, 0.0)
        if self.t == "Ad":
            p["phi"] = x.pop(0)
        p["l0"] = x.pop(0) * self.scale
        if self.t != "N":
            p["b0"] = x.pop(0) * self.scale
        if self.s != "N":
            sc = self.scale if self.s == "A" else 1.0
            sv = [v * sc for v in x]
            sv.append((0.0 if self.s == "A" else float(self.m)) - sum(sv))
            p["s"] = sv
        return p


def polish(y, m, e, t, s, p0):
    """Maximise the R-model log-likelihood (independent filter) under R's constraints, from p0."""
    from scipy.optimize import minimize

    scale = float(np.mean(np.abs(y))) or 1.0
    pk = Packer(t, s, m, scale)
    big = 1e12

    def f(x):
        p = pk.unpack(x)
        if not r_feasible(p, t, s, m):
            return big
        ll = ets_filter(y, m, e, t, s, p)[1]
        return -ll if math.isfinite(ll) else big

    x = pk.pack(p0)
    fx = f(x)
    if fx >= big:
        return None
    nfev = 0
    for method, opts in (("L-BFGS-B", dict(maxiter=5000, maxfun=100000)),
                         ("Nelder-Mead", dict(maxfev=400 * len(x), xatol=1e-9, fatol=1e-10, adaptive=True)),
                         ("L-BFGS-B", dict(maxiter=5000, maxfun=100000))):
        r = minimize(f, x, method=method, bounds=pk.bounds, options=opts)
        nfev += int(r.nfev)
        if r.fun < fx:
            x, fx = np.asarray(r.x, dtype=float), float(r.fun)
    p = pk.unpack(x)
    return dict(loglik_R=-fx, params=p, nfev=nfev)


def sm_kwargs(e, t, s, m):
    return dict(
        error="add" if e == "A" else "mul",
        trend=None if t == "N" else "add",
        damped_trend=(t == "Ad"),
        seasonal=None if s == "N" else ("add" if s == "A" else "mul"),
        seasonal_periods=m if s != "N" else None,
        initialization_method="estimated",
    )


def sm_params_to_R(res, t, s, m):
    """statsmodels ETS params -> R layout, seasonal re-normalised to sum 0 (A) / mean 1 (M).

    statsmodels fixes initial_seasonal.<m-1> (= s_{-m} in its time index = R's s_{-(m-1)})
    to 0 / 1 instead; shifting (A) or scaling (M) the seasonal states against level and
    trend leaves every fitted value unchanged, so the normalisation is free."""
    d = dict(zip(res.model.param_names, np.asarray(res.params, dtype=float)))
    p = dict(
        alpha=d["smoothing_level"],
        beta=d.get("smoothing_trend") if t != "N" else None,
        gamma=d.get("smoothing_seasonal") if s != "N" else None,
        phi=d.get("damping_trend") if t == "Ad" else None,
        l0=d["initial_level"],
        b0=d.get("initial_trend") if t != "N" else None,
        s=None,
    )
    if s != "N":
        sv = np.array([d[f"initial_seasonal.{i}"] for i in range(m)])
        if s == "A":
            c = sv.mean()
            sv = sv - c
            p["l0"] += c
        else:
            k = sv.mean()
            sv = sv / k
            p["l0"] *= k
            if t != "N":
                p["b0"] *= k
        p["s"] = sv.tolist()
    return p


def R_params_to_sm_start(p, t, s, m):
    """R-layout params -> statsmodels start_params (last seasonal state 0 / 1)."""
    v = [p["alpha"]]
    if t != "N":
        v.append(p["beta"])
    if s != "N":
        v.append(p["gamma"])
    if t == "Ad":
        v.append(p["phi"])
    l0, b0 = p["l0"], p["b0"]
    sv = None
    if s != "N":
        sv = np.array(p["s"], dtype=float)
        if s == "A":
            c = sv[-1]
            sv = sv - c
            l0 = l0 + c
        else:
            k = sv[-1]
            sv = sv / k
            l0 = l0 * k
            if t != "N":
                b0 = b0 * k
    v.append(l0)
    if t != "N":
        v.append(b0)
    if s != "N":
        v.extend(sv.tolist())
    return np.array(v, dtype=float)


def sf_params_to_R(fit, t, s, m):
    par = np.asarray(fit["par"], dtype=float)
    st = par[4:]
    p = dict(
        alpha=fnum(par[0]),
        beta=fnum(par[1]) if t != "N" else None,
        gamma=fnum(par[2]) if s != "N" else None,
        phi=fnum(par[3]) if t == "Ad" else None,
        l0=float(st[0]),
        b0=float(st[1]) if t != "N" else None,
        s=None,
    )
    if s != "N":
        k0 = 2 if t != "N" else 1
        p["s"] = st[k0 : k0 + m].tolist()
        assert len(p["s"]) == m
    return p


def is_admissible(p, t, s, m):
    nan = float("nan")
    return bool(
        sf_admissible(
            p["alpha"],
            p["beta"] if p["beta"] is not None else nan,
            p["gamma"] if p["gamma"] is not None else nan,
            p["phi"] if p["phi"] is not None else nan,
            m if s != "N" else 1,
        )
    )


def fit_sm(y, e, t, s, m, start=None):
    rec = dict(loglik_R=None, llf=None, converged=None, iterations=None, params=None,
               loglik_R_recomputed=None, error=None, warnings=[])
    try:
        with Captured() as cap:
            mod = ETSModel(y, **sm_kwargs(e, t, s, m))
            res = mod.fit(start_params=start, disp=False, maxiter=SM_ETS_MAXITER)
        n = len(y)
        rec["warnings"] = cap.messages
        rec["llf"] = float(res.llf)
        rec["loglik_R"] = float(res.llf + n / 2.0 * (math.log(2.0 * math.pi / n) + 1.0))
        rec["loglik_R_recomputed"] = loglik_R(y, np.asarray(res.fittedvalues, dtype=float), e)
        rv = res.mle_retvals or {}
        rec["converged"] = fnum(rv.get("converged")) is not None and bool(rv.get("converged"))
        rec["iterations"] = rv.get("iterations")
        rec["params"] = sm_params_to_R(res, t, s, m)
    except Exception as ex:  # record, never drop
        rec["error"] = f"{type(ex).__name__}: {ex}"[:300]
    return rec


def fit_sf(y, e, t, s, m):
    rec = dict(loglik_R=None, loglik_R_recomputed=None, n_params=None, aic=None, aicc=None,
               bic=None, iterations=None, params=None, error=None, warnings=[],
               restrict_false_needed=(e == "A" and s == "M"))
    try:
        with Captured() as cap:
            fit = ets_f(y.copy(), m, model=f"{e}{t[0]}{s}", damped=(t == "Ad"), restrict=False)
        rec["warnings"] = cap.messages
        rec["loglik_R"] = float(fit["loglik"])
        rec["n_params"] = int(fit["n_params"])
        rec["aic"], rec["aicc"], rec["bic"] = float(fit["aic"]), float(fit["aicc"]), float(fit["bic"])
        rec["method"] = fit.get("method")
        rec["iterations"] = int(fit["fit"].nit) if fit.get("fit") is not None else None
        rec["loglik_R_recomputed"] = loglik_R(y, np.asarray(fit["fitted"], dtype=float), e)
        rec["params"] = sf_params_to_R(fit, t, s, m)
    except Exception as ex:
        rec["error"] = f"{type(ex).__name__}: {ex}"[:300]
    return rec


def sf_loglik_at(y, m, e, t, s, p):
    """statsforecast's C++ recursion (pegelsresid_C, the etscalc port) evaluated at p: -0.5 * lik."""
    init = [p["l0"]] + ([p["b0"]] if t != "N" else []) + (list(p["s"]) if s != "N" else [])
    nan = float("nan")
    _, _, _, lik = sf_pegelsresid(
        y.copy(), m if s != "N" else 1, np.array(init, dtype=float), e, t[0], s, t == "Ad",
        p["alpha"], p["beta"] if t != "N" else nan, p["gamma"] if s != "N" else nan,
        p["phi"] if t == "Ad" else nan, 3)
    return fnum(-0.5 * lik)


def run_ets(series_list, log):
    results = []
    for ser in series_list:
        y, m, n = ser["values"], ser["m"], ser["n"]
        for e, t, s in ets_specs(ser):
            t0 = time.time()
            sm_rec = fit_sm(y, e, t, s, m)
            sf_rec = fit_sf(y, e, t, s, m)
            # third candidate: statsmodels L-BFGS started from statsforecast's optimum
            if sf_rec["params"] is not None:
                smw = fit_sm(y, e, t, s, m, start=R_params_to_sm_start(sf_rec["params"], t, s, m))
            else:
                smw = dict(loglik_R=None, error="no statsforecast fit to start from", params=None)
            same_model = s != "M"  # statsmodels' multiplicative-season update is not R's (see README)
            cands = {"statsmodels": sm_rec, "statsforecast": sf_rec, "statsmodels_from_statsforecast_start": smw}
            for k, c in cands.items():
                c["same_model_as_R"] = True if k == "statsforecast" else same_model
                if c.get("params") is not None:
                    # R-model log-likelihood at this candidate's parameters (independent filter)
                    c["loglik_R_recursion"] = ets_filter(y, m, e, t, s, c["params"])[1]
                    c["R_feasible"] = r_feasible(c["params"], t, s, m)
            # best of the libraries, as the libraries report it (statsmodels only where its model is R's)
            lib_src, lib_ll = None, None
            for k, c in cands.items():
                if c.get("loglik_R") is not None and c["same_model_as_R"] and (lib_ll is None or c["loglik_R"] > lib_ll):
                    lib_src, lib_ll = k, c["loglik_R"]
            # reference optimum: R model, R constraints (usual + admissible), polished from the library fits
            pool = []
            for k, c in cands.items():
                if c.get("params") is not None and c.get("R_feasible") and math.isfinite(c["loglik_R_recursion"]):
                    pool.append((c["loglik_R_recursion"], k, c["params"]))
            starts = []
            if sf_rec.get("params") is not None:
                starts.append(("polish_from_statsforecast", sf_rec["params"]))
            sm_like = [(c["loglik_R_recursion"], k, c) for k, c in cands.items()
                       if k != "statsforecast" and c.get("params") is not None
                       and math.isfinite(c.get("loglik_R_recursion", -math.inf))]
            if sm_like:
                ll, k, c = max(sm_like, key=lambda z: z[0])
                if sf_rec.get("loglik_R") is None or abs(ll - sf_rec["loglik_R"]) > 1e-6:
                    starts.append((f"polish_from_{k}", c["params"]))
            polished = {}
            for lab, p0 in starts:
                try:
                    r = polish(y, m, e, t, s, p0)
                except Exception as ex:
                    r = dict(error=f"{type(ex).__name__}: {ex}"[:300])
                if r is None:
                    r = dict(error="start point infeasible in R's constraints after projection")
                polished[lab] = r
                if r.get("loglik_R") is not None:
                    pool.append((r["loglik_R"], lab, r["params"]))
            k_par = n_params_R(t, s, m)
            entry = dict(
                series=ser["name"], spec=spec_name(e, t, s), error=e, trend=t, season=s,
                m=m if s != "N" else 1, n=n,
                statsmodels_loglik_R=sm_rec["loglik_R"],
                statsmodels_same_model_as_R=same_model,
                statsforecast_loglik=sf_rec["loglik_R"],
                statsmodels_from_sf_start_loglik_R=smw.get("loglik_R"),
                best_of_libraries=dict(loglik=lib_ll, source=lib_src),
                n_params=k_par,
                statsforecast_n_params=sf_rec["n_params"],
                statsforecast_aic=sf_rec["aic"], statsforecast_aicc=sf_rec["aicc"], statsforecast_bic=sf_rec["bic"],
                best=None,
                fits=cands,
                polish=polished,
            )
            if pool:
                ll, src, params = max(pool, key=lambda z: z[0])
                aic, aicc, bic = ic_R(ll, k_par, n)
                entry["best"] = dict(
                    source=src, loglik=ll, aic=aic, aicc=aicc, bic=bic, params=params,
                    R_feasible=r_feasible(params, t, s, m),
                    statsforecast_loglik_at_params=sf_loglik_at(y, m, e, t, s, params),
                    gain_over_best_of_libraries=(ll - lib_ll) if lib_ll is not None else None,
                )
            results.append(entry)
            log(f"  ets {ser['name']:16s} {spec_name(e, t, s):5s} sm={_f(sm_rec['loglik_R'])} "
                f"sf={_f(sf_rec['loglik_R'])} smw={_f(smw.get('loglik_R'))} "
                f"best={_f(entry['best']['loglik'] if entry['best'] else None)} "
                f"[{entry['best']['source'] if entry['best'] else None}] ({time.time() - t0:.1f}s)")
    return results


def _f(x):
    return "None" if x is None else f"{x:.3f}"


# -------------------------------------------------------------------- auto + MASE


def horizon(m):
    return min(2 * m, 24) if m > 1 else 10


def mase(actual, fc, train, m):
    lag = m if m > 1 else 1
    scale = np.mean(np.abs(train[lag:] - train[:-lag]))
    return float(np.mean(np.abs(actual - fc)) / scale)


def run_auto(series_list, log):
    rows = []
    for ser in series_list:
        y, m = ser["values"], ser["m"]
        h = horizon(m)
        train, test = y[:-h], y[-h:]
        row = dict(series=ser["name"], m=m, h=h, n_train=len(train),
                   mase_scale_lag=m if m > 1 else 1,
                   mase_scale=float(np.mean(np.abs(train[(m if m > 1 else 1):] - train[: -(m if m > 1 else 1)]))),
                   actual=test)
        for label, mk, describe in [
            ("autoets", lambda: AutoETS(season_length=m), lambda mod: mod.model_["method"]),
            ("autoarima", lambda: AutoARIMA(season_length=m), lambda mod: arima_string(mod.model_).strip()),
        ]:
            t0 = time.time()
            try:
                with Captured() as cap:
                    mod = mk().fit(train.copy())
                    fc = np.asarray(mod.predict(h=h)["mean"], dtype=float)
                info = dict(model=describe(mod), forecast=fc, mase=mase(test, fc, train, m),
                            loglik=fnum(mod.model_.get("loglik")), aicc=fnum(mod.model_.get("aicc")),
                            warnings=cap.messages, error=None)
            except Exception as ex:
                info = dict(model=None, forecast=None, mase=None, error=f"{type(ex).__name__}: {ex}"[:300])
            row[label] = info
            log(f"  auto {ser['name']:16s} {label:9s} {info['model']} MASE={_f(info['mase'])} ({time.time() - t0:.1f}s)")
        rows.append(row)
    summary = {}
    for label in ("autoets", "autoarima"):
        vals = [r[label]["mase"] for r in rows if r[label]["mase"] is not None]
        summary[label] = dict(mean_mase=float(np.mean(vals)) if vals else None, n_series=len(vals),
                              failed=[r["series"] for r in rows if r[label]["mase"] is None])
    return dict(
        protocol="hold out the last h values (h = min(2m, 24) if m > 1 else 10); fit on the rest with "
                 "statsforecast defaults (AutoETS(season_length=m), AutoARIMA(season_length=m)); point forecast "
                 "h steps; MASE = mean|actual - forecast| / mean|train[t] - train[t-lag]|, lag = m (1 when m == 1)",
        per_series=rows, summary=summary)


# --------------------------------------------------------------------------- ARIMA


def arima_cases(series_by_name):
    ap = series_by_name["airpassengers"]["values"]
    nile = series_by_name["nile"]["values"]
    lynx = series_by_name["lynx"]["values"]
    return [
        dict(name="airline_log_airpassengers", series="airpassengers", transform="log", y=np.log(ap),
             order=(0, 1, 1), seasonal_order=(0, 1, 1, 12), constant="none"),
        dict(name="arima111_011_12_log_airpassengers", series="airpassengers", transform="log", y=np.log(ap),
             order=(1, 1, 1), seasonal_order=(0, 1, 1, 12), constant="none"),
        dict(name="ar2_const_log_lynx", series="lynx", transform="log", y=np.log(lynx),
             order=(2, 0, 0), seasonal_order=(0, 0, 0, 0), constant="mean"),
        dict(name="ar2_const_lynx", series="lynx", transform="none", y=lynx.copy(),
             order=(2, 0, 0), seasonal_order=(0, 0, 0, 0), constant="mean"),
        dict(name="arima111_drift_nile", series="nile", transform="none", y=nile.copy(),
             order=(1, 1, 1), seasonal_order=(0, 0, 0, 0), constant="drift"),
        dict(name="arima111_noconst_nile", series="nile", transform="none", y=nile.copy(),
             order=(1, 1, 1), seasonal_order=(0, 0, 0, 0), constant="none"),
        dict(name="airline4_woolyrnq", series="woolyrnq", transform="none",
             y=series_by_name["woolyrnq"]["values"].copy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 4),
             constant="none"),
        dict(name="airline4_austres", series="austres", transform="none",
             y=series_by_name["austres"]["values"].copy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 4),
             constant="none"),
    ]


def _sm_result(res, extra=None):
    names = list(res.model.param_names)
    out = dict(
        params=dict(zip(names, np.asarray(res.params, dtype=float).tolist())),
        bse=None,
        llf=float(res.llf), aic=float(res.aic), aicc=float(res.aicc), bic=float(res.bic),
        nobs=int(res.nobs),
        nobs_effective=int(getattr(res, "nobs_effective", res.nobs)),
        loglikelihood_burn=int(res.loglikelihood_burn),
        nobs_diffuse=int(getattr(res, "nobs_diffuse", 0)),
        n_params_in_aic=int(res.df_model),
        converged=bool((res.mle_retvals or {}).get("converged", True)),
    )
    try:
        out["bse"] = dict(zip(names, np.asarray(res.bse, dtype=float).tolist()))
    except Exception:
        pass
    if extra:
        out.update(extra)
    return out


def run_arima(cases, log):
    out = []
    for c in cases:
        y, order, sorder, const = c["y"], c["order"], c["seasonal_order"], c["constant"]
        d = order[1] + sorder[1]
        sx_trend = "c" if const in ("mean", "drift") else "n"
        ar_trend = {"mean": "c", "drift": "t", "none": "n"}[const]
        sarimax_kw = dict(order=order, seasonal_order=sorder, trend=sx_trend)
        variants = {}

        def attempt(label, fn):
            t0 = time.time()
            try:
                with Captured() as cap:
                    r = fn()
                r["warnings"] = cap.messages
                r["error"] = None
            except Exception as ex:
                r = dict(error=f"{type(ex).__name__}: {ex}"[:300], llf=None)
            variants[label] = r
            log(f"  arima {c['name']:34s} {label:34s} llf={_f(r.get('llf'))} ({time.time() - t0:.1f}s)")

        attempt("sarimax_default", lambda: _sm_result(
            SARIMAX(y, **sarimax_kw).fit(disp=False),
            dict(call=f"SARIMAX(y, order={order}, seasonal_order={sorder}, trend='{sx_trend}').fit(disp=False)")))
        attempt("sarimax_simple_differencing", lambda: _sm_result(
            SARIMAX(y, simple_differencing=True, **sarimax_kw).fit(disp=False),
            dict(call=f"SARIMAX(y, order={order}, seasonal_order={sorder}, trend='{sx_trend}', "
                      "simple_differencing=True).fit(disp=False)")))

        def exact_diffuse():
            mod = SARIMAX(y, **sarimax_kw)
            init = mod.ssm.initialization
            from statsmodels.tsa.statespace.initialization import Initialization
            new = Initialization(mod.k_states)
            for idx, blk in init.blocks.items():
                typ = blk.initialization_type
                new.set((int(idx[0]), int(idx[-1]) + 1), "diffuse" if typ == "approximate_diffuse" else typ)
            mod.ssm.initialization = new
            mod.loglikelihood_burn = 0
            return _sm_result(mod.fit(disp=False), dict(
                call="SARIMAX(...) with the approximate_diffuse block of ssm.initialization replaced by "
                     "'diffuse' (exact diffuse Kalman filter) and loglikelihood_burn=0"))

        if d > 0:
            attempt("sarimax_exact_diffuse", exact_diffuse)
        attempt("statsmodels_arima", lambda: _sm_result(
            SMArima(y, order=order, seasonal_order=sorder, trend=ar_trend).fit(),
            dict(call=f"statsmodels.tsa.arima.model.ARIMA(y, order={order}, seasonal_order={sorder}, "
                      f"trend='{ar_trend}').fit()")))
        for method in ("CSS-ML", "ML"):
            def sf_fit(method=method):
                kw = dict(order=order, season_length=max(sorder[3], 1), seasonal_order=sorder[:3],
                          include_mean=(const == "mean"), include_drift=(const == "drift"), method=method)
                mod = SFArima(**kw).fit(y.copy())
                mm = mod.model_
                return dict(params={k: float(v) for k, v in mm["coef"].items()},
                            sigma2=float(mm["sigma2"]), llf=float(mm["loglik"]), aic=fnum(mm["aic"]),
                            aicc=fnum(mm.get("aicc")), bic=fnum(mm.get("bic")), nobs=int(mm["nobs"]),
                            model=arima_string(mm).strip(),
                            note=("all coefficients exactly 0: the optimiser did not move from its zero start; "
                                  "do not use as a reference") if mm["coef"] and all(float(v) == 0.0 for v in mm["coef"].values()) else None,
                            call=f"statsforecast.models.ARIMA(order={order}, season_length={kw['season_length']}, "
                                 f"seasonal_order={sorder[:3]}, include_mean={kw['include_mean']}, "
                                 f"include_drift={kw['include_drift']}, method='{method}').fit(y)")
            attempt(f"statsforecast_arima_{method.replace('-', '_').lower()}", sf_fit)
        out.append(dict(name=c["name"], series=c["series"], transform=c["transform"], order=list(order),
                        seasonal_order=list(sorder), constant=const, n=len(y), variants=variants))
    return out


# -------------------------------------------------------------------------- README


def md_table(header, rows):
    s = "| " + " | ".join(header) + " |\n|" + "|".join("---" for _ in header) + "|\n"
    for r in rows:
        s += "| " + " | ".join("" if v is None else str(v) for v in r) + " |\n"
    return s


def g(x, nd=3):
    return "—" if x is None else f"{x:.{nd}f}"


def write_readme(doc, path):
    v = doc["meta"]["versions"]
    buf = io.StringIO()
    w = buf.write
    w("# Reference numbers for retail-forecast (ETS, ARIMA, auto selection)\n\n")
    w("Generated by `compute_reference.py` in this folder; do not edit by hand, re-run instead:\n\n")
    w("```\ncd /work/main\n/work/venv/bin/python crates/retail-forecast/tests/reference/compute_reference.py\n```\n\n")
    w(f"Generated on {datetime.date.today().isoformat()} with Python {v['python']} "
      f"({doc['meta']['platform']}): statsmodels {v['statsmodels']}, statsforecast {v['statsforecast']}, "
      f"pmdarima {v['pmdarima']}, numpy {v['numpy']}, scipy {v['scipy']}, pandas {v['pandas']}. "
      f"The run is deterministic (no random draws); runtime about {doc['meta']['runtime_seconds']:.0f} s on 2 cores.\n\n")
    w("`reference.json` holds everything (all floats are written with `repr`, so they round-trip exactly); "
      "the Rust tests need no Python. Missing / failed values are `null`, with the error or warnings next to them.\n\n")

    w("## Summary\n\n")
    fits = doc["ets"]["fits"]
    same_gaps = [x for x in doc["ets"]["disagreements"] if x["same_model"]]
    big = same_gaps[0] if same_gaps else None
    w(f"- {len(doc['series'])} series, {len(fits)} ETS specs, {len(doc['arima'])} fixed-order ARIMA cases, "
      "AutoETS/AutoARIMA hold-out on every series.\n")
    w("- ETS log-likelihoods are all in R forecast::ets' convention; statsmodels' `llf` converts exactly with "
      "`loglik_R = llf + n/2 (log(2 pi/n) + 1)` (verified to 1e-12 against its fitted values).\n")
    w("- statsmodels' ETSModel uses a different multiplicative-season update than R/statsforecast (Holt-Winters "
      "component form), so its M-season fits are of another model; for N/A seasons both libraries evaluate the "
      "same likelihood to 1e-11.\n")
    w(f"- The libraries' optimisers disagree a lot: {len(doc['ets']['disagreements'])} specs differ by > 1 "
      f"log-lik unit, {len(same_gaps)} of them on the same model"
      + (f" (largest: {big['series']} {big['spec']}, statsmodels {big['statsmodels_loglik_R']:.2f} vs "
         f"statsforecast {big['statsforecast_loglik']:.2f})" if big else "")
      + ". Use `best` (R model, R constraints, polished) as the target, not either library alone.\n")
    w(f"- Mean hold-out MASE: AutoETS {g(doc['auto']['summary']['autoets']['mean_mase'])}, AutoARIMA "
      f"{g(doc['auto']['summary']['autoarima']['mean_mase'])}.\n\n")
    w("## Series\n\n")
    rows = [(s["name"], s["n"], s["m"], s["frequency"], s["start"], "yes" if s["strictly_positive"] else "no",
             s["source"] + ("; " + s["extraction"] if s["extraction"] != "as is" else "")) for s in doc["series"]]
    w(md_table(["name", "n", "m", "frequency", "start", "> 0", "source / extraction"], rows))
    w("\nNot used: " + "; ".join(f"{a} ({b})" for a, b in doc["meta"]["skipped_series"]) + ".\n\n")

    w("## Log-likelihood convention (ETS)\n\n")
    w(doc["meta"]["ets_convention"]["text"] + "\n\n")

    # ETS table
    w("## ETS fits (per series x spec)\n\n")
    w("Specs: error {A,M} x trend {N,A,Ad} x season {N,A,M}; seasonal only when 1 < m <= 24; M error / M season only "
      "for strictly positive data. Columns: `sm` = statsmodels ETSModel (L-BFGS, estimated initial states, maxiter "
      f"{SM_ETS_MAXITER}), converted to the R convention; for M-season specs (marked †) this is statsmodels' own, "
      "different model (see the convention section). `sf` = statsforecast `ets_f` (the function behind AutoETS). "
      "`sm*` = statsmodels started from statsforecast's optimum. `libs` = `best_of_libraries`, the largest of "
      "sm/sf/sm* where the model is R's. `best` = the reference optimum: R's model under R's constraints, polished "
      "from the library fits (source in the next column: sf = statsforecast, sm = statsmodels, sm* = statsmodels from "
      "sf start, p(...) = polished from that). `np` counts the R way. `sf ok` = statsforecast's own parameters "
      "satisfy R's constraints. A-error/M-season specs (ANM, AAM, AAdM) are forbidden by R's and statsforecast's "
      "default `restrict=True`; they are fitted with `ets_f(..., restrict=False)` and never appear in AutoETS.\n\n")
    short = {"statsmodels": "sm", "statsforecast": "sf", "statsmodels_from_statsforecast_start": "sm*"}

    def src(x):
        if x is None:
            return "—"
        if x.startswith("polish_from_"):
            return f"p({short.get(x[len('polish_from_'):], x)})"
        return short.get(x, x)

    rows = []
    for r in doc["ets"]["fits"]:
        b = r["best"] or {}
        rows.append((r["series"], r["spec"],
                     g(r["statsmodels_loglik_R"]) + ("" if r["statsmodels_same_model_as_R"] else " †"),
                     g(r["statsforecast_loglik"]), g(r["statsmodels_from_sf_start_loglik_R"]),
                     g(r["best_of_libraries"]["loglik"]), g(b.get("loglik")), src(b.get("source")),
                     r["n_params"], g(b.get("aicc"), 2),
                     "yes" if r["fits"]["statsforecast"].get("R_feasible") else "no"))
    w(md_table(["series", "spec", "sm", "sf", "sm*", "libs", "best", "best from", "np", "best AICc", "sf ok"], rows))

    w("\n### statsmodels vs statsforecast disagreements (> 1 log-lik unit)\n\n")
    gaps = doc["ets"]["disagreements"]
    n_same = sum(1 for x in gaps if x["same_model"])
    w(f"{len(gaps)} of {len(doc['ets']['fits'])} specs differ by more than 1 unit (sorted by size; positive = "
      f"statsmodels higher). {n_same} of them are N/A-season specs, where both libraries fit the same model and "
      "the gap is purely the optimiser (mostly statsforecast's Nelder-Mead stopping at its 1000-iteration cap far "
      "from the optimum, sometimes statsmodels stuck in a worse local optimum); the † rows (M season) also "
      "compare two different models. `best` is the reference optimum.\n\n")
    w(md_table(["series", "spec", "sm", "sf", "sm - sf", "best", "same model"],
               [(x["series"], x["spec"], g(x["statsmodels_loglik_R"]) + ("" if x["same_model"] else " †"),
                 g(x["statsforecast_loglik"]), g(x["gap"]), g(x["best"]), "yes" if x["same_model"] else "no")
                for x in gaps]))

    w("\n### Checks\n\n")
    for k, val in doc["ets"]["checks"].items():
        w(f"- `{k}`: {val}\n")

    # Auto
    a = doc["auto"]
    w("\n## AutoETS / AutoARIMA hold-out accuracy\n\n")
    w(a["protocol"] + ".\n\n")
    rows = [(r["series"], r["m"], r["h"], r["n_train"], r["autoets"]["model"], g(r["autoets"]["mase"]),
             r["autoarima"]["model"], g(r["autoarima"]["mase"])) for r in a["per_series"]]
    rows.append(("**mean**", "", "", "", "", g(a["summary"]["autoets"]["mean_mase"]), "",
                 g(a["summary"]["autoarima"]["mean_mase"])))
    w(md_table(["series", "m", "h", "n train", "AutoETS model", "MASE", "AutoARIMA model", "MASE"], rows))

    # ARIMA
    w("\n## ARIMA with fixed orders\n\n")
    w(doc["meta"]["arima_convention"] + "\n\n")
    air = next(c for c in doc["arima"] if c["name"] == "airline_log_airpassengers")["variants"]

    def pv(v):
        r = air[v]
        return ", ".join(f"{k} {val:.5f}" for k, val in r["params"].items()) + f", loglik {r['llf']:.4f}"

    w("**Airline model** (0,1,1)(0,1,1)12 on log AirPassengers: the expected ma1 -0.4019, sma1 -0.5571, "
      "loglik 244.70 are exactly statsmodels' defaults, `SARIMAX(y, order=(0,1,1), seasonal_order=(0,1,1,12))"
      ".fit(disp=False)` and `statsmodels.tsa.arima.model.ARIMA(...).fit()` (identical): "
      f"{pv('sarimax_default')} (approximate diffuse, 13 burned, 131 terms). R's `arima()` convention "
      f"(`simple_differencing=True`, exact likelihood of the 131 differenced values) gives {pv('sarimax_simple_differencing')}, "
      "i.e. R's published -0.4018 / -0.5569 / 244.7; the same optimum with an exact diffuse filter has "
      f"loglik {air['sarimax_exact_diffuse']['llf']:.4f} (diffuse-period terms included). statsforecast's ARIMA port "
      f"(CSS-ML) stops short: {pv('statsforecast_arima_css_ml')}.\n\n")
    rows = []
    for c in doc["arima"]:
        for lab, r in c["variants"].items():
            if r.get("error"):
                rows.append((c["name"], lab, "ERROR: " + r["error"], "", "", ""))
                continue
            ps = ", ".join(f"{k}={val:.5g}" for k, val in r["params"].items())
            rows.append((c["name"], lab, ps, g(r["llf"], 4), g(r.get("aic"), 3),
                         f"{r.get('nobs')}" + (f" (burn {r['loglikelihood_burn']}, diffuse {r['nobs_diffuse']})"
                                               if "loglikelihood_burn" in r else "")))
    w(md_table(["case", "variant", "params", "loglik", "aic", "nobs"], rows))
    Path(path).write_text(buf.getvalue())


# ---------------------------------------------------------------------------- main

ETS_CONVENTION = """\
statsforecast (`statsforecast/ets.py`, `etsmodel`) reports `loglik = -0.5 * lik`, where `lik` is returned by its C++
`_ets.calc`, a port of R forecast's `etscalc`:

* additive error: `lik = n * log(SSE)`, `SSE = sum (y_t - yhat_t)^2`;
* multiplicative error: `lik = n * log(sum e_t^2) + 2 * sum log|yhat_t|`, `e_t = (y_t - yhat_t) / yhat_t`.

So `loglik_R = -0.5 * n * log(SSE)` (A) and `-0.5 * (n * log(sum e_rel^2) + 2 * sum log|yhat|)` (M); the
constants of the Gaussian density are dropped. Verified: recomputing this from statsforecast's own `fitted`
and `residuals` reproduces its `loglik` (max abs difference in the checks below).

statsmodels `ETSModel` (`_loglike_internal`) maximises the concentrated Gaussian likelihood
`llf = -n/2 * (log(2*pi*SSE/n) + 1)  [ - sum log(yhat_t) for M error ]`, with SSE the sum of squared
(relative, for M error) residuals. Hence

    loglik_R = llf + n/2 * (log(2*pi/n) + 1)

for both error types (the `-sum log yhat` term is the same in both). Verified numerically for every fit:
`statsmodels_loglik_R` from this formula equals `loglik_R` recomputed from `res.fittedvalues` (checks below).

Parameter count and criteria (R `forecast::ets` and statsforecast, `etsmodel`): `np = len(par) + 1`, where
`par` holds the free smoothing parameters (alpha; beta if trend; gamma if season; phi if damped) and the
free initial states (l0; b0 if trend; m-1 seasonal states: the m-th is fixed by the normalisation
sum s = 0 (A) or sum s = m (M)); the +1 is sigma. `aic = -2 loglik + 2 np`,
`aicc = aic + 2 np (np + 1) / (n - np - 1)`, `bic = aic + np (log n - 2)` (= `-2 loglik + log(n) np`).
`n_params` in `reference.json` is this count; it is checked against statsforecast's `n_params`.

Parameters (`best.params` and each candidate's `params`) use R's layout: `alpha, beta, gamma, phi, l0, b0,
s = [s_0, s_-1, ..., s_-(m-1)]` (most recent first; the first forecast yhat_1 uses `s[m-1]`), with the
seasonal states normalised to sum 0 (A) / mean 1 (M). statsmodels fixes its last initial seasonal state to
0 / 1 instead; its states are shifted (A) or rescaled together with l0, b0 (M) into R's normalisation, which
leaves every fitted value unchanged. beta is Hyndman et al.'s beta (statsmodels' `smoothing_trend`, R's beta),
not beta* = beta/alpha.

**Recursion (R / statsforecast / this file's independent filter `ets_filter`)**, with q = l + phi*b (q = l
without trend), s_old = s_{t-m}:

    yhat = q | q + s_old | q * s_old                               (season N | A | M)
    l'   = q + alpha * (p - q),   p = y | y - s_old | y / s_old
    b'   = phi*b + (beta/alpha) * (l' - l - phi*b)
    s'   = s_old + gamma * (y - q - s_old)      (A)
    s'   = s_old + gamma * (y / q - s_old)      (M)

The state update is the same for both error types. The independent filter reproduces statsforecast's
log-likelihood at statsforecast's parameters for every spec (checks below).

**statsmodels' multiplicative season is a different model.** statsmodels' `_ets_smooth.pyx` uses the
Holt-Winters component form `s' = gamma* * y / l' + (1 - gamma*) * s_old` with gamma* = gamma/(1-alpha) and the
*new* level l'. For an additive season that is algebraically identical to the line above; for a
multiplicative season it is not (it differs by O(alpha*gamma) terms). So statsmodels' N/A-season fits are
fits of R's model (the filter reproduces them to ~1e-11), but its M-season fits (ANM, AAM, AAdM, MNM, MAM,
MAdM) maximise a slightly different likelihood; their `statsmodels_loglik_R` is converted correctly but is
not comparable to R/statsforecast, and `loglik_R_recursion` gives the R-model value at the same parameters.

**Constraints.** R's `ets(bounds='both')` requires the usual region (1e-4 <= alpha, beta, gamma <= 0.9999,
beta <= alpha, gamma <= 1 - alpha, 0.8 <= phi <= 0.98) and the admissible region; statsforecast's Python
`check_param` encodes the same. statsforecast's C++ Nelder-Mead objective, however, only applies the box
bounds (plus non-negative multiplicative seasonal states), so statsforecast can return e.g. gamma > 1 - alpha
(`R_feasible = false` on such candidates). statsmodels enforces beta* = beta/alpha and gamma* = gamma/(1-alpha)
in [1e-4, 0.9999], so it can return beta or gamma below R's 1e-4, but no admissibility check.

**best** (the reference target per spec): the highest R-model log-likelihood found under R's constraints
(usual + admissible, checked with statsforecast's own `check_param(bounds='both')`), over the library
candidates that satisfy them and a polish of statsforecast's fit and of the best statsmodels fit
(scipy L-BFGS-B, then Nelder-Mead, then L-BFGS-B on the independent filter; beta and gamma parametrised
inside their alpha-dependent bounds, the last seasonal state implied by the normalisation).
`best.statsforecast_loglik_at_params` re-evaluates `best.params` with statsforecast's C++ recursion
(`pegelsresid_C`). `best_of_libraries` is the brief's "max of statsmodels and statsforecast" (statsmodels
only where its model is R's); where it exceeds `best` the library point lies outside R's constraints (listed
in the checks)."""

ARIMA_CONVENTION = """\
Variants per case. `sarimax_default` and `statsmodels_arima`: statsmodels' defaults, which are **not** exact
diffuse: the d + D*s differencing states get an *approximate* diffuse prior (variance 1e6) and the first
d + D*s log-likelihood terms are dropped (`loglikelihood_burn`), so `llf` sums nobs - burn terms.
`sarimax_simple_differencing`: the series is differenced first and the exact Gaussian likelihood of the
stationary ARMA on the n - d - D*s differenced values is maximised; this is R's `arima(method='ML')`
convention. `sarimax_exact_diffuse`: the approximate block replaced by an exact diffuse initialisation and no
burn; statsmodels then includes terms for the diffuse periods, so its llf is on a different scale (its
parameters equal the simple-differencing ones; its aic also counts the d + D*s diffuse states as parameters).
`statsforecast_arima_*`: statsforecast's port of R's `stats::arima` (`method='CSS-ML'` is R's default),
nobs = n - d - D*s; its aic counts sigma2. In statsforecast 2.1.1 `method='ML'` returns every ARMA coefficient
exactly 0 whenever there is an MA or differenced term (the optimiser does not move from its zero start;
flagged in `note`): do not use those rows as references. `aicc` of the statsmodels variants is statsmodels'
(n = nobs as reported there).
Constant: for d = 0 SARIMAX's `trend='c'` is an intercept c (mean = c / (1 - sum ar)), statsmodels ARIMA's
`trend='c'` and statsforecast's `intercept` are the mean. For d = 1 SARIMAX `trend='c'` is the drift of the
differenced series (intercept in the ARMA equation of diff(y)); statsmodels ARIMA needs `trend='t'`, whose
`x1` and statsforecast's `drift` are the slope of a linear time trend in levels (= intercept / (1 - sum ar))."""


def main():
    t_start = time.time()
    quiet = "--quiet" in sys.argv

    def log(msg):
        if not quiet:
            print(msg, flush=True)

    np.seterr(all="ignore")
    series = load_series()
    by_name = {s["name"]: s for s in series}
    log(f"{len(series)} series: " + ", ".join(f"{s['name']}({s['n']},m={s['m']})" for s in series))

    ets_fits = run_ets(series, log)
    auto = run_auto(series, log)
    arima = run_arima(arima_cases(by_name), log)

    # checks & disagreements
    def maxdiff(pairs):
        d = [abs(a - b) for a, b in pairs if a is not None and b is not None]
        return max(d) if d else None

    sm_pairs, sf_pairs, np_mismatch, failures = [], [], [], []
    indep_sf, indep_sm_same, indep_sm_mseason, best_vs_sf = [], [], [], []
    for r in ets_fits:
        for k, c in r["fits"].items():
            if c.get("error"):
                failures.append(f"{r['series']} {r['spec']} {k}: {c['error']}")
            if c.get("loglik_R") is None:
                continue
            if c.get("loglik_R_recomputed") is not None:
                (sf_pairs if k == "statsforecast" else sm_pairs).append((c["loglik_R"], c["loglik_R_recomputed"]))
            if c.get("loglik_R_recursion") is not None:
                pair = (c["loglik_R"], c["loglik_R_recursion"])
                if k == "statsforecast":
                    indep_sf.append(pair)
                elif c["same_model_as_R"]:
                    indep_sm_same.append(pair)
                else:
                    indep_sm_mseason.append(pair)
        for k, c in r["polish"].items():
            if c.get("error"):
                failures.append(f"{r['series']} {r['spec']} {k}: {c['error']}")
        if r["best"]:
            best_vs_sf.append((r["best"]["loglik"], r["best"]["statsforecast_loglik_at_params"]))
        if r["statsforecast_n_params"] is not None and r["statsforecast_n_params"] != r["n_params"]:
            np_mismatch.append(f"{r['series']} {r['spec']}: ours {r['n_params']} sf {r['statsforecast_n_params']}")
    non_converged = [f"{r['series']} {r['spec']} {k}" for r in ets_fits for k, c in r["fits"].items()
                     if k != "statsforecast" and c.get("converged") is False]
    sf_maxit = [f"{r['series']} {r['spec']}" for r in ets_fits
                if (r["fits"]["statsforecast"].get("iterations") or 0) >= 1000]
    sf_infeasible = [f"{r['series']} {r['spec']}" for r in ets_fits
                     if r["fits"]["statsforecast"].get("R_feasible") is False]
    lib_above_best = []
    for r in ets_fits:
        bl, b = r["best_of_libraries"], r["best"]
        if b and bl["loglik"] is not None and bl["loglik"] > b["loglik"] + 1e-6:
            c = r["fits"][bl["source"]]
            pr = c["params"]
            why = []
            if pr["beta"] is not None and pr["beta"] < R_LOWER[1]:
                why.append(f"beta={pr['beta']:.3g} < 1e-4")
            if pr["gamma"] is not None and pr["gamma"] < R_LOWER[2]:
                why.append(f"gamma={pr['gamma']:.3g} < 1e-4")
            if pr["beta"] is not None and pr["beta"] > pr["alpha"]:
                why.append("beta > alpha")
            if pr["gamma"] is not None and pr["gamma"] > 1 - pr["alpha"]:
                why.append(f"gamma={pr['gamma']:.3g} > 1-alpha={1 - pr['alpha']:.3g}")
            if not is_admissible(pr, r["trend"], r["season"], r["m"]):
                why.append("not admissible")
            lib_above_best.append(f"{r['series']} {r['spec']}: {bl['source']} {bl['loglik']:.4f} > best "
                                  f"{b['loglik']:.4f} (R_feasible={c.get('R_feasible')}; {', '.join(why) or '?'})")
    checks = {
        "max |statsmodels loglik_R (llf + n/2 (log(2pi/n)+1)) - loglik_R recomputed from its fittedvalues|": maxdiff(sm_pairs),
        "max |statsforecast loglik - loglik_R recomputed from its fitted/residuals|": maxdiff(sf_pairs),
        "max |statsforecast loglik - independent filter at statsforecast's params|": maxdiff(indep_sf),
        "max |statsmodels loglik_R - independent filter at statsmodels' params|, N/A season": maxdiff(indep_sm_same),
        "max |statsmodels loglik_R - independent filter at statsmodels' params|, M season (different model)": maxdiff(indep_sm_mseason),
        "max |best.loglik - statsforecast's C++ recursion (pegelsresid_C) at best.params|": maxdiff(best_vs_sf),
        "n_params mismatches vs statsforecast": np_mismatch or "none",
        "failed fits": failures or "none",
        "statsmodels fits not flagged converged by L-BFGS": non_converged or "none",
        "statsforecast fits that stopped at its 1000-iteration Nelder-Mead cap": f"{len(sf_maxit)} of {len(ets_fits)}",
        "statsforecast fits outside R's constraints (usual + admissible)": f"{len(sf_infeasible)} of {len(ets_fits)}: " + ", ".join(sf_infeasible),
        "best fits outside R's constraints": [f"{r['series']} {r['spec']}" for r in ets_fits
                                               if r["best"] and not r["best"]["R_feasible"]] or "none",
        "specs where best_of_libraries > best (library point outside R's constraints)": lib_above_best or "none",
    }
    gaps = []
    for r in ets_fits:
        a, b = r["statsmodels_loglik_R"], r["statsforecast_loglik"]
        if a is not None and b is not None and abs(a - b) > 1.0:
            gaps.append(dict(series=r["series"], spec=r["spec"], statsmodels_loglik_R=a,
                             statsforecast_loglik=b, gap=a - b, best=r["best"]["loglik"],
                             same_model=r["statsmodels_same_model_as_R"]))
        elif (a is None) != (b is None):
            gaps.append(dict(series=r["series"], spec=r["spec"], statsmodels_loglik_R=a,
                             statsforecast_loglik=b, gap=None, best=r["best"]["loglik"] if r["best"] else None,
                             same_model=r["statsmodels_same_model_as_R"]))
    gaps.sort(key=lambda x: -abs(x["gap"]) if x["gap"] is not None else -1e300)

    doc = dict(
        meta=dict(
            generator="crates/retail-forecast/tests/reference/compute_reference.py",
            versions=dict(python=platform.python_version(), statsmodels=statsmodels.__version__,
                          statsforecast=statsforecast.__version__, pmdarima=pmdarima.__version__,
                          numpy=np.__version__, scipy=scipy.__version__, pandas=pd.__version__),
            platform=f"{platform.system()} {platform.machine()}",
            runtime_seconds=None,
            skipped_series=SKIPPED_SERIES,
            ets_convention=dict(
                loglik="R forecast::ets / statsforecast: A error -0.5*n*log(SSE); M error "
                       "-0.5*(n*log(sum(((y-yhat)/yhat)^2)) + 2*sum(log|yhat|))",
                statsmodels_to_R="loglik_R = llf + n/2*(log(2*pi/n) + 1)",
                n_params="#free smoothing params (alpha, beta, gamma, phi as present) + #free initial states "
                         "(l0, b0, m-1 seasonal) + 1 (sigma)",
                aic="-2*loglik + 2*np", aicc="aic + 2*np*(np+1)/(n-np-1)", bic="aic + np*(log(n)-2)",
                statsmodels_multiplicative_season="statsmodels ETSModel's M-season update is the Holt-Winters "
                    "component form s' = gamma*·y/l' + (1-gamma*)·s_old, not R's s' = s_old + gamma·(y/q - s_old): "
                    "its M-season fits are of a different model (statsmodels_same_model_as_R = false)",
                best="max R-model loglik under R's constraints (usual + admissible) over feasible library fits and "
                     "scipy polishes of them; best_of_libraries = max of the libraries' own values",
                params_layout="alpha, beta (Hyndman beta, not beta*), gamma, phi, l0, b0, s=[s_0, s_-1, ..., "
                              "s_-(m-1)] most recent first, first forecast uses s[m-1]; seasonal normalised to "
                              "sum 0 (A) / mean 1 (M)",
                text=ETS_CONVENTION,
            ),
            arima_convention=ARIMA_CONVENTION,
        ),
        series=[{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in s.items()} for s in series],
        ets=dict(fits=ets_fits, disagreements=gaps, checks=checks),
        auto=auto,
        arima=arima,
    )
    doc["meta"]["runtime_seconds"] = round(time.time() - t_start, 1)
    doc = clean(doc)
    runtime = doc["meta"]["runtime_seconds"]
    doc["meta"]["runtime_seconds"] = None  # keep reference.json byte-identical across runs
    (HERE / "reference.json").write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")
    doc["meta"]["runtime_seconds"] = runtime
    write_readme(doc, HERE / "README.md")
    log(f"wrote {HERE / 'reference.json'} and README.md in {runtime:.0f} s")


if __name__ == "__main__":
    main()
