"""Hostile input: every attempt is a 4xx problem+json, never a 500, and a refused write changes nothing."""

import http.client
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.db import get_engine
from api.store.tables import ApiToken, AuditEvent
from tests.helpers import assert_problem, post_licence, post_model, snapshot
from tests.server import Gunicorn

DEEP = "[" * 1000 + "]" * 1000
JSON = {"Content-Type": "application/json"}
WRITE_PATHS = ("/v1/models", "/v1/licenses", "/v1/datasets", "/v1/import/model-cards")


@pytest.mark.parametrize("path", ("/v1/compliance/check",) + WRITE_PATHS)
def test_deep_nesting_is_a_400_before_parsing(client, path):
    before = snapshot(client)
    assert_problem(client.post(path, data=DEEP, headers=JSON), 400, "nests deeper than 64")
    nested = {"models": ["a/b"], "policy": {"x": 1}}
    for _ in range(70):
        nested = {"n": nested}
    assert_problem(client.post(path, json=nested), 400, "nests deeper than 64")
    assert snapshot(client) == before


def test_without_a_token_hostile_json_is_still_a_4xx(anonymous):
    assert_problem(anonymous.post("/v1/compliance/check", data=DEEP, headers=JSON), 400, "nests deeper")
    assert_problem(anonymous.post("/v1/models", data=DEEP, headers=JSON), 401)


def test_long_numbers_and_non_numbers_are_refused(client):
    before = snapshot(client)
    huge = "9" * 5000
    assert_problem(client.post("/v1/models", data='{"id": "a/b", "parameters": %s}' % huge, headers=JSON),
                   400, "5000 characters")
    assert_problem(client.post("/v1/models", data='{"id": "a/b", "parameters": 1%s}' % ("0" * 100), headers=JSON),
                   400, "at most 100")
    assert_problem(client.post("/v1/models", data='{"id": "a/b", "parameters": 1.%se5}' % ("5" * 200), headers=JSON),
                   400)
    assert_problem(client.post("/v1/models", data='{"id": "a/b", "parameters": NaN}', headers=JSON), 400, "NaN")
    assert_problem(client.post("/v1/compliance/check",
                               data='{"models": ["a/b"], "policy": {"use": {"monthly_active_users": %s}}}' % huge,
                               headers=JSON), 400)
    assert_problem(client.get(f"/v1/models?limit={huge}"), 422)
    assert_problem(client.get(f"/v1/models/a/b/permitted-use?monthly_active_users={huge}"), 422)
    assert snapshot(client) == before
    # a sane body still works
    post_model(client, "a/b", parameters=10**12)


def test_count_terms_are_capped_like_the_use_parameter(client):
    terms = {"max_monthly_active_users": {"value": 10**13}}
    body = assert_problem(client.post("/v1/licenses", json={"id": "Big", "name": "Big", "terms": terms}), 422)
    assert "max_monthly_active_users" in str(body["errors"])
    assert_problem(client.post("/v1/licenses", data='{"id": "Big", "name": "Big", "terms": {"max_monthly_active_users":'
                               ' {"value": 1%s}}}' % ("0" * 4000), headers=JSON), 400)
    post_licence(client, "Capped", terms={"max_monthly_active_users": {"value": 700_000_000}})


def test_a_chunked_body_over_the_limit_is_refused_not_cut(database):
    from tests.conftest import _migrated_app

    app = _migrated_app(database, MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}", **JSON}
    padding = " " * 2000
    body = b'{"id": "a/chunked"' + padding.encode() + b"}"
    response = client.post("/v1/models", input_stream=io.BytesIO(body),
                           headers={**auth, "Transfer-Encoding": "chunked"})
    assert_problem(response, 413, "larger")
    assert client.get("/v1/models/a/chunked").status_code == 404
    small = client.post("/v1/models", input_stream=io.BytesIO(b'{"id": "a/small"}'),
                        headers={**auth, "Transfer-Encoding": "chunked"})
    assert small.status_code == 201 and small.json["id"] == "a/small"


def _chunked_post(port: int, path: str, body: bytes, headers: dict) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    connection.request("POST", path, body=chunks, headers={**headers, "Transfer-Encoding": "chunked"},
                       encode_chunked=True)
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type"), response.read()


def test_chunked_bodies_through_gunicorn(database):
    """The reported case: 9 MiB chunked was a 201 with the first 8 MiB; it is a 413 now, nothing written."""
    from tests.conftest import _migrated_app

    app = _migrated_app(database)
    token = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}", **JSON}
    env = {"DATABASE_URL": database.url, "PEDIGREE_AUTO_INIT": "false"}
    if database.schema:
        env["PEDIGREE_DB_SCHEMA"] = database.schema
    with Gunicorn(env, workers=1, threads=2) as server:
        big = b'{"id": "a/big", "name": "x", "sources": {}' + b" " * (9 * 1024 * 1024) + b"}"
        status, mimetype, payload = _chunked_post(server.port, "/v1/models", big, token)
        assert status == 413 and mimetype == "application/problem+json", payload[:200]
        status, _, _ = _chunked_post(server.port, "/v1/models", b'{"id": "a/fits", "name": "y"}', token)
        assert status == 201
        assert server.get("/v1/models/a/big")[0] == 404
        assert server.get("/v1/models/a/fits")[0] == 200
        # many header fields: the app's 431 problem+json, not gunicorn's HTML
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.putrequest("GET", "/v1/models")
        for index in range(150):
            connection.putheader(f"X-Filler-{index}", "x")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 431 and response.getheader("Content-Type") == "application/problem+json"
        # a doubled slash is a 404 problem, not a 308 HTML redirect
        status, headers, _ = server.get("/v1/models//a/fits")
        assert status == 404 and headers["Content-Type"] == "application/problem+json"


