"""What every read model looks like to the runner, and the one loop that applies a batch.

A read model is a handler table ``{EventType.X: handler}`` of small functions over one batch's
rows (the policy shape: a function per event type), and a :class:`Batch` that loads what the
handlers read and writes what they changed. The loop is the base's, so every read model runs it
alike: keep the events the table handles, take the batch's lock keys, load its rows in a few
queries, dispatch each event in memory (parking what builds on an event not applied yet), and
write each table once. Batch-first, so a batch of 500 costs a few statements, not 500 round trips.

A read model applies events inside the runner's transaction and never commits on its own: the
runner writes the model's changes, the ids it has seen and the tracking record together, so a
crash anywhere leaves them consistent.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engagement import parking
from engagement.bus.base import Record
from engagement.db import utcnow
from engagement.events import Event, EventType, Target
from engagement.ledger.model import LedgerEvent, ProcessedEvent
from engagement.locks import lock_keys
from engagement.ownership.model import OwnerWaiting, TargetOwner


def insert_or_update(session: Session, model: Any) -> Any:
    """An INSERT that can say ON CONFLICT, for the two databases Tillit runs on."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"Tillit supports PostgreSQL and SQLite, not {dialect}")


def insert_ignoring_duplicates(session: Session, model: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING."""
    return insert_or_update(session, model).on_conflict_do_nothing()


CLAIM_ARRAY = text(f"INSERT INTO {ProcessedEvent.__tablename__} (consumer, event_id, claimed_at) "
                   "SELECT :consumer, i, :now FROM unnest(CAST(:ids AS text[])) AS i "
                   "ON CONFLICT DO NOTHING RETURNING event_id")


class Deltas(dict):
    """What a batch adds to counter rows, keyed by their primary key; written in one upsert that
    adds to what is there, in key order, so no row is read first and none is lost to another
    consumer writing the same row."""

    def __init__(self, model: Any, keys: tuple[str, ...], counters: tuple[str, ...]):
        super().__init__()
        self.model, self.key_columns, self.counters = model, keys, counters
        self.zero = dict.fromkeys(counters, 0)

    def at(self, key: tuple, **fixed: Any) -> dict[str, Any]:
        row = self.get(key)
        if row is None:
            row = self[key] = {**self.zero, **fixed} if fixed else self.zero.copy()
        return row

    def write(self, session: Session, returning: bool = False) -> dict[tuple, tuple]:
        """Add the deltas; with ``returning``, answer each row's counters as they now stand (the
        row stays locked to commit, so another consumer's change comes before or after, never in
        between)."""
        if not self:
            return {}
        statement = insert_or_update(session, self.model)
        statement = statement.on_conflict_do_update(index_elements=list(self.key_columns), set_={
            c: getattr(self.model, c) + getattr(statement.excluded, c) for c in self.counters})
        rows = [{**dict(zip(self.key_columns, key, strict=True)), **values} for key, values in sorted(self.items())]
        if not returning:
            session.execute(statement, rows)
            return {}
        statement = statement.returning(*(getattr(self.model, c) for c in self.key_columns + self.counters))
        width = len(self.key_columns)
        return {tuple(row[:width]): tuple(row[width:]) for row in session.execute(statement, rows)}


Pairs: TypeAlias = Sequence[tuple[Event, Record | None]]  # a batch's events, each with its place in the log


class Batch:
    """One batch's working set. A read model's subclass loads in :meth:`load` (after the model's
    locks) what its handlers read, keeps in memory what they change, and writes it in :meth:`write`.
    Construction runs before those locks: it reads only what names the lock keys (owners, counted
    Bra!s), and takes only locks that must always come first (engagement/recognition/kudos.py)."""

    session: Session
    events: list[Event]
    records: dict[str, Record | None]  # by event id: where each event sits in the log

    def __init__(self, session: Session, batch: Pairs):
        self.session = session
        self.events = [event for event, _ in batch]
        self.records = {event.id: record for event, record in batch}

    def lock_keys(self) -> set[str]:
        """The keys other consumers of this read model may touch too (engagement/locks.py)."""
        return set()

    def load(self) -> None:
        """Read what the handlers need, in a few queries."""

    def ordered(self) -> Iterable[tuple[Event, Sequence[Target]]]:
        """The events in order, each with the targets whose owner it teaches (none here)."""
        return ((event, ()) for event in self.events)

    def write(self) -> None:
        """Write what the handlers changed, each table once."""


B = TypeVar("B", bound=Batch)
# A handler applies one event to the batch's rows; mypy holds every table entry to this shape.
Handler: TypeAlias = Callable[[B, Event], None]


class ReadModel(Generic[B]):
    """Base for read models; subclasses set ``name``, ``tables``, ``handlers`` and :meth:`begin`."""

    name: str = ""
    tables: tuple = ()
    handlers: Mapping[EventType, Handler[B]]
    lock_space: int | None = None  # advisory-lock space of the model's rows (engagement/locks.py)
    # Whether a replay after retention pruned the ledger still gives the full answer.
    survives_retention: bool = False
    # Fewest events a batch may hold (the runner takes the larger of this and its own setting).
    min_batch: int = 0

    def begin(self, session: Session, batch: Pairs) -> B:
        """The batch's rows, not loaded yet."""
        raise NotImplementedError

    def handler(self, event: Event) -> Handler[B] | None:
        return self.handlers.get(event.type)  # type: ignore[call-overload]  # a str finds its StrEnum

    def wants(self, event: Event) -> bool:
        """Whether the batch keeps this event: by default, whether the table handles its type."""
        return self.handler(event) is not None

    def kept_rows(self) -> Any:
        """:meth:`wants` in SQL over the ledger, so a rebuild reads only what it keeps (a prefilter:
        each event is still asked), or None when it cannot be said in SQL. A read model that
        overrides ``wants`` overrides this too."""
        return LedgerEvent.type.in_(sorted(str(t) for t in self.handlers))

    def apply(self, session: Session, batch: Pairs) -> None:
        """Apply fresh (not yet seen) events in order; types without a handler are skipped. An
        event that builds on one not applied yet is parked, and applied when that one is."""
        kept = [(event, record) for event, record in batch if self.wants(event)]
        if not kept:
            return
        rows = self.begin(session, kept)
        if self.lock_space is not None:
            lock_keys(session, self.lock_space, rows.lock_keys())
        rows.load()
        provided: set[str] = set()
        with session.no_autoflush:
            for event, taught in rows.ordered():
                for target in taught:
                    self.owner_known(rows, target, event)
                self.apply_one(rows, event, provided)
            self.release(rows, provided)
        session.flush()
        rows.write()
        self.written(rows)

    def apply_one(self, rows: B, event: Event, provided: set[str]) -> None:
        handler = self.handler(event)
        if handler is None:
            return
        try:
            handler(rows, event)
        except parking.Missing as missing:
            parking.park(rows.session, self.name, missing.key, event)
            return
        key = self.provides(event)
        if key is not None:
            provided.add(key)

    def release(self, rows: B, keys: set[str]) -> None:
        """Apply what waited for ``keys``; those may provide keys others wait for in turn."""
        while keys:
            waiting, keys = parking.take(rows.session, self.name, keys), set()
            for event in waiting:
                self.apply_one(rows, event, keys)

    def provides(self, event: Event) -> str | None:
        """The key (``idea:i-1``) this event makes known, that later events may build on."""
        return None

    def owner_known(self, rows: B, target: Target, by: Event) -> None:
        """Event ``by`` has just named ``target``'s owner with authority (engagement/ownership/):
        credit its owner what waited for it (read models that wait for owners)."""

    def written(self, rows: B) -> None:
        """After the batch's rows are written: refresh what lives outside the database."""

    def claim(self, session: Session, event_ids: list[str]) -> set[str]:
        """Record the ids as applied and answer those that were not already: one statement,
        no read-then-write, so it is exact under concurrency and fast on a large table. The claim
        is kept ENGAGEMENT_DEDUP_DAYS from now (engagement/ledger/pruning.py)."""
        if not event_ids:
            return set()
        now = utcnow()
        if session.get_bind().dialect.name == "postgresql":  # the ids as one array: a statement with
            # a thousand parameters costs more to parse on every batch than to run
            return set(session.scalars(CLAIM_ARRAY, {"consumer": self.name, "ids": event_ids, "now": now}))
        rows = [{"consumer": self.name, "event_id": i, "claimed_at": now} for i in event_ids]
        statement = insert_ignoring_duplicates(session, ProcessedEvent).returning(ProcessedEvent.event_id)
        return set(session.scalars(statement, rows))

    def reset(self, session: Session) -> None:
        """Forget all state, before a replay from the ledger."""
        for table in self.tables:
            session.execute(delete(table))
        parking.forget(session, self.name)
        forget_owners(session, self.name)
        self.reset_claims(session)

    def reset_claims(self, session: Session) -> None:
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.consumer == self.name))


def forget_owners(session: Session, model: str) -> None:
    """Before a replay: the model learns every target's owner again from the log."""
    session.execute(delete(TargetOwner).where(TargetOwner.model == model))
    session.execute(delete(OwnerWaiting).where(OwnerWaiting.model == model))
