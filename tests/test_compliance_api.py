"""POST /v1/compliance/check on the catalogue, on SQLite and PostgreSQL."""

import datetime as dt

from sqlalchemy import event

from api.store.db import get_engine
from tests.helpers import assert_problem

LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"


def check(client, models, detail="full", **policy):
    response = client.post("/v1/compliance/check", json={"models": models, "policy": policy, "detail": detail})
    assert response.status_code == 200, response.json
    return response.json


def by_model(report):
    return {m["model"]: m for m in report["models"]}


def test_pass_fail_and_unknown_ids_are_findings(catalogue_client):
    report = check(catalogue_client, ["mistralai/Mistral-7B-v0.1", "lmsys/vicuna-7b-v1.3", "nobody/nothing"],
                   use={"commercial": True})
    assert report["result"] == "fail"
    models = by_model(report)
    assert models["mistralai/Mistral-7B-v0.1"]["status"] == "pass"
    vicuna = models["lmsys/vicuna-7b-v1.3"]
    assert vicuna["status"] == "fail" and vicuna["verdict"] == "forbidden"
    forbidden = [f for f in vicuna["findings"] if f["rule"] == "use-forbidden"]
    assert forbidden[0]["severity"] == "error" and forbidden[0]["fix"]
    assert forbidden[0]["provenance"]["imposed_by"]["id"] == "huggyllama/llama-7b"
    ghost = models["nobody/nothing"]["findings"]
    assert [(f["rule"], f["severity"]) for f in ghost] == [("unknown-model", "error")]
    lenient = check(catalogue_client, ["nobody/nothing"], fail_on_unknown=False)
    assert lenient["result"] == "pass" and lenient["models"][0]["findings"][0]["severity"] == "warning"


def test_by_default_each_model_carries_the_findings_that_decide_it_without_provenance(catalogue_client):
    models = ["lmsys/vicuna-7b-v1.3", "lmsys/vicuna-7b-v1.5", "EleutherAI/pythia-6.9b", "nobody/nothing",
              "NousResearch/Nous-Hermes-Llama2-13b"]
    policy = {"use": {"commercial": True, "monthly_active_users": 2_000_000}}
    response = catalogue_client.post("/v1/compliance/check", json={"models": models, "policy": policy})
    short, full = response.json, check(catalogue_client, models, **policy)
    assert short["detail"] == "findings" and full["detail"] == "full"
    assert (short["result"], short["summary"]) == (full["result"], full["summary"])
    for brief, whole in zip(short["models"], full["models"], strict=True):
        assert (brief["model"], brief["status"], brief["verdict"]) == (whole["model"], whole["status"], whole["verdict"])
        decisive = [f for f in whole["findings"] if f["severity"] != "note"]
        assert brief["findings"] == [{k: v for k, v in f.items() if k != "provenance"} for f in decisive]
        assert brief["notes"] == len(whole["findings"]) - len(decisive)
        assert [c.get("dataset") for c in brief["caveats"]] == [c.get("dataset") for c in whole["caveats"]]
    assert any(m["notes"] for m in short["models"]) and len(response.data) * 3 < len(str(full))


def test_the_default_answer_is_the_full_one_cut_down_for_every_catalogue_model(catalogue_client):
    """The compact results are built without the full ones' provenance; cut from the full ones they are equal,
    waived and caveated findings included."""
    page = catalogue_client.get("/v1/models?limit=500").json
    models = list(dict.fromkeys([row["id"] for row in page["data"]] + ["lmsys/vicuna-7b-v1.3", "nobody/nothing"]))
    waiver = {"model": "lmsys/vicuna-7b-v1.3", "approved_by": "legal", "reason": "separate agreement",
              "expires": "2999-01-01"}
    policy = {"use": {"commercial": True, "monthly_active_users": 2_000_000, "redistribute_weights": True},
              "waivers": [waiver], "fail_on_caveats": True}
    short = catalogue_client.post("/v1/compliance/check", json={"models": models, "policy": policy}).json
    full = check(catalogue_client, models, **policy)
    assert short["summary"] == full["summary"]
    for brief, whole in zip(short["models"], full["models"], strict=True):
        decisive = [{k: v for k, v in f.items() if k != "provenance"} for f in whole["findings"]
                    if f["severity"] != "note"]
        expected = {**{k: whole[k] for k in ("model", "status", "verdict", "license", "resolved_id") if k in whole},
                    "findings": decisive, "notes": len(whole["findings"]) - len(decisive),
                    "caveats": [{k: c[k] for k in ("kind", "dataset", "model") if c.get(k)} for c in whole["caveats"]]}
        assert brief == expected
    kinds = {f["rule"] for m in full["models"] for f in m["findings"]}
    assert {"use-forbidden", "obligation", "training-data-caveat", "unknown-model"} <= kinds
    waived = next(m for m in full["models"] if m["model"] == waiver["model"])
    assert any(f.get("waived_by") for f in waived["findings"]) and waived["status"] == "pass"


