"""Recursive walks over the parent edges: one CTE per question, never one query per node."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain.graph import cycle_through_new_edge
from api.errors import Problem
from api.tables import ParentEdge


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
    raise Problem(
        409,
        f"Adding {parent} as a parent of {child} would create a cycle: {' → '.join(cycle)}",
        kind="cycle",
        cycle=cycle,
    )
