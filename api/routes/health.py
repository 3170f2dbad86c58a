"""Liveness and readiness."""

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.http.errors import problem_response
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.watchdog import watchdog
from api.store.db import get_engine
from api.store.postgres_guard import server_of

blp = Blueprint("health", __name__, description="Probes for load balancers and orchestrators.")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.requires(None)
    def get(self):
        """The process is up (does not touch the database)."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE", description="The database is unreachable.")
    @blp.requires(None)
    def get(self):
        """The database answers a query (within 2 s whatever the database does: a frozen server is probed first)."""
        server = server_of(get_engine())
        if server and (watchdog.database_down(server) or not watchdog.check_database(server)):
            return problem_response(503, "The database is unreachable: its server does not answer.", kind="database-unavailable")
        try:
            with get_engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return problem_response(503, "The database is unreachable.", kind="database-unavailable")
        return {"status": "ok"}