def test_a_thousand_model_check_answers_under_a_megabyte_by_default(catalogue_client):
    page = catalogue_client.get("/v1/models?limit=500").json
    more = catalogue_client.get(page["pagination"]["next"]).json
    ids = [row["id"] for row in page["data"] + more["data"]]
    ids += [f"nobody/missing-{n}" for n in range(1000 - len(ids))]
    response = catalogue_client.post("/v1/compliance/check", json={
        "models": ids, "policy": {"use": {"commercial": True, "monthly_active_users": 2_000_000}}})
    assert response.status_code == 200 and len(response.json["models"]) == 1000
    assert len(response.data) < 1_000_000


def test_or_passes_if_any_branch_is_allowed_and_needs_every_and_part(catalogue_client):
    # A model under "A OR B" and one under "A AND B", built from licences the catalogue has.
    client = catalogue_client
    policy = {"allow": {"licenses": ["MIT"]}, "include_training_data": False}
    either = check(client, ["gpt2"], **policy)  # MIT alone
    assert either["result"] == "pass"
    from api.domain.compliance import LicenceRules, Policy, _group_passes
    from api.domain.terms import Group

    rules = Policy(allow=LicenceRules(licences=frozenset({"MIT"})))
    or_group = Group("declared", "model", "m", "MIT OR Apache-2.0", (), [], [["MIT"], ["Apache-2.0"]])
    and_group = Group("declared", "model", "m", "MIT AND Apache-2.0", (), [], [["Apache-2.0", "MIT"]])
    assert _group_passes(or_group, {}, rules)[0] is True
    passed, reasons = _group_passes(and_group, {}, rules)
    assert passed is False and "Apache-2.0 is not on the allow list" in reasons[0]


def test_allow_list_applies_to_inherited_licences(catalogue_client):
    report = check(catalogue_client, ["NousResearch/Nous-Hermes-Llama2-13b"],
                   allow={"licenses": ["mit", "apache-2.0"]}, include_training_data=False)
    hermes = report["models"][0]
    policy_findings = [f for f in hermes["findings"] if f["rule"] == "license-policy"]
    assert policy_findings and LLAMA2 in policy_findings[0]["message"]
    assert policy_findings[0]["provenance"]["imposed_by"]["id"] == "meta-llama/Llama-2-13b-hf"
    allowed = check(catalogue_client, ["NousResearch/Nous-Hermes-Llama2-13b"],
                    allow={"licenses": ["mit", "llama2"]}, include_training_data=False)
    assert not [f for f in allowed["models"][0]["findings"] if f["rule"] == "license-policy"]


def test_deny_by_tag_and_conflicts_warn_or_fail(catalogue_client):
    denied = check(catalogue_client, ["tatsu-lab/alpaca-7b-wdiff"], deny={"tags": ["non-commercial"]})
    assert any(f["rule"] == "license-policy" for f in denied["models"][0]["findings"])
    warn = check(catalogue_client, ["NousResearch/Nous-Hermes-Llama2-13b"], include_training_data=False)
    conflicts = [f for f in warn["models"][0]["findings"] if f["rule"] == "declared-license-conflict"]
    assert conflicts and {f["severity"] for f in conflicts} == {"warning"} and warn["result"] == "pass"
    fail = check(catalogue_client, ["NousResearch/Nous-Hermes-Llama2-13b"], include_training_data=False,
                 fail_on_conflicts=True)
    assert fail["result"] == "fail"


