"""Bodies the API answers with; they document the contract in the OpenAPI spec."""
from __future__ import annotations

from marshmallow import Schema, fields


class AcceptedSchema(Schema):
    accepted = fields.List(fields.String(), required=True,
                           metadata={"description": "Ids of the events now durable, in request order."})
    count = fields.Integer(required=True)


class FieldErrorSchema(Schema):
    index = fields.Integer(metadata={"description": "Position in the batch (batch requests only)."})
    field = fields.String(required=True, metadata={"description": "Dotted path, e.g. target.owner."})
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


class ReadinessSchema(Schema):
    ready = fields.Boolean(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    consumer_lag = fields.Dict(keys=fields.String(), values=fields.Integer())
