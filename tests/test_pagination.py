import pytest

from tests.helpers import assert_problem, post_model


@pytest.fixture
def seven_models(client):
    for index in range(7):
        post_model(client, f"org/m{index}", organisation="Org" if index % 2 else "Other")
    return client


def test_walks_every_page_in_stable_order(seven_models):
    client = seven_models
    seen, path, pages = [], "/v1/models?limit=3", 0
    while path:
        body = client.get(path).json
        assert body["pagination"]["total"] == 7 and body["pagination"]["limit"] == 3
        seen += [m["id"] for m in body["data"]]
        path = body["pagination"]["next"]
        pages += 1
    assert pages == 3
    assert seen == [f"org/m{i}" for i in range(7)]


def test_next_link_keeps_filters(seven_models):
    body = seven_models.get("/v1/models?organisation=org&limit=2").json
    assert body["pagination"]["total"] == 3
    assert "organisation=org" in body["pagination"]["next"]
    second = seven_models.get(body["pagination"]["next"]).json
    assert [m["id"] for m in second["data"]] == ["org/m5"]
    assert second["pagination"]["next"] is None


def test_exact_last_page_has_no_next(seven_models):
    body = seven_models.get("/v1/models?limit=7").json
    assert len(body["data"]) == 7 and body["pagination"]["next"] is None


def test_limit_zero_and_over_maximum_are_422(seven_models):
    for limit in ("0", "-1", "501", "abc"):
        body = assert_problem(seven_models.get(f"/v1/models?limit={limit}"), 422)
        assert "limit" in body["errors"]
    assert seven_models.get("/v1/models?limit=500").status_code == 200


def test_past_the_end_is_an_empty_page(seven_models):
    from schemas.common import encode_cursor

    body = seven_models.get(f"/v1/models?cursor={encode_cursor('zzz')}").json
    assert body["data"] == [] and body["pagination"]["next"] is None and body["pagination"]["total"] == 7


def test_cursor_is_the_id_to_start_after(seven_models):
    body = seven_models.get("/v1/models?cursor=org/m4").json
    assert [m["id"] for m in body["data"]] == ["org/m5", "org/m6"]
    assert seven_models.get("/v1/models?cursor=!!").json["pagination"]["total"] == 7  # any string is a position
    assert_problem(seven_models.get("/v1/models?cursor=" + "x" * 401), 422)


def test_unknown_query_parameter_is_422(seven_models):
    assert "sort" in assert_problem(seven_models.get("/v1/models?sort=name"), 422)["errors"]


def test_empty_collection(client):
    body = client.get("/v1/datasets").json
    assert body == {"data": [], "pagination": {"limit": 50, "total": 0, "next": None}}
