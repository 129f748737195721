"""The event bus seen by the rest of Tillit: publish durably, read as a consumer group.

Two implementations sit behind it: Kafka for production and an embedded log (a
SQLite file) for one machine. Both speak in ``Record`` s with a partition and an
offset, so the consumer runner is the same for both.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from engagement.events import Event

# Called by a source when it is given partitions; answers each partition's last
# applied offset (None: start from the beginning).
AssignmentListener = Callable[[str, list[int]], dict[int, int | None]]


class Record(NamedTuple):
    """One record of the log. A named tuple: a catch-up makes one per event, and a tuple is
    the cheapest immutable thing to make."""

    topic: str
    partition: int
    offset: int
    value: bytes


class EventSource(Protocol):
    topic: str

    def poll(self, max_records: int, timeout: float) -> list[Record]:
        """Up to ``max_records`` records, waiting at most ``timeout`` seconds for the first."""

    def seek(self, partition: int, last_applied: int | None) -> None:
        """Read ``partition`` again from just after ``last_applied`` (None: from the start)."""

    def commit(self, last_applied: dict[int, int]) -> None:
        """Tell the broker how far we got; advisory, the database's tracking record rules."""

    def close(self) -> None: ...


class EventBus(Protocol):
    topic: str

    def publish(self, events: Sequence[Event]) -> None:
        """Return only once every event is durable; raise BusUnavailable otherwise."""

    def source(self, group: str, on_assign: AssignmentListener) -> EventSource: ...

    def end_offsets(self) -> dict[int, int]:
        """Per partition, the offset the next published record will get (for consumer lag)."""

    def check(self) -> None:
        """Raise if the bus cannot be reached."""

    def close(self) -> None: ...
