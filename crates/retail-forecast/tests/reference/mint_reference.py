"""MinT-shrink reference for retail-forecast reconcile.rs (unit test mint_matches_hierarchicalforecast).

Run: python3 -m venv v && v/bin/pip install hierarchicalforecast==1.5.3 && v/bin/python mint_reference.py
Prints the version and a JSON of the residuals, base forecasts and MinTrace(mint_shrink) result."""
import numpy as np, json, hierarchicalforecast
from hierarchicalforecast.methods import MinTrace, BottomUp
rng=np.random.default_rng(7)
T=12; k=3
bottom=rng.normal(size=(k,T))*np.array([[3.0],[2.0],[1.0]])
common=rng.normal(size=T)
bottom[0]+=common; bottom[1]+=0.5*common
tot=bottom.sum(0)+rng.normal(size=T)*0.8
res=np.round(np.vstack([tot,bottom]),6)   # residuals, rounded as printed
S=np.vstack([np.ones((1,k)),np.eye(k)])
y_hat=np.array([[100.0,104.0],[40.0,41.0],[35.0,36.0],[20.0,22.0]])
y_ins=np.zeros((4,T)); yhat_ins=-res  # residual = y - yhat
mt=MinTrace(method="mint_shrink", mint_shr_ridge=0.0)
out=mt.fit_predict(S=S,y_hat=y_hat,y_insample=y_ins,y_hat_insample=yhat_ins)
print(hierarchicalforecast.__version__)
print(json.dumps({"residuals":np.round(res,6).tolist(),"base":y_hat.tolist(),"mint":out["mean"].tolist()}))
