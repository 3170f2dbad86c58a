"""Hub-scale benchmark: builds the graph, bulk-loads it, serves it, and measures each row against the ceiling.

    .venv/bin/python bench/scale.py [--quick] [--sizes 10000,100000,1000000] [--seconds 6]
                                    [--backend sqlite|postgresql|both] [--connections 16] [--no-write]

For each size and database: the deterministic graph of bench/graph.py is written as JSON Lines and loaded
by `flask import-jsonl` (timed: the bulk load), then served by gunicorn (2 workers x 4 threads, gthread).
For a fixed time per row, `--connections` keep-alive clients (wrk when it is installed, else Python
threads) ask for: a model read, its terms,
its permitted use in full and as `view=summary`, the first descendants page of the biggest family and a
cursor page 80 % deep into it, and the first conflicts page. The rows over 200 sample models are first
asked one at a time, each answer once (its first computation: the "first computation" rows), then for four
seconds by all the connections so that every worker keeps them (the per-process read cache), then driven
for the fixed time: the steady state of a service asked about the same models again. Then, one request at
a time: 1,000-model compliance checks (three batches never asked before, then one batch asked again, its
results kept) and 50 leaf models added. Each row is driven in three slices, each right after /healthz (a view
that does nothing: the hello-world ceiling) is driven the same way for as long; the row's ratio is the median
of the three slices' ratios (this machine's speed drifts 2-3x from one minute to the next, so a ceiling measured
once can come from another speed than its row). Prints req/s, p50/p99 in ms and
each row's ratio to its ceiling (req/s over req/s), the largest worker's memory, and with --write appends a section to bench/RESULTS.md and a PNG plot of p50
against graph size (matplotlib from bench/requirements.txt; the plot is skipped without it).
`--quick` is one size, 100,000 models.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import graph
from sqlalchemy import create_engine, text

from tests.server import Gunicorn

PG_URL = os.environ.get("PEDIGREE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent
POLICY = {"use": {"commercial": True, "monthly_active_users": 2_000_000}}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class Database:
    """A fresh SQLite file or PostgreSQL schema, migrated, with the catalogue's licences and models."""

    def __init__(self, backend: str) -> None:
        self.backend, self.schema = backend, None
        if backend == "sqlite":
            self.env = {"DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"}
        else:
            self.schema = "bench_" + uuid.uuid4().hex[:8]
            with create_engine(PG_URL).begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.env = {"DATABASE_URL": PG_URL, "PEDIGREE_DB_SCHEMA": self.schema}
        self.env |= {"PEDIGREE_AUTO_INIT": "false", "PEDIGREE_HUB": "off", "PEDIGREE_REQUEST_TIMEOUT": "120"}
        self.flask("db", "upgrade")
        self.flask("catalogue", "load")

    def flask(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env={**os.environ, **self.env},
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def analyse(self) -> None:
        """A settled database, as a live one is once autovacuum has passed over a load: PostgreSQL's tables
        vacuumed (hint bits and visibility maps set) and analysed, so that autovacuum does not start on the
        freshly loaded tables in the middle of a measured row; SQLite's statistics fresh (ANALYZE)."""
        if self.backend == "postgresql":
            engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={self.schema}"},
                                   isolation_level="AUTOCOMMIT")  # VACUUM runs outside a transaction
            with engine.connect() as c:
                tables = c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"),
                                   {"schema": self.schema}).scalars().all()
                for table in tables:  # this schema's tables only: not every schema of the database
                    c.execute(text(f'VACUUM ANALYZE "{self.schema}"."{table}"'))
            engine.dispose()
        else:
            path = self.env["DATABASE_URL"].removeprefix("sqlite:///")
            with sqlite3.connect(path) as connection:
                connection.execute("ANALYZE")

    def drop(self) -> None:
        if self.schema:
            with create_engine(PG_URL).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))


