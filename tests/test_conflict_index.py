"""`GET /v1/conflicts` reads a table kept current on every write (graph, model licence, licence terms, data)."""

from sqlalchemy.orm import Session

from api.store import conflict_index
from api.store.db import get_engine
from api.store.tables import ModelConflict
from tests.helpers import post_dataset, post_licence, post_model


def _terms(commercial: str) -> dict:
    return {"commercial_use": {"value": commercial}}


def _listed(client, query: str = "") -> dict:
    body = client.get(f"/v1/conflicts?limit=500{query}").json
    return {row["model"]: row for row in body["data"]}


def _per_model(client, ids) -> dict:
    out = {}
    for model_id in ids:
        rows = client.get(f"/v1/models/{model_id}/conflicts").json["data"]
        if rows:
            out[model_id] = rows[0]
    return out


def _setup(client):
    post_licence(client, "Strict", terms=_terms("forbidden"), binds_derivatives={"value": True})
    post_licence(client, "Loose", terms=_terms("allowed"), binds_derivatives={"value": False})
    post_model(client, "org/base", license="Strict")
    post_model(client, "x/mid", license="Loose", parents=[{"id": "org/base", "relation": "finetune"}])
    post_model(client, "y/leaf", license="Loose", parents=[{"id": "x/mid", "relation": "quantized"}])
    post_model(client, "z/apart", license="Loose")


def test_graph_writes_keep_the_conflicts_current(client):
    _setup(client)
    assert set(_listed(client)) == {"x/mid", "y/leaf"}
    leaf = _listed(client)["y/leaf"]["conflicts"][0]
    assert leaf["term"] == "commercial_use" and leaf["declared"] == "allowed" and leaf["inherited"] == "forbidden"

    # removing the edge frees everything below it; adding it back brings the conflicts back
    assert client.delete("/v1/models/x/mid/parents/org/base").status_code == 204
    assert _listed(client) == {}
    assert client.post("/v1/models/x/mid/parents", json={"id": "org/base", "relation": "finetune"}).status_code == 201
    assert set(_listed(client)) == {"x/mid", "y/leaf"}

    # a model's own licence change: the leaf now declares what it inherits
    assert client.patch("/v1/models/y/leaf", json={"license": "Strict"}).status_code == 200
    assert set(_listed(client)) == {"x/mid"}

    # a new model below the chain is listed at once; deleting it removes its row
    post_model(client, "w/new", license="Loose", parents=[{"id": "y/leaf", "relation": "adapter"}])
    assert set(_listed(client)) == {"x/mid", "w/new"}
    assert client.delete("/v1/models/w/new").status_code == 204
    assert set(_listed(client)) == {"x/mid"}


def test_a_licence_terms_change_recomputes_every_model_below_it(client):
    _setup(client)
    assert client.patch("/v1/licenses/Strict", json={"terms": _terms("allowed")}).status_code == 200
    assert _listed(client) == {}
    assert client.patch("/v1/licenses/Strict", json={"terms": _terms("forbidden")}).status_code == 200
    assert set(_listed(client)) == {"x/mid", "y/leaf"}
    # the name of a licence does not matter to conflicts, and changing it leaves the table as it was
    assert client.patch("/v1/licenses/Strict", json={"name": "Strict, renamed"}).status_code == 200
    assert set(_listed(client)) == {"x/mid", "y/leaf"}


def test_training_data_and_its_licence_are_followed(client):
    _setup(client)
    post_dataset(client, "org/data", license="Loose")
    post_model(client, "v/trained", license="Loose", datasets=[{"id": "org/data", "stage": "finetuning"}])
    post_model(client, "v/below", license="Loose", parents=[{"id": "v/trained", "relation": "finetune"}])
    assert "v/trained" not in _listed(client)
    assert client.patch("/v1/datasets/org/data", json={"license": "Strict"}).status_code == 200
    assert {"v/trained", "v/below"} <= set(_listed(client))
    # a generator's licence reaches the models trained on what it generated
    post_dataset(client, "org/synthetic", license="Loose", generated_by="z/apart")
    post_model(client, "u/student", license="Loose", datasets=[{"id": "org/synthetic", "stage": "finetuning"}])
    assert client.patch("/v1/models/z/apart", json={"license": "Strict"}).status_code == 200
    assert client.patch("/v1/licenses/Strict", json={"terms": _terms("allowed")}).status_code == 200
    assert client.patch("/v1/licenses/Strict", json={"terms": _terms("forbidden")}).status_code == 200
    found = _listed(client)
    assert found == _per_model(client, ["org/base", "x/mid", "y/leaf", "z/apart", "v/trained", "v/below",
                                        "u/student"])


