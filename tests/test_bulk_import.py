"""The bulk import (`flask import-jsonl`, and the catalogue load that runs through it) on both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.catalogue import read_catalogue
from api.store import audit
from api.store import datasets as dataset_store
from api.store import licences as licence_store
from api.store import models as model_store
from api.store.db import get_engine
from api.store.seed import CATALOGUE_ONLY_KEYS, load_catalogue
from api.store.tables import AuditEvent, Base
from schemas.datasets import DatasetSchema
from schemas.licences import LicenceSchema
from schemas.models import LanguageModelSchema

STRICT = {"kind": "license", "id": "LicenseRef-strict", "name": "Strict", "aliases": ["strict-1"],
          "terms": {"commercial_use": {"value": "forbidden"}}, "binds_derivatives": {"value": True}}
LOOSE = {"kind": "license", "id": "LicenseRef-loose", "name": "Loose",
         "terms": {"commercial_use": {"value": "allowed"}}, "binds_derivatives": {"value": False}}
RECORDS = [
    # children before parents and datasets before their generator: the file's order does not matter
    {"id": "y/leaf", "license": "licenseref-loose", "parents": [{"id": "X/MID", "relation": "quantized"}]},
    {"id": "x/mid", "license": "LicenseRef-loose", "parents": [{"id": "org/base", "relation": "finetune"}],
     "datasets": [{"id": "org/chats", "stage": "finetuning"}], "aliases": ["x/mid-old"]},
    {"kind": "dataset", "id": "org/chats", "license": "strict-1", "generated_by": "org/base"},
    {"id": "org/base", "name": "Base", "license": "LicenseRef-strict"},
    LOOSE,
    STRICT,
]


def _jsonl(records) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def _import(app, tmp_path, records, name="records.jsonl"):
    path = tmp_path / name
    path.write_text(records if isinstance(records, str) else _jsonl(records), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import-jsonl", str(path)])


def _count(app, table) -> int:
    with Session(get_engine(app)) as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_file_imports_whole_with_edges_aliases_normalised_licences_and_conflicts(app, client, tmp_path):
    result = _import(app, tmp_path, RECORDS)
    assert result.exit_code == 0, result.output + result.stderr
    assert "models: 3 created, 0 updated, 0 unchanged" in result.output
    assert "licenses: 2 created" in result.output and "datasets: 1 created" in result.output

    leaf = client.get("/v1/models/y/leaf").json
    assert leaf["license"] == "LicenseRef-loose"  # normalised to the licence's id
    assert leaf["parents"] == [{"id": "x/mid", "relation": "quantized", "source": None}]  # another case: linked
    assert client.get("/v1/models/x/mid-old").json["id"] == "x/mid"
    assert client.get("/v1/datasets/org/chats").json["generated_by"] == "org/base"
    assert client.get("/v1/licenses/LicenseRef-strict").json["aliases"] == ["strict-1"]
    # the licences below a strict base are inherited, so both looser declarations are conflicts
    conflicts = {row["model"] for row in client.get("/v1/conflicts").json["data"]}
    assert conflicts == {"x/mid", "y/leaf"}
    verdict = client.get("/v1/models/y/leaf/permitted-use?commercial=true").json
    assert verdict["verdict"] == "forbidden"
    history = client.get("/v1/models/x/mid/history").json["data"]
    assert [(event["action"], event["actor"]) for event in history] == [("create", "import-jsonl")]
    assert history[0]["after"]["parents"] == [{"id": "org/base", "relation": "finetune", "source": None}]


def test_a_second_import_of_the_same_file_changes_nothing(app, tmp_path):
    assert _import(app, tmp_path, RECORDS).exit_code == 0
    events = _count(app, AuditEvent)
    again = _import(app, tmp_path, RECORDS)
    assert again.exit_code == 0, again.output + again.stderr
    assert "models: 0 created, 0 updated, 3 unchanged" in again.output
    assert "licenses: 0 created, 0 updated, 2 unchanged" in again.output
    assert _count(app, AuditEvent) == events


def test_an_existing_record_is_updated_through_the_store_and_logged(app, client, tmp_path):
    assert _import(app, tmp_path, RECORDS).exit_code == 0
    changed = [record for record in RECORDS if record.get("id") != "y/leaf"]
    changed.append({"id": "y/leaf", "license": "LicenseRef-strict", "parents": [{"id": "x/mid", "relation": "adapter"}]})
    result = _import(app, tmp_path, changed)
    assert "models: 0 created, 1 updated, 2 unchanged" in result.output, result.output + result.stderr
    leaf = client.get("/v1/models/y/leaf").json
    assert leaf["license"] == "LicenseRef-strict" and leaf["parents"][0]["relation"] == "adapter"
    assert [e["action"] for e in client.get("/v1/models/y/leaf/history").json["data"]] == ["create", "update"]
    assert "y/leaf" not in {row["model"] for row in client.get("/v1/conflicts").json["data"]}


@pytest.mark.parametrize(("bad_line", "needle"), [
    ('{"id": "a/b", "license": ', "line 3: not valid JSON"),
    ('["a/b"]', "line 3: expected a JSON object"),
    ('{"kind": "tool", "id": "a/b"}', "line 3: 'kind' must be one of"),
    ('{"id": "a/b", "parents": [{"id": "nobody/here", "relation": "finetune"}]}',
     "line 3: model 'a/b': Unknown references: model 'nobody/here' does not exist"),
    ('{"id": "a/b", "license": "WTFPL-ish"}', "line 3: model 'a/b': Unknown licence id(s) in 'license': WTFPL-ish"),
    ('{"id": "a/b", "relation": "finetune"}', "line 3: model 'a/b': {'relation': ['Unknown field.']}"),
    ('{"id": "ORG/BASE"}', "line 3: model 'ORG/BASE': the same model is also at line"),
])
def test_a_bad_line_is_reported_by_number_and_nothing_is_imported(app, tmp_path, bad_line, needle):
    text = _jsonl([STRICT, {"id": "org/base", "license": "LicenseRef-strict"}]) + bad_line + "\n" + _jsonl([LOOSE])
    events = _count(app, AuditEvent)
    result = _import(app, tmp_path, text)
    assert result.exit_code == 1
    assert needle in result.stderr, result.stderr
    assert "nothing imported" in result.stderr
    assert _count(app, Base.metadata.tables["language_models"]) == 0
    assert _count(app, Base.metadata.tables["licences"]) == 0
    assert _count(app, AuditEvent) == events


def test_a_cycle_in_the_file_is_refused_with_its_path(app, tmp_path):
    records = [{"id": "a/one", "parents": [{"id": "a/two", "relation": "finetune"}]},
               {"id": "a/two", "parents": [{"id": "a/one", "relation": "merge"}]}]
    result = _import(app, tmp_path, records)
    assert result.exit_code == 1
    assert "close a cycle" in result.stderr and "a/one" in result.stderr and "a/two" in result.stderr
    assert _count(app, Base.metadata.tables["language_models"]) == 0


def test_a_new_id_that_names_a_stored_model_in_another_case_is_refused(app, client, tmp_path):
    client.post("/v1/models", json={"id": "acme/model"})
    result = _import(app, tmp_path, [{"id": "Acme/Model"}, {"id": "acme/other"}])
    assert result.exit_code == 1
    assert "line 1: model 'Acme/Model': already exists as 'acme/model'" in result.stderr
    assert client.get("/v1/models/acme/other").status_code == 404


# --- the catalogue: the bulk path writes what one write at a time through the store writes ---------------------

def _one_at_a_time(session: Session) -> None:
    """The oracle: every catalogue record through the store's create functions, as the API writes them."""
    catalogue = read_catalogue()

    def clean(record):
        return {key: value for key, value in record.items() if key not in CATALOGUE_ONLY_KEYS}

    for record in catalogue["licences"]:
        licence_store.create_licence(session, LicenceSchema().load(clean(record)))
    generators = {}
    for record in catalogue["datasets"]:
        data = DatasetSchema().load(clean(record))
        generators[data["id"]] = data.pop("generated_by", None)
        dataset_store.create_dataset(session, data)
    models = {record["id"]: LanguageModelSchema().load(clean(record)) for record in catalogue["models"]}
    done: set[str] = set()

    def create(model_id):
        if model_id in done:
            return
        for parent in models[model_id]["parents"]:
            if parent["id"] in models:
                create(parent["id"])
        model_store.create_model(session, models[model_id])
        done.add(model_id)

    for model_id in sorted(models):
        create(model_id)
    for dataset_id, generator in generators.items():
        if generator:
            dataset_store.update_dataset(session, dataset_id, {"generated_by": generator})


