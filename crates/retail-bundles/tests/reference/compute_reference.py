#!/usr/bin/env python3
"""Independent reference numbers for frequent-itemset mining.

Run from /work/main:

    /work/venv/bin/python crates/retail-bundles/tests/reference/compute_reference.py --shared ../shared/data

Writes reference.json next to this script (deterministic: no timings, no dates).
Timings and a markdown summary table go to stdout / stderr only.

Reference tool: pyfim (Christian Borgelt's C implementation of FP-growth).
Every setting is cross-checked against a small pure-Python Eclat (bitset
tidsets, exact integer counts) written here: the full lists of frequent,
closed and maximal itemsets must agree exactly with pyfim, and singleton
counts must agree with a plain Counter.  mlxtend is used for the groceries
association rules and as a second (float-threshold) FP-growth.

Conventions (matching the Rust implementation under test):
  * a basket is a SET: duplicate items within a line are removed;
  * an empty line (other than the text after the final newline) is an empty
    basket and counts in n;
  * FIMI lines are split on whitespace (trailing spaces ignored), items are ints;
  * groceries.csv lines are split on ',' with NO stripping (two item names,
    "cream cheese " and "roll products ", end in a space in the source data);
  * frequent iff count >= min_count, min_count = ceil(Fraction(str(f)) * n);
  * the empty itemset is never counted (pyfim zmin=1).

pyfim 6.28 bug worked around: fpgrowth drops itemsets made only of items that
occur in every basket (mushroom item 85); pyfim is therefore always given one
extra empty transaction (see pyfim_run).  Absolute thresholds make this exact.
"""
import argparse
import hashlib
import importlib.metadata as md
import json
import math
import os
import platform
import sys
import time
from collections import Counter
from fractions import Fraction

import fim  # pyfim
import numpy as np
import pandas as pd
from mlxtend.frequent_patterns import association_rules
from mlxtend.frequent_patterns import fpgrowth as mlx_fpgrowth

HERE = os.path.dirname(os.path.abspath(__file__))
COMMAND = ("/work/venv/bin/python crates/retail-bundles/tests/reference/compute_reference.py "
           "--shared ../shared/data")

# (dataset, relative file, format, [fractions as decimal strings])
SETTINGS = [
    ("retail", "baskets/retail/retail.dat", "fimi", ["0.0005", "0.001"]),
    ("mushroom", "baskets/mushroom/mushroom.dat", "fimi", ["0.1"]),
    ("chess", "baskets/chess/chess.dat", "fimi", ["0.8"]),
    ("T10I4D100K", "baskets/T10I4D100K/T10I4D100K.dat", "fimi", ["0.005"]),
    ("kosarak_head", "baskets/kosarak_head/kosarak_head.dat", "fimi", ["0.001"]),
    ("groceries", "baskets/groceries/groceries.csv", "csv", ["0.01", "0.005"]),
]
# mlxtend fpgrowth comparison settings
MLX_SETTINGS = [("groceries", "0.01"), ("groceries", "0.005"), ("mushroom", "0.1"), ("retail", "0.001")]
RULES_SETTING = ("groceries", "0.01")
RULES_MIN_CONF = "0.2"
MLX_MAX_DENSE_BYTES = 10 * 1024 ** 3  # skip mlxtend if the dense one-hot frame would exceed this

