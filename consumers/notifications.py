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

from sqlalchemy import delete, func, select, text, tuple_
from sqlalchemy.orm import Session

from engagement.events import Event, EventType, Target, utc_naive
from engagement.notifications.invitations import closing_day, invited
from engagement.notifications.model import Notification, NotifyIdeaPerson, NotifyLike, NotifyTitle, group_id
from engagement.ownership.waiting import aware
from engagement.profiles.model import ProfileMilestone
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
    """The groups, like states and idea people a batch touches. Handlers change groups without
    reading them: each change is kept per group (entries added, actors taken out), and
    :meth:`write` reads exactly the groups changed, in one query, applies the changes to what
    they held and writes each table once. No group is read before the handlers run, so none
    is read that the batch does not change."""

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
        self.completed: dict[str, datetime] = {}  # by person: when the profiles read model saw 100 %
        # By group key (person, kind, ref, day): the entries the batch added and kept, by actor, in
        # the order last added; the actors whose stored entry the batch replaced or took back; and
        # the groups that gained an entry (sorted by time again on write).
        self.added: dict[tuple, dict[str, dict]] = {}
        self.gone: dict[tuple, set[str]] = {}
        self.grew: set[tuple] = set()

    def load(self) -> None:
        super().load()
        events = self.events
        ideas = {e.target.key for e in events if e.type in (*ANSWERS, EventType.IDEA_CONTRIBUTED)}
        if ideas:
            for idea_ref, person in self.session.execute(select(NotifyIdeaPerson.idea_ref, NotifyIdeaPerson.person)
                                                         .where(NotifyIdeaPerson.idea_ref.in_(sorted(ideas)))):
                self.idea_people.setdefault(idea_ref, set()).add(person)
        self.adoptions = _adoptions(self.session, {e.target.key for e in events
                                                   if e.type == EventType.IDEA_CONTRIBUTED})
        self.completed = completed_profiles(self.session, {e.actor for e in events
                                                           if e.type == EventType.PROFILE_UPDATED})

    def add(self, person: str, kind: str, ref: str, actor: str, moment: datetime, message: str | None = None) -> None:
        """``actor`` did ``kind`` to ``person``'s ``ref`` at ``moment`` (aware): join that day's group,
        with the personal ``message`` a Bra! carried, if any (the entry replaces the actor's earlier one)."""
        if person == actor or not person:
            return
        entry = {"p": actor, "at": utc_naive(moment).isoformat()}
        if message:
            entry["m"] = message
        self.put(person, kind, ref, entry, moment)

    def tell(self, person: str, kind: str, ref: str, actor: str, moment: datetime, **extra: str) -> None:
        """What happened to ``person`` whoever did it, themself included (a pulse they set up
        invites them too; their own profile is complete): one entry, the same on every replay."""
        if person:
            self.put(person, kind, ref, {"p": actor, "at": utc_naive(moment).isoformat(), **extra}, moment)

    def put(self, person: str, kind: str, ref: str, entry: dict, moment: datetime) -> None:
        actor = entry["p"]
        key = (person, kind, ref, moment.astimezone(self.zone).date())
        added = self.added.get(key)
        if added is None:
            added = self.added[key] = {}
            self.gone[key] = set()
        else:
            added.pop(actor, None)  # the actor's new entry goes last, as if appended
        added[actor] = entry
        self.gone[key].add(actor)
        self.grew.add(key)

    def take_back(self, person: str, ref: str, actor: str, day: date, kind: str = "like") -> None:
        """An unlike (or a displaced Bra!) takes its entry out of that day's group; an emptied group
        goes (or, made earlier in this batch, is never written). Taking an entry out of a group
        that holds none of the actor's changes nothing, so it is recorded without reading the group."""
        key = (person, kind, ref, day)
        added = self.added.get(key)
        if added is None:
            added = self.added[key] = {}
            self.gone[key] = set()
        added.pop(actor, None)
        self.gone[key].add(actor)

    def groups(self, stored: dict[tuple, list[dict]]) -> dict[tuple, list[dict]]:
        """Every changed group's entries now, newest first, from what it ``stored`` (by key): the stored
        entries the batch left, as stored, then the ones it added, in the order last added; as each
        change applied to the group in turn would leave them. A group that gained an entry is sorted by
        time (stably: among entries of one moment the one kept earlier first, as sorting after each
        addition kept them); one that only lost entries keeps its order."""
        out = {}
        for key, added in self.added.items():
            gone = self.gone[key]
            entries = [entry for entry in stored.get(key, ()) if entry["p"] not in gone]
            entries += added.values()
            if key in self.grew:
                entries.sort(key=_moment, reverse=True)
            out[key] = entries
        return out

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

    def write(self) -> None:
        """Each table once: the changed groups in one upsert, the emptied ones in one delete, the
        titles and idea people; on PostgreSQL all four in one statement (one round trip)."""
        self.write_owned()
        keys = sorted(self.added)
        stored = stored_groups(self.session, keys)
        groups = self.groups(stored)
        kept = [key for key in keys if groups[key]]
        emptied = [key for key in keys if not groups[key] and key in stored]
        titles = sorted(self.titles.items())
        if not on_postgresql(self.session):
            self._write_elsewhere([_group_row(key, groups[key]) for key in kept], emptied, titles)
        elif kept or emptied or titles or self.new_idea_people:
            self.session.execute(WRITE_ALL, {
                "groups": json.dumps([[group_id(*key), *_key_row(key), groups[key], _newest_at(groups[key])]
                                      for key in kept]),
                "emptied": json.dumps([_key_row(key) for key in emptied]), "titles": json.dumps(titles),
                "idea_people": json.dumps([[row["idea_ref"], row["person"]] for row in self.new_idea_people])})

    def _write_elsewhere(self, kept: list[dict], emptied: list[tuple], titles: list[tuple[str, str]]) -> None:
        """SQLite: a statement per table."""
        if kept:
            write_groups(self.session, kept)
        if emptied:
            self.session.execute(delete(Notification).where(tuple_(
                Notification.person, Notification.kind, Notification.ref, Notification.day).in_(emptied)))
        if titles:
            upsert = insert_or_update(self.session, NotifyTitle)
            upsert = upsert.on_conflict_do_update(index_elements=["ref"], set_={"title": upsert.excluded.title})
            self.session.execute(upsert, [{"ref": ref, "title": title} for ref, title in titles])
        if self.new_idea_people:
            self.session.execute(insert_ignoring_duplicates(self.session, NotifyIdeaPerson), self.new_idea_people)


