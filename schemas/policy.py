"""The compliance policy (YAML or JSON); its JSON Schema twin is schemas/policy.schema.json."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from api.domain.vocabulary import TRAINING_DATA_MODES
from schemas.common import FullDate, RepoId, StrictBoolean


class PolicyUseSchema(Schema):
    """The intended use, as for GET /v1/models/{id}/permitted-use."""

    class Meta:
        unknown = RAISE

    commercial = StrictBoolean()
    monthly_active_users = fields.Integer(strict=True, validate=validate.Range(0, 10**12))
    redistribute_weights = StrictBoolean()
    train_other_models_on_outputs = StrictBoolean()
    research_only = StrictBoolean()


class FormerSpellingSchema(Schema):
    """Reads a policy written before the spelling `license` (`licences:`, `licence:`) for one release."""

    FORMER = {"licences": "licenses", "licence": "license"}

    @pre_load
    def _current_spelling(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        return {(self.FORMER[k] if k in self.FORMER and self.FORMER[k] not in data else k): v for k, v in data.items()}


class LicenceRulesSchema(FormerSpellingSchema):
    """Licences by id (or alias), whole SPDX expression, or category tag."""

    class Meta:
        unknown = RAISE

    licenses = fields.List(fields.String(validate=validate.Length(1, 128)), load_default=list)
    expressions = fields.List(fields.String(validate=validate.Length(1, 1000)), load_default=list)
    tags = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=list)


class WaiverSchema(FormerSpellingSchema):
    class Meta:
        unknown = RAISE

    model = RepoId(required=True)
    license = fields.String(validate=validate.Length(1, 128), load_default=None, metadata={
        "description": "Only findings about this licence are waived (default: all of the model's)."})
    approved_by = fields.String(required=True, validate=validate.Length(1, 200))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    expires = FullDate(required=True, metadata={
        "description": "Last day the waiver applies (YYYY-MM-DD)."})


class PolicySchema(Schema):
    class Meta:
        unknown = RAISE

    version = fields.Integer(strict=True, load_default=1, validate=validate.Equal(1))
    name = fields.String(load_default=None, validate=validate.Length(1, 200))
    use = fields.Nested(PolicyUseSchema, load_default=dict)
    allow = fields.Nested(LicenceRulesSchema, load_default=None, allow_none=True, metadata={
        "description": "When given, every licence a model is subject to must match one of these."})
    deny = fields.Nested(LicenceRulesSchema, load_default=None, allow_none=True)
    fail_on_unknown = StrictBoolean(load_default=True)
    fail_on_conflicts = StrictBoolean(load_default=False, metadata={
        "description": "Declared-versus-inherited licence conflicts fail (true) or warn (false)."})
    include_training_data = StrictBoolean(load_default=True)
    training_data = fields.String(load_default="caveat", validate=validate.OneOf(TRAINING_DATA_MODES), metadata={
        "description": "`caveat`: training data with unknown licence terms is a warning beside the verdict; "
        "`strict`: those terms are unknown (and fail with fail_on_unknown)."})
    fail_on_caveats = StrictBoolean(load_default=False, metadata={
        "description": "Training-data caveats fail (true) or warn (false)."})
    waivers = fields.List(fields.Nested(WaiverSchema), load_default=list, validate=validate.Length(max=1000))

    @validates_schema
    def _something_to_check(self, data, **_kwargs):
        if not isinstance(data.get("use"), dict):
            raise ValidationError({"use": ["Must be a mapping."]})
