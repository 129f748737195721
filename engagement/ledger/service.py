"""Taking events in: validate every one, then publish all of them or none."""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from engagement.ledger import event_ids
from engagement import metrics
from engagement.auth import Principal
from engagement.bus.base import EventBus
from engagement.errors import FieldError, Forbidden, ValidationFailed
from engagement.events import Event
from engagement.ideas import service as campaigns
from engagement.ownership import service as ownership
from engagement.schemas.events import EventSchema

_schema = EventSchema()
LEADER_ONLY = frozenset({"idea.adopted", "idea.answered"})
MODERATOR_ONLY = frozenset({"content.moderated"})
# Publishing makes its sender the owner of the target: only the intranet's back end (an API key)
# says what was published, or a user token could claim an article id before the intranet does.
BACK_END_ONLY = frozenset({"content.published"})


def ingest(raw_events: list[Any], principal: Principal, bus: EventBus, max_skew: int,
           batch: bool, session: Session | None = None, edit_window: int = 900) -> list[str]:
    """Validate, then publish durably; answer the accepted ids (as the client sent them). Nothing
    is published on error."""
    if not principal.is_user and not {"events:write", "moderation:manage"} & principal.scopes:
        principal.require("events:write")
    now = received_now()
    events, accepted, errors = [], [], []
    for index, raw in enumerate(raw_events):
        event, problems = _load_one(raw, principal, now, max_skew)
        errors += [FieldError(p.field, p.message, index if batch else None) for p in problems]
        if event is not None:
            accepted.append(event.id)
            events.append(in_senders_id_space(event, principal))
    if errors:
        raise ValidationFailed(errors, f"{len({e.index for e in errors}) if batch else 1} "
                                       f"event(s) are invalid; nothing was accepted.")
    _check_permissions(events, principal)
    if session is not None:
        campaigns.refuse_closed(session, events, now, batch)
        campaigns.refuse_foreign_or_late_edits(session, events, edit_window, batch)
        ownership.refuse_contradicted_owners(session, events, batch)
    started = time.perf_counter()
    bus.publish(events)
    metrics.PUBLISH_SECONDS.observe(time.perf_counter() - started)
    for event in events:
        metrics.EVENTS_ACCEPTED.labels(event.type).inc()
    return accepted


def in_senders_id_space(event: Event, principal: Principal) -> Event:
    """A user token's event is kept under an id scoped to its person, so a widget cannot take
    the id the back end (or a colleague) will send; API keys keep the plain ids they derive."""
    if not principal.is_user:
        return event
    return replace(event, id=event_ids.scoped(principal.name, event.id))


def received_now() -> datetime:
    """The receive stamp every accepted event carries (``received_at``); clients cannot set it."""
    return datetime.now(timezone.utc)


def _load_one(raw: Any, principal: Principal, now: datetime, max_skew: int
              ) -> tuple[Event | None, list[FieldError]]:
    if not isinstance(raw, dict):
        return None, [FieldError("", "Must be a JSON object.")]
    raw = dict(raw)
    if principal.is_user:
        if raw.setdefault("actor", principal.name) != principal.name:
            raise Forbidden("A user token can only send events as its own subject.")
    try:
        loaded = _schema.load(raw)
    except ValidationError as exc:
        return None, flatten(exc.messages)
    if loaded["time"] > now + timedelta(seconds=max_skew):
        return None, [FieldError("time", "Lies in the future.")]
    return Event.from_loaded(loaded, now, principal.label), []


def _check_permissions(events: list[Event], principal: Principal) -> None:
    if principal.is_user and "leader" not in principal.roles:
        if any(e.type in LEADER_ONLY for e in events):
            raise Forbidden("Only leaders may answer and adopt ideas.")
    if principal.is_user and any(e.type in BACK_END_ONLY for e in events):
        raise Forbidden("content.published comes from the intranet's back end: it needs an API key "
                        "with 'events:write'.")
    for event in events:
        needed = "moderation:manage" if event.type in MODERATOR_ONLY else "events:write"
        if not principal.is_user and needed not in principal.scopes or principal.is_user and needed != "events:write":
            raise Forbidden(f"{event.type} needs an API key with {needed!r}.")


def flatten(messages: Any, path: str = "") -> list[FieldError]:
    """marshmallow's nested error dict as a flat list of dotted field paths."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            out += flatten(value, f"{path}.{name}".strip(".") if name else path)
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [FieldError(path, message) for message in messages]
    return [FieldError(path, str(messages))]
