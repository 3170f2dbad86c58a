"""Lineage, effective terms, permitted use and conflicts."""

from flask import Response
from flask.views import MethodView

from api.db import get_session
from api.domain import render
from api.domain.conflicts import conflicts as find_conflicts
from api.domain.verdicts import Use, evaluate
from api.openapi import PedigreeBlueprint as Blueprint
from api.routes.paging import page_body, whole_list
from api.store import answers
from schemas.shipping import BomArgsSchema
from schemas.answers import (
    AncestorArgsSchema,
    AncestorListSchema,
    ConflictArgsSchema,
    ConflictPageSchema,
    DescendantArgsSchema,
    DescendantPageSchema,
    EffectiveTermsSchema,
    LineageArgsSchema,
    LineageGraphSchema,
    TermsArgsSchema,
    UseArgsSchema,
    VerdictSchema,
)

blp = Blueprint("answers", __name__, url_prefix="/v1",
                description="What a model descends from, what terms it inherits, and what a use may do.")

GRAPH_NODE_LIMIT = 5000


@blp.route("/models/<repo_id:model_id>/ancestors")
class Ancestors(MethodView):
    @blp.arguments(AncestorArgsSchema, location="query")
    @blp.response(200, AncestorListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, model_id):
        """Every model above this one, nearest first, each with its depth and the path of relations."""
        rows = answers.ancestors(get_session(), model_id, max_depth=args.get("max_depth"),
                                 relations=args.get("relation"))
        return whole_list(rows)


@blp.route("/models/<repo_id:model_id>/descendants")
class Descendants(MethodView):
    @blp.arguments(DescendantArgsSchema, location="query")
    @blp.response(200, DescendantPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, model_id):
        """Every model below this one in id order (keyset pages), with depth and the path down."""
        page = answers.descendants(get_session(), model_id, limit=args["limit"], after=args.get("after"),
                                   max_depth=args["max_depth"], relations=args.get("relation"))
        return page_body(page)


@blp.route("/models/<repo_id:model_id>/lineage")
class LineageGraph(MethodView):
    @blp.arguments(LineageArgsSchema, location="query")
    @blp.response(200, LineageGraphSchema)
    @blp.doc(responses={200: {"content": {
        "text/plain": {"schema": {"type": "string"}, "example": "graph BT\n  n0[\"org/model\"]\n"},
        "text/vnd.graphviz": {"schema": {"type": "string"}, "example": "digraph lineage {\n}\n"},
    }}})
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, model_id):
        """The graph around the model: nodes and edges by index (node 0 is the model), or Mermaid / DOT text."""
        data = answers.lineage_graph(get_session(), model_id, up=args["up"], down=args["down"],
                                     relations=args.get("relation"), node_limit=GRAPH_NODE_LIMIT)
        if args["format"] == "mermaid":
            return Response(render.mermaid(data), mimetype="text/plain")
        if args["format"] == "dot":
            return Response(render.dot(data), mimetype="text/vnd.graphviz")
        return data


@blp.route("/models/<repo_id:model_id>/terms")
class Terms(MethodView):
    @blp.arguments(TermsArgsSchema, location="query")
    @blp.response(200, EffectiveTermsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, model_id):
        """Effective terms over the model's licence, every ancestor and its training data, with provenance."""
        effective = answers.effective(get_session(), model_id, as_of=args.get("as_of"),
                                      include_training_data=args["include_training_data"],
                                      training_data=args["training_data"])
        return {**effective.as_dict(), "as_of": args.get("as_of")}


@blp.route("/models/<repo_id:model_id>/permitted-use")
class PermittedUse(MethodView):
    @blp.arguments(UseArgsSchema, location="query")
    @blp.response(200, VerdictSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, model_id):
        """Verdict for a concrete use: permitted, permitted with obligations, forbidden or unknown."""
        effective = answers.effective(get_session(), model_id, as_of=args.pop("as_of", None),
                                      include_training_data=args.pop("include_training_data"),
                                      training_data=args.pop("training_data"))
        return evaluate(effective, Use(**args))


@blp.route("/models/<repo_id:model_id>/conflicts")
class ModelConflicts(MethodView):
    @blp.response(200, ConflictPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, model_id):
        """Terms where this model's declared licence is looser than what it inherits."""
        effective = answers.effective(get_session(), model_id)
        found = find_conflicts(effective)
        declared = effective.declared_group()
        rows = [{"model": effective.model, "declared_licence": declared.expression if declared else None,
                 "conflicts": found}] if found else []
        return whole_list(rows)


@blp.route("/conflicts")
class Conflicts(MethodView):
    @blp.arguments(ConflictArgsSchema, location="query")
    @blp.response(200, ConflictPageSchema)
    def get(self, args):
        """Every model whose declared licence is looser than what it inherits, in id order."""
        page = answers.conflicts_page(get_session(), limit=args["limit"], after=args.get("after"),
                                      license=args.get("license"), organisation=args.get("organisation"),
                                      base_model=args.get("base_model"))
        return page_body(page)


@blp.route("/models/<repo_id:model_id>/bom")
class BillOfMaterials(MethodView):
    @blp.arguments(BomArgsSchema, location="query")
    @blp.response(200, description="CycloneDX 1.6 or 1.7 JSON (application/vnd.cyclonedx+json; version=…).")
    @blp.doc(responses={200: {"content": {"application/vnd.cyclonedx+json": {"schema": {"type": "object"}}}}})
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, model_id):
        """CycloneDX ML-BOM: the model, its ancestors in `pedigree.ancestors` (recursively), its training data."""
        from api.bom import bom_json, media_type

        snapshot = answers.snapshot(get_session(), model_id)
        return Response(bom_json(snapshot, snapshot.root, args["spec_version"]),
                        content_type=media_type(args["spec_version"]))
