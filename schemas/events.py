"""The event contract: what a client may send, per event type.

Every event carries a client-chosen ``id`` (the idempotency key), a ``type``, the
``actor`` (a person id), the ``target`` it is about with that target's ``owner`` (a claim that
only an authority makes true: engagement/ownership/service.py),
the ``time`` it happened (RFC 3339 with an offset; late and back-filled events are
fine), the ``source`` that sent it, and ``data`` whose shape depends on the type.
``schema_version`` lets the contract evolve: a consumer reads every version it knows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema
from marshmallow.experimental.context import Context

from engagement.errors import Forbidden
from engagement.events import EventType
from engagement.pulses.model import WORDINGS
from engagement.schemas.common import Items
from engagement.schemas.patterns import IDENTIFIER_PATTERN, MONTH_HELP, MONTH_PATTERN, FullMatch

SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = (1,)

IDENTIFIER = FullMatch(
    IDENTIFIER_PATTERN,
    error="Must be 1-128 characters: letters, digits and . _ : @ / - (not first).",
)
TARGET_KINDS = ("page", "post", "article", "comment", "idea", "contribution",
                "campaign", "document", "answer", "person", "pulse", "lottery")
CONTENT_KINDS = ("document", "article", "answer", "post", "page")
TARGET_REF_PATTERN = r"^(" + "|".join(TARGET_KINDS) + r"):[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$"


@dataclass(frozen=True)
class Sender:
    """What only the receiving end knows, given as marshmallow's Context while events load: a
    user token's person is the actor of what it sends, nothing may be dated further ahead of its
    receipt than the clock skew allows, and a batch has a largest size."""

    person: str | None
    received_at: datetime
    max_skew: int
    max_batch: int


def _sender() -> Sender | None:
    return Context[Sender].get(None)


class Strict(Schema):
    """Unknown fields are an error: a misspelt field must never be silently dropped."""

    class Meta:
        unknown = RAISE


def text(max_length: int, required: bool = True) -> fields.String:
    minimum = 1 if required else 0
    return fields.String(required=required, validate=validate.Length(minimum, max_length))


class TargetSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(TARGET_KINDS))
    id = fields.String(required=True, validate=IDENTIFIER)
    owner = fields.String(required=True, validate=IDENTIFIER, metadata={"description": (
        "Person id of whoever the target belongs to. Only an authority makes it so: a person owns "
        "themselves, the first content.published / idea.submitted makes its actor the owner, and an API "
        "key may state it; a user token's claim that contradicts the known owner is refused (422), and "
        "on a target nobody has claimed with authority yet it credits nobody until someone does.")})


class NoData(Strict):
    """Likes and unlikes carry nothing beyond the envelope."""


class CommentData(Strict):
    comment_id = fields.String(required=True, validate=IDENTIFIER)
    text = text(5000)


class IdeaData(Strict):
    campaign_id = fields.String(validate=IDENTIFIER)
    title = text(200)
    text = text(5000, required=False)


class ContributionData(Strict):
    contribution_id = fields.String(required=True, validate=IDENTIFIER)
    campaign_id = fields.String(validate=IDENTIFIER)
    text = text(5000)


class EditData(Strict):
    title = fields.String(validate=validate.Length(1, 200))
    text = text(5000, required=False)


class ReportData(Strict):
    reason = text(1000, required=False)


class ModerationData(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(("restored", "removed")))
    note = text(1000, required=False)


IDEA_STATUSES = ("under_review", "adopted", "not_pursued")


class AnswerData(Strict):
    status = fields.String(required=True, validate=validate.OneOf(IDEA_STATUSES))
    note = text(2000, required=False)


class AdoptionData(Strict):
    note = text(2000, required=False)
    credited = fields.List(fields.String(validate=IDENTIFIER), validate=validate.Length(max=100))


class KudosData(Strict):
    message = text(500, required=False)
    about = fields.String(validate=FullMatch(
        TARGET_REF_PATTERN, error="Must be kind:id of the content the kudos is about."), metadata={
        "description": "The content this Bra! is for, e.g. article:news-42; counted on it too."})


class ContentData(Strict):
    content_kind = fields.String(required=True, validate=validate.OneOf(CONTENT_KINDS))
    title = text(300)
    url = fields.Url(require_tld=False)


class ProfileData(Strict):
    # The wire name; marshmallow's metaclass takes declared fields out of the class, so this never
    # shadows a schema's ``fields`` (the stub types the class attribute as that dict).
    fields = fields.Dict(  # type: ignore[assignment]
        keys=fields.String(validate=IDENTIFIER), values=fields.Raw(allow_none=True),
        required=True, validate=validate.Length(min=1, max=50),
        metadata={"description": "Profile fields that changed; null clears one."},
    )


class PulseOpenedData(Strict):
    """Published by Tillit when staff define a pulse (engagement/pulses/service.py)."""
    title = text(200)
    units = fields.List(fields.String(validate=IDENTIFIER), required=True, validate=validate.Length(min=1))
    opens_at = fields.String(required=True)
    closes_at = fields.String(required=True)


class PulseAnsweredData(Strict):
    """Published by Tillit from the pulses' outbox: one answer, with no person (the actor is
    "anonymous"), the pulse's opening time and no receive time (engagement/pulses/outbox.py)."""
    team = fields.String(required=True, validate=IDENTIFIER)
    wording = fields.String(required=True, validate=validate.OneOf(WORDINGS))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)),
                          values=fields.Integer(validate=validate.Range(0, 5)), required=True)


