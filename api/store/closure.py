"""The lineage closure and descendant counts, kept current on write so descendant pages read an index range.

Every ORM flush records the models whose parent edges changed (an edge added or removed, a model deleted).
Just before the transaction commits, those models and everything below them get their ancestor pairs
recomputed from the parent edges, and the counts of every ancestor that gained or lost a descendant move
by that much, in the same transaction. Adding a leaf costs its own ancestors; moving an edge above a large
family costs that family. Writes that bypass the ORM (the bulk import) call `refresh` themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from api.http.watchdog import watchdog
from api.store import kept_tables
from api.store.common import MANY, prefer_index_walks
from api.store.tables import DescendantCount, LanguageModel, LineageClosure, ParentEdge

CHUNK = 2000
_INFO_KEY = "pedigree.closure_seeds"


def _collect(session: Session, seeds: set[str]) -> None:
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, ParentEdge):
            seeds.add(obj.child_id or (obj.child.id if obj.child is not None else None))
        elif isinstance(obj, LanguageModel) and obj in session.deleted:
            seeds.add(obj.id)
    for obj in session.dirty:  # an edge moved to another parent or child in place
        if isinstance(obj, ParentEdge):
            seeds.add(obj.child_id)
    seeds.discard(None)


def install() -> None:
    """Keep the closure current for every ORM session in the process (API, CLI, catalogue load)."""
    kept_tables.keep_current(_INFO_KEY, set, _collect, refresh)


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _stored_below(session: Session, ids: list[str]) -> set[str]:
    """What the stored closure says lies below the models (before this transaction's changes are applied)."""
    below: set[str] = set()
    for chunk in _chunks(ids):
        below |= set(session.scalars(select(LineageClosure.descendant_id).where(LineageClosure.ancestor_id.in_(chunk))))
    return below


def _ancestor_pairs(session: Session, ids: list[str]) -> list[dict]:
    """(ancestor, descendant, fewest edges) for every model above each of `ids`, from the parent edges: one CTE."""
    edge = ParentEdge.__table__
    walk = (select(edge.c.child_id.label("origin"), edge.c.parent_id.label("id"), literal(1).label("depth"))
            .where(edge.c.child_id.in_(ids)).cte("up", recursive=True))
    walk = walk.union(select(walk.c.origin, edge.c.parent_id, walk.c.depth + 1)
                      .join(walk, edge.c.child_id == walk.c.id))
    rows = session.execute(select(walk.c.id, walk.c.origin, func.min(walk.c.depth))
                           .group_by(walk.c.origin, walk.c.id))
    return [{"ancestor_id": ancestor, "descendant_id": descendant, "depth": depth} for ancestor, descendant, depth in rows]


def refresh(session: Session, changed: Iterable[str]) -> None:
    """Recompute the pairs of the models whose parent edges changed and of everything below them.

    Whatever lies below a changed model now lies below it in the stored closure, or below another changed
    model whose edge this transaction added: the stored closure of the changed models finds all of it.
    """
    from api.store.bulk_import import write_rows

    seeds = sorted(set(changed))
    if not seeds:
        return
    affected = sorted(set(seeds) | _stored_below(session, seeds))
    if len(affected) > MANY:
        prefer_index_walks(session)
    moved: Counter[str] = Counter()
    for chunk in _chunks(affected):
        watchdog.check_deadline()
        for (ancestor,) in session.execute(select(LineageClosure.ancestor_id)
                                           .where(LineageClosure.descendant_id.in_(chunk))):
            moved[ancestor] -= 1
        session.execute(delete(LineageClosure).where(LineageClosure.descendant_id.in_(chunk)))
        pairs = _ancestor_pairs(session, chunk)
        for pair in pairs:
            moved[pair["ancestor_id"]] += 1
        write_rows(session, LineageClosure.__table__, pairs)
    _move_counts(session, {model_id: by for model_id, by in moved.items() if by})


def _move_counts(session: Session, moved: dict[str, int]) -> None:
    """Add each change to the model's count; a count that reaches zero is removed."""
    ids = sorted(moved)
    stored: dict[str, int] = {}
    for chunk in _chunks(ids):
        stored.update((model_id, count) for model_id, count in session.execute(
            select(DescendantCount.model_id, DescendantCount.descendants).where(DescendantCount.model_id.in_(chunk))))
    table = DescendantCount.__table__
    new = [{"model_id": m, "descendants": moved[m]} for m in ids if m not in stored]
    changed = [{"key": m, "count": stored[m] + moved[m]} for m in ids if m in stored and stored[m] + moved[m] > 0]
    gone = [m for m in ids if m in stored and stored[m] + moved[m] <= 0]
    if new:
        session.execute(insert(table), new)
    if changed:
        session.connection().execute(update(table).where(table.c.model_id == bindparam("key"))
                                     .values(descendants=bindparam("count")), changed)
    for chunk in _chunks(gone):
        session.execute(delete(table).where(table.c.model_id.in_(chunk)))


def descendant_count(session: Session, model_id: str) -> int:
    return session.scalar(select(DescendantCount.descendants).where(DescendantCount.model_id == model_id)) or 0


def rebuild_all(session: Session) -> None:
    """Recompute the whole closure and every count (after a migration, or to repair)."""
    session.execute(delete(LineageClosure))
    session.execute(delete(DescendantCount))
    children = sorted(session.scalars(select(ParentEdge.child_id).distinct()))
    refresh(session, children)
