"""Monthly award credits: who contributed what, and who recognised whom, per month.

Months are the organisation's (``ENGAGEMENT_TIMEZONE``, Europe/Oslo by default, with its
daylight-saving changes), and a credit belongs to the month of its event's time, so a
late event still counts for its month until that month is finalised. Each credit adds to
its person's tallies (AwardTally, one upsert per batch), and each tally that changes moves
its person's summary (AwardSummary, one more upsert); after each batch the touched people's
scores are recomputed from their summary and few action and idea tallies (absolute values)
into SQL and Redis. Nothing reads a month's credits back, so a batch costs the same on the
1st of the month and the 30th. A like counts by the like rule (consumers/likes.py); a Bra!
credits once per giver and subject, like a like (engagement/recognition/kudos.py): a repeat
earns nothing, an earlier one arriving late takes the place of the one credited so far.
Batch-first: the handlers work on plain rows in memory, and each table is written once per
batch in one statement (engagement/awards/bulk.py), with no query per event.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.awards import bulk
from engagement.awards.model import AwardCredit, AwardIdea, AwardLike, AwardScore, AwardSummary, AwardTally
from engagement.awards.scoring import IDEA, SUMMARY_FIELDS, facets_of, summary_change
from engagement.bus.base import Record
from engagement.directory.service import team_of, teams_at
from engagement.events import Event, EventType, Target, utc_naive
from engagement.ownership.waiting import AUTHORING, aware

from .base import Deltas, Pairs
from .likes import LikeTable
from .owned import OwnedBatch, OwnedReadModel

IDEA_STATUS = (EventType.IDEA_ADOPTED, EventType.IDEA_ANSWERED)
RECOGNITION: dict[str, str] = {EventType.LIKE_ADDED: "like", EventType.COMMENT_POSTED: "comment",
                               EventType.KUDOS_GIVEN: "kudos"}
CONTRIBUTIONS = (EventType.CONTENT_PUBLISHED, EventType.IDEA_SUBMITTED, EventType.IDEA_CONTRIBUTED,
                 EventType.COMMENT_POSTED)
LIKES = LikeTable(AwardLike, ("ref",), "liker", lambda t: (t.key,))
Touched = set[tuple[str, str]]  # (month, person) whose score a batch changed
TALLY_KEYS = ("month", "person", "facet", "key")


class MonthsOf:
    """The organisation's month of a moment, from the UTC bounds of the months met so far: a batch
    asks for thousands of moments in the same few months, and each bound is found once (with the
    zone's daylight-saving changes, as ``astimezone`` has them) instead of converting every moment."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.bounds: list[tuple[datetime, datetime, str]] = []  # [start, end) in UTC, and the month

    def of(self, moment: datetime) -> str:
        for start, end, month in self.bounds:
            if start <= moment < end:
                return month
        local = moment.astimezone(self.zone)
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0, fold=0)
        following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
        self.bounds.append((first.astimezone(UTC), following.astimezone(UTC), local.strftime("%Y-%m")))
        return self.bounds[-1][2]


@dataclass(slots=True)
class CreditRow:
    """One AwardCredit as a batch holds it: a plain row, written with the batch's others in one
    statement (new ones inserted, stored ones that changed updated)."""

    event_id: str
    month: str
    person: str
    kind: str
    action: str
    colleague: str | None
    ref: str
    person_team: str | None
    colleague_team: str | None
    active: bool
    partition: int | None
    offset: int | None
    stored: bool = False  # in the table before this batch
    changed: bool = False  # stored, and changed by this batch


CREDIT_COLUMNS = tuple(f.name for f in fields(CreditRow))[:-2]


