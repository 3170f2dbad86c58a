"""The list envelope every collection endpoint returns."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

from api.store.common import Page
from schemas.common import encode_cursor


def page_body(page: Page) -> dict:
    """`{data, pagination}` with a `next` link that keeps the request's filters."""
    next_link = None
    if page.next_after is not None:
        args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("cursor", "limit")]
        args += [("limit", str(page.limit)), ("cursor", encode_cursor(page.next_after))]
        next_link = f"{request.path}?{urlencode(args)}"
    return {"data": page.items, "pagination": {"limit": page.limit, "total": page.total, "next": next_link}}


def whole_list(items: list) -> dict:
    """The envelope for a short list returned whole (a model's parents, say)."""
    return {"data": items, "pagination": {"limit": len(items), "total": len(items), "next": None}}
