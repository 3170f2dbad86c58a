"""CORS with flask-cors: off unless PEDIGREE_CORS_ORIGINS names the browser origins allowed to call the API."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return
    CORS(app, origins=origins, methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
         allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match"],
         expose_headers=["ETag", "Location"], max_age=600, vary_header=True)
