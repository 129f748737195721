"""The ledger's tables: keys, the ledger itself and the runner's tracking records."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from engagement.db import Base, BigId, utcnow


class ApiKey(Base):
    """A server-to-server key. Only a SHA-256 of the key is stored; the key is shown once."""

    __tablename__ = "engagement_api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Written at most once a minute per key (engagement.auth.mark_used), never per request.
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LedgerEvent(Base):
    """Every accepted event once, in arrival order: the source every read model is rebuilt from."""

    __tablename__ = "engagement_ledger"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    schema_version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(128))
    target_owner: Mapped[str] = mapped_column(String(128), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(100))
    submitted_by: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict] = mapped_column(JSON)
    topic: Mapped[str] = mapped_column(String(200))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_engagement_ledger_target", "target_kind", "target_id"),)


class ConsumerPosition(Base):
    """The tracking record: the last offset a read model applied, written in its transaction."""

    __tablename__ = "engagement_consumer_positions"
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class utc_now(FunctionElement):  # noqa: N801 - named like the SQL functions it stands for
    """The database's clock as naive UTC, like every other time Tillit keeps."""

    type = DateTime()
    inherit_cache = True


@compiles(utc_now, "postgresql")
def _utc_now_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return "timezone('utc', now())"  # CURRENT_TIMESTAMP would be the server's local time


@compiles(utc_now)
def _utc_now(element: Any, compiler: Any, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"  # SQLite's is UTC


class ProcessedEvent(Base):
    """Event ids a read model has applied, so the same id sent twice counts once. A claim is kept
    ENGAGEMENT_DEDUP_DAYS from ``claimed_at`` (engagement/ledger/pruning.py): long enough for any
    client's retry; redelivery from the broker is the tracking record's to catch, whatever its age."""

    __tablename__ = "engagement_processed_events"
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    # Set by the claim; the default serves claims written by a query (and rows older than the column).
    claimed_at: Mapped[datetime] = mapped_column(DateTime, server_default=utc_now())


class DeadLetter(Base):
    """A record a consumer could not apply, with the reason; the stream goes on without it."""

    __tablename__ = "engagement_dead_letters"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consumer: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ParkedEvent(Base):
    """An event a read model could not apply yet because the event it builds on (``waits_for``, a
    target key such as ``idea:i-1``) has not arrived; applied when that one is. Written in the
    runner's transaction, so it is claimed once and applied once."""

    __tablename__ = "engagement_parked_events"
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    waits_for: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    parked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_engagement_parked_events_waits_for", "consumer", "waits_for"),)


class ConsumerHeartbeat(Base):
    """When a process last said it is applying a read model: how readiness knows, in a web process
    that runs no consumers, that another process does (`engagement consume`, anywhere)."""

    __tablename__ = "engagement_consumer_heartbeats"
    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    process: Mapped[str] = mapped_column(String(200), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime, index=True)
