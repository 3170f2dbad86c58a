"""Audit history shapes."""

from marshmallow import Schema, fields, validate

from schemas.common import PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, page_of


class HistoryArgsSchema(Schema):
    limit = fields.Integer(load_default=PAGE_LIMIT_DEFAULT, validate=validate.Range(1, PAGE_LIMIT_MAX),
                           metadata={"description": f"Events per page, 1 to {PAGE_LIMIT_MAX}."})
    cursor = fields.Integer(validate=validate.Range(0, 2**31 - 1), metadata={
        "description": "Start after this event id: take it from the previous page's `next` link."})


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(metadata={"description": "Name of the token that made the change, or the command.",
                                    "example": "ci-bot"})
    action = fields.String(metadata={"description": "create | update | delete | add_parent | remove_parent | "
                                     "add_dataset | remove_dataset"})
    resource_type = fields.Method("_resource_type", metadata={"description": "license | model | dataset | token"})
    resource_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)

    @staticmethod
    def _resource_type(event) -> str:
        return "license" if event.resource_type == "licence" else event.resource_type  # the stored name is kept


HistoryPageSchema = page_of(AuditEventSchema, "HistoryPage")
