"""Trust-signal rollups: per day, team and active person, what was shared, given and answered.

The report (engagement/trust/service.py) reads only these rows. A day is the
organisation's (``ENGAGEMENT_TIMEZONE``) and a person counts for the team they were in
when the event happened. Recognition of a contribution is credited to the contribution's
own day, whichever arrives first: a like may be read before the comment it likes, since
they sit on different partitions, so an unknown ref is remembered as already recognised.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.orm import Session

from engagement.consumers.base import Deltas, ReadModel
from engagement.locks import lock_keys
from engagement.bus.base import Record
from engagement.events import Event, utc_naive
from engagement.ledger.model import LedgerEvent, ProcessedEvent
from engagement.trust.model import TrustActivity, TrustContribution, TrustIdea
from engagement.privacy import retention
from engagement.directory.service import team_of, teams_at

CONTRIBUTIONS = ("content.published", "idea.submitted", "idea.contributed", "comment.posted")
INTERACTIONS = ("like.added", "kudos.given", "comment.posted", "idea.contributed")
GIVEN = ("like.added", "kudos.given")
ANSWERS = ("idea.answered", "idea.adopted")
HANDLED = frozenset(CONTRIBUTIONS + INTERACTIONS + ANSWERS)
LOCK_SPACE = 3  # advisory-lock space of this read model (engagement/locks.py)
COUNTERS = ("contributions", "likes_given", "interactions", "cross_team", "recognised", "answers")


def contribution_ref(event: Event) -> str:
    """The thing others can recognise: the published item, the idea, the contribution, the comment."""
    if event.type == "idea.contributed":
        return f"contribution:{event.data.get('contribution_id')}"
    if event.type == "comment.posted":
        return f"comment:{event.data.get('comment_id')}"
    return event.target.key


def recognised_ref(event: Event) -> str | None:
    """What an interaction recognises: its target, or for a Bra! the content it is about."""
    if event.type == "kudos.given":
        return event.data.get("about") or None
    return event.target.key


def touched_refs(events: list[Event]) -> set[str]:
    """The contributions a batch makes or recognises."""
    return ({contribution_ref(e) for e in events if e.type in CONTRIBUTIONS}
            | {r for e in events if e.type in INTERACTIONS and (r := recognised_ref(e))})


class TrustRows:
    """The contributions and ideas a batch touches, loaded up front; its counts, summed per row."""

    def __init__(self, session: Session, events: list[Event], zone: ZoneInfo):
        self.session, self.zone = session, zone
        self.memberships = teams_at(session, {p for e in events for p in (e.actor, e.target.owner)})
        self.refs = {r.ref: r for r in _in(session, TrustContribution, TrustContribution.ref, touched_refs(events))}
        ideas = {e.target.id for e in events if e.type in ANSWERS or e.type == "idea.submitted"}
        self.ideas = {i.idea_id: i for i in _in(session, TrustIdea, TrustIdea.idea_id, ideas)}
        self.deltas = Deltas(TrustActivity, ("day", "team_id", "person"), COUNTERS)

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def team(self, person: str, moment: datetime) -> str | None:
        return team_of(self.memberships, person, utc_naive(moment))

    def count(self, day: date, team: str, person: str, counter: str) -> None:
        self.deltas.at((day, team, person))[counter] += 1

    def ref(self, ref: str) -> TrustContribution:
        if ref not in self.refs:
            self.refs[ref] = TrustContribution(ref=ref, recognised=False)
            self.session.add(self.refs[ref])
        return self.refs[ref]

    def idea(self, idea_id: str) -> TrustIdea:
        if idea_id not in self.ideas:
            self.ideas[idea_id] = TrustIdea(idea_id=idea_id, answered=False)
            self.session.add(self.ideas[idea_id])
        return self.ideas[idea_id]


def _in(session: Session, model, column, keys: set) -> list:
    return list(session.scalars(select(model).where(column.in_(list(keys))))) if keys else []


class Trust(ReadModel):
    name = "trust"
    tables = (TrustActivity, TrustContribution, TrustIdea)

    survives_retention = True  # days before the retention horizon stay as rolled up

    def __init__(self, timezone: str):
        self.zone = ZoneInfo(timezone)

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        events = [e for e, _ in batch if e.type in HANDLED]
        if not events:
            return
        # A comment and a like on it sit on different partitions but share the comment's row.
        lock_keys(session, LOCK_SPACE, touched_refs(events))
        rows = TrustRows(session, events, self.zone)
        with session.no_autoflush:
            for event in events:
                apply_event(rows, event)
        session.flush()
        rows.deltas.write(session)

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
        session.execute(delete(TrustIdea).where((TrustIdea.submitted_on >= first_day) | TrustIdea.submitted_on.is_(None)))
        self.reset_claims(session)
        session.execute(insert(ProcessedEvent).from_select(
            ["consumer", "event_id"], select(literal(self.name), LedgerEvent.event_id).where(LedgerEvent.occurred_at < horizon)))


def apply_event(rows: TrustRows, event: Event) -> None:
    day, team, owner = rows.day(event.time), rows.team(event.actor, event.time), event.target.owner
    if team and event.type in CONTRIBUTIONS:
        _contributed(rows, event, day, team)
    if event.actor != owner and event.type in INTERACTIONS:
        if team:
            _interacted(rows, event, day, team)
        ref = recognised_ref(event)
        if ref:
            _recognise(rows, rows.ref(ref))
    if event.type in ANSWERS:
        rows.idea(event.target.id).answered = True
        if team:
            rows.count(day, team, event.actor, "answers")
    if event.type == "idea.submitted" and team:
        idea = rows.idea(event.target.id)
        idea.team_id, idea.submitted_on = team, day


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


def _recognise(rows: TrustRows, ref: TrustContribution) -> None:
    if ref.recognised:
        return
    ref.recognised = True
    if ref.person is not None:
        rows.count(ref.day, ref.team_id, ref.person, "recognised")
