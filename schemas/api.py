"""Bodies the API answers with; they document the contract in the OpenAPI spec."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from engagement.schemas.events import IDENTIFIER


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


class TargetCountsSchema(Schema):
    kind = fields.String(required=True)
    id = fields.String(required=True)
    likes = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    kudos = fields.Integer(required=True, metadata={"description": "Bra! given about this target"})
    liked_by_me = fields.Boolean(allow_none=True, metadata={
        "description": "Whether the viewer (the token's subject, or ?viewer= with an API key) likes it"})


class TargetQuerySchema(Schema):
    """POST /v1/targets/query: the question GET /v1/targets asks, for lists too long for a URL."""

    class Meta:
        unknown = RAISE

    targets = fields.List(fields.String(validate=validate.Length(1, 300)), required=True,
                          validate=validate.Length(1, 200), metadata={"description": "kind:id, 1 to 200"})
    viewer = fields.String(validate=IDENTIFIER, metadata={
        "description": "With an API key: whose liked_by_me to answer (a user token is always its own)"})


class TargetListSchema(Schema):
    targets = fields.List(fields.Nested(TargetCountsSchema), required=True)


class KindCountsSchema(Schema):
    like = fields.Integer(required=True)
    comment = fields.Integer(required=True)
    kudos = fields.Integer(required=True)


class PersonRecognitionSchema(Schema):
    person = fields.String(required=True)
    received = fields.Nested(KindCountsSchema, required=True)
    given = fields.Nested(KindCountsSchema, required=True)
    colleagues = fields.Integer(required=True, metadata={
        "description": "Distinct colleagues who recognised this person (likes, comments, kudos; never self)"})


class CampaignCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(validate=IDENTIFIER, metadata={"description": "Default: made from the question."})
    question = fields.String(required=True, validate=validate.Length(1, 300))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    team = fields.String(load_default=None, allow_none=True, validate=IDENTIFIER,
                         metadata={"description": "The unit it is aimed at"})
    closes_at = fields.AwareDateTime(load_default=None, format="iso")


class CampaignUpdateSchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(validate=validate.OneOf(("open", "closed", "archived")))
    closes_at = fields.AwareDateTime(allow_none=True, format="iso")
