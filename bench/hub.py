"""A cached Hub-sourced model against a catalogue one: latency through a real gunicorn, on-demand Hub mode.

    .venv/bin/python bench/hub.py [--requests 300] [--backend sqlite|postgresql|both]

The stand-in Hub (tests/hub_standin.py) serves on 127.0.0.1; the service (gunicorn, 2 workers × 4 threads,
PEDIGREE_HUB=on-demand) holds the real catalogue. A two-level Hub-only chain (a GGUF of a fine-tune of the
catalogue's Llama-3.1-8B-Instruct) is read once (fetched from the Hub and written), then every row times
single requests one at a time on one keep-alive connection: the catalogue's own GGUF of the same base against
the Hub-sourced GGUF, for the record, the effective terms and a permitted-use verdict, and the catalogue one
again from a second gunicorn with PEDIGREE_HUB=off (what the on-demand read hook costs). Requests of all rows
are interleaved, so load from elsewhere on the machine falls on every row alike.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.store import migrate
from api.store.db import make_engine
from api.store.seed import load_catalogue
from bench.lineage import PG_URL, timed
from tests.hub_standin import Served, StandInHub
from tests.server import Gunicorn

CATALOGUE_MODEL = "fluidapp/meta-llama-3.1-8b-instruct-gguf"
HUB_MODEL = "acme-labs/support-bot-8b-GGUF"


def standin() -> tuple[StandInHub, Served]:
    hub = StandInHub.from_fixtures()
    hub.add("acme-labs/support-bot-8b", {"license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B-Instruct"})
    hub.add(HUB_MODEL, {"license": "llama3.1", "base_model": "acme-labs/support-bot-8b", "tags": ["gguf"]})
    return hub, Served(hub)


def run(backend: str, requests: int) -> list[tuple[str, float, float]]:
    hub, served = standin()
    env = {"PEDIGREE_AUTO_INIT": "false", "PEDIGREE_HUB": "on-demand", "PEDIGREE_HUB_ENDPOINT": served.url}
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
    engine = make_engine(url, schema=schema)
    migrate.upgrade(engine)
    with Session(engine) as session:
        load_catalogue(session)
        session.commit()
    engine.dispose()
    rows = []
    try:
        with Gunicorn(env, workers=2, threads=4) as server, \
                Gunicorn({**env, "PEDIGREE_HUB": "off"}, workers=2, threads=4) as hub_off:
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            off = http.client.HTTPConnection("127.0.0.1", hub_off.port)
            started = time.perf_counter()
            timed(connection, f"/v1/models/{HUB_MODEL}", 1)
            cold = (time.perf_counter() - started) * 1000
            fetched = len(hub.model_requests())
            print(f"[{backend}] first read of {HUB_MODEL}: {cold:.0f} ms ({fetched} Hub requests)")
            cases = [("GET /healthz (baseline)", connection, "/healthz")]
            for suffix, label in (("", "record"), ("/terms", "terms"),
                                  ("/permitted-use?commercial=true", "permitted-use")):
                cases.append((f"{label}: catalogue model, PEDIGREE_HUB=off", off, f"/v1/models/{CATALOGUE_MODEL}{suffix}"))
                cases.append((f"{label}: catalogue model, on-demand", connection, f"/v1/models/{CATALOGUE_MODEL}{suffix}"))
                cases.append((f"{label}: Hub-sourced model (cached), on-demand", connection, f"/v1/models/{HUB_MODEL}{suffix}"))
            samples: dict[str, list[float]] = {label: [] for label, _, _ in cases}
            for label, conn, path in cases:
                timed(conn, path, 5)
            for _ in range(requests):  # interleaved, so that load from elsewhere falls on every row alike
                for label, conn, path in cases:
                    samples[label] += timed(conn, path, 1)
            for label, _, _ in cases:
                ordered = sorted(samples[label])
                rows.append((label, statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]))
            assert len(hub.model_requests()) == fetched, "a cached read asked the Hub"
    finally:
        served.stop()
        if schema:
            admin = create_engine(PG_URL)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    base = rows[0][1]
    print(f"\n[{backend}] catalogue model {CATALOGUE_MODEL}, Hub-sourced model {HUB_MODEL}")
    print(f"[{backend}] {'request':<72} {'p50 ms':>8} {'p99 ms':>8} {'× healthz':>10}")
    for label, p50, p99 in rows:
        print(f"[{backend}] {label:<72} {p50:8.2f} {p99:8.2f} {p50 / base:10.1f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run(backend, args.requests)


if __name__ == "__main__":
    main()
