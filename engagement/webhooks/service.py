"""Webhook subscriptions, the outbox they are fed from, and the delivery log.

Enqueueing is one INSERT ... ON CONFLICT DO NOTHING on (subscription, event), so an event seen
twice (a redelivered batch, a replay) is enqueued once. A message's id is derived from the two, so
it is the same ``webhook-id`` on every attempt and on a redelivery, and receivers dedupe by it.

A subscription belongs to one API key, by the key's id (its prefix), not its name: names are not
unique. Revoking the key disables its subscriptions. An ``award.finalised`` message is stored
with its month only; its winners are read from the frozen result and the public list when it is
sent, so someone erased or opted out after it was enqueued is never sent.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engagement.awards.model import AwardSnapshot
from engagement.awards.service import Public
from engagement.db import changed_rows, utcnow
from engagement.directory.model import Person
from engagement.errors import EngagementError, Unauthenticated
from engagement.ledger.model import ApiKey
from engagement.webhooks import addresses
from engagement.webhooks.events import AWARD_FINALISED, Message, award_finalised
from engagement.webhooks.model import WebhookAttempt, WebhookMessage, WebhookSubscription


@dataclass(frozen=True)
class Settings:
    """How the sender posts and retries (ENGAGEMENT_WEBHOOK_*)."""

    timeout: float = 10.0
    max_attempts: int = 8
    backoff: float = 30.0
    backoff_cap: float = 3600.0
    allowed_hosts: tuple[str, ...] = ()
    allow_private: bool = False
    keep_days: int = 30

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        return cls(float(config["ENGAGEMENT_WEBHOOK_TIMEOUT"]), int(config["ENGAGEMENT_WEBHOOK_MAX_ATTEMPTS"]),
                   float(config["ENGAGEMENT_WEBHOOK_BACKOFF"]), float(config["ENGAGEMENT_WEBHOOK_BACKOFF_CAP"]),
                   tuple(config["ENGAGEMENT_WEBHOOK_ALLOWED_HOSTS"]), bool(config["ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE"]),
                   int(config["ENGAGEMENT_WEBHOOK_KEEP_DAYS"]))


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(subscription_id: str, event_id: str) -> str:
    return "msg_" + hashlib.sha256(f"{subscription_id}\n{event_id}".encode()).hexdigest()[:32]


def owner_of(key_id: str) -> str:
    """The owner of a key's subscriptions: the key's id, which no other key shares."""
    return f"key-id:{key_id}"


def disable_owned(session: Session, key_id: str) -> int:
    """Disable every subscription of a key (it was revoked); no commit: the revocation's."""
    found = list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.owner == owner_of(key_id),
                                                                   WebhookSubscription.disabled_at.is_(None))))
    for subscription in found:
        subscription.disabled_at = utcnow()
        session.execute(update(WebhookMessage).where(WebhookMessage.subscription_id == subscription.id,
                                                     WebhookMessage.status == "pending").values(status="failed"))
    return len(found)


def create(session: Session, key_id: str, url: str, event_types: Sequence[str], description: str,
           settings: Settings) -> WebhookSubscription:
    """A subscription of the key ``key_id``; none for a key revoked (while its check is still cached)."""
    if session.scalar(select(ApiKey.revoked_at).where(ApiKey.prefix == key_id)) is not None:
        raise Unauthenticated("Unknown or revoked API key.")
    addresses.checked_field(url, settings.allowed_hosts, settings.allow_private)
    subscription = WebhookSubscription(id="sub_" + secrets.token_hex(12), owner=owner_of(key_id), url=url,
                                       event_types=sorted(set(event_types)), secret=new_secret(),
                                       description=description, created_at=utcnow())
    session.add(subscription)
    session.commit()
    return subscription


def owned(session: Session, owner: str) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.owner == owner)
                                .order_by(WebhookSubscription.created_at, WebhookSubscription.id)))


def one(session: Session, owner: str, subscription_id: str) -> WebhookSubscription:
    """The caller's subscription; another owner's is as unknown as a missing one."""
    found = session.get(WebhookSubscription, subscription_id)
    if found is None or found.owner != owner:
        raise EngagementError(f"No subscription {subscription_id!r} of yours.", 404, "Not found")
    return found


def disable(session: Session, subscription: WebhookSubscription) -> None:
    """Stop sending: nothing new is enqueued and what waits is marked failed (the log stays)."""
    subscription.disabled_at = subscription.disabled_at or utcnow()
    session.execute(update(WebhookMessage).where(WebhookMessage.subscription_id == subscription.id,
                                                 WebhookMessage.status == "pending").values(status="failed"))
    session.commit()


def remove(session: Session, subscription: WebhookSubscription) -> None:
    """Delete the subscription with its messages and their log."""
    ids = select(WebhookMessage.id).where(WebhookMessage.subscription_id == subscription.id)
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.message_id.in_(ids)))
    session.execute(delete(WebhookMessage).where(WebhookMessage.subscription_id == subscription.id))
    session.delete(subscription)
    session.commit()


def active(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.disabled_at.is_(None))))


def enqueue(session: Session, pairs: Iterable[tuple[WebhookSubscription, Message]], now: datetime) -> None:
    """Add each (subscription, message) to the outbox unless it is there already; no commit (the
    caller's transaction, a read model's batch, decides)."""
    rows = [{"id": message_id(s.id, m.event_id), "subscription_id": s.id, "event_id": m.event_id,
             "event_type": m.type, "body": m.body(), "actor": (m.people[:1] or (None,))[0],
             "subject": (m.people[1:2] or (None,))[0], "status": "pending", "attempts": 0,
             "created_at": now, "next_attempt_at": now} for s, m in pairs]
    if rows:
        session.execute(_insert_ignoring_duplicates(session), rows)


