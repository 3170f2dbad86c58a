"""The audit log: every successful change, who made it, and the record before and after.

The actor is a context variable set per request by the auth layer (the token's name), or by the
command that writes (`catalogue`, `import-cards`); it defaults to `system`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.common import Page, keyset_page
from api.store.tables import AuditEvent, Dataset, LanguageModel, Licence

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


def record(session: Session, action: str, resource_type: str, resource_id: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Append one event to the log, in the caller's transaction (so it commits or rolls back with the change)."""
    session.add(AuditEvent(actor=current_actor.get(), action=action, resource_type=resource_type,
                           resource_id=resource_id, before=before, after=after))


def history(session: Session, resource_type: str, resource_id: str, *, limit: int, after: int | None) -> Page:
    """Events for one resource, oldest first, one keyset page by event id."""
    base = select(AuditEvent).where(AuditEvent.resource_type == resource_type, AuditEvent.resource_id == resource_id)
    return keyset_page(session, base, AuditEvent.id, limit, after)
