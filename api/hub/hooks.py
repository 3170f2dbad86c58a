"""Read requests reach the Hub here: before a model is read, it (and its ancestors) is made answerable."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from api.domain.errors import DomainError
from api.domain.vocabulary import is_repo_id
from api.http.errors import Problem
from api.hub.resolver import Outcome, Resolver
from api.store.common import resolve_model_ids
from api.store.db import get_session

MODEL_BLUEPRINTS = {"models", "lineage", "terms", "shipping", "web"}  # every read of one model: API, notice, SPDX, page
COMPLIANCE_PATH = "/v1/compliance/check"
CONFLICTS_PATH = "/v1/conflicts"
HISTORY_SUFFIX = "/history"
STALE_HEADER = "Pedigree-Hub-Stale"


def resolver() -> Resolver | None:
    return current_app.extensions.get("pedigree.hub")


def _model_read() -> str | None:
    if request.method not in ("GET", "HEAD") or request.blueprint not in MODEL_BLUEPRINTS:
        return None
    if request.path == CONFLICTS_PATH:  # a family audit: its base model is read too
        base = request.args.get("base_model")
        return base if base and is_repo_id(base) else None
    if request.path.endswith(HISTORY_SUFFIX):  # the audit trail outlives the model: answered as recorded
        return None
    return (request.view_args or {}).get("model_id")


def _compliance_ids() -> list[str]:
    if request.method != "POST" or request.path != COMPLIANCE_PATH:
        return []
    body = request.get_json(silent=True)
    models = body.get("models") if isinstance(body, dict) else None
    if not isinstance(models, list):
        return []
    return list(dict.fromkeys(m for m in models if isinstance(m, str)))


def _see_new_rows(outcome: Outcome) -> None:
    """The request's session may have begun its transaction (token check) before the Hub write: end it."""
    if outcome.fetched and "db_session" in g:
        g.db_session.rollback()


def before_read() -> None:
    model_id = _model_read()
    hub = resolver()
    if model_id is not None:
        if hub is None:  # the view answers, its 404 says how to get the model (after checking the arguments)
            return
        g.hub_outcome = hub.ensure(model_id, get_session())
        _see_new_rows(g.hub_outcome)
        return
    if hub is None:
        return
    outcome = Outcome()
    wanted_ids = _compliance_ids()
    if not wanted_ids:
        return
    held = resolve_model_ids(get_session(), wanted_ids)
    # models the database lacks are fetched (up to the per-request bound); held ones are answered as stored
    for wanted in [i for i in wanted_ids if i not in held][: hub.settings.max_models]:
        try:
            found = hub.ensure(wanted, get_session())
        except (Problem, DomainError):  # an id the Hub cannot give is a finding of the check, not a request error
            continue
        outcome.stale.update(found.stale)
        outcome.fetched += found.fetched
    g.hub_outcome = outcome
    _see_new_rows(outcome)


def mark_stale(response):
    outcome = g.get("hub_outcome")
    if outcome is not None and outcome.stale:
        response.headers[STALE_HEADER] = "; ".join(sorted(outcome.stale))
        response.headers["Warning"] = '110 pedigree "Response is Stale: the Hub could not be asked to refresh ' \
            + ", ".join(sorted(outcome.stale)) + '"'
    return response


def register(app: Flask) -> None:
    app.before_request(before_read)
    app.after_request(mark_stale)
