"""PostgreSQL connections the watchdog can see: a guarded liveness ping on checkout, fast failure when down.

Replaces `pool_pre_ping`, whose ping blocks forever on a frozen server: this ping runs with the
connection's socket registered with the watchdog, which shuts the socket when the server stops
answering, so the ping fails and the pool reconnects, or answers 503 at once while the server is down.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

from api.http.watchdog import watchdog


def _socket(dbapi_connection) -> int | None:
    try:
        return dbapi_connection.pgconn.socket
    except (AttributeError, psycopg.OperationalError):
        return None


def server_of(engine: Engine) -> tuple[str, int] | None:
    """The (host, port) the watchdog can probe; None for a Unix socket."""
    host = engine.url.host
    if engine.dialect.name != "postgresql" or not host or host.startswith("/"):
        return None
    return host, engine.url.port or 5432


def install(engine: Engine) -> None:
    server = server_of(engine)

    @event.listens_for(engine, "do_connect")
    def _refuse_while_down(dialect, conn_rec, cargs, cparams):
        if server and watchdog.database_down(server):
            raise psycopg.OperationalError("the database server is not answering (a probe just failed)")
        return None  # connect as usual

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, connection_record, connection_proxy):
        fd = _socket(dbapi_connection)
        if fd is None:
            raise DisconnectionError("connection closed")
        if server:
            watchdog.connection_in_use(fd, server)
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            watchdog.connection_released(fd)
            raise DisconnectionError(str(error)) from error

    @event.listens_for(engine, "checkin")
    def _released(dbapi_connection, connection_record):
        fd = _socket(dbapi_connection) if dbapi_connection is not None else None
        if fd is not None:
            watchdog.connection_released(fd)
