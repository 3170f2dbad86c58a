"""Ancestors, descendants (cursor pages over a 10,000-model fan-out) and the lineage graph."""

import pydot
import pytest
from sqlalchemy.orm import Session

from api.store.bulk_import import import_items, validate
from api.store.db import get_engine
from tests.helpers import assert_problem, post_model


@pytest.fixture
def family(client):
    """base ← ft (finetune) ← q (quantized); base ← other (adapter); m merges ft and other."""
    post_model(client, "org/base")
    post_model(client, "org/ft", parents=[{"id": "org/base", "relation": "finetune"}])
    post_model(client, "org/q", parents=[{"id": "org/ft", "relation": "quantized"}])
    post_model(client, "org/other", parents=[{"id": "org/base", "relation": "adapter"}])
    post_model(client, "org/m", parents=[{"id": "org/ft", "relation": "merge"}, {"id": "org/other", "relation": "merge"}])
    return client


def test_ancestors_with_depth_path_and_filters(family):
    rows = family.get("/v1/models/org/m/ancestors").json["data"]
    assert [(r["id"], r["depth"]) for r in rows] == [("org/ft", 1), ("org/other", 1), ("org/base", 2)]
    base = rows[2]
    assert base["path"] == ["org/m", "org/ft", "org/base"] and base["relations"] == ["merge", "finetune"]
    assert [r["id"] for r in family.get("/v1/models/org/m/ancestors?max_depth=1").json["data"]] == ["org/ft", "org/other"]
    only = family.get("/v1/models/org/q/ancestors?relation=quantized").json["data"]
    assert [r["id"] for r in only] == ["org/ft"]
    both = family.get("/v1/models/org/q/ancestors?relation=quantized&relation=finetune").json["data"]
    assert [r["id"] for r in both] == ["org/ft", "org/base"]
    assert family.get("/v1/models/org/base/ancestors").json["data"] == []
    assert_problem(family.get("/v1/models/org/m/ancestors?max_depth=0"), 422)
    assert_problem(family.get("/v1/models/org/m/ancestors?relation=cousin"), 422)
    assert_problem(family.get("/v1/models/org/zzz/ancestors"), 404)


def test_descendants_with_depth_filters_and_paths(family):
    body = family.get("/v1/models/org/base/descendants").json
    rows = {r["id"]: r for r in body["data"]}
    assert body["pagination"]["total"] == 4
    assert rows["org/q"]["depth"] == 2 and rows["org/q"]["path"] == ["org/base", "org/ft", "org/q"]
    assert rows["org/q"]["relations"] == ["finetune", "quantized"]
    assert rows["org/m"]["depth"] == 2
    shallow = family.get("/v1/models/org/base/descendants?max_depth=1").json["data"]
    assert [r["id"] for r in shallow] == ["org/ft", "org/other"]
    adapters = family.get("/v1/models/org/base/descendants?relation=adapter").json["data"]
    assert [r["id"] for r in adapters] == ["org/other"]


def test_lineage_graph_json_mermaid_and_dot(family):
    graph = family.get("/v1/models/org/ft/lineage?up=5&down=5").json
    ids = [n["id"] for n in graph["nodes"]]
    assert ids[0] == "org/ft" and set(ids) == {"org/ft", "org/base", "org/q", "org/m"}
    edges = {(ids[e["from"]], ids[e["to"]], e["relation"]) for e in graph["edges"]}
    assert edges == {("org/ft", "org/base", "finetune"), ("org/q", "org/ft", "quantized"), ("org/m", "org/ft", "merge")}
    assert graph["truncated"] is False
    up_only = family.get("/v1/models/org/m/lineage?up=1&down=0").json
    assert {n["id"] for n in up_only["nodes"]} == {"org/m", "org/ft", "org/other"}

    dot = family.get("/v1/models/org/m/lineage?format=dot")
    assert dot.mimetype == "text/vnd.graphviz"
    (parsed,) = pydot.graph_from_dot_data(dot.get_data(as_text=True))
    labels = {node.get_name(): node.get_label().strip('"').split("\\n")[0] for node in parsed.get_nodes()
              if node.get_name() not in ("node", "graph", "edge")}
    parsed_edges = {(labels[e.get_source()], labels[e.get_destination()], e.get_label().strip('"'))
                    for e in parsed.get_edges()}
    assert ("org/m", "org/ft", "merge") in parsed_edges and ("org/ft", "org/base", "finetune") in parsed_edges
    assert labels["n0"] == "org/m"

    mermaid = family.get("/v1/models/org/m/lineage?format=mermaid").get_data(as_text=True)
    assert mermaid.startswith("graph BT") and 'n0["org/m"]' in mermaid and "-->|merge|" in mermaid


def test_descendant_pages_over_a_10000_model_fan_out(app, client):
    """root → 100 children → 99 grandchildren each: 10,000 descendants, walked with the cursor."""
    children = [f"fan/c{i:03d}" for i in range(100)]
    grandchildren = [(f"fan/g{i:03d}-{j:02d}", child) for i, child in enumerate(children) for j in range(99)]
    records = [{"id": "fan/root"}, *({"id": c, "parents": [{"id": "fan/root", "relation": "finetune"}]} for c in children),
               *({"id": g, "parents": [{"id": p, "relation": "quantized"}]} for g, p in grandchildren)]
    with Session(get_engine(app)) as session:  # as `flask import-jsonl` loads them
        import_items(session, [validate("model", record, f"record {n}") for n, record in enumerate(records)])
        session.commit()
    seen, link, pages = [], "/v1/models/fan/root/descendants?limit=500", 0
    while link:
        body = client.get(link).json
        assert body["pagination"]["total"] == 10_000
        seen += [(r["id"], r["depth"]) for r in body["data"]]
        link = body["pagination"]["next"]
        pages += 1
    assert pages == 20 and len(seen) == 10_000 and len({i for i, _ in seen}) == 10_000
    assert [i for i, _ in seen] == sorted(i for i, _ in seen)
    depths = dict(seen)
    assert depths["fan/c042"] == 1 and depths["fan/g042-17"] == 2
    page = client.get("/v1/models/fan/root/descendants?limit=3&relation=finetune").json
    assert page["pagination"]["total"] == 100
    assert page["data"][0] == {"id": "fan/c000", "depth": 1, "path": ["fan/root", "fan/c000"], "relations": ["finetune"]}
    graph = client.get("/v1/models/fan/root/lineage?down=2").json
    assert graph["truncated"] is True and len(graph["edges"]) == 5000
