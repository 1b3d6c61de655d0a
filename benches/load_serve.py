#!/usr/bin/env python3
"""Load test of `retail serve` on loopback: N concurrent clients, M requests over random
slices (country, date range, merchandise only) of one data set, answered by the KPI overview
(recomputed for every request: nothing is cached). Prints latency percentiles, errors,
throughput and the server's resident memory (start, peak, end).

    cargo build --release -p retail-cli
    python3 benches/load_serve.py ../shared/data/online_retail/online_retail.csv.gz \
        --clients 8 --requests 1000

Only the standard library: urllib in threads, /proc for the memory.
"""

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

COUNTRIES = ["United Kingdom", "Germany", "France", "EIRE", "Spain", "Netherlands",
             "Belgium", "Switzerland", "Portugal", "Australia", "Norway", "Italy"]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def random_slice(rng):
    params = []
    if rng.random() < 0.7:
        params.append(("country", rng.choice(COUNTRIES)))
    if rng.random() < 0.6:
        start = dt.date(2010, 12, 1) + dt.timedelta(days=rng.randrange(0, 330))
        end = start + dt.timedelta(days=rng.randrange(7, 200))
        params += [("from", start.isoformat()), ("to", min(end, dt.date(2011, 12, 9)).isoformat())]
    if rng.random() < 0.5:
        params.append(("merchandise-only", "1"))
    # The server's canonical order (anything else is answered with a redirect).
    order = {"from": 0, "to": 1, "country": 2, "merchandise-only": 9}
    params.sort(key=lambda p: order[p[0]])
    return urllib.parse.urlencode(params)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--retail", default="target/release/retail")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    server = subprocess.Popen([args.retail, "serve", "--addr", "127.0.0.1:0", "--quiet", *args.files],
                              stdout=subprocess.PIPE, text=True)
    started = time.time()
    url = server.stdout.readline().strip()
    print(f"server ready at {url} after {time.time() - started:.1f} s (reading and the first KPIs)",
          file=sys.stderr)
    rng = random.Random(args.seed)
    queries = [random_slice(rng) for _ in range(args.requests)]
    latencies, errors, lock = [], [], threading.Lock()
    rss = {"start": rss_kib(server.pid), "peak": 0, "samples": []}
    done = threading.Event()

    def watch():
        while not done.is_set():
            r = rss_kib(server.pid)
            rss["peak"] = max(rss["peak"], r)
            rss["samples"].append(r)
            time.sleep(0.1)

    def client(i):
        while True:
            with lock:
                if not queries:
                    return
                q = queries.pop()
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(url + ("?" + q if q else ""), timeout=120) as resp:
                    body = resp.read()
                    ok = resp.status == 200 and b"</html>" in body
            except urllib.error.URLError as e:
                ok = False
                body = str(e).encode()
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append((q, body[:200]))

    watcher = threading.Thread(target=watch)
    watcher.start()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    done.set()
    watcher.join()
    end_rss = rss_kib(server.pid)
    server.terminate()
    server.wait()

    lat = sorted(latencies)
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    tenth = rss["samples"][len(rss["samples"]) // 10] if rss["samples"] else 0
    print(f"requests {len(lat)}, clients {args.clients}, errors {len(errors)}, wall {wall:.1f} s, "
          f"{len(lat) / wall:.1f} req/s")
    print(f"latency ms: p50 {q(0.5):.0f}, p90 {q(0.9):.0f}, p99 {q(0.99):.0f}, max {lat[-1]*1000:.0f}, "
          f"mean {statistics.mean(lat)*1000:.0f}")
    print(f"RSS MiB: after loading {rss['start']/1024:.0f}, at 10% of the run {tenth/1024:.0f}, "
          f"peak {rss['peak']/1024:.0f}, end {end_rss/1024:.0f}")
    for q_, b in errors[:5]:
        print("error:", q_, b, file=sys.stderr)


if __name__ == "__main__":
    main()
