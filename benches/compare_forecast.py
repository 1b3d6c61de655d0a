"""statsforecast's side of the weekly forecasting comparison (docs/benchmarks.md).

Reads the series written by `examples/weekly_forecast.rs --write FILE` (unique_id,ds,y) and
times statsforecast's AutoETS (season_length 52 and 1) and AutoARIMA (season_length 52) on
one core, one series at a time, as our example does.

    /work/venv/bin/python benches/compare_forecast.py /tmp/weekly.csv --ets 200 --arima 10
"""
import argparse
import collections
import time

import numpy as np
import pandas as pd
from statsforecast.models import AutoARIMA, AutoETS


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("--ets", type=int, default=200, help="series for AutoETS")
    p.add_argument("--arima", type=int, default=10, help="series for AutoARIMA")
    a = p.parse_args()
    df = pd.read_csv(a.csv)
    series = [g["y"].to_numpy(dtype=float) for _, g in df.groupby("unique_id", sort=True)]
    # Warm up numba outside the timings.
    AutoETS(season_length=1).fit(series[0])
    AutoETS(season_length=52).fit(series[0])
    AutoARIMA(season_length=52).fit(series[0][:110])
    for name, make, n in [
        ("AutoETS, season_length=1", lambda: AutoETS(season_length=1), a.ets),
        ("AutoETS, season_length=52", lambda: AutoETS(season_length=52), a.ets),
        ("AutoARIMA, season_length=52", lambda: AutoARIMA(season_length=52), a.arima),
    ]:
        models = collections.Counter()
        start = time.process_time()
        for y in series[:n]:
            m = make().fit(y)
            models[str(m.model_.get("method", m.model_.get("components", "?")) if isinstance(m.model_, dict) else "?")] += 1
        cpu = time.process_time() - start
        print(f"{name:32} {n:5} series {cpu:8.2} CPU-s {n / cpu:8.2} series/CPU-s  {models.most_common(3)}")


if __name__ == "__main__":
    main()
