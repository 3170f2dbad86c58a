"""Store side of the Hub: what needs fetching, and writing a fetched model through the card import path."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, literal, or_, select, update
from sqlalchemy.orm import Session

from api.domain import model_cards
from api.domain.errors import DomainError
from api.hub.cards import card_text
from api.hub.client import HubModel
from api.store import closure, conflict_index
from api.store import models as model_store
from api.store.common import resolve_model_id
from api.store.imports import CardInput, import_card
from api.store.tables import HubRecord, LanguageModel, ModelAlias, ParentEdge, utcnow


def cutoff(ttl_seconds: int, now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(seconds=ttl_seconds)


def lookup(session: Session, model_id: str) -> tuple[str | None, bool, dt.datetime | None]:
    """(current id or None, placeholder?, Hub fetch time or None for a curated record)."""
    current = resolve_model_id(session, model_id)
    if current is None:
        return None, False, None
    row = session.execute(
        select(LanguageModel.placeholder, HubRecord.fetched_at)
        .outerjoin(HubRecord, HubRecord.model_id == LanguageModel.id)
        .where(LanguageModel.id == current)
    ).one()
    return current, bool(row.placeholder), row.fetched_at


def survey(session: Session, model_id: str, ttl_seconds: int, max_depth: int) -> tuple[str | None, bool, list[str]]:
    """(current id or None, does the model itself need the Hub?, ancestors that do): one query when the id is
    written as stored. Needing the Hub: a placeholder, or a Hub record older than the TTL."""
    edge = ParentEdge.__table__
    start = select(LanguageModel.id.label("id"), literal(0).label("depth")).where(LanguageModel.id == model_id)
    walk = start.cte("hub_survey", recursive=True)
    walk = walk.union(select(edge.c.parent_id, walk.c.depth + 1)
                      .join(walk, edge.c.child_id == walk.c.id).where(walk.c.depth < max_depth))
    rows = session.execute(
        select(LanguageModel.id, walk.c.depth)
        .join(walk, LanguageModel.id == walk.c.id)
        .outerjoin(HubRecord, HubRecord.model_id == LanguageModel.id)
        .where(or_(walk.c.depth == 0, LanguageModel.placeholder, HubRecord.fetched_at < cutoff(ttl_seconds)))
        .add_columns(or_(LanguageModel.placeholder, HubRecord.fetched_at < cutoff(ttl_seconds)).label("needs"))
    ).all()
    root = [row for row in rows if row.depth == 0]
    if not root:
        current = resolve_model_id(session, model_id)
        return (None, True, []) if current is None else survey(session, current, ttl_seconds, max_depth)
    ancestors = sorted({row.id for row in rows if row.depth > 0 and row.needs})
    return model_id, bool(root[0].needs), ancestors


def hub_ids_older_than(session: Session, seconds: int) -> list[str]:
    return list(session.scalars(select(HubRecord.model_id).where(HubRecord.fetched_at < cutoff(seconds))
                                .order_by(HubRecord.model_id)))


def fetched_since(session: Session, ids: list[str], seconds: int) -> set[str]:
    """The ids (any case) whose Hub record is younger than `seconds`: done by an earlier sync."""
    if not ids:
        return set()
    lowered = {i.lower(): i for i in ids}
    rows = session.execute(select(LanguageModel.id).join(HubRecord, HubRecord.model_id == LanguageModel.id)
                           .where(HubRecord.fetched_at >= cutoff(seconds)))
    return {lowered[row.id.lower()] for row in rows if row.id.lower() in lowered}


def _set_record(session: Session, model_id: str, model: HubModel | None, url: str, *, status: str = "ok",
                reason: str | None = None) -> None:
    record = session.get(HubRecord, model_id) or HubRecord(model_id=model_id)
    record.sha = model.sha if model else None
    record.gated = model.gated if model else None
    record.fetched_at = utcnow()
    record.status, record.reason, record.url = status, reason, url
    session.add(record)


def alias_former_id(session: Session, former: str, current: str | None) -> None:
    """The Hub renamed a repo Pedigree holds under its current id: answer under the former one too."""
    if current is not None:
        _take_over_former_id(session, former, current)


def _take_over_former_id(session: Session, former: str, current: str) -> None:
    """A renamed repo: a placeholder under the former id hands its children over, and the id becomes an alias."""
    if former.lower() == current.lower():
        return
    held = resolve_model_id(session, former)
    if held == current:
        return
    if held is not None:
        placeholder = session.get(LanguageModel, held)
        if not placeholder.placeholder:
            return  # a described model of its own: leave both alone
        children = set(session.scalars(select(ParentEdge.child_id).where(ParentEdge.parent_id == current)))
        moved = set(session.scalars(select(ParentEdge.child_id).where(ParentEdge.parent_id == held)))
        # These statements bypass the ORM: the kept closure and conflicts are told what they change.
        closure.note_changed(session, moved, deleted=[held])
        conflict_index.note_changed(session, moved, deleted=[held])
        session.execute(delete(ParentEdge).where(ParentEdge.parent_id == held, ParentEdge.child_id.in_(children)))
        session.execute(update(ParentEdge).where(ParentEdge.parent_id == held).values(parent_id=current))
        session.execute(delete(ModelAlias).where(ModelAlias.model_id == held))
        session.execute(delete(LanguageModel).where(LanguageModel.id == held))
        session.expire_all()
    session.add(ModelAlias(alias_key=former.lower(), alias=former, model_id=current))
    session.flush()


def write_model(session: Session, requested: str, model: HubModel, url: str) -> tuple[str, list[str]]:
    """Import one fetched model through the card import path; returns its id and the import's warnings."""
    savepoint = session.begin_nested()
    try:
        result = import_card(session, CardInput(id=model.id, content=card_text(model), source_url=url))
        savepoint.commit()
    except (model_cards.CardError, DomainError) as error:
        savepoint.rollback()
        reason = error.detail if isinstance(error, DomainError) else str(error)
        write_unreadable(session, requested, model.id, url, f"the Hub card could not be used: {reason}",
                         model=model)
        return model.id, [reason]
    _set_record(session, model.id, model, url)
    _take_over_former_id(session, requested, model.id)
    return model.id, result.warnings


def write_unreadable(session: Session, requested: str, model_id: str, url: str, reason: str, *,
                     status: str = "gated", model: HubModel | None = None) -> str:
    """Record a model whose card is not public (or not usable): what is public, licence unknown, and why."""
    current = resolve_model_id(session, model_id)
    if current is None:
        model_store.create_model(session, {"id": model_id, "placeholder": False, "license": None,
                                           "source_url": url, "sources": {}})
        current = model_id
    else:
        existing = session.get(LanguageModel, current)
        if existing.placeholder:
            model_store.update_model(session, current, {"placeholder": False})
    _set_record(session, current, model, url, status=status, reason=reason)
    _take_over_former_id(session, requested, current)
    return current
