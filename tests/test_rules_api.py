"""The verdict rules through the HTTP API, on SQLite and PostgreSQL: caveats, the rights-holder cut,
the derivatives term, and models found by any case or a former id."""

import json

from sqlalchemy import text

from api.store import migrate
from api.store.db import make_engine
from tests.helpers import assert_problem, post_dataset, post_licence, post_model

SRC = "https://example.org/text"


def _terms(**values):
    base = {"commercial_use": "allowed", "research_only": False, "max_monthly_active_users": None,
            "redistribution": "allowed", "outputs_train_other_models": "allowed", "share_alike": False,
            "attribution": [], "derivative_name_prefix": [], "use_restrictions": [], "include_license_text": False,
            "derivatives": "allowed"}
    base.update(values)
    return {term: {"value": value, "source": SRC} for term, value in base.items()}


def _licences(client):
    post_licence(client, "LicenseRef-open", terms=_terms(), binds_derivatives={"value": False, "source": SRC})
    post_licence(client, "LicenseRef-community-1", binds_derivatives={"value": True, "source": SRC},
                 terms=_terms(commercial_use="conditional", use_restrictions=["Policy 1"],
                              outputs_train_other_models="forbidden"))
    post_licence(client, "LicenseRef-community-2", binds_derivatives={"value": True, "source": SRC},
                 terms=_terms(commercial_use="conditional", use_restrictions=["Policy 2"]))
    post_licence(client, "LicenseRef-no-derivs", binds_derivatives={"value": True, "source": SRC},
                 terms=_terms(derivatives="forbidden"))
    post_licence(client, "LicenseRef-mystery", binds_derivatives={"value": "unknown"})


def test_training_data_of_unknown_licence_is_a_caveat_and_strict_restores_unknown(client):
    _licences(client)
    post_dataset(client, "crawl/web", license="LicenseRef-mystery")
    post_model(client, "acme/base", license="LicenseRef-open",
               datasets=[{"id": "crawl/web", "stage": "pretraining", "source": SRC}])
    post_model(client, "acme/chat", license="LicenseRef-open",
               parents=[{"id": "acme/base", "relation": "finetune", "source": SRC}])
    body = client.get("/v1/models/acme/chat/permitted-use?commercial=true").json
    assert body["verdict"] == "permitted", body
    [caveat] = body["caveats"]
    assert caveat["kind"] == "training_data_license_unknown"
    assert caveat["dataset"] == "crawl/web" and caveat["path"] == ["acme/chat", "acme/base", "crawl/web"]
    terms = client.get("/v1/models/acme/chat/terms").json
    assert terms["caveats"] == body["caveats"] and terms["training_data"] == "caveat"
    assert terms["terms"]["commercial_use"]["value"] == "allowed"
    strict = client.get("/v1/models/acme/chat/permitted-use?commercial=true&training_data=strict").json
    assert strict["verdict"] == "unknown" and strict["caveats"] == [] and strict["unknowns"]
    assert_problem(client.get("/v1/models/acme/chat/terms?training_data=lenient"), 422)


def test_compliance_policy_lists_caveats_and_can_fail_on_them(client):
    _licences(client)
    post_dataset(client, "crawl/web", license="LicenseRef-mystery")
    post_model(client, "acme/base", license="LicenseRef-open",
               datasets=[{"id": "crawl/web", "stage": "pretraining", "source": SRC}])
    request = {"models": ["acme/base"], "policy": {"use": {"commercial": True}}}
    report = client.post("/v1/compliance/check", json=request).json
    assert report["result"] == "pass", report
    [model] = report["models"]
    assert model["caveats"][0]["dataset"] == "crawl/web"
    assert [f["severity"] for f in model["findings"] if f["rule"] == "training-data-caveat"] == ["warning"]
    for policy in ({"fail_on_caveats": True}, {"training_data": "strict"}):
        request["policy"] = {"use": {"commercial": True}, **policy}
        assert client.post("/v1/compliance/check", json=request).json["result"] == "fail", policy


def test_rights_holder_relicensing_ends_the_chain_for_third_party_finetunes(client):
    _licences(client)
    post_model(client, "vendor/model-1", license="LicenseRef-community-1")
    post_model(client, "vendor/model-2", license="LicenseRef-community-2",
               parents=[{"id": "vendor/model-1", "relation": "distillation", "source": SRC}])
    post_model(client, "someone/tune", license="LicenseRef-community-2", rights_holder="someone",
               parents=[{"id": "vendor/model-2", "relation": "finetune", "source": SRC}])
    terms = client.get("/v1/models/someone/tune/terms").json
    assert terms["terms"]["use_restrictions"]["value"] == ["Policy 2"]
    [cut] = terms["superseded"]
    assert cut["id"] == "vendor/model-1" and cut["superseded_by"] == "vendor/model-2"
    assert client.get("/v1/models/someone/tune/conflicts").json["data"] == []
    outputs = client.get("/v1/models/someone/tune/permitted-use?train_other_models_on_outputs=true").json
    assert outputs["verdict"] == "permitted_with_obligations", outputs
    # A third party cannot cut: the same release under another holder inherits both licences.
    assert client.patch("/v1/models/vendor/model-2", json={"rights_holder": "reseller"}).status_code == 200
    terms = client.get("/v1/models/someone/tune/terms").json
    assert terms["terms"]["use_restrictions"]["value"] == ["Policy 1", "Policy 2"] and terms["superseded"] == []
    assert client.get("/v1/models/vendor/model-2").json["rights_holder"] == "reseller"


