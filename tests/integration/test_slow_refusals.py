"""Slow refusals on the production path: a consumer working through many refused records keeps its
group (Kafka's max_poll_interval) and still applies every good event."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.bus import kafka as kafka_bus
from engagement.consumers.ledger import Ledger
from engagement.ledger.model import DeadLetter, LedgerEvent
from engagement.runner import ConsumerRunner
from engagement.state import state
from engagement.workers import batch_seconds
from tests.conftest import like
from tests.integration.test_kafka_path import writer

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis]
EVENTS, EVERY = 1000, 20  # one in twenty is refused


class SlowRefusingLedger(Ledger):
    """The ledger, a little slow per transaction, refusing any batch that holds actor 'boom'."""

    def apply(self, session, batch):
        time.sleep(0.02)
        if any(event.actor == "boom" for event, _ in batch):
            raise ValueError("refused")
        super().apply(session, batch)


@pytest.fixture
def short_poll_app(prod_app):
    prod_app.config.update({"ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS": 3000, "ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS": 6000})
    return prod_app


def count(app, model) -> int:
    with Session(state(app).engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_many_refused_records_never_cost_the_consumer_its_partitions(short_poll_app, monkeypatch):
    app, client, headers = short_poll_app, short_poll_app.test_client(), writer(short_poll_app)
    events = [like(f"s{i}", actor="boom" if i % EVERY == 0 else f"p{i % 50}", target=f"t{i % 9}")
              for i in range(EVENTS)]
    for start in range(0, EVENTS, 100):
        assert client.post("/v1/events/batch", json={"events": events[start:start + 100]},
                           headers=headers).status_code == 202
    calls = {"assigned": 0, "revoked": 0}
    listener = kafka_bus._SeekToTrackedPositions
    assigned, revoked = listener.on_partitions_assigned, listener.on_partitions_revoked

    def on_assigned(self, partitions):
        calls["assigned"] += bool(partitions)
        return assigned(self, partitions)

    def on_revoked(self, partitions):
        calls["revoked"] += bool(partitions)
        return revoked(self, partitions)
    monkeypatch.setattr(listener, "on_partitions_assigned", on_assigned)
    monkeypatch.setattr(listener, "on_partitions_revoked", on_revoked)
    st = state(app)
    runner = ConsumerRunner(SlowRefusingLedger(), st.bus, st.engine, 500, batch_seconds=batch_seconds(app.config))
    source = st.bus.source(runner.group, runner.tracked_positions)
    try:
        for _ in range(2000):  # a cap on polls against a hang, not a time limit
            if count(app, LedgerEvent) + count(app, DeadLetter) >= EVENTS:
                break
            if records := source.poll(500, 0.5):
                runner.process(source, records)
        revocations_while_running = calls["revoked"]
    finally:
        source.close()
    assert count(app, LedgerEvent) == EVENTS - EVENTS // EVERY  # every good event applied
    assert count(app, DeadLetter) == EVENTS // EVERY
    assert (calls["assigned"], revocations_while_running) == (1, 0)  # never left the group
