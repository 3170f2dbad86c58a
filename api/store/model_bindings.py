"""Each model's bindings (`ModelBindings`): written by the conflicts refresh from the effective terms it computes
anyway, read by the batch compliance check instead of loading and walking every model's lineage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from api.store.common import one_of
from api.store.snapshots import rows_in
from api.store.tables import ModelBindings


def load(session: Session, model_ids: list[str]) -> dict[str, list[list[Any]]]:
    """The stored groups of each of these models that has a row."""
    return {model_id: groups for model_id, groups in rows_in(
        session, select(ModelBindings.model_id, ModelBindings.groups), ModelBindings.model_id, model_ids)}


def expressions_in(stored: dict[str, list[list[Any]]]) -> list[str]:
    """Every licence expression the stored groups carry (once each)."""
    return list({group[3] for groups in stored.values() for group in groups if group[3]})


def replace(session: Session, rows: list[dict[str, Any]], stored_ids: list[str]) -> None:
    """Write these rows (`model_id`, `groups`), first removing what `stored_ids` had."""
    if stored_ids:
        session.execute(delete(ModelBindings).where(one_of(session, ModelBindings.model_id, stored_ids)))
    if rows:
        session.execute(insert(ModelBindings), rows)
