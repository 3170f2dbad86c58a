"""Model-card import shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import SourceUrl, StrictBoolean

MAX_CARDS = 1000
MAX_CARD_BYTES = 1024 * 1024


class CardInputSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(1, 193), metadata={
        "description": "The Hub repo id the card belongs to (a card does not name its own repo).",
        "example": "NousResearch/Nous-Hermes-Llama2-13b"})
    content = fields.String(required=True, validate=validate.Length(1, MAX_CARD_BYTES), metadata={
        "description": "The README.md text, YAML front matter first.",
        "example": "---\nlicense: mit\nbase_model: meta-llama/Llama-2-13b-hf\n---\n# My model\n"})
    source_url = SourceUrl(load_default=None, metadata={
        "description": "Where the card was read (default: https://huggingface.co/{id})."})


class ImportRequestSchema(Schema):
    cards = fields.List(fields.Nested(CardInputSchema), required=True, validate=validate.Length(1, MAX_CARDS))
    atomic = StrictBoolean(load_default=False, metadata={
        "description": "All or nothing: if any card fails, nothing is written (422)."})


class CardResultSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "created | updated | error"})
    reason = fields.String(allow_none=True, metadata={"description": "Why the card could not be imported."})
    license = fields.String(allow_none=True)
    parents = fields.List(fields.Dict())
    datasets = fields.List(fields.String())
    placeholders = fields.Dict(metadata={"description": "Models and datasets created as placeholders."})
    warnings = fields.List(fields.String())


class ImportResponseSchema(Schema):
    atomic = fields.Boolean()
    summary = fields.Dict(metadata={"example": {"created": 9, "updated": 1, "failed": 1,
                                                "placeholder_models": 3, "placeholder_datasets": 2}})
    results = fields.List(fields.Nested(CardResultSchema))
