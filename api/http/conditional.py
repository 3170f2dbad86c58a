"""ETags and preconditions: If-Match on every update and delete, If-None-Match on reads."""

from __future__ import annotations

from flask import Response, request

from api.http.errors import Problem
from api.store.common import lock_graph


def etag_of(record) -> str:
    """Strong ETag from the record's version and creation time (a re-created record never matches)."""
    born = int(record.created_at.timestamp() * 1_000_000) if record.created_at else 0
    return f'"{record.version}-{born:x}"'


def require_if_match(session, load_record):
    """428 without If-Match, 412 when it names another version of the record; returns the record.

    The writer lock is taken first, so the version compared is the one the write will replace:
    two editors holding the same ETag cannot both succeed.
    """
    lock_graph(session)
    record = load_record()
    _compare(record)
    return record


def _compare(record) -> None:
    header = request.headers.get("If-Match")
    if header is None:
        raise Problem(428, "Send If-Match with the ETag from your last GET of this record, so that concurrent "
                      "edits are never lost.", kind="precondition-required")
    wanted = {tag.strip() for tag in header.split(",")}
    if "*" not in wanted and etag_of(record) not in wanted and f"W/{etag_of(record)}" not in wanted:
        raise Problem(412, f"The record has changed since you read it: its ETag is now {etag_of(record)}. "
                      "Read it again and reapply your change.", kind="precondition-failed")


def not_modified(record) -> Response | None:
    """A 304 when If-None-Match already names the current version."""
    header = request.headers.get("If-None-Match")
    if header and (header.strip() == "*" or etag_of(record) in {t.strip().removeprefix("W/") for t in header.split(",")}):
        return Response(status=304, headers={"ETag": etag_of(record)})
    return None


def with_etag(record, status: int = 200, **headers: str):
    return record, status, {"ETag": etag_of(record), **headers}


IF_MATCH_DOC = {"parameters": [{
    "in": "header", "name": "If-Match", "required": True,
    "description": "The ETag from your last GET of the record (412 if it changed since, 428 if missing).",
    "schema": {"type": "string", "example": '"3-6617b503ed6e4"'},
}]}
