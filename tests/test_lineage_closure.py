"""The lineage closure and the descendant counts stay equal to a fresh walk of the parent edges, whatever
random writes (store writes that the API makes, and bulk imports) do to the graph, on both databases."""

from __future__ import annotations

import uuid
from collections import Counter, deque

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain.errors import DomainError
from api.store import closure
from api.store import models as model_store
from api.store.bulk_import import import_items, validate
from api.store.db import get_engine
from api.store.tables import DescendantCount, LanguageModel, LineageClosure, ParentEdge

RELATIONS = ["finetune", "merge", "quantized", "adapter"]


def _expected(session: Session) -> tuple[set[tuple[str, str, int]], dict[str, int]]:
    """Every (ancestor, descendant, fewest edges) by breadth-first walks up the stored edges, and the counts."""
    parents: dict[str, list[str]] = {}
    for child, parent in session.execute(select(ParentEdge.child_id, ParentEdge.parent_id)):
        parents.setdefault(child, []).append(parent)
    pairs = set()
    for start in parents:
        depth = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for parent in parents.get(node, []):
                if parent not in depth:
                    depth[parent] = depth[node] + 1
                    queue.append(parent)
        pairs |= {(ancestor, start, d) for ancestor, d in depth.items() if ancestor != start}
    return pairs, dict(Counter(ancestor for ancestor, _, _ in pairs))


def _stored(session: Session) -> tuple[set[tuple[str, str, int]], dict[str, int]]:
    pairs = {(a, d, depth) for a, d, depth in session.execute(
        select(LineageClosure.ancestor_id, LineageClosure.descendant_id, LineageClosure.depth))}
    counts = {m: n for m, n in session.execute(select(DescendantCount.model_id, DescendantCount.descendants))}
    return pairs, counts


def _write(app, action) -> None:
    """One write in its own transaction, as a request makes it; a refused write changes nothing."""
    with Session(get_engine(app)) as session:
        try:
            action(session)
            session.commit()
        except DomainError:
            session.rollback()


def _models(app, prefix: str) -> list[str]:
    """This example's models (the draws must not depend on what earlier examples left in the database)."""
    with Session(get_engine(app)) as session:
        return sorted(session.scalars(select(LanguageModel.id).where(LanguageModel.id.startswith(prefix + "/"))))


def _step(app, data, prefix: str, number: int) -> None:
    models = _models(app, prefix)
    kinds = ["create", "bulk"] + (["add", "remove", "replace", "delete"] if models else [])
    kind = data.draw(st.sampled_from(kinds))
    some = st.lists(st.sampled_from(models), max_size=3, unique=True) if models else st.just([])
    if kind == "create":
        parents = [{"id": p, "relation": data.draw(st.sampled_from(RELATIONS)), "source": None}
                   for p in data.draw(some)]
        _write(app, lambda s: model_store.create_model(s, {"id": f"{prefix}/m{number}", "parents": parents}))
    elif kind == "bulk":  # a chain of new models, some below stored ones, written by the bulk import
        above = data.draw(some)
        records = [{"id": f"{prefix}/b{number}-0", "parents": [{"id": p, "relation": "finetune"} for p in above]},
                   {"id": f"{prefix}/b{number}-1", "parents": [{"id": f"{prefix}/b{number}-0", "relation": "adapter"}]}]
        _write(app, lambda s: import_items(s, [validate("model", r, "test") for r in records]))
    elif kind == "add":
        child, parent = data.draw(st.sampled_from(models)), data.draw(st.sampled_from(models))
        _write(app, lambda s: model_store.add_parent(s, child, {"id": parent, "relation": "merge", "source": None}))
    elif kind == "remove":
        with Session(get_engine(app)) as session:
            edges = sorted((c, p) for c, p in session.execute(
                select(ParentEdge.child_id, ParentEdge.parent_id).where(ParentEdge.child_id.startswith(prefix + "/"))))
        if edges:
            child, parent = data.draw(st.sampled_from(edges))
            _write(app, lambda s: model_store.remove_parent(s, child, parent))
    elif kind == "replace":
        child = data.draw(st.sampled_from(models))
        parents = [{"id": p, "relation": "finetune", "source": None} for p in data.draw(some)]
        _write(app, lambda s: model_store.update_model(s, child, {"parents": parents}))
    else:
        victim = data.draw(st.sampled_from(models))
        _write(app, lambda s: model_store.delete_model(s, victim))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_closure_and_counts_equal_a_fresh_walk_after_random_writes(app, data):
    prefix = "t" + uuid.uuid4().hex[:8]  # the database lives across examples; each draws among its own models
    for number in range(data.draw(st.integers(1, 12))):
        _step(app, data, prefix, number)
        with Session(get_engine(app)) as session:
            assert _stored(session) == _expected(session)


