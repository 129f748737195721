"""Notifications: recognition reaches the person (like the "Bra!" mails some intranets send).

One group per recipient, kind, thing and day — "Kari and 4 others liked your idea" — not
one row per click. Nothing for self-actions; an unlike takes its entry back (the like rule,
consumers/likes.py: the later event wins, as everywhere). A Bra! is heard of once per giver and subject, the earliest
(engagement/recognition/kudos.py): a repeat adds nothing, an earlier one arriving late moves the entry to
its own recipient and day. Adoption reaches the idea's author and everyone who built
on it. Read marks and what was mailed live outside this read model (by the group's key),
so a replay rebuilds the groups without un-reading or re-mailing anything. A Bra!'s personal
message travels with its giver's entry (``"m"``), so the recipient reads each giver's own words.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.orm import Session

from engagement.events import Event, EventType, Target, utc_naive
from engagement.notifications.model import Notification, NotifyIdeaPerson, NotifyLike, NotifyTitle, group_id
from engagement.ownership.waiting import aware
from engagement.recognition.kudos import recognises

from .base import Pairs, insert_ignoring_duplicates, insert_or_update
from .likes import LikeTable
from .owned import OwnedBatch, OwnedReadModel

KINDS = {EventType.LIKE_ADDED: "like", EventType.COMMENT_POSTED: "comment", EventType.KUDOS_GIVEN: "kudos",
         EventType.IDEA_CONTRIBUTED: "contribution", EventType.IDEA_ANSWERED: "answer",
         EventType.IDEA_ADOPTED: "adopted"}
TITLED = (EventType.IDEA_SUBMITTED, EventType.IDEA_EDITED, EventType.CONTENT_PUBLISHED)
ANSWERS = (EventType.IDEA_ADOPTED, EventType.IDEA_ANSWERED)
LIKES = LikeTable(NotifyLike, ("ref",), "liker", lambda t: (t.key,))
MESSAGE_MAX = 500  # kudos.given data.message (schemas/events.py KudosData)
# Control characters and the bidirectional overrides and isolates (U+202A-202E, U+2066-2069): with
# them a giver's words could start a new line that reads like another person's Bra!, or run backwards.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def subject_ref(event: Event) -> str:
    """What the notification is about: the liked thing, or for a Bra! the content it praises."""
    return recognises(event) or event.target.key


class NotificationRows(OwnedBatch):
    """The groups, like states and idea people a batch touches: loaded up front in a few queries,
    changed in memory as plain lists, and written in :meth:`write` with one statement per table."""

    # Owners and like states as plain rows, one statement each (consumers/owned.py). The fault test's
    # extra like on a5 was its poison record (an actor of 300 characters) cut to fit by the bulk
    # statement's CAST and counted; engagement/bulk.py now casts to unbounded types, so it is refused.
    in_bulk = True

    def __init__(self, session: Session, batch: Pairs, model: str,
                 zone: ZoneInfo):
        super().__init__(session, batch, model, LIKES)
        self.zone = zone
        self.idea_people: dict[str, set[str]] = {}
        self.new_idea_people: list[dict[str, str]] = []
        self.titles: dict[str, str] = {}  # the batch's latest title per thing
        self.adoptions: dict[str, tuple[str, datetime]] = {}
        self.groups: dict[tuple, list[dict]] = {}  # actors by (person, kind, ref, day); [] once emptied
        self.stored: set[tuple] = set()  # the groups the table held when the batch began
        self.changed: set[tuple] = set()

    def load(self) -> None:
        super().load()
        events = self.events
        ideas = {e.target.key for e in events if e.type in (*ANSWERS, EventType.IDEA_CONTRIBUTED)}
        if ideas:
            for idea_ref, person in self.session.execute(select(NotifyIdeaPerson.idea_ref, NotifyIdeaPerson.person)
                                                         .where(NotifyIdeaPerson.idea_ref.in_(sorted(ideas)))):
                self.idea_people.setdefault(idea_ref, set()).add(person)
        people = {e.target.owner for e in events} | {p for ps in self.idea_people.values() for p in ps}
        people |= self.kudos.recipients
        people |= {p for e in events for p in e.data.get("credited") or ()}
        people |= {e.actor for e in events if e.type == EventType.IDEA_CONTRIBUTED}
        self.adoptions = _adoptions(self.session, {e.target.key for e in events
                                                   if e.type == EventType.IDEA_CONTRIBUTED})
        if people - {""}:
            columns = (Notification.person, Notification.kind, Notification.ref, Notification.day, Notification.actors)
            for person, kind, ref, day, actors in self.session.execute(select(*columns).where(
                    Notification.person.in_(sorted(people - {""})), Notification.ref.in_(sorted(self._refs())))):
                self.groups[(person, kind, ref, day)] = actors
        self.stored = set(self.groups)

    def _refs(self) -> set[str]:
        """What the batch's events are about, and what the Bra!s they may displace were about."""
        counted = {row.about or f"person:{row.recipient}" for row in self.kudos.rows.values()}
        return {subject_ref(e) for e in self.events} | counted

    def add(self, person: str, kind: str, ref: str, actor: str, moment: datetime, message: str | None = None) -> None:
        """``actor`` did ``kind`` to ``person``'s ``ref`` at ``moment`` (aware): join that day's group,
        with the personal ``message`` a Bra! carried, if any (the entry replaces the actor's earlier one)."""
        if person == actor or not person:
            return
        key = (person, kind, ref, moment.astimezone(self.zone).date())
        entry = {"p": actor, "at": utc_naive(moment).isoformat(), **({"m": message} if message else {})}
        entries = [a for a in self.groups.get(key, ()) if a["p"] != actor] + [entry]
        self.groups[key] = sorted(entries, key=lambda a: a["at"], reverse=True)
        self.changed.add(key)

    def title(self, ref: str, title: str) -> None:
        """The latest title wins; a batch may name one thing twice."""
        self.titles[ref] = title

    def built_on(self, idea_ref: str, person: str) -> bool:
        """Remember who built on an idea; answer whether they are new to it."""
        people = self.idea_people.setdefault(idea_ref, set())
        if person in people:
            return False
        people.add(person)
        self.new_idea_people.append({"idea_ref": idea_ref, "person": person})
        return True

    def take_back(self, person: str, ref: str, actor: str, day: date, kind: str = "like") -> None:
        """An unlike (or a displaced Bra!) takes its entry out of that day's group; an emptied group
        goes (or, made earlier in this batch, is never written)."""
        key = (person, kind, ref, day)
        if self.groups.get(key):
            self.groups[key] = [a for a in self.groups[key] if a["p"] != actor]
            self.changed.add(key)

    def write(self) -> None:
        """Each table once: the changed groups in one upsert, the emptied ones in one delete."""
        self.write_owned()
        kept = sorted(key for key in self.changed if self.groups[key])
        if kept:
            write_groups(self.session, [_group_row(key, self.groups[key]) for key in kept])
        emptied = sorted(key for key in self.changed & self.stored if not self.groups[key])
        if emptied:
            self.session.execute(delete(Notification).where(tuple_(
                Notification.person, Notification.kind, Notification.ref, Notification.day).in_(emptied)))
        if self.titles:
            upsert = insert_or_update(self.session, NotifyTitle)
            upsert = upsert.on_conflict_do_update(index_elements=["ref"], set_={"title": upsert.excluded.title})
            self.session.execute(upsert, [{"ref": ref, "title": title} for ref, title in sorted(self.titles.items())])
        if self.new_idea_people:
            self.session.execute(insert_ignoring_duplicates(self.session, NotifyIdeaPerson), self.new_idea_people)


