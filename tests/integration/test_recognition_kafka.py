"""Recognition on the production path: 5,000 random events through the API and Kafka,
the consumer restarted in the middle, counters checked against an independent recount."""
from __future__ import annotations

import time

import pytest

from engagement.lag import consumer_lag
from engagement.runner import ConsumerRunner
from engagement.state import state
from tests.conftest import bearer
from tests.integration.test_kafka_path import writer
from tests.recognition_oracle import directory, random_events, recount
from tests.unit.test_recognition import _assert_matches

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def consume_until_caught_up(app, name: str, stop_after: int | None = None, timeout: float = 120) -> None:
    """One consumer process's life: join, apply, leave (after ``stop_after`` records if given)."""
    st = state(app)
    runner = ConsumerRunner(st.read_model(name), st.bus, st.engine, 250)
    source = st.bus.source(runner.group, runner.tracked_positions)
    seen, deadline = 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            records = source.poll(250, 0.5)
            if records:
                runner.process(source, records)
                seen += len(records)
            if stop_after is not None and seen >= stop_after:
                return
            if not records and consumer_lag(st)[name] == 0:
                return
    finally:
        source.close()


def test_random_events_on_kafka_match_an_independent_recount(prod_app):
    client, headers = prod_app.test_client(), writer(prod_app)
    from engagement.auth import create_api_key
    with prod_app.app_context():
        team_key = create_api_key(state(prod_app).db.session, "hr", ["directory:write", "reports:read"])
        state(prod_app).db.session.commit()
    assert client.post("/v1/directory/sync", json=directory(), headers=bearer(team_key)).status_code == 200
    sent = random_events(5000, seed=11)
    for start in range(0, 5000, 250):
        response = client.post("/v1/events/batch", json={"events": sent[start:start + 250]}, headers=headers)
        assert response.status_code == 202
    consume_until_caught_up(prod_app, "recognition", stop_after=2000)  # then the consumer goes away
    assert consumer_lag(state(prod_app))["recognition"] > 0
    consume_until_caught_up(prod_app, "recognition")  # a new one resumes from the tracking record
    from engagement.auth import mint_user_token

    def token(person: str) -> str:
        return mint_user_token(state(prod_app).token_secret, person)
    _assert_matches(client, token, recount(sent), team_key)
    assert state(prod_app).redis.get(f"{state(prod_app).config['ENGAGEMENT_REDIS_PREFIX']}p:p3") is not None
