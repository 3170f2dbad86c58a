"""CORS with flask-cors: off unless PEDIGREE_CORS_ORIGINS names the browser origins allowed to call the API."""

from __future__ import annotations

from flask import Flask, Response
from flask_cors import CORS


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return
    # Registered before flask-cors's own hook, so it runs after it (Flask runs them in reverse) and sees its Vary.
    app.after_request(vary_by_origin)
    CORS(app, origins=origins, methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
         allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match"],
         expose_headers=["ETag", "Location"], max_age=600, vary_header=True)


def vary_by_origin(response: Response) -> Response:
    """`Vary: Origin` on every answer while CORS is on.

    An answer depends on the request's Origin: Access-Control-Allow-Origin names an allowed origin, is left
    out for any other, and (flask-cors's always_send) names the configured origin when there is none. flask-cors's
    `vary_header` sends Vary only when the allowed origin could differ between requests (several origins or a
    pattern), so with one origin a cache in between could hand one origin's answer to another.
    """
    fields = [field.strip() for line in response.headers.getlist("Vary") for field in line.split(",") if field.strip()]
    if not any(field.lower() in ("origin", "*") for field in fields):
        response.headers["Vary"] = ", ".join([*fields, "Origin"])
    return response
