"""Bounded work on both databases: the request deadline, lock waits and statement timeouts answer 503
problem+json with Retry-After and change nothing; a large import lets other writers in between batches."""

import threading
import time

from sqlalchemy import insert, text

from api.store.db import get_engine, make_engine
from api.store.tables import LanguageModel, ModelLicence
from tests.conftest import _migrated_app
from tests.helpers import assert_problem, post_licence, post_model

MANY = 3000


def _client(app):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKEN']}"
    return client


def _many_models_under(database, licence_id: str, count: int = MANY) -> None:
    """Bulk rows straight into the tables: a big database quickly (not a write through the API)."""
    engine = make_engine(database.url, schema=database.schema)
    with engine.begin() as connection:
        connection.execute(insert(LanguageModel), [
            {"id": f"bulk/m{i:05d}", "license": licence_id, "placeholder": False, "sources": {}, "version": 1}
            for i in range(count)])
        connection.execute(insert(ModelLicence), [
            {"model_id": f"bulk/m{i:05d}", "licence_id": licence_id} for i in range(count)])
    engine.dispose()


def test_a_runaway_request_ends_at_the_deadline_with_a_503_and_writes_nothing(database):
    app = _migrated_app(database, REQUEST_TIMEOUT=0.3)
    client = _client(app)
    post_licence(client, "Strict", terms={"commercial_use": {"value": "forbidden"}})
    _many_models_under(database, "Strict", 20_000)
    before = client.get("/v1/licenses/Strict")
    # Changing the terms recomputes the conflicts of every model under the licence: far more than 0.3 s
    # (about 1 s for 20,000 models on SQLite; 3,000 were enough before the terms walk got faster).
    response = client.patch("/v1/licenses/Strict", json={"terms": {"commercial_use": {"value": "allowed"}}},
                            headers={"If-Match": before.headers["ETag"]})
    body = assert_problem(response, 503, "longer than the 0.3 s")
    assert body["type"].endswith("/request-timeout") and response.headers["Retry-After"]
    after = client.get("/v1/licenses/Strict")
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.json["terms"]["commercial_use"]["value"] == "forbidden"
    # the service is healthy afterwards: cheap requests answer, on fresh and pooled connections alike
    for _ in range(3):
        assert client.get("/v1/models/bulk/m00001").status_code == 200
        assert client.get("/readyz").status_code == 200


def _hold_write_lock(app):
    """Another writer holding the write lock (the advisory lock, or SQLite's reserved lock)."""
    engine = get_engine(app)
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        connection.execute(text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                           {"key": 0x50ED16EE})
    else:
        connection = engine.connect().execution_options(sqlite_begin="IMMEDIATE")
        connection.begin()
        connection.execute(text("SELECT 1"))
    return connection


def test_a_lock_wait_that_times_out_is_busy_retry_not_unavailable(database):
    app = _migrated_app(database, DB_LOCK_TIMEOUT_MS=300)
    client = _client(app)
    holder = _hold_write_lock(app)
    try:
        response = client.post("/v1/models", json={"id": "org/waits"})
        body = assert_problem(response, 503, "busy")
        assert body["type"].endswith("/database-busy") and response.headers["Retry-After"] == "1"
        assert client.get("/v1/models/org/waits").status_code == 404
        assert client.get("/readyz").status_code == 200  # readers are not held up
    finally:
        holder.rollback()
        holder.close()
    assert client.post("/v1/models", json={"id": "org/waits"}).status_code == 201


