"""Audit history shapes."""

from marshmallow import Schema, fields

from schemas.common import page_of


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(metadata={"description": "Name of the token that made the change, or the command.",
                                    "example": "ci-bot"})
    action = fields.String(metadata={"description": "create | update | delete | add_parent | remove_parent | "
                                     "add_dataset | remove_dataset"})
    resource_type = fields.String()
    resource_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


HistoryPageSchema = page_of(AuditEventSchema, "HistoryPage")
