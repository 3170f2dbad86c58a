"""Batch compliance check shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import RepoId
from schemas.policy import PolicySchema

MAX_BATCH = 10_000


class ComplianceRequestSchema(Schema):
    models = fields.List(RepoId(), required=True, validate=validate.Length(1, MAX_BATCH), metadata={
        "description": f"Model ids to check (1 to {MAX_BATCH:,}); unknown ids become findings.",
        "example": ["lmsys/vicuna-7b-v1.5", "mistralai/Mistral-7B-v0.1"]})
    policy = fields.Nested(PolicySchema, required=True)
    detail = fields.String(load_default="findings", validate=validate.OneOf(["findings", "full"]), metadata={
        "description": "`findings` (default): per model its status, verdict and the error and warning findings "
                       "without provenance, notes counted; `full`: every finding (obligations too) with its "
                       "provenance and every caveat whole."})


class ComplianceFindingSchema(Schema):
    severity = fields.String(metadata={"description": "error | warning | note"})
    rule = fields.String(metadata={"description": "license-policy | use-forbidden | unknown-terms | unknown-model | "
                                   "declared-license-conflict | obligation | training-data-caveat | waiver-expired"})
    message = fields.String()
    fix = fields.String(metadata={"description": "One line on how to fix it."})
    term = fields.String()
    license = fields.String()
    provenance = fields.Dict()
    waived_by = fields.Dict()


class ModelComplianceSchema(Schema):
    model = fields.String()
    status = fields.String(metadata={"description": "pass | fail"})
    verdict = fields.String(allow_none=True)
    license = fields.String(allow_none=True)
    resolved_id = fields.String(metadata={"description": "The model's current id, when it was named by a former id "
                                                         "or in another case."})
    findings = fields.List(fields.Nested(ComplianceFindingSchema))
    notes = fields.Integer(metadata={"description": "With `detail: findings`: how many note findings "
                                                    "(obligations, caveats) were left out."})
    caveats = fields.List(fields.Dict(), metadata={"description": "Training data with unknown licence terms."})


class ComplianceReportSchema(Schema):
    result = fields.String(metadata={"description": "pass | fail", "example": "fail"})
    detail = fields.String(metadata={"description": "findings | full: what the report holds"})
    policy = fields.String(allow_none=True)
    summary = fields.Dict(metadata={"example": {"models": 2, "passed": 1, "failed": 1, "error": 1, "warning": 0,
                                                "note": 7}})
    models = fields.List(fields.Nested(ModelComplianceSchema))
