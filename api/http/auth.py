"""Bearer tokens with scopes: reads open by default, every write needs `write`, token admin needs `admin`."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from api.store.db import READ_ONLY_POSTS, get_session
from api.http.errors import Problem
from api.store import audit, tokens

_OPEN = ("/healthz", "/readyz", "/openapi.json")


def required_scope() -> str | None:
    path = request.path
    if path in _OPEN or path == "/docs" or path.startswith("/docs/") or path.startswith("/docs-assets/"):
        return None
    if path == "/v1/tokens" or path.startswith("/v1/tokens/"):
        return "admin"
    if request.method in ("GET", "HEAD", "OPTIONS") or path in READ_ONLY_POSTS:
        return "read" if current_app.config["REQUIRE_READ_TOKEN"] else None
    return "write"


def _unauthorised(detail: str) -> Problem:
    return Problem(401, detail, kind="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="pedigree"'})


MAX_URL_BYTES = 8192


def authenticate_request() -> None:
    """Runs before every request, before routing: the answer never depends on whether a resource exists."""
    if len(request.full_path.encode()) > MAX_URL_BYTES:
        raise Problem(414, f"The URL is longer than {MAX_URL_BYTES} bytes.", kind="too-long")
    if "\x00" in request.full_path or any("\x00" in v for v in request.args.values()):
        raise Problem(400, "NUL characters are not accepted in URLs.", kind="malformed-request")
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
