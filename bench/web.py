"""Latency of the web view's pages through a real gunicorn on the embedded default (SQLite).

    .venv/bin/python bench/web.py [--requests 200] [--background 5000]

Loads the built-in catalogue, a background graph (bench/lineage.py's generator) and a chain of 51
models: `bench/chain-50` has 50 ancestors (licences taken in turn from real catalogue licences, a
merge every tenth step) and 30 direct descendants. Times single requests, one at a time over one
keep-alive connection, and prints p50/p99 in ms against /healthz in the same run. Then the same pages
in-process through the Flask test client, as CPU time of this process (`time.process_time`), which a
busy shared machine disturbs less than wall-clock time.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lineage import LICENCES, build_graph, populate
from sqlalchemy import insert

from api.store.db import make_engine
from api.store.tables import LanguageModel, ModelLicence, ParentEdge
from tests.server import Gunicorn

CHAIN = 50


def chain_models() -> tuple[list[dict], list[dict]]:
    ids = [f"bench/chain-{i:02d}" for i in range(CHAIN + 1)]
    models = [{"id": m, "license": LICENCES[i % len(LICENCES)], "placeholder": False, "sources": {}}
              for i, m in enumerate(ids)]
    edges = [{"child_id": ids[i], "parent_id": ids[i - 1], "relation": "finetune"} for i in range(1, CHAIN + 1)]
    for i in range(10, CHAIN + 1, 10):  # a merge every tenth step: two ways up
        edges.append({"child_id": ids[i], "parent_id": ids[i - 2], "relation": "merge"})
    kids = [f"bench/kid-{i:02d}" for i in range(30)]
    models += [{"id": k, "license": "Apache-2.0", "placeholder": False, "sources": {}} for k in kids]
    edges += [{"child_id": k, "parent_id": ids[-1], "relation": "quantized"} for k in kids]
    return models, edges


def timed(connection: http.client.HTTPConnection, path: str) -> float:
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept": "text/html"})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status == 200, (path, response.status)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--background", type=int, default=5000)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    models, edges = build_graph(args.background)
    populate(url, None, models, edges)
    chain, chain_edges = chain_models()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(LanguageModel), chain)
        connection.execute(insert(ModelLicence), [{"model_id": m["id"], "licence_id": m["license"]} for m in chain])
        connection.execute(insert(ParentEdge), chain_edges)
    engine.dispose()
    leaf = f"bench/chain-{CHAIN:02d}"
    cases = [
        ("GET /healthz (baseline)", "/healthz"),
        (f"GET /models/{leaf} (50 ancestors, 30 children)", f"/models/{leaf}"),
        ("… with the use form submitted", f"/models/{leaf}?evaluate=1&commercial=1&users=1000&redistribute=1"),
        ("GET /?q=llama (20 results with badges)", "/?q=llama"),
        ("GET /licenses/Apache-2.0", "/licenses/Apache-2.0"),
    ]
    rows = []
    with Gunicorn({"DATABASE_URL": url, "PEDIGREE_AUTO_INIT": "false"}, workers=2, threads=4) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port)
        for label, path in cases:
            for _ in range(5):
                timed(connection, path)  # warm up
            samples = sorted(timed(connection, path) for _ in range(args.requests))
            rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.99) - 1]))
    base = rows[0][1]
    print(f"{'request (wall clock, gunicorn)':<52} {'p50 ms':>8} {'p99 ms':>8} {'p50 / baseline':>15}")
    for label, p50, p99 in rows:
        print(f"{label:<52} {p50:8.2f} {p99:8.2f} {p50 / base:15.1f}")
    print(f"\n{'request (CPU time, in-process)':<52} {'p50 ms':>8} {'min ms':>8}")
    for label, p50, least in cpu_times(url, cases, args.requests):
        print(f"{label:<52} {p50:8.2f} {least:8.2f}")


def cpu_times(url: str, cases: list[tuple[str, str]], requests: int) -> list[tuple[str, float, float]]:
    import os

    os.environ.update({"DATABASE_URL": url, "PEDIGREE_AUTO_INIT": "false"})
    from api import create_app

    client = create_app().test_client()
    rows = []
    for label, path in cases:
        for _ in range(5):
            client.get(path, headers={"Accept": "text/html"})
        samples = []
        for _ in range(requests):
            started = time.process_time()
            response = client.get(path, headers={"Accept": "text/html"})
            samples.append((time.process_time() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        rows.append((label, statistics.median(samples), min(samples)))
    return rows


if __name__ == "__main__":
    main()