class AwardRows(OwnedBatch):
    """A batch's like states and earlier credits, loaded up front; rows made during the batch join
    them, so a like and its unlike in one batch find each other. What the credits add to the
    tallies is summed per row and written once."""

    # Owners and like states as plain rows, one statement each (consumers/owned.py). The fault test's
    # extra like on a5 was its poison record (an actor of 300 characters) cut to fit by the bulk
    # statement's CAST and counted; engagement/bulk.py now casts to unbounded types, so it is refused.
    in_bulk = True

    def __init__(self, session: Session, batch: Pairs, model: str,
                 zone: ZoneInfo):
        super().__init__(session, batch, model, LIKES)
        self.zone = zone
        self.tallies: Counter[tuple[str, str, str, str | None]] = Counter()  # (month, person, facet, key) -> delta
        self.months = MonthsOf(zone)
        self.credits: dict[str, CreditRow] = {}
        self.memberships: dict[str, list] = {}
        self.asked: set[str] = set()  # people whose memberships are loaded (some have none)
        self.touched: Touched = set()
        self.summaries: dict[tuple, tuple] = {}  # (month, person) -> SUMMARY_FIELDS, as the batch wrote them
        self.ideas: dict[str, bool] = {}  # idea id -> adopted, as this batch's statuses leave it
        self.developers: dict[str, set[tuple[str, str]]] = {}  # idea ref -> (month, person) counting it

    def load(self) -> None:
        """Everything the handlers read, in one query per table: memberships of everyone the
        batch may credit (also the likers and commenters waiting for an owner it learns), the
        credits it may take back or change, and the developers of the ideas it adopts or answers."""
        super().load()
        waiting = [w for ws in self.owners.waiting.values() for w in ws]
        self.teams({p for e in self.events for p in (e.actor, e.target.owner) if p}
                   | self.likes.standing_people | {w.actor for w in waiting})
        ids = [e.id for e in self.events] + [f"{e.id}:r" for e in self.events]
        ids += [f"{s.event_id}:r" for s in self.likes.states.values()]
        ids += [f"{row.event_id}:r" for row in self.kudos.rows.values()]
        ids += [w.event_id for w in waiting if w.kind == "contribution"]
        self.credits = {row[0]: _stored(CreditRow(*row)) for row in _stored_credits(self.session, set(ids))}
        self._load_developers()

    def _load_developers(self) -> None:
        """Who counts the ideas this batch adopts or answers (from earlier batches; this batch's
        own developers are touched as they are counted)."""
        refs = {f"idea:{e.target.id}" for e in self.events if e.type in IDEA_STATUS}
        if not refs:
            return
        tally = AwardTally
        for month, person, key in self.session.execute(select(tally.month, tally.person, tally.key).where(
                tally.facet == IDEA, bulk.among(self.session, tally.key, refs), tally.count > 0)):
            self.developers.setdefault(key, set()).add((month, person))

    def teams(self, people: set[str]) -> None:
        """Load the memberships of those not asked about yet (one query, or none)."""
        new = people - self.asked
        if new:
            self.asked |= new
            self.memberships.update(teams_at(self.session, new))

    def month(self, moment: datetime) -> str:
        return self.months.of(moment)

    def write(self) -> None:
        self.write_owned()
        self._write_credits()
        bulk.insert(self.session, AwardIdea, [{"idea_id": i, "adopted": a} for i, a in sorted(self.ideas.items())],
                    keys=("idea_id",), set_=("adopted",))
        # A tally the batch moved back where it was (a like and its unlike) changes nothing: not written.
        self._summarise(bulk.add_counts(self.session, AwardTally, TALLY_KEYS, ("count",),
                                        {key: (n,) for key, n in self.tallies.items() if n}, returning=True))

    def _write_credits(self) -> None:
        """New credits in one INSERT (a duplicate id is an error, as it should never be), the
        stored ones this batch changed in one more statement (rare: unlikes, displaced Bra!s)."""
        new = sorted((c for c in self.credits.values() if not c.stored), key=lambda c: c.event_id)
        changed = sorted((c for c in self.credits.values() if c.changed), key=lambda c: c.event_id)
        bulk.insert_columns(self.session, AwardCredit, _credit_columns(new))
        bulk.insert_columns(self.session, AwardCredit, _credit_columns(changed), keys=("event_id",),
                            set_=CREDIT_COLUMNS[1:])

    def _summarise(self, counts: dict[tuple, tuple]) -> None:
        """Move each touched person's summary by what their changed tallies did: the count each
        row holds now, less this batch's delta, is what it held before."""
        summaries = Deltas(AwardSummary, ("month", "person"), SUMMARY_FIELDS)
        for (month, person, facet, key), (now,) in counts.items():
            delta = self.tallies[(month, person, facet, key)]
            for field, change in summary_change(facet, now - delta, now).items():
                summaries.at((month, person))[field] += change
        # As they now stand, and locked to commit: rescoring these people needs not read them again.
        self.summaries = bulk.add_counts(self.session, AwardSummary, summaries.key_columns, summaries.counters,
                                         {key: tuple(values.values()) for key, values in summaries.items()},
                                         returning=True)


