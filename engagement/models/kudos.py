"""Which Bra! counts, per read model (consumers/kudos.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.models.core import Base


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
