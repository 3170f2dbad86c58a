"""What terms a model inherits, what a use may do, and where a declared licence is looser than the inherited terms."""

from flask.views import MethodView

from api.domain.conflicts import conflicts as find_conflicts
from api.domain.verdicts import Use, evaluate, summarised
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.paging import page_body, whole_list
from api.store import terms
from api.store.db import get_session
from schemas.terms import (
    ConflictArgsSchema,
    ConflictPageSchema,
    EffectiveTermsSchema,
    TermsArgsSchema,
    VerdictArgsSchema,
    VerdictSchema,
)

blp = Blueprint("terms", __name__, url_prefix="/v1", description="What terms a model inherits and what a use may do.")


@blp.route("/models/<repo_id:model_id>/terms")
class Terms(MethodView):
    @blp.arguments(TermsArgsSchema, location="query")
    @blp.response(200, EffectiveTermsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, args, model_id):
        """Effective terms over the model's licence, every ancestor and its training data, with provenance."""
        effective = terms.effective(get_session(), model_id, as_of=args.get("as_of"),
                                      include_training_data=args["include_training_data"],
                                      training_data=args["training_data"])
        return {**effective.as_dict(), "as_of": args.get("as_of")}


@blp.route("/models/<repo_id:model_id>/permitted-use")
class PermittedUse(MethodView):
    @blp.arguments(VerdictArgsSchema, location="query")
    @blp.response(200, VerdictSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, args, model_id):
        """Verdict for a concrete use: permitted, permitted with obligations, forbidden or unknown."""
        view = args.pop("view")
        effective = terms.effective(get_session(), model_id, as_of=args.pop("as_of", None),
                                      include_training_data=args.pop("include_training_data"),
                                      training_data=args.pop("training_data"))
        verdict = evaluate(effective, Use(**args))
        return summarised(verdict) if view == "summary" else verdict


@blp.route("/models/<repo_id:model_id>/conflicts")
class ModelConflicts(MethodView):
    @blp.response(200, ConflictPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, model_id):
        """Terms where this model's declared licence is looser than what it inherits."""
        effective = terms.effective(get_session(), model_id)
        found = find_conflicts(effective)
        declared = effective.declared_group()
        rows = [{"model": effective.model, "declared_license": declared.expression if declared else None,
                 "conflicts": found}] if found else []
        return whole_list(rows)


@blp.route("/conflicts")
class Conflicts(MethodView):
    @blp.arguments(ConflictArgsSchema, location="query")
    @blp.response(200, ConflictPageSchema)
    @blp.requires("read")
    def get(self, args):
        """Every model whose declared licence is looser than what it inherits, in id order."""
        page = terms.conflicts_page(get_session(), limit=args["limit"], after=args.get("after"),
                                      license=args.get("license"), organisation=args.get("organisation"),
                                      base_model=args.get("base_model"))
        return page_body(page)
