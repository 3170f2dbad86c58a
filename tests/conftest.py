"""Fixtures: the real app on a freshly migrated SQLite file and PostgreSQL schema.

PostgreSQL is the server at 127.0.0.1:5432 (database `test`, user `postgres`, or PEDIGREE_TEST_PG_URL).
Each test gets its own schema there. Outside CI an unreachable server skips the PostgreSQL half;
under CI=true it fails the run.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import uuid
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api import create_app
from api.store import migrate, tokens
from api.store.db import get_engine

PG_URL = os.environ.get("PEDIGREE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Nothing in the suite may reach the real Hugging Face Hub: Hub tests point an app at the stand-in Hub.
os.environ["PEDIGREE_HUB"] = "off"
# The parsed catalogue is kept in a cache folder (api/catalogue.py): the suite's own, not the user's.
os.environ.setdefault("PEDIGREE_CACHE_DIR", tempfile.mkdtemp(prefix="pedigree-test-cache-"))
BACKENDS = ("sqlite", "postgresql")

_pg_state: dict[str, object] = {}


def postgres_available() -> bool:
    if "ok" not in _pg_state:
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["ok"] = True
        except OperationalError as error:
            _pg_state["ok"] = False
            _pg_state["why"] = str(error).splitlines()[0]
    return bool(_pg_state["ok"])


def require_postgres() -> None:
    if postgres_available():
        return
    message = f"PostgreSQL at {PG_URL} is unreachable: {_pg_state.get('why')}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing PostgreSQL is a failure)", pytrace=False)
    pytest.skip(message)


class Database:
    """A throw-away database: an SQLite file or a PostgreSQL schema."""

    def __init__(self, backend: str, tmp_path) -> None:
        self.backend = backend
        self.schema: str | None = None
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'pedigree.sqlite3'}"
        else:
            require_postgres()
            self.url = PG_URL
            self.schema = "t_" + uuid.uuid4().hex[:12]
            admin = create_engine(PG_URL)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()

    def config(self, **extra) -> dict:
        return {"DATABASE_URL": self.url, "DATABASE_SCHEMA": self.schema, "AUTO_INIT_SQLITE": False,
                "TESTING": True, **extra}

    def drop(self) -> None:
        if self.schema:
            admin = create_engine(PG_URL)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path) -> Iterator[Database]:
    db = Database(request.param, tmp_path)
    yield db
    db.drop()


class ApiTestClient(FlaskClient):
    """The test client of a well-behaved API user: it sends its token and, for PATCH and DELETE,
    the If-Match ETag it just read (tests of the preconditions themselves turn this off)."""

    auto_if_match = True

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.pop("headers", None) or {})
        if self.auto_if_match and method in ("PATCH", "DELETE") and args and isinstance(args[0], str) \
                and "If-Match" not in headers:
            resource = args[0].split("?", 1)[0]
            if resource.startswith("/v1/models/"):  # an edge's precondition is its model's ETag
                resource = re.split(r"/(?:parents|datasets)/", resource, maxsplit=1)[0]
            current = super().open(resource, method="GET")
            if "ETag" in current.headers:
                headers["If-Match"] = current.headers["ETag"]
        return super().open(*args, headers=headers, **kwargs)


def _migrated_app(db: Database, **extra):
    app = create_app(db.config(**extra))
    app.test_client_class = ApiTestClient
    migrate.upgrade(get_engine(app))
    with Session(get_engine(app)) as session:
        _, secret = tokens.create_token(session, "test-admin", ["admin"])
        session.commit()
    app.config["TEST_TOKEN"] = secret
    return app


@functools.lru_cache(maxsize=1)
def _catalogue_licence_records() -> tuple:
    from api.catalogue import read_catalogue

    return tuple(read_catalogue()["licences"])


def load_catalogue_licences(app) -> None:
    """Every catalogue licence (so Hub licence keys resolve), no models: through the bulk import."""
    from api.store.bulk_import import import_items, validate

    with Session(get_engine(app)) as session:
        import_items(session, [validate("license", dict(record), "catalogue")
                               for record in _catalogue_licence_records()])
        session.commit()


@pytest.fixture
def app(database):
    """The app on an empty, freshly migrated database, with an admin token for the test client."""
    app = _migrated_app(database)
    yield app
    get_engine(app).dispose()


@pytest.fixture
def client(app):
    """A client that authenticates with an admin token and sends If-Match on updates."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKEN']}"
    return client


@pytest.fixture
def keeps_nothing(database, app):
    """A client of a second app on the same database that keeps no answers and no compliance results: what a
    reader must be told, to compare kept answers with."""
    other = create_app(database.config(READ_CACHE_BYTES=0, COMPLIANCE_KEPT_MODELS=0))
    client = other.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKEN']}"
    yield client
    get_engine(other).dispose()


@pytest.fixture
def anonymous(app):
    """A client with no token and no automatic If-Match."""
    client = app.test_client()
    client.auto_if_match = False
    return client


@pytest.fixture(scope="session", params=BACKENDS)
def catalogue_client(request, tmp_path_factory):
    """A client on a database holding the built-in catalogue, shared by read-only tests (never write to it)."""
    db = Database(request.param, tmp_path_factory.mktemp("catalogue"))
    app = _migrated_app(db)
    from api.store.seed import load_catalogue

    with Session(get_engine(app)) as session:
        load_catalogue(session)
        session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKEN']}"
    yield client
    get_engine(app).dispose()
    db.drop()
