"""Pulses' tables: the definition, who has answered, answers waiting to go out, and the counts.

Anonymity is made here, by what each table leaves out. ``PulseParticipation`` says who has
answered and nothing else (no time, no answer). ``PulseOutbox`` holds an answer, with its team
and wording but no person and no time, until the pulse closes; then all of them go onto the bus
at once, shuffled, each ``team``-wording answer under the shown group it counts in (at least
``ENGAGEMENT_MIN_GROUP_SIZE`` answers each; engagement/pulses/outbox.py), so neither the order,
the time nor the team of an answer in the event log says whose it is. ``PulseTally`` and ``PulseRespondents``
are the read model (consumers/pulses.py) that replay rebuilds from the ``pulse.answered`` events.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base, utcnow

# What an answer is about: the team's own view of its leader or climate, the leader's view of
# themself ("Jeg bidrar til ..."), or the leader's own leader's view of them.
WORDINGS = ("team", "self", "manager")
DONT_KNOW = 0  # an answer's value: 1-5 agreement, or 0 for "don't know"


class Pulse(Base):
    """A short survey that communications or HR staff send to units, open from ``opens_at`` to
    ``closes_at`` (naive UTC). ``statements`` is a list of library keys (engagement/pulses/library.py)
    or custom statements ``{"key": "custom-1", "text": {lang: {wording: text}}}``; ``units`` the
    team ids whose subtrees are invited. Written directly (not via events) so that the API can
    refuse an answer to a closed pulse at once; ``pulse.opened`` tells the read models."""

    __tablename__ = "engagement_pulses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    statements: Mapped[list] = mapped_column(JSON)
    units: Mapped[list] = mapped_column(JSON)
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    free_text: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When the closed pulse's answers went out (engagement/pulses/outbox.py): set in the release's
    # own transaction, so two releases take turns and an answer arriving after it is refused.
    released_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PulseParticipation(Base):
    """That a person has answered a pulse (for one team and wording), so nobody answers twice and
    reminders stop. Deliberately without a time or anything of the answer."""

    __tablename__ = "engagement_pulse_participation"
    pulse_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str] = mapped_column(String(128))
    wording: Mapped[str] = mapped_column(String(10))

    __table_args__ = (PrimaryKeyConstraint("pulse_id", "person_id", "team_id", "wording"),)


class PulseOutbox(Base):
    """An answer taken in and not yet on the bus: no person, no time. ``sealed`` holds the event id
    it will go out under (random, kept through every rewrite, so an answer published twice, a crash
    between publishing and deleting, counts once), its wording, team, values and comment
    (engagement/pulses/seal.py); ``id`` is random and changes whenever the row is written again,
    ``wording`` says only "sealed", and ``team_id`` and ``answers`` stay empty."""

    __tablename__ = "engagement_pulse_outbox"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pulse_id: Mapped[str] = mapped_column(String(64), index=True)
    team_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    wording: Mapped[str] = mapped_column(String(10))
    answers: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)  # statement key -> 0..5
    sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class PulseTally(Base):
    """How many answers gave ``value`` to ``statement``, per pulse, team and wording: for the
    ``team`` wording the team is the shown group the answer went out under (outbox.py)."""

    __tablename__ = "engagement_pulse_tallies"
    pulse_id: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str] = mapped_column(String(128))
    wording: Mapped[str] = mapped_column(String(10))
    statement: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (PrimaryKeyConstraint("pulse_id", "team_id", "wording", "statement", "value"),)


class PulseRespondents(Base):
    """How many answers a pulse has per team and wording: the five-answer threshold counts these."""

    __tablename__ = "engagement_pulse_respondents"
    pulse_id: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str] = mapped_column(String(128))
    wording: Mapped[str] = mapped_column(String(10))
    answers: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (PrimaryKeyConstraint("pulse_id", "team_id", "wording"),)


class PulseComment(Base):
    """A comment someone wrote beside their answer to a pulse with free text on, as released at the
    close: its pulse, the team it went out under (for the ``team`` wording the shown group, as the
    tallies), its wording and the text. No person and no time; ``id`` is the answer event's random
    id, so neither the key nor the (shuffled) release order follows the order people answered in."""

    __tablename__ = "engagement_pulse_comments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pulse_id: Mapped[str] = mapped_column(String(64), index=True)
    team_id: Mapped[str] = mapped_column(String(128))
    wording: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
