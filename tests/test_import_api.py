"""Model-card import through the API, with real cards as their authors published them."""

from pathlib import Path

import pytest

from tests.conftest import load_catalogue_licences
from tests.helpers import assert_problem, snapshot

CARDS = Path(__file__).parent / "fixtures" / "model_cards"


def card(name: str) -> str:
    return (CARDS / name).read_text(encoding="utf-8")


def all_cards() -> list[dict]:
    return [{"id": path.stem.replace("__", "/", 1), "content": path.read_text(encoding="utf-8")}
            for path in sorted(CARDS.glob("*.md"))]


@pytest.fixture
def licensed(app, client):
    """Every catalogue licence (so Hub keys resolve), no models."""
    load_catalogue_licences(app)
    return client


def results_by_id(body):
    return {r["id"]: r for r in body["results"]}


def test_real_cards_import_with_relations_licences_and_placeholders(licensed):
    cards = all_cards()
    assert len(cards) >= 10
    response = licensed.post("/v1/import/model-cards", json={"cards": cards})
    assert response.status_code == 200, response.json
    body = response.json
    results = results_by_id(body)
    assert body["summary"]["failed"] == 0 and body["summary"]["created"] == len(cards)

    merge = licensed.get("/v1/models/pawan2411/pp_merge-8B").json
    assert sorted((p["id"], p["relation"]) for p in merge["parents"]) == [
        ("NousResearch/Hermes-2-Pro-Llama-3-8B", "merge"), ("meta-llama/Meta-Llama-3-8B-Instruct", "merge")]
    adapter = licensed.get("/v1/models/xianglingjing/llama-2-7b-int4-text-to-sql-LoRA").json
    assert adapter["parents"][0]["relation"] == "adapter"
    quant = licensed.get("/v1/models/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF").json
    assert quant["parents"] == [{"id": "meta-llama/Meta-Llama-3.1-8B-Instruct", "relation": "quantized",
                                 "source": "https://huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"}]
    assert quant["license"] == "LicenseRef-scancode-llama-3.1-license-2024"
    qwen = licensed.get("/v1/models/Qwen/Qwen2.5-72B").json  # license: other + license_name: qwen
    assert qwen["license"] == "LicenseRef-Qwen-2024"
    assert licensed.get("/v1/models/NousResearch/Nous-Hermes-Llama2-13b").json["license"] == "MIT"

    # A base the service did not know becomes a placeholder, reported on the card that named it.
    assert "meta-llama/Meta-Llama-3.1-8B-Instruct" in results["bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"]["placeholders"]["models"]
    placeholder = licensed.get("/v1/models/meta-llama/Meta-Llama-3.1-8B-Instruct").json
    assert placeholder["placeholder"] is True and placeholder["license"] is None
    # The first card (in request order) that names an unknown dataset creates and reports it.
    assert results["TheBloke/GPT4All-13B-snoozy-GGML"]["placeholders"]["datasets"] == [
        "nomic-ai/gpt4all-j-prompt-generations"]
    assert results["nomic-ai/gpt4all-13b-snoozy"]["datasets"] == ["nomic-ai/gpt4all-j-prompt-generations"]
    assert licensed.get("/v1/datasets/nomic-ai/gpt4all-j-prompt-generations").json["placeholder"] is True
    # Placeholders make terms unknown: never permitted.
    verdict = licensed.get("/v1/models/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/permitted-use?commercial=true").json
    assert verdict["verdict"] == "unknown"