class Awards(OwnedReadModel[AwardRows]):
    name = "awards"
    tables = (AwardCredit, AwardLike, AwardIdea, AwardScore, AwardTally, AwardSummary)
    survives_retention = True  # finalised months are frozen snapshots, which replay leaves alone

    def __init__(self, timezone: str, board=None):
        self.zone = ZoneInfo(timezone)
        self.board = board
        self.handlers = {EventType.LIKE_ADDED: liked, EventType.LIKE_REMOVED: liked,
                         EventType.KUDOS_GIVEN: kudos_given,
                         EventType.IDEA_ADOPTED: idea_status, EventType.IDEA_ANSWERED: idea_status,
                         **{t: contributed for t in CONTRIBUTIONS}}

    def begin(self, session: Session, batch: Pairs) -> AwardRows:
        return AwardRows(session, batch, self.name, self.zone)

    def owner_known(self, rows: AwardRows, target: Target, by: Event) -> None:
        credit_waiting(rows, target, rows.records[by.id])

    def written(self, rows: AwardRows) -> None:
        if self.board is not None and rows.touched:
            self.board.refresh(rows.session, rows.touched, rows.summaries)

    def reset(self, session: Session) -> None:
        super().reset(session)
        if self.board is not None:
            self.board.clear()


def contributed(rows: AwardRows, event: Event) -> None:
    """A contribution credits its author (helping the target's owner); a comment also recognises
    the owner. Someone else's ``content.published`` for an id earns nothing: the first author owns it."""
    owner, record = event.target.owner, rows.records[event.id]
    if event.type in AUTHORING and event.actor != owner:
        return
    _credit(rows, event, record, "contribution", event.actor, owner if owner != event.actor else None)
    if not owner:  # which team it helped is known once its owner is
        rows.owners.wait(event, "contribution")
    if event.type in RECOGNITION and event.actor != owner:
        if owner:
            _credit(rows, event, record, "recognition", owner, event.actor, suffix=":r")
        else:
            rows.owners.wait(event, "recognition")


def liked(rows: AwardRows, event: Event) -> None:
    change = rows.likes.change(event)
    if change is None:
        return
    owner = event.target.owner
    if change.added and event.actor != owner and owner:
        _credit(rows, event, rows.records[event.id], "recognition", owner, event.actor, suffix=":r")
    elif change.removed:
        _take_back(rows, f"{change.replaced}:r")


def kudos_given(rows: AwardRows, event: Event) -> None:
    """Credit the Bra! that counts for its giver and subject; take back the one it displaces."""
    counts, displaced = rows.kudos.take(event)
    if displaced is not None:
        _take_back(rows, f"{displaced.event_id}:r")
    if counts and event.actor != event.target.owner:
        _credit(rows, event, rows.records[event.id], "recognition", event.target.owner, event.actor, suffix=":r")


def idea_status(rows: AwardRows, event: Event) -> None:
    """Adopting an idea doubles its developers' points: rescore them (this batch's own developers
    are touched already, as every count touches its person)."""
    rows.ideas[event.target.id] = event.type == EventType.IDEA_ADOPTED or event.data.get("status") == "adopted"
    rows.touched |= rows.developers.get(f"idea:{event.target.id}", set())


