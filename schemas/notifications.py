"""The notification feed, read marks and preferences (engagement/notifications/api.py)."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from engagement.schemas.common import Query, paging
from engagement.schemas.patterns import CLOCK_PATTERN, IDENTIFIER_PATTERN, FullMatch
from engagement.translations import LANGS

MAX_ID = 2**63 - 1


class PersonQuery(Query):
    person = fields.String(validate=FullMatch(IDENTIFIER_PATTERN),
                           metadata={"description": "With an API key (events:write): whose; "
                                                    "a user token is always its own"})


class FeedQuery(PersonQuery):
    page, per_page = paging(20, 100)
    lang = fields.String(validate=validate.OneOf(LANGS, error="nb, nn, da or en."),
                         metadata={"description": "nb, nn, da or en; default the person's own"})


class UnsubscribeQuery(Query):
    token = fields.String(load_default="", metadata={"description": "The signed token from the digest's link"})


class KudosMessageSchema(Schema):
    actor = fields.String(required=True, metadata={"description": "The giver's name, as in actors."})
    message = fields.String(required=True, metadata={"description": "Their own words (at most 500 characters)."})
    text = fields.String(required=True, metadata={"description": "“Kari Nordmann ga deg Bra!: «Takk for hjelpen»”"})


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={
        "description": "like, comment, kudos, contribution, answer, adopted, pulse (an invitation) or profile (100 %)"})
    ref = fields.String(required=True, metadata={"description": "kind:id of the thing it is about"})
    at = fields.String(required=True, metadata={"description": "The newest entry's time (UTC)."})
    count = fields.Integer(required=True, metadata={"description": "How many colleagues."})
    actors = fields.List(fields.String(), required=True, metadata={"description": "Their names, newest first."})
    text = fields.String(required=True, metadata={"description": "“Kari Nordmann og 4 andre likte «Salatbar»”"})
    read = fields.Boolean(required=True)
    messages = fields.List(fields.Nested(KudosMessageSchema), required=True, metadata={
        "description": "A Bra!'s personal messages, one per giver who wrote one, newest first; plain text."})


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
    """Exactly one of the two; anything else is named as ``ids``, the field to send."""

    class Meta:
        unknown = EXCLUDE

    ids = fields.Raw(metadata={"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                               "minItems": 1, "maxItems": 1000, "description": "These groups; or send all: true."})
    all = fields.Raw(metadata={"type": "boolean"})

    @validates_schema(pass_original=True)
    def _ids_or_all(self, _: dict, original: Any, **__: Any) -> None:
        if isinstance(original, dict) and (original == {"all": True} and original["all"] is True
                                           or set(original) == {"ids"} and _ids(original["ids"])):
            return
        raise ValidationError('A list of 1 to 1000 notification ids, or send {"all": true}.', "ids")


def _ids(ids: Any) -> bool:
    return isinstance(ids, list) and 1 <= len(ids) <= 1000 and \
        all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids)


class QuietHoursSchema(Schema):
    start = fields.String(required=True, validate=FullMatch(CLOCK_PATTERN))
    end = fields.String(required=True, validate=FullMatch(CLOCK_PATTERN))


class PreferencesSchema(Schema):
    """``person`` is answered, never set: sending it is an unknown field."""

    person = fields.String(dump_only=True)
    digest = fields.String(validate=validate.OneOf(("immediate", "daily", "weekly", "off")))
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True, metadata={
        "description": "Local times in ENGAGEMENT_TIMEZONE; no e-mail goes out between them."})


class RevokedSchema(Schema):
    person = fields.String(required=True)
    revoked = fields.Boolean(required=True)
    generation = fields.Integer(required=True)
