"""Queries of the web view: search ranked for people, direct children, models under a licence.

Search matches models by id, name, organisation or licence.

Relevance tiers, computed in SQL so a large catalogue is ranked and paged by the database:
0 the exact id; 1 the organisation is the word searched for (`meta-llama` for "llama"); 2 the id,
its name part or the name begins with it; 3 everything else that mentions it (id, name,
organisation, or a licence whose id, alias or name contains it). Ties: complete records before
placeholders, shorter ids first, then id order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from api.store.common import Page, keyset_page
from api.store.tables import LanguageModel, Licence, LicenceAlias, ModelLicence, ParentEdge

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Hit:
    id: str
    name: str | None
    organisation: str | None
    license: str | None
    placeholder: bool
    tier: int


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column, pattern: str):
    return column.like(pattern, escape="\\")


def matching_licence_ids(session: Session, q: str) -> list[str]:
    """Licences whose id, alias or name contains the text (case-insensitive)."""
    needle = f"%{_escape(q.strip().lower()[:MAX_QUERY_LENGTH])}%"
    return list(session.scalars(
        select(Licence.id).where(or_(
            _like(func.lower(Licence.id), needle),
            _like(func.lower(Licence.name), needle),
            exists().where(LicenceAlias.licence_id == Licence.id, _like(LicenceAlias.alias, needle)),
        )).order_by(Licence.id)
    ))


def search_models(session: Session, q: str, *, limit: int, offset: int,
                  licences: list[str] | None = None) -> tuple[list[Hit], int]:
    """One page of models matching `q`, most relevant first, and the number of matches.

    `licences`: the ids `matching_licence_ids(q)` gave, if the caller already asked."""
    text = q.strip().lower()[:MAX_QUERY_LENGTH]
    word = _escape(text)
    model_id = func.lower(LanguageModel.id)
    if licences is None:
        licences = matching_licence_ids(session, text)
    mentions = [
        _like(model_id, f"%{word}%"),
        _like(func.lower(LanguageModel.name), f"%{word}%"),
        _like(func.lower(LanguageModel.organisation), f"%{word}%"),
    ]
    if licences:
        mentions.append(exists().where(ModelLicence.model_id == LanguageModel.id,
                                       ModelLicence.licence_id.in_(licences)))
    tier = case(
        (model_id == text, 0),
        (or_(_like(model_id, f"{word}/%"), _like(model_id, f"%-{word}/%"), _like(model_id, f"{word}-%/%"),
             _like(model_id, f"%-{word}-%/%"), func.lower(LanguageModel.organisation) == text), 1),
        (or_(_like(model_id, f"{word}%"), _like(model_id, f"%/{word}%"),
             _like(func.lower(LanguageModel.name), f"{word}%")), 2),
        else_=3,
    ).label("tier")
    matches = select(LanguageModel.id).where(or_(*mentions))
    total = session.scalar(select(func.count()).select_from(matches.subquery())) or 0
    rows = session.execute(
        select(LanguageModel.id, LanguageModel.name, LanguageModel.organisation, LanguageModel.license,
               LanguageModel.placeholder, tier)
        .where(or_(*mentions))
        .order_by(tier, LanguageModel.placeholder, func.length(LanguageModel.id), LanguageModel.id)
        .limit(limit).offset(offset)
    )
    return [Hit(r.id, r.name, r.organisation, r.license, bool(r.placeholder), r.tier) for r in rows], total


def models_under_licence(session: Session, licence_id: str, *, limit: int, after: str | None) -> Page:
    """One keyset page (id order) of the models whose declared licence names the licence, and how many there are."""
    named = select(ModelLicence.model_id).where(ModelLicence.licence_id == licence_id)
    query = (select(LanguageModel.id, LanguageModel.name, LanguageModel.license, LanguageModel.placeholder)
             .where(LanguageModel.id.in_(named)))
    return keyset_page(session, query, LanguageModel.id, limit, after, count=named)


def direct_children(session: Session, model_id: str, *, limit: int, after: str | None) -> Page:
    """One keyset page (id order) of (child_id, relation) directly below the model, and how many there are."""
    query = select(ParentEdge.child_id, ParentEdge.relation).where(ParentEdge.parent_id == model_id)
    return keyset_page(session, query, ParentEdge.child_id, limit, after)
