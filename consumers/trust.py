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

from engagement.directory.service import team_of, teams_at
from engagement.events import Event, EventType, utc_naive
from engagement.ledger.model import LedgerEvent, ProcessedEvent
from engagement.privacy import retention
from engagement.recognition.kudos import recognises
from engagement.trust.model import TrustActivity, TrustContribution, TrustIdea

from .base import Batch, Deltas, Pairs, ReadModel

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


class TrustRows(Batch):
    """The contributions and ideas a batch touches, loaded up front; its counts, summed per row."""

    def __init__(self, session: Session, batch: Pairs, zone: ZoneInfo):
        super().__init__(session, batch)
        self.zone = zone
        self.memberships: dict[str, list] = {}
        self.refs: dict[str, TrustContribution] = {}
        self.ideas: dict[str, TrustIdea] = {}
        self.deltas = Deltas(TrustActivity, ("day", "team_id", "person"), COUNTERS)

    def lock_keys(self) -> set[str]:
        """A comment and a like on it sit on different partitions but share the comment's row."""
        return touched_refs(self.events)

    def load(self) -> None:
        events, session = self.events, self.session
        self.memberships = teams_at(session, {p for e in events for p in (e.actor, e.target.owner)})
        self.refs = {r.ref: r for r in _in(session, TrustContribution, TrustContribution.ref, touched_refs(events))}
        ideas = {e.target.id for e in events if e.type in ANSWERS or e.type == EventType.IDEA_SUBMITTED}
        self.ideas = {i.idea_id: i for i in _in(session, TrustIdea, TrustIdea.idea_id, ideas)}

    def write(self) -> None:
        self.deltas.write(self.session)

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


def _recognise(rows: TrustRows, ref: TrustContribution) -> None:
    if ref.recognised:
        return
    ref.recognised = True
    if ref.person is not None and ref.day is not None and ref.team_id is not None:  # its own event was read
        rows.count(ref.day, ref.team_id, ref.person, "recognised")
