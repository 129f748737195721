"""Which events an intranet may subscribe to, and what each message says.

A safe public subset, never the raw event: a message carries ids and the few facts the intranet
would show on a public page, nothing the privacy rules keep back.

- ``award.finalised``: the month and its frozen winners, runners-up and threshold list, without
  anyone who opted out of public lists (ENGAGEMENT_PUBLIC_RANKING) when the message is made.
- ``idea.submitted``: the idea's id and campaign: no author, no title or text (moderation may hide
  an idea after the fact; the intranet reads it through the API when it renders it).
- ``idea.answered`` / ``idea.adopted``: the idea's id and its new status; no note, no credited people.
- ``kudos.given``: giver and recipient (id and name) only when both allow public lists; the
  message stays private. A Bra! involving anyone else is not sent at all.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from engagement.events import Event, EventType

AWARD_FINALISED = "award.finalised"
PUBLIC_EVENTS = (AWARD_FINALISED, EventType.IDEA_SUBMITTED.value, EventType.IDEA_ANSWERED.value,
                 EventType.IDEA_ADOPTED.value, EventType.KUDOS_GIVEN.value)


class Audience(Protocol):
    """Who may appear in public lists (engagement/awards/service.py ``Public``)."""

    def __contains__(self, person: str, /) -> bool: ...


class Message:
    """What one event becomes on the wire: type, data, and the people it names (for erasure)."""

    def __init__(self, event_id: str, type_: str, time: datetime, data: dict[str, Any], people: tuple[str, ...] = ()):
        self.event_id, self.type, self.time, self.data, self.people = event_id, type_, time, data, people

    def body(self) -> str:
        """The body as signed and sent, the same bytes on every attempt (Standard Webhooks' shape)."""
        stamp = self.time.isoformat() if self.time.tzinfo else self.time.isoformat() + "Z"  # naive is UTC
        return json.dumps({"type": self.type, "timestamp": stamp, "id": public_id(self.event_id),
                           "data": self.data}, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def public_id(event_id: str) -> str:
    """The event's id as receivers see it: stable, but opaque, since a widget's events are stored
    under ids that carry the person who sent them ("~kari~idea-1"), whom some bodies leave out."""
    return "evt_" + hashlib.sha256(event_id.encode()).hexdigest()[:32]


def from_event(event: Event, public: Audience, names: Callable[[list[str]], dict[str, str]]) -> Message | None:
    """The message for a bus event, or None when the event may not leave Tillit."""
    if event.type == EventType.IDEA_SUBMITTED:
        return Message(event.id, event.type, event.time, {"idea": event.target.id,
                                                          "campaign": event.data.get("campaign_id")})
    if event.type == EventType.IDEA_ANSWERED:
        return Message(event.id, event.type, event.time, {"idea": event.target.id, "status": event.data["status"]})
    if event.type == EventType.IDEA_ADOPTED:
        return Message(event.id, event.type, event.time, {"idea": event.target.id, "status": "adopted"})
    if event.type == EventType.KUDOS_GIVEN:
        giver, recipient = event.actor, event.target.owner
        if giver == recipient or giver not in public or recipient not in public:
            return None
        known = names([giver, recipient])
        return Message(event.id, event.type, event.time, {
            "from": {"id": giver, "name": known.get(giver, giver)},
            "to": {"id": recipient, "name": known.get(recipient, recipient)}}, (giver, recipient))
    return None


def award_finalised(month: str, finalised_at: datetime, result: dict, public: Audience) -> Message:
    """A finalised month, as the frozen result has it, less anyone not public now."""
    categories = {category: [{"rank": p["rank"], "person": p["person"], "name": p["name"]}
                             for p in podium if p["person"] in public]
                  for category, podium in result["categories"].items()}
    threshold = [{"person": p["person"], "name": p["name"]} for p in result["threshold"] if p["person"] in public]
    return Message(f"{AWARD_FINALISED}:{month}", AWARD_FINALISED, finalised_at,
                   {"month": month, "categories": categories, "threshold": threshold})
