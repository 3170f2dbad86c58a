"""Answers to reads kept per process and reused until the data changes: a repeated GET costs one indexed lookup.

Every committed write moves one number in the database (api/store/data_generation.py), in the same
transaction. An answer is kept with the number it was computed at and reused for the same request only
while the number has not moved (and for at most
`PEDIGREE_READ_CACHE_SECONDS`, so a Hub-sourced record due for a refresh is re-read soon). Only
successful JSON API reads are kept, and never one marked stale by the Hub, one asked for with
If-None-Match (the view answers those) or one from a browser page (Origin: CORS headers vary).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, g, request

from api.store import data_generation
from api.store.db import get_engine

_NOT_KEPT_HEADERS = {"content-length", "date", "server", "vary", "pedigree-hub-stale", "warning"}


@dataclass
class _Answer:
    generation: int
    stored_at: float
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ReadCache:
    """A least-recently-used map from request to answer, bounded in bytes; safe across threads."""

    def __init__(self, max_bytes: int, max_seconds: float) -> None:
        self.max_bytes, self.max_seconds = max_bytes, max_seconds
        self.entries: OrderedDict[str, _Answer] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str, generation: int) -> _Answer | None:
        with self.lock:
            answer = self.entries.get(key)
            if answer is None:
                return None
            if answer.generation != generation or time.monotonic() - answer.stored_at > self.max_seconds:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return answer

    def put(self, key: str, answer: _Answer) -> None:
        if len(answer.body) > self.max_bytes // 8:
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = answer
            self.size += len(answer.body)
            while self.size > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        self.size -= len(self.entries.pop(key).body)


def _cacheable_request() -> bool:
    return (request.method == "GET" and request.path.startswith("/v1/") and not request.path.startswith("/v1/tokens")
            and "If-None-Match" not in request.headers and "Origin" not in request.headers)


def _key() -> str:
    return f"{request.full_path}|{request.headers.get('Accept', '')}"


def _serve_kept() -> Response | None:
    if not _cacheable_request():
        return None
    cache = _current_cache()
    g.read_generation = data_generation.current_outside_transaction(get_engine())
    if g.read_generation is None:
        return None
    answer = cache.get(_key(), g.read_generation)
    if answer is None:
        return None
    g.read_cache_hit = True
    return Response(answer.body, status=answer.status, headers=answer.headers)


def _current_cache() -> ReadCache:
    from flask import current_app

    return current_app.extensions["pedigree.read_cache"]


def _keep(response: Response) -> Response:
    generation = g.get("read_generation")
    if (generation is None or g.get("read_cache_hit") or response.status_code != 200 or response.direct_passthrough
            or response.mimetype != "application/json" or "Pedigree-Hub-Stale" in response.headers):
        return response
    headers = [(name, value) for name, value in response.headers.items() if name.lower() not in _NOT_KEPT_HEADERS]
    _current_cache().put(_key(), _Answer(generation, time.monotonic(), response.status_code, headers,
                                         response.get_data()))
    return response


def init_app(app: Flask) -> None:
    """Register after authentication (a kept answer is still only for whom may read) and before the bulkhead
    (a kept answer takes no slot for expensive work)."""
    max_bytes = app.config["READ_CACHE_BYTES"]
    if max_bytes <= 0:
        return
    app.extensions["pedigree.read_cache"] = ReadCache(max_bytes, app.config["READ_CACHE_SECONDS"])
    app.before_request(_serve_kept)
    app.after_request(_keep)
