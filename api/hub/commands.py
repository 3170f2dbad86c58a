"""`flask hub refresh` and `flask hub sync`: keep Hub-sourced records fresh, bring whole families in."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from api.domain.vocabulary import is_repo_id
from api.hub import records
from api.hub.client import HubClient, HubError, HubGated, HubNotFound, HubUnavailable
from api.hub.resolver import Outcome, Resolver
from api.hub.settings import parse_duration

hub_cli = AppGroup("hub", help="Read models from the Hugging Face Hub (PEDIGREE_HUB_ENDPOINT).")


def _duration(_ctx, _param, value: str) -> int:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _resolver() -> Resolver:
    """The app's resolver; the commands work even when the server's on-demand mode is off."""
    existing = current_app.extensions.get("pedigree.hub")
    if existing is not None:
        return existing
    return Resolver(current_app.extensions["pedigree.hub.settings"], current_app.extensions["pedigree.sessionmaker"],
                    current_app.extensions["pedigree.writer_sessionmaker"])


def _run(resolver: Resolver, ids: list[str], label: str) -> dict[str, int]:
    """Resolve each id through the import path; stop (resumably) when the Hub is unavailable."""
    counts = {"written": 0, "not_on_hub": 0, "gated": 0}
    done = 0
    with click.progressbar(ids, label=label, show_pos=True, item_show_func=lambda i: i or "") as bar:
        for model_id in bar:
            outcome = Outcome()
            try:
                resolver.resolve(model_id, outcome=outcome)
            except HubNotFound:
                counts["not_on_hub"] += 1
            except HubGated:
                counts["gated"] += 1
            except HubUnavailable as error:
                click.echo(f"\nstopped after {done} of {len(ids)}: {error}. Run the same command again to resume: "
                           "models already fetched are skipped.", err=True)
                raise SystemExit(1) from None
            else:
                counts["written"] += len(outcome.fetched)
            for warning in outcome.warnings:
                click.echo(f"\nwarning {warning}", err=True)
            done += 1
    return counts


@hub_cli.command("refresh")
@click.option("--older-than", "older_than", default="7d", show_default=True, callback=_duration,
              help="Refresh Hub-sourced records fetched longer ago than this (30m, 12h, 7d, 2w).")
def refresh_command(older_than: int) -> None:
    """Re-read Hub-sourced models from the Hub; a licence change is appended to the licence history."""
    resolver = _resolver()
    with current_app.extensions["pedigree.sessionmaker"]() as session:
        ids = records.hub_ids_older_than(session, older_than)
    if not ids:
        click.echo("nothing to refresh")
        return
    counts = _run(resolver, ids, f"Refreshing {len(ids)} models")
    click.echo(f"refreshed {len(ids)} models: {counts['written']} written, {counts['not_on_hub']} no longer on the "
               f"Hub, {counts['gated']} gated")


def _read_ids(path: str) -> list[str]:
    ids = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not is_repo_id(text):
            raise click.BadParameter(f"line {number}: '{text}' is not a Hub repo id", param_hint="--ids")
        ids.append(text)
    return list(dict.fromkeys(ids))


@hub_cli.command("sync")
@click.option("--base-model", help="Every model whose card names this base model (the Hub's base_model filter).")
@click.option("--relation", type=click.Choice(["finetune", "adapter", "quantized", "merge"]),
              help="With --base-model: only this relation.")
@click.option("--author", help="Every model of this Hub user or organisation.")
@click.option("--ids", "ids_file", type=click.Path(exists=True, dir_okay=False), help="A file of repo ids, one a line.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many models from the listing.")
@click.option("--again", is_flag=True, help="Fetch models fetched within PEDIGREE_HUB_TTL too (default: skip them).")
def sync_command(base_model, relation, author, ids_file, limit, again) -> None:
    """Bring a family, an organisation or a list of models in from the Hub; resumable (done ones are skipped)."""
    if sum(bool(x) for x in (base_model, author, ids_file)) != 1:
        raise click.UsageError("give exactly one of --base-model, --author or --ids")
    if relation and not base_model:
        raise click.UsageError("--relation needs --base-model")
    resolver = _resolver()
    if ids_file:
        ids = _read_ids(ids_file)[:limit] if limit else _read_ids(ids_file)
    else:
        if base_model and not is_repo_id(base_model):
            raise click.BadParameter(f"'{base_model}' is not a Hub repo id", param_hint="--base-model")
        hub_filter = f"base_model:{relation}:{base_model}" if relation else \
            (f"base_model:{base_model}" if base_model else None)
        client: HubClient = resolver.client
        try:
            ids = list(client.list_ids(filter=hub_filter, author=author, limit=limit))
        except HubError as error:
            raise click.ClickException(f"could not list models: {error}") from None
        if base_model:
            ids = [base_model, *ids]  # the family's root too
    with current_app.extensions["pedigree.sessionmaker"]() as session:
        done = set() if again else records.fetched_since(session, ids, resolver.settings.ttl_seconds)
    todo = [i for i in ids if i not in done]
    if done:
        click.echo(f"{len(done)} of {len(ids)} already fetched within PEDIGREE_HUB_TTL: skipped (--again to fetch)")
    if not todo:
        click.echo("nothing to sync")
        return
    counts = _run(resolver, todo, f"Syncing {len(todo)} models")
    click.echo(f"synced {len(todo)} models: {counts['written']} written, {counts['not_on_hub']} not on the Hub, "
               f"{counts['gated']} gated")
