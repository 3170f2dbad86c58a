"""Language model records and their edges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from api.domain.errors import AlreadyExists, InUse, InvalidReferences, InvalidValue, NotFound
from api.store import audit
from api.store.common import (
    Page,
    contains_text,
    keyset_page,
    lock_graph,
    normalise_expression,
    resolve_model_ids,
    resolve_one_licence,
)
from api.store.lineage import refuse_cycle
from api.store.tables import (
    Dataset,
    LanguageModel,
    LicenceAssignment,
    ModelAlias,
    ModelLicence,
    ParentEdge,
    TrainingEdge,
)

_FIELDS = ("name", "organisation", "rights_holder", "release_date", "parameters", "source_url", "placeholder",
           "sources")

LOAD = (
    selectinload(LanguageModel.parent_edges),
    selectinload(LanguageModel.training_edges),
    selectinload(LanguageModel.licence_links),
    selectinload(LanguageModel.licence_assignments),
    selectinload(LanguageModel.alias_records),
)


def get_model(session: Session, model_id: str) -> LanguageModel:
    """The model `model_id` names: its current id, in any case, or a former id."""
    model = session.get(LanguageModel, model_id, options=LOAD)
    if model is None:
        current = resolve_model_ids(session, [model_id]).get(model_id)
        model = session.get(LanguageModel, current, options=LOAD) if current else None
    if model is None:
        raise NotFound.record("model", model_id)
    return model


def _set_aliases(session: Session, model: LanguageModel, aliases: list[str]) -> None:
    """Replace the model's former ids; each may name no other model, current or former."""
    keys = {alias.lower(): alias for alias in aliases}
    if model.id.lower() in keys:
        raise InvalidValue(f"'{keys[model.id.lower()]}' is the model's own id, not a former one", errors={"aliases": ["contains the model's own id"]})
    taken = {key: owner for key, owner in resolve_model_ids(session, list(keys.values())).items() if owner != model.id}
    if taken:
        shown = "; ".join(f"'{alias}' names '{owner}'" for alias, owner in sorted(taken.items()))
        raise AlreadyExists(f"Aliases already in use: {shown}")
    current = {record.alias_key: record for record in model.alias_records}
    model.alias_records = [current.get(key) or ModelAlias(alias_key=key, alias=alias) for key, alias in keys.items()]
    for record in model.alias_records:
        record.alias = keys[record.alias_key]


def list_models(session: Session, *, limit: int, after: str | None = None, license: str | None = None,
                organisation: str | None = None, base_model: str | None = None, q: str | None = None) -> Page:
    statement = select(LanguageModel).options(*LOAD)
    if license:
        licence_id = resolve_one_licence(session, license) or license
        statement = statement.where(
            exists().where(ModelLicence.model_id == LanguageModel.id, ModelLicence.licence_id == licence_id)
        )
    if organisation:
        statement = statement.where(func.lower(LanguageModel.organisation) == organisation.lower())
    if base_model:
        base_model = resolve_model_ids(session, [base_model]).get(base_model, base_model)
        statement = statement.where(
            exists().where(ParentEdge.child_id == LanguageModel.id, ParentEdge.parent_id == base_model)
        )
    if q:
        statement = statement.where(contains_text(LanguageModel.id, q) | contains_text(LanguageModel.name, q))
    return keyset_page(session, statement, LanguageModel.id, limit, after)


def _apply_licence(session: Session, model: LanguageModel, expression: str | None) -> None:
    if expression is None:
        model.license = None
        model.licence_links = []
        return
    normalised, ids = normalise_expression(session, expression)
    model.license = normalised
    current = {link.licence_id: link for link in model.licence_links}
    model.licence_links = [current.get(i) or ModelLicence(licence_id=i) for i in ids]


