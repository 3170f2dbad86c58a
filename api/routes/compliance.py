"""/v1/compliance: policy checks for CI pipelines."""

from flask import current_app
from flask.views import MethodView

from api.http.openapi import PedigreeBlueprint as Blueprint
from api.store.compliance import check_batch
from api.store.db import get_session
from schemas.compliance import ComplianceReportSchema, ComplianceRequestSchema

blp = Blueprint("compliance", __name__, url_prefix="/v1/compliance",
                description="Check the models a product uses against a licence policy.")


@blp.route("/check")
class ComplianceCheck(MethodView):
    @blp.arguments(ComplianceRequestSchema)
    @blp.response(200, ComplianceReportSchema)
    @blp.requires("read")
    def post(self, data):
        """Check up to 10,000 models against a policy: per-model findings and one overall pass or fail.

        By default each model carries the findings that decide it (errors and warnings); `detail: "full"`
        adds the notes (obligations, caveats) and every finding's provenance.

        Unknown model ids are findings, not a request error. What binds each model (its ancestors, training
        data and their generators, with the path to each) is read for the whole batch in one query from what
        every write keeps current; a model's result is kept per process and reused for the same policy, day
        and detail until any data changes.
        """
        session = get_session()
        try:
            return check_batch(session, data["models"], data["policy"],
                               detail="full" if data["detail"] == "full" else "findings",
                               kept=current_app.extensions.get("pedigree.kept_checks"))
        finally:
            session.rollback()
