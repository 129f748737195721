"""The privacy audit: every time someone other than the person reads a person's data.

The data protection officer answers access requests with a key that has ``privacy:read``; that
key can read anyone's data, so every such read is written down (who, whose, when, in which
format) and a key with ``audit:read`` can list them, as the trust report's views are.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base, BigId, utcnow


class PrivacyAudit(Base):
    """One read of one person's data by a key with ``privacy:read``."""

    __tablename__ = "engagement_privacy_audit"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(160))  # key:<name>, as Principal.label writes it
    person: Mapped[str] = mapped_column(String(128), index=True)  # whose data was read
    format: Mapped[str] = mapped_column(String(10))  # json or csv
