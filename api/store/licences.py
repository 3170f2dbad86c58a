"""Licence records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from api.domain.errors import AlreadyExists, Clash, InUse, NotFound
from api.store import audit
from api.store.common import Page, contains_text, keyset_page, lock_graph
from api.store.tables import DatasetLicence, Licence, LicenceAlias, ModelLicence

_FIELDS = ("name", "url", "version_date", "categories", "terms", "binds_derivatives")


def get_licence(session: Session, licence_id: str) -> Licence:
    licence = session.get(Licence, licence_id, options=[selectinload(Licence.alias_records)])
    if licence is None:
        raise NotFound.record("licence", licence_id)
    return licence


def list_licences(session: Session, *, limit: int, after: str | None = None,
                  q: str | None = None, category: str | None = None) -> Page:
    statement = select(Licence).options(selectinload(Licence.alias_records))
    if q:
        statement = statement.where(
            contains_text(Licence.id, q)
            | contains_text(Licence.name, q)
            | exists().where(LicenceAlias.licence_id == Licence.id, contains_text(LicenceAlias.alias, q))
        )
    if category:
        # Categories are a short JSON list; match them in Python to stay portable across back ends.
        statement = statement.where(Licence.id.in_(_ids_with_category(session, category)))
    return keyset_page(session, statement, Licence.id, limit, after)


def _ids_with_category(session: Session, category: str) -> list[str]:
    wanted = category.lower()
    return [
        licence_id
        for licence_id, categories in session.execute(select(Licence.id, Licence.categories))
        if any(c.lower() == wanted for c in categories or [])
    ]


def _set_aliases(session: Session, licence: Licence, aliases: list[str]) -> None:
    lowered = sorted({alias.strip().lower() for alias in aliases if alias.strip()})
    if lowered:
        taken = session.execute(
            select(LicenceAlias.alias, LicenceAlias.licence_id).where(
                LicenceAlias.alias.in_(lowered), LicenceAlias.licence_id != licence.id
            )
        ).all()
        clashes = [f"'{alias}' (alias of {owner})" for alias, owner in taken]
        clashes += [
            f"'{lid.lower()}' (id of {lid})"
            for (lid,) in session.execute(
                select(Licence.id).where(func.lower(Licence.id).in_(lowered), Licence.id != licence.id)
            )
        ]
        if clashes:
            raise Clash("Alias already names another licence: " + ", ".join(sorted(clashes)))
    current = {a.alias: a for a in licence.alias_records}
    licence.alias_records = [current.get(alias) or LicenceAlias(alias=alias) for alias in lowered]


def create_licence(session: Session, data: dict[str, Any]) -> Licence:
    lock_graph(session)
    if session.get(Licence, data["id"]) is not None:
        raise AlreadyExists(f"licence '{data['id']}' already exists")
    clash = session.scalar(select(LicenceAlias.licence_id).where(LicenceAlias.alias == data["id"].lower()))
    if clash:
        raise Clash(f"'{data['id']}' is already an alias of licence {clash}")
    licence = Licence(id=data["id"], alias_records=[])
    for field in _FIELDS:
        if field in data:
            setattr(licence, field, data[field])
    session.add(licence)
    _set_aliases(session, licence, data.get("aliases", []))
    session.flush()
    audit.created(session, "licence", licence)
    return licence


def update_licence(session: Session, licence_id: str, data: dict[str, Any]) -> Licence:
    lock_graph(session)
    licence = get_licence(session, licence_id)
    with audit.changing(session, "licence", licence):  # alias changes alone also bump the version (ETag)
        for field in _FIELDS:
            if field in data:
                setattr(licence, field, data[field])
        if "aliases" in data:
            _set_aliases(session, licence, data["aliases"])
    return licence


def delete_licence(session: Session, licence_id: str) -> None:
    lock_graph(session)
    licence = get_licence(session, licence_id)
    models = session.scalar(select(func.count()).where(ModelLicence.licence_id == licence_id))
    datasets = session.scalar(select(func.count()).where(DatasetLicence.licence_id == licence_id))
    if models or datasets:
        raise InUse(f"licence '{licence_id}' is named by {models} model(s) and {datasets} dataset(s); "
            "change their licences first",
        )
    audit.delete(session, "licence", licence)
