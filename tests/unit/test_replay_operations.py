"""Replay and upgrades an operator can trust: a read model an upgrade adds starts from the ledger
(the bus may have dropped old events), replay reports its progress and may use several processes,
and /readyz can wait until the read models have caught up."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from engagement import heartbeats
from engagement.ledger.model import ConsumerPosition
from engagement.replay import Progress, replay
from engagement.state import state
from engagement.workers import ConsumerThreads
from tests.conftest import bearer, drain, like, migrated_app

MODELS = ("ledger", "recognition", "ideas", "profiles", "awards", "trust", "notifications", "webhooks", "pulses")


def post_likes(client, key: str, count: int, start: int = 0) -> None:
    events = [like(f"l{i}", actor=f"p{i}", target="news-1", owner="ola") for i in range(start, start + count)]
    assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202


def likes(client, key: str) -> int:
    return client.get("/v1/targets/article/news-1", headers=bearer(key)).json["likes"]


def forget_recognition(app) -> None:
    """As if recognition were new in this release: no rows, no claims, no tracking record."""
    st = state(app)
    with Session(st.engine) as session, session.begin():
        st.read_model("recognition").reset(session)
        session.execute(delete(ConsumerPosition).where(ConsumerPosition.consumer == "recognition"))


def test_a_read_model_an_upgrade_adds_starts_from_the_ledger_not_the_bus(app, client, writer_key):
    post_likes(client, writer_key, 30)
    drain(app, ("ledger",))
    st = state(app)
    st.bus.forget([r.offset for r in st.bus.read_after(0, 1000)])  # the bus's retention dropped them
    forget_recognition(app)
    post_likes(client, writer_key, 2, start=30)  # still on the bus, not in the ledger yet
    ConsumerThreads(app, ["recognition"]).start().stop()  # it starts, fills itself, is stopped
    assert likes(client, writer_key) == 30  # all of the ledger, none of it from the bus
    drain(app, ("recognition",))  # and carries on from the bus where the ledger stood
    assert likes(client, writer_key) == 32


def test_a_read_model_with_a_tracking_record_is_not_rebuilt_at_start(app, client, writer_key):
    post_likes(client, writer_key, 5)
    drain(app, ("ledger", "recognition"))
    with Session(state(app).engine) as session, session.begin():
        state(app).read_model("recognition").reset(session)  # its rows gone, its record kept
    ConsumerThreads(app, ["recognition"]).start().stop()
    assert likes(client, writer_key) == 0  # no rebuild on every start: only for a new read model


def test_replay_reports_progress_and_in_several_processes_gives_the_same_answer(app, client, writer_key,
                                                                               monkeypatch):
    import engagement.replay as replay_module
    monkeypatch.setattr(replay_module, "CHUNK", 7)
    monkeypatch.setattr(replay_module, "PROGRESS_SECONDS", 0.0)
    post_likes(client, writer_key, 40)
    drain(app, MODELS)
    live = likes(client, writer_key)
    steps: list[Progress] = []
    assert replay(state(app), ["recognition", "trust"], progress=steps.append) == {"recognition": 40, "trust": 40}
    assert [(s.read, s.total) for s in steps if s.model == "recognition"] == \
        [(7, 40), (14, 40), (21, 40), (28, 40), (35, 40), (40, 40)]
    assert "events/s" in str(steps[0]) and "left" in str(steps[0]) and steps[-1].done
    counts = replay(state(app), ["recognition", "trust", "profiles"], jobs=2, progress=lambda step: None)
    assert counts == {"recognition": 40, "trust": 40, "profiles": 0}  # profiles applies no like
    assert likes(client, writer_key) == live == 40
    post_likes(client, writer_key, 1, start=40)
    drain(app, ("ledger", "recognition"))  # the live consumer carries on after the replay
    assert likes(client, writer_key) == 41


def test_readyz_waits_while_a_read_model_is_more_than_the_limit_behind(sqlite_template, tmp_path, caplog):
    app = migrated_app(sqlite_template, tmp_path, ENGAGEMENT_READY_MAX_LAG=5)
    client = app.test_client()
    from engagement.auth import create_api_key
    with app.app_context():
        key = create_api_key(state(app).db.session, "intranet", ["events:write"])
        state(app).db.session.commit()
    heartbeats.beat(state(app).engine, MODELS, "consumer-1")  # a consumer process says it runs them
    post_likes(client, key, 12)
    drain(app, ("ledger",))
    behind = client.get("/readyz")
    assert behind.status_code == 503, behind.json
    assert behind.json["checks"]["lag"].startswith("failing: awards is 12 records behind"), behind.json
    assert "ENGAGEMENT_READY_MAX_LAG=5" in behind.json["checks"]["lag"]
    assert "ledger" not in behind.json["checks"]["lag"] and behind.json["consumer_lag"]["recognition"] == 12
    drain(app, MODELS)
    post_likes(client, key, 5, start=12)  # within the limit
    with caplog.at_level(logging.WARNING):
        ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"]["lag"] == "ok", ready.json
    assert ready.json["consumer_lag"]["recognition"] == 5
    state(app).bus.close()


def test_readyz_ignores_lag_unless_asked(app, client, writer_key):
    heartbeats.beat(state(app).engine, MODELS, "consumer-1")
    post_likes(client, writer_key, 12)
    answer = client.get("/readyz")
    assert answer.status_code == 200 and "lag" not in answer.json["checks"], answer.json
    assert answer.json["consumer_lag"]["recognition"] == 12


def comments_on_news(client, key: str) -> int:
    return client.get("/v1/targets/article/news-1", headers=bearer(key)).json["comments"]


def test_replay_claims_only_what_a_sender_could_still_send_again(app, client, writer_key):
    """A year's replay writes days of claims, not a year's: events received before
    ENGAGEMENT_DEDUP_DAYS are applied unclaimed, recent ones claimed, so a late duplicate of a
    recent one still counts once; an event still parked keeps its claim whatever its age."""
    from sqlalchemy import func, select, update

    from engagement.ledger.model import LedgerEvent, ProcessedEvent
    comments = [like(f"c{i}", actor=f"p{i}", type_="comment.posted", data={"comment_id": f"k{i}", "text": "Bra"})
                for i in range(6)]
    assert client.post("/v1/events/batch", json={"events": comments}, headers=bearer(writer_key)).status_code == 202
    drain(app, MODELS)
    st = state(app)
    month_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
    with Session(st.engine) as session, session.begin():
        session.execute(update(LedgerEvent).where(LedgerEvent.event_id.in_(["c0", "c1", "c2", "c3"]))
                        .values(received_at=month_ago))
    assert replay(st, ["recognition"], progress=lambda step: None) == {"recognition": 6}
    assert comments_on_news(client, writer_key) == 6  # every event applied, old or new
    with Session(st.engine) as session:
        claimed = set(session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == "recognition")))
        assert claimed == {"c4", "c5"}, claimed
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)
                              .where(ProcessedEvent.consumer == "recognition")) == 2
    again = client.post("/v1/events/batch", json={"events": [comments[5]]}, headers=bearer(writer_key))
    assert again.status_code == 202
    drain(app, MODELS)
    assert comments_on_news(client, writer_key) == 6  # the recent duplicate, claimed by the replay, counts once
