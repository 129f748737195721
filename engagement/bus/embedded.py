"""The embedded event bus: an append-only log in a SQLite file, one partition.

Publishing commits the batch to the log (WAL, ``synchronous=FULL``) before it
returns, so an event acknowledged to a client survives the process being killed.
Consumers in the same process are woken at once; consumers in other processes
(``engagement consume`` beside gunicorn) find new records by polling the file.
"""
from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from engagement.bus.base import AssignmentListener, Record
from engagement.errors import BusUnavailable
from engagement.events import Event

logger = logging.getLogger(__name__)
PARTITION = 0
CROSS_PROCESS_POLL = 0.1


class EmbeddedBus:
    first_offset = 1  # SQLite rowids start at 1

    def __init__(self, path: str | Path, topic: str):
        self.path = str(path)
        self.topic = topic
        self._local = threading.local()
        self._appended = threading.Condition()
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS log ("
                         "offset INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value BLOB NOT NULL)")

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    def publish(self, events: Sequence[Event]) -> None:
        rows = [(e.target.key, e.to_wire()) for e in events]
        with self._write("written") as conn:
            conn.executemany("INSERT INTO log (key, value) VALUES (?, ?)", rows)
        with self._appended:
            self._appended.notify_all()

    def read_after(self, offset: int, limit: int) -> list[Record]:
        rows = self._connection().execute(
            "SELECT offset, value FROM log WHERE offset > ? ORDER BY offset LIMIT ?", (offset, limit))
        return [Record(self.topic, PARTITION, row[0], row[1]) for row in rows]

    def wait_for_append(self, timeout: float) -> None:
        with self._appended:
            self._appended.wait(timeout)

    def source(self, group: str, on_assign: AssignmentListener) -> EmbeddedSource:
        return EmbeddedSource(self, on_assign)

    def end_offsets(self) -> dict[int, int]:
        row = self._connection().execute("SELECT COALESCE(MAX(offset), 0) FROM log").fetchone()
        return {PARTITION: row[0] + 1}

    def forget(self, offsets: list[int]) -> None:
        """Retention: remove raw events the ledger no longer keeps (every read model applied them)."""
        conn = self._connection()
        for start in range(0, len(offsets), 500):
            chunk = offsets[start:start + 500]
            conn.execute(f"DELETE FROM log WHERE offset IN ({','.join('?' * len(chunk))})", chunk)

    def rewrite(self, needle: str, change: Callable[[bytes], tuple[str, bytes] | None]) -> int:
        """Erasure: replace in place each raw event containing ``needle`` by what ``change`` makes
        of it (its key and bytes; None keeps it). Offsets stay, so every consumer's position stays
        valid, and one that has not read an event yet reads the rewritten form."""
        self._connection().execute("PRAGMA secure_delete=ON")  # old bytes are zeroed, not left in free pages
        with self._write("rewritten") as conn:
            rows = conn.execute("SELECT offset, value FROM log WHERE instr(value, ?) > 0", (needle.encode(),))
            changes = [(*changed, offset) for offset, value in rows.fetchall()
                       if (changed := change(bytes(value))) is not None]
            conn.executemany("UPDATE log SET key = ?, value = ? WHERE offset = ?", changes)
        self._scrub(conn)
        return len(changes)

    @contextlib.contextmanager
    def _write(self, what: str) -> Iterator[sqlite3.Connection]:
        """One write transaction on the log; a failure rolls it back and says the bus is away."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise BusUnavailable(f"the event log could not be {what}: {exc}") from exc

    @staticmethod
    def _scrub(conn: sqlite3.Connection) -> None:
        """After a rewrite: old bytes are not kept in the write-ahead log either (best effort: the
        log is already rewritten, and the next checkpoint does the same)."""
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA secure_delete=OFF")
        except sqlite3.Error as exc:
            logger.warning("event log rewritten; checkpoint deferred: %s", exc)

    def check(self) -> None:
        self._connection().execute("SELECT 1 FROM log LIMIT 1").fetchall()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class EmbeddedSource:
    """A reader of the log; the embedded bus has one partition, so one reader per read model."""

    def __init__(self, bus: EmbeddedBus, on_assign: AssignmentListener):
        self.bus = bus
        self.topic = bus.topic
        last = on_assign(bus.topic, [PARTITION]).get(PARTITION)
        self._after = last or 0

    def poll(self, max_records: int, timeout: float) -> list[Record]:
        deadline = time.monotonic() + timeout
        while True:
            records = self.bus.read_after(self._after, max_records)
            remaining = deadline - time.monotonic()
            if records or remaining <= 0:
                break
            self.bus.wait_for_append(min(remaining, CROSS_PROCESS_POLL))
        if records:
            self._after = records[-1].offset
        return records

    def seek(self, partition: int, last_applied: int | None) -> None:
        self._after = last_applied or 0

    def commit(self, last_applied: dict[int, int]) -> None:
        """Nothing to do: the tracking record in the database is the only position."""

    def close(self) -> None:
        self.bus.close()