def biggest_family(records: list[dict]) -> tuple[str, list[str]]:
    """The root with the most models below it (through first parents), and those models in id order."""
    root_of: dict[str, str] = {}
    for record in records:
        parents = record.get("parents") or []
        root_of[record["id"]] = root_of[parents[0]["id"]] if parents else record["id"]
    root = Counter(root_of.values()).most_common(1)[0][0]
    return root, sorted(m for m, r in root_of.items() if r == root and m != root)


# --- load generators --------------------------------------------------------------------------------------

def drive_wrk(port: int, paths: list[str], seconds: float, connections: int) -> dict:
    script = Path(tempfile.mkdtemp()) / "paths.lua"
    listed = ",".join(json.dumps(p) for p in paths)
    script.write_text("local paths = {" + listed + "}\nlocal i = 0\n"
                      "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    def ms(label: str) -> float:
        value = next(line.split()[1] for line in out.splitlines() if line.strip().startswith(label))
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
        unit = "us" if value.endswith("us") else "ms" if value.endswith("ms") else "s"
        return float(value[: -len(unit)]) * scale[unit]
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec:")))
    bad = sum(int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line)
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "errors": bad}


def drive_python(port: int, paths: list[str], seconds: float, connections: int) -> dict:
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, index = [], offset
        while time.perf_counter() < stop:
            started = time.perf_counter()
            connection.request("GET", paths[index % len(paths)])
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status >= 300:
                errors[0] += 1
            index += 1
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"rps": len(samples) / seconds, "p50": statistics.median(samples), "p99": percentile(samples, 0.99),
            "errors": errors[0]}


SLICES = 3
STALL_RETRIES = 3


def paired(drive, port: int, paths: list[str], seconds: float, connections: int) -> tuple[dict, dict]:
    """The row and the ceiling, driven in turn in SLICES slices: this machine's speed drifts (2-3x between minutes),
    so each slice of the row is compared with the hello-world view driven just before it. The row's and the
    ceiling's figures are the medians over the slices; the row's ratios are the medians of the slices' ratios."""
    slices = []
    for _ in range(SLICES):
        for attempt in range(STALL_RETRIES + 1):
            ceiling = drive(port, ["/healthz"], max(1.0, seconds / SLICES), connections)
            row = drive(port, paths, max(1.0, seconds / SLICES), connections)
            if ceiling["rps"] and row["rps"]:
                break
            if attempt == STALL_RETRIES:
                raise RuntimeError(f"{paths[0]}: {STALL_RETRIES + 1} slices in a row answered nothing")
            # Nothing answered for the whole slice (gunicorn's gthread workers stall now and then, a hello-world
            # WSGI app included): no ratio can be formed, so the slice is driven again.
            print(f"  a slice answered nothing (ceiling {ceiling['rps']:.0f} req/s, row {row['rps']:.0f} req/s): "
                  f"driven again ({attempt + 1} of {STALL_RETRIES})", flush=True)
        slices.append((row, ceiling))

    def median(side: int, key: str) -> float:
        return statistics.median(pair[side][key] for pair in slices)

    row = {key: median(0, key) for key in ("rps", "p50", "p99")} | {
        "errors": sum(pair[0]["errors"] for pair in slices),
        "ratio": statistics.median(r["rps"] / c["rps"] for r, c in slices),
        "p99 ratio": statistics.median(r["p99"] / c["p99"] for r, c in slices)}
    return row, {key: median(1, key) for key in ("rps", "p50", "p99")}


def one_at_a_time(port: int, method: str, make, count: int, token: str | None = None) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    samples, sizes = [], []
    for index in range(count):
        path, body = make(index)
        headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        started = time.perf_counter()
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        samples.append((time.perf_counter() - started) * 1000)
        sizes.append(len(payload))
        if response.status >= 300:
            raise RuntimeError(f"{method} {path} → {response.status} {payload[:300]!r}")
    return {"p50": statistics.median(samples), "p99": percentile(samples, 0.99), "bytes": statistics.median(sizes),
            "count": count}


