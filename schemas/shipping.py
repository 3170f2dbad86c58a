"""Query arguments of the notice bundle, the SPDX document and the ML-BOM."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.terms import UseArgsSchema

NOTICE_FORMATS = ("json", "text", "markdown", "zip")


class NoticeArgsSchema(UseArgsSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(NOTICE_FORMATS), metadata={
        "description": "`json` (obligations.json), `text` (the NOTICE file), `markdown` (NOTICE.md) or `zip` "
                       "(the whole bundle: NOTICE, NOTICE.md, obligations.json, licenses/*.txt, policies/*.md)."})


class BomArgsSchema(Schema):
    spec_version = fields.String(load_default="1.6", validate=validate.OneOf(["1.6", "1.7"]), metadata={
        "description": "CycloneDX specification version of the document."})
