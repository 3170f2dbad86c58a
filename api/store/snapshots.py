"""Load the plain lineage snapshot the domain needs, in a fixed number of queries.

One recursive CTE collects every model above the start models, following parent edges and
dataset → generating-model links; then one query each for models, edges, datasets, licences.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain import expressions
from api.domain.in_force import licence_in_force
from api.domain.lineage import DatasetNode, LicenceRecord, Lineage, ModelNode, ParentLink, TrainingLink
from api.store.tables import Dataset, HubRecord, LanguageModel, Licence, LicenceAssignment, ParentEdge, TrainingEdge


def _parent_closure(session: Session, start_ids: list[str]) -> set[str]:
    """The start models that exist and every model above them through parent edges: one recursive CTE."""
    edge = ParentEdge.__table__
    model = LanguageModel.__table__
    walk = select(model.c.id).where(model.c.id.in_(start_ids)).cte("walk", recursive=True)
    walk = walk.union(select(edge.c.parent_id).join(walk, edge.c.child_id == walk.c.id))
    return set(session.scalars(select(walk.c.id)))


def models_above(session: Session, start_ids: list[str]) -> set[str]:
    """The start models and every model above them: parents, and the generators of their training data.

    One indexed CTE over parent edges, then one more round only where generated datasets lead to
    models not reached yet (usually none, rarely more than one round).
    """
    found: set[str] = set()
    frontier = sorted(set(start_ids))
    while frontier:
        reached = _parent_closure(session, frontier) - found
        found |= reached
        generators = session.scalars(
            select(Dataset.generated_by).distinct()
            .join(TrainingEdge, TrainingEdge.dataset_id == Dataset.id)
            .where(TrainingEdge.model_id.in_(sorted(reached)), Dataset.generated_by.is_not(None))
        ) if reached else []
        frontier = sorted(set(generators) - found)
    return found


def load_snapshot(session: Session, start_ids: list[str], as_of: str | None = None) -> Lineage:
    """Everything above the start models. `root` is the first start id."""
    ids = sorted(models_above(session, start_ids))
    history: dict[str, list[dict]] = {}
    if as_of is not None:
        for row in session.execute(
            select(LicenceAssignment.model_id, LicenceAssignment.expression, LicenceAssignment.effective_from)
            .where(LicenceAssignment.model_id.in_(ids))
            .order_by(LicenceAssignment.model_id, LicenceAssignment.position)
        ):
            history.setdefault(row.model_id, []).append({"license": row.expression, "effective_from": row.effective_from})
    models = {
        row.id: ModelNode(row.id, licence_in_force(row.license, history.get(row.id, []), as_of), row.placeholder,
                          row.name, row.rights_holder, row.sha)
        for row in session.execute(
            select(LanguageModel.id, LanguageModel.license, LanguageModel.placeholder, LanguageModel.name,
                   LanguageModel.rights_holder, HubRecord.sha)
            .outerjoin(HubRecord, HubRecord.model_id == LanguageModel.id)
            .where(LanguageModel.id.in_(ids))
        )
    }
    parents = [
        ParentLink(row.child_id, row.parent_id, row.relation)
        for row in session.execute(
            select(ParentEdge.child_id, ParentEdge.parent_id, ParentEdge.relation).where(ParentEdge.child_id.in_(ids))
        )
    ]
    training = [
        TrainingLink(row.model_id, row.dataset_id, row.stage)
        for row in session.execute(
            select(TrainingEdge.model_id, TrainingEdge.dataset_id, TrainingEdge.stage)
            .where(TrainingEdge.model_id.in_(ids))
        )
    ]
    dataset_ids = sorted({link.dataset for link in training})
    datasets = {
        row.id: DatasetNode(row.id, row.license, row.generated_by, row.placeholder)
        for row in session.execute(
            select(Dataset.id, Dataset.license, Dataset.generated_by, Dataset.placeholder)
            .where(Dataset.id.in_(dataset_ids))
        )
    }
    licence_ids: set[str] = set()
    for text in [m.license for m in models.values()] + [d.license for d in datasets.values()]:
        if text:
            try:
                licence_ids.update(expressions.licence_names(text))
            except expressions.InvalidExpression:
                pass
    licences = {
        row.id: LicenceRecord(row.id, row.terms or {}, row.binds_derivatives or {}, row.name,
                              tuple(row.categories or ()))
        for row in session.execute(
            select(Licence.id, Licence.terms, Licence.binds_derivatives, Licence.name, Licence.categories)
            .where(Licence.id.in_(sorted(licence_ids)))
        )
    }
    return Lineage(start_ids[0] if start_ids else "", models, parents, datasets, training, licences)
