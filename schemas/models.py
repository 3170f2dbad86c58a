"""Language model shapes, with their parent and training-data edges."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.domain.limits import MAX_DATASETS, MAX_PARENTS
from api.domain.vocabulary import PARENT_RELATIONS, TRAINING_STAGES
from schemas.common import (
    PARTIAL_DATE_PATTERN,
    Expression,
    FullDate,
    ListArgsSchema,
    RepoId,
    SourceUrl,
    page_of,
    validate_partial_date,
)


class ParentRefSchema(Schema):
    """An edge from this model to a model it derives from."""

    id = RepoId(required=True, metadata={"description": "The parent model's id.", "example": "meta-llama/Llama-2-7b-hf"})
    relation = fields.String(required=True, validate=validate.OneOf(PARENT_RELATIONS),
                             metadata={"example": "finetune"})
    source = SourceUrl(allow_none=True, load_default=None,
                       metadata={"description": "Where the relation is stated (model card, paper)."})


class TrainingRefSchema(Schema):
    """An edge from this model to a dataset it was trained on."""

    id = RepoId(required=True, metadata={"description": "The dataset's id.", "example": "tatsu-lab/alpaca"})
    stage = fields.String(required=True, validate=validate.OneOf(TRAINING_STAGES),
                          metadata={"example": "finetuning"})
    source = SourceUrl(allow_none=True, load_default=None)


class LicenceAssignmentSchema(Schema):
    """The licence a model was declared under from a date on."""

    license = Expression(required=True, allow_none=True)
    effective_from = FullDate(load_default=None, allow_none=True, metadata={
        "description": "First day the licence applied (YYYY-MM-DD); null: from the start.", "example": "2023-05-31"})
    source = SourceUrl(allow_none=True, load_default=None)


def _unique_ids(items: list[dict], field: str) -> None:
    seen: set[str] = set()
    for item in items or []:
        if item.get("id") in seen:
            raise ValidationError({field: [f"'{item['id']}' is listed twice."]})
        seen.add(item.get("id"))


def hub_provenance(model) -> str:
    return "hub" if getattr(model, "hub_record", None) is not None else "curated"


def hub_fetch(model) -> dict | None:
    record = getattr(model, "hub_record", None)
    if record is None:
        return None
    return {"commit": record.sha, "fetched_at": record.fetched_at.isoformat(), "url": record.url,
            "status": record.status, "gated": record.gated, "reason": record.reason}


class LanguageModelSchema(Schema):
    id = RepoId(required=True)
    name = fields.String(allow_none=True, validate=validate.Length(1, 300), metadata={"example": "Llama 2 7B"})
    organisation = fields.String(allow_none=True, validate=validate.Length(1, 200), metadata={"example": "Meta"})
    rights_holder = fields.String(allow_none=True, validate=validate.Length(1, 200), metadata={
        "description": "Who holds the rights in the weights, as a Hub organisation (null: the organisation part of "
        "the id). A model released by the holder of its ancestors' rights under its own licence ends their "
        "licences for everything below it.", "example": "meta-llama"})
    aliases = fields.List(RepoId(), validate=validate.Length(max=20), metadata={
        "description": "Former Hub ids of this repo (renames); the model answers under each, case-insensitively. "
        "Given on a write, it replaces the list.", "example": ["meta-llama/Meta-Llama-3.1-8B-Instruct"]})
    release_date = fields.String(allow_none=True, validate=validate_partial_date,
                                 metadata={"pattern": PARTIAL_DATE_PATTERN, "description": "YYYY, YYYY-MM or YYYY-MM-DD.",
                                           "example": "2023-07-18"})
    parameters = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 10**15), metadata={"example": 6738415616})
    license = Expression(allow_none=True, metadata={
        "description": "Declared licence (SPDX expression); null when none is declared (terms unknown). "
        "A change is appended to `license_history`, effective `license_effective_from` (default today).",
        "example": "Apache-2.0"})
    license_effective_from = FullDate(load_only=True, metadata={
        "description": "When a changed `license` takes effect (YYYY-MM-DD, default: today)."})
    license_history = fields.List(fields.Nested(LicenceAssignmentSchema), validate=validate.Length(max=50), metadata={
        "description": "Every licence the model was declared under, oldest first; the last one is `license`. "
        "Given on a write, it replaces the history."})
    license_ids = fields.List(fields.String(), dump_only=True, attribute="licence_ids",
                              metadata={"description": "The licence ids the expression names."})
    source_url = SourceUrl(allow_none=True, metadata={"example": "https://huggingface.co/meta-llama/Llama-2-7b-hf"})
    placeholder = fields.Boolean(load_default=False, metadata={
        "description": "True for a record named by a card but not yet described; its terms are unknown."})
    sources = fields.Dict(keys=fields.String(validate=validate.Length(max=100)), values=SourceUrl(),
                          load_default=dict, validate=validate.Length(max=50),
                          metadata={"description": "Field name → URL the fact was read from.",
                                    "example": {"license": "https://huggingface.co/meta-llama/Llama-2-7b-hf"}})
    parents = fields.List(fields.Nested(ParentRefSchema), load_default=list, validate=validate.Length(max=MAX_PARENTS))
    datasets = fields.List(fields.Nested(TrainingRefSchema), load_default=list, validate=validate.Length(max=MAX_DATASETS))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    provenance = fields.Function(hub_provenance, dump_only=True, metadata={
        "description": "`hub` when the record was read from a Hugging Face model card, else `curated`.",
        "enum": ["curated", "hub"]})
    hub = fields.Function(hub_fetch, dump_only=True, allow_none=True, metadata={
        "description": "For a Hub-sourced record: the commit read, when, the card URL, and whether the card was "
        "public (`status` gated, with the `reason`, when it was not); null for a curated record."})

    @validates_schema
    def _no_duplicate_edges(self, data, **_kwargs):
        _unique_ids(data.get("parents"), "parents")
        _unique_ids(data.get("datasets"), "datasets")

    @validates_schema
    def _history_in_order(self, data, **_kwargs):
        history = data.get("license_history") or []
        dates = [entry["effective_from"] for entry in history]
        if any(d is None for d in dates[1:]):
            raise ValidationError({"license_history": ["Only the first entry may have no effective_from."]})
        known = [d for d in dates if d is not None]
        if known != sorted(known) or len(set(known)) != len(known):
            raise ValidationError({"license_history": ["Entries must be in increasing effective_from order."]})


class LanguageModelUpdateSchema(LanguageModelSchema):
    """Fields to change; `parents` and `datasets`, when given, replace the whole set."""

    class Meta:
        exclude = ("id",)


class LanguageModelListArgsSchema(ListArgsSchema):
    license = fields.String(validate=validate.Length(1, 128), metadata={
        "description": "Declared expression names this licence id (or alias).", "example": "Apache-2.0"})
    organisation = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "Organisation, case-insensitive exact match.", "example": "Meta"})
    base_model = RepoId(metadata={"description": "Has this model as a direct parent."})
    q = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "Case-insensitive text in the id or name.", "example": "llama"})


LanguageModelPageSchema = page_of(LanguageModelSchema, "LanguageModelPage")
ParentRefPageSchema = page_of(ParentRefSchema, "ParentRefPage")
TrainingRefPageSchema = page_of(TrainingRefSchema, "TrainingRefPage")