def worker_rss_mb(master_pid: int) -> float:
    """The largest resident set of the gunicorn workers (children of the master), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master_pid) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return max(sizes, default=0.0)


def offline_cli_seconds(count: int = 100, runs: int = 5) -> float:
    """Median wall time of `pedigree check` (offline, the built-in catalogue) over `count` catalogue models."""
    from api.catalogue import read_catalogue

    folder = Path(tempfile.mkdtemp())
    (folder / "models.txt").write_text("\n".join(m["id"] for m in read_catalogue()["models"][:count]) + "\n")
    (folder / "policy.yaml").write_text("use:\n  commercial: true\n")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(BIN / "pedigree"), "check", str(folder / "models.txt"), "--policy",
                        str(folder / "policy.yaml"), "--format", "json"], capture_output=True, cwd=folder)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- one size on one database -----------------------------------------------------------------------------

def measure(backend: str, size: int, seconds: float, connections: int) -> dict:
    records = list(graph.records(size))
    root, family = biggest_family(records)
    database = Database(backend)
    try:
        jsonl = Path(tempfile.mkdtemp()) / "graph.jsonl"
        jsonl.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
        started = time.perf_counter()
        database.flask("import-jsonl", str(jsonl))
        load_seconds = time.perf_counter() - started
        database.analyse()
        token = database.flask("tokens", "create", "bench", "--scope", "write").strip().splitlines()[-1]
        print(f"[{backend} {size:,}] bulk load {load_seconds:.1f} s; biggest family {root}: {len(family):,}",
              flush=True)
        sample = [r["id"] for r in random.Random(11).sample(records, 200)]
        deep = family[int(len(family) * 0.8)]
        rows = {
            "model read": [f"/v1/models/{m}" for m in sample],
            "terms": [f"/v1/models/{m}/terms" for m in sample],
            "permitted-use": [f"/v1/models/{m}/permitted-use?commercial=true" for m in sample],
            "permitted-use summary": [f"/v1/models/{m}/permitted-use?commercial=true&view=summary" for m in sample],
            "descendants first page": [f"/v1/models/{root}/descendants?limit=100"],
            "descendants page 80% deep": [f"/v1/models/{root}/descendants?limit=100&cursor={deep}"],
            "conflicts first page": ["/v1/conflicts?limit=100"],
        }
        drive = drive_wrk if shutil.which("wrk") else drive_python
        result = {"load_seconds": load_seconds, "family": len(family), "rows": {}, "ceilings": {},
                  "client": drive.__name__[6:]}
        with Gunicorn(database.env, workers=2, threads=4) as server:
            drive(server.port, ["/healthz"], 1, 2)  # warm up
            result["cold"] = {}
            for label, paths in rows.items():
                if len(paths) > 1:  # the first computation of each answer, before any worker keeps it
                    result["cold"][label] = one_at_a_time(server.port, "GET", lambda n, p=paths: (p[n], None),
                                                          len(paths))
                drive(server.port, paths, 4, connections)  # every worker asked for every answer, so each keeps it
                result["rows"][label], result["ceilings"][label] = paired(drive, server.port, paths, seconds,
                                                                          connections)
            batches = [[r["id"] for r in random.Random(seed).sample(records, min(1000, len(records)))]
                       for seed in (5, 6, 7)]
            # Three batches never asked before (every model walked), then the first asked again five times (each
            # model's result kept by the worker while nothing is written).
            result["compliance 1,000 models"] = one_at_a_time(
                server.port, "POST", lambda n: ("/v1/compliance/check", {"models": batches[n], "policy": POLICY}), 3)
            one_at_a_time(server.port, "POST", lambda _: ("/v1/compliance/check", {"models": batches[0],
                                                                                  "policy": POLICY}), 2)
            result["compliance 1,000 models, asked again"] = one_at_a_time(
                server.port, "POST", lambda _: ("/v1/compliance/check", {"models": batches[0], "policy": POLICY}), 5)
            result["worker MB"] = worker_rss_mb(server.process.pid)
            parents = random.Random(3).sample(family, 50)
            result["leaf add"] = one_at_a_time(server.port, "POST", lambda n: ("/v1/models", {
                "id": f"bench/leaf-{uuid.uuid4().hex[:10]}", "license": "Apache-2.0",
                "parents": [{"id": parents[n], "relation": "finetune"}]}), 50, token)
        return result
    finally:
        database.drop()


def report(backend: str, size: int, result: dict) -> list[str]:
    ceilings = [c["rps"] for c in result["ceilings"].values()]
    lines = [f"**{backend}, {size:,} models** (biggest family {result['family']:,}; bulk load "
             f"{result['load_seconds']:.1f} s; client: {result['client']}; the hello-world ceiling, measured "
             f"in turn with each row: {min(ceilings):.0f} to {max(ceilings):.0f} req/s, medians of {SLICES} slices)",
             "", "| row | req/s | p50 ms | p99 ms | ceiling req/s (p99 ms) in turn with it | req/s ÷ ceiling "
             "(median of slices) | p99 ÷ ceiling p99 "
             "| non-2xx |", "|---|---|---|---|---|---|---|---|"]
    for label, row in result["rows"].items():
        ceiling = result["ceilings"][label]
        lines.append(f"| {label} | {row['rps']:.0f} | {row['p50']:.2f} | {row['p99']:.2f} | {ceiling['rps']:.0f} "
                     f"({ceiling['p99']:.1f}) | {row['ratio']:.2f} | {row['p99 ratio']:.1f} "
                     f"| {row['errors']} |")
    for label, row in result.get("cold", {}).items():
        lines.append(f"| {label}: first computation (one at a time, {row['count']} models) | – | {row['p50']:.2f} | "
                     f"{row['p99']:.2f} | – | – | – | – |")
    for label in ("compliance 1,000 models", "compliance 1,000 models, asked again", "leaf add"):
        row = result[label]
        lines.append(f"| {label} (one at a time) | – | {row['p50']:.1f} | {row['p99']:.1f} | – | – | – | "
                     f"{row['bytes'] / 1000:.0f} kB answered |")
    lines.append(f"| largest gunicorn worker after the run | – | – | – | – | – | – | {result['worker MB']:.0f} MB resident |")
    return lines + [""]


def plot(results: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for axis, backend in zip(axes, ("sqlite", "postgresql"), strict=True):
        sizes = sorted(size for (b, size) in results if b == backend)
        if not sizes:
            continue
        for label in results[(backend, sizes[0])]["rows"]:
            axis.plot(sizes, [results[(backend, s)]["rows"][label]["p50"] for s in sizes], marker="o", label=label)
        for label in results[(backend, sizes[0])]["cold"]:
            axis.plot(sizes, [results[(backend, s)]["cold"][label]["p50"] for s in sizes], marker="x", linestyle="--",
                      label=f"{label}: first computation")
        for label in ("compliance 1,000 models", "compliance 1,000 models, asked again"):
            axis.plot(sizes, [results[(backend, s)][label]["p50"] for s in sizes], marker="s", label=label)
        axis.set(xscale="log", yscale="log", title=backend, xlabel="models", ylabel="p50 ms")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--quick", action="store_true", help="one size: 100,000 models")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--write", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    started = time.perf_counter()
    results, lines = {}, []
    for size in sizes:
        for backend in backends:
            results[(backend, size)] = measure(backend, size, args.seconds, args.connections)
            lines += report(backend, size, results[(backend, size)])
            print("\n".join(report(backend, size, results[(backend, size)])), flush=True)
    cli = offline_cli_seconds()
    lines += [f"Offline CLI (`pedigree check`, built-in catalogue, 100 models, whole process): median {cli:.2f} s", ""]
    elapsed = time.perf_counter() - started
    print(lines[-2])
    print(f"whole run: {elapsed:.0f} s")
    if args.write:
        png = HERE / "scale.png"
        drew = plot(results, png)
        header = [f"## {time.strftime('%Y-%m-%d')} — Hub scale (`bench/scale.py {' '.join(sys.argv[1:])}`)", "",
                  f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite "
                  f"{sqlite3.sqlite_version}; the client shares the cores with the server. Whole run {elapsed:.0f} s.",
                  ""]
        if drew:
            lines.append(f"![p50 against graph size]({png.name})")
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write("\n" + "\n".join(header + lines) + "\n")


if __name__ == "__main__":
    main()