# One statement for a whole batch of groups on PostgreSQL: seven arrays, unnested into rows, so the
# statement's text stays small whatever the batch (a multi-row VALUES is parsed anew for every size).
GROUPS_UPSERT = text(
    "INSERT INTO engagement_notifications (id, person, kind, ref, day, actors, last_at) "
    "SELECT * FROM unnest(CAST(:id AS bigint[]), CAST(:person AS varchar[]), CAST(:kind AS varchar[]), "
    "CAST(:ref AS varchar[]), CAST(:day AS date[]), CAST(:actors AS json[]), CAST(:last_at AS timestamp[])) "
    "ON CONFLICT (person, kind, ref, day) DO UPDATE SET actors = excluded.actors, last_at = excluded.last_at")


def write_groups(session: Session, rows: list[dict]) -> None:
    """Insert or replace these groups (by key); their ids come from their keys, so are never changed."""
    if session.get_bind().dialect.name == "postgresql":
        columns = {c: [row[c] for row in rows] for c in ("id", "person", "kind", "ref", "day", "last_at")}
        session.execute(GROUPS_UPSERT, {**columns, "actors": [json.dumps(row["actors"]) for row in rows]})
        return
    upsert = insert_or_update(session, Notification)
    upsert = upsert.on_conflict_do_update(index_elements=["person", "kind", "ref", "day"], set_={
        "actors": upsert.excluded.actors, "last_at": upsert.excluded.last_at})
    session.execute(upsert, rows)


def _group_row(key: tuple, actors: list[dict]) -> dict:
    person, kind, ref, day = key
    return {"id": group_id(*key), "person": person, "kind": kind, "ref": ref, "day": day, "actors": actors,
            "last_at": _newest(actors)}


def _newest(actors: list[dict]) -> datetime:
    """A group's time is its newest entry's: an entry taken back, or replaced by one from earlier
    that arrived late, takes its moment with it."""
    return max(datetime.fromisoformat(a["at"]) for a in actors)


def _adoptions(session: Session, refs: set[str]) -> dict[str, tuple[str, datetime]]:
    """Ideas already adopted: who adopted them and when (from an "adopted" group's entry)."""
    if not refs:
        return {}
    rows = session.execute(select(Notification.ref, Notification.actors).where(
        Notification.kind == "adopted", Notification.ref.in_(sorted(refs))))
    return {ref: (actors[0]["p"], datetime.fromisoformat(actors[0]["at"])) for ref, actors in rows if actors}


