"""Consumer lag: published records each read model has not applied yet."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.ledger.model import ConsumerPosition
from engagement.state import EngagementState


def consumer_lag(st: EngagementState, ends: dict[int, int] | None = None) -> dict[str, int]:
    """Per read model, the records before ``ends`` (each partition's end; the bus's end now when
    None) that it has not applied yet."""
    ends = st.bus.end_offsets() if ends is None else ends
    first = getattr(st.bus, "first_offset", 0)
    with Session(st.engine) as session:
        rows = session.execute(select(ConsumerPosition.consumer, ConsumerPosition.partition,
                                      ConsumerPosition.position)
                               .where(ConsumerPosition.topic == st.bus.topic)).all()
    applied: dict[str, dict[int, int]] = {}
    for consumer, partition, position in rows:
        applied.setdefault(consumer, {})[partition] = position + 1
    return {model.name: sum(max(end - applied.get(model.name, {}).get(p, first), 0)
                            for p, end in ends.items())
            for model in st.read_models}
