"""Lineage and permitted-use answers: load a snapshot from the database, hand it to the pure domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain import render
from api.domain.lineage import model_depths
from api.domain.terms import EffectiveTerms, effective_terms
from api.errors import not_found
from api.store import conflict_index
from api.store.common import Page, resolve_model_id, resolve_one_licence
from api.store.lineage import ancestor_links, descendant_links, descendants_page
from api.store.snapshots import load_snapshot
from api.tables import LanguageModel


def _require_model(session: Session, model_id: str) -> str:
    """The current id of the model `model_id` names (any case, or a former id); 404 when none."""
    current = resolve_model_id(session, model_id)
    if current is None:
        raise not_found("model", model_id)
    return current


def effective(session: Session, model_id: str, *, as_of: str | None = None, include_training_data: bool = True,
              training_data: str = "caveat") -> EffectiveTerms:
    model_id = _require_model(session, model_id)
    return effective_terms(load_snapshot(session, [model_id], as_of), include_training_data, training_data)


def snapshot(session: Session, model_id: str):
    """The plain lineage snapshot above a model (for renderings such as the ML-BOM)."""
    model_id = _require_model(session, model_id)
    return load_snapshot(session, [model_id])


def ancestors(session: Session, model_id: str, *, max_depth: int | None, relations: list[str] | None) -> list[dict]:
    model_id = _require_model(session, model_id)
    links = ancestor_links(session, model_id, relations)
    found = model_depths(links, model_id, max_depth)
    rows = [
        {"id": node, "depth": depth, "path": path, "relations": rels}
        for node, (depth, path, rels) in found.items()
    ]
    return sorted(rows, key=lambda r: (r["depth"], r["id"]))


def descendants(session: Session, model_id: str, *, limit: int, after: str | None, max_depth: int,
                relations: list[str] | None) -> Page:
    model_id = _require_model(session, model_id)
    rows, total = descendants_page(session, model_id, limit=limit + 1, after=after, max_depth=max_depth,
                                   relations=relations)
    next_after = rows[limit - 1][0] if len(rows) > limit else None
    rows = rows[:limit]
    paths: dict[str, tuple[int, list[str], list[str]]] = {}
    # The way down to each node on the page, read from the page's ancestry: one CTE for the page.
    links = ancestor_links(session, [node for node, _ in rows], relations) if rows else []
    for node, _depth in rows:
        up = model_depths(links, node)
        if model_id in up:
            _, path, rels = up[model_id]
            paths[node] = (len(path) - 1, list(reversed(path)), list(reversed(rels)))
    items = [
        {"id": node, "depth": depth, "path": paths.get(node, (0, [], []))[1], "relations": paths.get(node, (0, [], []))[2]}
        for node, depth in rows
    ]
    return Page(items=items, total=total, limit=limit, next_after=next_after)


def lineage_graph(session: Session, model_id: str, *, up: int, down: int, relations: list[str] | None,
                  node_limit: int) -> dict[str, Any]:
    model_id = _require_model(session, model_id)
    above = ancestor_links(session, model_id, relations)
    reached_up = model_depths(above, model_id, up)
    above = [link for link in above
             if (link.child in reached_up or link.child == model_id) and link.parent in reached_up]
    below = descendant_links(session, model_id, down, relations, node_limit + 1) if down > 0 else []
    truncated = len(below) > node_limit
    below = below[:node_limit]
    links = above + below
    ids = {model_id} | {end for link in links for end in (link.child, link.parent)}
    labels = {
        row.id: {"name": row.name, "license": row.license, "placeholder": row.placeholder}
        for row in session.execute(
            select(LanguageModel.id, LanguageModel.name, LanguageModel.license, LanguageModel.placeholder)
            .where(LanguageModel.id.in_(sorted(ids)))
        )
    }
    data = render.graph(model_id, links, labels)
    data["truncated"] = truncated
    return data


def conflicts_page(session: Session, *, limit: int, after: str | None, license: str | None,
                   organisation: str | None, base_model: str | None = None) -> Page:
    """Models whose declared licence is looser than what they inherit, in id order (read from the kept table);
    `base_model` keeps the model and its whole family below it (a Hub-wide audit of a family)."""
    family = None
    if base_model:
        from api.store.models import get_model

        family = get_model(session, base_model).id
    licence_id = resolve_one_licence(session, license) or license if license else None
    return conflict_index.conflicts_page(session, limit=limit, after=after, licence_id=licence_id,
                                         organisation=organisation, family_of=family)
