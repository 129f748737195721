"""Trust-signal rollups: per day, team and active person, what was shared, given and answered.

The report (engagement/trust/service.py) reads only these rows. A day is the
organisation's (``ENGAGEMENT_TIMEZONE``) and a person counts for the team they were in
when the event happened. Recognition of a contribution is credited to the contribution's
own day, whichever arrives first: a like may be read before the comment it likes, since
they sit on different partitions, so an unknown ref is remembered as already recognised.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import any_, bindparam, case, cast, delete, func, insert, literal, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from engagement.bulk import unbounded
from engagement.directory.model import Membership
from engagement.directory.service import Period, team_of
from engagement.events import Event, EventType, utc_naive
from engagement.ledger.model import LedgerEvent, ProcessedEvent
from engagement.privacy import retention
from engagement.recognition.kudos import recognises
from engagement.trust.model import TrustActivity, TrustContribution, TrustIdea

from .base import Batch, Deltas, Pairs, ReadModel, insert_or_update

CONTRIBUTIONS = (EventType.CONTENT_PUBLISHED, EventType.IDEA_SUBMITTED, EventType.IDEA_CONTRIBUTED,
                 EventType.COMMENT_POSTED)
INTERACTIONS = (EventType.LIKE_ADDED, EventType.KUDOS_GIVEN, EventType.COMMENT_POSTED, EventType.IDEA_CONTRIBUTED)
GIVEN = (EventType.LIKE_ADDED, EventType.KUDOS_GIVEN)
ANSWERS = (EventType.IDEA_ANSWERED, EventType.IDEA_ADOPTED)
LOCK_SPACE = 3  # advisory-lock space of this read model (engagement/locks.py)
COUNTERS = ("contributions", "likes_given", "interactions", "cross_team", "recognised", "answers")


def contribution_ref(event: Event) -> str:
    """The thing others can recognise: the published item, the idea, the contribution, the comment."""
    if event.type == EventType.IDEA_CONTRIBUTED:
        return f"contribution:{event.data.get('contribution_id')}"
    if event.type == EventType.COMMENT_POSTED:
        return f"comment:{event.data.get('comment_id')}"
    return event.target.key


recognised_ref = recognises


def touched_refs(events: list[Event]) -> set[str]:
    """The contributions a batch makes or recognises."""
    return ({contribution_ref(e) for e in events if e.type in CONTRIBUTIONS}
            | {r for e in events if e.type in INTERACTIONS and (r := recognised_ref(e))})


@dataclass(slots=True)
class Ref:
    """A contribution's row (engagement_trust_contributions) as the batch sees it."""

    day: date | None = None
    team_id: str | None = None
    person: str | None = None
    recognised: bool = False

    def values(self) -> tuple:
        """As the row's columns after ``ref`` (``astuple`` copies each value deeply: slow for thousands)."""
        return self.day, self.team_id, self.person, self.recognised


@dataclass(slots=True)
class Idea:
    """An idea's row (engagement_trust_ideas) as the batch sees it."""

    team_id: str | None = None
    submitted_on: date | None = None
    answered: bool = False


