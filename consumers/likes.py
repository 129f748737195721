"""The like rule, in one place for every read model that keeps likes (recognition, awards,
notifications): a person likes a target or not; of a like and an unlike the later event by
(time, id) wins, so an older one arriving late (a retried like after its unlike, a back-fill)
changes nothing. Each read model keeps its own like states (its ``LikeTable``), loaded per
batch in one query, and decides what a change is worth to it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import bulk
from engagement.bulk import where_keys
from engagement.events import Event, EventType, Target, utc_naive
from engagement.ownership.waiting import Owners

LIKES = (EventType.LIKE_ADDED, EventType.LIKE_REMOVED)
STATE = ("liked", "changed_at", "event_id")  # what a like or unlike sets on a like state


def is_older(state: Any, moment: datetime, event_id: str) -> bool:
    """Is the event at (``moment``, ``event_id``) older than the one that set ``state`` (anything
    with ``changed_at`` and ``event_id``)? Then it changes nothing."""
    return (state.changed_at, state.event_id) >= (moment, event_id)


def _as_offered(_table: Any, offered: Any) -> dict[str, Any]:
    """A stored like state takes the one offered (the like rule chose it in memory, under the lock)."""
    return {c: getattr(offered, c) for c in STATE}


@dataclass(frozen=True)
class LikeTable:
    """Where a read model keeps its like states: the columns naming the target, the column naming
    the person, and how a target reads as the values of its columns."""

    model: Any
    target_columns: tuple[str, ...]
    person_column: str
    target_key: Callable[[Target], tuple]

    def key(self, event: Event) -> tuple:
        return (*self.target_key(event.target), event.actor)

    def column(self, name: str) -> Any:
        return getattr(self.model, name)


@dataclass(frozen=True)
class Change:
    """What one like or unlike changed: the state now, and what it was before."""

    state: Any
    was_liked: bool
    since: datetime | None  # when the state it replaced was set (naive UTC), if any
    replaced: str | None  # the id of the event that set the state it replaced, if any

    @property
    def liked(self) -> bool:
        return bool(self.state.liked)

    @property
    def added(self) -> bool:
        return self.liked and not self.was_liked

    @property
    def removed(self) -> bool:
        return self.was_liked and not self.liked


class Likes:
    """One read model's like states for one batch: the states its likes touch and the liked
    states on targets whose owner the batch learns (credited once the owner is known)."""

    def __init__(self, session: Session, table: LikeTable, owners: Owners, bulk: bool = False):
        self.session, self.table, self.owners, self.bulk = session, table, owners, bulk
        self.states: dict[tuple, Any] = {}
        self.changed: dict[tuple, Any] = {}  # bulk: the states this batch changed, for write()
        self.stored: dict[tuple, dict[str, Any]] = {}
        learned = {table.target_key(Target(kind, target_id, "")) for kind, target_id in owners.learned}
        for state in self._select(table.target_columns, learned, table.column("liked").is_(True)):
            self.stored.setdefault(self._target_of(state), {})[getattr(state, table.person_column)] = state

    def load(self, events: list[Event]) -> None:
        """The states this batch's likes and unlikes touch, in one query."""
        keys = {self.table.key(e) for e in events if e.type in LIKES}
        columns = (*self.table.target_columns, self.table.person_column)
        self.states = {self._target_of(s) + (getattr(s, self.table.person_column),): s
                       for s in self._select(columns, keys)}

    def change(self, event: Event) -> Change | None:
        """Apply the like rule to a like or unlike; None if an older event than the state's."""
        key, moment, liked = self.table.key(event), utc_naive(event.time), event.type == EventType.LIKE_ADDED
        state = self.states.get(key)
        if state is not None and is_older(state, moment, event.id):
            return None
        if state is None:
            change = Change(self._new(key), False, None, None)
        else:
            change = Change(state, bool(state.liked), state.changed_at, state.event_id)
        change.state.liked, change.state.changed_at, change.state.event_id = liked, moment, event.id
        if self.bulk:
            self.changed[key] = change.state
        if not event.target.owner:
            self.owners.hold_like(event, change.state)
        return change

    @property
    def standing_people(self) -> set[str]:
        """Everyone whose like stands on a target whose owner this batch learns."""
        return {person for likes in self.stored.values() for person in likes}

    def standing(self, target: Target) -> list[tuple[str, Any]]:
        """The likes standing on ``target`` now that its owner is known, as (liker, state)."""
        return self.owners.standing_likes(target, self.stored.get(self.table.target_key(target), {}))

    def write(self, writes: bulk.Writes | None = None) -> None:
        """In bulk: the states this batch changed, in one upsert (else the session flushes them),
        or added to ``writes``."""
        if not self.changed:
            return
        columns = (*self.table.target_columns, self.table.person_column)
        rows = [[*key, state.liked, state.changed_at, state.event_id] for key, state in sorted(self.changed.items())]
        batch = writes or bulk.Writes(self.session)
        batch.add_lists(self.table.model, columns + STATE, rows, columns, _as_offered)
        if writes is None:
            batch.send()
        self.changed = {}

    def _new(self, key: tuple) -> Any:
        columns = (*self.table.target_columns, self.table.person_column)
        values = dict(zip(columns, key, strict=True))
        if self.bulk:
            state = self.states[key] = SimpleNamespace(**values, liked=False, changed_at=None, event_id=None)
        else:
            state = self.states[key] = self.table.model(**values)
            self.session.add(state)
        return state

    def _target_of(self, state: Any) -> tuple:
        return tuple(getattr(state, c) for c in self.table.target_columns)

    def _select(self, columns: tuple[str, ...], keys: set[tuple], *where: Any) -> list[Any]:
        if not keys:
            return []
        match = [self.table.column(c) for c in columns]
        if not self.bulk:
            return list(self.session.scalars(where_keys(self.session, select(self.table.model).where(*where),
                                                        match, keys)))
        table_columns = list(self.table.model.__table__.columns)
        names = [c.name for c in table_columns]
        statement = where_keys(self.session, select(*table_columns).where(*where), match, keys)
        return [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in self.session.execute(statement)]