def test_rebuild_gives_the_same_closure_as_the_writes_kept(app, client):
    client.post("/v1/models", json={"id": "a/root"})
    client.post("/v1/models", json={"id": "a/mid", "parents": [{"id": "a/root", "relation": "finetune"}]})
    client.post("/v1/models", json={"id": "a/leaf", "parents": [{"id": "a/mid", "relation": "quantized"},
                                                                 {"id": "a/root", "relation": "merge"}]})
    with Session(get_engine(app)) as session:
        kept = _stored(session)
        assert kept == _expected(session)
        assert ("a/root", "a/leaf", 1) in kept[0] and kept[1] == {"a/root": 2, "a/mid": 1}
        closure.rebuild_all(session)
        session.flush()
        assert _stored(session) == kept


def test_descendant_pages_read_the_closure_and_the_kept_count(app, client):
    client.post("/v1/models", json={"id": "b/root"})
    for n in range(5):
        client.post("/v1/models", json={"id": f"b/c{n}", "parents": [{"id": "b/root", "relation": "finetune"}]})
        client.post("/v1/models", json={"id": f"b/g{n}", "parents": [{"id": f"b/c{n}", "relation": "adapter"}]})
    first = client.get("/v1/models/b/root/descendants?limit=4").json
    assert first["pagination"]["total"] == 10
    assert [row["id"] for row in first["data"]] == ["b/c0", "b/c1", "b/c2", "b/c3"]
    rest = client.get(first["pagination"]["next"] + "&limit=100").json if "limit" not in first["pagination"]["next"] \
        else client.get(first["pagination"]["next"].replace("limit=4", "limit=100")).json
    assert [row["id"] for row in rest["data"]] == ["b/c4", "b/g0", "b/g1", "b/g2", "b/g3", "b/g4"]
    g2 = next(row for row in rest["data"] if row["id"] == "b/g2")
    assert g2["depth"] == 2 and g2["path"] == ["b/root", "b/c2", "b/g2"] and g2["relations"] == ["finetune", "adapter"]
    shallow = client.get("/v1/models/b/root/descendants?max_depth=1").json
    assert shallow["pagination"]["total"] == 5 and all(row["depth"] == 1 for row in shallow["data"])
    only_adapters = client.get("/v1/models/b/c1/descendants?relation=adapter").json
    assert [row["id"] for row in only_adapters["data"]] == ["b/g1"]
    assert client.delete("/v1/models/b/g4").status_code == 204
    assert client.get("/v1/models/b/root/descendants").json["pagination"]["total"] == 9


def test_reads_take_ancestors_from_the_closure_but_a_writing_transaction_sees_its_own_edges(app, client):
    """A read asks the kept closure (no recursive walk); inside a transaction whose edge changes still wait for
    the closure's refresh at commit, the same read walks the edges, so it sees what the transaction wrote."""
    from sqlalchemy import event

    from api.store.snapshots import load_snapshot

    for model_id in ("a/base", "b/mid", "c/leaf"):
        assert client.post("/v1/models", json={"id": model_id}).status_code == 201
    assert client.post("/v1/models/b/mid/parents", json={"id": "a/base", "relation": "finetune"}).status_code == 201
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])
    event.listen(get_engine(app), "before_cursor_execute", listener)
    try:
        with Session(get_engine(app)) as session:
            assert set(load_snapshot(session, ["b/mid"], kept_closure=True).models) == {"a/base", "b/mid"}
            assert any("lineage_closure" in s for s in statements)
            assert not any("RECURSIVE" in s.upper() for s in statements)
            model_store.add_parent(session, "c/leaf", {"id": "b/mid", "relation": "adapter", "source": None})
            inside = load_snapshot(session, ["c/leaf"], kept_closure=True)
            assert set(inside.models) == {"a/base", "b/mid", "c/leaf"}
            session.rollback()
        with Session(get_engine(app)) as session:
            assert set(load_snapshot(session, ["c/leaf"], kept_closure=True).models) == {"c/leaf"}
    finally:
        event.remove(get_engine(app), "before_cursor_execute", listener)