class TrustRows(Batch):
    """The contributions and ideas a batch touches, loaded up front as plain rows (no ORM objects:
    a batch reads and writes hundreds); its counts, summed per row; each table written once."""

    def __init__(self, session: Session, batch: Pairs, zone: ZoneInfo):
        super().__init__(session, batch)
        self.zone = zone
        self.memberships: dict[str, list[Period]] = {}
        self.refs: dict[str, Ref] = {}
        self.ideas: dict[str, Idea] = {}
        self.loaded_refs: dict[str, tuple] = {}
        self.changed_ideas: set[str] = set()
        self.days: dict[datetime, date] = {}
        self.moments: dict[datetime, datetime] = {}
        self.deltas = Deltas(TrustActivity, ("day", "team_id", "person"), COUNTERS)

    def lock_keys(self) -> set[str]:
        """A comment and a like on it sit on different partitions but share the comment's row."""
        return touched_refs(self.events)

    def load(self) -> None:
        events, session = self.events, self.session
        people = {p for e in events for p in (e.actor, e.target.owner) if p is not None}
        refs = touched_refs(events)
        ideas = {e.target.id for e in events if e.type in ANSWERS or e.type == EventType.IDEA_SUBMITTED}
        m, c, i = Membership, TrustContribution, TrustIdea
        memberships = _in(session, (m.person_id, m.team_id, m.valid_from, m.valid_to), people)
        contributions = _in(session, (c.ref, c.day, c.team_id, c.person, c.recognised), refs)
        known_ideas = _in(session, (i.idea_id, i.team_id, i.submitted_on, i.answered), ideas)
        self.memberships = {}
        for row in memberships:
            self.memberships.setdefault(row[0], []).append(Period(*row))
        self.loaded_refs = {ref: tuple(values) for ref, *values in contributions}
        self.refs = {ref: Ref(*values) for ref, values in self.loaded_refs.items()}
        self.ideas = {idea: Idea(*values) for idea, *values in known_ideas}

    def write(self) -> None:
        """Activity counts added to what is there; contributions and ideas merged into their rows
        (a contribution's author and day are set once; recognised and answered only turn true).
        Rows in key order, so two consumers writing the same rows never wait on each other in a loop.
        On PostgreSQL the three tables are written by one statement (:data:`WRITE`)."""
        activity = [{"day": day, "team_id": team, "person": person, **counts}
                    for (day, team, person), counts in sorted(self.deltas.items())]
        contributions = [{"ref": r, "day": v.day, "team_id": v.team_id, "person": v.person, "recognised": v.recognised}
                         for r, v in sorted(self.refs.items()) if self.loaded_refs.get(r) != v.values()]
        ideas = [{"idea_id": i, "team_id": v.team_id, "submitted_on": v.submitted_on, "answered": v.answered}
                 for i in sorted(self.changed_ideas) for v in (self.ideas[i],)]
        if self.session.get_bind().dialect.name == "postgresql":
            write_at_once(self.session, activity, contributions, ideas)
        else:
            write_each(self.session, activity, contributions, ideas)

    def day(self, moment: datetime) -> date:
        if moment not in self.days:
            self.days[moment] = moment.astimezone(self.zone).date()
        return self.days[moment]

    def team(self, person: str, moment: datetime) -> str | None:
        """The person's team at the moment, each event's moment made naive UTC once."""
        at = self.moments.get(moment)
        if at is None:
            at = self.moments[moment] = utc_naive(moment)
        return team_of(self.memberships, person, at)

    def count(self, day: date, team: str, person: str, counter: str) -> None:
        self.deltas.at((day, team, person))[counter] += 1

    def ref(self, ref: str) -> Ref:
        """The contribution's row, to change: written back at the end of the batch if it did."""
        if ref not in self.refs:
            self.refs[ref] = Ref()
        return self.refs[ref]

    def idea(self, idea_id: str) -> Idea:
        self.changed_ideas.add(idea_id)
        if idea_id not in self.ideas:
            self.ideas[idea_id] = Idea()
        return self.ideas[idea_id]


def _in(session: Session, columns: tuple, keys: set) -> list:
    """The rows whose first column is one of ``keys``. On PostgreSQL the keys go as one array
    parameter: an IN list of a thousand parameters costs more to send than to answer."""
    if not keys:
        return []
    key = columns[0]
    if session.get_bind().dialect.name == "postgresql":
        match = key == any_(cast(bindparam("keys", sorted(keys)), ARRAY(unbounded(key.type))))
    else:
        match = key.in_(list(keys))
    return list(session.execute(select(*columns).where(match)))


def _json(rows: list[dict]) -> str:
    """Rows as one JSON parameter, serialised in C (a driver dumps an array parameter element by
    element in Python, which cost more than the batch's handlers)."""
    return orjson.dumps(rows).decode()


