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
from engagement.services import retention

logger = logging.getLogger(__name__)
CHUNK = 1000


class ReplayRefused(Exception):
    """The ledger was pruned by retention and this read model cannot start from rollups."""


def replay(st: EngagementState, names: list[str] | None = None, after_retention: bool = False) -> dict[str, int]:
    models = [m for m in ([st.read_model(n) for n in names] if names else st.read_models) if m.name != "ledger"]
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
            claimed = model.claim(session, [event.id for event, _ in batch])
            model.apply(session, [(event, record) for event, record in batch if event.id in claimed])
            applied += len(claimed)
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
