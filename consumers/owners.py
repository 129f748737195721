"""Who owns a target: an authority says so, never the sender's ``target.owner`` claim.

The authorities, in the log's order (all events on one target share a partition, so every
read model and every replay meets them in the same order):

* a person owns themselves (the directory's person ids);
* the author of the first ``content.published`` or ``idea.submitted`` on a target owns it;
* an event sent with an API key (the intranet's back end) states its target's owner.

The first statement on a target wins and never changes. A claim from a user token states
nothing: until an authority speaks, the target's owner is unknown ("") and the event credits
nobody; the read model keeps what waits and credits the owner once it is known, so the answer
does not depend on which arrived first.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from engagement.events import Event, Target, utc_naive
from engagement.models import OwnerWaiting, TargetOwner

AUTHORING = frozenset({"content.published", "idea.submitted"})


def stated_owner(event: Event) -> str | None:
    """The owner this event is an authority for, or None if it only claims one."""
    target = event.target
    if target.kind == "person":
        return target.id
    if event.type in AUTHORING:
        return event.actor
    if not event.submitted_by.startswith("user:"):
        return target.owner
    return None


def known_owners(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Owners any read model has learned for these (kind, id) keys (they all learn the same)."""
    if not keys:
        return {}
    rows = session.execute(select(TargetOwner.target_kind, TargetOwner.target_id, TargetOwner.owner).where(
        tuple_(TargetOwner.target_kind, TargetOwner.target_id).in_(list(keys))))
    return {(kind, target_id): owner for kind, target_id, owner in rows}


class Owners:
    """One read model's owners for one batch: loaded in one query, learned in the batch's order."""

    def __init__(self, session: Session, model: str, events: list[Event]):
        self.session, self.model = session, model
        keys = {(e.target.kind, e.target.id) for e in events if e.target.kind != "person"}
        self.known: dict[tuple[str, str], str] = {}
        if keys:
            self.known = {(r.target_kind, r.target_id): r.owner for r in session.scalars(select(TargetOwner).where(
                TargetOwner.model == model, tuple_(TargetOwner.target_kind, TargetOwner.target_id).in_(list(keys))))}

    def resolve(self, event: Event) -> tuple[Event, str | None]:
        """The event with its target's authoritative owner ("" while none is known), and the owner
        this very event taught (None if it taught nothing new)."""
        target = event.target
        learned = None
        if target.kind == "person":
            owner = target.id
        else:
            owner = self.known.get((target.kind, target.id))
            if owner is None and (owner := stated_owner(event)) is not None:
                learned = self.known[(target.kind, target.id)] = owner
                self.session.add(TargetOwner(model=self.model, target_kind=target.kind, target_id=target.id,
                                             owner=owner, event_id=event.id))
        if owner != target.owner:
            event = replace(event, target=Target(target.kind, target.id, owner or ""))
        return event, learned

    def wait(self, event: Event, kind: str) -> None:
        """Keep an event that would credit the (still unknown) owner of its target."""
        self.session.add(OwnerWaiting(model=self.model, event_id=event.id, target_kind=event.target.kind,
                                        target_id=event.target.id, actor=event.actor, kind=kind,
                                        at=utc_naive(event.time)))

    def take_waiting(self, target: Target) -> list[OwnerWaiting]:
        """What waited for this target's owner, oldest first; gone from the table once taken."""
        self.session.flush()
        where = (OwnerWaiting.model == self.model, OwnerWaiting.target_kind == target.kind,
                 OwnerWaiting.target_id == target.id)
        rows = list(self.session.scalars(select(OwnerWaiting).where(*where).order_by(OwnerWaiting.at,
                                                                                      OwnerWaiting.event_id)))
        self.session.execute(delete(OwnerWaiting).where(*where))
        return rows


def aware(moment: datetime) -> datetime:
    """A stored naive UTC time as an aware one (event times are aware)."""
    return moment.replace(tzinfo=timezone.utc)
