"""Flask CLI commands: `flask --app wsgi db …` and `flask --app wsgi catalogue …`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from api import migrate
from api.db import get_engine

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")
catalogue_cli = AppGroup("catalogue", help="The built-in catalogue of licences, datasets and models.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: head)."""
    migrate.upgrade(get_engine(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    migrate.downgrade(get_engine(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("check")
def db_check() -> None:
    """Fail if the ORM tables and the migrations disagree."""
    migrate.check(get_engine())
    click.echo("no drift between tables and migrations")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the difference between the tables and the database."""
    migrate.revision(get_engine(), message)


@catalogue_cli.command("load")
def catalogue_load() -> None:
    """Load (or refresh) the built-in catalogue; safe to run again."""
    from api.catalogue import load_catalogue

    with Session(get_engine()) as session:
        counts = load_catalogue(session)
        session.commit()
    click.echo(", ".join(f"{count} {kind}" for kind, count in counts.items()) + " loaded")


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(catalogue_cli)