_ACTIVITY = ", ".join(f"{c} = a.{c} + excluded.{c}" for c in COUNTERS)
WRITE = text(f"""
WITH activity AS (
  INSERT INTO engagement_trust_activity AS a (day, team_id, person, {", ".join(COUNTERS)})
  SELECT day, team_id, person, {", ".join(COUNTERS)} FROM json_to_recordset(CAST(:activity AS json))
    AS r(day date, team_id text, person text, {", ".join(f"{c} int" for c in COUNTERS)})
  ON CONFLICT (day, team_id, person) DO UPDATE SET {_ACTIVITY}
  RETURNING 1
), contributions AS (
  INSERT INTO engagement_trust_contributions AS c (ref, day, team_id, person, recognised)
  SELECT ref, day, team_id, person, recognised FROM json_to_recordset(CAST(:contributions AS json))
    AS r(ref text, day date, team_id text, person text, recognised boolean)
  ON CONFLICT (ref) DO UPDATE SET
    day = CASE WHEN c.person IS NULL THEN excluded.day ELSE c.day END,
    team_id = CASE WHEN c.person IS NULL THEN excluded.team_id ELSE c.team_id END,
    person = CASE WHEN c.person IS NULL THEN excluded.person ELSE c.person END,
    recognised = c.recognised OR excluded.recognised
  RETURNING 1
), ideas AS (
  INSERT INTO engagement_trust_ideas AS i (idea_id, team_id, submitted_on, answered)
  SELECT idea_id, team_id, submitted_on, answered FROM json_to_recordset(CAST(:ideas AS json))
    AS r(idea_id text, team_id text, submitted_on date, answered boolean)
  ON CONFLICT (idea_id) DO UPDATE SET team_id = coalesce(excluded.team_id, i.team_id),
    submitted_on = coalesce(excluded.submitted_on, i.submitted_on), answered = i.answered OR excluded.answered
  RETURNING 1
)
SELECT (SELECT count(*) FROM activity), (SELECT count(*) FROM contributions), (SELECT count(*) FROM ideas)
""")
"""The batch's three tables in one statement on PostgreSQL (each a data-modifying CTE), so the
batch's writes cost one round trip; the same merges as :func:`_add_counts`,
:func:`_contribution_merge` and :func:`_idea_merge`. Rows go in key order, as in the JSON."""


def write_at_once(session: Session, activity: list[dict], contributions: list[dict], ideas: list[dict]) -> None:
    """The three tables in one statement (PostgreSQL)."""
    if activity or contributions or ideas:
        session.execute(WRITE, {"activity": _json(activity), "contributions": _json(contributions),
                                "ideas": _json(ideas)})


def write_each(session: Session, activity: list[dict], contributions: list[dict], ideas: list[dict]) -> None:
    """Each table in a statement of its own, with the same merges."""
    upsert(session, TrustActivity, ("day", "team_id", "person"), activity, _add_counts)
    upsert(session, TrustContribution, ("ref",), contributions, _contribution_merge)
    upsert(session, TrustIdea, ("idea_id",), ideas, _idea_merge)


def upsert(session: Session, model: Any, keys: tuple[str, ...], rows: list[dict],
           merge: Callable[[Any], dict]) -> None:
    """One statement for all of a batch's rows of a table. On PostgreSQL the rows travel as one
    array per column (INSERT ... SELECT unnest(...)): a plain executemany would run a statement
    per row. ``merge`` says, from the incoming row (``excluded``), what a row already there becomes."""
    if not rows:
        return
    table = model.__table__
    if session.get_bind().dialect.name != "postgresql":
        statement = insert_or_update(session, table)
        session.execute(statement.on_conflict_do_update(index_elements=keys, set_=merge(statement.excluded)), rows)
        return
    columns = tuple(rows[0])
    session.execute(_array_upsert(table, keys, columns, merge), {c: [r[c] for r in rows] for c in columns})


@cache
def _array_upsert(table: Any, keys: tuple[str, ...], columns: tuple[str, ...], merge: Callable[[Any], dict]) -> Any:
    """INSERT ... SELECT unnest(:column), ... ON CONFLICT: built once, each column one array parameter."""
    source = select(*(func.unnest(cast(bindparam(c), ARRAY(unbounded(table.c[c].type)))).label(c) for c in columns))
    statement = postgresql.insert(table).from_select(list(columns), source)
    return statement.on_conflict_do_update(index_elements=list(keys), set_=merge(statement.excluded))


def _add_counts(new: Any) -> dict:
    """An activity row's counters grow by the batch's."""
    return {c: getattr(TrustActivity, c) + getattr(new, c) for c in COUNTERS}


def _contribution_merge(new: Any) -> dict:
    """Author, day and team only where the row has no author yet (as the batch saw it, under the
    refs' locks); recognised once true stays true."""
    c = TrustContribution
    unset = c.person.is_(None)
    return {"day": case((unset, new.day), else_=c.day), "team_id": case((unset, new.team_id), else_=c.team_id),
            "person": case((unset, new.person), else_=c.person), "recognised": or_(c.recognised, new.recognised)}


def _idea_merge(new: Any) -> dict:
    """An idea's team and day as last submitted; answered once true stays true."""
    i = TrustIdea
    return {"team_id": func.coalesce(new.team_id, i.team_id),
            "submitted_on": func.coalesce(new.submitted_on, i.submitted_on), "answered": or_(i.answered, new.answered)}


