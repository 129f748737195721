"""Events that arrive before the event they build on wait here instead of being lost.

An intranet back-filling history, a retry or a second sender can deliver an answer before
the idea it answers, or an edit before what it edits. Such an event is valid; it only
cannot be applied yet. A handler says so by raising :class:`Missing` with the key it waits
for (before it changed anything); the read model parks the event in the batch's
transaction, and when an event that provides that key is applied, the parked events for it
are applied in the same transaction. The runner claimed the event's id when it first came,
so a parked event is claimed once and applied once; a replay resets the parked events of
its read model together with its tables and parks again on the way.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engagement.events import Event
from engagement.ledger.model import ParkedEvent


class Missing(LookupError):
    """The event builds on something not applied yet; ``key`` names it (``idea:i-1``)."""

    def __init__(self, key: str, what: str):
        super().__init__(what)
        self.key = key


def park(session: Session, consumer: str, key: str, event: Event) -> None:
    session.add(ParkedEvent(consumer=consumer, event_id=event.id, waits_for=key,
                            payload=event.to_wire().decode()))


def take(session: Session, consumer: str, keys: Iterable[str]) -> list[Event]:
    """Remove and answer the events parked for any of ``keys``, in event-time order, so a live
    consumer and a replay apply them alike."""
    keys = sorted(set(keys))
    if not keys:
        return []
    session.flush()
    rows = list(session.scalars(select(ParkedEvent).where(ParkedEvent.consumer == consumer,
                                                          ParkedEvent.waits_for.in_(keys))))
    for row in rows:
        session.delete(row)
    session.flush()
    return sorted((Event.from_wire(row.payload.encode()) for row in rows), key=lambda e: (e.time, e.id))


def waiting(session: Session, consumer: str | None = None) -> dict[str, int]:
    """How many events each read model holds back, for the operator."""
    query = select(ParkedEvent.consumer, func.count()).group_by(ParkedEvent.consumer)
    if consumer is not None:
        query = query.where(ParkedEvent.consumer == consumer)
    return dict(session.execute(query).all())


def forget(session: Session, consumer: str) -> None:
    session.execute(delete(ParkedEvent).where(ParkedEvent.consumer == consumer))

