"""Recognition counters: per target, per person (received, given, distinct colleagues).

Rules: one like per person per target, an unlike removes it, and of a
like and an unlike the later event time wins, so a retried like that arrives after
its unlike changes nothing. A Bra! counts once per person and subject (what it is about, or
the person it is given to; the earliest counts, see engagement/recognition/kudos.py), so repeating one
changes nothing. Self-likes and self-kudos show on the target but are never recognition. SQL holds the state; after each batch the touched counters are
written to Redis as absolute values, so a retried batch rewrites them and a cache
entry is never off by a retry.

Each batch loads its like states in one query and adds its counts in one upsert per table
(``BatchRows``): counter rows are never read first, so consumers of different partitions that
touch the same person or team never lose each other's additions.
"""
from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from engagement.recognition import kudos
from engagement.consumers.base import Deltas, ReadModel, is_older
from engagement.ownership.waiting import TEACHING, Owners
from engagement.locks import lock_keys
from engagement.bus.base import Record
from engagement.events import Event, Target, utc_naive
from engagement.recognition.model import LikeState, PersonRecognition, RecognitionPair, TargetStats
from engagement.directory.model import TeamRecognition
from engagement.directory.service import team_of, teams_at


LOCK_SPACE = 1  # advisory-lock space of this read model (engagement/locks.py)


class BatchRows:
    """A batch's like states, loaded up front, and what it adds to the counters."""

    def __init__(self, session: Session, events: list[Event], owners: Owners, firsts: kudos.FirstKudos):
        self.session, self.owners, self.kudos = session, owners, firsts
        likes = {(e.target.kind, e.target.id, e.actor) for e in events if e.type.startswith("like.")}
        people = {p for e in events for p in (e.actor, e.target.owner)}
        self.likes = _load(session, LikeState, (LikeState.target_kind, LikeState.target_id, LikeState.person), likes)
        self.memberships = teams_at(session, (people | self.kudos.recipients) - {""})
        self.targets = Deltas(TargetStats, ("target_kind", "target_id"), ("likes", "comments", "kudos"))
        self.people = Deltas(PersonRecognition, ("person", "kind"), ("received", "given"))
        self.pairs = Deltas(RecognitionPair, ("person", "colleague"), ("active",))
        self.teams = Deltas(TeamRecognition, ("team_id", "kind"), ("received", "given"))

    def target(self, kind: str, target_id: str, owner: str) -> dict[str, int]:
        return self.targets.at((kind, target_id), owner=owner)

    def person(self, person: str, kind: str) -> dict[str, int]:
        return self.people.at((person, kind))

    def pair(self, person: str, colleague: str) -> dict[str, int]:
        return self.pairs.at((person, colleague))

    def team(self, person: str, moment: datetime, kind: str) -> dict[str, int] | None:
        """What the batch adds to the team ``person`` was in at ``moment`` (None if in none)."""
        team_id = team_of(self.memberships, person, moment)
        return None if team_id is None else self.teams.at((team_id, kind))

    def write(self) -> None:
        for deltas in (self.targets, self.people, self.pairs, self.teams):
            deltas.write(self.session)

    @property
    def touched_targets(self) -> set[tuple[str, str]]:
        return set(self.targets)

    @property
    def touched_people(self) -> set[str]:
        return {person for person, _kind in self.people}

    def add(self, row):
        self.session.add(row)
        return row


def _load(session: Session, model, columns: tuple, keys: set[tuple]) -> dict[tuple, object]:
    if not keys:
        return {}
    rows = session.scalars(select(model).where(tuple_(*columns).in_(list(keys))))
    return {tuple(getattr(row, c.key) for c in columns): row for row in rows}


def _about(event: Event) -> tuple[str, str] | None:
    about = event.data.get("about") if event.type == "kudos.given" else None
    if not about:
        return None
    kind, _, target_id = about.partition(":")
    return kind, target_id


class Recognition(ReadModel):
    name = "recognition"
    tables = (LikeState, TargetStats, PersonRecognition, RecognitionPair, TeamRecognition)

    def __init__(self, cache=None):
        self.cache = cache
        self.handlers = {"like.added": partial(like_changed, liked=True),
                         "like.removed": partial(like_changed, liked=False),
                         "comment.posted": partial(counted, kind="comment"),
                         "kudos.given": kudos_given}

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        raw = [event for event, _ in batch if event.type in self.handlers or event.type in TEACHING
               or not event.submitted_by.startswith("user:")]
        owners = Owners(session, self.name, raw)
        resolved = owners.resolved
        events = [event for event, _ in resolved]
        self._standing = _liked_on(session, owners.learned)
        waiting = {p for likes in self._standing.values() for p in likes} \
            | {w.actor for rows in owners.waiting.values() for w in rows}
        firsts = kudos.FirstKudos(session, self.name, events)  # locks its givers first, always
        lock_keys(session, LOCK_SPACE, {f"p:{p}" for e in events for p in (e.actor, e.target.owner) if p}
                  | {f"p:{p}" for p in waiting | firsts.recipients} | {f"t:person:{p}" for p in firsts.recipients}
                  | {f"t:{e.target.kind}:{e.target.id}" for e in events}
                  | {f"t:{a[0]}:{a[1]}" for e in events if (a := _about(e))})
        rows = BatchRows(session, events, owners, firsts)
        for event, taught in resolved:
            for target in taught:
                credit_waiting(rows, target, self._standing.get((target.kind, target.id), {}))
            if event.type in self.handlers:
                self.handlers[event.type](rows, event)
        session.flush()
        rows.write()
        taught = [{"target_kind": t.kind, "target_id": t.id, "owner": t.owner} for _, ts in resolved for t in ts]
        if taught:  # rows made before their owner was known (credit_waiting made sure each row exists)
            session.execute(update(TargetStats), taught)
        if self.cache is not None:
            self.cache.store(session, rows.touched_targets, rows.touched_people)

    def reset(self, session: Session) -> None:
        super().reset(session)
        kudos.forget(session, self.name)
        if self.cache is not None:
            self.cache.clear()


