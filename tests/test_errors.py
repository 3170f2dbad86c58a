"""Every error is RFC 9457 problem+json, with a precise message and no internals."""

import time

import pytest

from api import create_app
from tests.helpers import assert_problem, post_model


def test_malformed_json_is_400(client):
    response = client.post("/v1/models", data="{not json", content_type="application/json")
    assert_problem(response, 400, "not valid JSON")


def test_json_of_the_wrong_shape_is_422(client):
    assert_problem(client.post("/v1/models", json=["a", "b"]), 422)
    body = assert_problem(client.post("/v1/models", json={"id": "a/b", "parameters": "many", "colour": "red"}), 422)
    assert set(body["errors"]) == {"parameters", "colour"}


def test_missing_required_field_is_422(client):
    assert "id" in assert_problem(client.post("/v1/models", json={"name": "x"}), 422)["errors"]


def test_unknown_route_and_record_are_404(client):
    assert_problem(client.get("/v1/nothing-here"), 404, "/v1/nothing-here")
    assert_problem(client.get("/v1/models/org/missing"), 404, "model 'org/missing' does not exist")
    assert_problem(client.get("/v1/datasets/org/missing"), 404, "dataset 'org/missing'")
    assert_problem(client.get("/v1/licenses/Nope-1.0"), 404, "licence 'Nope-1.0'")


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/v1/models")
    assert_problem(response, 405, "PUT")
    assert "POST" in response.headers["Allow"]


def test_duplicate_is_409(client):
    post_model(client, "a/b")
    assert_problem(client.post("/v1/models", json={"id": "a/b"}), 409)


def test_body_too_large_is_413(database):
    from tests.conftest import _migrated_app

    app = _migrated_app(database, MAX_CONTENT_LENGTH=1024)
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    response = app.test_client().post("/v1/models", json={"id": "a/b", "name": "x" * 5000}, headers=auth)
    assert_problem(response, 413, "larger")
    assert app.test_client().get("/v1/models/a/b").status_code == 404
    # Without a token the body is never read: 401 first.
    assert_problem(app.test_client().post("/v1/models", json={"id": "a/b", "name": "x" * 5000}), 401)


def test_internal_error_hides_internals(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret connection string postgres://user:pw@host")

    response = client.get("/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["detail"] == "The service failed to handle this request."


def test_database_unreachable_is_503_fast(tmp_path):
    # Nothing listens on port 1: the connection is refused at once.
    app = create_app({"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/test", "DB_CONNECT_TIMEOUT": 2})
    client = app.test_client()
    started = time.monotonic()
    assert_problem(client.get("/v1/models"), 503, "database is unavailable")
    assert_problem(client.get("/readyz"), 503, "unreachable")
    assert client.get("/healthz").status_code == 200
    assert time.monotonic() - started < 10


def test_readyz_ok(client):
    assert client.get("/readyz").json == {"status": "ok"}


@pytest.mark.parametrize("path, status", [("/v1/models/a/b/c/d", 404), ("/v1/models/%00x", 400),
                                          ("/v1/models/a%2F..%2Fb", 404)])
def test_hostile_paths_are_clear_errors_not_500(client, path, status):
    assert_problem(client.get(path), status)
