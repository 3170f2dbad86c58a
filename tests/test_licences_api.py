from tests.helpers import assert_problem, licence_body, post_licence, post_model


def test_create_read_update_delete_licence(client):
    created = post_licence(
        client, "LicenseRef-Test-1", aliases=["Test-One", "t1"], categories=["Permissive"],
        terms={"commercial_use": {"value": "allowed", "source": "https://example.org/l1"},
               "max_monthly_active_users": {"value": 1000}},
    )
    assert created["aliases"] == ["t1", "test-one"]
    assert created["terms"]["commercial_use"] == {"value": "allowed", "source": "https://example.org/l1", "note": None}
    assert created["terms"]["research_only"]["value"] == "unknown"
    assert created["binds_derivatives"]["value"] == "unknown"

    read = client.get("/v1/licenses/LicenseRef-Test-1")
    assert read.status_code == 200 and read.json["terms"]["max_monthly_active_users"]["value"] == 1000

    patched = client.patch("/v1/licenses/LicenseRef-Test-1", json={"name": "Renamed", "aliases": ["t-one"]})
    assert patched.status_code == 200
    assert patched.json["name"] == "Renamed" and patched.json["aliases"] == ["t-one"]
    assert patched.json["terms"]["commercial_use"]["value"] == "allowed"

    assert client.delete("/v1/licenses/LicenseRef-Test-1").status_code == 204
    assert_problem(client.get("/v1/licenses/LicenseRef-Test-1"), 404, "LicenseRef-Test-1")


def test_duplicate_id_and_alias_are_409(client):
    post_licence(client, "MIT", aliases=["mit-license"])
    assert_problem(client.post("/v1/licenses", json=licence_body("MIT")), 409, "already exists")
    body = assert_problem(client.post("/v1/licenses", json=licence_body("X-1", aliases=["MIT-License"])), 409,
                          "mit-license")
    assert "MIT" in body["detail"]
    assert_problem(client.post("/v1/licenses", json=licence_body("mit-license")), 409, "alias")
    assert client.get("/v1/licenses/X-1").status_code == 404


def test_invalid_term_values_are_422_with_field_errors(client):
    response = client.post("/v1/licenses", json=licence_body(
        "Bad-1", terms={"commercial_use": {"value": "sometimes"}, "research_only": {"value": "yes"},
                        "max_monthly_active_users": {"value": -5}}))
    body = assert_problem(response, 422)
    assert set(body["errors"]["terms"]) == {"commercial_use", "research_only", "max_monthly_active_users"}
    unknown_term = client.post("/v1/licenses", json=licence_body("Bad-2", terms={"vibes": {"value": "good"}}))
    assert "vibes" in assert_problem(unknown_term, 422)["errors"]["terms"]


def test_licence_in_use_cannot_be_deleted(client):
    post_licence(client, "Apache-2.0")
    post_model(client, "acme/base", license="Apache-2.0")
    assert_problem(client.delete("/v1/licenses/Apache-2.0"), 409, "1 model")
    assert client.get("/v1/licenses/Apache-2.0").status_code == 200


def test_licence_list_filters(client):
    post_licence(client, "Apache-2.0", categories=["Permissive"], aliases=["apache-2.0"])
    post_licence(client, "CC-BY-NC-4.0", categories=["Source-available", "non-commercial"])
    post_licence(client, "MIT", categories=["Permissive"])
    ids = lambda r: [item["id"] for item in r.json["data"]]
    assert ids(client.get("/v1/licenses?category=permissive")) == ["Apache-2.0", "MIT"]
    assert ids(client.get("/v1/licenses?category=non-commercial")) == ["CC-BY-NC-4.0"]
    assert ids(client.get("/v1/licenses?q=by-nc")) == ["CC-BY-NC-4.0"]
    assert client.get("/v1/licenses?q=apache").json["pagination"]["total"] == 1


def test_the_former_spelling_licences_redirects_permanently_keeping_method_body_and_query(client):
    post_licence(client, "LicenseRef-Old-Spelling")
    read = client.get("/v1/licences/LicenseRef-Old-Spelling")
    assert read.status_code == 308 and read.headers["Location"].endswith("/v1/licenses/LicenseRef-Old-Spelling")
    listed = client.get("/v1/licences?limit=1&q=old")
    assert listed.status_code == 308 and listed.headers["Location"].endswith("/v1/licenses?limit=1&q=old")
    history = client.get("/v1/licences/LicenseRef-Old-Spelling/history")
    assert history.headers["Location"].endswith("/v1/licenses/LicenseRef-Old-Spelling/history")
    body = licence_body("LicenseRef-Via-Redirect")
    moved = client.post("/v1/licences", json=body)
    assert moved.status_code == 308 and moved.headers["Location"].endswith("/v1/licenses")
    assert client.get("/v1/licenses/LicenseRef-Via-Redirect").status_code == 404  # nothing written by the 308
    created = client.post(moved.headers["Location"], json=body)  # what a client does on a 308: the same request again
    assert created.status_code == 201
    assert client.get("/v1/licenses/LicenseRef-Via-Redirect").status_code == 200
    assert "/v1/licences" not in client.get("/openapi.json").json["paths"]
