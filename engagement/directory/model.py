"""The directory's tables (engagement/directory/service.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engagement.db import Base, BigId


class Team(Base):
    """A unit in the org tree."""

    __tablename__ = "engagement_teams"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)


class TeamPlacement(Base):
    """Where a team sat in the org tree, and when: each period is folded by the tree of its own
    time. ``valid_from`` None is the beginning of time; ``valid_to`` None is still so. A removed
    team keeps its rows (and its name) for the months it was there."""

    __tablename__ = "engagement_team_tree"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Person(Base):
    """An employee as the directory knows them; people who leave turn inactive, never deleted."""

    __tablename__ = "engagement_people"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    locale: Mapped[str] = mapped_column(String(10), default="nb")
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False)
    leaderboard_opt_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    active: Mapped[bool] = mapped_column(default=True)
    department: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ManagerLink(Base):
    """Who a person's manager was, and when, kept as team memberships are: a change closes the
    open row and opens the next. ``valid_from`` None is the beginning of time; ``valid_to`` None is still so."""

    __tablename__ = "engagement_managers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(128), index=True)
    manager_id: Mapped[str] = mapped_column(String(128))
    valid_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ScimUser(Base):
    """What a SCIM client (Entra ID, Okta) calls a person, beside the directory's own row: its
    userName, externalId and the attributes it sent, so they read back as written. ``deleted_at``
    is set by a SCIM DELETE: the person stays in the directory, inactive, and a later POST of the
    same userName brings them back."""

    __tablename__ = "engagement_scim_users"
    person_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(320))
    user_name_key: Mapped[str] = mapped_column(String(320), index=True)  # lower case: userName is caseExact false
    external_id: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    attributes: Mapped[str] = mapped_column(Text, default="{}")
    created: Mapped[datetime] = mapped_column(DateTime)
    last_modified: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ScimGroup(Base):
    """A team a SCIM client made or took over as a Group, with its externalId and times."""

    __tablename__ = "engagement_scim_groups"
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    created: Mapped[datetime] = mapped_column(DateTime)
    last_modified: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Membership(Base):
    """Which team a person was in, and when: an event counts for the team of its moment.
    ``valid_from`` None is the beginning of time; ``valid_to`` None is still so."""

    __tablename__ = "engagement_memberships"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(128), index=True)
    team_id: Mapped[str] = mapped_column(String(128))
    valid_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class DirectoryVersion(Base):
    """One row whose ``version`` changes, in the same transaction, with every write to the
    memberships (a trigger on PostgreSQL, migration 0025): consumers keep the memberships they
    read while it stays the same (engagement/directory/service.py ``teams_at``)."""

    __tablename__ = "engagement_directory_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class TeamRecognition(Base):
    """Recognition received and given by a team's members, per kind, by team at the event's time."""

    __tablename__ = "engagement_team_recognition"
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    given: Mapped[int] = mapped_column(Integer, default=0)
