"""API token shapes."""

from marshmallow import Schema, fields, validate

from schemas.common import FullMatch, page_of

SCOPES = ("read", "write", "admin")


class TokenCreateSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(1, 100), FullMatch(r"[A-Za-z0-9._@-]+")],
                         metadata={"pattern": "^[A-Za-z0-9._@-]+$", "description": "Who or what uses the token; shown in the audit log.",
                                   "example": "ci-bot"})
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
                         validate=validate.Length(1, 3), metadata={"example": ["write"]})


class TokenRevokeArgsSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100),
                         metadata={"description": "The name of the token to revoke.", "example": "ci-bot"})


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    scopes = fields.List(fields.String())
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The secret. Shown once: it is stored only as a hash."})


TokenPageSchema = page_of(TokenSchema, "TokenPage")
