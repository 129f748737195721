"""The outbox of outbound webhooks: each public event, once per subscription that wants it.

The rows are written in the runner's transaction with the ids it has seen, so an event is enqueued
exactly once however often the batch is retried (and the (subscription, event) key holds it to
once even across a replay). What an event may say outside Tillit is decided in
engagement/webhooks/events.py; the sender (engagement/webhooks/sender.py) delivers the rows.
Events received before a subscription was made, or older than ENGAGEMENT_WEBHOOK_KEEP_DAYS (a
replay of old events), never reach it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from engagement.awards.service import Public, names
from engagement.db import utcnow
from engagement.events import Event, EventType, utc_naive
from engagement.webhooks import service
from engagement.webhooks.events import Message, from_event
from engagement.webhooks.model import WebhookSubscription

from .base import Batch, Pairs, ReadModel

NOBODY: frozenset[str] = frozenset()  # no kudos in the batch: no public list needed


class OutboxRows(Batch):
    """The active subscriptions and who may appear in public lists, loaded once per batch."""

    def __init__(self, session: Session, batch: Pairs, ranking_mode: str, keep_days: int):
        super().__init__(session, batch)
        self.ranking_mode, self.keep_days = ranking_mode, keep_days
        self.subscriptions: list[WebhookSubscription] = []
        self.public: Public | None = None
        self.pairs: list[tuple[WebhookSubscription, Message]] = []
        self.now = utcnow()

    def load(self) -> None:
        self.subscriptions = service.active(self.session)
        if self.subscriptions and any(e.type == EventType.KUDOS_GIVEN for e in self.events):
            self.public = Public(self.session, self.ranking_mode)

    def fresh(self, event: Event) -> datetime | None:
        """When the event was received (naive UTC), or None when it is too old to send."""
        received = utc_naive(event.received_at or event.time)
        return received if received >= self.now - timedelta(days=self.keep_days) else None

    def write(self) -> None:
        service.enqueue(self.session, self.pairs, self.now)


class Webhooks(ReadModel[OutboxRows]):
    name = "webhooks"
    tables = ()  # the outbox is not rebuilt by a replay: what was sent stays sent
    survives_retention = True  # a replay sends nothing old (ENGAGEMENT_WEBHOOK_KEEP_DAYS), pruned or not

    def __init__(self, ranking_mode: str, keep_days: int):
        self.ranking_mode, self.keep_days = ranking_mode, keep_days
        self.handlers = {t: public_event for t in (EventType.IDEA_SUBMITTED, EventType.IDEA_ANSWERED,
                                                   EventType.IDEA_ADOPTED, EventType.KUDOS_GIVEN)}

    def begin(self, session: Session, batch: Pairs) -> OutboxRows:
        return OutboxRows(session, batch, self.ranking_mode, self.keep_days)


def public_event(rows: OutboxRows, event: Event) -> None:
    """Enqueue the event's public message for each subscription that wants it."""
    received = rows.fresh(event)
    wanting = [s for s in rows.subscriptions if service.wants(s, event.type, received)] if received else []
    if not wanting:
        return
    message = from_event(event, rows.public or NOBODY, lambda people: names(rows.session, people))
    if message is not None:
        rows.pairs += [(s, message) for s in wanting]
