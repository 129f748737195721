"""What every read model looks like to the runner: a name, a handler table, a reset.

A read model applies events inside the runner's transaction and never commits on
its own: the runner writes the model's changes, the ids it has seen and the
tracking record together, so a crash anywhere leaves them consistent.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engagement import parking
from engagement.bus.base import Record
from engagement.events import Event
from engagement.ownership.model import OwnerWaiting, TargetOwner
from engagement.ledger.model import ProcessedEvent

Handler = Callable[[Session, Event], None]


def is_older(state, moment: datetime, event_id: str) -> bool:
    """Of a like and an unlike the later event time wins (ties by id): is this event older than
    the one that set ``state`` (anything with ``changed_at`` and ``event_id``)?"""
    return (state.changed_at, state.event_id) >= (moment, event_id)


def insert_or_update(session: Session, model: type):
    """An INSERT that can say ON CONFLICT, for the two databases Tillit runs on."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"Tillit supports PostgreSQL and SQLite, not {dialect}")


def insert_ignoring_duplicates(session: Session, model: type):
    """INSERT ... ON CONFLICT DO NOTHING."""
    return insert_or_update(session, model).on_conflict_do_nothing()


class Deltas(dict):
    """What a batch adds to counter rows, keyed by their primary key; written in one upsert that
    adds to what is there, in key order, so no row is read first and none is lost to another
    consumer writing the same row."""

    def __init__(self, model, keys: tuple[str, ...], counters: tuple[str, ...]):
        super().__init__()
        self.model, self.keys, self.counters = model, keys, counters

    def at(self, key: tuple, **fixed) -> dict[str, int]:
        if key not in self:
            self[key] = {**dict.fromkeys(self.counters, 0), **fixed}
        return self[key]

    def write(self, session: Session, returning: bool = False) -> dict[tuple, tuple]:
        """Add the deltas; with ``returning``, answer each row's counters as they now stand (the
        row stays locked to commit, so another consumer's change comes before or after, never in
        between)."""
        if not self:
            return {}
        statement = insert_or_update(session, self.model)
        statement = statement.on_conflict_do_update(index_elements=list(self.keys), set_={
            c: getattr(self.model, c) + getattr(statement.excluded, c) for c in self.counters})
        rows = [{**dict(zip(self.keys, key)), **values} for key, values in sorted(self.items())]
        if not returning:
            session.execute(statement, rows)
            return {}
        statement = statement.returning(*(getattr(self.model, c) for c in self.keys + self.counters))
        width = len(self.keys)
        return {tuple(row[:width]): tuple(row[width:]) for row in session.execute(statement, rows)}


def forget_owners(session: Session, model: str) -> None:
    """Before a replay: the model learns every target's owner again from the log."""
    session.execute(delete(TargetOwner).where(TargetOwner.model == model))
    session.execute(delete(OwnerWaiting).where(OwnerWaiting.model == model))


class ReadModel:
    """Base for read models; subclasses set ``name``, ``handlers`` and ``tables``."""

    name: str = ""
    handlers: dict[str, Handler] = {}
    tables: tuple = ()
    # Whether a replay after retention pruned the ledger still gives the full answer.
    survives_retention: bool = False

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        """Apply fresh (not yet seen) events in order; types without a handler are skipped. An
        event that builds on one not applied yet is parked, and applied when that one is."""
        provided: set[str] = set()
        for event, _record in batch:
            self.apply_one(session, event, provided)
        self.release(session, provided)

    def apply_one(self, session: Session, event: Event, provided: set[str]) -> None:
        handler = self.handlers.get(event.type)
        if handler is None:
            return
        try:
            handler(session, event)
        except parking.Missing as missing:
            parking.park(session, self.name, missing.key, event)
            return
        key = self.provides(event)
        if key is not None:
            provided.add(key)

    def release(self, session: Session, keys: set[str]) -> None:
        """Apply what waited for ``keys``; those may provide keys others wait for in turn."""
        while keys:
            waiting, keys = parking.take(session, self.name, keys), set()
            for event in waiting:
                self.apply_one(session, event, keys)

    def provides(self, event: Event) -> str | None:
        """The key (``idea:i-1``) this event makes known, that later events may build on."""
        return None

    def claim(self, session: Session, event_ids: list[str]) -> set[str]:
        """Record the ids as applied and answer those that were not already: one statement,
        no read-then-write, so it is exact under concurrency and fast on a large table."""
        rows = [{"consumer": self.name, "event_id": i} for i in event_ids]
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