def test_waivers_apply_until_they_expire(catalogue_client):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    waiver = {"model": "lmsys/vicuna-7b-v1.3", "approved_by": "legal@acme", "reason": "internal demo only"}
    live = check(catalogue_client, ["lmsys/vicuna-7b-v1.3"], use={"commercial": True},
                 waivers=[{**waiver, "expires": tomorrow}])
    assert live["result"] == "pass"
    waived = [f for f in live["models"][0]["findings"] if f.get("waived_by")]
    assert waived and waived[0]["severity"] == "note" and waived[0]["waived_by"]["approved_by"] == "legal@acme"
    expired = check(catalogue_client, ["lmsys/vicuna-7b-v1.3"], use={"commercial": True},
                    waivers=[{**waiver, "expires": yesterday}])
    assert expired["result"] == "fail"
    assert any(f["rule"] == "waiver-expired" for f in expired["models"][0]["findings"])
    scoped = check(catalogue_client, ["lmsys/vicuna-7b-v1.3"], use={"commercial": True},
                   waivers=[{**waiver, "expires": tomorrow, "license": "MIT"}])
    assert scoped["result"] == "fail"  # the waiver covers only findings about MIT


def test_whole_batch_in_a_fixed_number_of_queries(catalogue_client):
    engine = get_engine(catalogue_client.application)
    models = [m["id"] for m in catalogue_client.get("/v1/models?limit=500").json["data"]]
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        # A policy no other test asks about: no result of this process is kept for it yet.
        report = check(catalogue_client, models, use={"commercial": True}, name="one walk for the whole batch")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report["summary"]["models"] == len(models) > 150
    # Each model's lineage comes from its stored bindings: one read for the whole batch and one for the licences
    # they name; no closure read, no recursive walk, no per-model query.
    assert len([s for s in statements if "model_bindings" in s]) == 1, statements
    assert not [s for s in statements if "lineage_closure" in s or "RECURSIVE" in s.upper()], statements
    # Every id is asked as recorded, so its row is found under it: no query resolves ids (another case, former ids).
    assert not [s for s in statements if "model_aliases" in s or "FROM language_models" in s], statements
    # Plus one to read the data generation the results are kept at.
    assert len(statements) <= 8, statements


def test_batch_limits_and_bad_policies(catalogue_client):
    body = assert_problem(catalogue_client.post("/v1/compliance/check", json={
        "models": [f"org/m{i}" for i in range(10_001)], "policy": {}}), 422)
    assert "models" in body["errors"]
    big = check(catalogue_client, [f"org/m{i}" for i in range(10_000)], fail_on_unknown=False)
    assert big["summary"]["models"] == 10_000
    bad = catalogue_client.post("/v1/compliance/check", json={"models": ["gpt2"], "policy": {"use": {"commercial": "x"}}})
    assert "policy" in assert_problem(bad, 422)["errors"]
    bad_waiver = catalogue_client.post("/v1/compliance/check", json={"models": ["gpt2"], "policy": {
        "waivers": [{"model": "gpt2", "expires": "soon"}]}})
    assert_problem(bad_waiver, 422)


def test_policy_expressions_are_read_by_the_expression_parser(catalogue_client):
    """Aliases inside a policy expression (any case, any nesting) name the licences they alias."""
    denied = check(catalogue_client, ["NousResearch/Nous-Hermes-Llama2-13b"], deny={"expressions": ["((mit))"]},
                   include_training_data=False)
    assert any("the expression MIT is denied" in r for f in denied["models"][0]["findings"]
               if f["rule"] == "license-policy" for r in [f["message"]])
    unparsable = check(catalogue_client, ["NousResearch/Nous-Hermes-Llama2-13b"], deny={"expressions": ["mit and ("]},
                       include_training_data=False)
    assert not [f for f in unparsable["models"][0]["findings"] if f["rule"] == "license-policy"]
