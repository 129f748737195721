"""``Base`` for Tillit's tables, on its own ``MetaData`` with one naming convention.

Tables Tillit owns are all prefixed ``engagement_`` so they live beside a host app's tables.
They hang off Tillit's own ``MetaData`` rather than a ``db.Model``, so the models do
not depend on which Flask-SQLAlchemy instance (ours or the host's) runs them.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import BigInteger, CursorResult, Executable, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Session

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def changed_rows(session: Session, statement: Executable) -> int:
    """Rows an UPDATE or DELETE changed (SQLAlchemy types ``execute()``'s answer as a plain Result,
    though for these statements it is a CursorResult with a rowcount)."""
    return cast(CursorResult, session.execute(statement)).rowcount
