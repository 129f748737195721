"""Profile completion's tables (consumers/profiles.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base


class ProfileField(Base):
    """Whether a person's profile has a field filled in; the latest event time wins."""

    __tablename__ = "engagement_profile_fields"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    field: Mapped[str] = mapped_column(String(128), primary_key=True)
    present: Mapped[bool] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ProfileCompletion(Base):
    """A person's percentage by the checklist in force when it was computed (replay recomputes)."""

    __tablename__ = "engagement_profile_completion"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    percent: Mapped[int] = mapped_column(Integer)


class ProfileMilestone(Base):
    """Reaching 100 % is recognition in itself; the notifications read model tells the person."""

    __tablename__ = "engagement_profile_milestones"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    reached_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