def test_multipart_upload_of_card_files(licensed):
    files = [(open(CARDS / name, "rb"), name) for name in
             ("lmsys__vicuna-7b-delta-v0.md", "xianglingjing__llama-2-7b-int4-text-to-sql-LoRA.md")]
    response = licensed.post("/v1/import/model-cards", data={"cards": files}, content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    assert {r["id"]: r["status"] for r in response.json["results"]} == {
        "lmsys/vicuna-7b-delta-v0": "created", "xianglingjing/llama-2-7b-int4-text-to-sql-LoRA": "created"}
    assert licensed.get("/v1/models/lmsys/vicuna-7b-delta-v0").json["license"] == "Apache-2.0"


BAD_CARDS = {
    "bad/yaml": "---\nlicense: [mit\nbase_model: x\n---\n",
    "bad/no-front-matter": "# Just a title\n\nNo metadata here.\n",
    "bad/relation": "---\nbase_model: meta-llama/Llama-2-7b-hf\nbase_model_relation: cousin\n---\n",
    "bad id with spaces": "---\nlicense: mit\n---\n",
    "bad/base": "---\nbase_model: not a repo id\n---\n",
}


def test_bad_cards_are_reported_and_good_ones_still_import(licensed):
    cards = [{"id": i, "content": c} for i, c in BAD_CARDS.items()]
    cards.append({"id": "lmsys/vicuna-7b-delta-v0", "content": card("lmsys__vicuna-7b-delta-v0.md")})
    body = licensed.post("/v1/import/model-cards", json={"cards": cards}).json
    results = results_by_id(body)
    assert results["lmsys/vicuna-7b-delta-v0"]["status"] == "created"
    assert "malformed YAML" in results["bad/yaml"]["reason"] and "line" in results["bad/yaml"]["reason"]
    assert "no YAML front matter" in results["bad/no-front-matter"]["reason"]
    assert "unknown base_model_relation 'cousin'" in results["bad/relation"]["reason"]
    assert "not a valid Hub repo id" in results["bad id with spaces"]["reason"]
    assert "not a valid Hub repo id" in results["bad/base"]["reason"]
    assert body["summary"] == {"created": 1, "updated": 0, "failed": 5, "placeholder_models": 0,
                               "placeholder_datasets": 0}
    # The failed cards left nothing behind, not even placeholders.
    assert licensed.get("/v1/models/meta-llama/Llama-2-7b-hf").status_code == 404
    assert licensed.get("/v1/models/bad/relation").status_code == 404


def test_atomic_import_is_all_or_nothing(licensed):
    before = snapshot(licensed)
    cards = [{"id": "lmsys/vicuna-7b-delta-v0", "content": card("lmsys__vicuna-7b-delta-v0.md")},
             {"id": "pawan2411/pp_merge-8B", "content": card("pawan2411__pp_merge-8B.md")},
             {"id": "bad/yaml", "content": BAD_CARDS["bad/yaml"]}]
    response = licensed.post("/v1/import/model-cards", json={"cards": cards, "atomic": True})
    body = assert_problem(response, 422, "Nothing imported", "bad/yaml")
    assert {r["id"]: r["status"] for r in body["results"]}["bad/yaml"] == "error"
    assert snapshot(licensed) == before


def test_reimport_updates_and_keeps_licence_history(licensed):
    original = "---\nlicense: mit\nbase_model: org/base\n---\n"
    changed = "---\nlicense: apache-2.0\nbase_model: org/base\n---\n"
    first = licensed.post("/v1/import/model-cards", json={"cards": [{"id": "org/tuned", "content": original}]}).json
    assert first["results"][0]["status"] == "created"
    assert first["results"][0]["placeholders"]["models"] == ["org/base"]
    again = licensed.post("/v1/import/model-cards", json={"cards": [{"id": "org/tuned", "content": changed}]}).json
    assert again["results"][0]["status"] == "updated" and again["results"][0]["placeholders"]["models"] == []
    model = licensed.get("/v1/models/org/tuned").json
    assert model["license"] == "Apache-2.0"
    assert [h["license"] for h in model["license_history"]] == ["MIT", "Apache-2.0"]
    assert model["license_history"][1]["effective_from"] is not None


def test_request_shape_errors(licensed):
    assert_problem(licensed.post("/v1/import/model-cards", json={"cards": []}), 422)
    assert_problem(licensed.post("/v1/import/model-cards", json={"cards": [{"id": "a/b"}]}), 422)
    assert_problem(licensed.post("/v1/import/model-cards", data="x", content_type="text/plain"), 400)
    assert_problem(licensed.post("/v1/import/model-cards", data={}, content_type="multipart/form-data"), 422)


def test_cli_imports_a_folder_with_progress_and_summary(app, licensed, tmp_path):
    folder = tmp_path / "cards"
    (folder / "lmsys" / "vicuna-7b-delta-v0").mkdir(parents=True)
    (folder / "lmsys" / "vicuna-7b-delta-v0" / "README.md").write_text(card("lmsys__vicuna-7b-delta-v0.md"))
    for name in ("pawan2411__pp_merge-8B.md", "Qwen__Qwen2.5-72B.md"):
        (folder / name).write_text(card(name))
    (folder / "broken__card.md").write_text(BAD_CARDS["bad/yaml"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-cards", str(folder)])
    assert result.exit_code == 1
    assert "Importing 4 cards" in result.output
    assert "3 created, 0 updated, 1 failed, 2 placeholders" in result.output
    assert "broken/card: malformed YAML" in result.output
    assert licensed.get("/v1/models/lmsys/vicuna-7b-delta-v0").json["license"] == "Apache-2.0"
    atomic = runner.invoke(args=["import-cards", "--atomic", str(folder / "broken__card.md"),
                                 str(folder / "Qwen__Qwen2.5-72B.md")])
    assert atomic.exit_code == 1 and "nothing imported" in atomic.output
    clean = runner.invoke(args=["import-cards", str(folder / "Qwen__Qwen2.5-72B.md")])
    assert clean.exit_code == 0 and "0 created, 1 updated, 0 failed" in clean.output
