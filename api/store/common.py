"""Helpers every store module shares: transactions, keyset pages, licence resolution."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Select, String, any_, bindparam, func, literal_column, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from api.domain import expressions
from api.domain.errors import InvalidValue, NotFound
from api.store.tables import LanguageModel, Licence, LicenceAlias, ModelAlias

# Key for the PostgreSQL advisory lock that serialises writes to the lineage graph.
GRAPH_WRITE_LOCK = 0x50ED16EE
# Above this many start ids, a walk asks PostgreSQL for index plans (prefer_index_walks).
MANY = 100
_LOCKED_IN = "pedigree.graph_locked_in"  # the session transaction that took the graph lock
_INDEX_WALKS = "pedigree.index_walks_in"  # the session transaction told to prefer index walks


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block wrote, or roll all of it back if the block raises."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def prefer_index_walks(session: Session) -> None:
    """On PostgreSQL, for the rest of the transaction: walk recursive CTEs over many start ids by index.

    Its default plan for a recursive CTE over thousands of start ids (merge join, JIT) is an order of
    magnitude slower than nested loops on the indexes (bench/RESULTS.md). SQLite needs nothing.
    """
    if session.get_bind().dialect.name == "postgresql" and not _done_in_transaction(session, _INDEX_WALKS):
        session.execute(text("SET LOCAL enable_mergejoin = off; SET LOCAL jit = off"))  # one round trip
        session.info[_INDEX_WALKS] = session.get_transaction()


def one_of(session: Session, column, ids: Iterable[str]) -> ColumnElement[bool]:
    """`column IN ids` with the ids as one bound value: a PostgreSQL array (`= ANY`), an SQLite JSON array read
    by `json_each`. A list of thousands of placeholders costs SQLAlchemy and the driver more to render and parse,
    one by one, than the database takes to answer (both plans still look each id up in the column's index)."""
    ids = list(ids)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(String), unique=True))
    listed = select(literal_column("value")).select_from(func.json_each(bindparam("ids", json.dumps(ids), unique=True)))
    return column.in_(listed.scalar_subquery())


def _done_in_transaction(session: Session, key: str) -> bool:
    """Whether what `key` names was done in the session's current transaction (marked with that transaction)."""
    transaction = session.get_transaction()
    return transaction is not None and session.info.get(key) is transaction


def lock_graph(session: Session) -> None:
    """Serialise writers on PostgreSQL (SQLite already has one writer at a time).

    Checks such as "the parent exists" or "this edge closes no cycle" read before they write; under
    READ COMMITTED two writers could each pass their check and together break the graph (a cycle, an
    edge to a model deleted meanwhile). Every write takes this transaction-scoped lock first.
    """
    if session.get_bind().dialect.name == "postgresql" and not _done_in_transaction(session, _LOCKED_IN):
        # Keyed by the schema too: deployments (or test schemas) sharing one database do not queue on each other.
        session.execute(text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                        {"key": GRAPH_WRITE_LOCK})
        session.info[_LOCKED_IN] = session.get_transaction()


@dataclass
class Page:
    items: list[Any]
    total: int | None
    limit: int
    next_after: str | None


def keyset_page(session: Session, statement: Select, key, limit: int, after: str | None, *,
                count: Select | int | None = None) -> Page:
    """One page of `statement` ordered by `key`, starting after the key value `after`, and how many rows it has.

    The items are the records when `statement` selects one entity (`select(Licence)`), else the rows of its
    columns (`select(ParentEdge.child_id, ParentEdge.relation)`); `key` is one of the columns either way.
    `count`: a cheaper select of as many rows, counted instead of `statement` (one table rather than a join),
    or the number itself where it is kept (a maintained count).
    """
    if isinstance(count, int):
        total = count
    else:
        counted = statement if count is None else count
        total = session.scalar(select(func.count()).select_from(counted.order_by(None).subquery()))
    if after is not None:
        statement = statement.where(key > after)
    result = session.execute(statement.order_by(key).limit(limit + 1))
    rows = list(result.scalars() if len(statement.column_descriptions) == 1 else result)
    next_after = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_after = _key_of(rows[-1], key)
    return Page(items=rows, total=total, limit=limit, next_after=next_after)


def _key_of(row: Any, key) -> str:
    return getattr(row, key.key)


def contains_text(column, needle: str):
    """Case-insensitive substring match with LIKE wildcards escaped."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def resolve_licence_names(session: Session, lowered: Iterable[str]) -> dict[str, str]:
    """Map lower-cased licence ids or aliases to canonical licence ids."""
    names = sorted(set(lowered))
    if not names:
        return {}
    resolved: dict[str, str] = {}
    for alias, licence_id in session.execute(
        select(LicenceAlias.alias, LicenceAlias.licence_id).where(LicenceAlias.alias.in_(names))
    ):
        resolved[alias] = licence_id
    for (licence_id,) in session.execute(select(Licence.id).where(func.lower(Licence.id).in_(names))):
        resolved[licence_id.lower()] = licence_id  # an id wins over an alias
    return resolved


def normalise_expression(session: Session, text_value: str, field: str = "license") -> tuple[str, list[str]]:
    """Normalise an expression against the known licences, or raise a 422 naming the problem."""
    try:
        return expressions.normalise(text_value, lambda names: resolve_licence_names(session, names))
    except expressions.UnknownLicences as error:
        raise InvalidValue(f"Unknown licence id(s) in '{field}': {', '.join(error.names)}. "
                           "Create the licence first or use a known id or alias (GET /v1/licenses).",
                           errors={field: [str(error)]}) from None
    except expressions.InvalidExpression as error:
        raise InvalidValue(f"'{field}' is not a valid licence expression: {error}",
                           errors={field: [str(error)]}) from None


def resolve_one_licence(session: Session, name: str) -> str | None:
    return resolve_licence_names(session, [name.lower()]).get(name.lower())


def resolve_model_ids(session: Session, wanted: Iterable[str]) -> dict[str, str]:
    """Map each id to the model it names: as written, then case-insensitively, then as a former id (alias).

    Ids that name no model are left out. One query when every id is written as recorded, three at most,
    whatever the number of ids.
    """
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        return {}
    found = {model_id: model_id for model_id in session.scalars(
        select(LanguageModel.id).where(one_of(session, LanguageModel.id, wanted)))}
    rest = [w for w in wanted if w not in found]
    if not rest:
        return found
    keys = sorted({w.lower() for w in rest})
    by_key: dict[str, str] = {}
    for alias_key, model_id in session.execute(
        select(ModelAlias.alias_key, ModelAlias.model_id).where(one_of(session, ModelAlias.alias_key, keys))
    ):
        by_key[alias_key] = model_id
    for (model_id,) in session.execute(
        select(LanguageModel.id).where(one_of(session, func.lower(LanguageModel.id), keys))
    ):
        by_key[model_id.lower()] = model_id  # a current id wins over an alias
    found.update({w: by_key[w.lower()] for w in rest if w.lower() in by_key})
    return {w: found[w] for w in wanted if w in found}


def resolve_model_id(session: Session, model_id: str) -> str | None:
    """The current id of the model `model_id` names (itself, another case, or a former id), or None."""
    if session.scalar(select(LanguageModel.id).where(LanguageModel.id == model_id)) is not None:
        return model_id
    return resolve_model_ids(session, [model_id]).get(model_id)


def require_model(session: Session, model_id: str) -> str:
    """The current id of the model `model_id` names (any case, or a former id); 404 when none."""
    current = resolve_model_id(session, model_id)
    if current is None:
        raise NotFound.record("model", model_id)
    return current
