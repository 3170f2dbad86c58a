"""Shapes shared by every resource: problems, pagination, list arguments."""

from __future__ import annotations

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from api.domain.vocabulary import LICENCE_ID_PATTERN, REPO_ID_PATTERN, RESERVED_NAMES, is_repo_id

PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 500

_PARTIAL_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


class StrictBoolean(fields.Boolean):
    """true or false only, as the JSON Schema says (not "yes", 1 or "on")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class FullMatch(validate.Validator):
    """Like validate.Regexp but matches the whole string (`$` would let a trailing newline through).

    apispec does not export it, so fields using it carry an ECMA `pattern` in their metadata.
    """

    def __init__(self, pattern: str, error: str | None = None) -> None:
        self.regex = re.compile(pattern)
        self.error = error or "String does not match expected pattern."

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or not self.regex.fullmatch(value):
            raise ValidationError(self.error)
        return value


def validate_repo_id(value: str) -> None:
    if isinstance(value, str) and "/" in value and value.split("/", 1)[1] in RESERVED_NAMES:
        raise ValidationError(f"'{value.split('/', 1)[1]}' is a sub-resource name and cannot be a model name "
                              f"(reserved: {', '.join(RESERVED_NAMES)}).")
    if not is_repo_id(value):
        raise ValidationError(
            "Not a valid id: use 'organisation/name' or a legacy 'name', each part 1-96 letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit, without '--' or '..'."
        )


def validate_partial_date(value: str) -> None:
    if not _PARTIAL_DATE.fullmatch(value):
        raise ValidationError("Use YYYY, YYYY-MM or YYYY-MM-DD.")


def validate_real_date(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValidationError("Not a real date: use YYYY-MM-DD.") from None


def validate_full_date(value: str) -> None:
    validate_partial_date(value)
    if len(value) != 10:
        raise ValidationError("Use YYYY-MM-DD.")
    validate_real_date(value)


def FullDate(**kwargs) -> fields.String:
    """A YYYY-MM-DD date, documented as `format: date`."""
    metadata = {"format": "date", **kwargs.pop("metadata", {})}
    return fields.String(validate=validate_full_date, metadata=metadata, **kwargs)


PARTIAL_DATE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"


def RepoId(**kwargs) -> fields.String:
    """A Hugging Face repo id field."""
    metadata = {"pattern": f"^{REPO_ID_PATTERN}$", "example": "meta-llama/Llama-2-7b-hf"}
    metadata.update(kwargs.pop("metadata", {}))
    return fields.String(validate=[validate.Length(1, 193), validate_repo_id], metadata=metadata, **kwargs)


def LicenceId(**kwargs) -> fields.String:
    metadata = {"pattern": f"^{LICENCE_ID_PATTERN}$", "example": "Apache-2.0"}
    metadata.update(kwargs.pop("metadata", {}))
    return fields.String(validate=FullMatch(LICENCE_ID_PATTERN, "Not a licence id: letters, digits, '.', '+', '-'."),
                         metadata=metadata, **kwargs)


def validate_ascii_uri(value: str) -> None:
    """A URI is ASCII (RFC 3986): an internationalised address must be sent percent-encoded / punycode."""
    if not value.isascii() or any(ch.isspace() for ch in value):
        raise ValidationError("Not a URI: use ASCII (percent-encode other characters) and no spaces.")


def SourceUrl(**kwargs) -> fields.Url:
    """A URL a fact was read from. Stored as given, never fetched."""
    metadata = {"format": "uri", "pattern": "^https?://", "example": "https://huggingface.co/org/model"}
    metadata.update(kwargs.pop("metadata", {}))
    return fields.Url(schemes={"http", "https"}, require_tld=False,
                      validate=[validate.Length(max=2000), validate_ascii_uri], metadata=metadata, **kwargs)


def Expression(**kwargs) -> fields.String:
    metadata = {
        "description": "SPDX licence expression over licence ids or aliases the service knows; "
        "normalised on write (`apache-2.0 or mit` → `Apache-2.0 OR MIT`).",
        "example": "Apache-2.0",
    }
    metadata.update(kwargs.pop("metadata", {}))
    return fields.String(validate=validate.Length(1, 1000), metadata=metadata, **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(metadata={"example": "https://pedigree.dev/problems/not-found"})
    title = fields.String(metadata={"example": "Not Found"})
    status = fields.Integer(metadata={"example": 404})
    detail = fields.String(metadata={"example": "model 'acme/unknown' does not exist"})
    instance = fields.String(metadata={"example": "/v1/models/acme/unknown"})
    errors = fields.Dict(metadata={"description": "Field errors (422 only): field name → messages."})
    cycle = fields.List(fields.String(), metadata={"description": "The cycle an edge would close (409 only)."})
    results = fields.List(fields.Dict(), metadata={"description": "Per-card results of a failed atomic import."})


class PaginationSchema(Schema):
    limit = fields.Integer(metadata={"example": 50})
    total = fields.Integer(allow_none=True, metadata={"description": "Matching items in all pages."})
    next = fields.String(allow_none=True, metadata={
        "description": "Link to the next page, or null on the last page.",
        "example": "/v1/models?limit=50&cursor=WyJncHQyIl0",
    })


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list envelope `{data: [...], pagination: {...}}` for the given item schema."""
    return Schema.from_dict(
        {"data": fields.List(fields.Nested(item_schema)), "pagination": fields.Nested(PaginationSchema)},
        name=name,
    )


def encode_cursor(last_key: str) -> str:
    """The cursor is the last key itself: transparent, and any string is a valid position."""
    return last_key


class ListArgsSchema(Schema):
    """Keyset pagination: items in id order; `cursor` is the id the page starts after (the `next` link sets it)."""

    limit = fields.Integer(
        load_default=PAGE_LIMIT_DEFAULT,
        validate=validate.Range(1, PAGE_LIMIT_MAX),
        metadata={"description": f"Items per page, 1 to {PAGE_LIMIT_MAX}."},
    )
    cursor = fields.String(
        validate=validate.Length(max=400),
        metadata={"description": "Start after this id: take it from the previous page's `next` link."},
    )

    @post_load
    def _decode(self, data, **_kwargs):
        if "cursor" in data:
            data["after"] = data.pop("cursor")
        return data


def partial_update(schema_class: type[Schema]) -> Schema:
    """A PATCH schema: every top-level field optional and without defaults, nested items still complete.

    (`partial=True` would also make the items of `parents` or `datasets` partial.) An empty change is a 422.
    """

    class Update(schema_class):
        @validates_schema
        def _something_to_change(self, data, **_kwargs):
            if not data:
                raise ValidationError("Nothing to change: send at least one field.")

    Update.__name__ = schema_class.__name__
    return Update(partial=tuple(schema_class().fields))
