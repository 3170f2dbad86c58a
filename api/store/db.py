"""Engine and per-request session handling."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from api.http.watchdog import watchdog
from api.store import data_generation, postgres_guard, sqlite_timeouts


def make_engine(url: str, *, connect_timeout: int = 5, statement_timeout_ms: int = 15000,
                schema: str | None = None, lock_timeout_ms: int = 5000) -> Engine:
    """An engine with the settings each back end needs to behave under concurrency and faults."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": lock_timeout_ms / 1000, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, record):  # pragma: no cover - exercised by every test
            # Let SQLAlchemy, not the sqlite3 module, issue BEGIN, so SAVEPOINTs work (SQLAlchemy's recipe).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # A writer waits this long for the write lock, then fails with "database is locked" (503 busy).
            cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            sqlite_timeouts.install(dbapi_connection, record)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # pragma: no cover - exercised by every test
            # Writers take the write lock up front (BEGIN IMMEDIATE) and queue on the busy timeout;
            # a deferred transaction that reads and then writes could fail with SQLITE_BUSY instead.
            mode = connection.get_execution_options().get("sqlite_begin", "")
            connection.exec_driver_sql(f"BEGIN {mode}".strip())

        sqlite_timeouts.watch_statements(engine, statement_timeout_ms)
        data_generation.install(engine)
        return engine
    options = f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={lock_timeout_ms}"
    if schema:
        options += f" -c search_path={schema}"
    engine = create_engine(
        url,
        pool_size=5,
        max_overflow=10,
        pool_timeout=connect_timeout,
        connect_args={
            "connect_timeout": connect_timeout,
            "options": options,
            # A dead peer or a partition is noticed by TCP within about connect_timeout seconds.
            "keepalives": 1,
            "keepalives_idle": max(1, connect_timeout),
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": connect_timeout * 1000,
        },
    )
    postgres_guard.install(engine)
    data_generation.install(engine)
    return engine


def init_app(app: Flask) -> None:
    from api.store import closure, conflict_index

    conflict_index.install()
    closure.install()
    engine = make_engine(
        app.config["DATABASE_URL"],
        connect_timeout=app.config["DB_CONNECT_TIMEOUT"],
        statement_timeout_ms=app.config["DB_STATEMENT_TIMEOUT_MS"],
        lock_timeout_ms=app.config["DB_LOCK_TIMEOUT_MS"],
        schema=app.config.get("DATABASE_SCHEMA"),
    )
    app.extensions["pedigree.engine"] = engine
    app.extensions["pedigree.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    writer = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    app.extensions["pedigree.writer_sessionmaker"] = sessionmaker(writer, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.before_request(_start_deadline)
    app.teardown_request(_end_deadline)


def _start_deadline() -> None:
    watchdog.begin(current_app.config["REQUEST_TIMEOUT"])


def _end_deadline(_exc: BaseException | None) -> None:
    watchdog.end()


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["pedigree.engine"]


def get_session() -> Session:
    """The session of the current request, opened on first use (a writer's session on write requests)."""
    if "db_session" not in g:
        from api.http.auth import is_read_only

        kind = "pedigree.sessionmaker" if is_read_only() else "pedigree.writer_sessionmaker"
        g.db_session = current_app.extensions[kind]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
