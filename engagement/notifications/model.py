"""Notifications' tables (consumers/notifications.py, engagement/notifications/service.py, digests.py).

``Notification``, ``NotifyLike``, ``NotifyTitle`` and ``NotifyIdeaPerson`` are a read model
that replay rebuilds. What people did with them — read marks, what was mailed, preferences,
the mail outbox — lives in tables replay never touches, keyed by the group's stable key
(person, kind, ref, day), so a rebuild neither un-reads nor re-mails anything.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Index, PrimaryKeyConstraint, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engagement.db import Base, BigId, utcnow


def group_id(person: str, kind: str, ref: str, day: date) -> int:
    """A group's id, from its key alone, so a replay gives every group the id it had and a client
    holding one (to mark it read) still finds it. 53 bits: a JSON number a browser reads exactly.
    Unique per person (the primary key is (person, id)); two of one person's groups sharing an id
    is about as likely as one in 10^8 for a person with 10,000 groups. Never change this function:
    migration 0024 holds a copy that gave existing groups their ids."""
    key = "\x1f".join((person, kind, ref, day.isoformat())).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 11 or 1


class Notification(Base):
    """One group: everyone who did ``kind`` to ``ref`` of ``person``'s on one day, newest first.
    ``actors`` is a list of {"p": person id, "at": ISO time}; an unlike takes its entry back.
    ``id`` is :func:`group_id` of the key, the same after every replay."""

    __tablename__ = "engagement_notifications"
    id: Mapped[int] = mapped_column(BigId, autoincrement=False)
    person: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(160))
    day: Mapped[date] = mapped_column(Date)
    actors: Mapped[list] = mapped_column(JSON)
    last_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (PrimaryKeyConstraint("person", "id"),
                      Index("ix_engagement_notifications_group", "person", "kind", "ref", "day", unique=True),
                      Index("ix_engagement_notifications_feed", "person", "last_at"))


class NotifyLike(Base):
    """The notifications' own like state, so an unlike takes back exactly the like it undoes."""

    __tablename__ = "engagement_notify_likes"
    ref: Mapped[str] = mapped_column(String(160), primary_key=True)
    liker: Mapped[str] = mapped_column(String(128), primary_key=True)
    liked: Mapped[bool] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    event_id: Mapped[str] = mapped_column(String(128))


class NotifyTitle(Base):
    """What a thing is called, so a notification can say which idea or article it is about."""

    __tablename__ = "engagement_notify_titles"
    ref: Mapped[str] = mapped_column(String(160), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class NotifyIdeaPerson(Base):
    """Everyone who built on an idea: all of them hear about it when it is adopted."""

    __tablename__ = "engagement_notify_idea_people"
    idea_ref: Mapped[str] = mapped_column(String(160), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)


class NotificationMark(Base):
    """What a person has seen and been mailed of one group, up to which actor time."""

    __tablename__ = "engagement_notification_marks"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    ref: Mapped[str] = mapped_column(String(160), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seen_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    mailed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class NotifyPreference(Base):
    """How and when a person wants e-mail. Quiet hours are local times ("21:00", "07:00")."""

    __tablename__ = "engagement_notify_preferences"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    digest: Mapped[str] = mapped_column(String(10), default="daily")  # immediate, daily, weekly, off
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    read_before: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Unsubscribe links carry the generation they were made in; bumping it revokes them all.
    unsubscribe_generation: Mapped[int] = mapped_column(default=0, server_default="0")


class MailOutbox(Base):
    """One digest e-mail: claimed (pending), being handed to SMTP (sending), then sent. A mail
    found in ``sending`` after a crash may have gone out, so it is never sent again (uncertain)."""

    __tablename__ = "engagement_mail_outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person: Mapped[str] = mapped_column(String(128), index=True)
    address: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # digest (a person's notifications) or warning (the weekly early warnings, engagement/trust/warnings.py):
    # a person's digest rhythm counts their digests only.
    kind: Mapped[str] = mapped_column(String(10), default="digest", server_default="digest")


def rekey(session: Session, pseudonym: str) -> None:
    """After erasure renamed a person in the groups' keys (their own, or a Bra!'s subject): the ids
    follow the keys, so no id is a hash of the erased person's id, and a replay gives the same ids."""
    for group in session.scalars(select(Notification).where(or_(
            Notification.person == pseudonym, Notification.ref.contains(pseudonym, autoescape=True)))):
        group.id = group_id(group.person, group.kind, group.ref, group.day)