def like_changed(rows: BatchRows, event: Event, liked: bool) -> None:
    t = event.target
    state = rows.likes.get((t.kind, t.id, event.actor))
    moment = utc_naive(event.time)
    if state is not None and is_older(state, moment, event.id):
        return  # an older event than the one that set the current state
    was_liked = state.liked if state is not None else False
    credited_at = state.changed_at if was_liked else moment  # an unlike takes back the like's credit
    if state is None:
        rows.likes[(t.kind, t.id, event.actor)] = rows.add(LikeState(
            target_kind=t.kind, target_id=t.id, person=event.actor, liked=liked, changed_at=moment,
            event_id=event.id))
    else:
        state.liked, state.changed_at, state.event_id = liked, moment, event.id
    if not t.owner:
        rows.owners.hold_like(event, rows.likes[(t.kind, t.id, event.actor)])
    if was_liked != liked:
        _count(rows, event, "like", 1 if liked else -1, credited_at)


def counted(rows: BatchRows, event: Event, kind: str) -> None:
    _count(rows, event, kind, 1, utc_naive(event.time))


def kudos_given(rows: BatchRows, event: Event) -> None:
    """A person's Bra! counts once per subject, like a like: a repeated one changes nothing, and
    an earlier one arriving late takes the place of the one counted so far (engagement/recognition/kudos.py),
    so forty from one colleague neither make a page's button say 40 nor their author's count."""
    counts, displaced = rows.kudos.take(event)
    if displaced is not None:
        _kudos(rows, displaced.as_event(), -1)
    if counts:
        _kudos(rows, event, 1)


def _kudos(rows: BatchRows, event: Event, delta: int) -> None:
    """Kudos go to the person; a Bra! about some content is also counted on that content."""
    _count(rows, event, "kudos", delta, utc_naive(event.time))
    about = _about(event)
    if about:  # the content's owner is whoever an authority says, not the person praised
        rows.target(about[0], about[1], rows.owners.known.get(about, ""))["kudos"] += delta


def _count(rows: BatchRows, event: Event, kind: str, delta: int, moment: datetime) -> None:
    """Count on the target at once; credit people only once an authority named its owner (a
    like waits in its like state, anything else in the waiting table)."""
    t = event.target
    rows.target(t.kind, t.id, t.owner)[{"like": "likes", "comment": "comments", "kudos": "kudos"}[kind]] += delta
    if t.owner:
        _credit(rows, t.owner, event.actor, kind, delta, moment)
    elif kind != "like":
        rows.owners.wait(event, kind)


def _credit(rows: BatchRows, owner: str, actor: str, kind: str, delta: int, moment: datetime) -> None:
    """What one like, comment or Bra! from ``actor`` is worth to the owner: never to oneself."""
    if actor == owner:
        return
    rows.person(owner, kind)["received"] += delta
    rows.person(actor, kind)["given"] += delta
    rows.pair(owner, actor)["active"] += delta
    for person, side in ((owner, "received"), (actor, "given")):
        team = rows.team(person, moment, kind)
        if team is not None:
            team[side] += delta


def _liked_on(session: Session, targets: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, LikeState]]:
    """The likes standing on targets whose owner this batch learns, by target and liker (one query)."""
    out: dict[tuple[str, str], dict[str, LikeState]] = {}
    if targets:
        for state in session.scalars(select(LikeState).where(
                tuple_(LikeState.target_kind, LikeState.target_id).in_(list(targets)), LikeState.liked.is_(True))):
            out.setdefault((state.target_kind, state.target_id), {})[state.person] = state
    return out


def credit_waiting(rows: BatchRows, target: Target, stored: dict[str, LikeState]) -> None:
    """An authority has just named the target's owner: credit the likes standing on it and the
    comments that waited, as of their own times (so the result is as if it had been known)."""
    rows.target(target.kind, target.id, target.owner)["owner"] = target.owner
    likes = [(person, state.changed_at) for person, state in rows.owners.standing_likes(target, stored)]
    waiting = [(w.actor, w.kind, w.at) for w in rows.owners.take_waiting(target)]
    rows.memberships.update(teams_at(rows.session, {a for a, *_ in likes + waiting} - set(rows.memberships)))
    for person, moment in likes:
        _credit(rows, target.owner, person, "like", 1, moment)
    for actor, kind, moment in waiting:
        _credit(rows, target.owner, actor, kind, 1, moment)
