"""The audit log: every successful change, who made it, and the record before and after.

The actor is a context variable set per request by the auth layer (the token's name), or by the
command that writes (`catalogue`, `import-cards`); it defaults to `system`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.common import Page, keyset_page
from api.store.tables import AuditEvent, Dataset, LanguageModel, Licence, utcnow

current_actor: ContextVar[str] = ContextVar("current_actor", default="system")


def licence_state(licence: Licence) -> dict[str, Any]:
    return {"id": licence.id, "name": licence.name, "url": licence.url, "version_date": licence.version_date,
            "aliases": licence.aliases, "categories": licence.categories, "terms": licence.terms,
            "binds_derivatives": licence.binds_derivatives}


def model_state(model: LanguageModel) -> dict[str, Any]:
    """The model as logged; edges and former ids in a fixed order, so a reordered list is no change."""
    return {"id": model.id, "name": model.name, "organisation": model.organisation,
            "rights_holder": model.rights_holder, "aliases": sorted(model.aliases, key=str.lower),
            "release_date": model.release_date, "parameters": model.parameters, "license": model.license,
            "license_history": model.license_history, "source_url": model.source_url,
            "placeholder": model.placeholder, "sources": model.sources,
            "parents": sorted(model.parents, key=_by_id), "datasets": sorted(model.datasets, key=_by_id)}


def _by_id(edge: dict[str, Any]) -> str:
    return edge["id"]


def dataset_state(dataset: Dataset) -> dict[str, Any]:
    return {"id": dataset.id, "name": dataset.name, "license": dataset.license, "source_url": dataset.source_url,
            "generated_by": dataset.generated_by, "placeholder": dataset.placeholder, "sources": dataset.sources,
            "description": dataset.description}


_STATES = {"licence": licence_state, "model": model_state, "dataset": dataset_state}


def created(session: Session, resource_type: str, row) -> None:
    """Log the creation of `row` (a licence, model or dataset, flushed) with its state after."""
    record(session, "create", resource_type, row.id, None, _STATES[resource_type](row))


@contextmanager
def changing(session: Session, resource_type: str, row, action: str = "update") -> Iterator[None]:
    """Log what the block changes in `row` (a licence, model or dataset) as `action`, with its state before and
    after; a block that changes nothing is not logged.

    A change bumps the row's version, so its ETag moves even when only its edges or aliases changed.
    """
    state = _STATES[resource_type]
    before = state(row)
    yield
    after = state(row)
    if after != before:
        row.updated_at = utcnow()
        session.flush()
        record(session, action, resource_type, row.id, before, after)


def delete(session: Session, resource_type: str, row) -> None:
    """Delete `row` (a licence, model or dataset) and log its state before."""
    row_id, before = row.id, _STATES[resource_type](row)
    session.delete(row)
    session.flush()
    record(session, "delete", resource_type, row_id, before, None)


def record(session: Session, action: str, resource_type: str, resource_id: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Append one event to the log, in the caller's transaction (so it commits or rolls back with the change)."""
    session.add(AuditEvent(actor=current_actor.get(), action=action, resource_type=resource_type,
                           resource_id=resource_id, before=before, after=after))


def history(session: Session, resource_type: str, resource_id: str, *, limit: int, after: int | None) -> Page:
    """Events for one resource, oldest first, one keyset page by event id."""
    base = select(AuditEvent).where(AuditEvent.resource_type == resource_type, AuditEvent.resource_id == resource_id)
    return keyset_page(session, base, AuditEvent.id, limit, after)
