"""A person's notification feed, read marks and e-mail preferences.

A group is read when the person has seen it up to its newest entry (``seen_until``) or
marked everything read since (``read_before``); a new like on a read group makes it
unread again and brings it to the top, as people expect from a feed.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from engagement.db import utcnow
from engagement.directory.model import Person
from engagement.errors import EngagementError, FieldError, ValidationFailed
from engagement.notifications.model import Notification, NotificationMark, NotifyPreference, NotifyTitle
from engagement.notifications.texts import message_line, sentence
from engagement.ownership.model import TargetOwner
from engagement.schemas.patterns import CLOCK_PATTERN

DIGESTS = ("immediate", "daily", "weekly", "off")
CLOCK = re.compile(CLOCK_PATTERN)
DEFAULT_QUIET = ("21:00", "07:00")


def preferences(session: Session, person: str) -> NotifyPreference:
    row = session.get(NotifyPreference, person)
    return row or NotifyPreference(person=person, digest="daily", quiet_start=DEFAULT_QUIET[0],
                                   quiet_end=DEFAULT_QUIET[1], unsubscribe_generation=0)


def preferences_dict(row: NotifyPreference) -> dict:
    quiet = {"start": row.quiet_start, "end": row.quiet_end} if row.quiet_start else None
    return {"person": row.person, "digest": row.digest, "quiet_hours": quiet}


def set_preferences(session: Session, person: str, body: dict) -> dict:
    """``digest`` and ``quiet_hours`` ({"start": "21:00", "end": "07:00"} or null); all or nothing."""
    errors = [FieldError(k, "Unknown field.") for k in sorted(set(body) - {"digest", "quiet_hours"})]
    if "digest" in body and body["digest"] not in DIGESTS:
        errors.append(FieldError("digest", f"One of {', '.join(DIGESTS)}."))
    quiet = body.get("quiet_hours", "keep")
    if quiet not in ("keep", None) and (not isinstance(quiet, dict) or set(quiet) != {"start", "end"}):
        errors.append(FieldError("quiet_hours", 'null or {"start": "HH:MM", "end": "HH:MM"}.'))
    elif isinstance(quiet, dict):
        errors += [FieldError(f"quiet_hours.{k}", "A time of day as HH:MM.") for k in ("start", "end")
                   if not isinstance(quiet[k], str) or not CLOCK.fullmatch(quiet[k])]
    if errors:
        raise ValidationFailed(errors)
    row = session.get(NotifyPreference, person)
    if row is None:
        row = preferences(session, person)
        session.add(row)
    if row.digest == "off" and body.get("digest", "off") != "off":
        row.unsubscribe_generation = (row.unsubscribe_generation or 0) + 1  # old links must not undo this
    row.digest = body.get("digest", row.digest)
    if quiet != "keep":
        row.quiet_start, row.quiet_end = (quiet["start"], quiet["end"]) if quiet else (None, None)
    session.commit()
    return preferences_dict(row)


def _unread(read_before: datetime | None):
    seen = or_(NotificationMark.seen_until.is_(None), NotificationMark.seen_until < Notification.last_at)
    return and_(seen, Notification.last_at > read_before) if read_before else seen


# A group and what its person has seen and been mailed of it (marks outlive replays).
MARK_OF_GROUP = and_(NotificationMark.person == Notification.person, NotificationMark.kind == Notification.kind,
                     NotificationMark.ref == Notification.ref, NotificationMark.day == Notification.day)


def _joined(person: str):
    """The person's groups with their marks; a group dated later than now (a pulse's invitation,
    dated the moment it opens) is shown from then."""
    return (select(Notification, NotificationMark.seen_until).outerjoin(NotificationMark, MARK_OF_GROUP)
            .where(Notification.person == person, Notification.last_at <= utcnow()))


def unread_count(session: Session, person: str) -> int:
    read_before = preferences(session, person).read_before
    return session.scalar(select(func.count()).select_from(_joined(person).where(_unread(read_before)).subquery())) or 0


def feed(session: Session, person: str, lang: str, page: int, per_page: int) -> dict:
    """Newest first, with each group's sentence ("Kari og 4 andre likte «Salatbar»")."""
    read_before = preferences(session, person).read_before
    rows = session.execute(_joined(person).order_by(Notification.last_at.desc(), Notification.id.desc())
                           .offset((page - 1) * per_page).limit(per_page + 1)).all()
    more, rows = len(rows) > per_page, rows[:per_page]
    lines = Lines(session, [(n, n.actors) for n, _ in rows], lang)
    items = [{"id": n.id, "kind": n.kind, "ref": n.ref, "at": n.last_at.isoformat() + "Z", "count": len(n.actors),
              "actors": lines.names_of(n.actors), "text": lines.sentence(n, n.actors),
              "messages": lines.messages(n.actors),
              "read": not is_unread(n, seen, read_before)} for n, seen in rows]
    return {"person": person, "unread": unread_count(session, person), "page": page, "items": items,
            "next_page": page + 1 if more else None}