class LotteryDrawnData(Strict):
    """Published by Tillit when a leader draws a month's lottery (engagement/lottery/service.py)."""
    month = fields.String(required=True, validate=FullMatch(MONTH_PATTERN, error=MONTH_HELP))
    winners = fields.List(fields.String(validate=IDENTIFIER), required=True)


# Published by Tillit itself, never taken from a client (engagement/ledger/service.py refuses them).
SERVER_ONLY = frozenset({EventType.PULSE_OPENED, EventType.PULSE_ANSWERED, EventType.LOTTERY_DRAWN})
SERVER_KINDS = ("pulse", "lottery")

# type -> (data schema, allowed target kinds or None for any, rules checked on the envelope)
EVENT_TYPES: dict[EventType, tuple[type[Schema], tuple[str, ...] | None, tuple[str, ...]]] = {
    EventType.LIKE_ADDED: (NoData, None, ()),
    EventType.LIKE_REMOVED: (NoData, None, ()),
    EventType.COMMENT_POSTED: (CommentData, None, ()),
    EventType.IDEA_SUBMITTED: (IdeaData, ("idea",), ("owner_is_actor",)),
    EventType.IDEA_CONTRIBUTED: (ContributionData, ("idea",), ()),
    EventType.IDEA_ADOPTED: (AdoptionData, ("idea",), ()),
    EventType.IDEA_ANSWERED: (AnswerData, ("idea",), ()),
    EventType.IDEA_EDITED: (EditData, ("idea",), ("owner_is_actor",)),
    EventType.CONTRIBUTION_EDITED: (EditData, ("contribution",), ("owner_is_actor",)),
    EventType.CONTENT_REPORTED: (ReportData, ("idea", "contribution"), ()),
    EventType.CONTENT_MODERATED: (ModerationData, ("idea", "contribution"), ()),
    EventType.KUDOS_GIVEN: (KudosData, ("person",), ("owner_is_target",)),
    EventType.CONTENT_PUBLISHED: (ContentData, CONTENT_KINDS, ("owner_is_actor",)),
    EventType.PROFILE_UPDATED: (ProfileData, ("person",), ("owner_is_actor", "owner_is_target")),
    EventType.PULSE_OPENED: (PulseOpenedData, SERVER_KINDS, ("owner_is_actor",)),
    EventType.PULSE_ANSWERED: (PulseAnsweredData, SERVER_KINDS, ()),
    EventType.LOTTERY_DRAWN: (LotteryDrawnData, ("lottery",), ("owner_is_actor",)),
}
DATA_SCHEMAS = {name: spec[0]() for name, spec in EVENT_TYPES.items()}