def _credit(rows: AwardRows, event: Event, record: Record | None, kind: str, person: str, colleague: str | None,
            suffix: str = "") -> None:
    """Store one credit (once per event id and side) and count it into the tallies."""
    if event.id + suffix in rows.credits:
        return
    moment, month = utc_naive(event.time), rows.month(event.time)
    rows.credits[event.id + suffix] = credit = CreditRow(
        event_id=event.id + suffix, month=month, person=person, kind=kind,
        action=RECOGNITION.get(event.type, event.type) if kind == "recognition" else event.type,
        colleague=colleague, ref=f"{event.target.kind}:{event.target.id}",
        person_team=team_of(rows.memberships, person, moment),
        colleague_team=team_of(rows.memberships, colleague, moment) if colleague else None,
        active=True, partition=record.partition if record else None, offset=record.offset if record else None)
    _count(rows, credit, +1)


def _take_back(rows: AwardRows, credit_id: str) -> None:
    """An unliked like or a displaced Bra! no longer counts: its credit turns inactive."""
    credit = rows.credits.get(credit_id)
    if credit is None or not credit.active:
        return
    credit.active, credit.changed = False, credit.stored
    _count(rows, credit, -1)


def credit_waiting(rows: AwardRows, target: Target, record: Record | None) -> None:
    """An authority has just named the target's owner: credit them the likes standing on it
    and the comments that waited, and name the team each waiting contribution helped."""
    owner = target.owner
    likes = rows.likes.standing(target)
    waiting = rows.owners.take_waiting(target)
    people = {liker for liker, _ in likes} | {w.actor for w in waiting} | {owner}
    rows.teams(people)
    for liker, state in likes:
        like = Event(state.event_id, EventType.LIKE_ADDED, liker, target, aware(state.changed_at), "")
        _credit(rows, like, record, "recognition", owner, liker, ":r")
    for w in waiting:
        if w.kind == "recognition" and w.actor != owner:
            comment = Event(w.event_id, EventType.COMMENT_POSTED, w.actor, target, aware(w.at), "")
            _credit(rows, comment, record, "recognition", owner, w.actor, ":r")
        elif w.kind == "contribution":
            _name_helped(rows, w.event_id, owner, w.at)


def _name_helped(rows: AwardRows, event_id: str, owner: str, moment: datetime) -> None:
    """A contribution counted before its target's owner was known now counts as helping them."""
    credit = rows.credits.get(event_id)  # loaded with the batch (AwardRows.load)
    if credit is None or not credit.active or credit.colleague is not None or credit.person == owner:
        return
    _count(rows, credit, -1)
    credit.colleague, credit.changed = owner, credit.stored
    credit.colleague_team = team_of(rows.memberships, owner, moment)
    _count(rows, credit, +1)


# On PostgreSQL as plain driver tuples: a batch looks up a thousand ids or more, nearly all new.
QUOTED_CREDIT_COLUMNS = ", ".join(f'"{c}"' for c in CREDIT_COLUMNS)  # "offset" is a reserved word
STORED_CREDITS = f"SELECT {QUOTED_CREDIT_COLUMNS} FROM {AwardCredit.__tablename__} WHERE event_id = ANY(%(ids)s)"


def _stored_credits(session: Session, ids: set[str]) -> list[tuple]:
    """The stored credits among ``ids``, their columns in CREDIT_COLUMNS' order."""
    if bulk.postgres(session):
        return session.connection().connection.cursor().execute(STORED_CREDITS, {"ids": list(ids)}).fetchall()
    return list(session.execute(select(*(AwardCredit.__table__.c[c] for c in CREDIT_COLUMNS)).where(
        AwardCredit.event_id.in_(ids))))


def _stored(credit: CreditRow) -> CreditRow:
    credit.stored = True
    return credit


def _credit_columns(credits: list[CreditRow]) -> dict[str, list]:
    """The credits as one list per column, as the batch's statement sends them."""
    return {c: [getattr(credit, c) for credit in credits] for c in CREDIT_COLUMNS}


def _count(rows: AwardRows, credit: CreditRow, sign: int) -> None:
    """Move the credit's tallies, and mark its person's month for rescoring."""
    month, person, tallies = credit.month, credit.person, rows.tallies
    for facet, key in facets_of(credit.kind, credit.action, credit.colleague, credit.ref, credit.person_team,
                                credit.colleague_team):
        tallies[(month, person, facet, key)] += sign
    rows.touched.add((month, person))