_VOLATILE = {"created_at", "updated_at", "recorded_at", "version"}


def _contents(app) -> dict[str, list[str]]:
    with Session(get_engine(app)) as session:
        return {
            table.name: sorted(repr(row) for row in session.execute(
                select(*[column for column in table.c if column.name not in _VOLATILE])))
            for table in Base.metadata.sorted_tables if table.name not in ("audit_events", "api_tokens")
        }


def _logged_states(app) -> dict[tuple[str, str], dict]:
    """The last logged state of each record."""
    with Session(get_engine(app)) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return {(event.resource_type, event.resource_id): event.after for event in events}


def test_the_catalogue_loads_in_bulk_as_the_store_writes_it_one_record_at_a_time(app, database, tmp_path):
    from tests.conftest import Database, _migrated_app

    with Session(get_engine(app)) as session:
        counts = load_catalogue(session)
        session.commit()
    assert counts["models"] > 700
    (tmp_path / "oracle").mkdir()
    other_db = Database(database.backend, tmp_path / "oracle")
    oracle = _migrated_app(other_db)
    try:
        with Session(get_engine(oracle)) as session:
            reset = audit.current_actor.set("catalogue")
            _one_at_a_time(session)
            session.commit()
            audit.current_actor.reset(reset)
        bulk, one_by_one = _contents(app), _contents(oracle)
        for table in bulk:
            assert bulk[table] == one_by_one[table], table
        assert _logged_states(app) == _logged_states(oracle)
    finally:
        get_engine(oracle).dispose()
        other_db.drop()


