"""The sender: delivers due outbox messages, signed, and retries with backoff.

Each pass claims due messages (at most a few per subscription, so one slow receiver cannot hold
up the rest), posts them eight at a time, and logs each attempt. A claim moves the message's next
attempt past a lease (one UPDATE that only one sender wins, so several ``engagement consume``
processes may each run a sender). A post carries the Standard Webhooks headers (``webhook-id``,
the same on every attempt, ``webhook-timestamp``, ``webhook-signature``). A 2xx answer delivers
it; anything else retries after an exponential backoff with jitter, capped, until
ENGAGEMENT_WEBHOOK_MAX_ATTEMPTS, then the message is marked failed. Delivery is at least once: a
sender that dies after posting and before logging posts again after the lease, with the same
``webhook-id``.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from engagement.db import utcnow
from engagement.state import state
from engagement.webhooks import addresses, service
from engagement.webhooks.model import WebhookAttempt, WebhookMessage, WebhookSubscription
from engagement.webhooks.post import Answer, post
from engagement.webhooks.service import Settings

logger = logging.getLogger(__name__)
INTERVAL = 2.0  # seconds between passes
BATCH = 100  # messages per pass
PER_SUBSCRIPTION = 10  # messages of one subscription per pass
WORKERS = 8  # posts in flight at once


def backoff(attempts: int, settings: Settings, rng: random.Random) -> float:
    """Seconds before the next try after ``attempts`` failed ones: doubling from the base, capped,
    then drawn between half and all of it, so receivers that failed together are not hit together."""
    ceiling = min(settings.backoff_cap, settings.backoff * 2 ** (attempts - 1))
    return rng.uniform(ceiling / 2, ceiling)


def headers(secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers, signed by the library receivers verify with."""
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, body)}


def run_once(session: Session, settings: Settings, ranking_mode: str, now: datetime | None = None,
             rng: random.Random | None = None) -> dict[str, int]:
    """One pass at ``now`` (naive UTC; default the clock): enqueue finalised months, deliver what
    is due, forget old log rows. Answers how many were delivered, retried and failed."""
    now, rng = now or utcnow(), rng or random.Random()
    service.enqueue_finalised_months(session, ranking_mode, now, settings.keep_days)
    session.commit()
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    claimed = _claim(session, _due(session, now), now, settings)
    bind = session.get_bind()

    def deliver(message_id: str) -> str:
        with Session(bind) as own:
            return _deliver(own, own.get(WebhookMessage, message_id), settings, now, rng)

    with ThreadPoolExecutor(WORKERS, thread_name_prefix="webhook-post") as pool:
        for outcome in pool.map(deliver, claimed):
            counts[outcome] += 1
    service.prune(session, now, settings.keep_days)
    session.commit()
    return counts


def _due(session: Session, now: datetime) -> list[str]:
    """Due messages, oldest first, at most PER_SUBSCRIPTION of each subscription per pass, so a
    receiver that hangs to the timeout holds up a few posts, not everyone's."""
    rows = session.execute(select(WebhookMessage.id, WebhookMessage.subscription_id).where(
        WebhookMessage.status == "pending", WebhookMessage.next_attempt_at <= now)
        .order_by(WebhookMessage.next_attempt_at, WebhookMessage.id).limit(BATCH * PER_SUBSCRIPTION)).all()
    taken: Counter[str] = Counter()
    due: list[str] = []
    for message_id, subscription in rows:
        if taken[subscription] < PER_SUBSCRIPTION and len(due) < BATCH:
            taken[subscription] += 1
            due.append(message_id)
    return due


def _claim(session: Session, due: list[str], now: datetime, settings: Settings) -> list[str]:
    """Move the due messages' next attempt past a lease, in one UPDATE: the ones it changed are
    this sender's; another sender's claim got the rest first."""
    if not due:
        return []
    lease = now + timedelta(seconds=2 * settings.timeout + 30)
    won = session.scalars(update(WebhookMessage).where(
        WebhookMessage.id.in_(due), WebhookMessage.status == "pending", WebhookMessage.next_attempt_at <= now)
        .values(next_attempt_at=lease).returning(WebhookMessage.id)).all()
    session.commit()
    return sorted(won, key=due.index)


def _deliver(session: Session, message: WebhookMessage | None, settings: Settings, now: datetime,
             rng: random.Random) -> str:
    assert message is not None
    subscription = session.get(WebhookSubscription, message.subscription_id)
    started = time.monotonic()
    if subscription is None or subscription.disabled_at is not None:
        answer = Answer(None, "the subscription is disabled")
    else:
        answer = _send(subscription, message, settings)
    message.attempts += 1
    if answer.ok:
        outcome = message.status = "delivered"
    elif message.attempts >= settings.max_attempts or subscription is None or subscription.disabled_at:
        outcome = message.status = "failed"
    else:
        outcome = "retrying"
        message.next_attempt_at = now + timedelta(seconds=backoff(message.attempts, settings, rng))
    session.add(WebhookAttempt(message_id=message.id, at=utcnow(), outcome=outcome, response_code=answer.status,
                               error=answer.error, duration_ms=int(1000 * (time.monotonic() - started))))
    session.commit()
    if outcome != "delivered":
        logger.info("webhook %s to %s: %s (%s)", message.id, message.subscription_id, outcome, answer.error)
    return outcome


def _send(subscription: WebhookSubscription, message: WebhookMessage, settings: Settings) -> Answer:
    try:
        addresses.check(subscription.url, settings.allowed_hosts, settings.allow_private)
    except addresses.Refused as refused:
        return Answer(None, str(refused))
    signed = headers(subscription.secret, message.id, message.body, datetime.now(UTC))
    return post(subscription.url, message.body.encode(), signed, settings.timeout)


class SenderThread:
    """The sender on a thread beside the consumers; ``stop()`` ends it after the pass in hand."""

    def __init__(self, app: Flask):
        self.app, self.stopping = app, threading.Event()
        self.thread = threading.Thread(target=self.loop, name="webhook-sender", daemon=True)

    def start(self) -> SenderThread:
        self.thread.start()
        return self

    def loop(self) -> None:
        st = state(self.app)
        settings = Settings.from_config(st.config)
        while not self.stopping.is_set():
            busy = False
            try:
                with Session(st.engine) as session:
                    busy = any(run_once(session, settings, st.config["ENGAGEMENT_PUBLIC_RANKING"]).values())
            except Exception:  # noqa: BLE001 - a bad pass must not end the loop
                logger.exception("webhook sender pass failed")
            if not busy:  # a pass that sent something goes straight on to what else is due
                self.stopping.wait(INTERVAL)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)
