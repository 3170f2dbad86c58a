"""Eight writers against a real gunicorn, on PostgreSQL and on SQLite (WAL, busy timeout, BEGIN IMMEDIATE).

Eight hundred mixed operations; afterwards: no lost update, no orphan edge, no cycle, no 5xx, and
exactly one audit event for every successful write.
"""

import http.client
import json
import random
import threading
from collections import Counter

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.domain.graph import path_upwards
from api.store.db import get_engine
from api.store.tables import AuditEvent, ParentEdge
from tests.conftest import _migrated_app
from tests.server import Gunicorn

WRITERS = 8
OPERATIONS_PER_WRITER = 100


class Writer(threading.Thread):
    def __init__(self, number: int, port: int, token: str, models: list[str]) -> None:
        super().__init__()
        self.number = number
        self.rnd = random.Random(number)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.models = models  # shared list of ids, appended under the GIL
        self.mine: list[str] = []
        self.statuses: Counter = Counter()
        self.increments = 0
        self.successful_writes = 0
        self.errors: list[str] = []

    def call(self, method, path, body=None, headers=None):
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                headers={**self.auth, **(headers or {})})
        response = self.connection.getresponse()
        payload = response.read()
        self.statuses[response.status] += 1
        if response.status >= 500:
            self.errors.append(f"{method} {path} → {response.status} {payload[:200]!r}")
        if method != "GET" and 200 <= response.status < 300:
            self.successful_writes += 1
        return response.status, response.headers, payload

    def increment(self):
        for _ in range(50):
            status, headers, payload = self.call("GET", "/v1/models/org/counter")
            value = json.loads(payload)["parameters"]
            status, _, _ = self.call("PATCH", "/v1/models/org/counter", {"parameters": value + 1},
                                     {"If-Match": headers["ETag"]})
            if status == 200:
                self.increments += 1
                return
            assert status == 412, status

    def run(self):
        try:
            for step in range(OPERATIONS_PER_WRITER):
                self.operate(self.rnd.random(), step)
        except Exception as error:
            self.errors.append(repr(error))

    def operate(self, choice: float, step: int):
        """One operation, picked by `choice`: increment, create, add an edge, remove an edge, delete."""
        if choice < 0.3:
            self.increment()
        elif choice < 0.55:
            self.create_child(f"w{self.number}/m{step}")
        elif choice < 0.8:
            self.add_merge_edge()
        elif choice < 0.9 and self.mine:
            self.remove_first_parent(self.rnd.choice(self.mine))
        elif self.mine:
            self.delete_model(self.mine.pop(self.rnd.randrange(len(self.mine))))

    def create_child(self, new_id: str):
        parent = self.rnd.choice(self.models)
        status, _, _ = self.call("POST", "/v1/models", {"id": new_id, "parents": [{"id": parent, "relation": "finetune"}]})
        if status == 201:
            self.models.append(new_id)
            self.mine.append(new_id)

    def add_merge_edge(self):
        child, parent = self.rnd.choice(self.models), self.rnd.choice(self.models)
        self.call("POST", f"/v1/models/{child}/parents", {"id": parent, "relation": "merge"})

    def remove_first_parent(self, victim: str):
        status, headers, payload = self.call("GET", f"/v1/models/{victim}")
        if status == 200:
            parents = json.loads(payload)["parents"]
            if parents:
                self.call("DELETE", f"/v1/models/{victim}/parents/{parents[0]['id']}",
                          headers={"If-Match": headers["ETag"]})

    def delete_model(self, victim: str):
        status, headers, _ = self.call("GET", f"/v1/models/{victim}")
        if status == 200:
            status, _, _ = self.call("DELETE", f"/v1/models/{victim}", headers={"If-Match": headers["ETag"]})
            if status == 204:
                self.models.remove(victim)


def test_eight_writers_lose_nothing(database):
    app = _migrated_app(database)
    seed = app.test_client()
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    base_models = ["org/counter"] + [f"org/base{i}" for i in range(5)]
    for model_id in base_models:
        assert seed.post("/v1/models", json={"id": model_id, "parameters": 0}, headers=auth).status_code == 201
    env = {"DATABASE_URL": database.url, "PEDIGREE_AUTO_INIT": "false",
           # Correctness under contention, not latency: on a loaded machine eight writers may queue for
           # longer than the default lock wait (whose 503 "busy, retry" tests/test_bounded_work.py covers).
           "PEDIGREE_DB_LOCK_TIMEOUT_MS": "30000", "PEDIGREE_REQUEST_TIMEOUT": "60"}
    if database.schema:
        env["PEDIGREE_DB_SCHEMA"] = database.schema
    with Gunicorn(env, workers=2, threads=4) as server:
        models = list(base_models)
        writers = [Writer(n, server.port, app.config["TEST_TOKEN"], models) for n in range(WRITERS)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=600)
    errors = [e for w in writers for e in w.errors]
    assert not errors, errors[:5]
    statuses = sum((w.statuses for w in writers), Counter())
    assert sum(statuses.values()) >= WRITERS * OPERATIONS_PER_WRITER, statuses  # every operation ran
    increments = sum(w.increments for w in writers)
    assert increments > 100 and statuses[412] > 0, statuses  # real contention happened

    with Session(get_engine(app)) as session:
        counter = seed.get("/v1/models/org/counter").json["parameters"]
        assert counter == increments, "lost update"
        edges = [(c, p) for c, p in session.execute(select(ParentEdge.child_id, ParentEdge.parent_id))]
        orphans = session.scalar(text(
            "SELECT count(*) FROM parent_edges e LEFT JOIN language_models c ON c.id = e.child_id "
            "LEFT JOIN language_models p ON p.id = e.parent_id WHERE c.id IS NULL OR p.id IS NULL"))
        assert orphans == 0
        for child, parent in edges:
            assert path_upwards(edges, parent, child) is None, f"cycle through {child} → {parent}"
        logged = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor == "test-admin"))
        seeded = len(base_models)
        assert logged == sum(w.successful_writes for w in writers) + seeded
