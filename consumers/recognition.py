"""Recognition counters: per target, per person (received, given, distinct colleagues).

Rules: one like per person per target, an unlike removes it, and of a like and an unlike the
later event wins (consumers/likes.py), so a retried like that arrives after its unlike changes
nothing. A Bra! counts once per person and subject (the earliest counts, see
engagement/recognition/kudos.py), so repeating one changes nothing. Self-likes and self-kudos
show on the target but are never recognition. SQL holds the state; after each batch the touched
counters are written to Redis as absolute values, so a retried batch rewrites them and a cache
entry is never off by a retry.

Each batch loads its like states in one query and adds its counts in one upsert per table
(``Deltas``): counter rows are never read first, so consumers of different partitions that
touch the same person or team never lose each other's additions. Counters are added per row
key before writing, and a row whose deltas sum to zero is not written (a missing row reads as
zeros). Memberships come from engagement/directory/service.py ``teams_at``, which keeps those
it has read while the directory's version is unchanged: a committed move counts from the next batch.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engagement import bulk
from engagement.directory.model import TeamRecognition
from engagement.directory.service import team_of, teams_at
from engagement.events import Event, EventType, Target, utc_naive
from engagement.recognition.kudos import about
from engagement.recognition.model import LikeState, PersonRecognition, RecognitionPair, TargetStats

from .base import Pairs
from .likes import LikeTable
from .owned import BulkCounts, BulkDeltas, OwnedBatch, OwnedReadModel

LOCK_SPACE = 1  # advisory-lock space of this read model (engagement/locks.py)
LIKES = LikeTable(LikeState, ("target_kind", "target_id"), "person", lambda t: (t.kind, t.id))
COLUMNS = {"like": "likes", "comment": "comments", "kudos": "kudos"}


def _about(event: Event) -> tuple[str, str] | None:
    """The (kind, id) of the content a Bra! is about, if any."""
    ref = about(event)
    if not ref:
        return None
    kind, _, target_id = ref.partition(":")
    return kind, target_id


class RecognitionRows(OwnedBatch):
    """A batch's like states and memberships, loaded up front, and what it adds to the counters."""

    # Owners and like states as plain rows, one statement each (consumers/owned.py). The fault test's
    # extra like on a5 was its poison record (an actor of 300 characters) cut to fit by the bulk
    # statement's CAST and counted; engagement/bulk.py now casts to unbounded types, so it is refused.
    in_bulk = True

    def __init__(self, session: Session, batch: Pairs, model: str):
        super().__init__(session, batch, model, LIKES)
        self.targets = BulkDeltas(TargetStats, ("target_kind", "target_id"), ("likes", "comments", "kudos"),
                                  known=("owner",))
        self.people = BulkCounts(PersonRecognition, ("person", "kind"), ("received", "given"))  # [received, given]
        self.pairs = BulkCounts(RecognitionPair, ("person", "colleague"), ("active",))
        self.teams = BulkCounts(TeamRecognition, ("team_id", "kind"), ("received", "given"))
        self.memberships: dict[str, list] = {}

    def lock_keys(self) -> set[str]:
        events, recipients = self.events, self.kudos.recipients
        waiting = self.likes.standing_people | {w.actor for rows in self.owners.waiting.values() for w in rows}
        return ({f"p:{p}" for e in events for p in (e.actor, e.target.owner) if p}
                | {f"p:{p}" for p in waiting | recipients} | {f"t:person:{p}" for p in recipients}
                | {f"t:{e.target.kind}:{e.target.id}" for e in self.events}
                | {f"t:{a[0]}:{a[1]}" for e in events if (a := _about(e))})

    def load(self) -> None:
        """Like states, and the memberships of everyone the batch may credit (the standing likes and
        waiting events it may credit too), in one query each."""
        super().load()
        people = {p for e in self.events for p in (e.actor, e.target.owner)} | self.kudos.recipients
        people |= self.likes.standing_people | {w.actor for rows in self.owners.waiting.values() for w in rows}
        people.discard("")
        self.memberships = {**dict.fromkeys(people, []), **teams_at(self.session, people)}  # [] for none

    def target(self, kind: str, target_id: str, owner: str) -> dict[str, Any]:
        return self.targets.at((kind, target_id), owner=owner)

    def credit(self, owner: str, actor: str, kind: str, delta: int, moment: datetime) -> None:
        """``actor`` recognised ``owner`` (someone else): received, given, the pair, and the teams
        both were in at ``moment``."""
        self.people.row((owner, kind))[0] += delta
        self.people.row((actor, kind))[1] += delta
        self.pairs.row((owner, actor))[0] += delta
        memberships = self.memberships
        if (team_id := team_of(memberships, owner, moment)) is not None:
            self.teams.row((team_id, kind))[0] += delta
        if (team_id := team_of(memberships, actor, moment)) is not None:
            self.teams.row((team_id, kind))[1] += delta

    def write(self) -> None:
        """Every table in one statement (engagement/bulk.py). A target's row made before its owner
        was known takes the owner the batch learned (credit_waiting put it in the batch's row)."""
        writes = bulk.Writes(self.session)
        self.write_owned(writes)
        for deltas in (self.targets, self.people, self.pairs, self.teams):
            deltas.add_to(writes)
        writes.send()


