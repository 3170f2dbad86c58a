"""RFC 9457 problem details for every error the service returns."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from api.domain.errors import (
    AlreadyExists,
    Clash,
    Cycle,
    DomainError,
    InUse,
    InvalidReferences,
    InvalidValue,
    NotFound,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://pedigree.dev/problems/"

log = logging.getLogger(__name__)


class Problem(Exception):
    """An error to report to the client as problem+json."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None,
                 title: str | None = None, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.headers = headers or {}
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title
        self.extensions = extensions


# The one table from domain errors to problem+json: status and problem type.
DOMAIN_PROBLEMS: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "not-found"),
    AlreadyExists: (409, "already-exists"),
    Clash: (409, "conflict"),
    InUse: (409, "in-use"),
    Cycle: (409, "cycle"),
    InvalidReferences: (422, "validation-error"),
    InvalidValue: (422, "validation-error"),
}


def problem_of(error: DomainError) -> Problem:
    """The problem+json a domain error answers with (DOMAIN_PROBLEMS)."""
    status, kind = DOMAIN_PROBLEMS[type(error)]
    return Problem(status, error.detail, kind=kind, **error.extensions)


def problem_response(status: int, detail: str, *, kind: str | None = None,
                     title: str | None = None, **extensions: Any) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + kind if kind else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request:
        body["instance"] = request.path
    body.update({key: value for key, value in extensions.items() if value is not None})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    return response


def _flatten_messages(messages: Any) -> dict[str, Any]:
    """webargs nests field errors under the request location; keep the field names only."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "headers", "view_args", "path"}:
        flattened: dict[str, Any] = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                flattened.update(location_errors)
            else:
                flattened.setdefault("_schema", location_errors)
        return flattened
    return messages


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if status == 422:
        errors = _flatten_messages(data.get("messages") or data.get("errors") or {})
        fields = ", ".join(sorted(errors)) if isinstance(errors, dict) else ""
        detail = data.get("message") or f"The request is not valid: check {fields or 'the input'}."
        if "message" not in data and fields:
            detail = f"Invalid value for {fields}."
        return problem_response(422, detail, kind="validation-error", errors=errors)
    detail = data.get("message") or error.description or HTTPStatus(status).phrase
    if status == 400 and ("invalid json" in str(data).lower() or "json" in str(detail).lower()):
        return problem_response(400, "The request body is not valid JSON.", kind="malformed-request")
    if status == 404 and not data.get("message"):
        detail = f"No resource at {request.path}."
    if status == 405:
        allowed = error.get_headers()
        response = problem_response(405, f"{request.method} is not allowed on {request.path}.")
        for name, value in allowed:
            if name.lower() == "allow":
                response.headers["Allow"] = value
        return response
    if status == 413:
        detail = "The request body is larger than this service accepts."
        return problem_response(413, detail, kind="too-large")
    if status >= 500:
        detail = HTTPStatus(status).phrase
    return problem_response(status, str(detail))


def handle_problem(error: Problem) -> Response:
    response = problem_response(error.status, error.detail, kind=error.kind, title=error.title, **error.extensions)
    response.headers.update(error.headers)
    return response


def handle_domain_error(error: DomainError) -> Response:
    return handle_problem(problem_of(error))


def handle_stale_write(error: StaleDataError) -> Response:
    """Another request changed the record between our read and our write (optimistic concurrency)."""
    return problem_response(412, "The record changed while this request was being applied; read it again "
                            "and retry with its new ETag.", kind="precondition-failed")


def _retry_later(status_detail: str, kind: str, retry_after: int) -> Response:
    response = problem_response(503, status_detail, kind=kind)
    response.headers["Retry-After"] = str(retry_after)
    return response


def handle_request_timeout(_error: Exception | None = None) -> Response:
    """The request ran past PEDIGREE_REQUEST_TIMEOUT (the watchdog ended it)."""
    from flask import current_app

    from api.http.watchdog import watchdog

    watchdog.answering()
    seconds = current_app.config["REQUEST_TIMEOUT"]
    return _retry_later(f"The request took longer than the {seconds:g} s this service allows and was stopped; "
                        "try again, or ask for less (a smaller page, a shallower walk).", "request-timeout", 5)


def database_error_kind(error: DBAPIError) -> str:
    """busy (a lock wait timed out), statement-timeout, or unavailable."""
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    text = str(orig or error).lower()
    if sqlstate == "55P03" or "database is locked" in text or "database is busy" in text:
        return "busy"
    if sqlstate == "57014" or text.strip() == "interrupted":
        return "statement-timeout"
    return "unavailable"


def handle_database_unavailable(error: DBAPIError) -> Response:
    from api.http.watchdog import watchdog

    if watchdog.fired():  # the deadline shut the request's connection: say so, not "unavailable"
        return handle_request_timeout()
    kind = database_error_kind(error) if isinstance(error, DBAPIError) else "unavailable"
    log.warning("database %s: %s", kind, error.__class__.__name__)
    if kind == "busy":
        return _retry_later("The database is busy with another write (the wait for its lock timed out); "
                            "nothing was written. Retry shortly.", "database-busy", 1)
    if kind == "statement-timeout":
        return _retry_later("A database query took longer than the statement timeout and was cancelled; "
                            "nothing was written. Retry, or ask for less.", "statement-timeout", 5)
    return _retry_later("The database is unavailable; try again shortly.", "database-unavailable", 5)


def handle_integrity_error(error: IntegrityError) -> Response:
    """A constraint the checks could not see coming (a concurrent change): the write is rolled back."""
    log.warning("integrity error: %s", error.orig.__class__.__name__ if error.orig else error)
    return problem_response(409, "The write conflicts with the current state of the records (another change "
                            "got there first); nothing was written. Read again and retry.", kind="conflict")


def handle_unstorable(error: StatementError) -> Response:
    """A value the database cannot store (a NUL character in text, a number out of range)."""
    if isinstance(error, (DataError,)) or isinstance(getattr(error, "orig", None), ValueError):
        return problem_response(422, "A value in the request cannot be stored (NUL character, or a number out "
                                "of range).", kind="validation-error")
    return handle_unexpected(error)


def handle_unexpected(error: Exception) -> Response:
    from api.http.watchdog import RequestTimeout

    original = getattr(error, "original_exception", None)
    if isinstance(error, RequestTimeout) or isinstance(original, RequestTimeout):
        return handle_request_timeout()
    if isinstance(original, DBAPIError):  # raised outside the view (a teardown, a hook)
        return handle_database_unavailable(original)
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, "The service failed to handle this request.", kind="internal-error")


def register(app: Flask) -> None:
    app.register_error_handler(Problem, handle_problem)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(SATimeoutError, handle_database_unavailable)
    app.register_error_handler(StaleDataError, handle_stale_write)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(StatementError, handle_unstorable)
    app.register_error_handler(Exception, handle_unexpected)
    app.register_error_handler(InternalServerError, handle_unexpected)
