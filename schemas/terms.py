"""Shapes of effective-terms, verdict and conflict answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.domain.vocabulary import TERM_NAMES, TRAINING_DATA_MODES
from schemas.common import FullDate, ListArgsSchema, RepoId, page_of


class TermsArgsSchema(Schema):
    as_of = FullDate(metadata={
        "description": "Apply each model's licence in force on this date (YYYY-MM-DD).", "example": "2023-05-28"})
    include_training_data = fields.Boolean(load_default=True, metadata={
        "description": "Count the terms of training datasets (and of models that generated them)."})
    training_data = fields.String(load_default="caveat", validate=validate.OneOf(TRAINING_DATA_MODES), metadata={
        "description": "`caveat` (default): training data whose licence, or some of its terms, is unknown is listed "
        "in `caveats` and does not change the verdict (known terms still bind); `strict`: those terms are unknown."})


class UseArgsSchema(TermsArgsSchema):
    commercial = fields.Boolean(metadata={"description": "The use is commercial."})
    monthly_active_users = fields.Integer(validate=validate.Range(0, 10**12), metadata={
        "description": "Monthly active users of the product.", "example": 1000})
    redistribute_weights = fields.Boolean(metadata={"description": "The (derived) weights will be distributed."})
    train_other_models_on_outputs = fields.Boolean(metadata={
        "description": "Outputs will be used to train other models."})
    research_only = fields.Boolean(metadata={
        "description": "The use is research only (false: also fails research-only licences)."})


class VerdictArgsSchema(UseArgsSchema):
    view = fields.String(load_default="full", validate=validate.OneOf(["full", "summary"]), metadata={
        "description": "`full` (default): every finding with its provenance; `summary`: each finding's term, "
                       "message and licence, and what each caveat names (a small body for a verdict check)."})


class ProvenanceSchema(Schema):
    value = fields.Raw(allow_none=True)
    license = fields.String(allow_none=True, metadata={"example": "LicenseRef-scancode-llama-license-2023"})
    role = fields.String(metadata={"description": "declared | ancestor | training_data | generator"})
    imposed_by = fields.Dict(metadata={"example": {"kind": "model", "id": "huggyllama/llama-7b"}})
    path = fields.List(fields.String())
    via = fields.List(fields.String())
    source = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    explanation = fields.String(metadata={"example": "commercial use forbidden — imposed by "
                                          "LicenseRef-scancode-llama-license-2023 on model huggyllama/llama-7b, "
                                          "via lmsys/vicuna-7b-v1.3 → huggyllama/llama-7b"})


class CaveatSchema(Schema):
    kind = fields.String(metadata={"description": "training_data_license_unknown | training_data_terms_unknown | "
                                                  "generator_terms_unknown"})
    dataset = fields.String(allow_none=True, metadata={"example": "EleutherAI/pile"})
    model = fields.String(allow_none=True, metadata={"description": "The generating model (generator caveats)."})
    license = fields.String(allow_none=True)
    terms = fields.List(fields.String(), metadata={"description": "The terms left unknown."})
    path = fields.List(fields.String(), metadata={"description": "Ids from the queried model to the dataset."})
    message = fields.String()


class SupersededSchema(Schema):
    id = fields.String(metadata={"example": "meta-llama/Llama-3.1-8B-Instruct"})
    rights_holder = fields.String(metadata={"example": "meta-llama"})
    superseded_by = fields.String(metadata={"example": "meta-llama/Llama-3.2-1B"})
    path = fields.List(fields.String())
    message = fields.String()


class EffectiveTermSchema(Schema):
    value = fields.Raw(allow_none=True)
    sources = fields.List(fields.Nested(ProvenanceSchema))


class EffectiveTermsSchema(Schema):
    model = fields.String()
    as_of = fields.String(allow_none=True)
    include_training_data = fields.Boolean()
    training_data = fields.String(metadata={"description": "caveat | strict"})
    terms = fields.Nested(Schema.from_dict({name: fields.Nested(EffectiveTermSchema) for name in TERM_NAMES},
                                           name="EffectiveTermMap"))
    caveats = fields.List(fields.Nested(CaveatSchema))
    licenses = fields.List(fields.Dict(), metadata={"description": "Every licence expression taken into account."})
    superseded = fields.List(fields.Nested(SupersededSchema), metadata={
        "description": "Ancestors whose licences no longer bind: their rights holder relicensed below them."})


class FindingSchema(Schema):
    term = fields.String()
    value = fields.Raw(allow_none=True)
    message = fields.String()
    provenance = fields.Nested(ProvenanceSchema)
    license = fields.String(allow_none=True, metadata={
        "description": "With `view=summary`, in place of `provenance`: the licence that imposes it."})


class VerdictSchema(Schema):
    model = fields.String()
    use = fields.Dict()
    verdict = fields.String(validate=validate.OneOf(["permitted", "permitted_with_obligations", "forbidden", "unknown"]))
    violations = fields.List(fields.Nested(FindingSchema))
    obligations = fields.List(fields.Nested(FindingSchema))
    unknowns = fields.List(fields.Nested(FindingSchema))
    caveats = fields.List(fields.Nested(CaveatSchema), metadata={
        "description": "Training data with unknown licence terms: reported, not counted in the verdict."})


class ConflictSchema(Schema):
    term = fields.String()
    declared = fields.Raw(allow_none=True)
    declared_license = fields.String(allow_none=True)
    inherited = fields.Raw(allow_none=True)
    sources = fields.List(fields.Nested(ProvenanceSchema))
    message = fields.String()


class ModelConflictsSchema(Schema):
    model = fields.String()
    declared_license = fields.String(allow_none=True)
    conflicts = fields.List(fields.Nested(ConflictSchema))


class ConflictArgsSchema(ListArgsSchema):
    license = fields.String(validate=validate.Length(1, 128), metadata={
        "description": "Only conflicts where this licence is declared or inherited."})
    organisation = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "Only models of this organisation (case-insensitive)."})
    base_model = RepoId(metadata={
        "description": "Only this model and the models descending from it (its whole family)."})


ConflictPageSchema = page_of(ModelConflictsSchema, "ConflictPage")
