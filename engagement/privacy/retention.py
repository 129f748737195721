"""Retention: raw events older than ENGAGEMENT_RETENTION_DAYS leave the ledger once rolled up.

Only events every read model has applied are deleted (their offset is at or below every
tracking record), so nothing is lost to a read model that lags. The cut-off is the start
of a day in the organisation's time zone and is remembered as the horizon: from then on the
trust rollups before it and the frozen award snapshots are what replay starts from, and
a replay of a read model that cannot start from rollups is refused unless asked for.
On Kafka, set the topic's ``retention.ms`` no longer than the same number of days.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from engagement.events import utc_naive
from engagement.ledger.model import ConsumerPosition
from engagement.privacy.inventory import LEDGER_RETENTION, person_tables
from engagement.tables import Base
from engagement.trust.model import RetentionHorizon

if TYPE_CHECKING:
    from engagement.state import EngagementState

logger = logging.getLogger(__name__)


def cutoff(now: datetime, days: int, zone: str) -> datetime:
    """The start of the organisation's day ``days`` before ``now``, as naive UTC."""
    tz = ZoneInfo(zone)
    return utc_naive(datetime.combine((now.astimezone(tz) - timedelta(days=days)).date(), time.min, tz))


def applied_everywhere(session: Session, consumers: list[str]) -> dict[tuple[str, int], int]:
    """Per topic and partition, the last offset that every read model has applied."""
    seen: dict[tuple[str, int], dict[str, int]] = {}
    for consumer, topic, partition, position in session.execute(select(
            ConsumerPosition.consumer, ConsumerPosition.topic, ConsumerPosition.partition,
            ConsumerPosition.position).where(ConsumerPosition.consumer.in_(consumers))):
        seen.setdefault((topic, partition), {})[consumer] = position
    return {key: min(by.values()) for key, by in seen.items() if set(by) == set(consumers)}


def horizon(session: Session) -> datetime | None:
    return session.scalar(select(RetentionHorizon.horizon).where(RetentionHorizon.id == 1))


def _advance_horizon(session: Session, limit: datetime, count: int) -> None:
    row = session.get(RetentionHorizon, 1)
    if row is None:
        session.add(RetentionHorizon(id=1, horizon=limit, deleted=count))
    else:
        row.horizon, row.deleted = max(row.horizon, limit), row.deleted + count


def pruned() -> list[Table]:
    """The tables the inventory keeps for the ledger's retention: raw events, by topic and offset."""
    return [Base.metadata.tables[t.table] for t in person_tables() if t.retention == LEDGER_RETENTION]


def prune(st: EngagementState, now: datetime) -> dict:
    """Delete rolled-up raw events older than the retention; answer the cut-off and how many went."""
    days = st.config["ENGAGEMENT_RETENTION_DAYS"]
    if days is None:
        return {"retention": "off", "deleted": 0}
    limit = cutoff(now, days, st.config["ENGAGEMENT_TIMEZONE"])
    deleted: list[tuple[str, int]] = []
    with Session(st.engine) as session, session.begin():
        applied = applied_everywhere(session, [m.name for m in st.read_models])
        for table in pruned():
            for (topic, partition), position in applied.items():
                offsets = session.scalars(delete(table).where(
                    table.c.topic == topic, table.c.partition == partition, table.c.offset <= position,
                    table.c.occurred_at < limit).returning(table.c.offset)).all()
                deleted += [(topic, o) for o in offsets]
        if deleted:
            _advance_horizon(session, limit, len(deleted))
    forget = getattr(st.bus, "forget", None)
    if forget is not None:
        forget([offset for topic, offset in deleted if topic == st.config["ENGAGEMENT_KAFKA_TOPIC"]])
    logger.info("retention: deleted %d raw events before %s", len(deleted), limit)
    return {"retention": f"{days} days", "cutoff": limit.isoformat() + "Z", "deleted": len(deleted)}
