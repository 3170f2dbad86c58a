"""The conflicts table, kept current on write so `GET /v1/conflicts` reads a page instead of the whole graph;
with it, each model's bindings (`model_bindings`), computed from the same effective terms.

Every ORM flush records what it touched (a model's licence or edges, a licence's terms, a dataset's
licence or generator). Just before the transaction commits, the models below those changes are
recomputed with the pure `conflicts(effective_terms(...))` and their rows replaced, in the same
transaction: the table never disagrees with the records it was computed from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, inspect, or_, select
from sqlalchemy.orm import Session

from api.domain.conflicts import conflicts
from api.domain.lineage import Lineage
from api.domain.terms import binding_groups, effective_terms
from api.http.watchdog import watchdog
from api.store import kept_tables, model_bindings
from api.store.common import MANY, Page, keyset_page, one_of, prefer_index_walks
from api.store.snapshots import load_snapshot
from api.store.tables import (
    Dataset,
    DatasetLicence,
    LanguageModel,
    Licence,
    ModelBindings,
    ModelConflict,
    ModelConflictLicence,
    ModelLicence,
    ParentEdge,
    TrainingEdge,
)

CHUNK = 500
_INFO_KEY = "pedigree.conflict_seeds"

# Attributes whose change cannot change anyone's conflicts (everything else is assumed to matter).
_COSMETIC = {
    LanguageModel: {"name", "organisation", "release_date", "parameters", "source_url", "sources", "version",
                    "created_at", "updated_at", "licence_assignments"},
    Licence: {"name", "url", "version_date", "categories", "alias_records", "version", "created_at", "updated_at"},
    Dataset: {"name", "source_url", "sources", "description", "version", "created_at", "updated_at"},
}


@dataclass
class Seeds:
    """What a transaction changed that conflicts depend on."""

    models: set[str] = field(default_factory=set)
    licences: set[str] = field(default_factory=set)
    datasets: set[str] = field(default_factory=set)
    created: set[str] = field(default_factory=set)  # models inserted by this transaction
    deleted: set[str] = field(default_factory=set)  # models deleted by this transaction

    def only_new_models(self) -> bool:
        """Whether every change is a model this transaction inserted (and did not delete): nothing stored lies
        below such a model, and no conflict row of it can exist yet."""
        return not self.licences and not self.datasets and self.models <= self.created - self.deleted

    def __bool__(self) -> bool:
        return bool(self.models or self.licences or self.datasets)


def _matters(obj, cosmetic: set[str]) -> bool:
    state = inspect(obj)
    return any(attr.key not in cosmetic and attr.history.has_changes() for attr in state.attrs)


def _collect(session: Session, seeds: Seeds) -> None:
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        changed = obj in session.new or obj in session.deleted
        if isinstance(obj, LanguageModel) and (changed or _matters(obj, _COSMETIC[LanguageModel])):
            seeds.models.add(obj.id)
            if obj in session.new:
                seeds.created.add(obj.id)
            elif obj in session.deleted:
                seeds.deleted.add(obj.id)
        elif isinstance(obj, ParentEdge):
            seeds.models.add(obj.child_id or (obj.child.id if obj.child is not None else None))
        elif isinstance(obj, TrainingEdge):
            seeds.models.add(obj.model_id or (obj.model.id if obj.model is not None else None))
        elif isinstance(obj, Licence) and (changed or _matters(obj, _COSMETIC[Licence])):
            seeds.licences.add(obj.id)
        elif isinstance(obj, Dataset) and (changed or _matters(obj, _COSMETIC[Dataset])):
            seeds.datasets.add(obj.id)
    seeds.models.discard(None)


def note_changed(session: Session, model_ids: Iterable[str], deleted: Iterable[str] = ()) -> None:
    """For writes that bypass the ORM's unit of work (bulk UPDATE or DELETE statements): the models whose edges
    they changed, and the models they deleted, recomputed at commit like any flushed change."""
    seeds = session.info.setdefault(_INFO_KEY, Seeds())
    seeds.models |= set(model_ids) | set(deleted)
    seeds.deleted |= set(deleted)


def install() -> None:
    """Keep the table current for every ORM session in the process (API, CLI, catalogue load)."""
    kept_tables.keep_current(_INFO_KEY, Seeds, _collect, lambda session, seeds: refresh(
        session, affected_models(session, seeds), without_rows=seeds.created - seeds.deleted))


def _descendants(session: Session, ids: list[str]) -> set[str]:
    """The models and every model below them through parent edges: one recursive CTE."""
    edge = ParentEdge.__table__
    walk = select(edge.c.child_id.label("id")).where(one_of(session, edge.c.parent_id, ids)).cte("down", recursive=True)
    walk = walk.union(select(edge.c.child_id).join(walk, edge.c.parent_id == walk.c.id))
    return set(ids) | set(session.scalars(select(walk.c.id)))


def affected_models(session: Session, seeds: Seeds) -> set[str]:
    """The models whose conflicts may have changed: below a changed model, licence or dataset.

    Terms flow down parent edges and from a model to the data it generated to the models trained on it,
    so the walk alternates the two until nothing new is reached.
    """
    if seeds.only_new_models():
        # A model inserted here has children or generated data only through edges or datasets this transaction
        # also wrote; those would be seeds that are not new models themselves.
        return set(seeds.models)
    start = set(seeds.models)
    datasets = set(seeds.datasets)
    if seeds.licences:
        licences = sorted(seeds.licences)
        start |= set(session.scalars(select(ModelLicence.model_id).where(ModelLicence.licence_id.in_(licences))))
        datasets |= set(session.scalars(
            select(DatasetLicence.dataset_id).where(DatasetLicence.licence_id.in_(licences))))
    if datasets:
        start |= set(session.scalars(
            select(TrainingEdge.model_id).where(TrainingEdge.dataset_id.in_(sorted(datasets)))))
    found: set[str] = set()
    frontier = start
    while frontier:
        reached = _descendants(session, sorted(frontier)) - found
        found |= reached
        trained = session.scalars(
            select(TrainingEdge.model_id).distinct()
            .join(Dataset, Dataset.id == TrainingEdge.dataset_id)
            .where(one_of(session, Dataset.generated_by, sorted(reached)))
        ) if reached else []
        frontier = set(trained) - found
    return found


def model_rows(snapshot: Lineage, model_ids: Iterable[str], bindings: list[dict] | None = None,
               with_conflicts: bool = True) -> list[dict]:
    """The conflict row of each model that has conflicts (plain data, from one snapshot). With `bindings`, each
    model's bindings row (`terms.binding_groups`) is appended to it, from the same effective terms."""
    rows = []
    for model_id in model_ids:
        watchdog.check_deadline()  # a large recompute ends at the request's deadline, not after it
        node = snapshot.models.get(model_id)
        if node is None:
            continue
        if not node.license and bindings is None:  # declaring nothing, a model cannot declare something looser
            continue
        effective = effective_terms(snapshot.with_root(model_id))
        if bindings is not None:
            bindings.append({"model_id": model_id, "groups": binding_groups(effective)})
        found = conflicts(effective) if node.license and with_conflicts else []
        if not found:
            continue
        group = effective.declared_group()
        named = {s["license"] for c in found for s in c["sources"] if s.get("license")}
        named |= {i for alt in (group.licence_sets if group else []) for i in alt if i}
        rows.append({"model_id": model_id, "declared_license": snapshot.models[model_id].license,
                     "conflicts": found, "licenses": sorted(named)})
    return rows


