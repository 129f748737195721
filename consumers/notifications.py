"""Notifications: recognition reaches the person (like the "Bra!" mails some intranets send).

One group per recipient, kind, thing and day — "Kari and 4 others liked your idea" — not
one row per click. Nothing for self-actions; an unlike takes its entry back (the later
event time wins, as everywhere). A Bra! is heard of once per giver and subject, the earliest
(engagement/recognition/kudos.py): a repeat adds nothing, an earlier one arriving late moves the entry to
its own recipient and day. Adoption reaches the idea's author and everyone who built
on it. Read marks and what was mailed live outside this read model (by the group's key),
so a replay rebuilds the groups without un-reading or re-mailing anything.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from engagement.recognition import kudos
from engagement.consumers.base import ReadModel, is_older
from engagement.ownership.waiting import Owners, aware
from engagement.bus.base import Record
from engagement.events import Event, Target, utc_naive
from engagement.notifications.model import Notification, NotifyIdeaPerson, NotifyLike, NotifyTitle

KINDS = {"like.added": "like", "comment.posted": "comment", "kudos.given": "kudos",
         "idea.contributed": "contribution", "idea.answered": "answer", "idea.adopted": "adopted"}
TITLED = ("idea.submitted", "idea.edited", "content.published")
HANDLED = frozenset(KINDS) | {"like.removed"} | frozenset(TITLED)


def subject_ref(event: Event) -> str:
    """What the notification is about: the liked thing, or for a Bra! the content it praises."""
    if event.type == "kudos.given":
        return event.data.get("about") or event.target.key
    return event.target.key


class Batch:
    """The groups, like states and idea people a batch touches, loaded up front."""

    def __init__(self, session: Session, events: list[Event], zone: ZoneInfo, owners: Owners):
        self.session, self.zone, self.owners = session, zone, owners
        likes = {(e.target.key, e.actor) for e in events if e.type.startswith("like.")}
        self.likes = {(s.ref, s.liker): s for s in _load(session, NotifyLike, (NotifyLike.ref, NotifyLike.liker), likes)}
        ideas = {e.target.key for e in events if e.type in ("idea.adopted", "idea.answered", "idea.contributed")}
        self.idea_people: dict[str, set[str]] = {}
        for row in _load(session, NotifyIdeaPerson, (NotifyIdeaPerson.idea_ref,), {(r,) for r in ideas}):
            self.idea_people.setdefault(row.idea_ref, set()).add(row.person)
        titled = {(e.target.key,) for e in events if e.type in TITLED}
        self.titles = {t.ref: t for t in _load(session, NotifyTitle, (NotifyTitle.ref,), titled)}
        self.kudos = kudos.FirstKudos(session, Notifications.name, events)
        people = {e.target.owner for e in events} | {p for ps in self.idea_people.values() for p in ps}
        people |= self.kudos.recipients
        people |= {p for e in events for p in e.data.get("credited") or ()}
        people |= {e.actor for e in events if e.type == "idea.contributed"}
        self.adoptions = _adoptions(session, {e.target.key for e in events if e.type == "idea.contributed"})
        self.groups: dict[tuple, Notification] = {}
        if people:
            for group in session.scalars(select(Notification).where(Notification.person.in_(people),
                                                                    Notification.ref.in_(self._refs(events)))):
                self.groups[(group.person, group.kind, group.ref, group.day)] = group

    def _refs(self, events: list[Event]) -> set[str]:
        """What the batch's events are about, and what the Bra!s they may displace were about."""
        counted = {row.about or f"person:{row.recipient}" for row in self.kudos.rows.values()}
        return _all_refs(events) | counted

    def add(self, person: str, kind: str, ref: str, actor: str, moment: datetime) -> None:
        """``actor`` did ``kind`` to ``person``'s ``ref`` at ``moment`` (aware): join that day's group."""
        if person == actor or not person:
            return
        key = (person, kind, ref, moment.astimezone(self.zone).date())
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Notification(person=person, kind=kind, ref=ref, day=key[3], actors=[],
                                                    last_at=utc_naive(moment))
            self.session.add(group)
        at = utc_naive(moment)
        entries = [a for a in group.actors if a["p"] != actor] + [{"p": actor, "at": at.isoformat()}]
        group.actors = sorted(entries, key=lambda a: a["at"], reverse=True)
        group.last_at = max(group.last_at, at)

    def title(self, ref: str, title: str) -> None:
        """The latest title wins; a batch may name one thing twice."""
        if ref in self.titles:
            self.titles[ref].title = title
        else:
            self.titles[ref] = NotifyTitle(ref=ref, title=title)
            self.session.add(self.titles[ref])

    def built_on(self, idea_ref: str, person: str) -> bool:
        """Remember who built on an idea; answer whether they are new to it."""
        people = self.idea_people.setdefault(idea_ref, set())
        if person in people:
            return False
        people.add(person)
        self.session.add(NotifyIdeaPerson(idea_ref=idea_ref, person=person))
        return True

    def take_back(self, person: str, ref: str, actor: str, day: date, kind: str = "like") -> None:
        """An unlike (or a displaced Bra!) takes its entry out of that day's group."""
        group = self.groups.get((person, kind, ref, day))
        if group is None:
            return
        group.actors = [a for a in group.actors if a["p"] != actor]
        if not group.actors:
            self._drop(group)
            del self.groups[(person, kind, ref, day)]

    def _drop(self, group: Notification) -> None:
        """A group made earlier in this batch was never saved: forget it rather than delete it."""
        if group in self.session.new:
            self.session.expunge(group)
        else:
            self.session.delete(group)


