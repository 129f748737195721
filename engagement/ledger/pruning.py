"""Forgetting claimed event ids once a duplicate of the event can no longer plausibly come.

A read model claims the id of every event it applies (``engagement_processed_events``), so the
same id sent again counts once. The broker redelivering a record is caught by the tracking
record (the offset each read model applied, ``engagement_consumer_positions``) however old the
record is, so a claim only has to outlive a sender's retries: ENGAGEMENT_DEDUP_DAYS after it was
made. Kept for ever, claims were the largest table: a row per event per read model, about 1 KB
an event.

Old claims go in chunks, each one DELETE in a short transaction of its own, walking the table in
key order so each run reads it once however much it deletes. No consumer waits for it: a claim
a transaction holds (a replay resetting its read model) is skipped until the next run. A claim
whose event is parked, waiting for the event it builds on, stays: the event is applied once
when that comes, however late. The consumer processes prune the read models they apply every
hour (:class:`Pruner`); ``engagement prune`` does it at once.
"""
from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import CTE, delete, exists, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engagement import metrics
from engagement.config import check_dedup_days
from engagement.db import utcnow
from engagement.ledger.model import ParkedEvent, ProcessedEvent

logger = logging.getLogger(__name__)
CHUNK = 1000  # claims deleted per transaction at most: a fraction of a second of row locks
EVERY = 3600.0  # seconds between two runs in a consumer process


def cutoff(now: datetime, days: int) -> datetime:
    """Claims made before this (naive UTC) are forgotten."""
    return now - timedelta(days=check_dedup_days(days))


def prune_claims(engine: Engine, consumer: str, before: datetime, chunk: int = CHUNK,
                 stop: threading.Event | None = None) -> int:
    """Delete ``consumer``'s claims made before ``before``, at most ``chunk`` per transaction, each
    chunk after the last key of the one before. Answers how many went."""
    deleted, after = 0, ""
    while stop is None or not stop.is_set():
        with Session(engine) as session, session.begin():
            old = _old(consumer, after, before, chunk)
            gone = session.scalars(delete(ProcessedEvent).where(
                ProcessedEvent.consumer == consumer, ProcessedEvent.event_id.in_(select(old.c.event_id)))
                .returning(ProcessedEvent.event_id)).all()
        deleted += len(gone)
        if len(gone) < chunk:
            break
        # Python's order may not be the database's collation; any id of the chunk will do: the
        # next chunk starts at or before where this one ended, and what it passes again is gone.
        after = max(gone)
    metrics.CLAIMS_FORGOTTEN.labels(consumer).inc(deleted)
    return deleted


def _old(consumer: str, after: str, before: datetime, chunk: int) -> CTE:
    """The next ``chunk`` old claims in key order, skipping those a transaction holds and those of
    parked events. Materialised: as a plain subquery PostgreSQL may run it again for each row the
    DELETE visits, and each run skips the rows deleted so far, so the chunk would be the table."""
    parked = exists().where(ParkedEvent.consumer == ProcessedEvent.consumer,
                            ParkedEvent.event_id == ProcessedEvent.event_id)
    return (select(ProcessedEvent.event_id)
            .where(ProcessedEvent.consumer == consumer, ProcessedEvent.event_id > after,
                   ProcessedEvent.claimed_at < before, ~parked)
            .order_by(ProcessedEvent.event_id).limit(chunk).with_for_update(skip_locked=True)
            .cte("old_claims").prefix_with("MATERIALIZED", dialect="postgresql"))


def prune(engine: Engine, consumers: Iterable[str], days: int, now: datetime | None = None,
          stop: threading.Event | None = None) -> dict:
    """Forget the claims of ``consumers`` older than ``days`` before ``now`` (naive UTC, default the clock)."""
    before = cutoff(now or utcnow(), days)
    deleted = {name: prune_claims(engine, name, before, stop=stop) for name in consumers}
    logger.info("claims: forgot %d event ids claimed before %s (%s)", sum(deleted.values()), before,
                ", ".join(f"{name} {count}" for name, count in deleted.items()))
    return {"dedup_days": days, "before": before.isoformat() + "Z", "forgotten": deleted}


class Pruner:
    """Prunes the claims of the read models a process applies, every ``every`` seconds. The first
    run comes at a random moment of the first interval, so processes started together spread out."""

    def __init__(self, engine: Engine, consumers: Iterable[str], days: int, every: float = EVERY):
        self.engine, self.consumers, self.every = engine, list(consumers), every
        self.days = check_dedup_days(days)  # a bad setting stops the start, not a run an hour later
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="claim-pruner", daemon=True)

    def _run(self) -> None:
        wait = self.every * random.random()
        while not self.stopping.wait(wait):
            try:
                prune(self.engine, self.consumers, self.days, stop=self.stopping)
            except Exception:  # noqa: BLE001 - logged; the claims wait for the next run
                logger.exception("claims: pruning failed; trying again in %d s", self.every)
            wait = self.every

    def start(self) -> Pruner:
        self.thread.start()
        return self

    def stop(self, timeout: float = 15) -> None:
        """Stop after the chunk in hand."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