def test_doubled_slashes_are_not_redirected(client):
    post_model(client, "gpt2")
    assert_problem(client.get("/v1/models//gpt2"), 404)
    assert client.get("/v1/models/gpt2").status_code == 200


def test_tokens_are_addressed_by_ascii_id_or_by_name(app, client):
    ids = {}
    for name in ("1", "2", "3", "named"):
        created = client.post("/v1/tokens", json={"name": name, "scopes": ["read"]})
        assert created.status_code == 201
        ids[name] = created.json["id"]
    admin_id = next(t["id"] for t in client.get("/v1/tokens").json["data"] if t["name"] == "test-admin")
    for hostile in ("%D9%A3", "%C2%B2", "%EF%BC%91", "named", "-1", "1e3"):  # Arabic-Indic 3, ², fullwidth 1
        assert_problem(client.delete(f"/v1/tokens/{hostile}"), 404, "ASCII digits")
    assert all(t["revoked_at"] is None for t in client.get("/v1/tokens").json["data"])
    # /v1/tokens/{id} is the id, never the token named "1"
    target = ids["named"]
    assert client.delete(f"/v1/tokens/{target}").json["name"] == "named"
    by_name = client.delete("/v1/tokens?name=1")
    assert by_name.status_code == 200 and by_name.json["id"] == ids["1"]
    states = {t["name"]: t["revoked_at"] for t in client.get("/v1/tokens").json["data"]}
    assert states["named"] and states["1"] and not states["2"] and not states["3"] and not states["test-admin"]
    assert_problem(client.delete("/v1/tokens?name=nobody"), 404)
    assert_problem(client.delete("/v1/tokens/99999999"), 404)
    assert admin_id not in (ids["1"], target)
    with Session(get_engine(app)) as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.resource_id, AuditEvent.actor,
                                        AuditEvent.after).where(AuditEvent.resource_type == "token")).all()
        assert ("create", "named", "test-admin") in {(a, r, who) for a, r, who, _ in events}
        assert ("revoke", "1", "test-admin") in {(a, r, who) for a, r, who, _ in events}
        assert all("secret" not in str(after) and "ped_" not in str(after) for *_, after in events)
        assert session.scalar(select(ApiToken.revoked_at).where(ApiToken.name == "2")) is None


def _card(bases: list[str]) -> str:
    listed = "\n".join(f"  - {base}" for base in bases)
    return f"---\nlicense: mit\nbase_model:\n{listed}\nbase_model_relation: merge\n---\n# card\n"


def test_oversized_card_lists_fail_per_card_and_create_nothing(client):
    post_licence(client, "MIT", aliases=["mit"])
    before = snapshot(client)
    many = [f"org/base-{i}" for i in range(1000)]
    cards = [{"id": "org/huge", "content": _card(many)},
             {"id": "org/ok", "content": _card(["org/one", "org/two"])}]
    body = client.post("/v1/import/model-cards", json={"cards": cards}).json
    results = {r["id"]: r for r in body["results"]}
    assert results["org/huge"]["status"] == "error" and "at most 100 parents" in results["org/huge"]["reason"]
    assert results["org/ok"]["status"] == "created"
    assert client.get("/v1/models/org/base-0").status_code == 404
    assert len(snapshot(client)["models"]) == len(before["models"]) + 3
    datasets = "\n".join(f"  - org/data-{i}" for i in range(501))
    body = client.post("/v1/import/model-cards", json={"cards": [
        {"id": "org/data-hog", "content": f"---\nlicense: mit\ndatasets:\n{datasets}\n---\n"}]}).json
    assert "at most 500" in body["results"][0]["reason"]
    atomic = client.post("/v1/import/model-cards", json={"atomic": True, "cards": [
        {"id": f"org/a{i}", "content": _card(["org/one"])} for i in range(21)]})
    assert_problem(atomic, 422, "at most 20")


def test_hostile_yaml_in_a_card_is_a_card_error(client):
    deep = "base_model: " + "[" * 5000 + "]" * 5000
    cards = [{"id": "org/y1", "content": f"---\nlicense: mit\nmodel_name: {'9' * 5000}\n---\n"},
             {"id": "org/y2", "content": f"---\n{deep}\n---\n"},
             {"id": "org/y3", "content": "---\nlicense: " + "9" * 5000 + "\n---\n"}]
    response = client.post("/v1/import/model-cards", json={"cards": cards})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert [r["status"] for r in response.json["results"]] == ["error", "error", "error"]
