"""The sender: delivers due outbox messages, signed, and retries with backoff.

Each pass claims due messages (at most a few per subscription, so one slow receiver cannot hold
up the rest), posts them eight at a time, and logs each attempt. A post takes at most
ENGAGEMENT_WEBHOOK_TIMEOUT in all (engagement/webhooks/post.py), and a pass stops waiting after
:func:`pass_seconds`: what it had not begun to post by then is given back, due at once, for the
next pass. A claim moves the message's next attempt past a lease longer than a pass and its last
post (one UPDATE that only one sender wins, so several ``engagement consume`` processes may each
run a sender, and no message is posted by two). A post carries the Standard Webhooks headers (``webhook-id``,
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
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as PassOver
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
LEASE_MARGIN = 30.0  # seconds of a lease beyond the longest a pass can post: for the database writes


def pass_seconds(settings: Settings) -> float:
    """How long a pass waits for its posts: three rounds of posts that each take the whole timeout."""
    return 3 * settings.timeout


def lease_seconds(settings: Settings) -> float:
    """How long a claim holds a message: a post begun at the end of a pass ends by then."""
    return pass_seconds(settings) + settings.timeout + LEASE_MARGIN


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
    service.enqueue_finalised_months(session, now, settings.keep_days)
    session.commit()
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    lease = now + timedelta(seconds=lease_seconds(settings))
    claimed = _claim(session, _due(session, now), now, lease)
    bind = session.get_bind()

    def deliver(message_id: str) -> str:
        with Session(bind) as own:
            return _deliver(own, own.get(WebhookMessage, message_id), settings, ranking_mode, now, rng)

    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="webhook-post")
    posts: dict[Future[str], str] = {pool.submit(deliver, message_id): message_id for message_id in claimed}
    try:
        for done in as_completed(posts, timeout=pass_seconds(settings)):
            counts[_outcome(done, posts[done])] += 1
    except PassOver:
        _give_back(session, [posts[f] for f in posts if f.cancel()], lease, now)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # posts under way end within the timeout
    service.prune(session, now, settings.keep_days)
    session.commit()
    return counts


def _outcome(done: Future[str], message_id: str) -> str:
    try:
        return done.result()
    except Exception:  # noqa: BLE001 - one message's failure must not end the pass; its lease runs out
        logger.exception("webhook %s: the attempt could not be recorded", message_id)
        return "retrying"


def _give_back(session: Session, unposted: list[str], lease: datetime, now: datetime) -> None:
    """Messages the pass had no time to post are due again at once (if still under this claim)."""
    if unposted:
        session.execute(update(WebhookMessage).where(WebhookMessage.id.in_(unposted),
                                                     WebhookMessage.next_attempt_at == lease)
                        .values(next_attempt_at=now))
        session.commit()


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


def _claim(session: Session, due: list[str], now: datetime, lease: datetime) -> list[str]:
    """Move the due messages' next attempt past a lease, in one UPDATE: the ones it changed are
    this sender's; another sender's claim got the rest first."""
    if not due:
        return []
    won = session.scalars(update(WebhookMessage).where(
        WebhookMessage.id.in_(due), WebhookMessage.status == "pending", WebhookMessage.next_attempt_at <= now)
        .values(next_attempt_at=lease).returning(WebhookMessage.id)).all()
    session.commit()
    return sorted(won, key=due.index)


def _deliver(session: Session, message: WebhookMessage | None, settings: Settings, ranking_mode: str,
             now: datetime, rng: random.Random) -> str:
    assert message is not None
    subscription = session.get(WebhookSubscription, message.subscription_id)
    started = time.monotonic()
    if subscription is None or subscription.disabled_at is not None:
        answer = Answer(None, "the subscription is disabled")
    else:
        try:
            answer = _send(subscription, message, service.body_to_send(session, message, ranking_mode), settings)
        except Exception as exc:  # noqa: BLE001 - logged as an attempt; the pass goes on
            answer = Answer(None, f"{type(exc).__name__}: the message could not be sent")
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


def _send(subscription: WebhookSubscription, message: WebhookMessage, body: str | None,
          settings: Settings) -> Answer:
    if body is None:
        return Answer(None, "the month is no longer finalised")
    try:
        addresses.check(subscription.url, settings.allowed_hosts, settings.allow_private)
    except addresses.Refused as refused:
        return Answer(None, str(refused))
    signed = headers(subscription.secret, message.id, body, datetime.now(UTC))
    return post(subscription.url, body.encode(), signed, settings.timeout)


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