class Notifications(OwnedReadModel[NotificationRows]):
    name = "notifications"
    tables = (Notification, NotifyLike, NotifyTitle, NotifyIdeaPerson)

    def __init__(self, timezone: str):
        self.zone = ZoneInfo(timezone)
        self.handlers = {EventType.LIKE_ADDED: liked, EventType.LIKE_REMOVED: liked, EventType.KUDOS_GIVEN: kudos,
                         EventType.COMMENT_POSTED: told, EventType.IDEA_CONTRIBUTED: told,
                         EventType.IDEA_ANSWERED: answered, EventType.IDEA_ADOPTED: answered,
                         **{t: titled for t in TITLED}}

    def begin(self, session: Session, batch: Pairs) -> NotificationRows:
        return NotificationRows(session, batch, self.name, self.zone)

    def owner_known(self, rows: NotificationRows, target: Target, by: Event) -> None:
        notify_waiting(rows, target)


def notify_waiting(rows: NotificationRows, target: Target) -> None:
    """An authority has just named the target's owner: tell them of the likes standing on it and
    of what waited, as of their own days."""
    for liker, state in rows.likes.standing(target):
        rows.add(target.owner, "like", target.key, liker, aware(state.changed_at))
    for waiting in rows.owners.take_waiting(target):
        rows.add(target.owner, waiting.kind, target.key, waiting.actor, aware(waiting.at))


def titled(rows: NotificationRows, event: Event) -> None:
    """Titles come only from the target's owner: someone else's ``content.published`` for the same
    id cannot rename it (a phishing line in the owner's feed)."""
    if event.data.get("title") and event.actor == event.target.owner:
        rows.title(event.target.key, event.data["title"][:200])


def told(rows: NotificationRows, event: Event) -> None:
    """A comment, a contribution or an answer reaches the target's owner (once one is known)."""
    kind, owner, ref = KINDS[EventType(event.type)], event.target.owner, subject_ref(event)
    if owner:
        rows.add(owner, kind, ref, event.actor, event.time)
    else:
        rows.owners.wait(event, kind)
    if event.type == EventType.IDEA_CONTRIBUTED and rows.built_on(ref, event.actor):
        _credit_late(rows, ref, event)


def answered(rows: NotificationRows, event: Event) -> None:
    """An adoption reaches the idea's author, everyone who built on it and everyone it credits."""
    if event.type != EventType.IDEA_ADOPTED and event.data.get("status") != "adopted":
        return told(rows, event)
    ref = subject_ref(event)
    credited = {event.target.owner} | rows.idea_people.get(ref, set()) | set(event.data.get("credited") or ())
    for person in sorted(credited - {""}):
        rows.add(person, "adopted", ref, event.actor, event.time)
    rows.adoptions[ref] = (event.actor, utc_naive(event.time))


def _credit_late(rows: NotificationRows, ref: str, event: Event) -> None:
    """A contribution that arrives after its idea's adoption (a back-fill) hears of the adoption
    too, if it was made before it: the same groups as in the order things happened."""
    adoption = rows.adoptions.get(ref)
    if adoption is not None and utc_naive(event.time) <= adoption[1]:
        leader, at = adoption
        rows.add(event.actor, "adopted", ref, leader, at.replace(tzinfo=UTC))


def kudos(rows: NotificationRows, event: Event) -> None:
    """Tell of the Bra! that counts for its giver and subject; if it displaces one told of
    before, take that entry back unless it is the same group (which ``add`` has just updated)."""
    counts, displaced = rows.kudos.take(event)
    if counts:
        rows.add(event.target.owner, "kudos", subject_ref(event), event.actor, event.time, kudos_message(event))
    if displaced is not None:
        before = displaced.as_event()
        group = (displaced.recipient, subject_ref(before), before.time.astimezone(rows.zone).date())
        if group != (event.target.owner, subject_ref(event), event.time.astimezone(rows.zone).date()):
            rows.take_back(group[0], group[1], event.actor, group[2], kind="kudos")


def kudos_message(event: Event) -> str | None:
    """The giver's own words on one line, without invisible controls, bounded as the event schema
    bounds them (an event read straight off the bus was never checked by the API)."""
    message = event.data.get("message")
    if not isinstance(message, str):
        return None
    return " ".join(_INVISIBLE.sub("", message).split())[:MESSAGE_MAX] or None



def liked(rows: NotificationRows, event: Event) -> None:
    """A like joins its day's group on the owner's thing; an unlike leaves the like's day's group."""
    change = rows.likes.change(event)
    if change is None:
        return
    if change.added:
        rows.add(event.target.owner, "like", event.target.key, event.actor, event.time)
    elif change.removed and change.since is not None:
        day = change.since.replace(tzinfo=ZoneInfo("UTC")).astimezone(rows.zone).date()
        rows.take_back(event.target.owner, event.target.key, event.actor, day)
