"""One model read in two queries (the record with its Hub fetch, then every edge, alias and licence in one
UNION ALL), for the most frequent request; writes and lists use the ORM records of api/store/models.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from api.domain.errors import NotFound
from api.store.common import resolve_model_ids
from api.store.tables import (
    HubRecord,
    LanguageModel,
    LicenceAssignment,
    ModelAlias,
    ModelLicence,
    ParentEdge,
    TrainingEdge,
)


@dataclass
class HubFetch:
    sha: str | None
    fetched_at: datetime
    status: str
    gated: str | None
    reason: str | None
    url: str | None


@dataclass
class ModelRecord:
    """A model as read: the attributes the model schema and the ETag read from the ORM record, and no more."""

    id: str
    name: str | None
    organisation: str | None
    rights_holder: str | None
    release_date: str | None
    parameters: int | None
    license: str | None
    source_url: str | None
    placeholder: bool
    sources: dict[str, str]
    version: int
    created_at: datetime
    updated_at: datetime
    hub_record: HubFetch | None = None
    aliases: list[str] = field(default_factory=list)
    licence_ids: list[str] = field(default_factory=list)
    license_history: list[dict[str, Any]] = field(default_factory=list)
    parents: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)


_MODEL = LanguageModel.__table__
_HUB = HubRecord.__table__
_RECORD = select(*_MODEL.c, _HUB.c.sha, _HUB.c.fetched_at, _HUB.c.status, _HUB.c.gated, _HUB.c.reason,
                 _HUB.c.url.label("hub_url"), _HUB.c.model_id.label("hub_model")).outerjoin(
    _HUB, _HUB.c.model_id == _MODEL.c.id)


def _parts(model_id: str):
    """Every edge, alias, licence link and licence assignment of the model: (part, key, a, b, position)."""
    def text(value):
        return cast(value, String(2000)) if value is not None else cast(null(), String(2000))

    p, t, a, ml, la = (ParentEdge.__table__, TrainingEdge.__table__, ModelAlias.__table__, ModelLicence.__table__,
                       LicenceAssignment.__table__)
    return union_all(
        select(literal("parent"), text(p.c.parent_id), text(p.c.relation), text(p.c.source),
               cast(null(), Integer)).where(p.c.child_id == model_id),
        select(literal("dataset"), text(t.c.dataset_id), text(t.c.stage), text(t.c.source),
               cast(null(), Integer)).where(t.c.model_id == model_id),
        select(literal("alias"), text(a.c.alias_key), text(a.c.alias), text(None),
               cast(null(), Integer)).where(a.c.model_id == model_id),
        select(literal("licence"), text(ml.c.licence_id), text(None), text(None),
               cast(null(), Integer)).where(ml.c.model_id == model_id),
        select(literal("history"), text(la.c.expression), text(la.c.effective_from), text(la.c.source),
               la.c.position).where(la.c.model_id == model_id),
    )


def read_model(session: Session, model_id: str) -> ModelRecord:
    """The model `model_id` names (its id, another case, or a former id), as the API shows it."""
    row = session.execute(_RECORD.where(_MODEL.c.id == model_id)).mappings().first()
    if row is None:
        current = resolve_model_ids(session, [model_id]).get(model_id)
        row = session.execute(_RECORD.where(_MODEL.c.id == current)).mappings().first() if current else None
    if row is None:
        raise NotFound.record("model", model_id)
    record = ModelRecord(**{column.key: row[column.key] for column in _MODEL.c})
    if row["hub_model"] is not None:
        record.hub_record = HubFetch(row["sha"], row["fetched_at"], row["status"], row["gated"], row["reason"],
                                     row["hub_url"])
    _fill(record, session.execute(_parts(record.id)).all())
    return record


def _fill(record: ModelRecord, parts) -> None:
    """Put the parts in the orders the ORM relationships give them."""
    aliases, history = [], []
    for part, key, a, b, position in parts:
        if part == "parent":
            record.parents.append({"id": key, "relation": a, "source": b})
        elif part == "dataset":
            record.datasets.append({"id": key, "stage": a, "source": b})
        elif part == "alias":
            aliases.append((key, a))
        elif part == "licence":
            record.licence_ids.append(key)
        else:
            history.append((position, {"license": key, "effective_from": a, "source": b}))
    record.parents.sort(key=lambda edge: edge["id"])
    record.datasets.sort(key=lambda edge: edge["id"])
    record.aliases = [alias for _, alias in sorted(aliases)]
    record.licence_ids.sort()
    record.license_history = [entry for _, entry in sorted(history, key=lambda item: item[0])]
