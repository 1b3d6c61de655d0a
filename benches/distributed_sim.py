#!/usr/bin/env python3
"""Measured simulation of the two scale-out workloads, every shard or task a separate process.

How would `retail bundles` (FP-growth) and `retail forecast --by product` spread over executors?
Each unit of distributed work is run here as its own `retail` process on this machine, its CPU
time measured (os.wait4 of that child), and its answer merged and checked against the
single-process run before any time is reported.

Usage (from the workspace root; Python 3.11, standard library only):

    python3 benches/distributed_sim.py                          # 3 basket files + forecasting
    python3 benches/distributed_sim.py --out docs/distributed.md
    python3 benches/distributed_sim.py --quick --out /tmp/sim.md  # retail.dat only, --top 40
    python3 benches/distributed_sim.py --shards 16 --tasks 8 --top 400
    python3 benches/distributed_sim.py --dry-run                # print the commands only

1. FP-growth, Spark-MLlib-style parallel FP-growth (group-dependent shards). Per dataset
   (paths under --shared, default ../shared/data; S = --min-support):

     retail        baskets/retail/retail.dat              S 0.0005  19,242 itemsets,  ~0.5 s
     T10I4D100K    baskets/T10I4D100K/T10I4D100K.dat      S 0.0005  53,385 itemsets,  ~0.7 s
     kosarak_head  baskets/kosarak_head/kosarak_head.dat  S 0.0012  251,773 itemsets, ~1 s
     quest_5m      5,000,000 Quest baskets (--work)       S 0.002   14,793 itemsets,  ~35 s

   (single-process CPU of the release build on the 2-core dev machine, JSON output included;
   retail as in compare_bundles.py; quest_5m is its generator's file, made once with
   target/release/examples/quest when missing)

   * single process: `retail bundles FILE --input baskets --min-support S --itemsets-only
     --format json --threads 1`: wall, CPU, the itemsets;
   * split: `retail bundles FILE --input baskets --min-support S --shards G --write-shards DIR`:
     wall, CPU; its table gives each shard's transactions and items, the files their bytes;
   * shards, one after the other: `retail mine-shard DIR/shard-GGGG.parquet --format json` for
     every shard: each one's wall and CPU (the clean per-shard cost);
   * shards, 2 at a time: the same G processes again through a pool of 2 (threads each running
     one child, shards submitted in shard order), the wall of the whole pool.
   Check (exit 2, no tables, before any time is printed): the union over shards of (sorted
   items, count) equals the single-process set exactly, no itemset comes from two shards, every
   shard reports its own number, G, the basket count and the min count of the single run; the
   2-at-a-time outputs must give the same union.
   Reported: sum of shard CPU (against single CPU: the replicated work), max shard CPU (the
   critical path when each shard has its own executor), bound = single CPU / max shard CPU
   (speed-up with G executors; "incl. split" divides by split CPU + max shard CPU instead),
   replication = items in all shards' conditional transactions / items in the baskets (the
   distinct items of each line of the basket file, counted here in Python, as ours reads them).

2. Forecasting as a distributed map: `retail forecast FILE --by product --top N --freq week
   --horizon 12 --format json --threads 1` (single process) against --tasks T processes of the
   same command with `--partition k/T` (the N largest products dealt round-robin), FILE =
   online_retail/online_retail.csv.gz (the full UCI file). Every task reads the whole input and
   builds every series before fitting its share; one extra task `--partition 0/T --model naive`
   (a cheap fit) estimates that read-and-build cost. Check (exit 2): the tasks' "series"
   arrays, merged by each series' "key", equal the single run's exactly as JSON values, and no
   key comes from two tasks (also for the 2-at-a-time run). Reported: single CPU, per task
   wall / CPU, sum and max of task CPU, bound = single CPU / max task CPU, the wall of the T
   tasks through a pool of 2. NOTE: `--threads 1` limits the fits; ours' CSV reader parses on
   all cores in every process, so a process' CPU can exceed its wall.

Every number is one run (no repetitions); the input files are read once in Python first, so the
page cache is warm. Output: the tables on stdout; with --out FILE the Markdown block (date,
machine, `retail --version`, command, tables) replaces the lines between
`<!-- distributed_sim.py begin -->` and `<!-- distributed_sim.py end -->` in FILE (appended
with the markers when absent; FILE is created with the heading "## Measured simulation" when
missing). Exit status: 0 ok; 2 when a merged answer differs from the single process (nothing
written); 1 when a command failed or an input is missing.
"""

