"""Consumers keep the memberships they have read while the directory is unchanged
(engagement/directory/service.py ``teams_at``): a move committed by the directory sync must count
from the very next batch, for the team of the event's moment, as if nothing had been kept."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from engagement.directory import service as directory
from engagement.directory.model import Membership, TeamRecognition
from engagement.events import Event
from engagement.schemas.directory import DirectorySyncSchema
from engagement.state import state
from tests.conftest import drain

pytestmark = [pytest.mark.postgres]
TEAMS = [{"id": "hr", "name": "HR", "parent": None}, {"id": "it", "name": "IT", "parent": None}]


def sync(app, mode: str, kari_team: str, as_of: str) -> None:
    people = [{"id": "kari", "name": "Kari", "team": kari_team}, {"id": "ola", "name": "Ola", "team": "hr"},
              {"id": "per", "name": "Per", "team": "it"}, {"id": "lena", "name": "Lena", "team": "it"}]
    payload = DirectorySyncSchema().load({"mode": mode, "as_of": as_of, "teams": TEAMS, "people": people})
    with Session(state(app).engine) as session:
        directory.sync(session, payload, datetime.now(UTC))


def like(event_id: str, time: str) -> Event:
    wire = {"schema_version": 1, "id": event_id, "type": "like.added", "actor": "kari", "time": time,
            "target": {"kind": "article", "id": event_id, "owner": "ola"}, "source": "test", "data": {},
            "submitted_by": "key:intranet"}
    return Event.from_wire(json.dumps(wire).encode())


def given_likes(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return {r.team_id: r.given for r in session.scalars(select(TeamRecognition)) if r.kind == "like"}
    finally:
        engine.dispose()


def test_a_move_counts_from_the_next_batch_for_the_team_of_the_moment(postgres_app, empty_postgres_url):
    sync(postgres_app, "full", "hr", "2026-01-01T00:00:00+00:00")
    bus = state(postgres_app).bus
    bus.publish([like("before", "2026-03-01T10:00:00+00:00")])
    drain(postgres_app, ("recognition",))  # kari's memberships are read, and kept
    sync(postgres_app, "delta", "it", "2026-06-01T00:00:00+00:00")
    bus.publish([like("after", "2026-07-01T10:00:00+00:00"), like("back-dated", "2026-04-01T10:00:00+00:00")])
    drain(postgres_app, ("recognition",))
    assert given_likes(empty_postgres_url) == {"hr": 2, "it": 1}


def test_any_write_to_the_memberships_changes_the_directory_version(postgres_app, empty_postgres_url):
    """Not only the sync: erasure, SCIM or an operator's SQL bump it too, in their own transaction."""
    sync(postgres_app, "full", "hr", "2026-01-01T00:00:00+00:00")
    engine = create_engine(empty_postgres_url)
    try:
        with Session(engine) as session:
            before = directory.directory_version(session)
            session.add(Membership(person_id="per", team_id="it"))
            session.flush()
            assert directory.directory_version(session) != before
            session.rollback()
            assert directory.directory_version(session) == before  # a rolled back change changes nothing
    finally:
        engine.dispose()
