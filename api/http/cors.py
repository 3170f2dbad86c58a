"""CORS: off unless PEDIGREE_CORS_ORIGINS names the browser origins allowed to call the API."""

from __future__ import annotations

from flask import Flask, Response, current_app, request


def _add_headers(response: Response) -> Response:
    origin = request.headers.get("Origin")
    allowed = current_app.config["CORS_ORIGINS"]
    if origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Location"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, If-Match, If-None-Match"
            response.headers["Access-Control-Max-Age"] = "600"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
