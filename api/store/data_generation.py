"""A number that moves with every committed write, so a process can tell whether what it read is still current.

Every transaction that inserts, updates or deletes anything bumps `data_generation.generation` just before it
commits, in the same transaction, whatever wrote (the API, a command, the bulk import, a repair of derived
tables, a migration). Readers compare it with the number their kept answers were computed at
(api/http/read_cache.py).
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

_WROTE = "pedigree.wrote"
_UNCOUNTED = "pedigree.uncounted"
_BUMP = "UPDATE data_generation SET generation = generation + 1 WHERE id = 1"
_CURRENT_SQL = "SELECT generation FROM data_generation WHERE id = 1"


def _note_writes(connection: Connection, _cursor, statement: str, _parameters, context, _executemany) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        connection.info[_WROTE] = True
    elif statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        connection.info[_WROTE] = True


def _bump_before_commit(connection: Connection) -> None:
    if connection.info.pop(_UNCOUNTED, False):  # a migration: the table may not exist (yet, or any more)
        connection.info.pop(_WROTE, None)
        return
    if connection.info.pop(_WROTE, False):
        # In a savepoint: a database not yet migrated to 0009 has no such table, and the write must still commit.
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute("SAVEPOINT pedigree_generation")
            try:
                cursor.execute(_BUMP)
            except Exception:
                cursor.execute("ROLLBACK TO SAVEPOINT pedigree_generation")
            cursor.execute("RELEASE SAVEPOINT pedigree_generation")
        finally:
            cursor.close()


def _forget(connection: Connection) -> None:
    try:
        info = connection.info
    except SQLAlchemyError:  # a connection lost mid-transaction: its DBAPI connection (and flags) is discarded
        return
    info.pop(_WROTE, None)
    info.pop(_UNCOUNTED, None)


def uncounted(connection: Connection) -> None:
    """This transaction's writes do not move the generation (migrations: call `moved` after them)."""
    connection.info[_UNCOUNTED] = True


def moved(engine: Engine) -> None:
    """Move the generation once, if the table exists (after a migration)."""
    from sqlalchemy import inspect, text

    if inspect(engine).has_table("data_generation"):
        with engine.begin() as connection:
            connection.execute(text(_BUMP))


def install(engine: Engine) -> None:
    """Bump the generation on every commit that follows a write on this engine's connections."""
    event.listen(engine, "before_cursor_execute", _note_writes)
    event.listen(engine, "commit", _bump_before_commit)
    event.listen(engine, "rollback", _forget)


_PRESENT: set[str] = set()  # databases (url and schema) known to have the table


def current_outside_transaction(engine: Engine) -> int | None:
    """The generation as last committed, read outside any transaction: one round trip, no BEGIN or ROLLBACK
    (what checking a kept answer costs). None for a database without the table."""
    where = f"{engine.url}|{engine.dialect.default_schema_name}"
    if where not in _PRESENT:
        from sqlalchemy import inspect

        if not inspect(engine).has_table("data_generation"):
            return None
        _PRESENT.add(where)
    if engine.dialect.name == "sqlite":
        # Its connections run in the driver's autocommit mode (api/store/db.py): a lone SELECT opens no
        # transaction, and the pool's rollback on return does nothing.
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(_CURRENT_SQL)
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        return row[0] if row else None
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.exec_driver_sql(_CURRENT_SQL).scalar()