import argparse
import concurrent.futures
import datetime
import json
import math
import os
import platform
import re
import shlex
import shutil
import sys
import tempfile
import time
from fractions import Fraction

from harness import check_markers, cpu_model, git_describe, log, mib, run_child, write_marked_block

HERE = os.path.dirname(os.path.abspath(__file__))
WORKSPACE = os.path.dirname(HERE)
BEGIN, END = "<!-- distributed_sim.py begin -->", "<!-- distributed_sim.py end -->"
HEADING = "## Measured simulation"
AT_A_TIME = 2  # executors of the simulated cluster: the 2 cores of this machine

# name -> (path under --shared, --min-support)
DATASETS = {
    "retail": ("baskets/retail/retail.dat", "0.0005"),
    "T10I4D100K": ("baskets/T10I4D100K/T10I4D100K.dat", "0.0005"),
    "kosarak_head": ("baskets/kosarak_head/kosarak_head.dat", "0.0012"),
    # None: generated into --work by the Quest generator of compare_bundles.py (5 million
    # baskets, 1,000 items, seed 42), the one workload here that runs for half a minute.
    "quest_5m": (None, "0.002"),
}
QUEST_BASKETS = 5_000_000
QUICK_DATASETS = ("retail",)
FORECAST_INPUT = "online_retail/online_retail.csv.gz"
TOP, QUICK_TOP = 1000, 40


class BenchError(Exception):
    pass


class Mismatch(Exception):
    pass


# ============================================================================ processes

def run(argv, what):
    """Run one child; its output, wall, CPU and peak RSS, or BenchError when it failed."""
    out, err, rc, wall, cpu, rss = run_child(argv)
    if rc != 0:
        raise BenchError(f"{what} failed (exit {rc}):\n  $ {shlex.join(argv)}\n{err.strip()[-3000:]}")
    return {"out": out, "wall": wall, "cpu": cpu, "rss": rss, "argv": argv}


def run_pool(jobs, workers=AT_A_TIME):
    """Run the (argv, what) jobs through `workers` threads, each running one child at a time,
    submitted in order; (wall of the whole pool, the runs in job order)."""
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, argv, what) for argv, what in jobs]
        runs = [f.result() for f in futures]
    return time.perf_counter() - t0, runs


def parse_json(out, what):
    try:
        return json.loads(out[out.index("{"):])
    except ValueError as e:
        raise BenchError(f"{what}: no JSON in its output ({e}): {out[:300]!r}") from e


def binary_version(binary):
    """`retail --version`, the binary's build time and the workspace's git revision."""
    out, _, rc, _, _, _ = run_child([binary, "--version"])
    built = datetime.datetime.fromtimestamp(os.stat(binary).st_mtime, datetime.timezone.utc)
    rev = git_describe(WORKSPACE)
    return (out.strip() if rc == 0 else "?"), built.isoformat(timespec="seconds"), rev


def machine():
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0))
    return (f"{cpu_model()}, {cores} cores{'' if usable == cores else f' ({usable} usable)'}, "
            f"{platform.system()} {platform.release()} {platform.machine()}")


# ============================================================================ FP-growth

def basket_stats(path):
    """(baskets, items) of a FIMI basket file as ours reads it: one basket a line (an empty line
    is an empty basket; the newline ending the last line starts none), items = the distinct
    ASCII-white-space-separated tokens of the line."""
    n = items = 0
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i == 0 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            n += 1
            items += len(set(line.split()))
    return n, items


def single_argv(binary, path, support):
    return [binary, "bundles", path, "--input", "baskets", "--min-support", support,
            "--itemsets-only", "--format", "json", "--threads", "1"]


def split_argv(binary, path, support, shards, directory):
    return [binary, "bundles", path, "--input", "baskets", "--min-support", support,
            "--shards", str(shards), "--write-shards", directory]


def shard_path(directory, g):
    return os.path.join(directory, f"shard-{g:04d}.parquet")


def shard_argv(binary, directory, g):
    return [binary, "mine-shard", shard_path(directory, g), "--format", "json"]


SPLIT_ROW = re.compile(r"^\s*(\d+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(.*shard-\d{4}\.parquet)\s*$")


