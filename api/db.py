"""Engine and per-request session handling."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, connect_timeout: int = 5, statement_timeout_ms: int = 15000,
                schema: str | None = None) -> Engine:
    """An engine with the settings each back end needs to behave under concurrency."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every test
            # Let SQLAlchemy, not the sqlite3 module, issue BEGIN, so SAVEPOINTs work (SQLAlchemy's recipe).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # pragma: no cover - exercised by every test
            # Writers take the write lock up front (BEGIN IMMEDIATE) and queue on the busy timeout;
            # a deferred transaction that reads and then writes could fail with SQLITE_BUSY instead.
            mode = connection.get_execution_options().get("sqlite_begin", "")
            connection.exec_driver_sql(f"BEGIN {mode}".strip())

        return engine
    options = f"-c statement_timeout={statement_timeout_ms}"
    if schema:
        options += f" -c search_path={schema}"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=5,
        connect_args={
            "connect_timeout": connect_timeout,
            "options": options,
        },
    )


def init_app(app: Flask) -> None:
    from api.store import conflict_index

    conflict_index.install()
    engine = make_engine(
        app.config["DATABASE_URL"],
        connect_timeout=app.config["DB_CONNECT_TIMEOUT"],
        statement_timeout_ms=app.config["DB_STATEMENT_TIMEOUT_MS"],
        schema=app.config.get("DATABASE_SCHEMA"),
    )
    app.extensions["pedigree.engine"] = engine
    app.extensions["pedigree.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    writer = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    app.extensions["pedigree.writer_sessionmaker"] = sessionmaker(writer, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["pedigree.engine"]


READ_METHODS = ("GET", "HEAD", "OPTIONS")
READ_ONLY_POSTS = ("/v1/compliance/check",)


def is_write_request() -> bool:
    return request.method not in READ_METHODS and request.path not in READ_ONLY_POSTS


def get_session() -> Session:
    """The session of the current request, opened on first use (a writer's session on write requests)."""
    if "db_session" not in g:
        kind = "pedigree.writer_sessionmaker" if is_write_request() else "pedigree.sessionmaker"
        g.db_session = current_app.extensions[kind]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