class Trust(ReadModel[TrustRows]):
    name = "trust"
    tables = (TrustActivity, TrustContribution, TrustIdea)
    lock_space = LOCK_SPACE
    survives_retention = True  # days before the retention horizon stay as rolled up

    def __init__(self, timezone: str):
        self.zone = ZoneInfo(timezone)
        self.handlers = {EventType.CONTENT_PUBLISHED: contribution, EventType.IDEA_SUBMITTED: submitted,
                         EventType.COMMENT_POSTED: contribution_and_interaction,
                         EventType.IDEA_CONTRIBUTED: contribution_and_interaction,
                         EventType.LIKE_ADDED: interaction, EventType.KUDOS_GIVEN: interaction,
                         EventType.IDEA_ANSWERED: answered, EventType.IDEA_ADOPTED: answered}

    def begin(self, session: Session, batch: Pairs) -> TrustRows:
        return TrustRows(session, batch, self.zone)

    def reset(self, session: Session) -> None:
        """Forget what the ledger can give back. After retention the days before the horizon stay as
        they are, and the events of those days still in the ledger are claimed as already applied."""
        horizon = retention.horizon(session)
        if horizon is None:
            return super().reset(session)
        first_day = horizon.replace(tzinfo=ZoneInfo("UTC")).astimezone(self.zone).date()
        session.execute(delete(TrustActivity).where(TrustActivity.day >= first_day))
        session.execute(delete(TrustContribution).where(
            (TrustContribution.day >= first_day) | TrustContribution.day.is_(None)))
        session.execute(delete(TrustIdea).where(
            (TrustIdea.submitted_on >= first_day) | TrustIdea.submitted_on.is_(None)))
        self.reset_claims(session)
        kept = select(literal(self.name), LedgerEvent.event_id).where(LedgerEvent.occurred_at < horizon)
        session.execute(insert(ProcessedEvent).from_select(["consumer", "event_id"], kept))


def contribution(rows: TrustRows, event: Event) -> None:
    """Something shared: counted for its author's team, and recognisable by others."""
    team = rows.team(event.actor, event.time)
    if team:
        _contributed(rows, event, rows.day(event.time), team)


def submitted(rows: TrustRows, event: Event) -> None:
    """An idea is also remembered by its author's team and day, for the answered-ideas share."""
    contribution(rows, event)
    team = rows.team(event.actor, event.time)
    if team:
        idea = rows.idea(event.target.id)
        idea.team_id, idea.submitted_on = team, rows.day(event.time)


def interaction(rows: TrustRows, event: Event) -> None:
    """Someone else's thing recognised: counted for the actor's team, and on the thing."""
    if event.actor == event.target.owner:
        return
    team = rows.team(event.actor, event.time)
    if team:
        _interacted(rows, event, rows.day(event.time), team)
    ref = recognised_ref(event)
    if ref:
        _recognise(rows, rows.ref(ref))


def contribution_and_interaction(rows: TrustRows, event: Event) -> None:
    """A comment or a contribution is both shared and an answer to someone else's thing."""
    contribution(rows, event)
    interaction(rows, event)


def answered(rows: TrustRows, event: Event) -> None:
    rows.idea(event.target.id).answered = True
    team = rows.team(event.actor, event.time)
    if team:
        rows.count(rows.day(event.time), team, event.actor, "answers")


def _contributed(rows: TrustRows, event: Event, day: date, team: str) -> None:
    rows.count(day, team, event.actor, "contributions")
    ref = rows.ref(contribution_ref(event))
    if ref.person is None:
        ref.day, ref.team_id, ref.person = day, team, event.actor
        if ref.recognised:  # recognised before its own event was read
            rows.count(day, team, event.actor, "recognised")


def _interacted(rows: TrustRows, event: Event, day: date, team: str) -> None:
    rows.count(day, team, event.actor, "interactions")
    if event.type in GIVEN:
        rows.count(day, team, event.actor, "likes_given")
    owner_team = rows.team(event.target.owner, event.time)
    if owner_team is not None and owner_team != team:
        rows.count(day, team, event.actor, "cross_team")


def _recognise(rows: TrustRows, ref: Ref) -> None:
    if ref.recognised:
        return
    ref.recognised = True
    if ref.person is not None and ref.day is not None and ref.team_id is not None:  # its own event was read
        rows.count(ref.day, ref.team_id, ref.person, "recognised")
