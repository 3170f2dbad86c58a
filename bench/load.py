"""Load test: 8 clients hammer the most expensive reads while a ninth reads single models.

    .venv/bin/python bench/load.py [--models 100000] [--seconds 60] [--backend postgresql|sqlite]

Builds a random graph (bench/lineage.py's generator: fixed seed, preferential attachment) in a fresh
PostgreSQL schema (127.0.0.1:5432/test) or SQLite file, fills the conflicts table as migration 0005 does
for an existing database, and serves it with gunicorn (2 workers × 16 threads, the project's
gunicorn.conf.py). The ninth client first reads random single models alone (the unloaded p99), then again
for `--seconds` while eight client processes loop over descendants and lineage of the biggest family,
effective terms, the conflicts list, a text search and a 200-model compliance check. Pass: the ninth
client's loaded p99 stays under 10 × its unloaded p99.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lineage import PG_URL, build_graph, populate
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.store import conflict_index
from api.store.db import make_engine
from tests.server import Gunicorn


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def expensive_requests(models: list[str], biggest: str, rnd: random.Random) -> list[tuple[str, str, dict | None]]:
    return [
        ("descendants", f"/v1/models/{biggest}/descendants?limit=500", None),
        ("lineage", f"/v1/models/{biggest}/lineage?up=1&down=2", None),
        ("terms", f"/v1/models/{rnd.choice(models)}/terms", None),
        ("conflicts", "/v1/conflicts?limit=500", None),
        ("search", "/v1/models?q=m00&limit=500", None),
        ("compliance", "/v1/compliance/check",
         {"models": rnd.sample(models, 200), "policy": {"use": {"commercial": True}, "fail_on_unknown": False}}),
    ]


def load_client(port: int, models: list[str], biggest: str, seconds: float, seed: int, out) -> None:
    rnd = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    stats: dict[str, list] = {}
    statuses: Counter = Counter()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        for name, path, body in expensive_requests(models, biggest, rnd):
            started = time.perf_counter()
            if body is None:
                connection.request("GET", path)
            else:
                connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            stats.setdefault(name, []).append(time.perf_counter() - started)
            statuses[f"{name} {response.status}"] += 1
            if time.monotonic() >= stop:
                break
    out.put((stats, dict(statuses)))


def single_reads(port: int, models: list[str], *, count: int | None = None, seconds: float | None = None,
                 seed: int = 99) -> tuple[list[float], Counter]:
    rnd = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    samples, statuses = [], Counter()
    stop = time.monotonic() + (seconds or 1e9)
    while (count is None or len(samples) < count) and time.monotonic() < stop:
        started = time.perf_counter()
        connection.request("GET", f"/v1/models/{rnd.choice(models)}")
        response = connection.getresponse()
        response.read()
        samples.append(time.perf_counter() - started)
        statuses[response.status] += 1
    return samples, statuses


def prepare(backend: str, count: int) -> tuple[dict, list[str], str, dict]:
    models, edges = build_graph(count)
    children: Counter = Counter(edge["parent_id"] for edge in edges)
    biggest = children.most_common(1)[0][0]
    facts: dict = {}
    if backend == "postgresql":
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = create_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url, env = PG_URL, {"DATABASE_URL": PG_URL, "PEDIGREE_DB_SCHEMA": schema}
    else:
        schema = None
        url = f"sqlite:///{tempfile.mkdtemp(prefix='pedigree-load-')}/load.sqlite3"
        env = {"DATABASE_URL": url}
    started = time.monotonic()
    populate(url, schema, models, edges)
    facts["populate_s"] = time.monotonic() - started
    engine = make_engine(url, schema=schema, statement_timeout_ms=3_600_000)
    started = time.monotonic()
    with Session(engine) as session:
        conflict_index.rebuild_all(session)
        session.commit()
        facts["conflicts"] = session.scalar(text("SELECT count(*) FROM model_conflicts"))
    facts["rebuild_s"] = time.monotonic() - started
    engine.dispose()
    facts["edges"] = len(edges)
    facts["biggest_children"] = children[biggest]
    env.update({"PEDIGREE_AUTO_INIT": "false"})
    return env, [m["id"] for m in models], biggest, facts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    env, models, biggest, facts = prepare(args.backend, args.models)
    print(f"{args.backend}: {args.models} models, {facts['edges']} edges, biggest base {biggest} "
          f"({facts['biggest_children']} children); load {facts['populate_s']:.0f} s, conflicts table "
          f"{facts['conflicts']} rows built in {facts['rebuild_s']:.0f} s", flush=True)
    with Gunicorn(env, workers=2, threads=16) as server:
        single_reads(server.port, models, count=50)  # warm up connections and caches
        unloaded, _ = single_reads(server.port, models, count=500)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        clients = [multiprocessing.Process(target=load_client, args=(server.port, models, biggest, args.seconds,
                                                                      seed, queue))
                   for seed in range(args.clients)]
        for client in clients:
            client.start()
        time.sleep(1.0)  # let the load build up before measuring
        loaded, loaded_statuses = single_reads(server.port, models, seconds=args.seconds - 2)
        results = [queue.get() for _ in clients]
        for client in clients:
            client.join()
    per_endpoint: dict[str, list] = {}
    statuses: Counter = Counter()
    for stats, counts in results:
        for name, samples in stats.items():
            per_endpoint.setdefault(name, []).extend(samples)
        statuses.update(counts)
    ms = 1000
    print("\n| client | requests | p50 ms | p99 ms |\n|---|---|---|---|")
    print(f"| ninth client alone: `GET /v1/models/{{id}}` | {len(unloaded)} | "
          f"{statistics.median(unloaded) * ms:.1f} | {percentile(unloaded, 0.99) * ms:.1f} |")
    print(f"| ninth client under load: `GET /v1/models/{{id}}` | {len(loaded)} | "
          f"{statistics.median(loaded) * ms:.1f} | {percentile(loaded, 0.99) * ms:.1f} |")
    for name, samples in sorted(per_endpoint.items()):
        print(f"| load: {name} | {len(samples)} | {statistics.median(samples) * ms:.1f} | "
              f"{percentile(samples, 0.99) * ms:.1f} |")
    ratio = percentile(loaded, 0.99) / percentile(unloaded, 0.99)
    print(f"\nninth client statuses under load: {dict(loaded_statuses)}")
    print(f"load statuses: {dict(sorted(statuses.items()))}")
    print(f"p99 under load / p99 alone = {ratio:.2f} ({'PASS' if ratio < 10 else 'FAIL'}: must stay under 10)")


if __name__ == "__main__":
    main()
