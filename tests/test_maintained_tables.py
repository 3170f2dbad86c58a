"""Every table kept on write (closure and counts, conflicts, bindings) and every kept answer (the read cache) stays equal
to a fresh computation (kept compliance results too) under random model inserts, deletes, edge changes, relicensing and licence-term
changes, on both databases."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain.terms import binding_groups, effective_terms
from api.store import licences as licence_store
from api.store import model_bindings
from api.store import models as model_store
from api.store.bulk_import import import_items, validate
from api.store.conflict_index import model_rows
from api.store.db import get_engine
from api.store.snapshots import load_snapshot
from api.store.tables import LanguageModel, ModelConflict
from tests.test_lineage_closure import _expected, _stored, _write

RELATIONS = ["finetune", "merge", "quantized", "adapter"]


def _terms(commercial: str) -> dict:
    return {"commercial_use": {"value": commercial}, "redistribution": {"value": "allowed"}}


def _licences(app, prefix: str) -> list[str]:
    """Two licences of this example: one that binds derivatives and forbids commercial use, one loose."""
    strict, loose = f"{prefix}-Strict", f"{prefix}-Loose"
    _write(app, lambda s: licence_store.create_licence(s, {
        "id": strict, "name": strict, "binds_derivatives": {"value": True}, "terms": _terms("forbidden")}))
    _write(app, lambda s: licence_store.create_licence(s, {
        "id": loose, "name": loose, "binds_derivatives": {"value": True}, "terms": _terms("allowed")}))
    return [strict, loose]


def _models(app, prefix: str) -> list[str]:
    with Session(get_engine(app)) as session:
        return sorted(session.scalars(select(LanguageModel.id).where(LanguageModel.id.startswith(prefix))))


def _step(app, data, prefix: str, number: int, licences: list[str]) -> str:
    """One random write. Models sit in three organisations (rights holders), so that terms pass between them."""
    models = _models(app, prefix)
    org = prefix + data.draw(st.sampled_from("abc"))
    kinds = ["create", "bulk", "terms"] + (["add", "remove", "relicense", "delete"] if models else [])
    kind = data.draw(st.sampled_from(kinds))
    some = st.lists(st.sampled_from(models), max_size=3, unique=True) if models else st.just([])
    licence = st.sampled_from([*licences, None])
    if kind == "create":
        parents = [{"id": p, "relation": data.draw(st.sampled_from(RELATIONS)), "source": None}
                   for p in data.draw(some)]
        record = {"id": f"{org}/m{number}", "license": data.draw(licence), "parents": parents}
        _write(app, lambda s: model_store.create_model(s, record))
    elif kind == "bulk":
        above = data.draw(some)
        records = [{"id": f"{org}/b{number}-0", "license": data.draw(licence),
                    "parents": [{"id": p, "relation": "finetune"} for p in above]},
                   {"id": f"{prefix}z/b{number}-1", "license": data.draw(licence),
                    "parents": [{"id": f"{org}/b{number}-0", "relation": "adapter"}]}]
        _write(app, lambda s: import_items(s, [validate("model", r, "test") for r in records]))
    elif kind == "terms":  # the loose licence's commercial-use term changes under every model that uses it
        value = data.draw(st.sampled_from(["allowed", "forbidden", "unknown"]))
        _write(app, lambda s: licence_store.update_licence(s, licences[1], {"terms": _terms(value)}))
    elif kind == "add":
        child, parent = data.draw(st.sampled_from(models)), data.draw(st.sampled_from(models))
        _write(app, lambda s: model_store.add_parent(s, child, {"id": parent, "relation": "merge", "source": None}))
    elif kind == "remove":
        child = data.draw(st.sampled_from(models))
        _write(app, lambda s: model_store.update_model(s, child, {"parents": [
            {"id": p, "relation": "finetune", "source": None} for p in data.draw(some)]}))
    elif kind == "relicense":
        model = data.draw(st.sampled_from(models))
        _write(app, lambda s: model_store.update_model(s, model, {"license": data.draw(licence)}))
    else:
        victim = data.draw(st.sampled_from(models))
        _write(app, lambda s: model_store.delete_model(s, victim))
    return kind


def _stored_conflicts(session: Session, models: list[str]) -> dict[str, list]:
    return {row.model_id: row.conflicts for row in session.scalars(
        select(ModelConflict).where(ModelConflict.model_id.in_(models)))}


def _fresh_conflicts(session: Session, models: list[str]) -> dict[str, list]:
    rows = model_rows(load_snapshot(session, models), models) if models else []
    return {row["model_id"]: row["conflicts"] for row in rows}


def _fresh_bindings(session: Session, models: list[str]) -> dict[str, list]:
    return {model: binding_groups(effective_terms(load_snapshot(session, [model]))) for model in models}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_kept_tables_and_kept_answers_equal_a_fresh_computation_after_random_writes(app, client, keeps_nothing, data):
    prefix = "k" + uuid.uuid4().hex[:8]  # the database lives across examples; each draws among its own records
    licences = _licences(app, prefix)
    kinds = set()
    for number in range(data.draw(st.integers(2, 12))):
        models = _models(app, prefix)
        watched = [f"/v1/models/{m}/permitted-use?commercial=true" for m in models[:3]]
        watched += [f"/v1/models/{m}/terms" for m in models[:3]] + ["/v1/conflicts?limit=500"]
        check = {"models": models[:4], "policy": {"use": {"commercial": True}}, "detail": "full"}
        for path in watched:
            client.get(path)  # kept by the app's read cache, to be ended by the write
        client.post("/v1/compliance/check", json=check)  # each model's result kept, to be ended by the write
        kinds.add(_step(app, data, prefix, number, licences))
        models = _models(app, prefix)
        with Session(get_engine(app)) as session:
            assert _stored(session) == _expected(session)
            assert _stored_conflicts(session, models) == _fresh_conflicts(session, models)
            assert model_bindings.load(session, models) == _fresh_bindings(session, models)
        for path in watched:
            kept, fresh = client.get(path), keeps_nothing.get(path)
            assert (kept.status_code, kept.json) == (fresh.status_code, fresh.json), path
        kept, fresh = client.post("/v1/compliance/check", json=check), keeps_nothing.post("/v1/compliance/check", json=check)
        assert (kept.status_code, kept.json) == (fresh.status_code, fresh.json)
    assert kinds  # every example wrote something


def test_the_random_writes_reach_conflicts(app):
    """The property above is only as good as its writes: they must be able to make and end conflicts."""
    prefix = "k" + uuid.uuid4().hex[:8]
    strict, loose = _licences(app, prefix)
    _write(app, lambda s: model_store.create_model(s, {"id": f"{prefix}a/m0", "license": strict}))
    _write(app, lambda s: model_store.create_model(s, {"id": f"{prefix}b/m1", "license": loose, "parents": [
        {"id": f"{prefix}a/m0", "relation": "finetune", "source": None}]}))
    models = _models(app, prefix)
    with Session(get_engine(app)) as session:
        assert set(_stored_conflicts(session, models)) == {f"{prefix}b/m1"}
    _write(app, lambda s: licence_store.update_licence(s, loose, {"terms": _terms("forbidden")}))
    with Session(get_engine(app)) as session:
        assert _stored_conflicts(session, models) == {} == _fresh_conflicts(session, models)
