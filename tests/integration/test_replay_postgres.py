"""Replay on PostgreSQL: a ledger with more people than the server's lock table has room for is
rebuilt in one transaction to the end, and the read model's live consumer keeps going through it."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement import create_app
from engagement import migrate as schema
from engagement.events import Event, Target
from engagement.ledger.model import ConsumerPosition
from engagement.recognition.model import PersonRecognition, TargetStats
from engagement.replay import replay
from engagement.state import state
from engagement.workers import ConsumerThreads
from tests.conftest import TEST_SECRET, drain

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
def pg_app(postgres_url, tmp_path):
    from tests.services import postgres_database
    with postgres_database() as url:
        app = create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET, "ENGAGEMENT_CONSUMERS": "external",
                          "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"), "ENGAGEMENT_DATABASE_URL": url})
        schema.upgrade(state(app).engine)
        yield app
        state(app).bus.close()
        state(app).engine.dispose()


def kudos(count: int, start: int = 0) -> list[Event]:
    """Bra! from ``count`` different people to as many others: two lock keys each for a live batch."""
    return [Event(f"k{i}", "kudos.given", f"giver{i}", Target("person", f"taker{i}", f"taker{i}"),
                  START + timedelta(seconds=i), "tests", data={"message": "Bra!"}) for i in range(start, start + count)]


def likes_of(app, target: str) -> int:
    with Session(state(app).engine) as session:
        return session.scalar(select(func.coalesce(func.sum(TargetStats.likes), 0))
                              .where(TargetStats.target_id == target)) or 0


def kudos_received(app) -> int:
    with Session(state(app).engine) as session:
        total = select(func.sum(PersonRecognition.received)).where(PersonRecognition.kind == "kudos")
        return session.scalar(total) or 0


def publish(app, events: list[Event]) -> None:
    for start in range(0, len(events), 500):
        state(app).bus.publish(events[start:start + 500])


def test_a_replay_over_more_people_than_the_lock_table_holds_finishes(pg_app):
    publish(pg_app, kudos(8000))  # 16,000 people: past 64 locks x 100 connections
    drain(pg_app, ("ledger", "recognition"))
    assert replay(state(pg_app), ["recognition"], progress=lambda step: None) == {"recognition": 8000}
    received = kudos_received(pg_app)
    in_processes = replay(state(pg_app), ["recognition", "trust", "profiles"], jobs=2, progress=lambda step: None)
    assert in_processes == {"recognition": 8000, "trust": 8000, "profiles": 0}  # profiles applies no Bra!
    assert kudos_received(pg_app) == received == 8000


def test_the_live_consumer_keeps_going_through_a_replay_of_its_read_model(pg_app):
    likes = [Event(f"l{i}", "like.added", f"p{i}", Target("article", "news-1", "ola"), START + timedelta(seconds=i),
                   "tests") for i in range(3000)]
    publish(pg_app, likes[:2000])
    drain(pg_app, ("ledger", "recognition"))
    live = ConsumerThreads(pg_app, ["ledger", "recognition"]).start()
    try:
        publish(pg_app, likes[2000:2500])  # while the rebuild runs, the live consumers apply these
        assert replay(state(pg_app), ["recognition"], progress=lambda step: None)["recognition"] >= 2000
        publish(pg_app, likes[2500:])
        deadline = time.monotonic() + 300
        while likes_of(pg_app, "news-1") < 3000 and time.monotonic() < deadline and live.alive():
            time.sleep(0.2)
    finally:
        live.stop()
    assert live.alive() is False
    assert likes_of(pg_app, "news-1") == 3000  # every like once: none lost, none twice
    with Session(state(pg_app).engine) as session:
        assert session.scalar(select(ConsumerPosition.position).where(ConsumerPosition.consumer == "recognition")) \
            == 3000


class Died(Exception):
    """A replay process that stops half-way (killed, out of memory, the database gone)."""


def likes_on_news(count: int) -> list[Event]:
    return [Event(f"l{i}", "like.added", f"p{i}", Target("article", "news-1", "ola"), START + timedelta(seconds=i),
                  "tests") for i in range(count)]


def tracked(app) -> int | None:
    with Session(state(app).engine) as session:
        return session.scalar(select(func.sum(ConsumerPosition.position))
                              .where(ConsumerPosition.consumer == "recognition"))


def test_readers_see_the_old_state_until_the_rebuilt_one_is_in_place_whole(pg_app, monkeypatch):
    import engagement.replay as replay_module
    monkeypatch.setattr(replay_module, "CHUNK", 500)
    monkeypatch.setattr(replay_module, "PROGRESS_SECONDS", 0.0)
    publish(pg_app, likes_on_news(2000))
    drain(pg_app, ("ledger", "recognition"))
    seen: list[tuple[int, int, int | None]] = []

    def look(step) -> None:  # another connection, as a reader's, while the rebuild runs
        seen.append((step.read, likes_of(pg_app, "news-1"), tracked(pg_app)))

    assert replay(state(pg_app), ["recognition"], progress=look) == {"recognition": 2000}
    assert seen[:3] == [(500, 2000, 2000), (1000, 2000, 2000), (1500, 2000, 2000)]
    assert likes_of(pg_app, "news-1") == 2000 and tracked(pg_app) == 2000


def test_a_replay_that_dies_half_way_leaves_the_old_state_and_runs_again_to_the_end(pg_app, monkeypatch):
    import engagement.replay as replay_module
    monkeypatch.setattr(replay_module, "CHUNK", 500)
    monkeypatch.setattr(replay_module, "PROGRESS_SECONDS", 0.0)
    publish(pg_app, likes_on_news(2000))
    drain(pg_app, ("ledger", "recognition"))

    def die_half_way(step) -> None:
        if step.read >= 1000:
            raise Died

    with pytest.raises(Died):
        replay(state(pg_app), ["recognition"], progress=die_half_way)
    assert likes_of(pg_app, "news-1") == 2000 and tracked(pg_app) == 2000  # not the 1,000 applied before
    assert replay(state(pg_app), ["recognition"], progress=lambda step: None) == {"recognition": 2000}
    assert likes_of(pg_app, "news-1") == 2000 and tracked(pg_app) == 2000
    publish(pg_app, likes_on_news(2100)[2000:])
    drain(pg_app, ("ledger", "recognition"))  # the live consumer carries on from the rebuilt record
    assert likes_of(pg_app, "news-1") == 2100
