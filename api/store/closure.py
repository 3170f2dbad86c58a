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
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from api.http.watchdog import watchdog
from api.store import kept_tables
from api.store.common import MANY, one_of, prefer_index_walks
from api.store.tables import DescendantCount, LanguageModel, LineageClosure, ParentEdge

CHUNK = 2000
_INFO_KEY = "pedigree.closure_seeds"


@dataclass
class Seeds:
    """What a transaction changed that the closure depends on."""

    changed: set[str] = field(default_factory=set)  # models whose parent edges changed (or that were deleted)
    created: set[str] = field(default_factory=set)  # models inserted by this transaction
    deleted: set[str] = field(default_factory=set)  # models deleted by this transaction

    def __bool__(self) -> bool:
        return bool(self.changed or self.created)


def _collect(session: Session, seeds: Seeds) -> None:
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, ParentEdge):
            seeds.changed.add(obj.child_id or (obj.child.id if obj.child is not None else None))
        elif isinstance(obj, LanguageModel) and obj in session.deleted:
            seeds.changed.add(obj.id)
            seeds.deleted.add(obj.id)
        elif isinstance(obj, LanguageModel):
            seeds.created.add(obj.id)
    for obj in session.dirty:  # an edge moved to another parent or child in place
        if isinstance(obj, ParentEdge):
            seeds.changed.add(obj.child_id)
    seeds.changed.discard(None)


def _apply(session: Session, seeds: Seeds) -> None:
    """The models this transaction created first (from their parents' stored pairs, as `add_created` does), then
    a walk below every other changed model. Whatever a created model was given from a changed model's stale
    pairs lies below that changed model in the stored closure, so the walk corrects it."""
    created = seeds.created - seeds.deleted
    parents_of: dict[str, list[str]] = {model_id: [] for model_id in created}
    for child, parent in session.execute(select(ParentEdge.child_id, ParentEdge.parent_id)
                                         .where(one_of(session, ParentEdge.child_id, sorted(created)))) if created else ():
        parents_of[child].append(parent)
    add_created(session, parents_of)
    refresh(session, seeds.changed - created)


def note_changed(session: Session, model_ids: Iterable[str], deleted: Iterable[str] = ()) -> None:
    """For writes that bypass the ORM's unit of work (bulk UPDATE or DELETE statements): the models whose parent
    edges they changed, and the models they deleted, refreshed at commit like any flushed change."""
    seeds = session.info.setdefault(_INFO_KEY, Seeds())
    seeds.changed |= set(model_ids) | set(deleted)
    seeds.deleted |= set(deleted)


def is_current(session: Session) -> bool:
    """Whether the stored closure holds this session's view of the parent edges: it is kept in this process, and
    nothing this transaction flushed waits for the refresh at commit (pending changes are flushed first)."""
    if not kept_tables.installed(_INFO_KEY):
        return False
    session.flush()
    return not session.info.get(_INFO_KEY)


def ancestors_and_self(session: Session, ids: list[str]) -> set[str]:
    """The models among `ids` that exist and every model above them, read from the stored closure (an index
    range per id, no recursive walk). Only while `is_current`."""
    model, pair = LanguageModel.__table__, LineageClosure.__table__
    found = select(model.c.id).where(one_of(session, model.c.id, ids)).union(
        select(pair.c.ancestor_id).where(one_of(session, pair.c.descendant_id, ids)))
    return set(session.scalars(found))


def install() -> None:
    """Keep the closure current for every ORM session in the process (API, CLI, catalogue load)."""
    kept_tables.keep_current(_INFO_KEY, Seeds, _collect, _apply)


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _stored_below(session: Session, ids: list[str]) -> set[str]:
    """What the stored closure says lies below the models (before this transaction's changes are applied)."""
    below: set[str] = set()
    for chunk in _chunks(ids):
        below |= set(session.scalars(select(LineageClosure.descendant_id).where(one_of(session, LineageClosure.ancestor_id, chunk))))
    return below


def _ancestor_pairs(session: Session, ids: list[str]) -> list[dict]:
    """(ancestor, descendant, fewest edges) for every model above each of `ids`, from the parent edges: one CTE."""
    edge = ParentEdge.__table__
    walk = (select(edge.c.child_id.label("origin"), edge.c.parent_id.label("id"), literal(1).label("depth"))
            .where(one_of(session, edge.c.child_id, ids)).cte("up", recursive=True))
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
                                           .where(one_of(session, LineageClosure.descendant_id, chunk))):
            moved[ancestor] -= 1
        session.execute(delete(LineageClosure).where(one_of(session, LineageClosure.descendant_id, chunk)))
        pairs = _ancestor_pairs(session, chunk)
        for pair in pairs:
            moved[pair["ancestor_id"]] += 1
        write_rows(session, LineageClosure.__table__, pairs)
    _move_counts(session, {model_id: by for model_id, by in moved.items() if by})


