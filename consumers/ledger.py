"""The ledger: every event once, as a SQL row. Every other read model is rebuilt from it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from consumers.base import ReadModel, insert_ignoring_duplicates
from engagement.bus.base import Record
from engagement.events import Event, utc_naive
from engagement.models import LedgerEvent


class Ledger(ReadModel):
    """Appends in bulk; its unique event id is its own dedupe, so it keeps no list of applied ids."""

    name = "ledger"
    tables = ()  # never reset: the ledger is what replay reads

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        session.execute(insert_ignoring_duplicates(session, LedgerEvent),
                        [_row(event, record) for event, record in batch])

    def claim(self, session: Session, event_ids: list[str]) -> set[str]:
        """Everything is fresh here: the insert itself skips ids the ledger already holds."""
        return set(event_ids)


def _row(event: Event, record: Record) -> dict:
    return {
        "event_id": event.id, "type": event.type, "schema_version": event.schema_version,
        "actor": event.actor, "target_kind": event.target.kind, "target_id": event.target.id,
        "target_owner": event.target.owner, "occurred_at": utc_naive(event.time),
        "received_at": utc_naive(event.received_at) if event.received_at else None,
        "source": event.source, "submitted_by": event.submitted_by, "data": event.data,
        "topic": record.topic, "partition": record.partition, "offset": record.offset,
    }