def test_filters_and_pages_read_the_table(client):
    _setup(client)
    assert client.patch("/v1/models/x/mid", json={"organisation": "Acme"}).status_code == 200
    assert set(_listed(client, "&organisation=acme")) == {"x/mid"}
    assert set(_listed(client, "&license=Strict")) == {"x/mid", "y/leaf"}
    assert _listed(client, "&license=MIT") == {}
    first = client.get("/v1/conflicts?limit=1").json
    assert first["pagination"]["total"] == 2 and [r["model"] for r in first["data"]] == ["x/mid"]
    second = client.get(first["pagination"]["next"]).json
    assert [r["model"] for r in second["data"]] == ["y/leaf"] and second["pagination"]["next"] is None


def test_the_table_matches_a_full_recomputation_after_many_writes(client, app):
    _setup(client)
    for index in range(12):
        parent = "org/base" if index % 3 == 0 else f"m/{index - 1}"
        post_model(client, f"m/{index}", license="Loose" if index % 2 else "Strict",
                   parents=[{"id": parent, "relation": "finetune"}])
    assert client.patch("/v1/models/m/3", json={"license": "Strict"}).status_code == 200
    assert client.delete("/v1/models/m/4/parents/m/3").status_code == 204
    kept = _listed(client)
    with Session(get_engine(app)) as session:
        conflict_index.rebuild_all(session)
        session.commit()
    assert _listed(client) == kept
    assert kept == _per_model(client, ["org/base", "x/mid", "y/leaf"] + [f"m/{i}" for i in range(12)])


def test_a_failed_write_leaves_the_table_as_it_was(client):
    _setup(client)
    before = _listed(client)
    response = client.post("/v1/models", json={"id": "q/bad", "license": "Loose",
                                               "parents": [{"id": "x/mid", "relation": "finetune"},
                                                           {"id": "no/such", "relation": "finetune"}]})
    assert response.status_code == 422
    assert _listed(client) == before


def test_the_rebuild_command_recomputes_the_table(client, app):
    _setup(client)
    with Session(get_engine(app)) as session:
        session.execute(ModelConflict.__table__.delete())
        session.commit()
    assert _listed(client) == {}
    result = app.test_cli_runner().invoke(args=["conflicts", "rebuild"])
    assert result.exit_code == 0 and "2 models with conflicts" in result.output
    assert set(_listed(client)) == {"x/mid", "y/leaf"}


def test_reading_conflicts_costs_a_page_not_the_graph(client, app, database):
    """The reported stall: every call recomputed every model. Now a read is a few indexed statements,
    and models written behind the ORM's back (never recomputed) are simply not in the table."""
    from sqlalchemy import event, insert

    from api.store.db import make_engine
    from api.store.tables import LanguageModel, ModelLicence, ParentEdge

    _setup(client)
    engine = make_engine(database.url, schema=database.schema)
    rows = [{"id": f"bulk/m{i:05d}", "license": "Loose", "placeholder": False, "sources": {}, "version": 1}
            for i in range(2000)]
    with engine.begin() as connection:
        connection.execute(insert(LanguageModel), rows)
        connection.execute(insert(ModelLicence), [{"model_id": r["id"], "licence_id": "Loose"} for r in rows])
        connection.execute(insert(ParentEdge), [{"child_id": r["id"], "parent_id": "org/base", "relation": "finetune"}
                                                for r in rows])
    engine.dispose()
    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(get_engine(app), "before_cursor_execute", listener)
    try:
        page = client.get("/v1/conflicts?limit=1").json
    finally:
        event.remove(get_engine(app), "before_cursor_execute", listener)
    assert page["pagination"]["total"] == 2 and [r["model"] for r in page["data"]] == ["x/mid"]
    reads = [s for s in statements if "model_conflicts" in s]
    assert len(statements) <= 6 and len(reads) == 2, statements  # the count and the page; auth aside
    assert not any("parent_edges" in s for s in statements)
    with Session(get_engine(app)) as session:  # what the migration does for an existing database
        conflict_index.rebuild_all(session)
        session.commit()
    assert client.get("/v1/conflicts?limit=1").json["pagination"]["total"] == 2002
