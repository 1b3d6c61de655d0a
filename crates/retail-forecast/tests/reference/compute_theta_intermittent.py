#!/usr/bin/env python
"""Reference numbers for retail-forecast's Theta and intermittent-demand models.

Run from the workspace root, with statsforecast 2.1.1 in a venv:

    python3 -m venv /tmp/venv-theta && /tmp/venv-theta/bin/pip install statsforecast==2.1.1
    /tmp/venv-theta/bin/python crates/retail-forecast/tests/reference/compute_theta_intermittent.py

Writes theta_intermittent.json next to this file; AirPassengers is read from reference.json
(R forecast::thetaf numbers: thetaf_reference.R, written to thetaf.json). Deterministic: no
random draws (statsforecast's Theta intervals are simulated, so only its point forecasts and
in-sample MSE are kept).
"""

import json
import platform
from pathlib import Path

import numpy as np
import statsforecast
from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoTheta,
    CrostonClassic,
    CrostonOptimized,
    CrostonSBA,
)
from statsforecast.theta import auto_theta, forecast_theta

HERE = Path(__file__).resolve().parent

# 40 weeks of one product's units, 12 demand weeks (committed here and in the Rust test).
INTERMITTENT = [0, 0, 3, 0, 0, 0, 5, 0, 1, 0, 0, 0, 0, 7, 0, 2, 0, 0, 4, 0,
                0, 0, 0, 0, 6, 0, 3, 0, 0, 1, 0, 0, 0, 8, 0, 0, 2, 0, 0, 5]
# A lumpier one: long gaps, one big order.
LUMPY = [0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 30, 0, 0,
         0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 1, 0]
H = 12


def main():
    series = json.loads((HERE / "reference.json").read_text())["series"]
    air = np.asarray(next(s for s in series if s["name"] == "airpassengers")["values"], dtype=float)
    out = {
        "generator": "crates/retail-forecast/tests/reference/compute_theta_intermittent.py",
        "versions": {"python": platform.python_version(),
                     "statsforecast": statsforecast.__version__,
                     "numpy": np.__version__},
        "intermittent": {},
        "theta": {},
    }
    for name, y in [("intermittent", INTERMITTENT), ("lumpy", LUMPY)]:
        y = np.asarray(y, dtype=float)
        per = {"y": y.tolist()}
        for label, model in [("croston", CrostonClassic()), ("croston_sba", CrostonSBA()),
                             ("croston_optimized", CrostonOptimized()),
                             ("tsb_0.1_0.1", TSB(alpha_d=0.1, alpha_p=0.1)),
                             ("tsb_0.2_0.05", TSB(alpha_d=0.2, alpha_p=0.05)),
                             ("adida", ADIDA()), ("imapa", IMAPA())]:
            per[label] = float(model.forecast(y=y, h=H)["mean"][0])
        out["intermittent"][name] = per
    for name, y, m in [("airpassengers", air, 12), ("airpassengers_nonseasonal", air, 1),
                       ("airpassengers_head48", air[:48], 12)]:
        per = {"m": m, "n": len(y)}
        for model in ["STM", "OTM", "DSTM", "DOTM", None]:
            fit = auto_theta(y, m, model=model)
            f = forecast_theta(fit, H)
            per[model or "auto"] = {
                "modeltype": fit["modeltype"],
                "mse": float(fit["mse"]),
                "par": {k: float(v) for k, v in fit["par"].items()},
                "decompose": bool(fit.get("decompose", False)),
                "mean": f["mean"].tolist(),
            }
        per["AutoTheta_model"] = AutoTheta(season_length=m).forecast(y=y, h=H)["mean"].tolist()
        out["theta"][name] = per
    (HERE / "theta_intermittent.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
