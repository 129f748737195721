"""The read models that credit a target's owner (recognition, awards, notifications) keep owners
and like states as plain rows written in one statement per table (consumers/owned.py): on
PostgreSQL they must refuse what the database refuses, as row-by-row INSERTs did. The fault test
(tests/e2e/test_faults.py) found a like whose actor no column holds counted on article a5 (30
likes against a recount of 29): the bulk statement cast it to VARCHAR(128), which cuts it to fit."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from engagement.events import Event
from engagement.ledger.model import DeadLetter
from engagement.recognition.model import LikeState, TargetStats
from engagement.state import state
from tests.conftest import drain
from tests.e2e.test_faults import TOO_LONG_ACTOR, mixed_events
from tests.recognition_oracle import recount

pytestmark = [pytest.mark.postgres]
OWNED = ("recognition", "awards", "notifications")


def as_event(raw: dict) -> Event:
    """An event as it sits on the topic, sent by the intranet's back end (so it states owners)."""
    wire = {"schema_version": 1, "source": "test", "data": {}, "submitted_by": "key:intranet", **raw}
    return Event.from_wire(json.dumps(wire).encode())


def test_a_poison_like_is_dead_lettered_and_every_count_matches_a_recount(postgres_app, empty_postgres_url):
    events = mixed_events(3000)
    poison = {"id": "poison-like", "type": "like.added", "actor": TOO_LONG_ACTOR,
              "target": {"kind": "article", "id": "a5", "owner": "p5"}, "time": "2026-11-23T08:00:00+00:00"}
    middle = len(events) // 2
    state(postgres_app).bus.publish([as_event(e) for e in events[:middle] + [poison] + events[middle:]])
    drain(postgres_app, OWNED)
    want = recount(events)["targets"]
    engine = create_engine(empty_postgres_url)
    try:
        with Session(engine) as session:
            got = {(r.target_kind, r.target_id): (r.likes, r.comments) for r in session.scalars(select(TargetStats))}
            letters = {(d.consumer, d.event_id) for d in session.scalars(select(DeadLetter))}
            long_states = session.scalars(select(LikeState).where(LikeState.person.startswith("xxxx"))).all()
    finally:
        engine.dispose()
    counted = {t: (c["like"], c["comment"]) for t, c in want.items()}
    assert {t: n for t, n in got.items() if n != (0, 0)} == {t: n for t, n in counted.items() if n != (0, 0)}
    assert {(m, "poison-like") for m in OWNED} <= letters
    assert not long_states
