"""Recursive walks over the parent edges: one CTE per question, never one query per node."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Select, func, literal, select, true
from sqlalchemy.orm import Session

from api.domain import render
from api.domain.errors import Cycle
from api.domain.graph import cycle_through_new_edge
from api.domain.limits import MAX_DEPTH
from api.domain.lineage import ParentLink, model_depths
from api.store import closure
from api.store.common import Page, keyset_page, require_model
from api.store.tables import LanguageModel, LineageClosure, ParentEdge


def edges_above(session: Session, start_ids: list[str]) -> list[tuple[str, str]]:
    """Every (child, parent) edge reachable upwards from the start models."""
    edge = ParentEdge.__table__
    walk = (
        select(edge.c.child_id, edge.c.parent_id)
        .where(edge.c.child_id.in_(start_ids))
        .cte("walk_up", recursive=True)
    )
    step = select(edge.c.child_id, edge.c.parent_id).join(walk, edge.c.child_id == walk.c.parent_id)
    walk = walk.union(step)
    return [(child, parent) for child, parent in session.execute(select(walk.c.child_id, walk.c.parent_id))]


def is_ancestor_or_self(session: Session, candidate: str, of: str) -> bool:
    """True when `candidate` is `of` or lies above it."""
    if candidate == of:
        return True
    edge = ParentEdge.__table__
    walk = select(edge.c.parent_id.label("id")).where(edge.c.child_id == of).cte("up", recursive=True)
    walk = walk.union(select(edge.c.parent_id).join(walk, edge.c.child_id == walk.c.id))
    return session.scalar(select(walk.c.id).where(walk.c.id == candidate).limit(1)) is not None


def refuse_cycle(session: Session, child: str, parent: str) -> None:
    """Raise 409 with the cycle if the edge child→parent would close one."""
    if not is_ancestor_or_self(session, child, parent):
        return
    cycle = cycle_through_new_edge(edges_above(session, [parent]), child, parent) or [child, parent, child]
    raise Cycle(f"Adding {parent} as a parent of {child} would create a cycle: {' → '.join(cycle)}", cycle=cycle)


def _edge_filter(edge, relations: list[str] | None):
    return edge.c.relation.in_(relations) if relations else true()


def ancestor_links(session: Session, model_ids: str | list[str],
                   relations: list[str] | None = None) -> list[ParentLink]:
    """Every parent edge above the model(s) (only through the given relations, if any): one recursive CTE."""
    edge = ParentEdge.__table__
    start = [model_ids] if isinstance(model_ids, str) else list(model_ids)
    walk = (
        select(edge.c.child_id, edge.c.parent_id, edge.c.relation)
        .where(edge.c.child_id.in_(start), _edge_filter(edge, relations))
        .cte("above", recursive=True)
    )
    walk = walk.union(
        select(edge.c.child_id, edge.c.parent_id, edge.c.relation)
        .join(walk, edge.c.child_id == walk.c.parent_id)
        .where(_edge_filter(edge, relations))
    )
    return [ParentLink(*row) for row in session.execute(select(walk.c.child_id, walk.c.parent_id, walk.c.relation))]


def descendant_links(session: Session, model_id: str, max_depth: int, relations: list[str] | None = None,
                     node_limit: int | None = None) -> list[ParentLink]:
    """Parent edges below the model down to max_depth: one recursive CTE."""
    edge = ParentEdge.__table__
    walk = (
        select(edge.c.child_id, edge.c.parent_id, edge.c.relation, literal(1).label("depth"))
        .where(edge.c.parent_id == model_id, _edge_filter(edge, relations))
        .cte("below", recursive=True)
    )
    walk = walk.union(
        select(edge.c.child_id, edge.c.parent_id, edge.c.relation, walk.c.depth + 1)
        .join(walk, edge.c.parent_id == walk.c.child_id)
        .where(walk.c.depth < max_depth, _edge_filter(edge, relations))
    )
    query = select(walk.c.child_id, walk.c.parent_id, walk.c.relation).distinct()
    if node_limit is not None:
        query = query.limit(node_limit)
    return [ParentLink(*row) for row in session.execute(query)]


def descendant_depths(model_id: str, max_depth: int, relations: list[str] | None = None):
    """Every model below the model down to max_depth with its minimum depth, as a subquery (`id`, `depth`)."""
    edge = ParentEdge.__table__
    walk = (
        select(edge.c.child_id.label("id"), literal(1).label("depth"))
        .where(edge.c.parent_id == model_id, _edge_filter(edge, relations))
        .cte("below", recursive=True)
    )
    walk = walk.union(
        select(edge.c.child_id, walk.c.depth + 1)
        .join(walk, edge.c.parent_id == walk.c.id)
        .where(walk.c.depth < max_depth, _edge_filter(edge, relations))
    )
    return select(walk.c.id, func.min(walk.c.depth).label("depth")).group_by(walk.c.id).subquery("closure")


def family_select(base_id: str):
    """Every model below `base_id`, from the maintained closure (for use inside another query)."""
    return select(LineageClosure.descendant_id).where(LineageClosure.ancestor_id == base_id)


def ancestors(session: Session, model_id: str, *, max_depth: int | None, relations: list[str] | None) -> list[dict]:
    model_id = require_model(session, model_id)
    links = ancestor_links(session, model_id, relations)
    found = model_depths(links, model_id, max_depth)
    rows = [
        {"id": node, "depth": depth, "path": path, "relations": rels}
        for node, (depth, path, rels) in found.items()
    ]
    return sorted(rows, key=lambda r: (r["depth"], r["id"]))


def descendants(session: Session, model_id: str, *, limit: int, after: str | None, max_depth: int | None,
                relations: list[str] | None) -> Page:
    """One keyset page of the models below, in id order, with the fewest edges down and one path down.

    From the maintained closure (an index range, the total from the maintained count) unless the walk is
    restricted to some relations, which only a walk over those edges can answer.
    """
    model_id = require_model(session, model_id)
    if relations:
        below = descendant_depths(model_id, max_depth or MAX_DEPTH, relations)
        page = keyset_page(session, select(below.c.id, below.c.depth), below.c.id, limit, after)
    else:
        pairs = LineageClosure.__table__
        statement = select(pairs.c.descendant_id, pairs.c.depth).where(pairs.c.ancestor_id == model_id)
        count: Select | int
        if max_depth is None:
            count = closure.descendant_count(session, model_id)
        else:
            statement = statement.where(pairs.c.depth <= max_depth)
            count = statement
        page = keyset_page(session, statement, pairs.c.descendant_id, limit, after, count=count)
    return dataclasses.replace(page, items=_with_paths(session, model_id, page.items, relations))


def _with_paths(session: Session, model_id: str, rows, relations: list[str] | None) -> list[dict[str, Any]]:
    """Each (id, depth) row with a shortest path down from `model_id`: one CTE up from the page's models."""
    links = ancestor_links(session, [node for node, _ in rows], relations) if rows else []
    items = []
    for node, depth in rows:
        up = model_depths(links, node)
        path, rels = (list(reversed(up[model_id][1])), list(reversed(up[model_id][2]))) if model_id in up else ([], [])
        items.append({"id": node, "depth": depth, "path": path, "relations": rels})
    return items


def lineage_graph(session: Session, model_id: str, *, up: int, down: int, relations: list[str] | None,
                  node_limit: int) -> dict[str, Any]:
    model_id = require_model(session, model_id)
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
