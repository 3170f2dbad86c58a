"""What the notice bundle needs from the database besides the lineage: each licence's name and link."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.tables import Licence


def licence_records(session: Session, ids: set[str]) -> list[tuple[str, str | None, str | None]]:
    """(id, name, url) of each recorded licence among `ids`: one query."""
    if not ids:
        return []
    rows = session.execute(select(Licence.id, Licence.name, Licence.url).where(Licence.id.in_(sorted(ids))))
    return [(row.id, row.name, row.url) for row in rows]
