"""Flask CLI commands: `flask --app wsgi db …` and `flask --app wsgi catalogue …`."""

from __future__ import annotations

import contextlib
import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from api.store import migrate
from api.store.db import get_engine

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
    from api.store.seed import load_catalogue

    with Session(get_engine()) as session:
        counts = load_catalogue(session)
        session.commit()
    click.echo(", ".join(f"{count} {kind}" for kind, count in counts.items()) + " loaded")


tokens_cli = AppGroup("tokens", help="API tokens (scopes: read, write, admin).")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(["read", "write", "admin"]),
              help="Repeat for several scopes; write implies read, admin implies both.")
def tokens_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a token and print its secret (shown once, stored only as a hash)."""
    from api.domain.errors import DomainError
    from api.store import tokens

    with Session(get_engine()) as session:
        try:
            token, secret = tokens.create_token(session, name, list(scopes))
        except DomainError as problem:
            raise click.ClickException(problem.detail) from None
        session.commit()
        click.echo(f"token '{token.name}' ({', '.join(token.scopes)}), shown once:")
        click.echo(secret)


@tokens_cli.command("list")
def tokens_list() -> None:
    """List tokens (never their secrets)."""
    from api.store import tokens

    with Session(get_engine()) as session:
        for token in tokens.list_tokens(session):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            click.echo(f"{token.id}\t{token.name}\t{','.join(token.scopes)}\t{state}")


@tokens_cli.command("revoke")
@click.argument("name_or_id")
@click.option("--id", "by_id", is_flag=True, help="The argument is the token's numeric id, not its name.")
def tokens_revoke(name_or_id: str, by_id: bool) -> None:
    """Revoke a token by name (or by id with --id)."""
    from api.domain.errors import DomainError
    from api.store import tokens

    with Session(get_engine()) as session:
        try:
            if by_id and not (name_or_id.isascii() and name_or_id.isdigit()):
                raise click.BadParameter("an id is ASCII digits", param_hint="NAME_OR_ID")
            token = (tokens.revoke_token_by_id(session, int(name_or_id)) if by_id
                     else tokens.revoke_token(session, name_or_id))
        except DomainError as problem:
            raise click.ClickException(problem.detail) from None
        session.commit()
        click.echo(f"revoked token '{token.name}'")


def _cards_in(paths: tuple[str, ...]):
    """Card files: `org__name.md` files, or `…/org/name/README.md` in a tree of repos."""
    from pathlib import Path

    from api.routes.imports import card_id_from_filename
    from api.store.imports import CardInput

    found = []
    for given in paths:
        root = Path(given)
        files = sorted(root.rglob("*.md")) if root.is_dir() else [root]
        for path in files:
            if path.name.lower() == "readme.md":
                relative = path.parent.relative_to(root) if root.is_dir() else path.parent
                card_id = "/".join(relative.parts[-2:])
            else:
                card_id = card_id_from_filename(path.name)
            found.append(CardInput(id=card_id, content=path.read_text(encoding="utf-8", errors="replace"),
                                   source_url=None))
    return found


@click.command("import-cards")
@with_appcontext
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--atomic", is_flag=True, help="All or nothing: if any card fails, import none.")
def import_cards_command(paths: tuple[str, ...], atomic: bool) -> None:
    """Import Hugging Face model cards from files or folders (org__name.md, or org/name/README.md)."""
    from api.store import audit
    from api.store.imports import import_cards

    audit.current_actor.set("import-cards")
    cards = _cards_in(paths)
    if not cards:
        raise click.UsageError("no .md card files found")
    results = []
    with Session(get_engine()) as session:
        with click.progressbar(cards, label=f"Importing {len(cards)} cards", show_pos=True,
                               item_show_func=lambda c: c.id if c else "") as bar:
            for card in bar:
                card_results, _ = import_cards(session, [card], atomic=atomic)
                results += card_results
                if not atomic:
                    session.commit()
        failed = [r for r in results if r.status == "error"]
        if atomic and failed:
            session.rollback()
        else:
            session.commit()
    for result in failed:
        click.echo(f"error   {result.id}: {result.reason}", err=True)
    placeholders = sum(len(r.placeholders["models"]) + len(r.placeholders["datasets"]) for r in results)
    created = sum(r.status == "created" for r in results)
    updated = sum(r.status == "updated" for r in results)
    if atomic and failed:
        click.echo(f"nothing imported (--atomic): {len(failed)} of {len(results)} cards failed")
        raise SystemExit(1)
    click.echo(f"{created} created, {updated} updated, {len(failed)} failed, {placeholders} placeholders")
    if failed:
        raise SystemExit(1)


@click.command("import-jsonl")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def import_jsonl_command(path: str) -> None:
    """Import licences, datasets and models from a JSON Lines file, all or nothing.

    One record a line, as the API's POST bodies, with "kind": "license", "dataset" or "model" (the
    default). New records are inserted in bulk (COPY on PostgreSQL); records that exist are updated.
    """
    from api.store import audit
    from api.store.bulk_import import BulkImportError, import_items, items_from_lines

    audit.current_actor.set("import-jsonl")
    handle = click.open_file(path, encoding="utf-8")
    size = os.fstat(handle.fileno()).st_size if path != "-" else 0
    bar = click.progressbar(length=size, label="Reading", file=sys.stderr) if size else contextlib.nullcontext()
    try:
        with handle, bar as progress:
            items = list(items_from_lines(_advancing(handle, progress)))
        click.echo(f"Importing {len(items)} records", err=True)
        with Session(get_engine()) as session:
            counts = import_items(session, items)
            session.commit()
    except BulkImportError as error:
        raise click.ClickException(f"{error} (nothing imported)") from None
    for kind in ("license", "dataset", "model"):
        click.echo(f"{kind}s: {counts.created[kind]} created, {counts.updated[kind]} updated, "
                   f"{counts.unchanged[kind]} unchanged")


def _advancing(lines, progress):
    for line in lines:
        if progress is not None:
            progress.update(len(line.encode("utf-8")))
        yield line


conflicts_cli = AppGroup("conflicts", help="The conflicts table behind GET /v1/conflicts (and the bindings beside it).")


@conflicts_cli.command("rebuild")
def conflicts_rebuild() -> None:
    """Recompute every model's conflicts and bindings (writes keep both current; run this when the rules change)."""
    from sqlalchemy import func, select

    from api.store import conflict_index
    from api.store.tables import ModelConflict

    with Session(get_engine()) as session:
        conflict_index.rebuild_all(session)
        session.commit()
        count = session.scalar(select(func.count()).select_from(ModelConflict))
    click.echo(f"{count} models with conflicts")


def register(app: Flask) -> None:
    app.cli.add_command(conflicts_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(catalogue_cli)
    app.cli.add_command(import_cards_command)
    app.cli.add_command(import_jsonl_command)
    app.cli.add_command(tokens_cli)
