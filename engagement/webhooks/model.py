"""Outbound webhooks' and chat publishing's tables (engagement/webhooks/, consumers/webhooks.py).

A subscription belongs to the API key that made it (by the key's id); its secret signs every message (Standard
Webhooks) and is shown once. A message is one event for one subscription, written in the same
transaction as the read model that saw the event, and its id (the ``webhook-id`` header) is the
same on every attempt. Each attempt is logged.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text

from engagement.db import Base, utcnow


class WebhookSubscription(Base):
    """An intranet's endpoint and the event types it wants."""

    __tablename__ = "engagement_webhook_subscriptions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(160), index=True)  # the key's id: key-id:<prefix>
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(80))  # whsec_...: needed in the clear to sign
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class WebhookMessage(Base):
    """One event to deliver to one subscription: the body exactly as signed, and where it stands.
    (subscription, event) is unique, so an event seen twice is enqueued once."""

    __tablename__ = "engagement_webhook_messages"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the webhook-id header
    subscription_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(160))
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(128), nullable=True)  # a person the body names
    subject: Mapped[str | None] = mapped_column(String(128), nullable=True)  # another person it names
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("subscription_id", "event_id",
                                       name="uq_engagement_webhook_messages_subscription_event"),
                      Index("ix_engagement_webhook_messages_due", "status", "next_attempt_at"))


class WebhookAttempt(Base):
    """One try at delivering a message: when, how it ended, the answer's status code or the error."""

    __tablename__ = "engagement_webhook_attempts"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))  # delivered, retrying, failed
    response_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(String(300), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


AWARD_ROWS = "what LIKE 'award:%'"


class ChatPublication(Base):
    """What was published to which chat channel, by whom: an award month goes to a channel once
    (a unique index on award rows; a trust summary may be published again)."""

    __tablename__ = "engagement_chat_publications"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    what: Mapped[str] = mapped_column(String(60))  # award:2026-10, trust:2026-10
    channel: Mapped[str] = mapped_column(String(80))
    lang: Mapped[str] = mapped_column(String(5))
    by: Mapped[str] = mapped_column(String(160))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_engagement_chat_publications_what_channel", "what", "channel"),
                      Index("uq_engagement_chat_publications_award", "what", "channel", unique=True,
                            postgresql_where=text(AWARD_ROWS), sqlite_where=text(AWARD_ROWS)))
