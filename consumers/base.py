"""What every read model looks like to the runner: a name, a handler table, a reset.

A read model applies events inside the runner's transaction and never commits on
its own: the runner writes the model's changes, the ids it has seen and the
tracking record together, so a crash anywhere leaves them consistent.
"""
from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engagement.bus.base import Record
from engagement.events import Event
from engagement.models import ProcessedEvent

Handler = Callable[[Session, Event], None]


class ReadModel:
    """Base for read models; subclasses set ``name``, ``handlers`` and ``tables``."""

    name: str = ""
    handlers: dict[str, Handler] = {}
    tables: tuple = ()

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        """Apply fresh (not yet seen) events in order; types without a handler are skipped."""
        for event, _record in batch:
            handler = self.handlers.get(event.type)
            if handler is not None:
                handler(session, event)

    def seen(self, session: Session, event_ids: Iterable[str]) -> set[str]:
        ids = list(event_ids)
        rows = session.execute(select(ProcessedEvent.event_id).where(
            ProcessedEvent.consumer == self.name, ProcessedEvent.event_id.in_(ids)))
        return {row[0] for row in rows}

    def remember(self, session: Session, event_ids: Iterable[str]) -> None:
        session.add_all(ProcessedEvent(consumer=self.name, event_id=i) for i in event_ids)

    def reset(self, session: Session) -> None:
        """Forget all state, before a replay from the ledger."""
        for table in self.tables:
            session.execute(delete(table))
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.consumer == self.name))
