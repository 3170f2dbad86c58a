"""Small builders for test records, posted through the real API."""

from __future__ import annotations

PROBLEM = "application/problem+json"


def licence_body(licence_id: str, **overrides) -> dict:
    body = {"id": licence_id, "name": f"{licence_id} licence", "aliases": [], "categories": []}
    body.update(overrides)
    return body


def post_licence(client, licence_id: str, **overrides) -> dict:
    response = client.post("/v1/licenses", json=licence_body(licence_id, **overrides))
    assert response.status_code == 201, response.json
    return response.json


def post_model(client, model_id: str, **fields) -> dict:
    response = client.post("/v1/models", json={"id": model_id, **fields})
    assert response.status_code == 201, response.json
    return response.json


def post_dataset(client, dataset_id: str, **fields) -> dict:
    response = client.post("/v1/datasets", json={"id": dataset_id, **fields})
    assert response.status_code == 201, response.json
    return response.json


def assert_problem(response, status: int, *needles: str) -> dict:
    """The response is problem+json with the status, and its detail mentions every needle."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status
    assert body["title"] and body["type"] and body["detail"]
    for needle in needles:
        assert needle in body["detail"], (needle, body["detail"])
    return body


def snapshot(client) -> dict:
    """Everything the API can list, to compare before and after a failed write."""
    out = {}
    for kind in ("licenses", "models", "datasets"):
        out[kind] = []
        url = f"/v1/{kind}?limit=500"
        while url:
            body = client.get(url).json
            out[kind] += body["data"]
            url = body["pagination"]["next"]
    return out