def _insert_ignoring_duplicates(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(WebhookMessage).on_conflict_do_nothing()


def wants(subscription: WebhookSubscription, event_type: str, received: datetime | None) -> bool:
    """Whether the subscription takes this event: its type, and not from before it was made
    (a replay of old events never reaches a new subscriber)."""
    return event_type in subscription.event_types and (received is None or received >= subscription.created_at)


def enqueue_finalised_months(session: Session, now: datetime, keep_days: int) -> None:
    """Award months finalised since each subscription was made; finalising writes no event, so the
    sender looks for new snapshots on each pass (idempotent like every enqueue). Only the last
    ``keep_days``: an older month's message may have been pruned, and must not go out again.
    The message holds the month only; :func:`body_to_send` adds the winners when it is sent."""
    subscribers = [s for s in active(session) if AWARD_FINALISED in s.event_types]
    if not subscribers:
        return
    since = max(min(s.created_at for s in subscribers), now - timedelta(days=keep_days))
    snapshots = session.execute(select(AwardSnapshot.month, AwardSnapshot.finalised_at)
                                .where(AwardSnapshot.finalised_at >= since)).all()
    enqueue(session, [(s, award_finalised(month, finalised_at, EMPTY_RESULT, NOBODY))
                      for month, finalised_at in snapshots for s in subscribers if finalised_at >= s.created_at], now)


EMPTY_RESULT: dict = {"categories": {}, "threshold": []}
NOBODY: frozenset[str] = frozenset()


def body_to_send(session: Session, message: WebhookMessage, ranking_mode: str) -> str | None:
    """The body to sign and send now: as stored, but an award month's winners from its frozen
    result less anyone not public now or erased since; None when the month is no longer final."""
    if message.event_type != AWARD_FINALISED:
        return message.body
    snapshot = session.get(AwardSnapshot, json.loads(message.body)["data"]["month"])
    if snapshot is None:
        return None
    return award_finalised(snapshot.month, snapshot.finalised_at, snapshot.result,
                           Listed(session, ranking_mode)).body()


class Listed:
    """Who an award message may name: public now, and still in the directory (which keeps people
    who left; an erased person is gone from it, and their pseudonym is never sent)."""

    def __init__(self, session: Session, ranking_mode: str):
        self.public = Public(session, ranking_mode)
        self.known = set(session.scalars(select(Person.id)))

    def __contains__(self, person: str) -> bool:
        return person in self.known and person in self.public


def delivery_log(session: Session, subscription: WebhookSubscription, limit: int) -> list[dict]:
    """The newest messages with every attempt, oldest attempt first."""
    return views(session, list(session.scalars(
        select(WebhookMessage).where(WebhookMessage.subscription_id == subscription.id)
        .order_by(WebhookMessage.created_at.desc(), WebhookMessage.id).limit(limit))))


def views(session: Session, messages: list[WebhookMessage]) -> list[dict]:
    """Messages as the delivery log answers them, with their attempts in two queries."""
    attempts: dict[str, list[dict]] = {m.id: [] for m in messages}
    if messages:
        for a in session.scalars(select(WebhookAttempt).where(WebhookAttempt.message_id.in_(list(attempts)))
                                 .order_by(WebhookAttempt.id)):
            attempts[a.message_id].append({"at": _iso(a.at), "outcome": a.outcome, "response_code": a.response_code,
                                           "error": a.error, "duration_ms": a.duration_ms})
    return [{"id": m.id, "event_id": m.event_id, "event_type": m.event_type, "status": m.status,
             "attempts": attempts[m.id], "next_attempt_at": _iso(m.next_attempt_at) if m.status == "pending" else None}
            for m in messages]


def redeliver(session: Session, subscription: WebhookSubscription, message: str) -> WebhookMessage:
    """Send a message again, now, with the same id: a failed one gets a fresh set of attempts."""
    if subscription.disabled_at is not None:
        raise EngagementError("The subscription is disabled.", 409, "Conflict")
    found = session.get(WebhookMessage, message)
    if found is None or found.subscription_id != subscription.id:
        raise EngagementError(f"No message {message!r} in this subscription.", 404, "Not found")
    found.status, found.attempts, found.next_attempt_at = "pending", 0, utcnow()
    session.commit()
    return found


def prune(session: Session, now: datetime, keep_days: int) -> int:
    """Forget delivered and failed messages (and their log) older than ``keep_days``."""
    old = select(WebhookMessage.id).where(WebhookMessage.status != "pending",
                                          WebhookMessage.created_at < now - timedelta(days=keep_days))
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.message_id.in_(old)))
    return changed_rows(session, delete(WebhookMessage).where(WebhookMessage.id.in_(old)))


def as_dict(subscription: WebhookSubscription, with_secret: bool = False) -> dict:
    out = {"id": subscription.id, "url": subscription.url, "event_types": subscription.event_types,
           "description": subscription.description, "created_at": _iso(subscription.created_at),
           "disabled": subscription.disabled_at is not None}
    return out | {"secret": subscription.secret} if with_secret else out


def _iso(moment: datetime) -> str:
    return moment.isoformat() + "Z"
