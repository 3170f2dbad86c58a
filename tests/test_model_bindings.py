"""Each model's stored bindings (the lineage walk's result, kept on write with the conflicts) rebuild exactly the
effective terms a fresh walk gives, and the batch compliance check answers the same from them as from a walk."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.domain.conflicts import conflicts
from api.domain.terms import binding_groups, effective_terms, from_binding_groups
from api.domain.verdicts import Use, evaluate
from api.store import migrate, model_bindings
from api.store.db import get_engine
from api.store.seed import load_catalogue
from api.store.snapshots import load_snapshot
from api.store.tables import LanguageModel, ModelBindings

OPTIONS = [(True, "caveat"), (True, "strict"), (False, "caveat"), (False, "strict")]
USES = [Use(commercial=True, monthly_active_users=800_000_000), Use(redistribute_weights=True),
        Use(train_other_models_on_outputs=True, research_only=False)]


def _without_superseded(terms: dict) -> dict:
    return {key: value for key, value in terms.items() if key != "superseded"}


def test_stored_bindings_rebuild_the_walked_terms_of_every_catalogue_model(catalogue_client):
    engine = get_engine(catalogue_client.application)
    with Session(engine) as session:
        models = sorted(session.scalars(select(LanguageModel.id)))
        stored = model_bindings.load(session, models)
        assert set(stored) == set(models)  # every model has its row
        with_data = 0
        for model in models:
            snapshot = load_snapshot(session, [model])
            assert stored[model] == binding_groups(effective_terms(snapshot)), model
            with_data += any(group[0] in ("training_data", "generator") for group in stored[model])
            for include, training_data in OPTIONS:
                walked = effective_terms(snapshot, include, training_data)
                rebuilt = from_binding_groups(model, stored[model], snapshot.licences, include, training_data)
                assert _without_superseded(rebuilt.as_dict()) == _without_superseded(walked.as_dict()), model
                assert conflicts(rebuilt) == conflicts(walked), model
                for use in USES:
                    assert evaluate(rebuilt, use) == evaluate(walked, use), (model, use)
        assert with_data > 5  # the catalogue exercises the data groups, not only models


def test_compliance_answers_the_same_from_a_walk_when_rows_are_missing(app, keeps_nothing):
    with Session(get_engine(app)) as session:
        load_catalogue(session)
        session.commit()
        models = sorted(session.scalars(select(LanguageModel.id)))
    check = {"models": models, "detail": "full", "policy": {
        "use": {"commercial": True, "monthly_active_users": 1_000_000_000, "train_other_models_on_outputs": True},
        "deny": {"licenses": ["CC-BY-NC-4.0"]}, "training_data": "strict"}}
    from_rows = keeps_nothing.post("/v1/compliance/check", json=check)
    assert from_rows.status_code == 200
    summary = from_rows.json["summary"]
    assert summary["passed"] and summary["failed"] and summary["warning"] + summary["error"] > summary["failed"]
    with Session(get_engine(app)) as session:  # written around the ORM's hooks: nothing refreshes these rows
        session.execute(delete(ModelBindings).where(ModelBindings.model_id.in_(models[::2])))
        session.commit()
        assert len(model_bindings.load(session, models)) == len(models) - len(models[::2])
    walked = keeps_nothing.post("/v1/compliance/check", json=check)
    assert walked.json == from_rows.json


def test_migration_computes_the_bindings_of_existing_models(database):
    from api.store.db import make_engine

    engine = make_engine(database.url, schema=database.schema)
    migrate.upgrade(engine, "0009_generation")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO language_models (id, name, license, placeholder, version, sources, created_at, updated_at) "
            "VALUES ('org/base', 'base', 'MIT', false, 1, '{}', '2026-01-01', '2026-01-01'), "
            "('other/child', 'child', 'Apache-2.0', false, 1, '{}', '2026-01-01', '2026-01-01')")
        connection.exec_driver_sql(
            "INSERT INTO parent_edges (child_id, parent_id, relation) VALUES ('other/child', 'org/base', 'finetune')")
    migrate.upgrade(engine)
    with Session(engine) as session:
        stored = model_bindings.load(session, ["org/base", "other/child"])
        assert stored["other/child"] == binding_groups(effective_terms(load_snapshot(session, ["other/child"])))
        assert [group[2] for group in stored["other/child"]] == ["other/child", "org/base"]
        assert [group[2] for group in stored["org/base"]] == ["org/base"]
    engine.dispose()
