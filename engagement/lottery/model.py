"""The lottery's tables (engagement/lottery/service.py): a month's commitment, its draw, and who
is left out of every draw."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base


class LotteryCommitment(Base):
    """A month's secret seed, sealed (engagement/lottery/seed.py), and the hash of it that anyone
    may read before the draw reveals the seed. Made once per month, before it ends, never changed."""

    __tablename__ = "engagement_lottery_commitments"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    commitment: Mapped[str] = mapped_column(String(64))
    sealed_seed: Mapped[str] = mapped_column(Text)
    committed_at: Mapped[datetime] = mapped_column(DateTime)
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # tickets frozen (LotteryTicket)


class LotteryTicket(Base):
    """A person's tickets in an ended month, frozen once every event received by then was counted:
    an event sent later, dated back into the month, changes nothing. Who may be drawn is settled
    then too (the exclusion list as it stood), so nobody who could unseal the seed can steer the
    draw by changing the list afterwards; an opt-out or a leaver since still takes a person out."""

    __tablename__ = "engagement_lottery_tickets"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer)
    recognised: Mapped[int] = mapped_column(Integer)  # what each part of the rule gave
    ideas: Mapped[int] = mapped_column(Integer)
    why_not: Mapped[str | None] = mapped_column(String(20), nullable=True)  # cannot be drawn, as settled then


class LotteryDraw(Base):
    """A drawn month, frozen: the revealed seed, the ticket list as it stood (private; its digest
    is public), and the winners. A month is drawn once: the primary key refuses a second."""

    __tablename__ = "engagement_lottery_draws"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    drawn_at: Mapped[datetime] = mapped_column(DateTime)
    drawn_by: Mapped[str] = mapped_column(String(200))  # who drew it, as a label ("user:lena")
    seed: Mapped[str] = mapped_column(String(64))
    winners_asked: Mapped[int] = mapped_column(Integer)
    total_tickets: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    excluded: Mapped[int] = mapped_column(Integer)
    announced_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # lottery.drawn published
    digest: Mapped[str] = mapped_column(String(64))
    entries: Mapped[list] = mapped_column(JSON)  # [[person, tickets, first], ...] in ticket order
    winners: Mapped[list] = mapped_column(JSON)  # [{place, person, ticket}, ...]


class LotteryExclusion(Base):
    """Someone never drawn, whatever they earn: the social committee that runs the lottery, say."""

    __tablename__ = "engagement_lottery_exclusions"
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(DateTime)
    added_by: Mapped[str] = mapped_column(String(200))
