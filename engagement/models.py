"""Tables Tillit owns. All prefixed ``engagement_`` so they live beside a host app's tables.

They hang off Tillit's own ``MetaData`` rather than a ``db.Model``, so the models do
not depend on which Flask-SQLAlchemy instance (ours or the host's) runs them.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ApiKey(Base):
    """A server-to-server key. Only a SHA-256 of the key is stored; the key is shown once."""

    __tablename__ = "engagement_api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LedgerEvent(Base):
    """Every accepted event once, in arrival order: the source every read model is rebuilt from."""

    __tablename__ = "engagement_ledger"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    schema_version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(128))
    target_owner: Mapped[str] = mapped_column(String(128), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(100))
    submitted_by: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict] = mapped_column(JSON)
    topic: Mapped[str] = mapped_column(String(200))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_engagement_ledger_target", "target_kind", "target_id"),)


class ConsumerPosition(Base):
    """The tracking record: the last offset a read model applied, written in its transaction."""

    __tablename__ = "engagement_consumer_positions"
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ProcessedEvent(Base):
    """Event ids a read model has applied, so the same id sent twice counts once."""

    __tablename__ = "engagement_processed_events"
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class DeadLetter(Base):
    """A record a consumer could not apply, with the reason; the stream goes on without it."""

    __tablename__ = "engagement_dead_letters"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consumer: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# -- recognition read model (consumers/recognition.py) ------------------------

class LikeState(Base):
    """Whether a person likes a target now; the event time decides between a like and an unlike."""

    __tablename__ = "engagement_like_states"
    target_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    liked: Mapped[bool] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    event_id: Mapped[str] = mapped_column(String(128))


class TargetStats(Base):
    """Counts shown on a target. Self-likes count here (the button must move) but not as recognition."""

    __tablename__ = "engagement_target_stats"
    target_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    likes: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    kudos: Mapped[int] = mapped_column(Integer, default=0)


class PersonRecognition(Base):
    """Recognition a person received and gave, per kind (like, comment, kudos); never self."""

    __tablename__ = "engagement_person_recognition"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    given: Mapped[int] = mapped_column(Integer, default=0)


class RecognitionPair(Base):
    """How many live recognitions ``person`` has from ``colleague``: distinct colleagues = rows > 0."""

    __tablename__ = "engagement_recognition_pairs"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    colleague: Mapped[str] = mapped_column(String(128), primary_key=True)
    active: Mapped[int] = mapped_column(Integer, default=0)


# -- the directory (engagement/services/directory.py) --------------------------

class Team(Base):
    """A unit in the org tree."""

    __tablename__ = "engagement_teams"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)


class Person(Base):
    """An employee as the directory knows them; people who leave turn inactive, never deleted."""

    __tablename__ = "engagement_people"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    locale: Mapped[str] = mapped_column(String(10), default="nb")
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Membership(Base):
    """Which team a person was in, and when: an event counts for the team of its moment.
    ``valid_from`` None is the beginning of time; ``valid_to`` None is still so."""

    __tablename__ = "engagement_memberships"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(128), index=True)
    team_id: Mapped[str] = mapped_column(String(128))
    valid_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TeamRecognition(Base):
    """Recognition received and given by a team's members, per kind, by team at the event's time."""

    __tablename__ = "engagement_team_recognition"
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    given: Mapped[int] = mapped_column(Integer, default=0)


# -- idea campaigns (engagement/services/campaigns.py, consumers/ideas.py) --------

class Campaign(Base):
    """A leader's question to a unit, open until it closes; written directly, not via events,
    so that the API can refuse ideas for a closed campaign at once."""

    __tablename__ = "engagement_campaigns"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    owner: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, closed, archived
    closes_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Idea(Base):
    __tablename__ = "engagement_ideas"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    campaign_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    author: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="new")  # new, under_review, adopted, not_pursued
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    visibility: Mapped[str] = mapped_column(String(10), default="visible")  # visible, hidden, removed
    edited_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Contribution(Base):
    """A text that develops someone's idea."""

    __tablename__ = "engagement_contributions"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(128), index=True)
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    contributed_at: Mapped[datetime] = mapped_column(DateTime)
    visibility: Mapped[str] = mapped_column(String(10), default="visible")
    edited_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AbuseReport(Base):
    """Someone reported an idea or contribution: it is hidden until an admin restores or removes it."""

    __tablename__ = "engagement_abuse_reports"
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20), index=True)
    target_id: Mapped[str] = mapped_column(String(128), index=True)
    reporter: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)  # restored or removed


class IdeaCredit(Base):
    """Everyone credited when an idea is adopted; the notifications consumer tells each of them."""

    __tablename__ = "engagement_idea_credits"
    idea_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # author or contributor
    credited_at: Mapped[datetime] = mapped_column(DateTime)