def test_a_large_import_refreshes_planner_statistics_and_keeps_every_derived_table_right(app, client, tmp_path):
    """12,000 models: past the size at which PostgreSQL is told (ANALYZE, inside the import's transaction)
    what was written before the closure and conflict walks, and past many conflict chunks. A chain of 20 under
    a strict base, the rest fanned out below it: every one inherits the strict licence and declares a loose one."""
    from api.store import bulk_import

    count = bulk_import.STATISTICS_AFTER + 2_000
    records = [STRICT, LOOSE, {"id": "org/base", "license": "LicenseRef-strict"}]
    records += [{"id": f"c{i // 1000}/m{i:05d}", "license": "LicenseRef-loose",
                 "parents": [{"id": "org/base" if i == 0 else f"c0/m{i - 1:05d}" if i < 20
                             else f"c0/m{i % 20:05d}", "relation": "finetune"}]} for i in range(count - 1)]
    result = _import(app, tmp_path, records)
    assert result.exit_code == 0, result.output + result.stderr
    assert f"models: {count} created" in result.output
    assert client.get("/v1/models/c0/m00019/ancestors").json["pagination"]["total"] == 20
    assert client.get("/v1/models/org/base/descendants?limit=1").json["pagination"]["total"] == count - 1
    assert client.get("/v1/conflicts?limit=1").json["pagination"]["total"] == count - 1
    assert client.get(f"/v1/models/c11/m{count - 2:05d}/permitted-use?commercial=true").json["verdict"] == "forbidden"
    # A full batch reads a snapshot of more ids than one query may carry (api/store/snapshots.py IDS_PER_QUERY).
    from api.store.snapshots import IDS_PER_QUERY

    batch = [f"c{i // 1000}/m{i:05d}" for i in range(count - 1 - 10_000, count - 1)]
    assert len(set(batch)) + 21 > IDS_PER_QUERY
    report = client.post("/v1/compliance/check", json={"models": batch, "policy": {"use": {"commercial": True}}}).json
    assert report["summary"]["models"] == 10_000 and report["summary"]["failed"] == 10_000
    assert {m["verdict"] for m in report["models"]} == {"forbidden"}
