"""Small helpers over a polled batch of records, for the consumer runner."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from engagement.bus.base import EventSource, Record
from engagement.events import DecodeError, Event
from engagement.ledger.model import DeadLetter

Item = TypeVar("Item")


def settle_in_savepoints(session: Session, items: Sequence[Item], apply: Callable[[Sequence[Item]], int],
                         refuse: Callable[[Item, str], None], read_again: Callable[[Exception], bool],
                         stop: Callable[[int], bool] = lambda settled: False) -> tuple[int, int]:
    """Apply ``items`` in savepoints, a run at a time, all of them first. A run that fails holds a
    bad item: the first half of what is left of it is tried next, a binary search down to the bad
    item, which is refused alone. The run after a refusal is as long as the stretch since the one
    before (all that is left after the first), and a run that applies doubles the next. So k bad
    items among n cost about k·log2(n) savepoints, close together about one each, and the
    transaction around still commits once. ``read_again`` errors (not the item's fault) go up;
    ``stop(settled)`` ends early. Answers (items settled, events ``apply`` counted)."""
    settled, applied, size = 0, 0, len(items)
    holds_bad: int | None = None  # the end of the last run that failed: a bad item lies before it
    refused_at: int | None = None
    while settled < len(items) and not stop(settled):
        run = items[settled:settled + size]
        try:
            with session.begin_nested():
                applied += apply(run)
        except Exception as exc:  # noqa: BLE001 - a bad item or a handler bug must not stop the stream
            if read_again(exc):
                raise
            if len(run) > 1:
                holds_bad, size = settled + len(run), len(run) // 2
                continue
            refuse(run[0], f"{type(exc).__name__}: {exc}")
            size = len(items) if refused_at is None else settled - refused_at
            refused_at, settled, holds_bad = settled, settled + 1, None
            continue
        settled += len(run)
        if holds_bad is not None and settled < holds_bad:
            size = max((holds_bad - settled) // 2, 1)
        else:
            holds_bad, size = None, size * 2
    return settled, applied


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