# PostgreSQL: what a batch read and wrote, each table's rows as one JSON parameter (an array of
# arrays, serialised in C) unpacked on the server, so a statement's text and plan are the same for
# every batch (an IN list or a multi-row VALUES is parsed and planned anew for every size, and a
# driver dumps an array parameter element by element in Python).
STORED_GROUPS = text(
    "SELECT g.person, g.kind, g.ref, g.day, g.actors FROM json_array_elements(CAST(:keys AS json)) AS k "
    "CROSS JOIN LATERAL (SELECT person, kind, ref, day, actors FROM engagement_notifications "
    "WHERE person = k->>0 AND kind = k->>1 AND ref = k->>2 AND day = CAST(k->>3 AS date) LIMIT 1) AS g")
# The changed groups (upserted by key), the emptied ones (deleted), the titles (the latest wins) and
# the new idea people, as data-modifying CTEs of one statement: a batch's writes in one round trip.
# The four touch different rows (a group is kept or emptied, never both), so their order is moot.
WRITE_ALL = text(
    "WITH kept AS (INSERT INTO engagement_notifications (id, person, kind, ref, day, actors, last_at) "
    "SELECT CAST(r->>0 AS bigint), r->>1, r->>2, r->>3, CAST(r->>4 AS date), r->5, CAST(r->>6 AS timestamp) "
    "FROM json_array_elements(CAST(:groups AS json)) AS r "
    "ON CONFLICT (person, kind, ref, day) DO UPDATE SET actors = excluded.actors, last_at = excluded.last_at), "
    "emptied AS (DELETE FROM engagement_notifications AS n USING json_array_elements(CAST(:emptied AS json)) AS r "
    "WHERE n.person = r->>0 AND n.kind = r->>1 AND n.ref = r->>2 AND n.day = CAST(r->>3 AS date)), "
    "titled AS (INSERT INTO engagement_notify_titles (ref, title) SELECT r->>0, r->>1 "
    "FROM json_array_elements(CAST(:titles AS json)) AS r "
    "ON CONFLICT (ref) DO UPDATE SET title = excluded.title), "
    "built AS (INSERT INTO engagement_notify_idea_people (idea_ref, person) SELECT r->>0, r->>1 "
    "FROM json_array_elements(CAST(:idea_people AS json)) AS r ON CONFLICT DO NOTHING) "
    "SELECT 1")


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _key_row(key: tuple) -> list[str]:
    """A group's key as JSON takes it: the day as ISO text, which the server casts back."""
    person, kind, ref, day = key
    return [person, kind, ref, day.isoformat()]


def stored_groups(session: Session, keys: list[tuple]) -> dict[tuple, list[dict]]:
    """The entries of the groups stored under ``keys`` (person, kind, ref, day), by key, in one query:
    on PostgreSQL a lookup of the group index per key, whatever the planner thinks of the table's
    size (a key names one group at most; the ``LIMIT`` keeps the lookup from being joined as a whole)."""
    if not keys:
        return {}
    if on_postgresql(session):
        rows = session.execute(STORED_GROUPS, {"keys": json.dumps([_key_row(key) for key in keys])})
    else:
        columns = (Notification.person, Notification.kind, Notification.ref, Notification.day)
        rows = session.execute(select(*columns, Notification.actors).where(tuple_(*columns).in_(keys)))
    return {(person, kind, ref, day): actors for person, kind, ref, day, actors in rows}


