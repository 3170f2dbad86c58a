"""GET /v1/models/{id}/notice: the notice bundle, golden on a Llama-2 fine-tune trained on CC-BY-SA data."""

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from tests.helpers import assert_problem, post_model
from tests.shipping_fixtures import DATASETS, FINETUNE, LLAMA2, golden_lineage, post_catalogue_licences

GOLDEN = Path(__file__).parent / "fixtures" / "golden" / "llama2-cc-by-sa.NOTICE"


def test_golden_notice_of_a_llama2_finetune_on_cc_by_sa_data(client):
    """The NOTICE names the Llama 2 notice, the use policy, the share-alike duty and each source."""
    model = golden_lineage(client)
    response = client.get(f"/v1/models/{model}/notice?format=text")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    notice = response.get_data(as_text=True)
    if os.environ.get("PEDIGREE_UPDATE_GOLDEN"):
        GOLDEN.write_text(notice, encoding="utf-8")
    assert notice == GOLDEN.read_text(encoding="utf-8"), "set PEDIGREE_UPDATE_GOLDEN=1 to rewrite the golden file"
    assert "Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc." in notice
    assert "Llama 2 Acceptable Use Policy: https://ai.meta.com/llama/use-policy" in notice
    for licence, dataset in (("CC-BY-SA-3.0", DATASETS[0]), ("CC-BY-SA-4.0", DATASETS[1])):
        assert f"Derivatives must be licensed under {licence}" in notice
        assert f"required by {licence} on dataset {dataset} (training data" in notice
        assert f"- dataset {dataset}: {licence}, https://huggingface.co/datasets/{dataset}" in notice
    assert "model meta-llama/Llama-2-7b-hf (ancestor, via acme/llama-2-7b-wiki-chat → meta-llama/Llama-2-7b-hf)" \
        in notice


def test_the_readme_excerpt_is_the_golden_notice():
    from tests.test_ci_example import readme_block

    golden = GOLDEN.read_text(encoding="utf-8").splitlines()
    excerpt = [line for line in readme_block("notice").splitlines() if line != "…"]
    assert len(excerpt) > 10 and all(line in golden for line in excerpt)


def test_obligations_json_says_who_requires_each_duty(client):
    model = golden_lineage(client)
    body = client.get(f"/v1/models/{model}/notice").json
    assert body["model"] == model and body["use"] == {"redistribute_weights": True}
    assert body["verdict"] == "permitted_with_obligations"
    share = {entry["license"]: [c["id"] for c in entry["required_by"]] for entry in body["share_alike"]}
    assert share == {"CC-BY-SA-4.0": [DATASETS[1]], "CC-BY-SA-3.0": [DATASETS[0]]}
    policy, = body["use_policies"]
    assert policy["url"] == "https://ai.meta.com/llama/use-policy"
    assert [c["id"] for c in policy["required_by"]] == [FINETUNE, "meta-llama/Llama-2-7b-hf"]
    texts = {entry["license"]: entry for entry in body["license_texts"]}
    assert texts[LLAMA2]["reasons"] == ["include_license_text"]
    assert texts["CC-BY-SA-3.0"]["reasons"] == ["share_alike"]
    assert texts[LLAMA2]["file"] == f"licenses/{LLAMA2}.txt"
    assert {s["id"] for s in body["sources"]} == {FINETUNE, "meta-llama/Llama-2-7b-hf", *DATASETS}


def test_zip_bundle_carries_the_texts_it_names(client):
    model = golden_lineage(client)
    response = client.get(f"/v1/models/{model}/notice?format=zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "acme__llama-2-7b-wiki-chat-notice.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert names == {"NOTICE", "NOTICE.md", "obligations.json", f"licenses/{LLAMA2}.txt", "licenses/CC-BY-SA-3.0.txt",
                     "licenses/CC-BY-SA-4.0.txt", "policies/llama-2-acceptable-use-policy.md"}
    assert archive.read(f"licenses/{LLAMA2}.txt").decode().startswith("LLAMA 2 COMMUNITY LICENSE AGREEMENT")
    assert b"Attribution-ShareAlike 4.0 International" in archive.read("licenses/CC-BY-SA-4.0.txt")
    assert archive.read("policies/llama-2-acceptable-use-policy.md").startswith(b"# Llama 2 Acceptable Use Policy")
    assert json.loads(archive.read("obligations.json"))["model"] == model
    assert client.get(f"/v1/models/{model}/notice?format=zip").data == response.data  # same notice, same bytes


def test_a_use_lists_only_what_it_triggers(client):
    model = golden_lineage(client)
    body = client.get(f"/v1/models/{model}/notice?commercial=true").json
    assert body["use"] == {"commercial": True}
    assert body["share_alike"] == [] and body["license_texts"] == []  # duties of redistribution only
    assert [e["policy"] for e in body["use_policies"]] == ["Llama 2 Acceptable Use Policy"]
    assert any(c["term"] == "commercial_use" for c in body["conditions"])
    research = client.get(f"/v1/models/{model}/notice?research_only=true").json
    assert research["attribution"] == [] and research["conditions"] == []


def test_markdown_notice_shows_the_verdict_and_violations(client):
    post_catalogue_licences(client, "CC-BY-NC-4.0")
    post_model(client, "acme/nc-model", license="CC-BY-NC-4.0")
    response = client.get("/v1/models/acme/nc-model/notice?format=markdown&commercial=true")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    text = response.get_data(as_text=True)
    assert "Verdict: **forbidden**" in text and "❌ **commercial_use**: commercial use is forbidden" in text


def test_a_licence_without_a_shipped_text_gets_its_link(client):
    client.post("/v1/licenses", json={"id": "LicenseRef-acme", "name": "Acme Model Licence", "aliases": [],
                                      "url": "https://acme.example/licence", "categories": [],
                                      "binds_derivatives": {"value": True},
                                      "terms": {"include_license_text": {"value": True}}})
    post_model(client, "acme/linked", license="LicenseRef-acme")
    body = client.get("/v1/models/acme/linked/notice").json
    entry, = body["license_texts"]
    assert entry["file"] is None and entry["url"] == "https://acme.example/licence"
    text = client.get("/v1/models/acme/linked/notice?format=text").get_data(as_text=True)
    assert "LicenseRef-acme (Acme Model Licence): text not shipped, see https://acme.example/licence" in text


@pytest.mark.parametrize("query, needle", [("format=pdf", "format"), ("commercial=maybe", "commercial")])
def test_bad_arguments_are_422(client, query, needle):
    golden_lineage(client)
    body = assert_problem(client.get(f"/v1/models/{FINETUNE}/notice?{query}"), 422)
    assert needle in json.dumps(body["errors"])


def test_unknown_model_is_404(client):
    assert_problem(client.get("/v1/models/nobody/nothing/notice"), 404, "nobody/nothing")
