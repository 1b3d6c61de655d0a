#!/usr/bin/env python3
"""The one command for the side-by-side benchmarks: ours against its Python peers, in one run.

Usage (from the workspace root):

    python3 benches/compare.py                    # everything; under an hour on 2 cores
    python3 benches/compare.py --quick            # every part on small settings: a few minutes
    python3 benches/compare.py --only kpis,forecast --no-build
    python3 benches/compare.py --quick --out /tmp/compare.md   # leave docs/benchmarks.md alone
    python3 benches/compare.py --dry-run          # print what would run

Steps:

1. Peers: creates the virtual environment --venv (default target/bench-venv) with
   `python3 -m venv` unless it exists, and pip-installs benches/requirements-peers.txt into
   it (DuckDB, Polars, pyfim, mlxtend, statsforecast, statsmodels and their dependencies,
   pinned to exact versions) unless every pin is already installed there.
2. Ours: `cargo build --release --workspace --examples --bins` (skipped with --no-build; the
   parts then use the binaries already in target/release/).
3. The parts, one after the other, each a child process run with the venv's Python and its own
   `--out FILE.md` (each interleaves its tools and checks that they all gave the same answers
   before it reports a time; see each script's docstring):
     ingest    benches/compare_ingest.py    CSV ingest of Online Retail vs DuckDB and Polars
     kpis      benches/compare_kpis.py      the KPI suite on Online Retail and a 10-million-line
                                            scale-up vs DuckDB and Polars
     bundles   benches/compare_bundles.py   FP-growth on retail.dat, mushroom, kosarak head and
                                            5 million synthetic baskets vs pyfim and mlxtend
     forecast  benches/compare_forecast.py  automatic ETS and ARIMA on weekly series vs
                                            statsforecast and statsmodels
     kpis-30m, kpis-100m (with --scale-up)  the KPI suite over 30 and 100 million synthetic
                                            lines written by month, queried in place
   --quick passes --quick to each part (not to the scale-up parts).
4. Writes the parts' Markdown, preceded by the date (UTC), the machine, the rustc version, the
   peers' versions and this command line, into docs/benchmarks.md between the markers
   `<!-- compare.py begin -->` and `<!-- compare.py end -->` (added at the end of the file when
   absent; everything between them is replaced, so the block always holds exactly one run), or
   into --out FILE instead.

Exit status: 0 when every part succeeded; 2 when a part exited with 2 (its tools' answers
differ, or it aborted before reporting a time): that part's section then says why and holds no
timings; 1 when a part failed otherwise, or the set-up failed.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time

from harness import check_markers, log, write_marked_block

HERE = os.path.dirname(os.path.abspath(__file__))
WORKSPACE = os.path.dirname(HERE)
REQUIREMENTS = os.path.join(HERE, "requirements-peers.txt")
DOC = os.path.join(WORKSPACE, "docs", "benchmarks.md")
BEGIN, END = "<!-- compare.py begin -->", "<!-- compare.py end -->"
BUILD = ["cargo", "build", "--release", "--workspace", "--examples", "--bins"]
PARTS = {
    "ingest": ("compare_ingest.py", "CSV ingest vs DuckDB and Polars"),
    "kpis": ("compare_kpis.py", "the KPI suite vs DuckDB and Polars"),
    "bundles": ("compare_bundles.py", "FP-growth vs pyfim and mlxtend"),
    "forecast": ("compare_forecast.py", "forecasting vs statsforecast and statsmodels"),
    # With --scale-up only (long: about 15 minutes on 2 cores).
    "kpis-30m": ("compare_kpis.py", "the KPI suite in place over 30 million lines vs DuckDB and Polars"),
    "kpis-100m": ("compare_kpis.py", "the KPI suite in place over 100 million lines vs DuckDB"),
}
DEFAULT_PARTS = ("ingest", "kpis", "bundles", "forecast")
# The scale-up parts: Parquet by month queried in place; the peers' code predates some of our
# definitions, so the KPIs they share are value-checked (docs/benchmarks.md, "Past memory").
SCALE_ARGS = ["--in-place", "--common-columns", "--value-kpis",
              "summary,churn,top_customers_by_revenue,retention_monthly,by_country,rfm_segments",
              "--workloads", "scale_up_10m", "--rounds", "1"]
SCALE_PARTS = {
    "kpis-30m": SCALE_ARGS + ["--rows", "30000000"],
    # Polars' streaming engine exceeded 19 GB at 100 million lines on a 24 GB machine.
    "kpis-100m": SCALE_ARGS + ["--rows", "100000000", "--tools", "ours,duckdb"],
}
PEERS = ("duckdb", "polars", "pyfim", "mlxtend", "statsforecast", "statsmodels")
LOG_TAIL = 25


class SetupError(Exception):
    pass


def pins():
    """{name: version} from requirements-peers.txt."""
    out = {}
    with open(REQUIREMENTS, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, version = line.partition("==")
                out[name.strip()] = version.strip()
    return out


def installed(python, names):
    """{name: installed version or None} in the environment of `python`."""
    code = ("import importlib.metadata as m, json, sys\n"
            "def v(n):\n"
            "    try:\n        return m.version(n)\n"
            "    except m.PackageNotFoundError:\n        return None\n"
            "print(json.dumps({n: v(n) for n in json.loads(sys.argv[1])}))")
    p = subprocess.run([python, "-c", code, json.dumps(list(names))], capture_output=True, text=True)
    if p.returncode != 0:
        raise SetupError(f"{python} cannot list its packages: {p.stderr.strip()[-500:]}")
    return json.loads(p.stdout)


def unsatisfied(python):
    want = pins()
    have = installed(python, want)
    return [f"{n}=={v} (installed: {have[n] or 'none'})" for n, v in want.items() if have[n] != v]


def setup_venv(venv, dry_run):
    """The venv's python, created and filled as needed (or the commands, with dry_run)."""
    python = os.path.join(venv, "bin", "python")
    create = [sys.executable, "-m", "venv", venv]
    install = [python, "-m", "pip", "install", "--disable-pip-version-check", "-r", REQUIREMENTS]
    if not os.path.exists(python):
        if dry_run:
            print(f"$ {shlex.join(create)}\n$ {shlex.join(install)}")
            return python
        log(f"creating the peers' virtual environment: {shlex.join(create)}")
        if subprocess.run(create).returncode != 0:
            raise SetupError(f"`{shlex.join(create)}` failed (on Debian/Ubuntu: apt-get install python3-venv)")
    missing = unsatisfied(python)
    if not missing:
        log(f"peers: every pin of {os.path.relpath(REQUIREMENTS, WORKSPACE)} is installed in {venv}")
        return python
    if dry_run:
        print(f"$ {shlex.join(install)}   # missing: {', '.join(missing)}")
        return python
    log(f"installing the peers ({len(missing)} pins missing): {shlex.join(install)}")
    if subprocess.run(install).returncode != 0:
        raise SetupError(f"pip could not install {REQUIREMENTS} into {venv}")
    missing = unsatisfied(python)
    if missing:
        raise SetupError(f"after pip install, still not installed in {venv}: {', '.join(missing)}")
    return python


