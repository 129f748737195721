"""Who owns a target: an authority says so, never the sender's ``target.owner`` claim.

The authorities, in the log's order (all events on one target share a partition, so every
read model and every replay meets them in the same order):

* a person owns themselves (the directory's person ids);
* the author of the first ``content.published`` (sent by the intranet's back end, never a user
  token) or ``idea.submitted`` on a target owns it;
* the author of the first ``idea.contributed`` naming a contribution id owns that contribution;
* an event sent with an API key (the intranet's back end) states its target's owner.

The first statement on a target wins and never changes. A claim from a user token states
nothing. Ingest refuses claims that contradict an owner already known; the read models
(engagement/ownership/waiting.py) apply the same rule to whatever is in the log.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.orm import Session

from engagement.errors import FieldError, ValidationFailed
from engagement.events import Event
from engagement.ownership.model import TargetOwner

AUTHORING = frozenset({"content.published", "idea.submitted"})
TEACHING = AUTHORING | {"idea.contributed"}  # the types that state an owner from any sender


def stated_owner(event: Event) -> str | None:
    """The owner this event is an authority for, or None if it only claims one."""
    target = event.target
    if target.kind == "person":
        return target.id
    if event.type == "content.published" and event.submitted_by.startswith("user:"):
        return None  # ingest refuses these; one already in the log names nobody
    if event.type in AUTHORING:
        return event.actor
    if not event.submitted_by.startswith("user:"):
        return target.owner
    return None


def also_stated(event: Event) -> list[tuple[str, str, str]]:
    """Other targets an event is the authority for, as (kind, id, owner): a contribution to an idea
    is its author's, so likes on ``contribution:<id>`` credit them."""
    if event.type == "idea.contributed" and event.data.get("contribution_id"):
        return [("contribution", event.data["contribution_id"], event.actor)]
    return []


# Built once: every ingested event asks it, and building and compiling a tuple IN per request cost
# more than the query (one expanding parameter keeps the compiled form cached).
_KNOWN = select(TargetOwner.target_kind, TargetOwner.target_id, TargetOwner.owner).where(
    tuple_(TargetOwner.target_kind, TargetOwner.target_id).in_(bindparam("keys", expanding=True)))


def known_owners(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Owners the read models have learned for these (kind, id) keys (they all learn the same)."""
    if not keys:
        return {}
    rows = session.execute(_KNOWN, {"keys": list(keys)})
    return {(kind, target_id): owner for kind, target_id, owner in rows}


def refuse_contradicted_owners(session: Session, events: list[Event], batch: bool) -> None:
    """422 naming ``target.owner`` for every claim that contradicts the known owner (a statement
    earlier in the same batch counts too); the whole batch is refused, nothing is published."""
    keys = {(e.target.kind, e.target.id) for e in events if e.target.kind != "person"}
    keys |= {(kind, target_id) for e in events for kind, target_id, _ in also_stated(e)}
    known = known_owners(session, keys)
    errors = []
    for index, event in enumerate(events):
        key = (event.target.kind, event.target.id)
        owner = known.get(key)
        errors += _taken_contributions(event, known, index if batch else None)
        if owner is None:
            if (stated := stated_owner(event)) is not None and event.target.kind != "person":
                known[key] = stated
        elif owner != event.target.owner:
            errors.append(FieldError("target.owner", f"{key[0]}:{key[1]} belongs to {owner!r}; "
                                     "its owner cannot be claimed or changed.", index if batch else None))
    if errors:
        raise ValidationFailed(errors, f"{len(errors)} event(s) claim a target someone else owns; "
                                       "nothing was accepted.")


def _taken_contributions(event: Event, known: dict[tuple[str, str], str], index: int | None) -> list[FieldError]:
    """A contribution id is its first author's: another person naming it would be acknowledged
    and then dropped as the same contribution, so refuse it (422 naming the field) instead."""
    errors = []
    for kind, target_id, stated in also_stated(event):
        author = known.setdefault((kind, target_id), stated)
        if author != stated:
            errors.append(FieldError("data.contribution_id", f"{target_id} is {author!r}'s contribution; "
                                     "choose a new id.", index))
    return errors
