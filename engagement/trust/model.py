"""Trust signals' tables (consumers/trust.py, engagement/trust/service.py).

The report reads only these rollups, never raw events. ``TrustActivity`` is one row per
team, day and active person: the person is kept so that distinct sharers, leader
participation and concentration on one person can be counted for any period, but the
report never shows it, and erasure replaces it with a pseudonym.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base, BigId, utcnow


class TrustActivity(Base):
    """What one person did on one day (the organisation's time zone), credited to their team then."""

    __tablename__ = "engagement_trust_activity"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    contributions: Mapped[int] = mapped_column(Integer, default=0)
    likes_given: Mapped[int] = mapped_column(Integer, default=0)
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    cross_team: Mapped[int] = mapped_column(Integer, default=0)
    recognised: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_engagement_trust_activity_person", "person"),)


class TrustContribution(Base):
    """A contribution (or something recognised before its contribution event arrived): whether it
    ever got recognition from someone else, and where its author's row is."""

    __tablename__ = "engagement_trust_contributions"
    ref: Mapped[str] = mapped_column(String(160), primary_key=True)
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    person: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    recognised: Mapped[bool] = mapped_column(default=False)


class TrustIdea(Base):
    """An idea and whether a leader has answered it; the report counts the unanswered ones."""

    __tablename__ = "engagement_trust_ideas"
    idea_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    answered: Mapped[bool] = mapped_column(default=False)


class TrustAudit(Base):
    """Every view of the trust report: who, when, which unit and how (json, csv, trend)."""

    __tablename__ = "engagement_trust_audit"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(128))
    view: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))


class RetentionHorizon(Base):
    """Raw events before ``horizon`` were deleted from the ledger; replay starts from the rollups."""

    __tablename__ = "engagement_retention"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    horizon: Mapped[datetime] = mapped_column(DateTime)
    deleted: Mapped[int] = mapped_column(BigId, default=0)


class EarlyWarningNote(Base):
    """One week's early-warning note (engagement/trust/warnings.py): written before anything is
    sent, under the week as its key, so of several mailers only one sends it. ``flags`` are the
    flags shown groups raised that week ({team: [flag, ...]}), which the next week's note compares
    with; ``posted`` whether the chat channel took it (``posted``, ``failed``, or None: no channel)."""

    __tablename__ = "engagement_early_warnings"
    week: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO week in ENGAGEMENT_TIMEZONE, 2026-W49
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    flags: Mapped[dict] = mapped_column(JSON)
    warnings: Mapped[int] = mapped_column(Integer, default=0)  # teams named
    mailed: Mapped[int] = mapped_column(Integer, default=0)  # e-mails put in the outbox
    posted: Mapped[str | None] = mapped_column(String(10), nullable=True)
