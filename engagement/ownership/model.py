"""Who owns which target, as each read model learns it from the log (engagement/ownership/waiting.py).

Rows are kept per read model (``model``), so each one learns an owner at the same point
of its own stream and a replay of one model rebuilds exactly its rows.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base


class TargetOwner(Base):
    """The owner stated by the first authoritative event on a target; never changed after."""

    __tablename__ = "engagement_target_owners"
    model: Mapped[str] = mapped_column(String(40), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_engagement_target_owners_target", "target_kind", "target_id"),)


class OwnerWaiting(Base):
    """A comment or contribution on a target nobody is known to own yet: it credits the owner
    once an authority names one (likes wait in the models' own like states instead)."""

    __tablename__ = "engagement_owner_waiting"
    model: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_engagement_owner_waiting_target", "model", "target_kind", "target_id"),)
