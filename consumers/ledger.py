"""The ledger: every event once, as a SQL row. Every other read model is rebuilt from it."""
from __future__ import annotations

import json
from typing import Any

import orjson
from psycopg.errors import UniqueViolation
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
        self.rows: list[list] = []

    def write(self) -> None:
        if not self.rows:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            _copy_into_ledger(self.session, self.rows)
        else:
            self.session.execute(insert_ignoring_duplicates(self.session, LedgerEvent),
                                 [dict(zip(_COLUMNS, row, strict=True)) for row in self.rows])


def append(rows: LedgerRows, event: Event) -> None:
    record = rows.records[event.id]
    assert record is not None, "the ledger keeps each event's place in the log"
    rows.rows.append(_row(event, record, utcnow()))


class Ledger(ReadModel[LedgerRows]):
    """Appends in bulk; its unique event id is its own dedupe, so it keeps no list of applied ids."""

    name = "ledger"
    tables = ()  # never reset: the ledger is what replay reads
    # It only appends, one COPY per batch: larger batches spread each transaction's round trips
    # (lock, savepoints, COPY, tracking record, commit) over more events.
    min_batch = 2000
    handlers = {event_type: append for event_type in EventType}

    def handler(self, event: Event) -> Handler[LedgerRows] | None:
        """Every event, of a type this version knows or not: replay reads what the log held."""
        return append

    def begin(self, session: Session, batch: Pairs) -> LedgerRows:
        return LedgerRows(session, batch)

    def apply(self, session: Session, batch: Pairs) -> None:
        """Every event becomes a row, with nothing to load, lock, park or release: the rows are
        made straight from the batch (the dispatch loop per event would cost as much as the
        decoding) and written in one go."""
        rows, now = LedgerRows(session, ()), utcnow()
        for event, record in batch:
            assert record is not None, "the ledger keeps each event's place in the log"
            rows.rows.append(_row(event, record, now))
        rows.write()

    def claim(self, session: Session, event_ids: list[str]) -> set[str]:
        """Everything is fresh here: the insert itself skips ids the ledger already holds."""
        return set(event_ids)


_COLUMNS = ("event_id", "type", "schema_version", "actor", "target_kind", "target_id", "target_owner",
            "occurred_at", "received_at", "recorded_at", "source", "submitted_by", "data", "topic",
            "partition", "offset")
# What the client sends in binary COPY; the server reads each with its column's own type (the JSON
# column's binary form is its text, so ``data`` goes as text).
_TYPES = ("text", "text", "int4", "text", "text", "text", "text", "timestamp", "timestamp", "timestamp",
          "text", "text", "text", "text", "int4", "int8")
_QUOTED = ", ".join(f'"{c}"' for c in _COLUMNS)


_DATA = _COLUMNS.index("data")


def _row(event: Event, record: Record, now: Any) -> list:
    """The ledger row in ``_COLUMNS`` order, as COPY takes it."""
    target = event.target
    return [event.id, event.type, event.schema_version, event.actor, target.kind, target.id, target.owner,
            utc_naive(event.time), utc_naive(event.received_at) if event.received_at else None, now,
            event.source, event.submitted_by, event.data, record.topic, record.partition, record.offset]


def _json_text(data: dict) -> str:
    try:
        return orjson.dumps(data).decode()
    except TypeError:  # what orjson does not write (integers past 64 bits); json.dumps does
        return json.dumps(data, ensure_ascii=False)


def _copy_into_ledger(session: Session, rows: list[list]) -> None:
    """PostgreSQL: binary COPY straight into the ledger, in a savepoint. An id the ledger holds
    already (a client sent the same event twice) fails the COPY: then the batch goes through a
    per-connection staging table and one INSERT ... ON CONFLICT DO NOTHING. Either way inside the
    runner's transaction; the direct COPY is the common case and does half the server's work."""
    for row in rows:
        row[_DATA] = _json_text(row[_DATA])
    try:
        with session.begin_nested():  # the savepoint is made when the session hands out its connection
            _copy(_cursor(session), "engagement_ledger", rows)
    except UniqueViolation:
        cursor = _cursor(session)
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS engagement_ledger_stage "
                       "(LIKE engagement_ledger INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        _copy(cursor, "engagement_ledger_stage", rows)
        cursor.execute(f"INSERT INTO engagement_ledger ({_QUOTED}) SELECT {_QUOTED} "
                       "FROM engagement_ledger_stage ON CONFLICT (event_id) DO NOTHING")
        cursor.execute("TRUNCATE engagement_ledger_stage")


def _cursor(session: Session) -> Any:
    return session.connection().connection.cursor()


def _copy(cursor: Any, table: str, rows: list[list]) -> None:
    with cursor.copy(f"COPY {table} ({_QUOTED}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_TYPES)
        for row in rows:
            copy.write_row(row)