def parse_split_table(out, shards):
    """{shard: {transactions, items}} from the table `--write-shards` prints."""
    rows = {}
    for line in out.splitlines():
        m = SPLIT_ROW.match(line)
        if m:
            rows[int(m.group(1))] = {"transactions": int(m.group(2).replace(",", "")),
                                     "items": int(m.group(3).replace(",", ""))}
    if sorted(rows) != list(range(shards)):
        raise BenchError(f"--write-shards printed rows for shards {sorted(rows)}, expected 0..{shards - 1}:\n{out[-2000:]}")
    return rows


def single_itemsets(doc, what):
    """{sorted items tuple: count} of the single-process JSON."""
    found = {}
    for s in doc["itemsets"]:
        key = tuple(sorted(s["items"]))
        if key in found:
            raise Mismatch(f"{what}: itemset {list(key)} appears twice in the single-process output")
        found[key] = int(s["count"])
    if len(found) != int(doc["frequent_itemsets"]):
        raise Mismatch(f"{what}: the single-process JSON lists {len(found):,} itemsets but says "
                       f"frequent_itemsets = {doc['frequent_itemsets']:,} (truncated?)")
    return found


def merge_shards(docs, shards, baskets, min_count, what):
    """The union of the shards' {sorted items: count}; Mismatch when a shard is not the one
    asked for, disagrees on the run's parameters or repeats an itemset of another shard."""
    merged, owner = {}, {}
    for g, d in enumerate(docs):
        got = (d["shard"], d["shards"], d["baskets"], d["min_count"])
        if got != (g, shards, baskets, min_count):
            raise Mismatch(f"{what}: shard file {g} reports (shard, shards, baskets, min_count) = {got}, "
                           f"expected {(g, shards, baskets, min_count)}")
        for s in d["itemsets"]:
            key = tuple(sorted(s["items"]))
            if key in owner:
                raise Mismatch(f"{what}: itemset {list(key)} comes from shard {owner[key]} and shard {g}")
            owner[key] = g
            merged[key] = int(s["count"])
    return merged


def diff_message(what, expected, got, label):
    """A readable account of how two {key: value} dicts differ (a few examples of each kind)."""
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    changed = [k for k in expected if k in got and got[k] != expected[k]]
    lines = [f"ABORTED: {what}: the merged {label} differ from the single process; no timings reported",
             f"  single process {len(expected):,}, merged {len(got):,}; missing {len(missing):,}, "
             f"extra {len(extra):,}, different {len(changed):,}"]
    for name, keys in (("missing", missing), ("extra", extra)):
        for k in keys[:5]:
            lines.append(f"  {name}: {k!r}")
    for k in changed[:5]:
        path, a, b = first_difference(expected[k], got[k])
        lines.append(f"  different {k!r} at {path or '(value)'}: single {json.dumps(a)[:300]}, merged {json.dumps(b)[:300]}")
    return "\n".join(lines)


