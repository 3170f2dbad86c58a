"""/v1/licenses, and the former spelling /v1/licences answered with a permanent redirect (for one release)."""

from urllib.parse import quote

from flask import Blueprint as FlaskBlueprint
from flask import redirect, request
from flask.views import MethodView

from api.http.auth import declare
from api.http.conditional import not_modified, require_if_match, with_etag
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.paging import page_body
from api.routes.history import history_route
from api.store import licences as store
from api.store.common import transaction
from api.store.db import get_session
from schemas.common import partial_update
from schemas.licences import LicenceListArgsSchema, LicencePageSchema, LicenceSchema, LicenceUpdateSchema

blp = Blueprint("licenses", __name__, url_prefix="/v1/licenses",
                description="Licences with structured terms and category tags.")


@blp.route("")
class Licences(MethodView):
    @blp.arguments(LicenceListArgsSchema, location="query")
    @blp.response(200, LicencePageSchema)
    @blp.requires("read")
    def get(self, args):
        """List licences in id order; filter by text or category tag."""
        return page_body(store.list_licences(get_session(), **args))

    @blp.arguments(LicenceSchema)
    @blp.response(201, LicenceSchema)
    @blp.alt_response(409, response="CONFLICT", description="The id or an alias is taken.")
    @blp.requires("write")
    def post(self, data):
        """Create a licence. Terms left out are `unknown`."""
        session = get_session()
        with transaction(session):
            licence = store.create_licence(session, data)
        return with_etag(licence, 201, Location=f"/v1/licenses/{licence.id}")


@blp.route("/<licence_id:licence_id>")
class LicenceById(MethodView):
    @blp.response(200, LicenceSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(304, description="Not modified (If-None-Match).")
    @blp.requires("read")
    def get(self, licence_id):
        """Read one licence by its id (with an ETag; If-None-Match answers 304)."""
        licence = store.get_licence(get_session(), licence_id)
        return not_modified(licence) or with_etag(licence)

    @blp.arguments(partial_update(LicenceUpdateSchema))
    @blp.response(200, LicenceSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="An alias is taken.")
    @blp.precondition
    @blp.requires("write")
    def patch(self, data, licence_id):
        """Change fields of a licence (If-Match required); `aliases` and `terms`, when given, replace the whole value."""
        session = get_session()
        with transaction(session):
            require_if_match(session, lambda: store.get_licence(session, licence_id))
            licence = store.update_licence(session, licence_id, data)
        return with_etag(licence)

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="Models or datasets still name the licence.")
    @blp.precondition
    @blp.requires("write")
    def delete(self, licence_id):
        """Delete a licence no model or dataset names (If-Match required)."""
        session = get_session()
        with transaction(session):
            require_if_match(session, lambda: store.get_licence(session, licence_id))
            store.delete_licence(session, licence_id)
        return None


history_route(blp, "/<licence_id:licence_id>/history", "licence", "licence_id", store.get_licence)


former_spelling = FlaskBlueprint("licences_former_spelling", __name__)
_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@former_spelling.route("/v1/licences", defaults={"rest": ""}, methods=_EVERY_METHOD)
@former_spelling.route("/v1/licences/<path:rest>", methods=_EVERY_METHOD)
def moved_permanently(rest: str):
    """308 to the same request under /v1/licenses: the method, body and query are kept."""
    target = "/v1/licenses" + (f"/{quote(rest, safe='/+:@')}" if rest else "")
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(target, 308)


declare(moved_permanently, None)  # the redirect itself is open; the new path asks for what it needs