# Pairs written per statement (or COPY) when the bulk import adds models.
PAIRS_PER_WRITE = 50_000


def add_created(session: Session, parents_of: dict[str, list[str]]) -> None:
    """The pairs and counts of models this transaction inserted without the ORM (the bulk import).

    No stored model lies below a model created in the same transaction, so each one's ancestors are its
    parents and their ancestors: the stored closure of the parents that already existed, then the new
    models in parents-first order, in memory. No walk of the parent edges, which at a million models cost
    PostgreSQL seconds per chunk. `parents_of` maps every created model to its parents' current ids.
    """
    from api.store.bulk_import import write_tuples

    stored = sorted({p for parents in parents_of.values() for p in parents if p not in parents_of})
    above: dict[str, dict[str, int]] = {model_id: {} for model_id in stored}
    for chunk in _chunks(stored):
        for ancestor, descendant, depth in session.execute(
                select(LineageClosure.ancestor_id, LineageClosure.descendant_id, LineageClosure.depth)
                .where(one_of(session, LineageClosure.descendant_id, chunk))):
            above[descendant][ancestor] = depth
    waiting = Counter(p for parents in parents_of.values() for p in parents)  # children not yet walked
    moved: Counter[str] = Counter()
    pairs: list[tuple[str, str, int]] = []
    for model_id in _parents_first(parents_of):
        mine: dict[str, int] = {}
        for parent in parents_of[model_id]:
            mine[parent] = 1
        for parent in parents_of[model_id]:
            for ancestor, depth in above[parent].items():
                if mine.get(ancestor, depth + 2) > depth + 1:
                    mine[ancestor] = depth + 1
            waiting[parent] -= 1
            if not waiting[parent]:
                del above[parent]  # every child has it: the memory goes
        if waiting[model_id]:
            above[model_id] = mine
        moved.update(mine.keys())
        pairs += [(ancestor, model_id, depth) for ancestor, depth in mine.items()]
        if len(pairs) >= PAIRS_PER_WRITE:
            write_tuples(session, LineageClosure.__table__, ("ancestor_id", "descendant_id", "depth"), pairs)
            pairs = []
    if pairs:
        write_tuples(session, LineageClosure.__table__, ("ancestor_id", "descendant_id", "depth"), pairs)
    _move_counts(session, dict(moved))


def _parents_first(parents_of: dict[str, list[str]]) -> list[str]:
    """The created models, each after its created parents (the import refused cycles before)."""
    children: dict[str, list[str]] = {}
    pending = Counter()
    for model_id, parents in parents_of.items():
        for parent in set(parents):
            if parent in parents_of:
                children.setdefault(parent, []).append(model_id)
                pending[model_id] += 1
    ready = [model_id for model_id in parents_of if not pending[model_id]]
    ordered: list[str] = []
    while ready:
        model_id = ready.pop()
        ordered.append(model_id)
        for child in children.get(model_id, ()):
            pending[child] -= 1
            if not pending[child]:
                ready.append(child)
    if len(ordered) != len(parents_of):
        raise ValueError("the created models' parents close a cycle")
    return ordered


def _move_counts(session: Session, moved: dict[str, int]) -> None:
    """Add each change to the model's count; a count that reaches zero is removed."""
    ids = sorted(moved)
    stored: dict[str, int] = {}
    for chunk in _chunks(ids):
        stored.update((model_id, count) for model_id, count in session.execute(
            select(DescendantCount.model_id, DescendantCount.descendants).where(one_of(session, DescendantCount.model_id, chunk))))
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
        session.execute(delete(table).where(one_of(session, table.c.model_id, chunk)))


def descendant_count(session: Session, model_id: str) -> int:
    return session.scalar(select(DescendantCount.descendants).where(DescendantCount.model_id == model_id)) or 0


def rebuild_all(session: Session) -> None:
    """Recompute the whole closure and every count (after a migration, or to repair)."""
    session.execute(delete(LineageClosure))
    session.execute(delete(DescendantCount))
    children = sorted(session.scalars(select(ParentEdge.child_id).distinct()))
    refresh(session, children)
