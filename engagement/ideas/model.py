"""Idea campaigns' tables (engagement/ideas/service.py, consumers/ideas.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base, utcnow


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
    # When the service took the submission in (stamped by the API): the edit window counts from here.
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
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
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
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