def refresh(session: Session, model_ids: Iterable[str], without_rows: Iterable[str] = (),
            with_conflicts: bool = True, with_bindings: bool = True) -> None:
    """Recompute the stored conflicts and bindings of these models, in chunks of a bounded size.

    `without_rows`: models known to exist with no stored rows yet (inserted by this transaction): nothing to
    delete, no need to ask whether they exist. Only migrations leave one table out: the one that did not exist
    yet, or the one that was already current."""
    fresh = set(without_rows)
    ids = sorted(model_ids)
    if len(ids) > MANY:
        prefer_index_walks(session)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        existing = chunk if fresh.issuperset(chunk) else sorted(  # inserted by this transaction: they exist
            session.scalars(select(LanguageModel.id).where(one_of(session, LanguageModel.id, chunk))))
        bindings: list[dict] | None = [] if with_bindings else None
        snapshot = load_snapshot(session, existing) if existing else None
        rows = model_rows(snapshot, existing, bindings, with_conflicts) if snapshot else []
        stored = [model_id for model_id in chunk if model_id not in fresh]
        if bindings is not None:
            model_bindings.replace(session, bindings, stored)
        if not with_conflicts:
            continue
        if stored:
            session.execute(delete(ModelConflictLicence).where(one_of(session, ModelConflictLicence.model_id, stored)))
            session.execute(delete(ModelConflict).where(one_of(session, ModelConflict.model_id, stored)))
        if rows:
            session.execute(insert(ModelConflict), [
                {"model_id": r["model_id"], "declared_licence": r["declared_license"], "conflicts": r["conflicts"]}
                for r in rows])
            links = [{"model_id": r["model_id"], "licence_id": i} for r in rows for i in r["licenses"]]
            if links:
                session.execute(insert(ModelConflictLicence), links)


def rebuild_all(session: Session, with_conflicts: bool = True, with_bindings: bool = True) -> None:
    """Recompute every model's conflicts and bindings (when the rules change; a migration that adds one of the
    tables computes that one only).

    Without bindings, only models with parents or training data can have conflicts, so only they are walked."""
    if with_bindings:
        session.execute(delete(ModelBindings))
        candidates = select(LanguageModel.id)
    else:
        candidates = select(LanguageModel.id).where(
            LanguageModel.id.in_(select(ParentEdge.child_id)) | LanguageModel.id.in_(select(TrainingEdge.model_id)))
    if with_conflicts:
        session.execute(delete(ModelConflictLicence))
        session.execute(delete(ModelConflict))
    every = list(session.scalars(candidates))
    refresh(session, every, without_rows=every, with_conflicts=with_conflicts, with_bindings=with_bindings)


def conflicts_page(session: Session, *, limit: int, after: str | None, licence_id: str | None,
                   organisation: str | None, family_of: str | None = None) -> Page:
    """One keyset page of the stored conflicts, in model id order; `family_of`: that model and all below it."""
    statement = select(ModelConflict)
    if family_of:
        from api.store.lineage import family_select

        statement = statement.where(or_(ModelConflict.model_id == family_of,
                                        ModelConflict.model_id.in_(family_select(family_of))))
    if licence_id:
        statement = statement.where(ModelConflict.model_id.in_(
            select(ModelConflictLicence.model_id).where(ModelConflictLicence.licence_id == licence_id)))
    if organisation:
        statement = statement.join(LanguageModel, LanguageModel.id == ModelConflict.model_id).where(
            func.lower(LanguageModel.organisation) == organisation.lower())
    page = keyset_page(session, statement, ModelConflict.model_id, limit, after)
    page.items = [{"model": r.model_id, "declared_license": r.declared_licence, "conflicts": r.conflicts}
                  for r in page.items]
    return page
