"""Dataset records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from api.domain.errors import AlreadyExists, InUse, InvalidReferences, NotFound
from api.store import audit
from api.store.common import Page, contains_text, keyset_page, lock_graph, normalise_expression, resolve_one_licence
from api.store.tables import Dataset, DatasetLicence, LanguageModel, TrainingEdge

_FIELDS = ("name", "source_url", "placeholder", "sources", "description")


def get_dataset(session: Session, dataset_id: str) -> Dataset:
    dataset = session.get(Dataset, dataset_id, options=[selectinload(Dataset.licence_links)])
    if dataset is None:
        raise NotFound.record("dataset", dataset_id)
    return dataset


def list_datasets(session: Session, *, limit: int, after: str | None = None, license: str | None = None,
                  generated_by: str | None = None, q: str | None = None) -> Page:
    statement = select(Dataset).options(selectinload(Dataset.licence_links))
    if license:
        licence_id = resolve_one_licence(session, license) or license
        statement = statement.where(
            exists().where(DatasetLicence.dataset_id == Dataset.id, DatasetLicence.licence_id == licence_id)
        )
    if generated_by:
        statement = statement.where(Dataset.generated_by == generated_by)
    if q:
        statement = statement.where(contains_text(Dataset.id, q) | contains_text(Dataset.name, q))
    return keyset_page(session, statement, Dataset.id, limit, after)


def _apply(session: Session, dataset: Dataset, data: dict[str, Any]) -> None:
    for field in _FIELDS:
        if field in data:
            setattr(dataset, field, data[field])
    if "generated_by" in data:
        generator = data["generated_by"]
        if generator is not None and session.get(LanguageModel, generator) is None:
            raise InvalidReferences(f"generated_by: model '{generator}' does not exist",
                          errors={"generated_by": [f"model '{generator}' does not exist"]})
        dataset.generated_by = generator
    if "license" in data:
        if data["license"] is None:
            dataset.license, dataset.licence_links = None, []
        else:
            dataset.license, ids = normalise_expression(session, data["license"])
            current = {link.licence_id: link for link in dataset.licence_links}
            dataset.licence_links = [current.get(i) or DatasetLicence(licence_id=i) for i in ids]


def create_dataset(session: Session, data: dict[str, Any]) -> Dataset:
    lock_graph(session)
    if session.get(Dataset, data["id"]) is not None:
        raise AlreadyExists(f"dataset '{data['id']}' already exists")
    dataset = Dataset(id=data["id"], licence_links=[])
    _apply(session, dataset, data)
    session.add(dataset)
    session.flush()
    audit.created(session, "dataset", dataset)
    return dataset


def update_dataset(session: Session, dataset_id: str, data: dict[str, Any]) -> Dataset:
    lock_graph(session)
    dataset = get_dataset(session, dataset_id)
    with audit.changing(session, "dataset", dataset):
        _apply(session, dataset, data)
    return dataset


def delete_dataset(session: Session, dataset_id: str) -> None:
    lock_graph(session)
    dataset = get_dataset(session, dataset_id)
    users = session.scalar(select(func.count()).where(TrainingEdge.dataset_id == dataset_id))
    if users:
        raise InUse(f"dataset '{dataset_id}' is linked to {users} model(s); remove those links first")
    audit.delete(session, "dataset", dataset)
