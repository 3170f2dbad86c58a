"""Effective terms and conflicts of a model: load a snapshot from the database, hand it to the pure domain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.domain.terms import EffectiveTerms, effective_terms
from api.store import conflict_index
from api.store.common import Page, require_model, resolve_one_licence
from api.store.snapshots import load_snapshot


def effective(session: Session, model_id: str, *, as_of: str | None = None, include_training_data: bool = True,
              training_data: str = "caveat") -> EffectiveTerms:
    model_id = require_model(session, model_id)
    return effective_terms(load_snapshot(session, [model_id], as_of, kept_closure=True), include_training_data, training_data)


def snapshot(session: Session, model_id: str):
    """The plain lineage snapshot above a model (for renderings such as the ML-BOM)."""
    model_id = require_model(session, model_id)
    return load_snapshot(session, [model_id], kept_closure=True)


def conflicts_page(session: Session, *, limit: int, after: str | None, license: str | None,
                   organisation: str | None, base_model: str | None = None) -> Page:
    """Models whose declared licence is looser than what they inherit, in id order (read from the kept table);
    `base_model` keeps the model and its whole family below it (a Hub-wide audit of a family)."""
    family = None
    if base_model:
        from api.store.models import get_model

        family = get_model(session, base_model).id
    licence_id = resolve_one_licence(session, license) or license if license else None
    return conflict_index.conflicts_page(session, limit=limit, after=after, licence_id=licence_id,
                                         organisation=organisation, family_of=family)
