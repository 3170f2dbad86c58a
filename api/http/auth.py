"""Bearer tokens with scopes, declared on each view: `@blp.requires("write")`.

Reads are open unless PEDIGREE_REQUIRE_READ_TOKEN is on; every write needs `write`, token admin needs `admin`.
The check runs before the view (and before its arguments are parsed), so the answer never depends on
whether a resource exists. A request that matches no view needs what its method implies.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, request

from api.http.errors import Problem
from api.store import audit, tokens
from api.store.db import get_session

SCOPES = ("read", "write", "admin")
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Endpoints of the API document and its viewer: always open, so /docs can be read before authorising.
OPEN_BLUEPRINTS = ("api-docs", "docs_assets")
SECURITY_SCHEME = "bearerAuth"


def declare(view: Callable, scope: str | None) -> Callable:
    """Mark the view with the scope it needs (None: open to anyone)."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    view._required_scope = scope
    return view


def _handler() -> Callable | None:
    """The function that will answer this request (the MethodView's method), or None when no route matches."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = "get" if request.method == "HEAD" else request.method.lower()
        return getattr(view_class, method, None)
    return view


def declared_scope() -> str | None:
    """The scope the view declares, else what the method implies: `read` for reads, `write` for the rest."""
    handler = _handler()
    if handler is not None and hasattr(handler, "_required_scope"):
        return handler._required_scope
    return "read" if request.method in READ_METHODS else "write"


def required_scope() -> str | None:
    """The scope this request needs now: `read` only counts when read tokens are required."""
    if request.blueprint in OPEN_BLUEPRINTS:
        return None
    scope = declared_scope()
    if scope == "read" and not current_app.config["REQUIRE_READ_TOKEN"]:
        return None
    return scope


def is_read_only() -> bool:
    """A request that changes nothing (a read, or a POST declared `read` such as the compliance check)."""
    return request.method in READ_METHODS or declared_scope() in (None, "read")


def _unauthorised(detail: str) -> Problem:
    return Problem(401, detail, kind="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="pedigree"'})


def authenticate_request() -> None:
    """Runs before every view: 401 without a valid token where one is needed, 403 without the scope."""
    if request.method == "OPTIONS":
        return
    scope = required_scope()
    header = request.headers.get("Authorization")
    if header is None:
        if scope is not None:
            raise _unauthorised(f"This request needs a bearer token with the '{scope}' scope.")
        return
    kind, _, secret = header.partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise _unauthorised("Send the token as 'Authorization: Bearer <token>'.")
    token = tokens.authenticate(get_session(), secret.strip())
    if token is None:
        raise _unauthorised("The token is not valid or has been revoked.")
    if scope is not None and scope not in tokens.granted(token.scopes):
        raise Problem(403, f"Token '{token.name}' lacks the '{scope}' scope this request needs.", kind="forbidden")
    g.token_name = token.name
    g.actor_reset = audit.current_actor.set(token.name)


def _reset_actor(_exc) -> None:
    reset = g.pop("actor_reset", None)
    if reset is not None:
        audit.current_actor.reset(reset)


def init_app(app: Flask) -> None:
    app.before_request(authenticate_request)
    app.teardown_request(_reset_actor)