class EventSchema(Strict):
    error_messages = {"type": "Must be an event object."}
    id = fields.String(required=True, validate=IDENTIFIER,
                       metadata={"description": "Client-chosen idempotency key. API keys share one id space; "
                                                "each person's user token has its own."})
    type = fields.String(required=True, validate=validate.OneOf(tuple(EVENT_TYPES)))
    schema_version = fields.Integer(load_default=SCHEMA_VERSION,
                                    validate=validate.OneOf(SUPPORTED_VERSIONS))
    actor = fields.String(required=True, validate=IDENTIFIER, metadata={
        "description": "Person acting. Required with an API key; with a user token it is the token's subject."})
    target = fields.Nested(TargetSchema, required=True)
    time = fields.AwareDateTime(required=True, format="iso", metadata={
        "description": "When it happened, RFC 3339 with an offset, e.g. 2026-11-23T09:15:00+01:00."})
    source = fields.String(load_default="api", validate=validate.Length(1, 100))
    data = fields.Dict(load_default=dict)

    def load(self, data: Any, *, many: bool | None = None, partial: Any = None, unknown: Any = None) -> Any:
        """marshmallow's load, but an event that is plainly valid (engagement.schemas.events.plain)
        is loaded without its machinery, which costs ten times the rest of ingest; anything else,
        and every error, is marshmallow's own."""
        if not many and not partial and unknown in (None, RAISE):
            loaded = plain(data)
            if loaded is not None:
                return loaded
        return super().load(data, many=many, partial=partial, unknown=unknown)

    @validates_schema
    def _check_type_rules(self, event: dict[str, Any], **_: Any) -> None:
        spec = EVENT_TYPES.get(event.get("type", ""))
        target = event.get("target")
        if spec is None or not isinstance(target, dict):
            return
        schema, kinds, rules = spec
        errors: dict[str, Any] = {}
        try:
            event["data"] = DATA_SCHEMAS[event["type"]].load(event.get("data") or {})
        except ValidationError as exc:
            errors["data"] = exc.messages
        if kinds is not None and target["kind"] not in kinds:
            errors["target"] = {"kind": [f"Must be one of {', '.join(kinds)} for {event['type']}."]}
        errors.update(_rule_errors(event, rules))
        if errors:
            raise ValidationError(errors)

    @pre_load
    def _actor_of_a_user_token(self, raw: Any, **_: Any) -> Any:
        sender = _sender()
        if sender is None or sender.person is None or not isinstance(raw, dict):
            return raw
        if raw.get("actor", sender.person) != sender.person:
            raise Forbidden("A user token can only send events as its own subject.")
        return {**raw, "actor": sender.person}

    @validates_schema
    def _no_bra_to_oneself(self, event: dict[str, Any], **_: Any) -> None:
        """A person's own Bra! to themselves is refused at the door: it would count nowhere (self-
        recognition never does) but still show on the button of the content it is about."""
        sender, target = _sender(), event.get("target")
        if (sender is not None and sender.person is not None and event.get("type") == EventType.KUDOS_GIVEN
                and isinstance(target, dict) and target.get("id") == sender.person):
            raise ValidationError({"target": {"id": ["A Bra! is for someone else; nobody gives one to themselves."]}})

    @validates_schema
    def _not_in_the_future(self, event: dict[str, Any], **_: Any) -> None:
        sender = _sender()
        if sender is not None and event["time"] > sender.received_at + timedelta(seconds=sender.max_skew):
            raise ValidationError("Lies in the future.", "time")


