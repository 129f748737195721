"""Rebuilding read models from the ledger (``engagement replay``).

Each read model is rebuilt in one transaction: readers, and the model's live consumer, see the
old state until the rebuilt one commits whole. Its tracking record is set to the last offset of
each partition it applied, so its live consumer (which notices the moved record) carries on from
there and reads from the bus only what the ledger did not hold yet. A record the read model
refuses does not abort the rebuild: each chunk runs in a savepoint and a failing one is bisected
like the live consumer's batch; the refused record is dead-lettered (once: what the live
consumer dead-lettered already is not added again).

The ledger is read by ``seq`` in chunks, never whole, so memory stays bounded however long the
history; progress (events/s, the time left) is reported after a chunk, every few seconds at
most. With ``jobs`` above one, read models are rebuilt in that many processes at once, one read
model per process.

A chunk is large (CHUNK): in one transaction every update of a row leaves a version that nothing
can prune before the commit, and a lookup walks them all. A counter row (a team's, a person's) is
updated once per chunk it is touched in, so the number of chunks, not of events, sets how slow
the end of a long history gets: with chunks of 2,000 a team's row gains a version every 2,000
events, and a rebuild of recognition fell from 2,485 events/s over its first 200,000 events to
570 between 200,000 and 500,000. Chunks of 50,000 leave 25 times fewer versions (100 per row
over a 5,000,000-event year); what they cost is memory (about 350 MB at most) and, for a record
the read model refuses, a bisection that re-applies about one chunk.

A rebuild reads only the rows its read model keeps (the types it handles, said in SQL), as text
decoded by orjson. It claims only the events received within ENGAGEMENT_DEDUP_DAYS: the ledger
holds each id once, so claims matter only for a sender's duplicate still to come, and the live
consumer forgets older claims anyway (engagement/ledger/pruning.py). A year's replay so writes
days of claims, not millions.
"""
from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, cast, delete, exists, func, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import Session

from engagement.batch import settle_in_savepoints
from engagement.bus.base import Record
from engagement.consumers.base import ReadModel
from engagement.db import utcnow
from engagement.errors import is_connection_error
from engagement.events import Event, Target, made, parse_json
from engagement.ledger.model import ConsumerPosition, DeadLetter, LedgerEvent, ParkedEvent, ProcessedEvent
from engagement.locks import SOLE_WRITER
from engagement.privacy import retention
from engagement.state import EngagementState

logger = logging.getLogger(__name__)
CHUNK = 50_000  # ledger rows applied at once (see above: fewer, larger chunks keep a long rebuild fast)
PROGRESS_SECONDS = 5.0
RETRY_SECONDS = 1.0
COLUMNS = (LedgerEvent.seq, LedgerEvent.event_id, LedgerEvent.type, LedgerEvent.actor, LedgerEvent.target_kind,
           LedgerEvent.target_id, LedgerEvent.target_owner, LedgerEvent.occurred_at, LedgerEvent.source,
           LedgerEvent.schema_version, cast(LedgerEvent.data, Text).label("data"), LedgerEvent.received_at,
           LedgerEvent.submitted_by, LedgerEvent.topic, LedgerEvent.partition, LedgerEvent.offset)


class ReplayRefused(Exception):
    """The ledger was pruned by retention and this read model cannot start from rollups."""


@dataclass(frozen=True)
class Progress:
    """How far one read model's rebuild is: ledger rows read of ``total``, and since when."""

    model: str
    read: int
    total: int
    seconds: float
    done: bool = False

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        if self.done:
            return f"replay {self.model}: {self.read:,} events in {self.seconds:,.1f} s ({self.rate:,.0f} events/s)"
        left = (self.total - self.read) / self.rate if self.rate else 0.0
        share = 100 * self.read / self.total if self.total else 100.0
        return (f"replay {self.model}: {self.read:,} of {self.total:,} events ({share:.0f}%), "
                f"{self.rate:,.0f} events/s, {left:,.0f} s left")


def log_progress(progress: Progress) -> None:
    logger.info("%s", progress)


def replay(st: EngagementState, names: list[str] | None = None, after_retention: bool = False,
           jobs: int = 1, progress: Callable[[Progress], None] = log_progress) -> dict[str, int]:
    """Rebuild the read models named (all but the ledger by default); answers the events each applied."""
    models = [m for m in ([st.read_model(n) for n in names] if names else st.read_models or []) if m.name != "ledger"]
    with Session(st.engine) as session:
        pruned = retention.horizon(session)
    lossy = [m.name for m in models if not m.survives_retention]
    if pruned is not None and lossy and not after_retention:
        raise ReplayRefused(f"raw events before {pruned:%Y-%m-%d} were deleted by retention, so replaying "
                            f"{', '.join(lossy)} would lose what they counted before then; pass "
                            f"--after-retention to rebuild them from what the ledger still holds")
    if jobs > 1 and len(models) > 1 and st.engine.dialect.name != "sqlite":  # SQLite: one writer at a time
        return _in_processes(st, [m.name for m in models], jobs, progress)
    return {model.name: rebuild(st, model, progress) for model in models}


