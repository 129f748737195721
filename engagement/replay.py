"""Rebuilding read models from the ledger (``engagement replay``).

Each read model is rebuilt in one transaction: readers see the old state or the
new, never half. Its tracking record is set to where the ledger stands, so its
live consumer (which notices the moved record) carries on from there. A record the
read model refuses does not abort the rebuild: each chunk runs in a savepoint and a
failing one is bisected like the live consumer's batch; the refused record is
dead-lettered (once: what the live consumer dead-lettered already is not added again).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engagement.batch import settle_in_savepoints
from engagement.bus.base import Record
from engagement.consumers.base import ReadModel
from engagement.errors import is_connection_error
from engagement.events import Event, Target
from engagement.ledger.model import ConsumerPosition, DeadLetter, LedgerEvent
from engagement.privacy import retention
from engagement.state import EngagementState

logger = logging.getLogger(__name__)
CHUNK = 1000


class ReplayRefused(Exception):
    """The ledger was pruned by retention and this read model cannot start from rollups."""


def replay(st: EngagementState, names: list[str] | None = None, after_retention: bool = False) -> dict[str, int]:
    models = [m for m in ([st.read_model(n) for n in names] if names else st.read_models or []) if m.name != "ledger"]
    with Session(st.engine) as session:
        pruned = retention.horizon(session)
    lossy = [m.name for m in models if not m.survives_retention]
    if pruned is not None and lossy and not after_retention:
        raise ReplayRefused(f"raw events before {pruned:%Y-%m-%d} were deleted by retention, so replaying "
                            f"{', '.join(lossy)} would lose what they counted before then; pass "
                            f"--after-retention to rebuild them from what the ledger still holds")
    counts = {}
    for model in models:
        counts[model.name] = _rebuild(st, model)
        logger.info("replayed %d events into %s", counts[model.name], model.name)
    return counts


def _rebuild(st: EngagementState, model: ReadModel) -> int:
    applied = 0
    with Session(st.engine) as session, session.begin():
        model.reset(session)
        session.execute(delete(ConsumerPosition).where(ConsumerPosition.consumer == model.name))
        after = 0
        while True:
            rows = session.scalars(select(LedgerEvent).where(LedgerEvent.seq > after)
                                   .order_by(LedgerEvent.seq).limit(CHUNK)).all()
            if not rows:
                break
            batch = [(_event(row), Record(row.topic, row.partition, row.offset, b"")) for row in rows]
            applied += _apply(session, model, batch)
            after = rows[-1].seq
        for topic, partition, last in session.execute(
                select(LedgerEvent.topic, LedgerEvent.partition, func.max(LedgerEvent.offset))
                .group_by(LedgerEvent.topic, LedgerEvent.partition)):
            session.add(ConsumerPosition(consumer=model.name, topic=topic, partition=partition,
                                         position=last))
    return applied


def _apply(session: Session, model: ReadModel, batch: list[tuple[Event, Record]]) -> int:
    """Claim and apply ``batch`` in savepoints, bisecting out and dead-lettering the records the
    read model refuses, as the live consumer does. Answers how many events were applied."""
    def claim_and_apply(run: Sequence[tuple[Event, Record]]) -> int:
        claimed = model.claim(session, [event.id for event, _ in run])
        model.apply(session, [(event, record) for event, record in run if event.id in claimed])
        return len(claimed)

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


def _event(row: LedgerEvent) -> Event:
    return Event(id=row.event_id, type=row.type, actor=row.actor,
                 target=Target(row.target_kind, row.target_id, row.target_owner),
                 time=row.occurred_at.replace(tzinfo=UTC), source=row.source,
                 schema_version=row.schema_version, data=row.data,
                 received_at=row.received_at.replace(tzinfo=UTC) if row.received_at else None,
                 submitted_by=row.submitted_by)
