"""Headline answers end to end on the built-in catalogue, on SQLite and PostgreSQL."""

from tests.helpers import assert_problem

LLAMA1 = "LicenseRef-scancode-llama-license-2023"
LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"


def test_llama1_derivative_is_forbidden_for_commercial_use_with_llama_licence_as_source(catalogue_client):
    body = catalogue_client.get("/v1/models/lmsys/vicuna-7b-v1.3/permitted-use?commercial=true").json
    assert body["verdict"] == "forbidden"
    commercial = [v for v in body["violations"] if v["term"] == "commercial_use"]
    assert commercial and commercial[0]["provenance"]["license"] == LLAMA1
    assert commercial[0]["provenance"]["imposed_by"] == {"kind": "model", "id": "huggyllama/llama-7b"}
    assert commercial[0]["provenance"]["path"] == ["lmsys/vicuna-7b-v1.3", "huggyllama/llama-7b"]
    terms = catalogue_client.get("/v1/models/lmsys/vicuna-7b-v1.3/terms").json["terms"]
    assert terms["commercial_use"]["value"] == "forbidden"
    assert f"imposed by {LLAMA1} on model huggyllama/llama-7b" in terms["commercial_use"]["sources"][0]["explanation"]


def test_llama2_finetune_permitted_with_obligations_at_1000_users_forbidden_at_800_million(catalogue_client):
    base = "/v1/models/lmsys/vicuna-7b-v1.5/permitted-use?commercial=true&monthly_active_users="
    small = catalogue_client.get(base + "1000").json
    assert small["verdict"] == "permitted_with_obligations", small
    assert not small["violations"] and not small["unknowns"]
    obligation_licences = {o["provenance"]["license"] for o in small["obligations"]}
    assert LLAMA2 in obligation_licences
    assert any(o["term"] == "use_restrictions" and "Acceptable Use Policy" in o["message"] for o in small["obligations"])
    big = catalogue_client.get(base + "800000000").json
    assert big["verdict"] == "forbidden"
    cap = [v for v in big["violations"] if v["term"] == "max_monthly_active_users"]
    assert cap and cap[0]["provenance"]["license"] == LLAMA2 and "700,000,000" in cap[0]["message"]


def test_the_summary_view_keeps_the_verdict_and_each_finding_without_its_provenance(catalogue_client):
    for model, query in (("lmsys/vicuna-7b-v1.3", "commercial=true"), ("EleutherAI/pythia-6.9b", "commercial=true"),
                         ("lmsys/vicuna-7b-v1.5", "commercial=true&monthly_active_users=800000000")):
        full = catalogue_client.get(f"/v1/models/{model}/permitted-use?{query}").json
        summary = catalogue_client.get(f"/v1/models/{model}/permitted-use?{query}&view=summary").json
        assert summary["verdict"] == full["verdict"] and summary["use"] == full["use"]
        for kind in ("violations", "obligations", "unknowns"):
            assert summary[kind] == [{"term": f["term"], "message": f["message"],
                                      "license": f["provenance"]["license"]} for f in full[kind]]
        assert [c["dataset"] for c in summary["caveats"]] == [c.get("dataset") for c in full["caveats"]]
        assert len(str(summary)) < len(str(full))
    assert_problem(catalogue_client.get("/v1/models/gpt2/permitted-use?view=short"), 422)


def test_mit_declared_on_a_llama_base_is_listed_under_conflicts(catalogue_client):
    body = catalogue_client.get("/v1/conflicts?limit=500").json
    listed = {row["model"]: row for row in body["data"]}
    hermes = listed["NousResearch/Nous-Hermes-Llama2-13b"]
    assert hermes["declared_license"] == "MIT"
    commercial = next(c for c in hermes["conflicts"] if c["term"] == "commercial_use")
    assert commercial["declared"] == "allowed" and commercial["inherited"] == "conditional"
    assert commercial["sources"][0]["license"] == LLAMA2
    # Filters: by a licence in the conflict, by organisation.
    by_licence = catalogue_client.get(f"/v1/conflicts?license={LLAMA2}&limit=500").json["data"]
    assert "NousResearch/Nous-Hermes-Llama2-13b" in {r["model"] for r in by_licence}
    assert "HuggingFaceH4/zephyr-7b-beta" not in {r["model"] for r in by_licence}
    nous = catalogue_client.get("/v1/conflicts?organisation=nous research").json["data"]
    assert "NousResearch/Nous-Hermes-Llama2-13b" in {r["model"] for r in nous}
    assert all(r["model"].startswith("NousResearch/") for r in nous)
    # The same flag on the model.
    own = catalogue_client.get("/v1/models/NousResearch/Nous-Hermes-Llama2-13b/conflicts").json["data"]
    assert own[0]["conflicts"] == hermes["conflicts"]
    assert catalogue_client.get("/v1/models/meta-llama/Llama-2-7b-chat-hf/conflicts").json["data"] == []


def test_conflicts_paginate(catalogue_client):
    first = catalogue_client.get("/v1/conflicts?limit=2").json
    total = first["pagination"]["total"]
    assert total > 2 and len(first["data"]) == 2
    seen = [r["model"] for r in first["data"]]
    link = first["pagination"]["next"]
    while link:
        page = catalogue_client.get(link).json
        seen += [r["model"] for r in page["data"]]
        link = page["pagination"]["next"]
    assert len(seen) == total and seen == sorted(seen)


def test_terms_as_of_before_and_after_a_licence_change(catalogue_client):
    path = "/v1/models/tiiuae/falcon-40b/terms"
    before = catalogue_client.get(path + "?as_of=2023-05-28").json
    after = catalogue_client.get(path + "?as_of=2023-06-30").json
    declared = lambda body: next(l for l in body["licenses"] if l["role"] == "declared")["expression"]
    assert declared(before) == "LicenseRef-TII-Falcon-LLM-1.0"
    assert declared(after) == "Apache-2.0"
    assert after["terms"]["commercial_use"]["value"] == "allowed"
    assert before["terms"]["commercial_use"]["value"] != "allowed"
    history = catalogue_client.get("/v1/models/tiiuae/falcon-40b").json["license_history"]
    assert [h["license"] for h in history] == ["LicenseRef-TII-Falcon-LLM-1.0", "Apache-2.0"]


def test_training_data_can_be_left_out(catalogue_client):
    with_data = catalogue_client.get("/v1/models/databricks/dolly-v2-12b/terms").json["terms"]
    without = catalogue_client.get("/v1/models/databricks/dolly-v2-12b/terms?include_training_data=false").json
    assert with_data["share_alike"]["value"] is True
    assert without["terms"]["share_alike"]["value"] is False
    assert all(l["role"] in ("declared", "ancestor") for l in without["licenses"])


def test_bad_use_parameters_are_422_and_unknown_model_404(catalogue_client):
    assert_problem(catalogue_client.get("/v1/models/lmsys/vicuna-7b-v1.3/permitted-use?monthly_active_users=-1"), 422)
    assert_problem(catalogue_client.get("/v1/models/lmsys/vicuna-7b-v1.3/permitted-use?commercial=maybe"), 422)
    assert_problem(catalogue_client.get("/v1/models/lmsys/vicuna-7b-v1.3/terms?as_of=2023-13-01"), 422)
    assert_problem(catalogue_client.get("/v1/models/nobody/nothing/permitted-use"), 404, "nobody/nothing")
    assert_problem(catalogue_client.get("/v1/models/nobody/nothing/terms"), 404)
