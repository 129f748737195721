"""Monthly award credits: who contributed what, and who recognised whom, per month.

Months are the organisation's (``ENGAGEMENT_TIMEZONE``, Europe/Oslo by default, with its
daylight-saving changes), and a credit belongs to the month of its event's time, so a
late event still counts for its month until that month is finalised. Each credit adds to
its person's tallies (AwardTally, one upsert per batch), and each tally that changes moves
its person's summary (AwardSummary, one more upsert); after each batch the touched people's
scores are recomputed from their summary and few action and idea tallies (absolute values)
into SQL and Redis. Nothing reads a month's credits back, so a batch costs the same on the
1st of the month and the 30th. A Bra! credits once per giver and subject, like a like
(engagement/recognition/kudos.py): a repeat earns nothing, an earlier one arriving late takes the place of
the one credited so far.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from engagement.recognition import kudos
from engagement.consumers.base import Deltas, ReadModel, is_older
from engagement.ownership.waiting import AUTHORING, Owners, aware
from engagement.bus.base import Record
from engagement.events import Event, Target, utc_naive
from engagement.awards.model import AwardCredit, AwardIdea, AwardLike, AwardScore, AwardSummary, AwardTally
from engagement.awards.scoring import IDEA, SUMMARY_FIELDS, Credit, counted_as, summary_change
from engagement.directory.service import team_of, teams_at

RECOGNITION = {"like.added": "like", "comment.posted": "comment", "kudos.given": "kudos"}
CONTRIBUTIONS = ("content.published", "idea.submitted", "idea.contributed", "comment.posted")


class Awards(ReadModel):
    name = "awards"
    tables = (AwardCredit, AwardLike, AwardIdea, AwardScore, AwardTally, AwardSummary)
    survives_retention = True  # finalised months are frozen snapshots, which replay leaves alone

    def __init__(self, timezone: str, board=None):
        self.zone = ZoneInfo(timezone)
        self.board = board
        self.handled = set(RECOGNITION) | set(CONTRIBUTIONS) | {"like.removed", "idea.adopted", "idea.answered"}

    def reset(self, session: Session) -> None:
        super().reset(session)
        kudos.forget(session, self.name)
        if self.board is not None:
            self.board.clear()

    def month(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m")

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        raw = [(e, r) for e, r in batch if e.type in self.handled or not e.submitted_by.startswith("user:")]
        self._owners = Owners(session, self.name, [e for e, _ in raw])
        events = [(*resolved, r) for resolved, (_, r) in zip(self._owners.resolved, raw)]
        people = {p for e, _, _ in events for p in (e.actor, e.target.owner) if p}
        memberships = teams_at(session, people)
        touched: set[tuple[str, str]] = set()
        self._tallies = Deltas(AwardTally, ("month", "person", "facet", "key"), ("count",))
        with session.no_autoflush:
            self._preload(session, [e for e, _, _ in events])
            for event, taught, record in events:
                for target in taught:
                    touched |= self._credit_waiting(session, target, record, memberships)
                if event.type in self.handled:
                    touched |= self._apply_one(session, event, record, memberships)
        session.flush()
        self._summarise(session, self._tallies.write(session, returning=True))
        if self.board is not None and touched:
            self.board.refresh(session, touched)

    def _preload(self, session: Session, events: list[Event]) -> None:
        """The batch's like states and earlier credits, in two queries; rows made during the
        batch join these dicts, so a like and its unlike in one batch find each other."""
        likes = {(f"{e.target.kind}:{e.target.id}", e.actor) for e in events if e.type.startswith("like.")}
        states = session.scalars(select(AwardLike).where(
            tuple_(AwardLike.ref, AwardLike.liker).in_(list(likes)))).all() if likes else []
        self._likes = {(s.ref, s.liker): s for s in states}
        self._kudos = kudos.FirstKudos(session, self.name, events)
        ids = [e.id for e in events] + [f"{e.id}:r" for e in events] + [f"{s.event_id}:r" for s in states]
        ids += [f"{row.event_id}:r" for row in self._kudos.rows.values()]
        self._credits = {c.event_id: c for c in session.scalars(select(AwardCredit).where(
            AwardCredit.event_id.in_(ids)))}
        refs = [f"{kind}:{target_id}" for kind, target_id in self._owners.learned]
        self._standing: dict[str, dict[str, AwardLike]] = {}
        for state in session.scalars(select(AwardLike).where(AwardLike.ref.in_(refs), AwardLike.liked.is_(True))) \
                if refs else ():
            self._standing.setdefault(state.ref, {})[state.liker] = state

    def _apply_one(self, session, event: Event, record: Record, memberships) -> set[tuple[str, str]]:
        if event.type in ("idea.adopted", "idea.answered"):
            return self._idea_status(session, event)
        if event.type.startswith("like."):
            return self._like(session, event, record, memberships)
        if event.type == "kudos.given":
            return self._kudos_given(session, event, record, memberships)
        owner, touched = event.target.owner, set()
        if event.type in AUTHORING and event.actor != owner:
            return touched  # someone else's id: the first author owns it, this one earns nothing
        if event.type in CONTRIBUTIONS:
            touched |= self._credit(session, event, record, memberships, "contribution", event.actor,
                                    owner if owner != event.actor else None)
            if not owner:  # which team it helped is known once its owner is
                self._owners.wait(event, "contribution")
        if event.type in RECOGNITION and event.actor != owner:
            if owner:
                touched |= self._credit(session, event, record, memberships, "recognition", owner,
                                        event.actor, suffix=":r")
            else:
                self._owners.wait(event, "recognition")
        return touched

    def _credit(self, session, event, record, memberships, kind, person, colleague, suffix=""):
        """Store one credit (once per event id and side) and count it into the tallies."""
        moment = utc_naive(event.time)
        if event.id + suffix in self._credits:
            return set()
        month = self.month(event.time)
        self._credits[event.id + suffix] = credit = AwardCredit(
            event_id=event.id + suffix, month=month, person=person, kind=kind,
            action=RECOGNITION.get(event.type, event.type) if kind == "recognition" else event.type,
            colleague=colleague, ref=f"{event.target.kind}:{event.target.id}",
            person_team=team_of(memberships, person, moment),
            colleague_team=team_of(memberships, colleague, moment) if colleague else None,
            active=True, partition=record.partition, offset=record.offset)
        session.add(credit)
        self._count(credit, +1)
        return {(month, person)}

    def _like(self, session, event, record, memberships) -> set[tuple[str, str]]:
        ref, liked, moment = f"{event.target.kind}:{event.target.id}", event.type == "like.added", utc_naive(event.time)
        state = self._likes.get((ref, event.actor))
        if state is not None and is_older(state, moment, event.id):
            return set()
        was = state.liked if state is not None else False
        previous = state.event_id if state is not None else None
        if state is None:
            state = self._likes[(ref, event.actor)] = AwardLike(ref=ref, liker=event.actor, liked=liked,
                                                                changed_at=moment, event_id=event.id)
            session.add(state)
        else:
            state.liked, state.changed_at, state.event_id = liked, moment, event.id
        if not event.target.owner:
            self._owners.hold_like(event, state)
        if liked and not was and event.actor != event.target.owner and event.target.owner:
            return self._credit(session, event, record, memberships, "recognition", event.target.owner,
                                event.actor, suffix=":r")
        if was and not liked:
            return self._take_back(f"{previous}:r")
        return set()

    def _kudos_given(self, session, event, record, memberships) -> set[tuple[str, str]]:
        """Credit the Bra! that counts for its giver and subject; take back the one it displaces."""
        counts, displaced = self._kudos.take(event)
        touched = self._take_back(f"{displaced.event_id}:r") if displaced is not None else set()
        if counts and event.actor != event.target.owner:
            touched |= self._credit(session, event, record, memberships, "recognition", event.target.owner,
                                    event.actor, suffix=":r")
        return touched

    def _take_back(self, credit_id: str) -> set[tuple[str, str]]:
        """An unliked like or a displaced Bra! no longer counts: its credit turns inactive."""
        credit = self._credits.get(credit_id)
        if credit is None or not credit.active:
            return set()
        credit.active = False
        self._count(credit, -1)
        return {(credit.month, credit.person)}

    def _credit_waiting(self, session: Session, target: Target, record: Record, memberships) -> set[tuple[str, str]]:
        """An authority has just named the target's owner: credit them the likes standing on it
        and the comments that waited, and name the team each waiting contribution helped."""
        ref, owner = target.key, target.owner
        likes = self._owners.standing_likes(target, self._standing.get(ref, {}))
        waiting = self._owners.take_waiting(target)
        people = {liker for liker, _ in likes} | {w.actor for w in waiting} | {owner}
        memberships.update(teams_at(session, people - set(memberships)))
        touched: set[tuple[str, str]] = set()
        for liker, state in likes:
            like = Event(state.event_id, "like.added", liker, target, aware(state.changed_at), "")
            touched |= self._credit(session, like, record, memberships, "recognition", owner, liker, ":r")
        for w in waiting:
            if w.kind == "recognition" and w.actor != owner:
                comment = Event(w.event_id, "comment.posted", w.actor, target, aware(w.at), "")
                touched |= self._credit(session, comment, record, memberships, "recognition", owner, w.actor, ":r")
            elif w.kind == "contribution":
                touched |= self._name_helped(session, w.event_id, owner, w.at, memberships)
        return touched

    def _name_helped(self, session: Session, event_id: str, owner: str, moment: datetime,
                     memberships) -> set[tuple[str, str]]:
        """A contribution counted before its target's owner was known now counts as helping them."""
        credit = self._credits.get(event_id) or session.get(AwardCredit, event_id)
        if credit is None or not credit.active or credit.colleague is not None or credit.person == owner:
            return set()
        self._count(credit, -1)
        credit.colleague = owner
        credit.colleague_team = team_of(memberships, owner, moment)
        self._count(credit, +1)
        return {(credit.month, credit.person)}

    def _count(self, credit: AwardCredit, sign: int) -> None:
        scored = Credit(credit.kind, credit.action, credit.colleague, credit.ref, credit.person_team,
                        credit.colleague_team)
        for facet, key in counted_as(scored):
            self._tallies.at((credit.month, credit.person, facet, key))["count"] += sign

    def _summarise(self, session: Session, counts: dict[tuple, tuple]) -> None:
        """Move each touched person's summary by what their changed tallies did: the count each
        row holds now, less this batch's delta, is what it held before."""
        summaries = Deltas(AwardSummary, ("month", "person"), SUMMARY_FIELDS)
        for (month, person, facet, key), (now,) in counts.items():
            delta = self._tallies[(month, person, facet, key)]["count"]
            for field, change in summary_change(facet, now - delta, now).items():
                summaries.at((month, person))[field] += change
        summaries.write(session)

    def _idea_status(self, session: Session, event: Event) -> set[tuple[str, str]]:
        """Adopting an idea doubles its developers' points: rescore them (this batch's too)."""
        adopted = event.type == "idea.adopted" or event.data.get("status") == "adopted"
        session.flush()  # an earlier answer to the same idea in this batch
        row = session.get(AwardIdea, event.target.id)
        if row is None:
            session.add(AwardIdea(idea_id=event.target.id, adopted=adopted))
        else:
            row.adopted = adopted
        ref = f"idea:{event.target.id}"
        contributors = session.execute(select(AwardTally.month, AwardTally.person).where(
            AwardTally.facet == IDEA, AwardTally.key == ref, AwardTally.count > 0))
        in_batch = {(month, person) for month, person, facet, key in self._tallies if facet == IDEA and key == ref}
        return {(month, person) for month, person in contributors} | in_batch