TIMINGS = {}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- loading
def load_baskets(path, fmt):
    raw = open(path, "rb").read()
    info = {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
    text = raw.decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":  # text after the final newline is not a basket
        lines.pop()
    baskets, tokens, dups, empty, crs = [], 0, 0, 0, 0
    for line in lines:
        if line.endswith("\r"):
            line = line[:-1]
            crs += 1
        if fmt == "fimi":
            toks = [int(t) for t in line.split()]
        else:
            toks = line.split(",") if line != "" else []
            if any(t == "" for t in toks):
                raise ValueError("empty item name in %s: %r" % (path, line))
        s = set(toks)
        tokens += len(toks)
        dups += len(toks) - len(s)
        if not s:
            empty += 1
        baskets.append(tuple(sorted(s)))
    info.update({"item_tokens": tokens, "duplicate_items_removed": dups, "empty_baskets": empty,
                 "item_occurrences_dedup": tokens - dups, "crlf_lines": crs})
    return baskets, info


def min_count_for(fraction_str, n):
    return math.ceil(Fraction(fraction_str) * n)


# --------------------------------------------------------------------------- independent Eclat
def eclat(baskets, min_count):
    """All frequent itemsets (frozenset -> count), exact, pure Python bitsets."""
    n = len(baskets)
    cnt = Counter(i for b in baskets for i in b)
    items = sorted((i for i, c in cnt.items() if c >= min_count), key=lambda i: (cnt[i], i))
    idx = {i: k for k, i in enumerate(items)}
    bufs = [bytearray((n + 7) // 8) for _ in items]
    for t, b in enumerate(baskets):
        byte, bit = t >> 3, 1 << (t & 7)
        for i in b:
            k = idx.get(i)
            if k is not None:
                bufs[k][byte] |= bit
    tids = [int.from_bytes(x, "little") for x in bufs]
    for k, i in enumerate(items):
        assert tids[k].bit_count() == cnt[i]
    out = {}

    def rec(prefix, cands):
        for j, (i, ti, ci) in enumerate(cands):
            p = prefix + (i,)
            out[frozenset(p)] = ci
            nxt = []
            for (i2, t2, _) in cands[j + 1:]:
                t = ti & t2
                c = t.bit_count()
                if c >= min_count:
                    nxt.append((i2, t, c))
            if nxt:
                rec(p, nxt)

    rec((), [(i, tids[k], cnt[i]) for k, i in enumerate(items)])
    return out, cnt


def closed_and_maximal(freq):
    """Closed / maximal itemsets derived from the complete frequent-itemset dict."""
    not_closed, not_max = set(), set()
    for s, c in freq.items():
        if len(s) < 2:
            continue
        for i in s:
            sub = s - {i}
            not_max.add(sub)
            if freq[sub] == c:
                not_closed.add(sub)
    closed = {s for s in freq if s not in not_closed}
    maximal = {s for s in freq if s not in not_max}
    return closed, maximal


# --------------------------------------------------------------------------- helpers
def sort_key(items_count):
    s, c = items_count
    return (-c, len(s), sorted(s))


def fmt_items(s):
    return sorted(s)


def pyfim_run(baskets, min_count, target, pad=True):
    """pyfim fpgrowth with an ABSOLUTE minimum support (negative supp) and zmin=1.

    pad=True appends one empty transaction.  pyfim 6.28 (fpgrowth, eclat, apriori, fim;
    not relim/sam) silently drops every non-empty itemset made only of items that occur
    in EVERY transaction (e.g. mushroom item 85, count 8124 = n), also from the closed
    output.  One extra empty transaction changes no non-empty itemset's count, nor
    closedness/maximality, but makes no item universal.  Thresholds are absolute, so n
    is not involved.  The padded results are verified against the Python Eclat below.
    """
    tracts = list(baskets) + [()] if pad else baskets
    t0 = time.perf_counter()
    res = fim.fpgrowth(tracts, target=target, supp=-min_count, zmin=1, report="a")
    dt = time.perf_counter() - t0
    d = {}
    for s, c in res:
        fs = frozenset(s)
        assert len(fs) == len(s) >= 1, "empty or duplicate itemset from pyfim"
        assert fs not in d
        d[fs] = int(c)
    return d, dt


def jnum(x):
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    assert not math.isnan(x)
    return x


# --------------------------------------------------------------------------- per setting
def analyse(name, rel, baskets, info, fraction):
    n = len(baskets)
    mc = min_count_for(fraction, n)
    key = "%s@%s" % (name, fraction)
    log("== %s: n=%d min_count=%d" % (key, n, mc))
    freq, t_s = pyfim_run(baskets, mc, "s")
    closed_p, t_c = pyfim_run(baskets, mc, "c")
    maximal_p, t_m = pyfim_run(baskets, mc, "m")
    TIMINGS[key] = {"pyfim_s": t_s, "pyfim_c": t_c, "pyfim_m": t_m}
    log("   pyfim: %d frequent (%.3fs), %d closed (%.3fs), %d maximal (%.3fs)"
        % (len(freq), t_s, len(closed_p), t_c, len(maximal_p), t_m))

    # independent cross-checks
    t0 = time.perf_counter()
    ref, item_counts = eclat(baskets, mc)
    TIMINGS[key]["eclat_py"] = time.perf_counter() - t0
    assert ref == freq, "pyfim and Python Eclat disagree on %s" % key
    assert min(freq.values()) >= mc
    for s, c in freq.items():
        if len(s) == 1:
            assert item_counts[next(iter(s))] == c
    assert sum(1 for c in item_counts.values() if c >= mc) == sum(1 for s in freq if len(s) == 1)
    for s, c in closed_p.items():
        assert freq[s] == c
    for s, c in maximal_p.items():
        assert freq[s] == c
    closed_r, maximal_r = closed_and_maximal(freq)
    assert set(closed_p) == closed_r, "closed sets disagree on %s" % key
    assert set(maximal_p) == maximal_r, "maximal sets disagree on %s" % key
    log("   Python Eclat + derived closed/maximal agree exactly (%.2fs)" % TIMINGS[key]["eclat_py"])
    universal = sorted(i for i, c in item_counts.items() if c == n)
    quirk = None
    if universal:  # document what unpadded pyfim 6.28 reports here
        raw = {t: pyfim_run(baskets, mc, t, pad=False)[0] for t in "scm"}
        quirk = {"items_in_every_basket": universal,
                 "unpadded_pyfim_frequent": len(raw["s"]), "unpadded_pyfim_closed": len(raw["c"]),
                 "unpadded_pyfim_maximal": len(raw["m"]),
                 "missing_from_unpadded": [[fmt_items(s), c] for s, c in sorted(freq.items(), key=sort_key)
                                           if s not in raw["s"]][:20]}
        log("   pyfim quirk: unpadded run reports %d/%d/%d" % (len(raw["s"]), len(raw["c"]), len(raw["m"])))

    by_len = Counter(len(s) for s in freq)
    top = sorted(freq.items(), key=sort_key)[:10]
    entry = {
        "file": rel,
        "fraction": fraction,
        "n": n,
        "min_count": mc,
        "distinct_items": len(item_counts),
        "frequent_items": by_len.get(1, 0),
        "frequent": len(freq),
        "by_length": {str(k): by_len[k] for k in sorted(by_len)},
        "closed": len(closed_p),
        "maximal": len(maximal_p),
        "support_sum": sum(freq.values()),
        "top10": [[fmt_items(s), c] for s, c in top],
        "items_in_every_basket": len(universal),
    }
    return key, entry, freq, quirk


# --------------------------------------------------------------------------- mlxtend
def onehot(baskets):
    items = sorted({i for b in baskets for i in b})
    idx = {i: k for k, i in enumerate(items)}
    arr = np.zeros((len(baskets), len(items)), dtype=bool)
    for t, b in enumerate(baskets):
        for i in b:
            arr[t, idx[i]] = True
    return pd.DataFrame(arr, columns=items)


def norm_item(x):
    return int(x) if isinstance(x, (np.integer,)) else x


def mlx_itemsets(df, fraction):
    t0 = time.perf_counter()
    res = mlx_fpgrowth(df, min_support=float(fraction), use_colnames=True)
    dt = time.perf_counter() - t0
    n = len(df.index)
    d = {}
    for sup, s in zip(res["support"].values, res["itemsets"].values):
        fs = frozenset(norm_item(x) for x in s)
        c = int(round(float(sup) * n))
        assert abs(c / n - float(sup)) < 1e-12
        d[fs] = c
    return res, d, dt


def float_threshold_analysis(fraction, n):
    """What count threshold mlxtend effectively applies (three float comparisons)."""
    f = float(fraction)
    exact = min_count_for(fraction, n)
    tree_min = math.ceil(f * n)  # fpgrowth.py: minsup = math.ceil(min_support * len(df.index))
    filt_min = next(c for c in range(max(0, exact - 5), exact + 6) if c / float(n) >= f)  # item_support / final filter
    return {"float_product": repr(f * n), "exact_min_count": exact,
            "mlxtend_tree_minsup": tree_min, "mlxtend_filter_min_count": filt_min,
            "mlxtend_effective_min_count": max(tree_min, filt_min)}


def compare_sets(pyf, mlx):
    only_p = sorted(((fmt_items(s), c) for s, c in pyf.items() if s not in mlx), key=lambda x: (-x[1], len(x[0]), x[0]))
    only_m = sorted(((fmt_items(s), c) for s, c in mlx.items() if s not in pyf), key=lambda x: (-x[1], len(x[0]), x[0]))
    count_diff = sum(1 for s in pyf if s in mlx and pyf[s] != mlx[s])
    return only_p, only_m, count_diff


# --------------------------------------------------------------------------- rules
def my_rules(freq, n, min_conf):
    """One-item-consequent rules from exact counts (Fractions)."""
    out = {}
    N = Fraction(n)
    for s, cac in freq.items():
        if len(s) < 2:
            continue
        for c in s:
            a = s - {c}
            ca, cc = freq[a], freq[frozenset([c])]
            conf = Fraction(cac, ca)
            if conf < min_conf:
                continue
            sAC, sA, sC = cac / N, ca / N, cc / N
            lift = conf / sC
            lev = sAC - sA * sC
            conv = None if conf == 1 else (1 - sC) / (1 - conf)
            # Zhang (2000): (P(C|A) - P(C|not A)) / max(P(C|A), P(C|not A))
            p_not = (sC - sAC) / (1 - sA)
            zhang = (conf - p_not) / max(conf, p_not)
            out[(a, c)] = {"count": cac, "antecedent_count": ca, "consequent_count": cc,
                           "support": sAC, "confidence": conf, "lift": lift, "leverage": lev,
                           "conviction": conv, "zhang": zhang}
    return out


def rules_section(baskets, freq_pyfim, fraction):
    n = len(baskets)
    min_conf = Fraction(RULES_MIN_CONF)
    mine = my_rules(freq_pyfim, n, min_conf)
    df = onehot(baskets)
    res, mlx_freq, _ = mlx_itemsets(df, fraction)
    assert mlx_freq == freq_pyfim, "mlxtend itemsets differ from pyfim at the rules setting"
    rules = association_rules(res, num_itemsets=n, metric="confidence", min_threshold=float(RULES_MIN_CONF))
    total_mlx_rules = len(rules)
    rules = rules[rules["consequents"].apply(len) == 1]
    mlx = {}
    for _, r in rules.iterrows():
        a = frozenset(norm_item(x) for x in r["antecedents"])
        c = norm_item(next(iter(r["consequents"])))
        mlx[(a, c)] = r
    only_mine = sorted([(sorted(a), c) for (a, c) in mine if (a, c) not in mlx])
    only_mlx = sorted([(sorted(a), c) for (a, c) in mlx if (a, c) not in mine])
    metrics = [("support", "support"), ("confidence", "confidence"), ("lift", "lift"),
               ("leverage", "leverage"), ("conviction", "conviction"), ("zhang", "zhangs_metric")]
    maxdiff = {m: 0.0 for m, _ in metrics}
    maxrel = {m: 0.0 for m, _ in metrics}
    inf_mismatch = 0
    for k in set(mine) & set(mlx):
        for m, col in metrics:
            mv = float(mlx[k][col])
            ev = mine[k][m]
            if ev is None or math.isinf(mv):
                if not (ev is None and math.isinf(mv)):
                    inf_mismatch += 1
                continue
            d = abs(mv - float(ev))
            maxdiff[m] = max(maxdiff[m], d)
            if ev != 0:
                maxrel[m] = max(maxrel[m], d / abs(float(ev)))
    # rules whose exact confidence sits on the threshold (float comparison is fragile there)
    boundary = sorted([[sorted(a), c, v["count"], v["antecedent_count"]]
                       for (a, c), v in mine.items() if v["confidence"] == min_conf])
    out_rules = []
    for (a, c) in sorted(mlx, key=lambda k: (len(k[0]), sorted(k[0]), k[1])):
        r = mlx[(a, c)]
        e = mine.get((a, c))
        rec = {"antecedent": sorted(a), "consequent": [c],
               "support": jnum(r["support"]), "confidence": jnum(r["confidence"]),
               "lift": jnum(r["lift"]), "leverage": jnum(r["leverage"]),
               "conviction": jnum(r["conviction"]), "zhang": jnum(r["zhangs_metric"])}
        if e is not None:
            rec.update({"count": e["count"], "antecedent_count": e["antecedent_count"],
                        "consequent_count": e["consequent_count"]})
        out_rules.append(rec)
    check = {
        "setting": "%s@%s" % RULES_SETTING,
        "min_confidence": RULES_MIN_CONF,
        "mlxtend_rules_all_consequent_sizes": total_mlx_rules,
        "mlxtend_rules_one_item_consequent": len(mlx),
        "exact_python_rules": len(mine),
        "only_in_exact_python": [[a, c] for a, c in only_mine],
        "only_in_mlxtend": [[a, c] for a, c in only_mlx],
        "rules_with_confidence_exactly_at_threshold": boundary,
        "max_abs_diff_vs_exact": maxdiff,
        "max_rel_diff_vs_exact": maxrel,
        "infinite_conviction_mismatches": inf_mismatch,
        "infinite_conviction_rules": sum(1 for v in mine.values() if v["conviction"] is None),
    }
    log("   rules: mlxtend %d (1-item consequent), exact %d, only-mine %d, only-mlx %d, boundary %d"
        % (len(mlx), len(mine), len(only_mine), len(only_mlx), len(boundary)))
    return out_rules, check


def mlx_compare(name, fraction, baskets, freq_pyfim):
    n = len(baskets)
    nitems = len({i for b in baskets for i in b})
    dense = n * nitems
    rec = {"setting": "%s@%s" % (name, fraction), "n": n, "dense_onehot_bytes": dense}
    rec.update(float_threshold_analysis(fraction, n))
    if dense > MLX_MAX_DENSE_BYTES:
        rec["skipped"] = "dense one-hot frame would exceed 10 GB"
        return rec
    df = onehot(baskets)
    _, mlx, dt = mlx_itemsets(df, fraction)
    del df
    TIMINGS.setdefault("mlxtend", {})["%s@%s" % (name, fraction)] = dt
    only_p, only_m, cdiff = compare_sets(freq_pyfim, mlx)
    rec.update({"pyfim_frequent": len(freq_pyfim), "mlxtend_frequent": len(mlx),
                "agree": not only_p and not only_m and cdiff == 0,
                "count_mismatches": cdiff,
                "only_in_pyfim": len(only_p), "only_in_mlxtend": len(only_m),
                "only_in_pyfim_first10": [[a, c] for a, c in only_p[:10]],
                "only_in_mlxtend_first10": [[a, c] for a, c in only_m[:10]]})
    log("   mlxtend %s@%s: %d vs pyfim %d (%.1fs)" % (name, fraction, len(mlx), len(freq_pyfim), dt))
    return rec


def float_demo(baskets, name):
    """Find a short decimal fraction where mlxtend's float threshold != exact ceil and
    at least one itemset has count exactly at the exact threshold, then run both tools."""
    n = len(baskets)
    for k in range(50, 201):  # 0.0050 .. 0.0200 in steps of 0.0001
        frac = ("%.4f" % (k / 10000)).rstrip("0")
        fa = float_threshold_analysis(frac, n)
        if fa["mlxtend_effective_min_count"] == fa["exact_min_count"]:
            continue
        mc = fa["exact_min_count"]
        at, _ = pyfim_run(baskets, mc, "s")
        if not any(c == mc for c in at.values()):
            continue
        rec = mlx_compare(name, frac, baskets, at)
        rec["note"] = ("demonstration: fraction*n is an exact integer but float(fraction)*n rounds "
                       "above it, so mlxtend's math.ceil threshold is one too high")
        return rec
    return {"note": "no demonstration threshold found"}


# --------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True, help="path to shared/data (contains baskets/)")
    ap.add_argument("--out", default=os.path.join(HERE, "reference.json"))
    args = ap.parse_args()

    result = {
        "tool_versions": {
            "python": platform.python_version(),
            "pyfim": md.version("pyfim"),
            "pyfim_module_banner": fim.__doc__.strip().splitlines()[1].strip() if fim.__doc__ else None,
            "mlxtend": md.version("mlxtend"),
            "pandas": md.version("pandas"),
            "numpy": md.version("numpy"),
        },
        "command": COMMAND,
        "conventions": {
            "min_count": "ceil(Fraction(fraction) * n), frequent iff count >= min_count",
            "baskets": "sets (duplicates within a line removed); empty lines are empty baskets counted in n",
            "empty_itemset": "never counted",
            "top10_order": "count desc, then length asc, then sorted items asc (ints numerically, strings by code point)",
            "groceries_itemsets_order": "length asc, then sorted items lexicographically",
            "rules_order": "antecedent length asc, antecedent items, consequent",
            "rule_metrics": "values from mlxtend.association_rules (floats); count fields from pyfim exact counts",
        },
        "data_files": {},
        "datasets": {},
        "pyfim_check": {
            "method": ("pyfim fpgrowth(tracts + [()], target in s/c/m, supp=-min_count, zmin=1, report='a'); "
                       "every setting's full frequent/closed/maximal itemset lists (with counts) were asserted "
                       "equal to an independent pure-Python Eclat (closed/maximal derived from its complete "
                       "output); singleton counts asserted equal to a plain Counter"),
            "unpadded_pyfim_6.28_bug": {},
        },
    }
    loaded = {}
    freqs = {}
    for name, rel, fmt, fractions in SETTINGS:
        path = os.path.join(args.shared, rel)
        baskets, info = load_baskets(path, fmt)
        info["n"] = len(baskets)
        result["data_files"][rel] = info
        loaded[name] = baskets
        for fr in fractions:
            key, entry, freq, quirk = analyse(name, rel, baskets, info, fr)
            result["datasets"][key] = entry
            freqs[key] = freq
            if quirk is not None:
                result["pyfim_check"]["unpadded_pyfim_6.28_bug"][key] = quirk

    # groceries itemsets + rules
    gname, gfrac = RULES_SETTING
    gkey = "%s@%s" % RULES_SETTING
    gfreq = freqs[gkey]
    result["groceries_itemsets@0.01"] = [[fmt_items(s), c] for s, c in
                                         sorted(gfreq.items(), key=lambda kv: (len(kv[0]), sorted(kv[0])))]
    rules, rcheck = rules_section(loaded[gname], gfreq, gfrac)
    result["groceries_rules@0.01_conf0.2"] = rules

    # mlxtend itemset comparison
    mcheck = {"rules": rcheck, "itemsets": []}
    for name, fr in MLX_SETTINGS:
        mcheck["itemsets"].append(mlx_compare(name, fr, loaded[name], freqs["%s@%s" % (name, fr)]))
    mcheck["float_threshold_demo"] = float_demo(loaded["T10I4D100K"], "T10I4D100K")
    result["mlxtend_check"] = mcheck

    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1, ensure_ascii=False, allow_nan=False)
        fh.write("\n")

    # summary (stdout, not part of the deterministic output)
    print("| setting | n | min_count | distinct items | frequent | closed | maximal | support_sum | by length | pyfim s/c/m (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for key, e in result["datasets"].items():
        t = TIMINGS[key]
        print("| %s | %d | %d | %d | %d | %d | %d | %d | %s | %.3f / %.3f / %.3f |" % (
            key, e["n"], e["min_count"], e["distinct_items"], e["frequent"], e["closed"], e["maximal"],
            e["support_sum"], " ".join("%s:%d" % kv for kv in e["by_length"].items()),
            t["pyfim_s"], t["pyfim_c"], t["pyfim_m"]))
    print()
    print("timings:", json.dumps(TIMINGS, indent=1))


if __name__ == "__main__":
    main()