def _rule_errors(event: dict[str, Any], rules: tuple[str, ...]) -> dict[str, Any]:
    target, actor = event["target"], event.get("actor")
    if "owner_is_actor" in rules and actor is not None and target["owner"] != actor:
        return {"target": {"owner": ["Must be the actor for this event type."]}}
    if ("owner_is_target" in rules or target["kind"] == "person") and target["owner"] != target["id"]:
        return {"target": {"owner": ["Must equal target.id: a person owns themselves."]}}
    return {}


_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_ENVELOPE = frozenset(("id", "type", "schema_version", "actor", "target", "time", "source", "data"))
_REQUIRED = frozenset(("id", "type", "actor", "target", "time"))
_TARGET = frozenset(("kind", "id", "owner"))


def _identifier(value: Any) -> bool:
    return type(value) is str and _IDENTIFIER.fullmatch(value) is not None


def plain(raw: Any) -> dict[str, Any] | None:
    """What EventSchema loads ``raw`` to, when ``raw`` is an event that no field and no rule of it
    refuses and that needs none of marshmallow's coercions (a schema_version of 1.0 or "1", say);
    None for any other, which EventSchema then loads (or refuses) with marshmallow. A user
    token's events always take marshmallow's path: its rules about the sender live there.
    tests/unit/test_event_contract.py holds the two paths to the same answers."""
    sender = _sender()
    if type(raw) is not dict or not _REQUIRED <= raw.keys() <= _ENVELOPE or (sender and sender.person):
        return None
    target, data, version = raw["target"], raw.get("data", {}), raw.get("schema_version", SCHEMA_VERSION)
    if (not _identifier(raw["id"]) or type(raw["type"]) is not str or raw["type"] not in EVENT_TYPES
            or not _identifier(raw["actor"]) or type(target) is not dict or target.keys() != _TARGET
            or type(target["kind"]) is not str or target["kind"] not in TARGET_KINDS
            or not _identifier(target["id"]) or not _identifier(target["owner"])
            or type(version) is not int or version not in SUPPORTED_VERSIONS or type(data) is not dict):
        return None
    source, moment = raw.get("source", "api"), raw["time"]
    if type(source) is not str or not 1 <= len(source) <= 100 or type(moment) is not str:
        return None
    try:
        moment = datetime.fromisoformat(moment)  # what fields.AwareDateTime(format="iso") reads with
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    if sender is not None and moment > sender.received_at + timedelta(seconds=sender.max_skew):
        return None
    event_type = EventType(raw["type"])
    data_schema, kinds, rules = EVENT_TYPES[event_type]
    event = {"id": raw["id"], "type": raw["type"], "schema_version": version, "actor": raw["actor"],
             "target": {"kind": target["kind"], "id": target["id"], "owner": target["owner"]},
             "time": moment, "source": source}
    if (kinds is not None and target["kind"] not in kinds) or _rule_errors(event, rules):
        return None
    if data_schema is NoData:  # no fields: nothing, or marshmallow refuses what is sent
        event["data"] = {}
        return None if data else event
    try:
        event["data"] = DATA_SCHEMAS[event_type].load(data)
    except ValidationError:
        return None
    return event


class BatchSchema(Strict):
    events = Items(fields.Nested(EventSchema), required=True,
                   validate=validate.Length(min=1, error="Must be a non-empty list of events."),
                   metadata={"description": "Up to ENGAGEMENT_MAX_BATCH events; all are accepted or none."})

    @pre_load
    def _at_most(self, raw: Any, **_: Any) -> Any:
        """A batch over the limit is refused before any of its events is read."""
        sender, events = _sender(), raw.get("events") if isinstance(raw, dict) else None
        if sender is not None and isinstance(events, list) and len(events) > sender.max_batch:
            raise ValidationError({"events": [f"At most {sender.max_batch} events in one batch."]})
        return raw
