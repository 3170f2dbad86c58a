"""Shapes shared by every resource: problems, pagination, list arguments."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, post_load, validate

from api.domain.vocabulary import LICENCE_ID_PATTERN, REPO_ID_PATTERN, is_repo_id

PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 500

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def validate_repo_id(value: str) -> None:
    if not is_repo_id(value):
        raise ValidationError(
            "Not a valid id: use 'organisation/name' or a legacy 'name', each part 1-96 letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit, without '--' or '..'."
        )


def validate_partial_date(value: str) -> None:
    if not _PARTIAL_DATE.fullmatch(value):
        raise ValidationError("Use YYYY, YYYY-MM or YYYY-MM-DD.")
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ValidationError("Not a real date.") from None


def validate_full_date(value: str) -> None:
    validate_partial_date(value)
    if len(value) != 10:
        raise ValidationError("Use YYYY-MM-DD.")


def RepoId(**kwargs) -> fields.String:  # noqa: N802 - a field factory reads like a field class
    """A Hugging Face repo id field."""
    metadata = {"pattern": f"^{REPO_ID_PATTERN}$", "example": "meta-llama/Llama-2-7b-hf"}
    metadata.update(kwargs.pop("metadata", {}))
    return fields.String(validate=[validate.Length(1, 193), validate_repo_id], metadata=metadata, **kwargs)


def LicenceId(**kwargs) -> fields.String:  # noqa: N802
    metadata = {"pattern": f"^{LICENCE_ID_PATTERN}$", "example": "Apache-2.0"}
    metadata.update(kwargs.pop("metadata", {}))
    return fields.String(validate=validate.Regexp(f"^{LICENCE_ID_PATTERN}\\Z"), metadata=metadata, **kwargs)


def SourceUrl(**kwargs) -> fields.Url:  # noqa: N802
    """A URL a fact was read from. Stored as given, never fetched."""
    return fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000), **kwargs)


def Expression(**kwargs) -> fields.String:  # noqa: N802
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
    return base64.urlsafe_b64encode(json.dumps([last_key]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationError("Not a cursor this service issued: use the `next` link of a previous page.") from None
    if not (isinstance(value, list) and len(value) == 1 and isinstance(value[0], str)):
        raise ValidationError("Not a cursor this service issued: use the `next` link of a previous page.")
    return value[0]


class ListArgsSchema(Schema):
    """Keyset pagination: items in id order, `cursor` from the previous page's `next` link."""

    limit = fields.Integer(
        load_default=PAGE_LIMIT_DEFAULT,
        validate=validate.Range(1, PAGE_LIMIT_MAX),
        metadata={"description": f"Items per page, 1 to {PAGE_LIMIT_MAX}."},
    )
    cursor = fields.String(
        validate=validate.Length(max=400),
        metadata={"description": "Opaque position from a previous page's `next` link."},
    )

    @post_load
    def _decode(self, data, **_kwargs):
        if "cursor" in data:
            try:
                data["after"] = decode_cursor(data.pop("cursor"))
            except ValidationError as error:
                raise ValidationError({"cursor": error.messages}) from None
        return data
