"""A model's family: its ancestors, its descendants and the graph around it (JSON, Mermaid or DOT)."""

from flask import Response
from flask.views import MethodView

from api.domain import render
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.paging import page_body, whole_list
from api.store import lineage
from api.store.db import get_session
from schemas.lineage import (
    AncestorArgsSchema,
    AncestorListSchema,
    DescendantArgsSchema,
    DescendantPageSchema,
    LineageArgsSchema,
    LineageGraphSchema,
)

blp = Blueprint("lineage", __name__, url_prefix="/v1", description="What a model descends from and what descends from it.")

GRAPH_NODE_LIMIT = 5000


@blp.route("/models/<repo_id:model_id>/ancestors")
class Ancestors(MethodView):
    @blp.arguments(AncestorArgsSchema, location="query")
    @blp.response(200, AncestorListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, args, model_id):
        """Every model above this one, nearest first, each with its depth and the path of relations."""
        rows = lineage.ancestors(get_session(), model_id, max_depth=args.get("max_depth"),
                                 relations=args.get("relation"))
        return whole_list(rows)


@blp.route("/models/<repo_id:model_id>/descendants")
class Descendants(MethodView):
    @blp.arguments(DescendantArgsSchema, location="query")
    @blp.response(200, DescendantPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, args, model_id):
        """Every model below this one in id order (keyset pages), with depth and the path down."""
        page = lineage.descendants(get_session(), model_id, limit=args["limit"], after=args.get("after"),
                                   max_depth=args.get("max_depth"), relations=args.get("relation"))
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
    @blp.requires("read")
    def get(self, args, model_id):
        """The graph around the model: nodes and edges by index (node 0 is the model), or Mermaid / DOT text."""
        data = lineage.lineage_graph(get_session(), model_id, up=args["up"], down=args["down"],
                                     relations=args.get("relation"), node_limit=GRAPH_NODE_LIMIT)
        if args["format"] == "mermaid":
            return Response(render.mermaid(data), mimetype="text/plain")
        if args["format"] == "dot":
            return Response(render.dot(data), mimetype="text/vnd.graphviz")
        return data
