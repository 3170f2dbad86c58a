"""Access control, audit history, ETags and preconditions, CORS, hostile input."""

import http.server
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store import tokens
from api.store.db import get_engine
from api.store.tables import ApiToken
from tests.helpers import assert_problem, post_model


def make_token(app, name, *scopes):
    with Session(get_engine(app)) as session:
        _, secret = tokens.create_token(session, name, list(scopes))
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


# --- access control -----------------------------------------------------------------------------

def test_writes_need_a_token_and_401_does_not_reveal_existence(client, anonymous):
    post_model(client, "org/exists")
    for path in ("/v1/models/org/exists", "/v1/models/org/never-was"):
        response = anonymous.patch(path, json={"name": "x"})
        body = assert_problem(response, 401, "bearer token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "exist" not in body["detail"]
    assert_problem(anonymous.post("/v1/models", json={"id": "org/new"}), 401)
    assert_problem(anonymous.post("/v1/models", json={"id": "org/new"},
                                  headers={"Authorization": "Bearer ped_wrong"}), 401, "not valid")
    assert_problem(anonymous.post("/v1/models", json={"id": "org/new"},
                                  headers={"Authorization": "Basic dXNlcjpwdw=="}), 401, "Bearer")
    assert anonymous.get("/v1/models/org/exists").status_code == 200  # reads are open by default


def test_scopes(app, anonymous):
    reader = make_token(app, "reader", "read")
    writer = make_token(app, "writer", "write")
    assert_problem(anonymous.post("/v1/models", json={"id": "org/a"}, headers=reader), 403, "'write' scope")
    assert anonymous.post("/v1/models", json={"id": "org/a"}, headers=writer).status_code == 201
    assert_problem(anonymous.get("/v1/tokens", headers=writer), 403, "'admin' scope")
    assert_problem(anonymous.get("/v1/tokens"), 401)


def test_reads_can_require_a_token(database):
    from tests.conftest import _migrated_app

    app = _migrated_app(database, REQUIRE_READ_TOKEN=True)
    reader = make_token(app, "reader", "read")
    client = app.test_client()
    assert_problem(client.get("/v1/models"), 401)
    assert client.get("/v1/models", headers=reader).status_code == 200
    assert client.get("/healthz").status_code == 200 and client.get("/openapi.json").status_code == 200


def test_tokens_are_shown_once_stored_hashed_and_revocable(app, client, anonymous):
    created = client.post("/v1/tokens", json={"name": "ci-bot", "scopes": ["write"]})
    assert created.status_code == 201
    secret = created.json["token"]
    assert secret.startswith("ped_") and len(secret) > 40
    listed = client.get("/v1/tokens").json["data"]
    assert "token" not in listed[-1] and listed[-1]["name"] == "ci-bot"
    with Session(get_engine(app)) as session:
        stored = session.scalar(select(ApiToken).where(ApiToken.name == "ci-bot"))
        assert stored.secret_hash == tokens.hash_secret(secret) and secret not in stored.secret_hash
    auth = {"Authorization": f"Bearer {secret}"}
    assert anonymous.post("/v1/models", json={"id": "org/by-bot"}, headers=auth).status_code == 201
    assert client.delete("/v1/tokens?name=ci-bot").json["revoked_at"] is not None
    assert_problem(anonymous.post("/v1/models", json={"id": "org/after"}, headers=auth), 401, "revoked")
    assert_problem(client.post("/v1/tokens", json={"name": "ci-bot", "scopes": ["read"]}), 409)
    assert_problem(client.post("/v1/tokens", json={"name": "x", "scopes": ["root"]}), 422)


def test_token_cli(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["tokens", "create", "deployer", "--scope", "write"])
    assert created.exit_code == 0 and "shown once" in created.output
    secret = created.output.strip().splitlines()[-1]
    listed = runner.invoke(args=["tokens", "list"]).output
    assert "deployer" in listed and secret not in listed
    client = app.test_client()
    assert client.post("/v1/models", json={"id": "org/x"}, headers={"Authorization": f"Bearer {secret}"}).status_code == 201
    assert "revoked" in runner.invoke(args=["tokens", "revoke", "deployer"]).output
    assert client.post("/v1/models", json={"id": "org/y"}, headers={"Authorization": f"Bearer {secret}"}).status_code == 401


# --- CORS ---------------------------------------------------------------------------------------

def test_cors_is_off_by_default(client):
    response = client.get("/v1/models", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Vary" not in response.headers


def test_cors_for_configured_origins_only(database):
    from tests.conftest import _migrated_app

    app = _migrated_app(database, CORS_ORIGINS=["https://ui.example"])
    client = app.test_client()
    ok = client.get("/v1/models", headers={"Origin": "https://ui.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://ui.example"
    assert "Access-Control-Allow-Origin" not in client.get("/v1/models", headers={"Origin": "https://x.example"}).headers
    preflight = client.options("/v1/models", headers={"Origin": "https://ui.example",
                                                      "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "Authorization, If-Match"})
    allowed = {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"authorization", "if-match"} and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "ETag" in ok.headers["Access-Control-Expose-Headers"]


def _varies_by_origin_once(response) -> bool:
    fields = [f.strip().lower() for line in response.headers.getlist("Vary") for f in line.split(",")]
    return fields.count("origin") == 1


@pytest.mark.parametrize("origins", [["https://ui.example"], ["https://ui.example", "https://admin.example"]])
def test_cors_answers_vary_by_origin(database, origins):
    """With one origin configured flask-cors sends no Vary itself: a shared cache could hand the allowed origin's
    answer to another origin, or the refused answer to the allowed one. Every answer says it varies by Origin."""
    from tests.conftest import _migrated_app

    client = _migrated_app(database, CORS_ORIGINS=origins).test_client()
    for origin in ("https://ui.example", "https://x.example", None):
        headers = {"Origin": origin} if origin else {}
        answers = [client.get("/v1/models", headers=headers),
                   client.get("/v1/models/org/missing", headers=headers),
                   client.get("/", headers={**headers, "Accept": "text/html"}),
                   client.options("/v1/models", headers={**headers, "Access-Control-Request-Method": "POST"})]
        for response in answers:
            assert _varies_by_origin_once(response), (origin, response.status_code, response.headers)


# --- audit history ------------------------------------------------------------------------------

def test_every_change_is_in_the_history_with_who_before_and_after(app, client, anonymous):
    editor = make_token(app, "alice", "write")
    for body in ({"id": "org/base"}, {"id": "org/m", "name": "first"}):
        assert anonymous.post("/v1/models", json=body, headers=editor).status_code == 201
    etag = anonymous.get("/v1/models/org/m").headers["ETag"]
    assert anonymous.patch("/v1/models/org/m", json={"name": "second"},
                           headers={**editor, "If-Match": etag}).status_code == 200
    assert client.post("/v1/models/org/m/parents", json={"id": "org/base", "relation": "finetune"}).status_code == 201
    assert client.delete("/v1/models/org/m/parents/org/base").status_code == 204
    assert client.delete("/v1/models/org/m").status_code == 204

    events = client.get("/v1/models/org/m/history").json["data"]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("create", "alice"), ("update", "alice"), ("add_parent", "test-admin"),
        ("remove_parent", "test-admin"), ("delete", "test-admin")]
    assert events[1]["before"]["name"] == "first" and events[1]["after"]["name"] == "second"
    assert events[2]["after"]["parents"][0]["id"] == "org/base" and events[2]["before"]["parents"] == []
    assert events[4]["after"] is None
    page = client.get("/v1/models/org/m/history?limit=2").json
    assert page["pagination"]["total"] == 5 and len(page["data"]) == 2 and page["pagination"]["next"]
    assert [e["action"] for e in client.get(page["pagination"]["next"]).json["data"]] == ["add_parent", "remove_parent"]
    assert_problem(client.get("/v1/models/org/never/history"), 404)
    assert client.post("/v1/models/org/m/history", json={}).status_code == 405
    # A failed write leaves no trace in the log.
    assert_problem(client.post("/v1/models", json={"id": "org/base"}), 409)
    assert [e["action"] for e in client.get("/v1/models/org/base/history").json["data"]] == ["create"]


def test_licence_and_dataset_history(client):
    client.post("/v1/licenses", json={"id": "MIT", "name": "MIT"})
    client.patch("/v1/licenses/MIT", json={"aliases": ["mit"]})
    assert [e["action"] for e in client.get("/v1/licenses/MIT/history").json["data"]] == ["create", "update"]
    client.post("/v1/datasets", json={"id": "d/x"})
    client.delete("/v1/datasets/d/x")
    assert [e["action"] for e in client.get("/v1/datasets/d/x/history").json["data"]] == ["create", "delete"]


# --- ETags and preconditions ---------------------------------------------------------------------

@pytest.mark.parametrize("path, create, change", [
    ("/v1/models/org/m", ("/v1/models", {"id": "org/m"}), {"name": "n"}),
    ("/v1/licenses/Lic-1", ("/v1/licenses", {"id": "Lic-1", "name": "L"}), {"name": "n"}),
    ("/v1/datasets/org/d", ("/v1/datasets", {"id": "org/d"}), {"name": "n"}),
])
def test_etags_304_428_412(client, anonymous, app, path, create, change):
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    created = client.post(create[0], json=create[1])
    etag = created.headers["ETag"]
    assert anonymous.get(path).headers["ETag"] == etag
    assert anonymous.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert_problem(anonymous.patch(path, json=change, headers=auth), 428, "If-Match")
    assert_problem(anonymous.delete(path, headers=auth), 428)
    updated = anonymous.patch(path, json=change, headers={**auth, "If-Match": etag})
    assert updated.status_code == 200 and updated.headers["ETag"] != etag
    stale = anonymous.patch(path, json={"name": "lost update"}, headers={**auth, "If-Match": etag})
    assert_problem(stale, 412, updated.headers["ETag"])
    assert anonymous.get(path).json["name"] == "n"
    assert_problem(anonymous.delete(path, headers={**auth, "If-Match": etag}), 412)
    assert anonymous.delete(path, headers={**auth, "If-Match": updated.headers["ETag"]}).status_code == 204


def test_edge_changes_change_the_models_etag_and_need_if_match(client, anonymous, app):
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    post_model(client, "org/p")
    first = client.post("/v1/models", json={"id": "org/c"}).headers["ETag"]
    client.post("/v1/models/org/c/parents", json={"id": "org/p", "relation": "adapter"})
    second = anonymous.get("/v1/models/org/c").headers["ETag"]
    assert second != first
    assert_problem(anonymous.delete("/v1/models/org/c/parents/org/p", headers=auth), 428)
    assert_problem(anonymous.delete("/v1/models/org/c/parents/org/p", headers={**auth, "If-Match": first}), 412)
    assert anonymous.delete("/v1/models/org/c/parents/org/p", headers={**auth, "If-Match": second}).status_code == 204


def test_if_match_compares_strongly_and_if_none_match_weakly(client, anonymous, app):
    """RFC 9110: a weak tag never satisfies If-Match; `*` and a list holding the current tag do."""
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    etag = client.post("/v1/models", json={"id": "org/weak"}).headers["ETag"]
    assert anonymous.get("/v1/models/org/weak", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert_problem(anonymous.patch("/v1/models/org/weak", json={"name": "n"},
                                   headers={**auth, "If-Match": f"W/{etag}"}), 412)
    assert anonymous.get("/v1/models/org/weak").json["name"] is None
    listed = anonymous.patch("/v1/models/org/weak", json={"name": "n"},
                             headers={**auth, "If-Match": f'"0-0", {etag}'})
    assert listed.status_code == 200
    assert anonymous.patch("/v1/models/org/weak", json={"name": "m"},
                           headers={**auth, "If-Match": "*"}).status_code == 200


def test_a_recreated_record_does_not_match_an_old_etag(client, anonymous, app):
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    old = client.post("/v1/models", json={"id": "org/again"}).headers["ETag"]
    client.delete("/v1/models/org/again")
    client.post("/v1/models", json={"id": "org/again"})
    assert_problem(anonymous.delete("/v1/models/org/again", headers={**auth, "If-Match": old}), 412)


# --- hostile input --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/v1/models/org/m/ancestors?max_depth=51", "/v1/models/org/m/descendants?max_depth=0",
    "/v1/models?limit=100000", "/v1/models/org/m/lineage?up=999",
])
def test_limits_are_clear_422s(client, path):
    post_model(client, "org/m")
    assert_problem(client.get(path), 422)


def test_long_strings_and_bad_ids(client):
    body = assert_problem(client.post("/v1/models", json={"id": "org/m", "name": "x" * 301}), 422)
    assert "name" in body["errors"]
    for bad in ("org/m\u0000", "org/\tm", "../../etc/passwd", "org/m/../x", "org/m?x=1"):
        assert_problem(client.post("/v1/models", json={"id": bad}), 422)
    assert_problem(client.post("/v1/licenses", json={"id": "MIT\n", "name": "x"}), 422)


def test_yaml_cannot_run_code(client):
    card = "---\nlicense: !!python/object/apply:os.system ['touch /tmp/pedigree-pwned']\n---\n"
    body = client.post("/v1/import/model-cards", json={"cards": [{"id": "org/evil", "content": card}]}).json
    assert body["results"][0]["status"] == "error" and "malformed YAML" in body["results"][0]["reason"]
    import os

    assert not os.path.exists("/tmp/pedigree-pwned")


def test_the_service_never_fetches_a_client_supplied_url(client):
    hits = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        card = f"---\nlicense: other\nlicense_name: acme-licence\nlicense_link: {url}/LICENSE\n---\n"
        client.post("/v1/import/model-cards", json={"cards": [{"id": "org/linked", "content": card,
                                                               "source_url": f"{url}/card"}]})
        post_model(client, "org/sourced", source_url=f"{url}/model", sources={"license": f"{url}/lic"})
        client.post("/v1/licenses", json={"id": "Lic-X", "name": "x", "url": f"{url}/text"})
        client.get("/v1/models/org/sourced/bom")
        client.get("/v1/models/org/linked/terms")
    finally:
        server.shutdown()
    assert hits == []


def test_nul_characters_are_refused_not_500(client):
    assert_problem(client.get("/v1/models?cursor=a%00b"), 400, "NUL")
    response = client.post("/v1/models", json={"id": "org/nul", "name": "a\u0000b"})
    assert response.status_code in (201, 422)  # SQLite stores it; PostgreSQL cannot: a clear 422
    if response.status_code == 422:
        assert client.get("/v1/models/org/nul").status_code == 404
