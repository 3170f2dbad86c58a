"""A statement timeout for SQLite: a progress handler interrupts a statement that runs too long."""

from __future__ import annotations

import math
import time

from sqlalchemy import Engine, event

_KEY = "pedigree.statement_deadline"
_STEPS = 10_000  # virtual-machine instructions between checks (microseconds of work)


def install(dbapi_connection, connection_record) -> None:
    deadline = [math.inf]
    connection_record.info[_KEY] = deadline
    # A non-zero answer makes SQLite abandon the statement with "interrupted".
    dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline[0], _STEPS)


def watch_statements(engine: Engine, statement_timeout_ms: int) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        deadline = conn.info.get(_KEY)
        if deadline is not None:
            deadline[0] = time.monotonic() + statement_timeout_ms / 1000

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, parameters, context, executemany):
        deadline = conn.info.get(_KEY)
        if deadline is not None:
            deadline[0] = math.inf
