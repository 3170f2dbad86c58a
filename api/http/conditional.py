"""ETags and preconditions: If-Match on every update and delete, If-None-Match on reads (Werkzeug parses both).

RFC 9110: If-Match compares strongly (a weak tag never matches), If-None-Match weakly.
"""

from __future__ import annotations

from flask import Response, request
from werkzeug.http import quote_etag

from api.http.errors import Problem
from api.store.common import lock_graph


def etag_value(record) -> str:
    """The opaque tag of the record's version and creation time (a re-created record never matches)."""
    born = int(record.created_at.timestamp() * 1_000_000) if record.created_at else 0
    return f"{record.version}-{born:x}"


def etag_of(record) -> str:
    """The strong ETag header value, quoted."""
    return quote_etag(etag_value(record))


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
    if "If-Match" not in request.headers:
        raise Problem(428, "Send If-Match with the ETag from your last GET of this record, so that concurrent "
                      "edits are never lost.", kind="precondition-required")
    if not request.if_match.contains(etag_value(record)):  # strong comparison; `*` matches any version
        raise Problem(412, f"The record has changed since you read it: its ETag is now {etag_of(record)}. "
                      "Read it again and reapply your change.", kind="precondition-failed")


def not_modified(record) -> Response | None:
    """A 304 when If-None-Match already names the current version (weak comparison)."""
    if request.if_none_match.contains_weak(etag_value(record)):
        return Response(status=304, headers={"ETag": etag_of(record)})
    return None


def with_etag(record, status: int = 200, **headers: str):
    return record, status, {"ETag": etag_of(record), **headers}
