"""The recognition read model's tables (consumers/recognition.py), and which Bra! counts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base


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


class KudosFirst(Base):
    """The one Bra! of ``giver`` for ``subject`` (what it is about, or ``person:<recipient>``) that
    counts: the earliest by (time, id), so the answer does not depend on arrival order. Kept per
    read model (``model``), so a replay of one model rebuilds exactly its rows."""

    __tablename__ = "engagement_kudos_firsts"
    model: Mapped[str] = mapped_column(String(40), primary_key=True)
    giver: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject: Mapped[str] = mapped_column(String(160), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128))
    recipient: Mapped[str] = mapped_column(String(128))
    about: Mapped[str | None] = mapped_column(String(160), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime)
