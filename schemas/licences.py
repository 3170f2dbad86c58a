"""Licence shapes, with the structured terms of DESIGN §2."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.domain.vocabulary import (
    BOOLEAN_TERMS,
    COUNT_TERMS,
    LEVEL_TERMS,
    LIST_TERMS,
    TERM_NAMES,
    UNKNOWN,
)
from schemas.common import LicenceId, ListArgsSchema, SourceUrl, page_of


def check_term_value(term: str, value) -> str | None:
    """Why `value` is not allowed for `term`, or None when it is."""
    if value == UNKNOWN:
        return None
    if term in LEVEL_TERMS:
        if value not in LEVEL_TERMS[term]:
            return f"must be one of {', '.join(LEVEL_TERMS[term])} or unknown"
    elif term in BOOLEAN_TERMS or term == "binds_derivatives":
        if not isinstance(value, bool):
            return "must be true, false or unknown"
    elif term in COUNT_TERMS:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            return "must be a non-negative integer, null (no cap) or unknown"
    elif term in LIST_TERMS:
        if not (isinstance(value, list) and all(isinstance(v, str) and 0 < len(v) <= 500 for v in value)
                and len(value) <= 50):
            return "must be a list of up to 50 non-empty strings, or unknown"
    return None


class FactSchema(Schema):
    """One fact: its value, where it was read, and an optional note quoting the clause."""

    value = fields.Raw(required=True, allow_none=True, metadata={"description": "The value, or \"unknown\"."})
    source = SourceUrl(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))


def _unknown_fact() -> dict:
    return {"value": UNKNOWN, "source": None, "note": None}


_TERM_DESCRIPTIONS = {
    "commercial_use": "allowed | conditional | forbidden | unknown",
    "research_only": "true | false | unknown",
    "max_monthly_active_users": "integer, null (no cap) or unknown",
    "redistribution": "allowed | conditional | forbidden | unknown",
    "outputs_train_other_models": "allowed | restricted | forbidden | unknown",
    "share_alike": "true | false | unknown: derivatives must carry the same licence",
    "attribution": "list of notices to show, or unknown",
    "derivative_name_prefix": "list of required name prefixes, or unknown",
    "use_restrictions": "list of acceptable-use policies / restriction sets to pass on, or unknown",
    "include_license_text": "true | false | unknown",
}


_TermFields = Schema.from_dict(
    {
        name: fields.Nested(FactSchema, load_default=_unknown_fact, metadata={"description": _TERM_DESCRIPTIONS[name]})
        for name in TERM_NAMES
    },
    name="TermFields",
)


class TermsSchema(_TermFields):
    """The ten structured terms; a term left out is `unknown`."""

    @validates_schema
    def _check_values(self, data, **_kwargs):
        errors = {}
        for term, fact in data.items():
            problem = check_term_value(term, fact["value"])
            if problem:
                errors[term] = {"value": [problem]}
        if errors:
            raise ValidationError(errors)


class BindsFactSchema(FactSchema):
    @validates_schema
    def _check(self, data, **_kwargs):
        problem = check_term_value("binds_derivatives", data["value"])
        if problem:
            raise ValidationError({"value": [problem]})


_ALIAS = fields.String(validate=[validate.Length(1, 128), validate.Regexp(r"^[^\x00-\x1f\x7f]+\Z")])


class LicenceSchema(Schema):
    id = LicenceId(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 300),
                         metadata={"example": "Apache License 2.0"})
    url = SourceUrl(allow_none=True, metadata={"description": "Where the licence text is published."})
    version_date = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{4}(-\d{2}(-\d{2})?)?\Z"))
    aliases = fields.List(_ALIAS, load_default=list, validate=validate.Length(max=50), metadata={
        "description": "Names that resolve to this licence: its Hugging Face key and common spellings "
        "(matched case-insensitively; unique across licences)."})
    categories = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=list,
                             validate=validate.Length(max=20),
                             metadata={"example": ["Permissive"]})
    terms = fields.Nested(TermsSchema, load_default=lambda: TermsSchema().load({}))
    binds_derivatives = fields.Nested(BindsFactSchema, load_default=_unknown_fact, metadata={
        "description": "Whether the licence's terms flow to models derived from it."})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class LicenceUpdateSchema(LicenceSchema):
    class Meta:
        exclude = ("id",)


class LicenceListArgsSchema(ListArgsSchema):
    q = fields.String(validate=validate.Length(1, 200), metadata={"description": "Text in the id, name or an alias."})
    category = fields.String(validate=validate.Length(1, 100), metadata={"description": "Has this category tag."})


LicencePageSchema = page_of(LicenceSchema, "LicencePage")
