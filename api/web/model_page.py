"""Everything the model page shows, gathered in a fixed number of queries (no query per node)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from api.domain.conflicts import conflicts as find_conflicts
from api.domain.layout import Drawing, layout
from api.domain.lineage import ParentLink, model_depths
from api.domain.vocabulary import TERM_NAMES
from api.store.models import get_model
from api.store.pages import direct_children
from api.store.snapshots import load_snapshot
from api.web import engine
from api.web.forms import UseForm

CHILDREN_SHOWN = 6  # direct descendants drawn in the diagram; the rest are listed in pages
CHILDREN_PAGE = 25


@dataclass
class ModelPage:
    model: Any
    drawing: Drawing
    labels: dict[str, dict[str, Any]]
    verdicts: dict[str, str]
    ancestors: list[dict[str, Any]]
    children: list[dict[str, Any]]
    children_total: int
    children_next: str | None
    children_after: str | None
    hidden_children: int
    effective: dict[str, Any]
    conflicts: list[dict[str, Any]]
    caveats: list[dict[str, Any]]
    form: UseForm
    result: dict[str, Any] | None
    licence_ids: list[str] = field(default_factory=list)


def distinct_sources(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per licence fact (licence, value, source, note), the nearest record first, with how many
    more records down the lineage carry the same fact (a chain of Llama fine-tunes repeats it on each)."""
    kept: dict[tuple, dict[str, Any]] = {}
    for source in sources:
        key = (source["license"], repr(source["value"]), source.get("source"), source.get("note"), source["role"])
        if key in kept:
            kept[key]["also"] += 1
        else:
            kept[key] = {**source, "also": 0}
    return list(kept.values())


def build(session: Session, model_id: str, form: UseForm, children_after: str | None) -> ModelPage:
    model = get_model(session, model_id)
    listed = direct_children(session, model_id, limit=CHILDREN_PAGE, after=children_after)
    children = [{"id": child, "relations": [relation]} for child, relation in listed.items]
    # One snapshot holds everything above the model and above each listed child: no query per node.
    snapshot = load_snapshot(session, [model_id, *(c["id"] for c in children)], kept_closure=True)
    found = model_depths(snapshot.parents, model_id)
    links = [link for link in snapshot.parents if link.child == model_id or link.child in found]
    ancestors = sorted(
        ({"id": node, "depth": depth, "path": path, "relations": rels} for node, (depth, path, rels) in found.items()),
        key=lambda row: (row["depth"], row["id"]),
    )
    drawn_children = children[:CHILDREN_SHOWN]
    child_links = [ParentLink(c["id"], model_id, c["relations"][0]) for c in drawn_children]
    shown = [model_id, *found, *(c["id"] for c in children)]
    verdicts = engine.commercial_verdicts(snapshot, shown, strict=form.strict)
    labels = {
        node: {"name": snapshot.models[node].name, "license": snapshot.models[node].license,
               "placeholder": snapshot.models[node].placeholder}
        for node in shown if node in snapshot.models
    }
    effective = engine.effective_from_snapshot(snapshot, strict=form.strict)
    # The model's own badge straight from the engine, as the permitted-use endpoint answers it.
    verdicts[model_id] = engine.verdict(effective, engine.use(commercial=True, strict=form.strict))["verdict"]
    result = engine.verdict(effective, form.use()) if form.submitted and form.valid else None
    as_dict = effective.as_dict()
    as_dict["rows"] = [{"term": term, "value": as_dict["terms"][term]["value"],
                        "sources": distinct_sources(as_dict["terms"][term]["sources"])}
                       for term in TERM_NAMES if term in as_dict["terms"]]
    return ModelPage(
        model=model,
        drawing=layout(model_id, links + child_links),
        labels=labels,
        verdicts=verdicts,
        ancestors=ancestors,
        children=children,
        children_total=listed.total,
        children_next=listed.next_after,
        children_after=children_after,
        hidden_children=max(0, listed.total - len(drawn_children)),
        effective=as_dict,
        conflicts=find_conflicts(effective),
        caveats=as_dict.get("caveats", []),
        form=form,
        result=result,
        licence_ids=model.licence_ids,
    )
