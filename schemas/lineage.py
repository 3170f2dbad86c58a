"""Shapes of lineage answers: ancestors, descendants and the graph around a model."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.domain.limits import MAX_DEPTH
from api.domain.vocabulary import PARENT_RELATIONS
from schemas.common import ListArgsSchema, page_of

_RELATION = fields.List(
    fields.String(validate=validate.OneOf(PARENT_RELATIONS)),
    metadata={"description": "Walk only edges of these relation types (repeat the parameter for several).",
              "example": ["finetune"]},
)


class AncestorArgsSchema(Schema):
    max_depth = fields.Integer(validate=validate.Range(1, MAX_DEPTH),
                               metadata={"description": f"Stop this many edges up (1-{MAX_DEPTH})."})
    relation = _RELATION


class DescendantArgsSchema(ListArgsSchema):
    max_depth = fields.Integer(validate=validate.Range(1, MAX_DEPTH), metadata={
        "description": f"Only models at most this many edges down (1-{MAX_DEPTH}); every depth when left out."})
    relation = _RELATION


class LineageArgsSchema(Schema):
    up = fields.Integer(load_default=MAX_DEPTH, validate=validate.Range(0, MAX_DEPTH),
                        metadata={"description": "Edges to follow upwards (ancestors)."})
    down = fields.Integer(load_default=1, validate=validate.Range(0, MAX_DEPTH),
                          metadata={"description": "Edges to follow downwards (descendants)."})
    relation = _RELATION
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "mermaid", "dot"]), metadata={
        "description": "`json` (nodes + edges), `mermaid` (text/plain) or `dot` (Graphviz, text/vnd.graphviz)."})


class LineageNodeRefSchema(Schema):
    id = fields.String(metadata={"example": "huggyllama/llama-7b"})
    depth = fields.Integer(metadata={"example": 1})
    path = fields.List(fields.String(), metadata={"description": "Ids from the queried model to this one."})
    relations = fields.List(fields.String(), metadata={"description": "Relation of each edge on the path."})


class AncestorListSchema(Schema):
    data = fields.List(fields.Nested(LineageNodeRefSchema))
    pagination = fields.Dict()


DescendantPageSchema = page_of(LineageNodeRefSchema, "DescendantPage")


class GraphNodeSchema(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)
    license = fields.String(allow_none=True)
    placeholder = fields.Boolean()


class GraphEdgeSchema(Schema):
    from_ = fields.Integer(data_key="from", attribute="from", metadata={"description": "Index of the child node."})
    to = fields.Integer(metadata={"description": "Index of the parent node."})
    relation = fields.String()


class LineageGraphSchema(Schema):
    nodes = fields.List(fields.Nested(GraphNodeSchema), metadata={"description": "Node 0 is the queried model."})
    edges = fields.List(fields.Nested(GraphEdgeSchema))
    truncated = fields.Boolean(metadata={"description": "True when the downward part was cut at the node limit."})