def test_sharing_a_finetune_of_no_derivatives_weights_is_a_violation_and_a_conflict(client):
    _licences(client)
    post_model(client, "art/base", license="LicenseRef-no-derivs")
    post_model(client, "acme/tune", license="LicenseRef-open",
               parents=[{"id": "art/base", "relation": "adapter", "source": SRC}])
    shared = client.get("/v1/models/acme/tune/permitted-use?redistribute_weights=true").json
    assert shared["verdict"] == "forbidden"
    assert shared["violations"][0]["term"] == "derivatives"
    assert shared["violations"][0]["provenance"]["license"] == "LicenseRef-no-derivs"
    conflict_terms = {c["term"] for row in client.get("/v1/models/acme/tune/conflicts").json["data"]
                      for c in row["conflicts"]}
    assert "derivatives" in conflict_terms
    licence = client.get("/v1/licenses/LicenseRef-no-derivs").json
    assert licence["terms"]["derivatives"]["value"] == "forbidden"
    assert_problem(client.post("/v1/licenses", json={"id": "LicenseRef-bad", "name": "bad",
                                                     "terms": {"derivatives": {"value": "conditional"}}}), 422)


def test_models_answer_under_any_case_and_former_ids(client):
    _licences(client)
    post_model(client, "Org/Current-Name", license="LicenseRef-open", aliases=["Org/Old-Name", "legacy"])
    for asked in ("org/current-name", "ORG/OLD-NAME", "legacy", "Org/Old-Name"):
        body = client.get(f"/v1/models/{asked}").json
        assert body["id"] == "Org/Current-Name" and body["aliases"] == ["legacy", "Org/Old-Name"], asked
        verdict = client.get(f"/v1/models/{asked}/permitted-use?commercial=true").json
        assert verdict["model"] == "Org/Current-Name", asked
    # A parent named by its former id is stored under its current id.
    child = post_model(client, "acme/child", license="LicenseRef-open",
                       parents=[{"id": "org/old-name", "relation": "finetune", "source": SRC}])
    assert child["parents"][0]["id"] == "Org/Current-Name"
    assert client.get("/v1/models?base_model=legacy").json["data"][0]["id"] == "acme/child"
    report = client.post("/v1/compliance/check", json={"models": ["LEGACY"], "policy": {}}).json
    assert report["models"][0]["model"] == "LEGACY" and report["models"][0]["resolved_id"] == "Org/Current-Name"
    # Ids and former ids are one namespace, case-insensitively.
    assert_problem(client.post("/v1/models", json={"id": "ORG/current-NAME"}), 409, "Org/Current-Name")
    assert_problem(client.post("/v1/models", json={"id": "Org/old-name"}), 409)
    assert_problem(client.post("/v1/models", json={"id": "other/x", "aliases": ["LEGACY"]}), 409, "Org/Current-Name")
    assert_problem(client.post("/v1/models", json={"id": "other/y", "aliases": ["other/y"]}), 422)
    assert client.get("/v1/models/other/x").status_code == 404
    assert client.delete("/v1/models/legacy").status_code == 409  # acme/child derives from it


def test_migration_0004_adds_the_derivatives_term_to_existing_licences(database):
    engine = make_engine(database.url, schema=database.schema)
    migrate.upgrade(engine, "0003")
    terms = {"commercial_use": {"value": "allowed", "source": SRC}}
    with engine.begin() as connection:
        for licence_id in ("CC-BY-NC-ND-4.0", "MIT"):
            connection.execute(text("INSERT INTO licences (id, name, categories, terms, binds_derivatives, version, "
                                    "created_at, updated_at) VALUES (:id, :id, '[]', :terms, '{}', 1, "
                                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                               {"id": licence_id, "terms": json.dumps(terms)})
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT id, terms FROM licences")).all())
    loaded = {key: json.loads(value) if isinstance(value, str) else value for key, value in rows.items()}
    assert loaded["CC-BY-NC-ND-4.0"]["derivatives"]["value"] == "forbidden"
    assert loaded["MIT"]["derivatives"]["value"] == "unknown" and loaded["MIT"]["derivatives"]["note"]
    assert loaded["MIT"]["commercial_use"] == terms["commercial_use"]
    migrate.check(engine)
    engine.dispose()


def test_card_naming_a_base_by_its_former_id_links_the_current_model_not_a_placeholder(client):
    _licences(client)
    post_model(client, "meta-llama/Llama-3.1-8B-Instruct", license="LicenseRef-community-1",
               aliases=["meta-llama/Meta-Llama-3.1-8B-Instruct"])
    card = "---\nbase_model: meta-llama/Meta-Llama-3.1-8B-Instruct\nlicense: LicenseRef-open\n---\n# quantized\n"
    body = client.post("/v1/import/model-cards", json={"cards": [{"id": "someone/quant", "content": card}]}).json
    [result] = body["results"]
    assert result["placeholders"] == {"models": [], "datasets": []}, result
    assert result["parents"][0]["id"] == "meta-llama/Llama-3.1-8B-Instruct"
    verdict = client.get("/v1/models/someone/quant/permitted-use?commercial=true").json
    assert any(o["provenance"]["license"] == "LicenseRef-community-1" for o in verdict["obligations"])
