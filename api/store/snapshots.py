"""Load the plain lineage snapshot the domain needs, in a fixed number of queries.

For reads, the stored lineage closure (else, and while this transaction's own edge changes wait for it, one
recursive CTE) gives every model above the start models, following parent edges and dataset → generating-model links;
then one query each for models, edges, datasets, licences.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.domain import expressions
from api.domain.in_force import licence_in_force
from api.domain.lineage import DatasetNode, LicenceRecord, Lineage, ModelNode, ParentLink, TrainingLink
from api.store.common import one_of
from api.store.tables import Dataset, HubRecord, LanguageModel, Licence, LicenceAssignment, ParentEdge, TrainingEdge

# Ids per statement. They go as one bound value (`one_of`), so no parameter limit applies; chunks keep one
# statement's id list and answer bounded when a batch of 10,000 models has many more ancestors.
IDS_PER_QUERY = 10_000


def rows_in(session: Session, statement: Select, column, ids: list[str]) -> Iterator:
    """The rows of `statement` where `column` is one of `ids`, asked in lists of a bounded length."""
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield from session.execute(statement.where(one_of(session, column, ids[start:start + IDS_PER_QUERY])))


def _parent_closure(session: Session, start_ids: list[str]) -> set[str]:
    """The start models that exist and every model above them through parent edges: one recursive CTE."""
    edge = ParentEdge.__table__
    model = LanguageModel.__table__
    walk = select(model.c.id).where(one_of(session, model.c.id, start_ids)).cte("walk", recursive=True)
    walk = walk.union(select(edge.c.parent_id).join(walk, edge.c.child_id == walk.c.id))
    return set(session.scalars(select(walk.c.id)))


def models_above(session: Session, start_ids: list[str], kept_closure: bool = False) -> set[str]:
    """The start models and every model above them: parents, and the generators of their training data.

    With `kept_closure`, the stored lineage closure when it is current for this session (else, and for callers
    that may run before the closure exists or is refreshed, such as the conflicts refresh: one indexed CTE),
    then one more round only where generated datasets lead to models not reached yet (usually none, rarely
    more than one round).
    """
    from api.store import closure

    walk = closure.ancestors_and_self if kept_closure and closure.is_current(session) else _parent_closure
    found: set[str] = set()
    frontier = sorted(set(start_ids))
    while frontier:
        reached: set[str] = set()
        for start in range(0, len(frontier), IDS_PER_QUERY):
            reached |= walk(session, frontier[start:start + IDS_PER_QUERY])
        reached -= found
        found |= reached
        generators = [row.generated_by for row in rows_in(
            session, select(Dataset.generated_by).distinct().join(TrainingEdge, TrainingEdge.dataset_id == Dataset.id)
            .where(Dataset.generated_by.is_not(None)), TrainingEdge.model_id, sorted(reached))]
        frontier = sorted(set(generators) - found)
    return found


def load_snapshot(session: Session, start_ids: list[str], as_of: str | None = None,
                  kept_closure: bool = False) -> Lineage:
    """Everything above the start models. `root` is the first start id. `kept_closure`: see `models_above`."""
    ids = sorted(models_above(session, start_ids, kept_closure))
    history: dict[str, list[dict]] = {}
    if as_of is not None:
        for row in rows_in(session, select(LicenceAssignment.model_id, LicenceAssignment.expression,
                                         LicenceAssignment.effective_from)
                         .order_by(LicenceAssignment.model_id, LicenceAssignment.position), LicenceAssignment.model_id, ids):
            history.setdefault(row.model_id, []).append({"license": row.expression, "effective_from": row.effective_from})
    models = {
        row.id: ModelNode(row.id, licence_in_force(row.license, history.get(row.id, []), as_of), row.placeholder,
                          row.name, row.rights_holder, row.sha)
        for row in rows_in(session, select(LanguageModel.id, LanguageModel.license, LanguageModel.placeholder,
                                         LanguageModel.name, LanguageModel.rights_holder, HubRecord.sha)
                         .outerjoin(HubRecord, HubRecord.model_id == LanguageModel.id), LanguageModel.id, ids)
    }
    parents = [
        ParentLink(row.child_id, row.parent_id, row.relation)
        for row in rows_in(session, select(ParentEdge.child_id, ParentEdge.parent_id, ParentEdge.relation),
                         ParentEdge.child_id, ids)
    ]
    training = [
        TrainingLink(row.model_id, row.dataset_id, row.stage)
        for row in rows_in(session, select(TrainingEdge.model_id, TrainingEdge.dataset_id, TrainingEdge.stage),
                         TrainingEdge.model_id, ids)
    ]
    dataset_ids = sorted({link.dataset for link in training})
    datasets = {
        row.id: DatasetNode(row.id, row.license, row.generated_by, row.placeholder)
        for row in rows_in(session, select(Dataset.id, Dataset.license, Dataset.generated_by, Dataset.placeholder),
                         Dataset.id, dataset_ids)
    }
    licences = load_licences(session, [m.license for m in models.values()] + [d.license for d in datasets.values()])
    return Lineage(start_ids[0] if start_ids else "", models, parents, datasets, training, licences)


def load_licences(session: Session, texts: list[str | None]) -> dict[str, LicenceRecord]:
    """The recorded licences the expressions name (an unreadable expression names none)."""
    licence_ids: set[str] = set()
    for text in texts:
        if text:
            try:
                licence_ids.update(expressions.licence_names(text))
            except expressions.InvalidExpression:
                pass
    return {
        row.id: LicenceRecord(row.id, row.terms or {}, row.binds_derivatives or {}, row.name,
                              tuple(row.categories or ()))
        for row in rows_in(session, select(Licence.id, Licence.terms, Licence.binds_derivatives, Licence.name,
                                         Licence.categories), Licence.id, sorted(licence_ids))
    }
