"""Taking events in: the contract (engagement.schemas.events) validates every one; here they
are checked against who sends them and what is known, then published all or none."""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError
from marshmallow.experimental.context import Context
from sqlalchemy.orm import Session

from engagement import metrics
from engagement.auth import Principal
from engagement.bus.base import EventBus
from engagement.errors import Forbidden, ValidationFailed, flatten
from engagement.events import Event
from engagement.ideas import service as campaigns
from engagement.ledger import event_ids
from engagement.ownership import service as ownership
from engagement.schemas.events import SERVER_KINDS, SERVER_ONLY, BatchSchema, Sender

LEADER_ONLY = frozenset({"idea.adopted", "idea.answered"})
MODERATOR_ONLY = frozenset({"content.moderated"})
# Publishing makes its sender the owner of the target: only the intranet's back end (an API key)
# says what was published, or a user token could claim an article id before the intranet does.
BACK_END_ONLY = frozenset({"content.published"})


def may_send(principal: Principal) -> None:
    """A user token sends as its person; a key needs 'events:write' (or 'moderation:manage' for decisions)."""
    if not principal.is_user and not {"events:write", "moderation:manage"} & principal.scopes:
        principal.require("events:write")


def sent_by(principal: Principal, max_skew: int, max_batch: int) -> Context:
    """The Context events load in: what only the receiving end knows (engagement.schemas.events.Sender)."""
    return Context(Sender(principal.name if principal.is_user else None, received_now(), max_skew, max_batch))


def load(raw_events: list[Any], principal: Principal, max_skew: int, max_batch: int) -> list[dict]:
    """Events from elsewhere than the HTTP API (the demo's intranet) through the same contract."""
    try:
        with sent_by(principal, max_skew, max_batch):
            return BatchSchema().load({"events": raw_events})["events"]
    except ValidationError as exc:
        raise ValidationFailed(flatten(exc.messages), "Events are invalid; nothing was accepted.") from exc


def ingest(loaded: list[dict], principal: Principal, bus: EventBus, batch: bool,
           session: Session | None = None, edit_window: int = 900) -> list[str]:
    """Publish events the contract has loaded (engagement.schemas.events), durably, once the
    sender may send each and the read side has nothing against them; answer the accepted ids
    (as the client sent them). Nothing is published on error."""
    may_send(principal)
    now = received_now()
    events = [in_senders_id_space(Event.from_loaded(e, now, principal.label), principal) for e in loaded]
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
    return [e["id"] for e in loaded]


def in_senders_id_space(event: Event, principal: Principal) -> Event:
    """A user token's event is kept under an id scoped to its person, so a widget cannot take
    the id the back end (or a colleague) will send; API keys keep the plain ids they derive."""
    if not principal.is_user:
        return event
    return replace(event, id=event_ids.scoped(principal.name, event.id))


def received_now() -> datetime:
    """The receive stamp every accepted event carries (``received_at``); clients cannot set it."""
    return datetime.now(UTC)


def _check_permissions(events: list[Event], principal: Principal) -> None:
    if any(e.type in SERVER_ONLY or e.target.kind in SERVER_KINDS for e in events):
        raise Forbidden("Pulses' and the lottery's events (pulse.opened, pulse.answered, lottery.drawn) and "
                        "anything about a pulse or a lottery come from Tillit itself: define a pulse with "
                        "POST /v1/pulses, answer one with POST /v1/pulses/<id>/answers, draw a month with "
                        "POST /v1/lottery/<month>/draw.")
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