def _in_processes(st: EngagementState, names: list[str], jobs: int,
                  progress: Callable[[Progress], None]) -> dict[str, int]:
    """One process per read model, ``jobs`` at a time (forked: they share this one's settings)."""
    global _FORKED  # noqa: PLW0603 - what a forked worker finds; set before the fork, read after
    _FORKED = (st, progress)
    st.engine.dispose()  # no connection of ours crosses the fork
    with multiprocessing.get_context("fork").Pool(min(jobs, len(names)), initializer=_forked) as pool:
        counts = dict(pool.imap_unordered(_rebuild_named, names))
    return {name: counts[name] for name in names}


_FORKED: tuple[EngagementState, Callable[[Progress], None]] | None = None


def _forked() -> None:
    assert _FORKED is not None
    _FORKED[0].engine.dispose(close=False)  # the parent's pool is the parent's


def _rebuild_named(name: str) -> tuple[str, int]:
    assert _FORKED is not None
    st, progress = _FORKED
    return name, rebuild(st, st.read_model(name), progress)


def rebuild(st: EngagementState, model: ReadModel, progress: Callable[[Progress], None] = log_progress,
            only_if_new: bool = False) -> int:
    """Reset ``model`` and apply the whole ledger to it in one transaction. With ``only_if_new``,
    only while the model has no tracking record (checked under a lock, so of several processes
    starting at once one rebuilds and the others find its record). Answers the events applied."""
    started = time.monotonic()
    with Session(st.engine) as session, session.begin():
        if only_if_new:
            _serialise(session, model.name)
            if _tracked(session, model.name):
                return 0
        # The tracking record first, as a live batch takes it first (the other order deadlocks).
        # From here the model's live consumers wait on it until this commits, so no per-row
        # advisory locks: held to commit over a whole ledger they would exhaust the lock table.
        session.execute(delete(ConsumerPosition).where(ConsumerPosition.consumer == model.name))
        session.info[SOLE_WRITER] = True
        model.reset(session)
        ledger = Snapshot.of(session, model, utcnow() - timedelta(days=st.config["ENGAGEMENT_DEDUP_DAYS"]))
        applied, read = _apply_ledger(session, model, ledger, started, progress)
        _claim_parked(session, model.name)
        for (topic, partition), position in sorted(ledger.last.items()):
            session.add(ConsumerPosition(consumer=model.name, topic=topic, partition=partition, position=position))
    progress(Progress(model.name, read, read, time.monotonic() - started, done=True))
    return applied


@dataclass(frozen=True)
class Snapshot:
    """The ledger as one rebuild reads it: rows up to ``seq`` (what a live ledger consumer adds
    meanwhile comes through the model's live consumer), those the model keeps (``kept``), and the
    last offset per partition up to ``seq``, the tracking record the rebuild leaves. Events
    received before ``claim_since`` are applied without a claim."""

    seq: int
    kept: tuple  # the model's kept_rows() as a WHERE clause (empty: every row)
    total: int
    last: dict[tuple[str, int], int]
    claim_since: datetime

    @classmethod
    def of(cls, session: Session, model: ReadModel, claim_since: datetime) -> Snapshot:
        seq = session.scalar(select(func.max(LedgerEvent.seq))) or 0
        kept = () if (rows := model.kept_rows()) is None else (rows,)
        upto = LedgerEvent.seq <= seq
        total = session.scalar(select(func.count()).where(upto, *kept)) or 0
        last = session.execute(select(LedgerEvent.topic, LedgerEvent.partition, func.max(LedgerEvent.offset))
                               .where(upto).group_by(LedgerEvent.topic, LedgerEvent.partition)).all()
        return cls(seq, kept, total, {(topic, partition): offset for topic, partition, offset in last}, claim_since)


def _claim_parked(session: Session, name: str) -> None:
    """Events still parked at the end keep their claim, as the live consumer's pruning keeps it,
    whatever their age: a late duplicate of one must not be parked twice."""
    session.execute(text(f"INSERT INTO {ProcessedEvent.__tablename__} (consumer, event_id, claimed_at) "
                         f"SELECT consumer, event_id, :now FROM {ParkedEvent.__tablename__} WHERE consumer = :name "
                         "ON CONFLICT DO NOTHING"), {"now": utcnow(), "name": name})


