"""Latency of lineage and permitted-use requests through a real gunicorn, against /healthz in the same run.

    .venv/bin/python bench/lineage.py [--models 20000] [--requests 300] [--backend sqlite|postgresql|both]

Builds a random graph (fixed seed, preferential attachment, 3 % roots, some merges) in a fresh SQLite
file and a fresh PostgreSQL schema (127.0.0.1:5432/test), serves it with gunicorn (2 workers, 4 threads),
and times requests one at a time over one keep-alive connection. Prints p50/p99 in ms and the ratio of
each p50 to the /healthz p50 measured in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import graph
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from api.store import migrate
from api.store.db import make_engine
from api.store.seed import load_catalogue
from api.store.tables import LanguageModel, ModelLicence, ParentEdge
from tests.server import Gunicorn

PG_URL = os.environ.get("PEDIGREE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def build_graph(count: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """The deterministic graph of bench/graph.py as table rows: models and parent edges."""
    models, edges = [], []
    for record in graph.records(count, seed):
        models.append({"id": record["id"], "license": record["license"], "placeholder": False, "sources": {}})
        edges += [{"child_id": record["id"], "parent_id": p["id"], "relation": p["relation"]}
                  for p in record.get("parents", [])]
    return models, edges


def populate(url: str, schema: str | None, models: list[dict], edges: list[dict]) -> None:
    engine = make_engine(url, schema=schema)
    migrate.upgrade(engine)
    with Session(engine) as session:  # real licences with their terms
        load_catalogue(session)
        session.commit()
    with engine.begin() as connection:
        connection.execute(insert(LanguageModel), models)
        connection.execute(insert(ModelLicence), [{"model_id": m["id"], "licence_id": m["license"]} for m in models])
        connection.execute(insert(ParentEdge), edges)
    with engine.begin() as connection:  # fresh statistics, as autovacuum would give a live database
        connection.execute(text("ANALYZE"))
    engine.dispose()


def timed(connection: http.client.HTTPConnection, path: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
    return samples


def run(backend: str, model_count: int, requests: int) -> list[tuple[str, float, float]]:
    models, edges = build_graph(model_count)
    children: dict[str, int] = {}
    for edge in edges:
        children[edge["parent_id"]] = children.get(edge["parent_id"], 0) + 1
    biggest = max(children, key=children.get)
    deep = sorted(m["id"] for m in models)[-1]
    env = {"PEDIGREE_AUTO_INIT": "false"}
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    else:
        url, schema = PG_URL, "bench_" + uuid.uuid4().hex[:8]
        admin = create_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        env["PEDIGREE_DB_SCHEMA"] = schema
    env["DATABASE_URL"] = url
    started = time.perf_counter()
    populate(url, schema, models, edges)
    print(f"[{backend}] loaded {len(models):,} models, {len(edges):,} edges in {time.perf_counter() - started:.1f}s")
    rnd = random.Random(11)
    sample = [m["id"] for m in rnd.sample(models, 50)]
    rows = []
    try:
        with Gunicorn(env, workers=2, threads=4) as server:
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            cases = [
                ("GET /healthz (baseline)", ["/healthz"]),
                ("GET /v1/models/{id}", [f"/v1/models/{m}" for m in sample]),
                ("GET …/ancestors", [f"/v1/models/{m}/ancestors" for m in sample]),
                ("GET …/terms", [f"/v1/models/{m}/terms" for m in sample]),
                ("GET …/permitted-use (commercial)", [f"/v1/models/{m}/permitted-use?commercial=true" for m in sample]),
                ("GET …/descendants first 100 of the biggest base", [f"/v1/models/{biggest}/descendants?limit=100"]),
            ]
            for label, paths in cases:
                timed(connection, paths[0], 5)  # warm up
                samples = []
                for index in range(requests):
                    samples += timed(connection, paths[index % len(paths)], 1)
                samples.sort()
                rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.99) - 1]))
            total = json.loads(server.get(f"/v1/models/{biggest}/descendants?limit=1")[2])["pagination"]["total"]
            print(f"[{backend}] biggest base {biggest} has {total:,} descendants; deepest sample {deep}")
    finally:
        if schema:
            admin = create_engine(PG_URL)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    base = rows[0][1]
    print(f"\n[{backend}] {'request':<52} {'p50 ms':>8} {'p99 ms':>8} {'p50 / baseline':>15}")
    for label, p50, p99 in rows:
        print(f"[{backend}] {label:<52} {p50:8.2f} {p99:8.2f} {p50 / base:15.1f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run(backend, args.models, args.requests)


if __name__ == "__main__":
    main()
