"""Pedigree: lineage and permitted-use answers for language models."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the pure modules and the CLI import `api` without paying for Flask
    from flask import Flask


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; configuration comes from the environment, then `overrides`."""
    from flask import Flask

    from api.config import config_from_environment

    app = Flask(__name__, instance_relative_config=False)
    app.config.update(config_from_environment())
    app.config.update(overrides or {})

    from api import commands, first_start
    from api.http import auth, bulkhead, cors, errors, input_limits, openapi, read_cache
    from api.routes import compliance, datasets, health, imports, licenses, lineage, models, shipping, terms, tokens
    from api.store import db

    db.init_app(app)
    errors.register(app)
    input_limits.init_url_check(app)
    auth.init_app(app)
    input_limits.init_app(app)
    read_cache.init_app(app)
    if app.config["COMPLIANCE_KEPT_MODELS"] > 0:
        from api.store.compliance import KeptResults

        app.extensions["pedigree.kept_checks"] = KeptResults(app.config["COMPLIANCE_KEPT_MODELS"])
    bulkhead.init_app(app)
    cors.init_app(app)
    api = openapi.configure(app)
    for blueprint in (health.blp, licenses.blp, models.blp, datasets.blp, lineage.blp, terms.blp, imports.blp,
                      compliance.blp, tokens.blp, shipping.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(licenses.former_spelling)
    from schemas.imports import ImportRequestSchema

    api.spec.components.schema("ImportRequest", schema=ImportRequestSchema)
    commands.register(app)
    from api import hub, web

    hub.init_app(app)
    web.init_app(app)
    first_start.prepare_embedded_database(app)
    return app