def write_groups(session: Session, rows: list[dict]) -> None:
    """Insert or replace these groups (by key), elsewhere than on PostgreSQL; their ids come from
    their keys, so are never changed."""
    upsert = insert_or_update(session, Notification)
    upsert = upsert.on_conflict_do_update(index_elements=["person", "kind", "ref", "day"], set_={
        "actors": upsert.excluded.actors, "last_at": upsert.excluded.last_at})
    session.execute(upsert, rows)


def _group_row(key: tuple, actors: list[dict]) -> dict:
    person, kind, ref, day = key
    return {"id": group_id(*key), "person": person, "kind": kind, "ref": ref, "day": day, "actors": actors,
            "last_at": _newest(actors)}


def _moment(entry: dict) -> str:
    """An entry's time as stored: naive UTC in ISO form, which sorts as the times do."""
    return entry["at"]


def _newest(actors: list[dict]) -> datetime:
    """A group's time is its newest entry's: an entry taken back, or replaced by one from earlier
    that arrived late, takes its moment with it."""
    return datetime.fromisoformat(_newest_at(actors))


def _newest_at(actors: list[dict]) -> str:
    """The newest entry's time, as stored (ISO text, naive UTC)."""
    return max(actors, key=_moment)["at"]


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
                         EventType.PROFILE_UPDATED: profile_updated, EventType.PULSE_OPENED: pulse_opened,
                         EventType.LOTTERY_DRAWN: lottery_drawn, **{t: titled for t in TITLED}}

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


def pulse_opened(rows: NotificationRows, event: Event) -> None:
    """A pulse invites everyone whose team, when it opens, is in one of its units' subtrees, and
    the managers of those teams' leaders (engagement/notifications/invitations.py): one entry each
    under the pulse, its creator as the actor, so a replay or a second delivery changes nothing."""
    data, ref = event.data, event.target.key
    rows.title(ref, str(data.get("title") or "")[:200])
    due = closing_day(data.get("closes_at"), rows.zone)
    units = [str(unit) for unit in data.get("units") or () if unit]
    for person in invited(rows.session, units, utc_naive(event.time)):
        rows.tell(person, "pulse", ref, event.actor, event.time, **({"due": due} if due else {}))


def lottery_drawn(rows: NotificationRows, event: Event) -> None:
    """Each winner of a month's draw hears of it once, under the month (``lottery:2026-11``), the
    leader who drew as the actor: on the bell, and by e-mail with their next digest."""
    for person in dict.fromkeys(str(p) for p in event.data.get("winners") or () if p):
        rows.tell(person, "lottery", event.target.key, event.actor, event.time)


def profile_updated(rows: NotificationRows, event: Event) -> None:
    """Profile 100 % reaches the person once: the group is keyed by the milestone the profiles read
    model recorded (the first time, engagement/profiles/model.py), so every update after it, a
    replay or a redelivery writes the very same group. Whichever of the two read models applies the
    update second writes it (consumers/profiles.py writes it with the milestone)."""
    reached = rows.completed.get(event.actor)
    if reached is not None:
        person, entry = milestone_entry(event.actor, reached)
        rows.put(person, "profile", profile_ref(person), entry, reached.replace(tzinfo=UTC))


def profile_ref(person: str) -> str:
    return f"person:{person}"  # the person themself, as profile.updated names them (erasure renames it)


def milestone_entry(person: str, reached_at: datetime) -> tuple[str, dict]:
    """The profile-complete group's one entry: the person themself, at the milestone (naive UTC)."""
    return person, {"p": person, "at": reached_at.isoformat()}


def milestone_groups(milestones: list[dict], zone: ZoneInfo) -> list[dict]:
    """The profile-complete groups of newly recorded milestones ({"person", "reached_at"}), as rows."""
    out = []
    for row in milestones:
        person, entry = milestone_entry(row["person"], row["reached_at"])
        day = row["reached_at"].replace(tzinfo=UTC).astimezone(zone).date()
        out.append(_group_row((person, "profile", profile_ref(person), day), [entry]))
    return out


def completed_profiles(session: Session, people: set[str]) -> dict[str, datetime]:
    """When each of these people's profiles first reached 100 % (one query; none asked, none read)."""
    if not people:
        return {}
    rows = session.execute(select(ProfileMilestone.person, func.min(ProfileMilestone.reached_at))
                           .where(ProfileMilestone.person.in_(sorted(people))).group_by(ProfileMilestone.person))
    return {person: reached for person, reached in rows}


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
