"""Recognition counters: per target, per person (received, given, distinct colleagues).

Rules (PRODUCT.md): one like per person per target, an unlike removes it, and of a
like and an unlike the later event time wins, so a retried like that arrives after
its unlike changes nothing. Self-likes and self-kudos show on the target but are
never recognition. SQL holds the state; after each batch the touched counters are
written to Redis as absolute values, so a retried batch rewrites them and a cache
entry is never off by a retry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from sqlalchemy.orm import Session

from consumers.base import ReadModel
from engagement.bus.base import Record
from engagement.events import Event, utc_naive
from engagement.models import LikeState, PersonRecognition, RecognitionPair, TargetStats



@dataclass
class Touched:
    """What a batch changed, so only those cache entries are rewritten."""

    targets: set[tuple[str, str]] = field(default_factory=set)
    people: set[str] = field(default_factory=set)


class Recognition(ReadModel):
    name = "recognition"
    tables = (LikeState, TargetStats, PersonRecognition, RecognitionPair)

    def __init__(self, cache=None):
        self.cache = cache
        self.handlers = {"like.added": partial(like_changed, liked=True),
                         "like.removed": partial(like_changed, liked=False),
                         "comment.posted": partial(counted, kind="comment"),
                         "kudos.given": kudos_given}

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        touched = Touched()
        for event, _record in batch:
            handler = self.handlers.get(event.type)
            if handler is not None:
                handler(session, event, touched)
        session.flush()
        if self.cache is not None:
            self.cache.store(session, touched.targets, touched.people)

    def reset(self, session: Session) -> None:
        super().reset(session)
        if self.cache is not None:
            self.cache.clear()


def like_changed(session: Session, event: Event, touched: Touched, liked: bool) -> None:
    t = event.target
    state = session.get(LikeState, (t.kind, t.id, event.actor))
    moment = utc_naive(event.time)
    if state is not None and (state.changed_at, state.event_id) >= (moment, event.id):
        return  # an older event than the one that set the current state
    was_liked = state.liked if state is not None else False
    if state is None:
        session.add(LikeState(target_kind=t.kind, target_id=t.id, person=event.actor, liked=liked,
                              changed_at=moment, event_id=event.id))
    else:
        state.liked, state.changed_at, state.event_id = liked, moment, event.id
    if was_liked != liked:
        _count(session, event, touched, "like", 1 if liked else -1)


def counted(session: Session, event: Event, touched: Touched, kind: str) -> None:
    _count(session, event, touched, kind, 1)


def kudos_given(session: Session, event: Event, touched: Touched) -> None:
    """Kudos go to the person; a Bra! about some content is also counted on that content."""
    _count(session, event, touched, "kudos", 1)
    about = event.data.get("about")
    if about:
        kind, _, target_id = about.partition(":")
        _target_stats(session, kind, target_id, event.target.owner).kudos += 1
        touched.targets.add((kind, target_id))


def _target_stats(session: Session, kind: str, target_id: str, owner: str) -> TargetStats:
    stats = session.get(TargetStats, (kind, target_id))
    if stats is None:
        stats = TargetStats(target_kind=kind, target_id=target_id, owner=owner, likes=0, comments=0, kudos=0)
        session.add(stats)
    return stats


def _count(session: Session, event: Event, touched: Touched, kind: str, delta: int) -> None:
    t = event.target
    stats = _target_stats(session, t.kind, t.id, t.owner)
    column = {"like": "likes", "comment": "comments", "kudos": "kudos"}[kind]
    setattr(stats, column, getattr(stats, column) + delta)
    touched.targets.add((t.kind, t.id))
    if event.actor != t.owner:
        _recognise(session, t.owner, event.actor, kind, delta)
        touched.people.update((t.owner, event.actor))


def _recognise(session: Session, person: str, colleague: str, kind: str, delta: int) -> None:
    _person_row(session, person, kind).received += delta
    _person_row(session, colleague, kind).given += delta
    pair = session.get(RecognitionPair, (person, colleague))
    if pair is None:
        pair = RecognitionPair(person=person, colleague=colleague, active=0)
        session.add(pair)
    pair.active += delta


def _person_row(session: Session, person: str, kind: str) -> PersonRecognition:
    row = session.get(PersonRecognition, (person, kind))
    if row is None:
        row = PersonRecognition(person=person, kind=kind, received=0, given=0)
        session.add(row)
    return row