def _apply_ledger(session: Session, model: ReadModel, ledger: Snapshot, started: float,
                  progress: Callable[[Progress], None]) -> tuple[int, int]:
    """Apply the ledger's kept rows by ``seq``, a chunk at a time. Answers (applied, rows read)."""
    applied, read, after = 0, 0, 0
    reported = time.monotonic()
    query = select(*COLUMNS).where(LedgerEvent.seq <= ledger.seq, *ledger.kept)
    while rows := session.connection().execute(query.where(LedgerEvent.seq > after)
                                               .order_by(LedgerEvent.seq).limit(CHUNK)).all():
        batch = [(_event(row), Record(row.topic, row.partition, row.offset, b"")) for row in rows]
        applied += _apply(session, model, batch, ledger.claim_since)
        read, after = read + len(rows), rows[-1].seq
        session.expunge_all()  # what the chunk loaded is written: keep memory flat
        if len(rows) == CHUNK and time.monotonic() - reported >= PROGRESS_SECONDS:
            progress(Progress(model.name, read, max(ledger.total, read), time.monotonic() - started))
            reported = time.monotonic()
    return applied, read


def _serialise(session: Session, name: str) -> None:
    """One rebuild of ``name`` at a time across processes (PostgreSQL; SQLite writes one at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"tillit.replay.{name}"})


def _tracked(session: Session, name: str) -> bool:
    return bool(session.scalar(select(exists().where(ConsumerPosition.consumer == name))))


def fill_if_new(st: EngagementState, model: ReadModel, stopping: threading.Event | None = None) -> int:
    """Before a read model's consumer starts: a read model with no tracking record (one that an
    upgrade added) while the ledger holds events is built from the ledger, not from the bus, which
    on a cluster with time-based retention no longer holds the old events. While the database is
    away or not upgraded yet (``db upgrade`` running beside), it waits, as the consumer would.
    Answers the events applied."""
    if model.name == "ledger":
        return 0
    while True:
        try:
            if not _needs_filling(st, model):
                return 0
            logger.warning("read model %s has no tracking record and the ledger holds events: building it "
                           "from the ledger before it consumes", model.name)
            return rebuild(st, model, only_if_new=True)
        except DBAPIError as exc:
            if stopping is None or not (is_connection_error(exc) or isinstance(exc, ProgrammingError)):
                raise
            logger.warning("%s: database unavailable or not upgraded at start; waiting (%s)", model.name,
                           exc.orig or exc)
            if stopping.wait(RETRY_SECONDS):
                return 0


def _needs_filling(st: EngagementState, model: ReadModel) -> bool:
    with Session(st.engine) as session:
        return not _tracked(session, model.name) and session.scalar(select(exists().where(LedgerEvent.seq > 0))) is True


def _apply(session: Session, model: ReadModel, batch: list[tuple[Event, Record]],
           claim_since: datetime | None = None) -> int:
    """Claim and apply ``batch`` in savepoints, bisecting out and dead-lettering the records the
    read model refuses, as the live consumer does. Answers how many events were applied. Events
    received before ``claim_since`` are applied unclaimed (the ledger holds each id once)."""
    def claim_and_apply(run: Sequence[tuple[Event, Record]]) -> int:
        wanted = [(event, record) for event, record in run if model.wants(event)]
        recent = [event.id for event, _ in wanted if _recent(event, claim_since)]
        claimed = model.claim(session, recent)  # as the runner does
        kept = [(event, record) for event, record in wanted if event.id in claimed or not _recent(event, claim_since)]
        model.apply(session, kept)
        return len(kept)

    return settle_in_savepoints(session, batch, claim_and_apply,
                                lambda item, reason: _dead_letter(session, model.name, *item, reason),
                                lambda exc: isinstance(exc, DBAPIError) and is_connection_error(exc))[1]


def _dead_letter(session: Session, consumer: str, event: Event, record: Record, reason: str) -> None:
    known = session.scalar(select(exists().where(DeadLetter.consumer == consumer, DeadLetter.event_id == event.id)))
    if known:
        return
    logger.error("%s: replay dead-letters %s: %s", consumer, event.id, reason)
    session.add(DeadLetter(consumer=consumer, topic=record.topic, partition=record.partition, offset=record.offset,
                           event_id=event.id, reason=reason[:2000], payload=event.to_wire().decode()[:20000]))


def _recent(event: Event, since: datetime | None) -> bool:
    """Received since ``since`` (naive UTC), or no bound: such an event is claimed."""
    return since is None or event.received_at is None or event.received_at.replace(tzinfo=None) >= since


def _event(row) -> Event:
    """A ledger row as the event it recorded (its JSON data as text, parsed here by orjson)."""
    return made(Event, {"id": row.event_id, "type": row.type, "actor": row.actor,
                        "target": made(Target, {"kind": row.target_kind, "id": row.target_id,
                                                "owner": row.target_owner}),
                        "time": row.occurred_at.replace(tzinfo=UTC), "source": row.source,
                        "schema_version": row.schema_version,
                        "data": parse_json(row.data) if row.data else {},
                        "received_at": row.received_at.replace(tzinfo=UTC) if row.received_at else None,
                        "submitted_by": row.submitted_by})
