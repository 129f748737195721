"""The one consumer loop every read model runs on: decode, dedupe, apply, track, commit.

Correctness rests on one database transaction per batch that holds the read
model's changes, the event ids it has seen, and the tracking record (the last
offset applied per partition). The broker's offsets are only a hint. So:

* a consumer killed mid-batch loses the whole transaction and re-reads the batch;
* a redelivered record (offset at or below the tracking record) is skipped;
* the same event id published twice is applied once (the read model claims ids);
* a second consumer that moved the tracking record under us (a rebalance race or a
  replay) is noticed by compare-and-set, and we seek back to the database's view.

A record that cannot be applied goes to the dead-letter table with the reason and
the stream goes on. A batch that fails is split inside its transaction with savepoints
(a binary search down to each bad record, engagement/batch.py), so k bad records among n
cost about k·log2(n) savepoints and one commit, not a transaction per record; if the
transaction itself fails, its halves get transactions of their own.
A batch also has a deadline (a share of the broker's poll interval): when it passes,
what was applied is committed, the rest is read again, and the consumer polls in time
to stay in its group however many records are refused.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engagement import metrics
from engagement.batch import dead_letter, first_of_each_id, last_offsets, read_again_from, settle_in_savepoints
from engagement.bus.base import EventBus, EventSource, Record
from engagement.consumers.base import ReadModel
from engagement.errors import is_connection_error
from engagement.events import DecodeError, Event
from engagement.ledger.model import ConsumerPosition
from engagement.schemas.events import SUPPORTED_VERSIONS

logger = logging.getLogger(__name__)
RETRY_PAUSE = 1.0


class PositionConflict(Exception):
    """Someone else moved our tracking record; our in-memory positions are stale."""


class ConsumerRunner:
    def __init__(self, model: ReadModel, bus: EventBus, engine: Engine, batch_size: int = 500,
                 group_prefix: str = "tillit", batch_seconds: float = float("inf"),
                 clock: Callable[[], float] = time.monotonic):
        self.model, self.bus, self.engine = model, bus, engine
        self.batch_size = max(batch_size, model.min_batch)
        self.batch_seconds, self.clock = batch_seconds, clock
        self.group = f"{group_prefix}.{model.name}"
        self.expected: dict[int, int | None] = {}
        self.stopping = threading.Event()

    # -- positions -------------------------------------------------------
    def tracked_positions(self, topic: str, partitions: list[int]) -> dict[int, int | None]:
        """Assignment listener: where the database says each partition stands."""
        with Session(self.engine) as session:
            rows = session.execute(select(ConsumerPosition.partition, ConsumerPosition.position).where(
                ConsumerPosition.consumer == self.model.name, ConsumerPosition.topic == topic,
                ConsumerPosition.partition.in_(partitions)))
            found = dict(rows.all())
        positions = {p: found.get(p) for p in partitions}
        self.expected.update(positions)
        return positions

    def assigned(self, topic: str, partitions: list[int]) -> dict[int, int | None]:
        """The Kafka assignment listener: the database's positions, or, while the database is
        away, none: the source then starts at the broker's committed offsets, which never pass
        what the database holds, and the tracking record skips what was applied already."""
        try:
            return self.tracked_positions(topic, partitions)
        except DBAPIError as exc:
            if not is_connection_error(exc):
                raise
            logger.warning("%s: database unavailable at assignment; starting from committed offsets",
                           self.model.name)
            for partition in partitions:
                self.expected.pop(partition, None)
            return {}

    # -- the loop --------------------------------------------------------
    def run(self) -> None:
        """Consume until ``stop()``; a clean stop finishes the batch in hand first."""
        spare_the_startup_heap()
        source = self.bus.source(self.group, self.assigned)
        logger.info("consumer %s started", self.model.name)
        try:
            while not self.stopping.is_set():
                records = source.poll(self.batch_size, 0.5)
                if records:
                    self.process(source, records)
        finally:
            source.close()
            logger.info("consumer %s stopped", self.model.name)

    def stop(self) -> None:
        self.stopping.set()

    def process(self, source: EventSource, records: list[Record]) -> None:
        try:
            settled = self._apply(records)
        except PositionConflict:
            logger.warning("%s: tracking record moved elsewhere; seeking back", self.model.name)
            self._seek_back(source, records)
            return
        except DBAPIError as exc:
            if not is_connection_error(exc):
                raise
            self._wait_for_database(source, records, exc)
            return
        if settled < len(records):
            logger.warning("%s: batch deadline passed after %d of %d records; polling again",
                           self.model.name, settled, len(records))
            read_again_from(source, records[settled:])
        if settled:
            source.commit(last_offsets(records[:settled]))

    def _apply(self, records: list[Record]) -> int:
        """Apply the batch; answer how many records (from the start) are settled, applied or
        dead-lettered: all of them unless the deadline passed. Conflicts and outages go up."""
        return self._settle(records, self.clock() + self.batch_seconds, progressed=False)

    def _settle(self, records: list[Record], deadline: float, progressed: bool) -> int:
        """The records in one transaction (which bisects a bad record out with savepoints); if
        the transaction itself fails, each half in its own, dead-lettering a record that fails
        alone. Once something was settled, a passed deadline stops here: every call progresses."""
        if progressed and self.clock() >= deadline:
            return 0
        try:
            return self._apply_in_one_transaction(records, deadline, progressed)
        except Exception as exc:  # noqa: BLE001 - a bad record or a handler bug must not stop the stream
            if _read_again(exc):
                raise
            if len(records) == 1:
                self._dead_letter_alone(records[0], f"{type(exc).__name__}: {exc}")
                return 1
            logger.info("%s: a batch of %d failed (%s); bisecting", self.model.name, len(records), exc)
        middle = len(records) // 2
        left = self._settle(records[:middle], deadline, progressed)
        if left < middle:
            return left
        return middle + self._settle(records[middle:], deadline, True)

    def _apply_in_one_transaction(self, records: list[Record], deadline: float = float("inf"),
                                  progressed: bool = False) -> int:
        """One transaction: the read model's changes, the claimed ids, the dead letters and the
        tracking record up to the last settled record. Answers how many records it settled."""
        with Session(self.engine) as session, session.begin():
            rows, done = self._lock_positions(session, records)
            fresh = [r for r in records if _after(r, done)]
            settled, applied = self._settle_fresh(session, fresh, deadline, progressed)
            cut = len(records) if settled == len(fresh) else records.index(fresh[settled])
            if cut:
                self._write_positions(session, rows, records[:cut])
        if cut:
            self._record_progress(records[:cut], applied)
        return cut

    def _settle_fresh(self, session: Session, records: list[Record], deadline: float,
                      progressed: bool) -> tuple[int, int]:
        """Apply the records in savepoints, bisecting bad ones out (``settle_in_savepoints``); a
        passed deadline stops after some progress. Answers (settled, applied)."""
        return settle_in_savepoints(
            session, records, lambda run: self._claim_and_apply(session, run),
            lambda record, reason: self._dead_letter_in(session, record, reason), _read_again,
            stop=lambda settled: bool(progressed or settled) and self.clock() >= deadline)

    def _claim_and_apply(self, session: Session, records: Sequence[Record]) -> int:
        # only what the model applies is claimed: a claim of a type it skips would hold a row for
        # nothing (three of seven read models skip a like)
        batch = [pair for pair in first_of_each_id(self._decode(session, records)) if self.model.wants(pair[0])]
        if batch:
            claimed = self.model.claim(session, [event.id for event, _ in batch])
            batch = [(event, record) for event, record in batch if event.id in claimed]
        if batch:
            self.model.apply(session, batch)
        return len(batch)

    def _lock_positions(self, session: Session, records: list[Record]
                        ) -> tuple[dict[int, ConsumerPosition], dict[int, int | None]]:
        """Lock and compare-and-set check the tracking record of the batch's partitions."""
        partitions = list(last_offsets(records))
        rows = {row.partition: row for row in session.scalars(
            select(ConsumerPosition).where(
                ConsumerPosition.consumer == self.model.name, ConsumerPosition.topic == records[0].topic,
                ConsumerPosition.partition.in_(partitions)).with_for_update())}
        done = {p: (rows[p].position if p in rows else None) for p in partitions}
        for partition, stored in done.items():
            if stored != self.expected.get(partition, stored):
                raise PositionConflict(partition)
        return rows, done

    def _write_positions(self, session: Session, rows: dict[int, ConsumerPosition],
                         records: list[Record]) -> None:
        for partition, offset in last_offsets(records).items():
            row = rows.get(partition)
            if row is None:
                session.add(ConsumerPosition(consumer=self.model.name, topic=records[0].topic,
                                             partition=partition, position=offset))
            elif offset > row.position:
                row.position = offset

    def _advance_positions(self, session: Session, records: list[Record]) -> list[Record]:
        """Compare-and-set the tracking record; answer the records not applied before."""
        rows, done = self._lock_positions(session, records)
        self._write_positions(session, rows, records)
        return [r for r in records if _after(r, done)]

    def _decode(self, session: Session, records: Sequence[Record]) -> list[tuple[Event, Record]]:
        batch = []
        for record in records:
            try:
                event = Event.from_wire(record.value)
                if event.schema_version not in SUPPORTED_VERSIONS:
                    raise DecodeError(f"unsupported schema_version {event.schema_version}")
                batch.append((event, record))
            except DecodeError as exc:
                session.add(dead_letter(self.model.name, record, str(exc)))
                metrics.DEAD_LETTERS.labels(self.model.name).inc()
        return batch

    def _dead_letter_in(self, session: Session, record: Record, reason: str) -> None:
        logger.error("%s: dead-lettering %s/%d@%d: %s", self.model.name, record.topic,
                     record.partition, record.offset, reason)
        session.add(dead_letter(self.model.name, record, reason))
        metrics.DEAD_LETTERS.labels(self.model.name).inc()

    def _dead_letter_alone(self, record: Record, reason: str) -> None:
        logger.error("%s: dead-lettering %s/%d@%d: %s", self.model.name, record.topic,
                     record.partition, record.offset, reason)
        with Session(self.engine) as session, session.begin():
            if not self._advance_positions(session, [record]):
                return
            session.add(dead_letter(self.model.name, record, reason))
        metrics.DEAD_LETTERS.labels(self.model.name).inc()
        self.expected[record.partition] = record.offset

    def _record_progress(self, records: list[Record], applied: int) -> None:
        for partition, offset in last_offsets(records).items():
            if offset > (self.expected.get(partition) or -1):
                self.expected[partition] = offset
        metrics.EVENTS_APPLIED.labels(self.model.name).inc(applied)

    def _wait_for_database(self, source: EventSource, records: list[Record], exc: DBAPIError) -> None:
        """The database is away (restarting, failing over): nothing of the batch was kept, so
        wait until it answers, then read the batch again from where it says we stand."""
        logger.warning("%s: database unavailable; waiting (%s)", self.model.name, exc.orig or exc)
        while not self.stopping.is_set():
            time.sleep(RETRY_PAUSE)
            try:
                self._seek_back(source, records)
            except DBAPIError as again:
                if not is_connection_error(again):
                    raise
                continue
            logger.warning("%s: database back; reading the batch again", self.model.name)
            return

    def _seek_back(self, source: EventSource, records: list[Record]) -> None:
        partitions = sorted({r.partition for r in records})
        for partition, position in self.tracked_positions(records[0].topic, partitions).items():
            source.seek(partition, position)


def spare_the_startup_heap() -> None:
    """Leave what the process holds by now (the app, its modules and mappings, hundreds of thousands
    of objects that live as long as it does) out of the garbage collector's full passes. A batch
    makes tens of thousands of short-lived objects, which set those passes off every few batches,
    and each walked the whole heap: a third of a catch-up's CPU went to it. Objects are still freed
    as ever when no longer referenced; only cycles among these would stay, and they live on anyway."""
    gc.freeze()


def _read_again(exc: Exception) -> bool:
    """Not the record's fault: another consumer moved our position, or the database is away."""
    return isinstance(exc, PositionConflict) or (isinstance(exc, DBAPIError) and is_connection_error(exc))


def _after(record: Record, done: dict[int, int | None]) -> bool:
    """Whether ``record`` comes after what the tracking record says its partition applied."""
    last = done[record.partition]
    return last is None or record.offset > last
