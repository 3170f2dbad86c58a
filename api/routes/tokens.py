"""/v1/tokens: create, list and revoke API tokens (admin scope)."""

from flask.views import MethodView

from api.http.errors import Problem
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.paging import whole_list
from api.store import tokens as store
from api.store.common import transaction
from api.store.db import get_session
from schemas.tokens import NewTokenSchema, TokenCreateSchema, TokenPageSchema, TokenRevokeArgsSchema, TokenSchema

blp = Blueprint("tokens", __name__, url_prefix="/v1/tokens",
                description="Bearer tokens with scopes read, write, admin. Every call here needs `admin`.")


@blp.route("")
class Tokens(MethodView):
    @blp.response(200, TokenPageSchema)
    @blp.requires("admin")
    def get(self):
        """List tokens (never their secrets)."""
        return whole_list([store.describe(t) for t in store.list_tokens(get_session())])

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    @blp.alt_response(409, response="CONFLICT", description="The name is taken.")
    @blp.requires("admin")
    def post(self, data):
        """Create a token; the response is the only time its secret is shown."""
        session = get_session()
        with transaction(session):
            token, secret = store.create_token(session, data["name"], data["scopes"])
        return {**store.describe(token), "token": secret}


    @blp.arguments(TokenRevokeArgsSchema, location="query")
    @blp.response(200, TokenSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("admin")
    def delete(self, args):
        """Revoke the token with this `name`; it stops working at once. Revoked tokens stay listed."""
        session = get_session()
        with transaction(session):
            token = store.revoke_token(session, args["name"])
        return store.describe(token)


@blp.route("/<string:token_id>")
class TokenById(MethodView):
    @blp.response(200, TokenSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("admin")
    def delete(self, token_id):
        """Revoke the token with this numeric id (ASCII digits; by name: `DELETE /v1/tokens?name=`)."""
        if not (token_id.isascii() and token_id.isdigit() and len(token_id) <= 18):
            raise Problem(404, f"'{token_id}' is not a token id (ASCII digits); revoke by name with "
                          "DELETE /v1/tokens?name=…", kind="not-found")
        session = get_session()
        with transaction(session):
            token = store.revoke_token_by_id(session, int(token_id))
        return store.describe(token)
