"""Outbound webhook subscriptions and chat publishing: bodies and answers (engagement/webhooks/api.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engagement.schemas.common import Query
from engagement.schemas.patterns import FullMatch, Whole
from engagement.schemas.trust import PERIOD_PATTERN
from engagement.translations import LANGS
from engagement.webhooks.events import PUBLIC_EVENTS

LANG = validate.OneOf(LANGS, error="nb, nn, da or en.")


class SubscriptionBody(Schema):
    url = fields.String(required=True, validate=validate.Length(1, 2000), metadata={
        "description": "Where to POST each event: an http(s) address the operator allows"})
    event_types = fields.List(fields.String(validate=validate.OneOf(
        PUBLIC_EVENTS, error=f"One of {', '.join(PUBLIC_EVENTS)}.")), required=True,
        validate=validate.Length(1, len(PUBLIC_EVENTS)), metadata={"description": ", ".join(PUBLIC_EVENTS)})
    description = fields.String(load_default="", validate=validate.Length(0, 200))


class SubscriptionSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    description = fields.String(required=True)
    created_at = fields.String(required=True)
    disabled = fields.Boolean(required=True)
    secret = fields.String(metadata={"description": "whsec_...: shown once, when the subscription is made"})


class SubscriptionListSchema(Schema):
    subscriptions = fields.List(fields.Nested(SubscriptionSchema), required=True)


class SubscriptionPath(Schema):
    subscription_id = fields.String(required=True, validate=validate.Length(1, 40))


class MessagePath(SubscriptionPath):
    message_id = fields.String(required=True, validate=validate.Length(1, 40))


class DeliveryQuery(Query):
    limit = Whole(1, 1000, load_default=100)


class AttemptSchema(Schema):
    at = fields.String(required=True)
    outcome = fields.String(required=True, metadata={"description": "delivered, retrying or failed"})
    response_code = fields.Integer(allow_none=True)
    error = fields.String(required=True)
    duration_ms = fields.Integer(required=True)


class MessageSchema(Schema):
    id = fields.String(required=True, metadata={"description": "The webhook-id header, the same on every attempt"})
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, delivered or failed"})
    attempts = fields.List(fields.Nested(AttemptSchema), required=True)
    next_attempt_at = fields.String(allow_none=True)


class DeliveryLogSchema(Schema):
    messages = fields.List(fields.Nested(MessageSchema), required=True)


class ChannelNamesSchema(Schema):
    channels = fields.List(fields.String(), required=True,
                           metadata={"description": "Names of the configured channels (ENGAGEMENT_CHAT_CHANNELS)"})


class AwardPublishBody(Schema):
    channel = fields.String(required=True, validate=validate.Length(1, 80),
                            metadata={"description": "A channel the operator configured (ENGAGEMENT_CHAT_CHANNELS)"})
    lang = fields.String(load_default="nb", validate=LANG)


class TrustPublishBody(AwardPublishBody):
    period = fields.String(load_default="30d", validate=FullMatch(
        PERIOD_PATTERN, error="YYYY-MM (2000-01 to 2100-12), 30d or 90d."))


class PublishedSchema(Schema):
    channel = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "teams or slack"})
    what = fields.String(required=True)
    status = fields.Integer(required=True, metadata={"description": "The channel's answer"})
