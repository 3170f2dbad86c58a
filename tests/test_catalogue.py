"""The built-in catalogue: loads idempotently, references resolve, every fact has a source."""

from sqlalchemy.orm import Session

from api.domain.graph import path_upwards
from api.domain.vocabulary import UNKNOWN
from api.store.db import get_engine
from api.store.seed import load_catalogue, read_catalogue
from tests.helpers import snapshot

CATALOGUE = read_catalogue()


def _load(app):
    with Session(get_engine(app)) as session:
        counts = load_catalogue(session)
        session.commit()
    return counts


def test_loads_into_empty_and_populated_database_idempotently(app, client):
    counts = _load(app)
    assert counts == {kind: len(records) for kind, records in CATALOGUE.items()}
    first = snapshot(client)
    client.patch("/v1/models/mistralai/Mistral-7B-v0.1", json={"name": "edited by hand"})
    _load(app)
    second = snapshot(client)
    strip = lambda s: {k: [{f: v for f, v in r.items() if f != "updated_at"} for r in rs] for k, rs in s.items()}
    assert strip(second) == strip(first)
    assert len(second["models"]) == len(CATALOGUE["models"])


def test_every_reference_resolves_and_graph_is_acyclic():
    models = {m["id"]: m for m in CATALOGUE["models"]}
    datasets = {d["id"] for d in CATALOGUE["datasets"]}
    edges = []
    for model in models.values():
        for parent in model.get("parents", []):
            assert parent["id"] in models, (model["id"], parent["id"])
            edges.append((model["id"], parent["id"]))
        for dataset in model.get("datasets", []):
            assert dataset["id"] in datasets, (model["id"], dataset["id"])
    for dataset in CATALOGUE["datasets"]:
        assert dataset.get("generated_by") is None or dataset["generated_by"] in models
    for child, parent in edges:
        assert path_upwards(edges, parent, child) is None, f"cycle through {child} → {parent}"


def test_every_fact_has_a_source():
    for licence in CATALOGUE["licences"]:
        assert licence.get("url"), licence["id"]
        for term, fact in {**licence.get("terms", {}), "binds_derivatives": licence.get("binds_derivatives")}.items():
            if fact and fact.get("value") != UNKNOWN:
                assert fact.get("source"), (licence["id"], term)
    for model in CATALOGUE["models"]:
        assert model.get("source_url"), model["id"]
        if model.get("license"):
            assert model.get("sources", {}).get("license"), model["id"]
        for edge in model.get("parents", []) + model.get("datasets", []):
            assert edge.get("source"), (model["id"], edge["id"])
    for dataset in CATALOGUE["datasets"]:
        assert dataset.get("source_url"), dataset["id"]
        if dataset.get("generated_by"):
            assert dataset.get("sources", {}).get("generated_by"), dataset["id"]


def test_starter_models_are_served_with_sources(catalogue_client):
    for model_id in ("huggyllama/llama-7b", "meta-llama/Llama-2-7b-hf", "tatsu-lab/alpaca-7b-wdiff",
                     "lmsys/vicuna-7b-v1.3", "mistralai/Mistral-7B-v0.1"):
        body = catalogue_client.get(f"/v1/models/{model_id}").json
        assert body["source_url"].startswith("https://"), model_id
    vicuna = catalogue_client.get("/v1/models/lmsys/vicuna-7b-v1.3").json
    assert vicuna["parents"][0]["id"] == "huggyllama/llama-7b" and vicuna["parents"][0]["source"]
    alpaca_data = catalogue_client.get("/v1/datasets/tatsu-lab/alpaca").json
    assert alpaca_data["generated_by"] == "openai/text-davinci-003"


def test_every_catalogue_model_is_served_with_its_licence_parents_and_datasets_sourced(catalogue_client):
    for record in CATALOGUE["models"]:
        body = catalogue_client.get(f"/v1/models/{record['id']}").json
        assert body["source_url"], record["id"]
        if record.get("license"):
            assert body["license"] and body["sources"].get("license"), record["id"]
        assert {p["id"] for p in body["parents"]} == {p["id"] for p in record.get("parents", [])}, record["id"]
        assert all(p["source"] for p in body["parents"]), record["id"]
        assert {d["id"] for d in body["datasets"]} == {d["id"] for d in record.get("datasets", [])}, record["id"]
        assert all(d["source"] for d in body["datasets"]), record["id"]


def test_every_model_has_a_licence_a_rights_holder_and_no_placeholder():
    assert len(CATALOGUE["models"]) >= 600
    for model in CATALOGUE["models"]:
        assert model.get("license"), model["id"]
        assert model.get("sources", {}).get("license"), model["id"]
        assert not model.get("placeholder"), model["id"]
        assert model.get("rights_holder"), model["id"]
    for dataset in CATALOGUE["datasets"]:
        assert not dataset.get("placeholder"), dataset["id"]


def test_ids_and_former_ids_are_one_case_insensitive_namespace():
    owners: dict[str, str] = {}
    for model in CATALOGUE["models"]:
        for name in [model["id"], *model.get("aliases", [])]:
            assert name.lower() not in owners, (name, owners.get(name.lower()), model["id"])
            owners[name.lower()] = model["id"]


def test_renamed_repos_answer_under_their_former_ids_and_any_case(catalogue_client):
    for former, current in (("gpt2", "openai-community/gpt2"),
                            ("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"),
                            ("qwen/qwen2.5-7b-instruct", "Qwen/Qwen2.5-7B-Instruct")):
        assert catalogue_client.get(f"/v1/models/{former}").json["id"] == current, former
    for model in CATALOGUE["models"]:
        for alias in model.get("aliases", []):
            assert catalogue_client.get(f"/v1/models/{alias}").json["id"] == model["id"], alias
