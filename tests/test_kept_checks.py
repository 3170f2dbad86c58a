"""POST /v1/compliance/check keeps each model's result per process and reuses it only while nothing was written:
a repeated check walks no lineage, and after any write the answer is what an app keeping nothing gives."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from api.domain.terms import BOTTOM
from api.store.db import get_engine

POLICY = {"use": {"commercial": True, "monthly_active_users": 2_000_000}}


def _lineage_reads(app) -> list[str]:
    """Every statement that reads a model's lineage (its stored bindings, or the parent edges of a walk), as the
    app's engine runs them."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        if "parent_edges" in statement or "model_bindings" in statement:
            seen.append(statement)

    event.listen(get_engine(app), "before_cursor_execute", record)
    return seen


def _check(client, models, policy=POLICY, detail="findings") -> dict:
    response = client.post("/v1/compliance/check", json={"models": models, "policy": policy, "detail": detail})
    assert response.status_code == 200, response.json
    return response.json


def _terms(commercial: str) -> dict:
    """Every term stated (the loosest value), commercial use as given."""
    return {term: {"value": value} for term, value in BOTTOM.items()} | {"commercial_use": {"value": commercial}}


def _graph(client) -> None:
    for licence, commercial in (("Test-Strict", "forbidden"), ("Test-Loose", "allowed")):
        assert client.post("/v1/licenses", json={
            "id": licence, "name": licence, "binds_derivatives": {"value": True},
            "terms": _terms(commercial)}).status_code == 201
    assert client.post("/v1/models", json={"id": "a/base", "license": "Test-Loose"}).status_code == 201
    assert client.post("/v1/models", json={"id": "b/tune", "license": "Test-Loose", "parents": [
        {"id": "a/base", "relation": "finetune"}]}).status_code == 201


@pytest.mark.parametrize("detail", ["findings", "full"])
def test_a_repeated_check_walks_no_lineage_and_answers_the_same(app, client, keeps_nothing, detail):
    _graph(client)
    models = ["b/tune", "a/base", "nobody/else", "B/TUNE"]
    first = _check(client, models, detail=detail)
    reads = _lineage_reads(app)
    again = _check(client, models, detail=detail)
    assert again == first == _check(keeps_nothing, models, detail=detail)
    assert reads == []  # every result was kept: no walk
    assert {m["model"]: m["status"] for m in again["models"]} == {
        "b/tune": "pass", "a/base": "pass", "nobody/else": "fail", "B/TUNE": "pass"}


def test_only_the_models_not_kept_are_walked(app, client, keeps_nothing):
    _graph(client)
    _check(client, ["b/tune"])
    reads = _lineage_reads(app)
    both = _check(client, ["b/tune", "a/base"])
    assert len(reads) == 1 and "model_bindings" in reads[0]  # a/base's lineage was read (its stored bindings)
    assert both == _check(keeps_nothing, ["b/tune", "a/base"])


def test_a_write_anywhere_ends_what_was_kept(client, keeps_nothing):
    _graph(client)
    assert _check(client, ["b/tune"])["result"] == "pass"
    # The ancestor's licence changes: the child inherits commercial use forbidden.
    response = client.patch("/v1/models/a/base", json={"license": "Test-Strict"})
    assert response.status_code == 200, response.json
    after = _check(client, ["b/tune"])
    assert after == _check(keeps_nothing, ["b/tune"])
    assert after["result"] == "fail" and after["models"][0]["verdict"] == "forbidden"
    # A licence's terms change under every model that carries it.
    licence = client.get("/v1/licenses/Test-Strict")
    assert client.patch("/v1/licenses/Test-Strict", json={"terms": _terms("allowed")},
                        headers={"If-Match": licence.headers["ETag"]}).status_code == 200
    assert _check(client, ["b/tune"]) == _check(keeps_nothing, ["b/tune"])
    assert _check(client, ["b/tune"])["result"] == "pass"


def test_a_result_kept_under_an_id_as_asked_ends_when_the_id_comes_to_name_a_model(client, keeps_nothing):
    """Results are kept under the id as asked, not the model it named: the write that gives the id a meaning (a
    new model, a former id recorded) moves the generation, so the next check resolves it again."""
    _graph(client)
    asked = ["c/old-name", "C/NEW"]
    before = _check(client, asked)
    assert [f["rule"] for m in before["models"] for f in m["findings"]] == ["unknown-model", "unknown-model"]
    assert client.post("/v1/models", json={"id": "c/new", "license": "Test-Strict", "aliases": ["c/old-name"],
                                           "parents": [{"id": "b/tune", "relation": "finetune"}]}).status_code == 201
    after = _check(client, asked)
    assert after == _check(keeps_nothing, asked)
    assert [(m["model"], m.get("resolved_id"), m["verdict"]) for m in after["models"]] == [
        ("c/old-name", "c/new", "forbidden"), ("C/NEW", "c/new", "forbidden")]


def test_a_result_is_kept_for_its_own_policy_and_detail_only(client, keeps_nothing):
    _graph(client)
    commercial = _check(client, ["b/tune"])
    research = _check(client, ["b/tune"], policy={"use": {"commercial": False}, "deny": {"licenses": ["Test-Loose"]}})
    assert commercial["result"] == "pass" and research["result"] == "fail"
    assert research == _check(keeps_nothing, ["b/tune"], policy={"use": {"commercial": False}, "deny": {"licenses": ["Test-Loose"]}})
    assert _check(client, ["b/tune"], detail="full")["detail"] == "full"
    assert _check(client, ["b/tune"], detail="full") == _check(keeps_nothing, ["b/tune"], detail="full")


def test_the_kept_results_are_bounded():
    from api.store.compliance import KeptResults

    kept = KeptResults(max_models=2)
    for n in range(3):
        kept.put(("p", str(n)), 7, {"n": n})
    assert kept.get(("p", "0"), 7) is None and kept.get(("p", "2"), 7) == {"n": 2}
    assert kept.get(("p", "2"), 8) is None  # another generation: not reused
