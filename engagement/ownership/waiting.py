"""One read model's view of who owns its targets (the rule: engagement/ownership/service.py).

Until an authority speaks, a target's owner is unknown ("") and an event on it credits
nobody; the read model keeps what waits and credits the owner once it is known, so the
answer does not depend on which arrived first.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import bulk
from engagement.bulk import where_keys
from engagement.events import Event, Target, made, utc_naive
from engagement.ownership.model import OwnerWaiting, TargetOwner
from engagement.ownership.service import AUTHORING, TEACHING, also_stated, stated_owner

__all__ = ["AUTHORING", "TEACHING", "Owners", "aware"]


class Owners:
    """One read model's owners for one batch, learned in the batch's order. Everything is loaded
    up front in a few queries (owners, and what waits on the targets the batch will teach), so a
    batch that teaches many owners costs no query per target."""

    def __init__(self, session: Session, model: str, events: list[Event], bulk: bool = False):
        self.session, self.model = session, model
        self.taught: list[dict[str, str]] | None = [] if bulk else None  # bulk: rows for write()
        keys = {(e.target.kind, e.target.id) for e in events if e.target.kind != "person"}
        keys |= {(kind, target_id) for e in events for kind, target_id, _ in also_stated(e)}
        self.known: dict[tuple[str, str], str] = {}
        if keys:
            columns = (TargetOwner.target_kind, TargetOwner.target_id)
            self.known = {(kind, target_id): owner for kind, target_id, owner in session.execute(where_keys(
                session, select(*columns, TargetOwner.owner).where(TargetOwner.model == model), columns, keys))}
        self.waiting: dict[tuple[str, str], list[OwnerWaiting]] = {}
        self.held_likes: dict[tuple[str, str], dict[str, Any]] = {}  # like states, by target and liker
        self.resolved = [self.resolve(event) for event in events]
        self.learned = {(t.kind, t.id) for _, taught in self.resolved for t in taught}
        if self.learned:
            columns = (OwnerWaiting.target_kind, OwnerWaiting.target_id)
            for row in session.scalars(where_keys(session, select(OwnerWaiting).where(OwnerWaiting.model == model),
                                                  columns, self.learned)):
                self.waiting.setdefault((row.target_kind, row.target_id), []).append(row)

    def resolve(self, event: Event) -> tuple[Event, list[Target]]:
        """The event with its target's authoritative owner ("" while none is known), and the targets
        whose owner this very event taught (with that owner)."""
        target = event.target
        owner = target.id if target.kind == "person" else self.known.get((target.kind, target.id))
        taught = []
        if owner is None and target.kind != "person" and (owner := stated_owner(event)) is not None:
            taught.append(self._learn(Target(target.kind, target.id, owner), event.id))
        for kind, target_id, stated in also_stated(event):
            if (kind, target_id) not in self.known:
                taught.append(self._learn(Target(kind, target_id, stated), event.id))
        if owner != target.owner:
            event = _with_owner(event, owner or "")
        return event, taught

    def _learn(self, target: Target, event_id: str) -> Target:
        self.known[(target.kind, target.id)] = target.owner
        row = {"model": self.model, "target_kind": target.kind, "target_id": target.id,
               "owner": target.owner, "event_id": event_id}
        if self.taught is None:
            self.session.add(TargetOwner(**row))
        else:
            self.taught.append(row)
        return target

    def write(self, writes: bulk.Writes | None = None) -> None:
        """In bulk: the owners this batch learned, in one statement (else the session adds them),
        or added to ``writes``."""
        if self.taught:
            if writes is None:
                bulk.write(self.session, TargetOwner, self.taught)
            else:
                writes.add(TargetOwner, self.taught)
            self.taught = []

    def wait(self, event: Event, kind: str) -> None:
        """Keep an event that would credit the (still unknown) owner of its target."""
        row = OwnerWaiting(model=self.model, event_id=event.id, target_kind=event.target.kind,
                           target_id=event.target.id, actor=event.actor, kind=kind, at=utc_naive(event.time))
        self.session.add(row)
        self.waiting.setdefault((event.target.kind, event.target.id), []).append(row)

    def hold_like(self, event: Event, state: Any) -> None:
        """A like state this batch changed while its target had no known owner."""
        self.held_likes.setdefault((event.target.kind, event.target.id), {})[event.actor] = state

    def standing_likes(self, target: Target, stored: dict[str, Any]) -> list[tuple[str, Any]]:
        """The likes standing on ``target`` now: ``stored`` (liked states from earlier batches, by
        liker) with what this batch changed, as (liker, state), by liker."""
        states = {**stored, **self.held_likes.pop((target.kind, target.id), {})}
        return sorted((liker, state) for liker, state in states.items() if state.liked and liker != target.owner)

    def take_waiting(self, target: Target) -> list[OwnerWaiting]:
        """What waited for this target's owner, oldest first; gone from the table once taken."""
        rows = self.waiting.pop((target.kind, target.id), [])
        for row in rows:
            if row in self.session.new:
                self.session.expunge(row)
            else:
                self.session.delete(row)
        return sorted(rows, key=lambda row: (row.at, row.event_id))


def _with_owner(event: Event, owner: str) -> Event:
    """``replace(event, target=Target(kind, id, owner))``, without the field-by-field ``__init__`` of
    two frozen dataclasses (engagement/events.py ``made``): a batch resolves every one of its events."""
    return made(Event, {**event.__dict__, "target": made(Target, {**event.target.__dict__, "owner": owner})})


def aware(moment: datetime) -> datetime:
    """A stored naive UTC time as an aware one (event times are aware)."""
    return moment.replace(tzinfo=UTC)
