"""The ledger: every event once, as a SQL row. Every other read model is rebuilt from it."""
from __future__ import annotations

import json

from sqlalchemy.orm import Session

from engagement.bus.base import Record
from engagement.db import utcnow
from engagement.events import Event, EventType, utc_naive
from engagement.ledger.model import LedgerEvent

from .base import Batch, Handler, Pairs, ReadModel, insert_ignoring_duplicates


class LedgerRows(Batch):
    """The batch's events as ledger rows, appended in one statement."""

    def __init__(self, session: Session, batch: Pairs):
        super().__init__(session, batch)
        self.rows: list[dict] = []

    def write(self) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            _copy_into_ledger(self.session, self.rows)
        else:
            self.session.execute(insert_ignoring_duplicates(self.session, LedgerEvent), self.rows)


def append(rows: LedgerRows, event: Event) -> None:
    record = rows.records[event.id]
    assert record is not None, "the ledger keeps each event's place in the log"
    rows.rows.append(_row(event, record))


class Ledger(ReadModel[LedgerRows]):
    """Appends in bulk; its unique event id is its own dedupe, so it keeps no list of applied ids."""

    name = "ledger"
    tables = ()  # never reset: the ledger is what replay reads
    handlers = {event_type: append for event_type in EventType}

    def handler(self, event: Event) -> Handler[LedgerRows] | None:
        """Every event, of a type this version knows or not: replay reads what the log held."""
        return append

    def begin(self, session: Session, batch: Pairs) -> LedgerRows:
        return LedgerRows(session, batch)

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


_COLUMNS = ("event_id", "type", "schema_version", "actor", "target_kind", "target_id", "target_owner",
            "occurred_at", "received_at", "recorded_at", "source", "submitted_by", "data", "topic",
            "partition", "offset")
_QUOTED = ", ".join(f'"{c}"' for c in _COLUMNS)


def _copy_into_ledger(session: Session, rows: list[dict]) -> None:
    """PostgreSQL: COPY the batch into a per-connection staging table, then one INSERT ... ON
    CONFLICT DO NOTHING. Twice as fast as executemany, inside the runner's transaction."""
    now = utcnow()
    cursor = session.connection().connection.cursor()
    cursor.execute("CREATE TEMP TABLE IF NOT EXISTS engagement_ledger_stage "
                   "(LIKE engagement_ledger INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    with cursor.copy(f"COPY engagement_ledger_stage ({_QUOTED}) FROM STDIN") as copy:
        for row in rows:
            row["recorded_at"], row["data"] = now, json.dumps(row["data"], ensure_ascii=False)
            copy.write_row([row[c] for c in _COLUMNS])
    cursor.execute(f"INSERT INTO engagement_ledger ({_QUOTED}) SELECT {_QUOTED} "
                   "FROM engagement_ledger_stage ON CONFLICT (event_id) DO NOTHING")