def rustc_version():
    """The compiler cargo last used in target/ (its cached `rustc -vV`), else `rustc --version`."""
    try:
        with open(os.path.join(WORKSPACE, "target", ".rustc_info.json"), encoding="utf-8") as f:
            for out in json.load(f)["outputs"].values():
                first = out.get("stdout", "").splitlines()[:1]
                if first and first[0].startswith("rustc "):
                    return first[0] + " (as cargo recorded it in target/.rustc_info.json)"
    except (OSError, ValueError, KeyError):
        pass
    try:
        p = subprocess.run(["rustc", "--version"], capture_output=True, text=True)
        return p.stdout.strip() or "?"
    except OSError:
        return "? (rustc not found)"


def machine():
    cpu, mem = platform.processor() or "?", None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.lower().startswith("model name")), cpu)
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem = next((int(ln.split()[1]) * 1024 for ln in f if ln.startswith("MemTotal:")), None)
    except OSError:
        pass
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0))
    ram = f"{mem / 2**30:.1f} GiB RAM" if mem else "RAM unknown"
    return (f"{cpu}, {cores} cores{'' if usable == cores else f' ({usable} usable)'}, {ram}, "
            f"{platform.system()} {platform.release()} {platform.machine()}")


def part_argv(python, part, out, quick):
    if part in SCALE_PARTS:
        return [python, os.path.join("benches", PARTS[part][0]), "--out", out] + SCALE_PARTS[part]
    return [python, os.path.join("benches", PARTS[part][0]), "--out", out] + (["--quick"] if quick else [])


def run_part(name, argv):
    """Run one part, its log streamed to stderr; returns (exit code, seconds, last log lines)."""
    log(f"\n=== {name}: {shlex.join(argv)}")
    t0 = time.perf_counter()
    tail = []
    with subprocess.Popen(argv, cwd=WORKSPACE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, errors="replace") as p:
        for line in p.stderr:
            log(f"[{name}] {line.rstrip()}")
            tail = (tail + [line.rstrip()])[-LOG_TAIL:]
    return p.returncode, time.perf_counter() - t0, tail


def demote(markdown, levels=2):
    """Headings of a part's report, moved `levels` down to nest under this run's heading."""
    return re.sub(r"^(#{1,6}) ", lambda m: "#" * min(6, len(m.group(1)) + levels) + " ", markdown, flags=re.M)


def check_doc(path):
    """An unpaired marker in `path` is a SetupError, found before the run rather than after it."""
    try:
        check_markers(path, BEGIN, END)
    except ValueError as e:
        raise SetupError(f"{path}: {e}") from None


