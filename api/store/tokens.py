"""API tokens: created with a secret shown once, stored as a hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain.errors import AlreadyExists, NotFound
from api.store import audit
from api.store.tables import ApiToken, utcnow

SCOPES = ("read", "write", "admin")
# A scope grants itself and every scope before it.
_IMPLIED = {"read": {"read"}, "write": {"read", "write"}, "admin": {"read", "write", "admin"}}
PREFIX = "ped_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def granted(scopes: list[str]) -> set[str]:
    return set().union(*(_IMPLIED.get(scope, set()) for scope in scopes)) if scopes else set()


def create_token(session: Session, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token and its secret (the only time the secret exists outside the caller)."""
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise AlreadyExists(f"a token named '{name}' already exists")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, scopes=sorted(set(scopes), key=SCOPES.index), secret_hash=hash_secret(secret))
    session.add(token)
    session.flush()
    audit.record(session, "create", "token", token.name, None, audit_state(token))
    return token, secret


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret, or None. The stored hash is compared in constant time."""
    digest = hash_secret(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == digest))
    if token is None or token.revoked_at is not None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session: Session, name: str) -> ApiToken:
    """Revoke the token with this name (a name is never read as an id: "1" is the token named "1")."""
    return _revoke(session, session.scalar(select(ApiToken).where(ApiToken.name == name)), f"named '{name}'")


def revoke_token_by_id(session: Session, token_id: int) -> ApiToken:
    return _revoke(session, session.get(ApiToken, token_id), f"with id {token_id}")


def _revoke(session: Session, token: ApiToken | None, which: str) -> ApiToken:
    if token is None:
        raise NotFound(f"no token {which} exists")
    if token.revoked_at is None:
        before = audit_state(token)
        token.revoked_at = utcnow()
        session.flush()
        audit.record(session, "revoke", "token", token.name, before, audit_state(token))
    return token


def audit_state(token: ApiToken) -> dict[str, Any]:
    """What the audit log keeps of a token: never its secret or hash."""
    return {"id": token.id, "name": token.name, "scopes": token.scopes,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None}


def describe(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "scopes": token.scopes, "created_at": token.created_at,
            "revoked_at": token.revoked_at}
