#!/usr/bin/env python3
"""Speed per series of the Theta and intermittent-demand models: ours vs statsforecast (and
R forecast's thetaf when Rscript has it), one series at a time on one core.

Usage (from the workspace root; a Python with statsforecast, e.g. /tmp/venv-theta):

    cargo build --release -p retail-forecast --example theta_intermittent_speed
    /tmp/venv-theta/bin/python benches/compare_theta_intermittent.py --series 1000

Series: ours' example writes its deterministic synthetic weekly series (156 weeks; smooth ones
for Theta with season 52, the same thinned to about one selling week in three for the
intermittent models) and times its own fits in-process (fits + 12-week point forecasts, no
intervals). Peers: statsforecast 2.x models' `forecast(y=..., h=12)` per series (no
intervals), `time.process_time()` around each call after one warm-up call; BLAS/numba limited
to one thread. R: `thetaf(ts(y, frequency = 52), h = 12)` per series, `proc.time()` around the
loop. Reported: seconds of CPU per 1,000 series and ours / peer speed (> 1: ours faster), and
the mean first forecast of each tool (the answers must agree for the comparison to mean
anything: printed side by side).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402

PAIRS = [
    # ours, statsforecast class, kwargs, which series
    ("thetaf", "Theta", {"season_length": 52}, "smooth"),
    ("AutoTheta", "AutoTheta", {"season_length": 52}, "smooth"),
    ("CrostonClassic", "CrostonClassic", {}, "intermittent"),
    ("CrostonSBA", "CrostonSBA", {}, "intermittent"),
    ("CrostonOptimized", "CrostonOptimized", {}, "intermittent"),
    ("TSB", "TSB", {"alpha_d": 0.1, "alpha_p": 0.1}, "intermittent"),
    ("ADIDA", "ADIDA", {}, "intermittent"),
    ("IMAPA", "IMAPA", {}, "intermittent"),
]


def read(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    ids = data[:, 0].astype(int)
    return [data[ids == k, 2] for k in np.unique(ids)]


def time_statsforecast(name, kwargs, series):
    import statsforecast.models as m

    model = getattr(m, name)(**kwargs)
    model.forecast(y=series[0], h=12)  # warm-up (numba / imports)
    cpu, first = 0.0, []
    for y in series:
        start = time.process_time()
        f = model.forecast(y=y, h=12)["mean"]
        cpu += time.process_time() - start
        first.append(f[0])
    return cpu, float(np.mean(first))


def time_r(path, n):
    if shutil.which("Rscript") is None:
        return None
    script = f"""
suppressMessages(library(forecast))
d <- read.csv("{path}")
s <- split(d$y, d$unique_id)[1:{n}]
invisible(thetaf(ts(s[[1]], frequency = 52), h = 12))
t0 <- proc.time()
f <- sapply(s, function(y) thetaf(ts(y, frequency = 52), h = 12)$mean[1])
t <- proc.time() - t0
cat(t[["user.self"]] + t[["sys.self"]], mean(f), "\\n")
"""
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    cpu, mean = out.stdout.split()[-2:]
    return float(cpu), float(mean)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--peer-series", type=int, default=None, help="statsforecast/R get the first N")
    ap.add_argument("--example", default="target/release/examples/theta_intermittent_speed")
    args = ap.parse_args()
    peer_n = args.peer_series or args.series
    tmp = tempfile.mkdtemp()
    smooth_csv, sparse_csv = os.path.join(tmp, "smooth.csv"), os.path.join(tmp, "sparse.csv")
    out = subprocess.run([args.example, "--series", str(args.series), "--write-smooth", smooth_csv,
                          "--write-intermittent", sparse_csv], capture_output=True, text=True, check=True)
    ours = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        ours[parts[0]] = (int(parts[1]), float(parts[2]), float(parts[-1]))
    data = {"smooth": read(smooth_csv), "intermittent": read(sparse_csv)}
    print(f"{args.series} series (peers: first {peer_n}), 156 weeks, h = 12, one core\n")
    print("| model | ours s / 1,000 series (wall, one thread, in-process) | peer | peer CPU s / 1,000 series | ours / peer speed | mean first forecast ours / peer |")
    print("|---|---:|---|---:|---:|---|")
    for ours_name, sf_name, kwargs, kind in PAIRS:
        n, secs, mean = ours[ours_name]
        ours_per_k = secs / n * 1000
        cpu, peer_mean = time_statsforecast(sf_name, kwargs, data[kind][:peer_n])
        peer_per_k = cpu / peer_n * 1000
        print(f"| {ours_name} | {ours_per_k:.3f} | statsforecast {sf_name} | {peer_per_k:.3f} | "
              f"{peer_per_k / ours_per_k:.1f} | {mean:.4f} / {peer_mean:.4f} |")
        if ours_name == "thetaf":
            r = time_r(smooth_csv, peer_n)
            if r is not None:
                print(f"| thetaf | {ours_per_k:.3f} | R forecast thetaf | {r[0] / peer_n * 1000:.3f} | "
                      f"{r[0] / peer_n * 1000 / ours_per_k:.1f} | {mean:.4f} / {r[1]:.4f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
