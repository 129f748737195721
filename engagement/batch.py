"""Small helpers over a polled batch of records, for the consumer runner."""
from __future__ import annotations

from collections import defaultdict

from engagement.bus.base import EventSource, Record
from engagement.events import DecodeError, Event
from engagement.models import DeadLetter


def read_again_from(source: EventSource, unsettled: list[Record]) -> None:
    """Seek each partition of ``unsettled`` back to just before its first record there."""
    first: dict[int, int] = {}
    for record in unsettled:
        first.setdefault(record.partition, record.offset)
    for partition, offset in first.items():
        source.seek(partition, offset - 1 if offset > 0 else None)


def last_offsets(records: list[Record]) -> dict[int, int]:
    last: dict[int, int] = defaultdict(int)
    for r in records:
        last[r.partition] = max(last.get(r.partition, r.offset), r.offset)
    return dict(last)


def first_of_each_id(batch: list[tuple[Event, Record]]) -> list[tuple[Event, Record]]:
    out, taken = [], set()
    for event, record in batch:
        if event.id not in taken:
            taken.add(event.id)
            out.append((event, record))
    return out


def dead_letter(consumer: str, record: Record, reason: str) -> DeadLetter:
    event_id = None
    try:
        event_id = Event.from_wire(record.value).id
    except DecodeError:
        pass
    return DeadLetter(consumer=consumer, topic=record.topic, partition=record.partition,
                      offset=record.offset, event_id=event_id, reason=reason[:2000],
                      payload=record.value.decode("utf-8", "replace")[:20000])