def is_unread(n: Notification, seen: datetime | None, read_before: datetime | None) -> bool:
    """Unread until seen up to its newest entry, or until everything was marked read after it."""
    return (seen is None or seen < n.last_at) and (read_before is None or n.last_at > read_before)


class Lines:
    """Groups as sentences ("Kari Nordmann og 4 andre likte «Salatbar»"), with the names and
    titles they need loaded in two queries; the feed and the digests both say them."""

    def __init__(self, session: Session, groups: list[tuple[Notification, list[dict]]], lang: str):
        ids = {a["p"] for _, actors in groups for a in actors}
        refs = {g.ref for g, _ in groups}
        self.lang = lang
        self.names = (dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
                      if ids else {})
        self.titles = dict(session.execute(select(NotifyTitle.ref, NotifyTitle.title).where(
            NotifyTitle.ref.in_(refs))).all()) if refs else {}
        self.owners = _owners(session, {g.ref for g, _ in groups if g.kind == "kudos"})

    def names_of(self, actors: list[dict]) -> list[str]:
        return [self.names.get(a["p"], a["p"]) for a in actors]

    def messages(self, actors: list[dict]) -> list[dict]:
        """Each giver's personal message with a Bra!, newest first, named as the sentence names them."""
        return [{"actor": self.names.get(a["p"], a["p"]), "message": a["m"],
                 "text": message_line(self.lang, self.names.get(a["p"], a["p"]), a["m"])}
                for a in actors if a.get("m")]

    def sentence(self, group: Notification, actors: list[dict]) -> str:
        own = self.owners.get(group.ref) == group.person
        due = next((a["due"] for a in actors if a.get("due")), None)
        return sentence(group.kind, self.lang, self.names_of(actors), self.titles.get(group.ref), group.ref, own, due)


def _owners(session: Session, refs: set[str]) -> dict[str, str]:
    """Who an authority says owns each ``kind:id`` (as the notifications learned it), so a Bra!
    about something quotes its title only to its owner; unknown yet means not theirs."""
    keys = [tuple(ref.split(":", 1)) for ref in refs if ":" in ref and not ref.startswith("person:")]
    if not keys:
        return {}
    rows = session.execute(select(TargetOwner.target_kind, TargetOwner.target_id, TargetOwner.owner).where(
        TargetOwner.model == "notifications", tuple_(TargetOwner.target_kind, TargetOwner.target_id).in_(keys)))
    return {f"{kind}:{target_id}": owner for kind, target_id, owner in rows}


def mark_read(session: Session, person: str, ids: list[int] | None) -> int:
    """Mark the given groups read up to their newest entry, or everything (``ids`` None)."""
    if ids is None:
        row = session.get(NotifyPreference, person) or preferences(session, person)
        row.read_before = utcnow()
        session.merge(row)
        session.commit()
        return 0
    groups = session.scalars(select(Notification).where(Notification.person == person, Notification.id.in_(ids))).all()
    if len(groups) != len(set(ids)):
        raise EngagementError("Some of these notifications are not yours or do not exist.", 404, "Not found")
    marks = {(m.kind, m.ref, m.day): m for m in session.scalars(select(NotificationMark).where(
        NotificationMark.person == person,
        tuple_(NotificationMark.kind, NotificationMark.ref, NotificationMark.day).in_(
            [(g.kind, g.ref, g.day) for g in groups])))} if groups else {}
    for g in groups:
        mark = marks.get((g.kind, g.ref, g.day))
        if mark is None:
            session.add(NotificationMark(person=person, kind=g.kind, ref=g.ref, day=g.day, seen_until=g.last_at))
        else:
            mark.seen_until = max(mark.seen_until or g.last_at, g.last_at)
    session.commit()
    return len(groups)