def _adoptions(session: Session, refs: set[str]) -> dict[str, tuple[str, datetime]]:
    """Ideas already adopted: who adopted them and when (from an "adopted" group's entry)."""
    if not refs:
        return {}
    rows = session.execute(select(Notification.ref, Notification.actors).where(
        Notification.kind == "adopted", Notification.ref.in_(sorted(refs))))
    return {ref: (actors[0]["p"], datetime.fromisoformat(actors[0]["at"])) for ref, actors in rows if actors}


def _all_refs(events: list[Event]) -> set[str]:
    return {subject_ref(e) for e in events}


def _load(session: Session, model, columns: tuple, keys: set[tuple]) -> list:
    if not keys:
        return []
    return list(session.scalars(select(model).where(tuple_(*columns).in_(list(keys)))))


class Notifications(ReadModel):
    name = "notifications"
    tables = (Notification, NotifyLike, NotifyTitle, NotifyIdeaPerson)

    def __init__(self, timezone: str):
        self.zone = ZoneInfo(timezone)

    def reset(self, session: Session) -> None:
        super().reset(session)
        kudos.forget(session, self.name)

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        raw = [e for e, _ in batch if e.type in HANDLED or not e.submitted_by.startswith("user:")]
        if not raw:
            return
        owners = Owners(session, self.name, raw)
        rows = Batch(session, [event for event, _ in owners.resolved], self.zone, owners)
        refs = {f"{kind}:{target_id}" for kind, target_id in owners.learned}
        standing: dict[str, dict[str, NotifyLike]] = {}
        for state in _load(session, NotifyLike, (NotifyLike.ref,), {(r,) for r in refs}):
            if state.liked:
                standing.setdefault(state.ref, {})[state.liker] = state
        with session.no_autoflush:
            for event, taught in owners.resolved:
                for target in taught:
                    notify_waiting(rows, target, standing.get(target.key, {}))
                if event.type in HANDLED:
                    apply_event(rows, event)
        session.flush()


def notify_waiting(rows: Batch, target: Target, stored: dict[str, NotifyLike]) -> None:
    """An authority has just named the target's owner: tell them of the likes standing on it and
    of what waited, as of their own days."""
    for liker, state in rows.owners.standing_likes(target, stored):
        rows.add(target.owner, "like", target.key, liker, aware(state.changed_at))
    for waiting in rows.owners.take_waiting(target):
        rows.add(target.owner, waiting.kind, target.key, waiting.actor, aware(waiting.at))


def apply_event(rows: Batch, event: Event) -> None:
    """Titles come only from the target's owner: someone else's ``content.published`` for the same
    id cannot rename it (a phishing line in the owner's feed)."""
    if event.type in TITLED and event.data.get("title") and event.actor == event.target.owner:
        rows.title(event.target.key, event.data["title"][:200])
    if event.type.startswith("like."):
        return _like(rows, event)
    if event.type == "kudos.given":
        return _kudos(rows, event)
    kind = KINDS.get(event.type)
    if kind is None:
        return
    owner, ref = event.target.owner, subject_ref(event)
    adopted = event.type == "idea.adopted" or event.data.get("status") == "adopted"
    if event.type in ("idea.answered", "idea.adopted") and adopted:
        credited = {owner} | rows.idea_people.get(ref, set()) | set(event.data.get("credited") or ())
        for person in sorted(credited - {""}):
            rows.add(person, "adopted", ref, event.actor, event.time)
        rows.adoptions[ref] = (event.actor, utc_naive(event.time))
        return
    if owner:
        rows.add(owner, kind, ref, event.actor, event.time)
    else:
        rows.owners.wait(event, kind)
    if event.type == "idea.contributed" and rows.built_on(ref, event.actor):
        _credit_late(rows, ref, event)


def _credit_late(rows: Batch, ref: str, event: Event) -> None:
    """A contribution that arrives after its idea's adoption (a back-fill) hears of the adoption
    too, if it was made before it: the same groups as in the order things happened."""
    adoption = rows.adoptions.get(ref)
    if adoption is not None and utc_naive(event.time) <= adoption[1]:
        leader, at = adoption
        rows.add(event.actor, "adopted", ref, leader, at.replace(tzinfo=timezone.utc))


def _kudos(rows: Batch, event: Event) -> None:
    """Tell of the Bra! that counts for its giver and subject; if it displaces one told of
    before, take that entry back unless it is the same group (which ``add`` has just updated)."""
    counts, displaced = rows.kudos.take(event)
    if counts:
        rows.add(event.target.owner, "kudos", subject_ref(event), event.actor, event.time)
    if displaced is not None:
        before = displaced.as_event()
        group = (displaced.recipient, subject_ref(before), before.time.astimezone(rows.zone).date())
        if group != (event.target.owner, subject_ref(event), event.time.astimezone(rows.zone).date()):
            rows.take_back(group[0], group[1], event.actor, group[2], kind="kudos")


def _like(rows: Batch, event: Event) -> None:
    ref, moment, liked = event.target.key, utc_naive(event.time), event.type == "like.added"
    state = rows.likes.get((ref, event.actor))
    if state is not None and is_older(state, moment, event.id):
        return
    was, liked_on = (state.liked, state.changed_at) if state is not None else (False, None)
    if state is None:
        state = rows.likes[(ref, event.actor)] = NotifyLike(ref=ref, liker=event.actor, liked=liked,
                                                            changed_at=moment, event_id=event.id)
        rows.session.add(state)
    else:
        state.liked, state.changed_at, state.event_id = liked, moment, event.id
    if not event.target.owner:
        rows.owners.hold_like(event, state)
    if liked and not was:
        rows.add(event.target.owner, "like", ref, event.actor, event.time)
    elif was and not liked:
        day = liked_on.replace(tzinfo=ZoneInfo("UTC")).astimezone(rows.zone).date()
        rows.take_back(event.target.owner, ref, event.actor, day)