class Recognition(OwnedReadModel[RecognitionRows]):
    name = "recognition"
    tables = (LikeState, TargetStats, PersonRecognition, RecognitionPair, TeamRecognition)
    lock_space = LOCK_SPACE

    def __init__(self, cache=None):
        self.cache = cache
        self.handlers = {EventType.LIKE_ADDED: like_changed, EventType.LIKE_REMOVED: like_changed,
                         EventType.COMMENT_POSTED: commented, EventType.KUDOS_GIVEN: kudos_given}

    def begin(self, session: Session, batch: Pairs) -> RecognitionRows:
        return RecognitionRows(session, batch, self.name)

    def owner_known(self, rows: RecognitionRows, target: Target, by: Event) -> None:
        credit_waiting(rows, target)

    def written(self, rows: RecognitionRows) -> None:
        if self.cache is not None:
            self.cache.store(rows.session, set(rows.targets), {person for person, _kind in rows.people})

    def reset(self, session: Session) -> None:
        super().reset(session)
        if self.cache is not None:
            self.cache.clear()


def like_changed(rows: RecognitionRows, event: Event) -> None:
    change = rows.likes.change(event)
    if change is None or change.liked == change.was_liked:
        return
    # an unlike takes back the like's credit, as of the like's time
    credited_at = change.since if change.was_liked and change.since else utc_naive(event.time)
    _count(rows, event, "like", 1 if change.liked else -1, credited_at)


def commented(rows: RecognitionRows, event: Event) -> None:
    _count(rows, event, "comment", 1, utc_naive(event.time))


def kudos_given(rows: RecognitionRows, event: Event) -> None:
    """A person's Bra! counts once per subject, like a like: a repeated one changes nothing, and
    an earlier one arriving late takes the place of the one counted so far (engagement/recognition/kudos.py),
    so forty from one colleague neither make a page's button say 40 nor their author's count."""
    counts, displaced = rows.kudos.take(event)
    if displaced is not None:
        _kudos(rows, displaced.as_event(), -1)
    if counts:
        _kudos(rows, event, 1)


def _kudos(rows: RecognitionRows, event: Event, delta: int) -> None:
    """Kudos go to the person; a Bra! about some content is also counted on that content."""
    _count(rows, event, "kudos", delta, utc_naive(event.time))
    about = _about(event)
    if about:  # the content's owner is whoever an authority says, not the person praised
        rows.target(about[0], about[1], rows.owners.known.get(about, ""))["kudos"] += delta


def _count(rows: RecognitionRows, event: Event, kind: str, delta: int, moment: datetime) -> None:
    """Count on the target at once; credit people only once an authority named its owner (a
    like waits in its like state, anything else in the waiting table)."""
    t = event.target
    rows.target(t.kind, t.id, t.owner)[COLUMNS[kind]] += delta
    if t.owner:
        _credit(rows, t.owner, event.actor, kind, delta, moment)
    elif kind != "like":
        rows.owners.wait(event, kind)


def _credit(rows: RecognitionRows, owner: str, actor: str, kind: str, delta: int, moment: datetime) -> None:
    """What one like, comment or Bra! from ``actor`` is worth to the owner: never to oneself."""
    if actor != owner:
        rows.credit(owner, actor, kind, delta, moment)


def credit_waiting(rows: RecognitionRows, target: Target) -> None:
    """An authority has just named the target's owner: credit the likes standing on it and the
    comments that waited, as of their own times (so the result is as if it had been known)."""
    rows.target(target.kind, target.id, target.owner)["owner"] = target.owner
    likes = [(person, state.changed_at) for person, state in rows.likes.standing(target)]
    waiting = [(w.actor, w.kind, w.at) for w in rows.owners.take_waiting(target)]
    unknown = {person for person, *_ in likes + waiting if person not in rows.memberships}
    if unknown:  # loaded up front (RecognitionRows.load); a safety net
        rows.memberships.update({**dict.fromkeys(unknown, []), **teams_at(rows.session, unknown)})
    for person, moment in likes:
        _credit(rows, target.owner, person, "like", 1, moment)
    for actor, kind, moment in waiting:
        _credit(rows, target.owner, actor, kind, 1, moment)
