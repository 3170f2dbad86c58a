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
from schemas.common import (
    PARTIAL_DATE_PATTERN,
    FullMatch,
    LicenceId,
    ListArgsSchema,
    SourceUrl,
    page_of,
    validate_partial_date,
)

# A count term is capped as the `monthly_active_users` use parameter is (schemas/terms.py).
MAX_COUNT = 10**12


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
        if value is not None and value > MAX_COUNT:
            return f"must be at most {MAX_COUNT:,} (the largest monthly_active_users a use may ask about)"
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


_UNKNOWN_JSON = {"type": "string", "enum": ["unknown"]}


def _value_json_schema(term: str) -> dict:
    """The JSON Schema of a term's value, for the OpenAPI document."""
    if term in LEVEL_TERMS:
        return {"type": "string", "enum": [*LEVEL_TERMS[term], "unknown"]}
    if term in BOOLEAN_TERMS or term == "binds_derivatives":
        return {"oneOf": [{"type": "boolean"}, _UNKNOWN_JSON]}
    if term in COUNT_TERMS:
        return {"oneOf": [{"type": "integer", "minimum": 0, "maximum": MAX_COUNT}, _UNKNOWN_JSON], "nullable": True}
    return {"oneOf": [{"type": "array", "maxItems": 50,
                       "items": {"type": "string", "minLength": 1, "maxLength": 500}}, _UNKNOWN_JSON]}


def fact_schema(term: str) -> type[Schema]:
    """A FactSchema whose documented `value` is what the term allows (validation stays in TermsSchema)."""
    value = fields.Raw(required=True, allow_none=term in COUNT_TERMS,
                       metadata={"description": "The value, or \"unknown\".", **_value_json_schema(term)})
    name = "".join(part.title() for part in term.split("_")) + "Fact"
    return type(name, (FactSchema,), {"value": value})


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
    "derivatives": "allowed | forbidden | unknown: whether adapted material (a fine-tune, adapter, merge) may be shared",
}


_TermFields = Schema.from_dict(
    {
        name: fields.Nested(fact_schema(name), load_default=_unknown_fact,
                            metadata={"description": _TERM_DESCRIPTIONS[name]})
        for name in TERM_NAMES
    },
    name="TermFields",
)


class TermsSchema(_TermFields):
    """The eleven structured terms; a term left out is `unknown`."""

    @validates_schema
    def _check_values(self, data, **_kwargs):
        errors = {}
        for term, fact in data.items():
            problem = check_term_value(term, fact["value"])
            if problem:
                errors[term] = {"value": [problem]}
        if errors:
            raise ValidationError(errors)


class BindsFactSchema(fact_schema("binds_derivatives")):
    @validates_schema
    def _check(self, data, **_kwargs):
        problem = check_term_value("binds_derivatives", data["value"])
        if problem:
            raise ValidationError({"value": [problem]})


_ALIAS = fields.String(validate=[validate.Length(1, 128), FullMatch(r"[^\x00-\x1f\x7f]+", "No control characters.")],
                       metadata={"pattern": "^[^\\u0000-\\u001f\\u007f]+$"})


class LicenceSchema(Schema):
    id = LicenceId(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 300),
                         metadata={"example": "Apache License 2.0"})
    url = SourceUrl(allow_none=True, metadata={"description": "Where the licence text is published."})
    version_date = fields.String(allow_none=True, validate=validate_partial_date,
                                 metadata={"pattern": PARTIAL_DATE_PATTERN, "example": "2023-07-18"})
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
