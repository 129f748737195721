"""Read models that credit a target's owner (recognition, awards, notifications) share one shape:
the batch learns owners in the log's order (engagement/ownership/waiting.py), keeps like states by
the one like rule (consumers/likes.py) and counts a Bra! once per giver and subject
(engagement/recognition/kudos.py). This is that shape, once.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import case, func, not_, or_
from sqlalchemy.orm import Session

from engagement import bulk
from engagement.events import Event, Target
from engagement.ledger.model import LedgerEvent
from engagement.ownership.waiting import TEACHING, Owners
from engagement.recognition import kudos

from .base import Batch, Deltas, Pairs, ReadModel
from .likes import Likes, LikeTable


class OwnedBatch(Batch):
    """A batch whose events carry their target's authoritative owner ("" while none is known).

    With ``in_bulk`` the owners it learns and the like states it changes are plain rows that
    :meth:`write_owned` writes in one statement each (the subclass's ``write`` calls it); without,
    they are ORM objects the session flushes, a statement per row."""

    in_bulk = True

    def __init__(self, session: Session, batch: Pairs, model: str,
                 likes: LikeTable):
        super().__init__(session, batch)
        self.owners = Owners(session, model, [event for event, _ in batch], bulk=self.in_bulk)
        self.events = [event for event, _ in self.owners.resolved]
        self.likes = Likes(session, likes, self.owners, bulk=self.in_bulk)
        self.kudos = kudos.FirstKudos(session, model, self.events)  # locks its givers first, always

    def load(self) -> None:
        self.likes.load(self.events)

    def write_owned(self, writes: bulk.Writes | None = None) -> None:
        """With ``in_bulk``: the owners learned and the like states changed, one statement each (or
        added to ``writes``, sent with the batch's other tables)."""
        self.owners.write(writes)
        self.likes.write(writes)

    def ordered(self) -> Iterable[tuple[Event, Sequence[Target]]]:
        return self.owners.resolved


OB = TypeVar("OB", bound=OwnedBatch)


class OwnedReadModel(ReadModel[OB]):
    """Keeps, besides the types it handles, every event that may teach an owner: any from the
    intranet's back end (an API key states its target's owner) and the authoring types."""

    def wants(self, event: Event) -> bool:
        return (self.handler(event) is not None or event.type in TEACHING
                or not event.submitted_by.startswith("user:"))

    def kept_rows(self) -> Any:
        return or_(super().kept_rows(), LedgerEvent.type.in_(sorted(TEACHING)),
                   not_(func.coalesce(LedgerEvent.submitted_by, "").startswith("user:")))

    def reset(self, session: Session) -> None:
        super().reset(session)
        kudos.forget(session, self.name)


class BulkDeltas(Deltas):
    """:class:`Deltas` written in one statement per table (engagement/bulk.py), not a statement
    per row. ``known`` columns (a target's owner) are fixed values that a row already stored takes
    only when the batch knows them (not ""): an owner, once known, is never unknown again."""

    def __init__(self, model: Any, keys: tuple[str, ...], counters: tuple[str, ...], known: tuple[str, ...] = ()):
        super().__init__(model, keys, counters)
        self.known = known
        self.update_key = (counters, known)  # what _update depends on (engagement/bulk.py caches by it)

    def write(self, session: Session, returning: bool = False) -> dict[tuple, tuple]:
        if not self:
            return {}
        rows = self._rows()
        columns = [getattr(self.model, c) for c in self.key_columns + self.counters] if returning else []
        result = bulk.write(session, self.model, rows, self.key_columns, self._update, columns)
        width = len(self.key_columns)
        return {tuple(row[:width]): tuple(row[width:]) for row in result} if returning else {}

    def add_to(self, writes: bulk.Writes) -> None:
        """Write with the batch's other tables (engagement/bulk.py ``Writes``), each row a list."""
        if not self:
            return
        counters = tuple(next(iter(self.values())))  # the counters, and fixed columns (``known``)
        names = self.key_columns + counters
        if len(self.key_columns) == 1:
            rows = [[key[0], *(values[c] for c in counters)] for key, values in sorted(self.items())]
        else:
            rows = [[*key, *(values[c] for c in counters)] for key, values in sorted(self.items())]
        writes.add_lists(self.model, names, rows, self.key_columns, self._update, self.update_key)

    def _rows(self) -> list[dict[str, Any]]:
        return [dict(zip(self.key_columns, key, strict=True), **values) for key, values in sorted(self.items())]

    def _update(self, table: Any, excluded: Any) -> dict[str, Any]:
        update = {c: getattr(table, c) + getattr(excluded, c) for c in self.counters}
        for c in self.known:
            update[c] = case((getattr(excluded, c) != "", getattr(excluded, c)), else_=getattr(table, c))
        return update


class BulkCounts(BulkDeltas):
    """:class:`BulkDeltas` whose rows are lists of their counters in the order of ``counters`` (a
    list per row, added to by position: a batch credits thousands, and a dict per row cost more
    than the rest of crediting). A row whose counters are all zero is not written: it adds nothing
    to a row that is there, and every reader takes a missing row for zeros."""

    def row(self, key: tuple) -> list[int]:
        row = self.get(key)
        if row is None:
            row = self[key] = [0] * len(self.counters)
        return row

    def add_to(self, writes: bulk.Writes) -> None:
        rows = [[*key, *values] for key, values in sorted(self.items()) if any(values)]
        writes.add_lists(self.model, self.key_columns + self.counters, rows, self.key_columns, self._update,
                         self.update_key)