def _record_licence(session: Session, model: LanguageModel, data: dict[str, Any], creating: bool) -> None:
    """Set the declared licence and keep its history: a change is appended, never overwritten."""
    if "license_history" in data:
        entries = [
            (normalise_expression(session, e["license"], "license_history")[0] if e["license"] else None, e)
            for e in data["license_history"]
        ]
        current = entries[-1][0] if entries else None
        if "license" in data:
            given = normalise_expression(session, data["license"])[0] if data["license"] else None
            if given != current:
                raise InvalidValue(f"'license' ({given}) must equal the last entry of 'license_history' ({current})", errors={"license": ["does not match license_history"]})
        model.licence_assignments = [
            LicenceAssignment(position=i, expression=expression, effective_from=e["effective_from"], source=e["source"])
            for i, (expression, e) in enumerate(entries)
        ]
        _apply_licence(session, model, current)
    elif "license" in data:
        previous = model.license
        _apply_licence(session, model, data["license"])
        if creating or model.license != previous:
            default_date = None if creating else dt.date.today().isoformat()
            model.licence_assignments.append(LicenceAssignment(
                position=len(model.licence_assignments),
                expression=model.license,
                effective_from=data.get("license_effective_from", default_date),
                source=(data.get("sources") or model.sources or {}).get("license"),
            ))