def first_difference(a, b, path=""):
    """(path, a's value, b's value) at the first place two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for k in a:
            if a[k] != b[k]:
                return first_difference(a[k], b[k], f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return path, a, b


def check_equal(what, expected, got, label):
    if got != expected:
        raise Mismatch(diff_message(what, expected, got, label))


def fp_dataset(args, name, path, support, work):
    """Measure one basket file: single process, split, shards one by one and 2 at a time."""
    n, items = basket_stats(path)
    what = f"{name} @ {support}"
    log(f"[fp] {what}: {n:,} baskets, {items:,} items; single process, --threads 1")
    single = run(single_argv(args.bin, path, support), f"{what}: single process")
    doc = parse_json(single["out"], f"{what}: single process")
    expected = single_itemsets(doc, what)
    c = math.ceil(Fraction(support) * n)
    if (int(doc["baskets"]), int(doc["min_count"])) != (n, c):
        raise Mismatch(f"{what}: single process says baskets {doc['baskets']}, min_count {doc['min_count']}; "
                       f"counted here: baskets {n}, ceil({support} * {n}) = {c}")
    log(f"[fp] {what}: {len(expected):,} itemsets, wall {single['wall']:.2f} s, CPU {single['cpu']:.2f} s")

    directory = os.path.join(work, name)
    split = run(split_argv(args.bin, path, support, args.shards, directory), f"{what}: split")
    rows = parse_split_table(split["out"], args.shards)
    for g in range(args.shards):
        rows[g]["bytes"] = os.path.getsize(shard_path(directory, g))
    log(f"[fp] {what}: split into {args.shards} shards, wall {split['wall']:.2f} s, CPU {split['cpu']:.2f} s, "
        f"{sum(r['bytes'] for r in rows.values()):,} bytes")

    jobs = [(shard_argv(args.bin, directory, g), f"{what}: mine-shard {g}") for g in range(args.shards)]
    runs = [run(argv, w) for argv, w in jobs]
    docs = [parse_json(r["out"], w) for r, (_, w) in zip(runs, jobs)]
    check_equal(what, expected, merge_shards(docs, args.shards, n, c, what), "itemsets (sorted items -> count)")
    for g, (r, d) in enumerate(zip(runs, docs)):
        if int(d["transactions"]) != rows[g]["transactions"]:
            raise Mismatch(f"{what}: shard {g}: mine-shard read {d['transactions']} transactions, "
                           f"the split wrote {rows[g]['transactions']}")
        rows[g].update(wall=r["wall"], cpu=r["cpu"], rss=r["rss"], itemsets=len(d["itemsets"]))
        log(f"[fp] {what}: shard {g}: {rows[g]['transactions']:,} transactions, {rows[g]['itemsets']:,} itemsets, "
            f"CPU {r['cpu']:.2f} s")

    pool_wall, pool_runs = run_pool(jobs)
    pool_docs = [parse_json(r["out"], w) for r, (_, w) in zip(pool_runs, jobs)]
    check_equal(what + " (2 at a time)", expected, merge_shards(pool_docs, args.shards, n, c, what),
                "itemsets (sorted items -> count)")
    log(f"[fp] {what}: {args.shards} shards {AT_A_TIME} at a time: wall {pool_wall:.2f} s; answers equal")
    return {"name": name, "path": path, "support": support, "baskets": n, "items": items, "min_count": c,
            "itemsets": len(expected), "single": single, "split": split, "shards": rows,
            "pool_wall": pool_wall, "pool_cpu": sum(r["cpu"] for r in pool_runs)}


def fp_summary(d):
    shards = d["shards"].values()
    total = sum(s["cpu"] for s in shards)
    peak = max(s["cpu"] for s in shards)
    return {"sum_cpu": total, "max_cpu": peak, "bound": d["single"]["cpu"] / peak if peak else float("inf"),
            "bound_split": d["single"]["cpu"] / (d["split"]["cpu"] + peak),
            "replication": sum(s["items"] for s in shards) / d["items"] if d["items"] else float("nan"),
            "bytes": sum(s["bytes"] for s in shards)}


# ============================================================================ forecasting

def forecast_argv(binary, path, top, partition=None, model=None):
    a = [binary, "forecast", path, "--by", "product", "--top", str(top), "--freq", "week", "--horizon", "12",
         "--format", "json", "--threads", "1"]
    return a + (["--partition", partition] if partition else []) + (["--model", model] if model else [])


def series_by_key(doc, what):
    found = {}
    for s in doc["series"]:
        if s["key"] in found:
            raise Mismatch(f"{what}: series {s['key']!r} appears twice")
        found[s["key"]] = s
    return found


def merge_tasks(docs, what):
    merged, owner = {}, {}
    for k, d in enumerate(docs):
        for key, s in series_by_key(d, f"{what}: task {k}").items():
            if key in owner:
                raise Mismatch(f"{what}: series {key!r} comes from task {owner[key]} and task {k}")
            owner[key] = k
            merged[key] = s
    return merged


def forecast(args, path, top):
    """Single process, T tasks one by one and 2 at a time, one naive (read-only) task."""
    what = f"forecast --top {top}"
    log(f"[forecast] {what}: single process, --threads 1")
    single = run(forecast_argv(args.bin, path, top), f"{what}: single process")
    expected = series_by_key(parse_json(single["out"], what), what)
    log(f"[forecast] {what}: {len(expected)} series, wall {single['wall']:.2f} s, CPU {single['cpu']:.2f} s")
    jobs = [(forecast_argv(args.bin, path, top, f"{k}/{args.tasks}"), f"{what}: task {k}/{args.tasks}")
            for k in range(args.tasks)]
    runs = [run(argv, w) for argv, w in jobs]
    docs = [parse_json(r["out"], w) for r, (_, w) in zip(runs, jobs)]
    check_equal(what, expected, merge_tasks(docs, what), "series (key -> JSON)")
    tasks = [{"series": len(d["series"]), "wall": r["wall"], "cpu": r["cpu"], "rss": r["rss"]}
             for r, d in zip(runs, docs)]
    for k, t in enumerate(tasks):
        log(f"[forecast] task {k}/{args.tasks}: {t['series']} series, wall {t['wall']:.2f} s, CPU {t['cpu']:.2f} s")
    naive = run(forecast_argv(args.bin, path, top, f"0/{args.tasks}", "naive"), f"{what}: naive task")
    naive["series"] = len(parse_json(naive["out"], "naive task")["series"])
    log(f"[forecast] naive task 0/{args.tasks} (read + build, cheap fit): wall {naive['wall']:.2f} s, "
        f"CPU {naive['cpu']:.2f} s")
    pool_wall, pool_runs = run_pool(jobs)
    pool_docs = [parse_json(r["out"], w) for r, (_, w) in zip(pool_runs, jobs)]
    check_equal(what + " (2 at a time)", expected, merge_tasks(pool_docs, what), "series (key -> JSON)")
    log(f"[forecast] {args.tasks} tasks {AT_A_TIME} at a time: wall {pool_wall:.2f} s; answers equal")
    return {"path": path, "top": top, "series": len(expected), "single": single, "tasks": tasks,
            "naive": naive, "pool_wall": pool_wall, "pool_cpu": sum(r["cpu"] for r in pool_runs)}


# ============================================================================ report

def fp_table(results, shards):
    lines = [f"| dataset | baskets | support (min count) | itemsets | single CPU s | shards | replication "
             f"| split s (CPU s) | shard MiB | sum shard CPU s | max shard CPU s | bound | bound incl. split "
             f"| wall {AT_A_TIME} at a time s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d in results:
        s = fp_summary(d)
        lines.append(f"| {d['name']} | {d['baskets']:,} | {d['support']} ({d['min_count']:,}) | {d['itemsets']:,} | "
                     f"{d['single']['cpu']:.2f} | {shards} | {s['replication']:.2f} | "
                     f"{d['split']['wall']:.2f} ({d['split']['cpu']:.2f}) | {mib(s['bytes']):.1f} | {s['sum_cpu']:.2f} | "
                     f"{s['max_cpu']:.2f} | {s['bound']:.2f} | {s['bound_split']:.2f} | {d['pool_wall']:.2f} |")
    return lines


def shard_table(d):
    lines = ["| shard | transactions | items | Parquet bytes | itemsets | CPU s | wall s | peak RSS MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for g, s in sorted(d["shards"].items()):
        lines.append(f"| {g} | {s['transactions']:,} | {s['items']:,} | {s['bytes']:,} | {s['itemsets']:,} | "
                     f"{s['cpu']:.3f} | {s['wall']:.3f} | {mib(s['rss']):.1f} |")
    return lines


def forecast_tables(f, tasks):
    cpus = [t["cpu"] for t in f["tasks"]]
    total, peak = sum(cpus), max(cpus)
    lines = [f"| series (--top) | tasks | single CPU s (wall s) | sum task CPU s | max task CPU s "
             f"| read-only task CPU s | bound | wall {AT_A_TIME} at a time s |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| {f['series']} ({f['top']}) | {tasks} | {f['single']['cpu']:.2f} ({f['single']['wall']:.2f}) | "
             f"{total:.2f} | {peak:.2f} | {f['naive']['cpu']:.2f} | {f['single']['cpu'] / peak:.2f} | "
             f"{f['pool_wall']:.2f} |",
             "",
             "| process | series | wall s | CPU s | peak RSS MiB |",
             "|---|---:|---:|---:|---:|",
             f"| single process | {f['series']} | {f['single']['wall']:.2f} | {f['single']['cpu']:.2f} | "
             f"{mib(f['single']['rss']):.1f} |"]
    for k, t in enumerate(f["tasks"]):
        lines.append(f"| task `--partition {k}/{tasks}` | {t['series']} | {t['wall']:.2f} | {t['cpu']:.2f} | "
                     f"{mib(t['rss']):.1f} |")
    n = f["naive"]
    lines.append(f"| read-only: `--partition 0/{tasks} --model naive` | {n['series']} | {n['wall']:.2f} | "
                 f"{n['cpu']:.2f} | {mib(n['rss']):.1f} |")
    return lines


def build_report(args, started, version, fp, fc, command):
    retail_version, built, rev = version
    lines = [f"- date (UTC): {started.isoformat(timespec='seconds')}",
             f"- machine: {machine()}",
             f"- binary: `{args.bin}`: `{retail_version}`, built {built} (workspace git {rev})",
             f"- command: `{command}` (cwd `{os.getcwd()}`)",
             "- every shard and task is a separate `retail` process; CPU = user + system time of that child "
             "(os.wait4); one run of each; answers merged and checked equal to the single process first",
             ""]
    if fp:
        lines += [f"### FP-growth: single process vs {args.shards} shard processes", "",
                  "Single process: `retail bundles FILE --input baskets --min-support S --itemsets-only --format json "
                  "--threads 1`; split: `retail bundles FILE --input baskets --min-support S --shards G --write-shards "
                  "DIR`; shards: `retail mine-shard DIR/shard-GGGG.parquet --format json`, one after the other for "
                  f"their CPU, then all of them {AT_A_TIME} at a time (a pool of {AT_A_TIME}, shard order) for the "
                  "last column. Bound = single CPU / max shard CPU (speed-up with one executor per shard); incl. "
                  "split: / (split CPU + max shard CPU). Replication = items in the shards' conditional transactions "
                  "/ distinct items of the basket lines.", ""]
        lines += fp_table(fp, args.shards)
        big = max(fp, key=lambda d: d["single"]["cpu"])
        lines += ["", f"Per shard, {big['name']} (the dataset with the most single-process CPU):", ""]
        lines += shard_table(big)
        lines.append("")
    if fc:
        lines += [f"### Forecasting: single process vs {args.tasks} tasks", "",
                  f"`retail forecast {os.path.relpath(fc['path'], args.shared)} --by product --top {fc['top']} "
                  "--freq week --horizon 12 --format json --threads 1` (file under "
                  f"`{args.shared}`), alone and as `--partition k/{args.tasks}` tasks (one after the other for their "
                  f"CPU, then {AT_A_TIME} at a time for the last column). Every task reads the whole file and builds "
                  "every series; the read-only row (a naive fit) estimates that share. The CSV reader uses all cores "
                  "in every process (`--threads 1` limits the fits). Bound = single CPU / max task CPU.", ""]
        lines += forecast_tables(fc, args.tasks)
        lines.append("")
    return "\n".join(lines)


def write_block(path, block):
    """Replace the marked block of `path`; append it with its markers when absent (the file
    created with HEADING when missing)."""
    try:
        write_marked_block(path, block, BEGIN, END, new_file=f"{HEADING}\n")
    except ValueError as e:
        raise BenchError(f"{path}: {e}") from None


# ============================================================================ main

def dataset_inputs(args):
    names = QUICK_DATASETS if args.quick and not args.datasets else \
        [d.strip() for d in (args.datasets or ",".join(DATASETS)).split(",") if d.strip()]
    out = []
    for d in names:
        if d not in DATASETS:
            raise BenchError(f"unknown dataset {d!r} (known: {', '.join(DATASETS)})")
        rel, support = DATASETS[d]
        path = os.path.join(args.work, f"quest_{QUEST_BASKETS}.dat") if rel is None else os.path.join(args.shared, rel)
        out.append((d, path, support))
    return out


def dry_run(args, datasets, top):
    for name, path, support in datasets:
        d = f"<tmp>/{name}"
        print(f"# FP-growth, {name}")
        print(f"$ {shlex.join(single_argv(args.bin, path, support))}")
        print(f"$ {shlex.join(split_argv(args.bin, path, support, args.shards, d))}")
        for g in range(args.shards):
            print(f"$ {shlex.join(shard_argv(args.bin, d, g))}")
        print(f"# then the same {args.shards} mine-shard commands again, {AT_A_TIME} at a time")
    if not args.no_forecast:
        path = os.path.join(args.shared, FORECAST_INPUT)
        print(f"# forecasting, --top {top}, {args.tasks} tasks")
        print(f"$ {shlex.join(forecast_argv(args.bin, path, top))}")
        for k in range(args.tasks):
            print(f"$ {shlex.join(forecast_argv(args.bin, path, top, f'{k}/{args.tasks}'))}")
        print(f"$ {shlex.join(forecast_argv(args.bin, path, top, f'0/{args.tasks}', 'naive'))}")
        print(f"# then the {args.tasks} task commands again, {AT_A_TIME} at a time")
    print(f"# then the Markdown into {args.out} between {BEGIN} and {END}" if args.out else "# then the tables on stdout")


def make_quest(args, path):
    """The 5-million-basket Quest file, made once with examples/quest (kept in --work)."""
    if not (os.path.isfile(args.quest) and os.access(args.quest, os.X_OK)):
        raise BenchError(f"{args.quest}: the Quest generator is missing (build it with "
                         "`cargo build --release -p retail-bundles --example quest`, pass --quest PATH, "
                         "or leave quest_5m out of --datasets)")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    print(f"distributed_sim.py: generating {path} ({QUEST_BASKETS:,} baskets)", file=sys.stderr)
    _, err, rc, _, _, _ = run_child([os.path.abspath(args.quest), str(QUEST_BASKETS), path])
    if rc != 0:
        raise BenchError(f"quest failed (exit {rc}): {err.strip()[-2000:]}")


def check_inputs(args, datasets):
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        raise BenchError(f"{args.bin}: no such executable (build it with `cargo build --release -p retail-cli`, "
                         "or pass --bin PATH)")
    for name, path, _ in datasets:
        if DATASETS[name][0] is None and not os.path.isfile(path):
            make_quest(args, path)
    paths = [p for _, p, _ in datasets] + ([] if args.no_forecast else [os.path.join(args.shared, FORECAST_INPUT)])
    for p in paths:
        if not os.path.isfile(p):
            raise BenchError(f"input {p} missing (pass --shared DIR)")
        with open(p, "rb") as f:  # warm the page cache: no run pays for the first read from disk
            while f.read(1 << 22):
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"one FP dataset ({', '.join(QUICK_DATASETS)}), --top {QUICK_TOP}")
    ap.add_argument("--shards", type=int, default=8, help="FP-growth shards G (default %(default)s)")
    ap.add_argument("--tasks", type=int, default=4, help="forecast tasks (default %(default)s)")
    ap.add_argument("--top", type=int, help=f"forecast the largest N products (default {TOP}; {QUICK_TOP} with --quick)")
    ap.add_argument("--datasets", help=f"comma-separated FP datasets (default all: {', '.join(DATASETS)})")
    ap.add_argument("--no-fp", action="store_true", help="skip FP-growth")
    ap.add_argument("--no-forecast", action="store_true", help="skip forecasting")
    ap.add_argument("--bin", default="target/release/retail", help="our CLI (default %(default)s)")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(WORKSPACE), "shared", "data"),
                    help="data directory (default %(default)s)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "distributed_sim"),
                    help="where the Quest file is generated and kept (default %(default)s)")
    ap.add_argument("--quest", default="target/release/examples/quest",
                    help="the Quest generator (default %(default)s)")
    ap.add_argument("--out", help="replace the marked block of this Markdown file (e.g. docs/distributed.md)")
    ap.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = ap.parse_args()
    if args.shards < 1 or args.tasks < 1:
        ap.error("--shards and --tasks must be at least 1")
    top = args.top or (QUICK_TOP if args.quick else TOP)
    command = shlex.join([os.path.basename(sys.executable)] + sys.argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        datasets = [] if args.no_fp else dataset_inputs(args)
        if args.dry_run:
            dry_run(args, datasets, top)
            return 0
        if args.out:
            try:
                check_markers(args.out, BEGIN, END)  # unpaired markers: stop now
            except ValueError as e:
                raise BenchError(f"{args.out}: {e}") from None
        args.bin = os.path.abspath(args.bin)
        check_inputs(args, datasets)
        version = binary_version(args.bin)
        work = tempfile.mkdtemp(prefix="distributed_sim_")
        try:
            fp = [fp_dataset(args, name, path, support, work) for name, path, support in datasets]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        fc = None if args.no_forecast else forecast(args, os.path.join(args.shared, FORECAST_INPUT), top)
    except Mismatch as e:
        msg = str(e)
        print(msg if msg.startswith("ABORTED") else f"ABORTED: answers differ; no timings reported: {msg}",
              file=sys.stderr)
        return 2
    except BenchError as e:
        print(f"distributed_sim.py: {e}", file=sys.stderr)
        return 1
    block = build_report(args, started, version, fp, fc, command)
    sys.stdout.write(block)
    if args.out:
        write_block(args.out, block)
        log(f"distributed_sim.py: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
