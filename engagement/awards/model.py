"""Monthly awards' tables (consumers/awards.py, engagement/awards/service.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base


class AwardCredit(Base):
    """One creditable act in a month: recognition a person received, or a contribution they made.
    ``colleague`` is who gave the recognition, or whose idea or content was contributed to."""

    __tablename__ = "engagement_award_credits"
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    person: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))  # recognition or contribution
    action: Mapped[str] = mapped_column(String(40))
    colleague: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ref: Mapped[str] = mapped_column(String(160))
    person_team: Mapped[str | None] = mapped_column(String(128), nullable=True)
    colleague_team: Mapped[str | None] = mapped_column(String(128), nullable=True)
    active: Mapped[bool] = mapped_column()
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_engagement_award_credits_month_person", "month", "person"),)


class AwardTally(Base):
    """A month's active credits of one person, counted by what scores need (``facet``: per
    colleague, per colleague's team, per action, per idea...; award_scoring.FACETS). A batch
    adds to these counts and rescores the people it touched from their few rows, so the cost
    of a batch does not grow as the month fills up (with AwardSummary)."""

    __tablename__ = "engagement_award_tallies"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_engagement_award_tallies_facet_key", "facet", "key"),)


class AwardSummary(Base):
    """A person's month over the facets with one key per colleague or team (award_scoring.Summary),
    kept by increments as tallies change; the few action and idea tallies are read as they are."""

    __tablename__ = "engagement_award_summaries"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    appreciated_units: Mapped[int] = mapped_column(BigInteger)
    colleagues: Mapped[int] = mapped_column(Integer)
    teams: Mapped[int] = mapped_column(Integer)
    on_contribution_units: Mapped[int] = mapped_column(BigInteger)
    helped_teams: Mapped[int] = mapped_column(Integer)


class AwardLike(Base):
    """The awards' own like state, so an unlike takes back exactly the like it undoes."""

    __tablename__ = "engagement_award_likes"
    ref: Mapped[str] = mapped_column(String(160), primary_key=True)
    liker: Mapped[str] = mapped_column(String(128), primary_key=True)
    liked: Mapped[bool] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    event_id: Mapped[str] = mapped_column(String(128))


class AwardIdea(Base):
    __tablename__ = "engagement_award_ideas"
    idea_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    adopted: Mapped[bool] = mapped_column()


class AwardScore(Base):
    """Live scores per month, person and category; Redis sorted sets mirror them for top lists."""

    __tablename__ = "engagement_award_scores"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    facts: Mapped[dict] = mapped_column(JSON)


class AwardSnapshot(Base):
    """A finalised month: frozen, never rewritten, not touched by replay."""

    __tablename__ = "engagement_award_snapshots"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    finalised_at: Mapped[datetime] = mapped_column(DateTime)
    finalised_by: Mapped[str] = mapped_column(String(128))
    cutoff: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