def _missing(session: Session, table, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    found = set(session.scalars(select(table.id).where(table.id.in_(ids))))
    return set(ids) - found


def _refuse_unknown_references(session: Session, data: dict[str, Any], current: dict[str, str] | None = None) -> None:
    """Refuse references to records that do not exist; parent ids are rewritten to the current id.

    `current`: resolve_model_ids of the parents, when the caller already asked (it names only models that exist)."""
    parents = data.get("parents") or []
    if current is None:
        current = resolve_model_ids(session, [ref["id"] for ref in parents])
    missing_parents = {ref["id"] for ref in parents if ref["id"] not in current}
    for ref in parents:
        ref["id"] = current.get(ref["id"], ref["id"])
    errors: dict[str, Any] = {}
    for field, table, what in (("parents", LanguageModel, "model"), ("datasets", Dataset, "dataset")):
        refs = data.get(field) or []
        missing = missing_parents if field == "parents" else _missing(session, table, [ref["id"] for ref in refs])
        if missing:
            errors[field] = {
                str(index): {"id": [f"{what} '{ref['id']}' does not exist"]}
                for index, ref in enumerate(refs)
                if ref["id"] in missing
            }
    if errors:
        names = sorted({msg for field in errors.values() for entry in field.values() for msg in entry["id"]})
        raise InvalidReferences("Unknown references: " + "; ".join(names), errors=errors)


def _set_parents(session: Session, model: LanguageModel, parents: list[dict[str, Any]], creating: bool) -> None:
    lock_graph(session)
    model.parent_edges = []
    session.flush()
    for ref in parents:
        if not creating:  # a model being created has no children yet: its edges cannot close a cycle
            refuse_cycle(session, model.id, ref["id"])
        model.parent_edges.append(ParentEdge(parent_id=ref["id"], relation=ref["relation"], source=ref["source"]))
        session.flush()


def _set_datasets(model: LanguageModel, datasets: list[dict[str, Any]]) -> None:
    current = {edge.dataset_id: edge for edge in model.training_edges}
    edges = []
    for ref in datasets:
        edge = current.get(ref["id"]) or TrainingEdge(dataset_id=ref["id"])
        edge.stage, edge.source = ref["stage"], ref["source"]
        edges.append(edge)
    model.training_edges = edges


def create_model(session: Session, data: dict[str, Any]) -> LanguageModel:
    lock_graph(session)
    # The new id and the parents' ids resolved together: one round of queries.
    known = resolve_model_ids(session, [data["id"], *(ref["id"] for ref in data.get("parents") or [])])
    existing = known.get(data["id"])
    if existing is not None:
        same = "" if existing == data["id"] else f" (as '{existing}': Hub ids match case-insensitively and " \
            "through former ids)"
        raise AlreadyExists(f"model '{data['id']}' already exists{same}")
    _refuse_unknown_references(session, data, known)
    model = LanguageModel(id=data["id"], parent_edges=[], training_edges=[], licence_links=[],
                          licence_assignments=[], alias_records=[])
    if data.get("aliases"):
        _set_aliases(session, model, data["aliases"])
    for field in _FIELDS:
        if field in data:
            setattr(model, field, data[field])
    _record_licence(session, model, data, creating=True)
    session.add(model)
    session.flush()
    _set_parents(session, model, data.get("parents", []), creating=True)
    _set_datasets(model, data.get("datasets", []))
    session.flush()
    audit.created(session, "model", model)
    return model


@contextmanager
def _changing(session: Session, model_id: str, action: str) -> Iterator[LanguageModel]:
    """Lock the graph, read the model and log what the block changes in it as `action` (bumping its version,
    so the ETag changes even when only edges changed)."""
    lock_graph(session)
    model = get_model(session, model_id)
    with audit.changing(session, "model", model, action):
        yield model


def update_model(session: Session, model_id: str, data: dict[str, Any]) -> LanguageModel:
    with _changing(session, model_id, "update") as model:
        _refuse_unknown_references(session, data)
        for field in _FIELDS:
            if field in data:
                setattr(model, field, data[field])
        if "aliases" in data:
            _set_aliases(session, model, data["aliases"])
        _record_licence(session, model, data, creating=False)
        if "parents" in data:
            _set_parents(session, model, data["parents"], creating=False)
        if "datasets" in data:
            _set_datasets(model, data["datasets"])
        session.flush()
    return model


def delete_model(session: Session, model_id: str) -> None:
    lock_graph(session)
    model = get_model(session, model_id)
    model_id = model.id
    children = list(session.scalars(select(ParentEdge.child_id).where(ParentEdge.parent_id == model_id).limit(6)))
    if children:
        shown = ", ".join(children[:5]) + (", …" if len(children) > 5 else "")
        raise InUse(f"model '{model_id}' is a parent of {shown}; remove those edges first")
    generated = list(session.scalars(select(Dataset.id).where(Dataset.generated_by == model_id).limit(6)))
    if generated:
        raise InUse(f"model '{model_id}' generated dataset(s) {', '.join(generated[:5])}; "
                      "change their generated_by first")
    audit.delete(session, "model", model)


def add_parent(session: Session, model_id: str, ref: dict[str, Any]) -> ParentEdge:
    with _changing(session, model_id, "add_parent") as model:
        _refuse_unknown_references(session, {"parents": [ref]})  # the parent's id becomes its current id
        refuse_cycle(session, model.id, ref["id"])
        edge = ParentEdge(parent_id=ref["id"], relation=ref["relation"], source=ref["source"])
        return _add_edge(session, model.parent_edges, edge, "parent_id",
                         f"'{ref['id']}' is already a parent of '{model.id}'")


def remove_parent(session: Session, model_id: str, parent_id: str) -> None:
    with _changing(session, model_id, "remove_parent") as model:
        parent_id = resolve_model_ids(session, [parent_id]).get(parent_id, parent_id)
        _remove_edge(session, model.parent_edges, "parent_id", parent_id,
                     f"'{parent_id}' is not a parent of '{model.id}'")


def add_dataset(session: Session, model_id: str, ref: dict[str, Any]) -> TrainingEdge:
    with _changing(session, model_id, "add_dataset") as model:
        _refuse_unknown_references(session, {"datasets": [ref]})
        edge = TrainingEdge(dataset_id=ref["id"], stage=ref["stage"], source=ref["source"])
        return _add_edge(session, model.training_edges, edge, "dataset_id",
                         f"'{model.id}' is already linked to dataset '{ref['id']}'")


def remove_dataset(session: Session, model_id: str, dataset_id: str) -> None:
    with _changing(session, model_id, "remove_dataset") as model:
        _remove_edge(session, model.training_edges, "dataset_id", dataset_id,
                     f"'{model.id}' is not linked to dataset '{dataset_id}'")


def _add_edge(session: Session, edges: list, edge, end: str, already_there: str):
    """Append `edge` to the model's `edges`; AlreadyExists(`already_there`) if one already leads to the same record
    (`end`: the column naming it, parent_id or dataset_id)."""
    if any(getattr(e, end) == getattr(edge, end) for e in edges):
        raise AlreadyExists(already_there)
    edges.append(edge)
    session.flush()
    return edge


def _remove_edge(session: Session, edges: list, end: str, end_id: str, not_there: str) -> None:
    """Remove the edge of the model's `edges` that leads to `end_id` (`end`: the column naming it, parent_id or
    dataset_id); NotFound(`not_there`) if none does."""
    edge = next((e for e in edges if getattr(e, end) == end_id), None)
    if edge is None:
        raise NotFound(not_there)
    edges.remove(edge)
    session.flush()