def write_block(path, block):
    """Replace the marked block of `path` (appended with its markers when absent)."""
    try:
        write_marked_block(path, block, BEGIN, END)
    except ValueError as e:
        raise SetupError(f"{path}: {e}") from None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="pass --quick to every part (a few minutes in all)")
    ap.add_argument("--only", default=",".join(DEFAULT_PARTS),
                    help="comma-separated parts to run (default: %(default)s; also kpis-30m, kpis-100m)")
    ap.add_argument("--scale-up", action="store_true",
                    help="also run the KPI suite in place over 30 and 100 million synthetic lines "
                         "(parts kpis-30m, kpis-100m; about 15 minutes more)")
    ap.add_argument("--venv", default=os.path.join(WORKSPACE, "target", "bench-venv"),
                    help="virtual environment for the peers (default %(default)s)")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already in target/release/")
    ap.add_argument("--out", help="write the combined Markdown to this file instead of docs/benchmarks.md")
    ap.add_argument("--dry-run", action="store_true", help="print what would run, run nothing")
    args = ap.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    if args.scale_up:
        parts += [p for p in SCALE_PARTS if p not in parts]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        ap.error(f"--only: unknown part(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(PARTS)}")
    venv = os.path.abspath(args.venv)
    target = os.path.abspath(args.out) if args.out else DOC
    command = shlex.join([os.path.basename(sys.executable)] + sys.argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.perf_counter()

    try:
        if not args.out:
            check_doc(DOC)  # an unpaired marker stops the run now, not after it
        python = setup_venv(venv, args.dry_run)
        if args.dry_run:
            if not args.no_build:
                print(f"$ {shlex.join(BUILD)}")
            for part in parts:
                print(f"$ {shlex.join(part_argv(python, part, f'<tmp>/{part}.md', args.quick))}")
            print(f"# then: the combined Markdown into {target}"
                  + ("" if args.out else f" between {BEGIN} and {END}"))
            return 0
        if not args.no_build:
            log(f"building ours: {shlex.join(BUILD)}")
            if subprocess.run(BUILD, cwd=WORKSPACE).returncode != 0:
                raise SetupError(f"`{shlex.join(BUILD)}` failed (see above); nothing was measured")
        versions = installed(python, PEERS)
        py_version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                    capture_output=True, text=True).stdout.strip()
    except SetupError as e:
        log(f"compare.py: set-up failed: {e}")
        return 1

    sections, outcomes, status = [], [], 0
    with tempfile.TemporaryDirectory(prefix="compare_") as tmp:
        for part in parts:
            out = os.path.join(tmp, f"{part}.md")
            argv = part_argv(python, part, out, args.quick)
            rc, seconds, tail = run_part(part, argv)
            if rc == 0 and os.path.exists(out):
                with open(out, encoding="utf-8") as f:
                    sections.append(demote(f.read()).strip() + "\n")
                outcomes.append(f"{part} ok ({seconds / 60:.1f} min)")
                continue
            differ = any("answers differ" in line or "mismatch" in line for line in tail)
            why = ("its tools' answers differ" if differ else
                   f"it exited with {rc}" + (" (aborted before reporting a time)" if rc == 2 else ""))
            log(f"compare.py: part {part} FAILED: {why}")
            status = max(status, 2 if rc == 2 else 1)
            outcomes.append(f"{part} FAILED ({why})")
            log_lines = "\n".join(tail)
            sections.append(f"### {part}: {PARTS[part][1]}\n\n**FAILED: {why}; no timings are reported for this part.** "
                            f"Last lines of its log:\n\n```\n{log_lines}\n```\n")

    binaries = "built by this run" if not args.no_build else "binaries already in target/release/ (--no-build)"
    peers = ", ".join(f"{n} {versions.get(n) or '?'}" for n in PEERS)
    total = (time.perf_counter() - t_start) / 60
    header = [
        "## Side-by-side run (benches/compare.py)",
        "",
        "Written by `benches/compare.py`; re-run it rather than editing this block.",
        "",
        f"- date (UTC): {started.isoformat(timespec='seconds')}; took {total:.1f} min",
        f"- command: `{command}` (cwd `{os.getcwd()}`)",
        f"- machine: {machine()}",
        f"- Rust: {rustc_version()}, release profile; {binaries}",
        f"- peers: {peers} (PyPI, pinned in "
        f"`benches/requirements-peers.txt`), Python {py_version} in `{os.path.relpath(venv, WORKSPACE)}`",
        f"- parts: {'; '.join(outcomes)}",
        "",
    ]
    block = "\n".join(header) + "\n" + "\n".join(sections)
    if args.out:
        with open(target, "w", encoding="utf-8") as f:
            f.write(block)
    else:
        write_block(target, block)
    log(f"\ncompare.py: {'; '.join(outcomes)}; wrote {target} ({total:.1f} min)")
    return status


if __name__ == "__main__":
    sys.exit(main())
