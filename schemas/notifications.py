"""The notification feed's bodies, for the OpenAPI document (engagement/notifications/api.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engagement.schemas.patterns import CLOCK_PATTERN, FullMatch


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "like, comment, kudos, contribution, answer or adopted"})
    ref = fields.String(required=True, metadata={"description": "kind:id of the thing it is about"})
    at = fields.String(required=True, metadata={"description": "The newest entry's time (UTC)."})
    count = fields.Integer(required=True, metadata={"description": "How many colleagues."})
    actors = fields.List(fields.String(), required=True, metadata={"description": "Their names, newest first."})
    text = fields.String(required=True, metadata={"description": "“Kari Nordmann og 4 andre likte «Salatbar»”"})
    read = fields.Boolean(required=True)


class FeedSchema(Schema):
    person = fields.String(required=True)
    unread = fields.Integer(required=True)
    page = fields.Integer(required=True)
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    next_page = fields.Integer(allow_none=True)


class UnreadSchema(Schema):
    person = fields.String(required=True)
    unread = fields.Integer(required=True)


class MarkedSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "Groups marked read (0 for all)."})
    unread = fields.Integer(required=True)


class MarkReadSchema(Schema):
    ids = fields.List(fields.Integer(), metadata={"description": "These groups; or send all: true."})
    all = fields.Boolean()


class QuietHoursSchema(Schema):
    start = fields.String(required=True, validate=FullMatch(CLOCK_PATTERN))
    end = fields.String(required=True, validate=FullMatch(CLOCK_PATTERN))


class PreferencesSchema(Schema):
    person = fields.String(dump_only=True)
    digest = fields.String(validate=validate.OneOf(("immediate", "daily", "weekly", "off")))
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True, metadata={
        "description": "Local times in ENGAGEMENT_TIMEZONE; no e-mail goes out between them."})