def test_a_statement_timeout_is_its_own_503(database):
    if database.backend == "postgresql":
        # the lock wait outlasts the statement timeout: cancelled by statement_timeout (SQLSTATE 57014)
        app = _migrated_app(database, DB_LOCK_TIMEOUT_MS=10000, DB_STATEMENT_TIMEOUT_MS=300)
        client = _client(app)
        holder = _hold_write_lock(app)
        try:
            response = client.post("/v1/models", json={"id": "org/slow"})
        finally:
            holder.rollback()
            holder.close()
    else:
        # SQLite: the progress handler interrupts a statement that runs past the timeout
        app = _migrated_app(database, DB_STATEMENT_TIMEOUT_MS=1)
        client = _client(app)
        post_licence(client, "Strict", terms={"commercial_use": {"value": "forbidden"}})
        _many_models_under(database, "Strict", 20000)
        response = client.get("/v1/models?q=zzz-no-such-model")
    body = assert_problem(response, 503, "statement timeout")
    assert body["type"].endswith("/statement-timeout") and response.headers["Retry-After"]


def _card(model: str, bases: int) -> dict:
    listed = "\n".join(f"  - {model}-base-{i}" for i in range(bases))
    return {"id": model, "content": f"---\nlicense: mit\nbase_model:\n{listed}\nbase_model_relation: merge\n---\n"}


def test_a_large_import_lets_other_writers_in_between_batches(database):
    app = _migrated_app(database, DB_LOCK_TIMEOUT_MS=1500, REQUEST_TIMEOUT=600)
    client = _client(app)
    post_licence(client, "MIT", aliases=["mit"])
    cards = [_card(f"imp/m{i}", 20) for i in range(60)]
    outcome = {}

    def run_import():
        started = time.monotonic()
        outcome["response"] = _client(app).post("/v1/import/model-cards", json={"cards": cards})
        outcome["seconds"] = time.monotonic() - started

    importer = threading.Thread(target=run_import)
    importer.start()
    statuses = []
    index = 0
    while importer.is_alive():
        statuses.append(client.post("/v1/models", json={"id": f"other/m{index}"}).status_code)
        index += 1
        time.sleep(0.05)
    importer.join()
    response = outcome["response"]
    assert response.status_code == 200 and response.json["summary"]["created"] == 60
    assert response.json["summary"]["placeholder_models"] == 60 * 20
    # the import held the write lock far longer than one lock wait in total, yet no writer timed out
    assert outcome["seconds"] > 2 * 1.5, "the import was too quick to show anything on this machine"
    assert statuses and set(statuses) == {201}, (statuses.count(201), statuses.count(503), outcome["seconds"])


def test_an_import_stops_starting_cards_before_the_deadline(database):
    app = _migrated_app(database, REQUEST_TIMEOUT=2.5)
    client = _client(app)
    post_licence(client, "MIT", aliases=["mit"])
    cards = [_card(f"late/m{i}", 40) for i in range(400)]
    response = client.post("/v1/import/model-cards", json={"cards": cards})
    assert response.status_code == 200
    results = response.json["results"]
    late = [r for r in results if r["status"] == "error"]
    assert late and all("ran out of time" in r["reason"] for r in late)
    done = [r["id"] for r in results if r["status"] == "created"]
    assert done and all(client.get(f"/v1/models/{model}").status_code == 200 for model in done[:5])
    assert client.get(f"/v1/models/{late[0]['id']}").status_code == 404


def test_expensive_reads_queue_then_answer_busy_while_single_reads_go_on(database, tmp_path):
    app = _migrated_app(database, HEAVY_CONCURRENCY=1, HEAVY_QUEUE_SECONDS=0.2, HEAVY_SLOT_DIR=str(tmp_path))
    client = _client(app)
    post_model(client, "org/m")
    slots = app.extensions["pedigree.heavy_slots"]
    held = slots.acquire(timeout=0)  # another worker's expensive request holds the only slot
    assert held is not None
    try:
        response = client.get("/v1/models/org/m/terms")
        body = assert_problem(response, 503, "expensive requests")
        assert body["type"].endswith("/busy") and response.headers["Retry-After"] == "1"
        assert client.get("/v1/models/org/m").status_code == 200
    finally:
        slots.release(held)
    assert client.get("/v1/models/org/m/terms").status_code == 200
    assert client.get("/v1/models/org/m/terms").status_code == 200  # the slot was given back
