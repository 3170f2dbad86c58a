"""Kept answers: a repeated read reuses the answer, and any committed write, by any path, ends that."""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from api.store.db import get_engine
from api.store.tables import LanguageModel


def _statements(app, client, path):
    """The answer to GET path and how many SQL statements it ran."""
    seen = []

    def count(*_args):
        seen.append(1)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len(seen)


def _setup(client):
    client.post("/v1/licenses", json={"id": "Strict", "name": "Strict", "binds_derivatives": {"value": True},
                                      "terms": {"commercial_use": {"value": "forbidden"}}})
    client.post("/v1/licenses", json={"id": "Loose", "name": "Loose", "terms": {"commercial_use": {"value": "allowed"}}})
    client.post("/v1/models", json={"id": "org/base", "license": "Loose"})
    client.post("/v1/models", json={"id": "x/tuned", "license": "Loose",
                                    "parents": [{"id": "org/base", "relation": "finetune"}]})


def test_a_repeated_read_is_answered_from_the_kept_answer_until_an_api_write(app, client):
    _setup(client)
    path = "/v1/models/x/tuned/permitted-use?commercial=true"
    first, ran_first = _statements(app, client, path)
    again, ran_again = _statements(app, client, path)
    assert first.json == again.json and first.json["verdict"] != "forbidden"
    # a kept answer costs the token check and the generation (and SQLite's BEGIN); the first read costs its queries
    assert ran_again <= 3 and ran_first > ran_again + 3
    assert client.patch("/v1/models/org/base", json={"license": "Strict"}).status_code == 200
    changed, ran = _statements(app, client, path)
    assert changed.json["verdict"] == "forbidden" and ran > 3


def test_a_write_outside_the_api_ends_the_kept_answers_too(app, client):
    _setup(client)
    assert client.get("/v1/models/org/base").json["name"] is None
    client.get("/v1/models/org/base")
    with Session(get_engine(app)) as session:  # a repair, a command, a bulk load: no audit event, still a write
        session.execute(update(LanguageModel).where(LanguageModel.id == "org/base").values(name="Renamed"))
        session.commit()
    assert client.get("/v1/models/org/base").json["name"] == "Renamed"


def test_conditional_and_cross_origin_reads_are_not_kept_answers(app, client):
    _setup(client)
    tag = client.get("/v1/models/org/base").headers["ETag"]
    assert client.get("/v1/models/org/base", headers={"If-None-Match": tag}).status_code == 304
    _, ran = _statements(app, client, "/v1/models/org/base")
    assert ran <= 3  # kept by the plain read before
    response = client.get("/v1/models/org/base", headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200 and response.headers["ETag"] == tag
