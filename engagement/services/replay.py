"""Rebuilding read models from the ledger (``engagement replay``).

Each read model is rebuilt in one transaction: readers see the old state or the
new, never half. Its tracking record is set to where the ledger stands, so its
live consumer (which notices the moved record) carries on from there.
"""
from __future__ import annotations

import logging
from datetime import timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consumers.base import ReadModel
from engagement.bus.base import Record
from engagement.events import Event, Target
from engagement.extension import EngagementState
from engagement.models import ConsumerPosition, LedgerEvent

logger = logging.getLogger(__name__)
CHUNK = 1000


def replay(st: EngagementState, names: list[str] | None = None) -> dict[str, int]:
    models = [st.read_model(n) for n in names] if names else st.read_models
    counts = {}
    for model in models:
        if model.name == "ledger":
            continue
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
            model.claim(session, [event.id for event, _ in batch])
            model.apply(session, batch)
            applied += len(batch)
            after = rows[-1].seq
        for topic, partition, last in session.execute(
                select(LedgerEvent.topic, LedgerEvent.partition, func.max(LedgerEvent.offset))
                .group_by(LedgerEvent.topic, LedgerEvent.partition)):
            session.add(ConsumerPosition(consumer=model.name, topic=topic, partition=partition,
                                         position=last))
    return applied


def _event(row: LedgerEvent) -> Event:
    return Event(id=row.event_id, type=row.type, actor=row.actor,
                 target=Target(row.target_kind, row.target_id, row.target_owner),
                 time=row.occurred_at.replace(tzinfo=timezone.utc), source=row.source,
                 schema_version=row.schema_version, data=row.data,
                 received_at=row.received_at.replace(tzinfo=timezone.utc) if row.received_at else None,
                 submitted_by=row.submitted_by)
