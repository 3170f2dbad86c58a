"""flask-smorest set-up: problem+json error responses in the spec, converters, local docs assets."""

from __future__ import annotations

import http

import flask_smorest
from flask import Blueprint, Flask, send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter

from api.domain.vocabulary import LICENCE_ID_PATTERN, REPO_ID_PATTERN
from api.http import auth
from api.http.errors import PROBLEM_MEDIA_TYPE
from schemas.common import ProblemSchema

API_DESCRIPTION = """\
Pedigree keeps records of language models, the licences they are released under, the datasets they
were trained on and the models they descend from, and answers lineage and permitted-use questions.

**Ids in paths.** Model and dataset ids are Hugging Face repo ids and appear in paths as they are,
slash included: `/v1/models/meta-llama/Llama-2-7b-hf`, and legacy ids without an organisation:
`/v1/models/gpt2`. A sub-resource name wins over a model name: `/v1/models/gpt2/parents` is the
parents of `gpt2`.

**Lists** are `{"data": [...], "pagination": {"limit", "total", "next"}}` in id order; follow `next`
for the following page.

**Errors** are RFC 9457 `application/problem+json` with `type`, `title`, `status`, `detail`, and
`errors` (field → messages) on 422.

**For people:** the [web view](/) searches models and draws each one's lineage, coloured by verdict.
"""


class RepoIdConverter(BaseConverter):
    """A Hub repo id in a path: `org/name` or a legacy `name`."""

    regex = REPO_ID_PATTERN
    part_isolating = False


class LicenceIdConverter(BaseConverter):
    regex = LICENCE_ID_PATTERN


class PedigreeApi(Api):
    """flask-smorest Api whose documented errors are problem+json, not its own error shape."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_error_handlers(self):
        """Errors are handled by api.http.errors, registered on the app."""


def configure(app: Flask) -> PedigreeApi:
    import swagger_ui_bundle

    app.config.update(
        API_TITLE="Pedigree",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs-assets/",
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION},
            "servers": [{"url": "/", "description": "this server"}],
        },
    )
    app.url_map.converters["repo_id"] = RepoIdConverter
    app.url_map.converters["licence_id"] = LicenceIdConverter
    api = PedigreeApi(app)
    api.spec.components.security_scheme(auth.SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "A token from `flask --app wsgi tokens create NAME --scope write` (read, write or admin)."})
    api.register_converter(RepoIdConverter, lambda _converter: {
        "type": "string", "pattern": f"^{REPO_ID_PATTERN}$", "example": "meta-llama/Llama-2-7b-hf",
        "description": "Hub repo id, slash included as is (`org/name`) or a legacy `name`."})
    api.register_converter(LicenceIdConverter, lambda _converter: {
        "type": "string", "pattern": f"^{LICENCE_ID_PATTERN}$", "example": "Apache-2.0"})

    assets = Blueprint("docs_assets", __name__)

    @assets.get("/docs-assets/<path:filename>")
    def docs_asset(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    app.register_blueprint(assets)
    return api


class StrictQueryParser(FlaskParser):
    """Unknown query parameters are a 422: a misspelt filter must not silently match everything."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}


IF_MATCH_PARAMETER = {
    "in": "header", "name": "If-Match", "required": True,
    "description": "The ETag from your last GET of the record (412 if it changed since, 428 if missing).",
    "schema": {"type": "string", "example": '"3-6617b503ed6e4"'},
}


class PedigreeBlueprint(flask_smorest.Blueprint):
    """flask-smorest Blueprint with strict query parsing and per-view declarations of auth and preconditions."""

    ARGUMENTS_PARSER = StrictQueryParser()

    def requires(self, scope: str | None):
        """The view needs a token with `scope` (`read` only when PEDIGREE_REQUIRE_READ_TOKEN is on; None: open).

        Checked before the view runs (api.http.auth); documented as the bearer security with 401 and 403."""

        def decorator(func):
            auth.declare(func, scope)
            if scope is None:
                return self.doc(security=[])(func)
            when = " (when PEDIGREE_REQUIRE_READ_TOKEN is on)" if scope == "read" else ""
            security = [{}, {auth.SECURITY_SCHEME: []}] if scope == "read" else [{auth.SECURITY_SCHEME: []}]
            func = self.alt_response(401, response="UNAUTHORIZED",
                                     description=f"No valid bearer token{when}.")(func)
            func = self.alt_response(403, response="FORBIDDEN",
                                     description=f"The token lacks the '{scope}' scope{when}.")(func)
            return self.doc(security=security)(func)

        return decorator

    def precondition(self, func):
        """The view updates or deletes a record only with If-Match naming its current ETag (412, 428)."""
        func = self.alt_response(412, response="PRECONDITION_FAILED",
                                 description="If-Match names an older version of the record.")(func)
        func = self.alt_response(428, response="PRECONDITION_REQUIRED", description="If-Match is missing.")(func)
        return self.doc(parameters=[IF_MATCH_PARAMETER])(func)
