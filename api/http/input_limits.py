"""Limits on what a request may send, enforced before anything parses it, the same on every path.

- The body: at most `MAX_CONTENT_LENGTH` bytes whether or not it declares a Content-Length (a chunked
  body is read up to the limit and refused with 413 past it, never cut short).
- Headers: at most `MAX_HEADERS` fields of at most `MAX_HEADER_BYTES` each (431).
- JSON: nesting at most `MAX_JSON_DEPTH` deep, numbers at most `MAX_NUMBER_CHARS` characters, no
  NaN/Infinity (400). Checked once, before webargs or a view parses the body.
"""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask, current_app, request

from api.http.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, Problem

MAX_JSON_DEPTH = 64
MAX_NUMBER_CHARS = 100
MAX_HEADERS = 100
MAX_HEADER_BYTES = 8190


def _problem(environ, status: int, title: str, kind: str, detail: str):
    body = json.dumps({"type": PROBLEM_TYPE_BASE + kind, "title": title, "status": status, "detail": detail,
                       "instance": environ.get("PATH_INFO", "")}).encode()
    headers = [("Content-Type", PROBLEM_MEDIA_TYPE), ("Content-Length", str(len(body))), ("Connection", "close")]
    return f"{status} {title}", headers, body


class HeaderLimits:
    """WSGI middleware: refuse too many or too long header fields with 431 problem+json, before anything else."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        headers = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
        if len(headers) > MAX_HEADERS or any(len(k) + len(str(v)) > MAX_HEADER_BYTES for k, v in headers):
            status, response_headers, body = _problem(
                environ, 431, "Request Header Fields Too Large", "headers-too-large",
                f"At most {MAX_HEADERS} header fields of at most {MAX_HEADER_BYTES} bytes each.")
            start_response(status, response_headers)
            return [body]
        return self.app(environ, start_response)


def _read_up_to(stream, limit: int) -> bytes:
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(65536, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def check_unmeasured_body() -> None:
    """A body without Content-Length (chunked) is read up to the limit and refused past it, never cut short.

    Runs after authentication, like Flask's own check of a declared Content-Length, so a request
    without a token is refused before its body is read.
    """
    environ = request.environ
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()  # overrides any Content-Length
    if not chunked and (environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated")):
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    data = _read_up_to(environ["wsgi.input"], limit + 1)
    if len(data) > limit:
        raise Problem(413, f"The request body is larger than this service accepts ({limit} bytes).", kind="too-large",
                      headers={"Connection": "close"})
    # From here on the app reads an ordinary, measured body.
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
    request.__dict__.pop("stream", None)


def _number(text: str, kind):
    if len(text) > MAX_NUMBER_CHARS:
        raise Problem(400, f"A number in the JSON body has {len(text)} characters; at most {MAX_NUMBER_CHARS} "
                      "are accepted.", kind="malformed-request")
    return kind(text)


def _constant(name: str):
    raise Problem(400, f"{name} is not a JSON number.", kind="malformed-request")


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest (iteratively: a hostile value cannot exhaust the stack)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, dict)):
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return deepest


def check_json_body() -> None:
    """Refuse a hostile JSON body with 400 before webargs or a view parses it."""
    if not request.is_json or not request.content_length:
        return
    data = request.get_data(cache=True)
    try:
        parsed = json.loads(data, parse_int=lambda t: _number(t, int), parse_float=lambda t: _number(t, float),
                            parse_constant=_constant)
    except RecursionError:
        raise Problem(400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.",
                      kind="malformed-request") from None
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "The request body is not valid JSON.", kind="malformed-request") from None
    if json_depth(parsed) > MAX_JSON_DEPTH:
        raise Problem(400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", kind="malformed-request")


MAX_URL_BYTES = 8192


def check_url() -> None:
    """414 for an overlong URL, 400 for NUL characters in it: before authentication and routing answer."""
    if len(request.full_path.encode()) > MAX_URL_BYTES:
        raise Problem(414, f"The URL is longer than {MAX_URL_BYTES} bytes.", kind="too-long")
    if "\x00" in request.full_path or any("\x00" in v for v in request.args.values()):
        raise Problem(400, "NUL characters are not accepted in URLs.", kind="malformed-request")


def init_url_check(app: Flask) -> None:
    """Register the URL check; call before the auth hook, which it precedes."""
    app.before_request(check_url)


def init_app(app: Flask) -> None:
    """Call before any route is registered (the URL map settings apply to rules as they are added)."""
    app.wsgi_app = HeaderLimits(app.wsgi_app)
    app.before_request(check_unmeasured_body)
    app.before_request(check_json_body)
    # `/v1/models//gpt2` is a 404 problem, not Werkzeug's HTML redirect to a merged path.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
