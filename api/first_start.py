"""Embedded default: an empty SQLite database is created, migrated and seeded on start-up."""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from api.store import migrate
from api.store.db import get_engine

log = logging.getLogger(__name__)


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL, or None for other back ends and in-memory databases."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path.startswith(":memory:"):
        return None
    return Path(path.split("?", 1)[0])


@contextmanager
def _file_lock(path: Path):
    """An exclusive lock so that workers starting together initialise the database once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".init-lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_embedded_database(app: Flask) -> None:
    """Migrate an SQLite database to head; fill it with the catalogue if it was empty."""
    database = sqlite_file(app.config["DATABASE_URL"])
    if database is None or not app.config["AUTO_INIT_SQLITE"]:
        return
    engine = get_engine(app)
    with _file_lock(database):
        fresh = migrate.is_uninitialised(engine)
        migrate.upgrade(engine)
        if fresh:
            from api.store.seed import load_catalogue

            with Session(engine) as session:
                counts = load_catalogue(session)
                session.commit()
            log.info("seeded new database %s: %s", database, counts)
