"""The trust report on the production path: Kafka (Tansu), PostgreSQL and Redis."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from engagement.auth import create_api_key
from engagement.extension import state
from engagement.services import retention, trust_demo
from engagement.services.replay import replay
from tests.conftest import bearer
from tests.integration.test_recognition_kafka import consume_until_caught_up

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
EVERY_MODEL = ("ledger", "recognition", "ideas", "profiles", "awards", "trust", "notifications")


def test_planted_patterns_on_kafka_and_postgres_survive_a_restart_replay_retention_and_erasure(prod_app):
    client = prod_app.test_client()
    with prod_app.app_context():
        session = state(prod_app).db.session
        admin = create_api_key(session, "hr", ["directory:write", "events:write"])
        reader = create_api_key(session, "comms", ["trust:read"])
        session.commit()
    assert client.post("/v1/directory/sync", json=trust_demo.directory(), headers=bearer(admin)).status_code == 200
    events = trust_demo.events()
    for start in range(0, len(events), 250):
        assert client.post("/v1/events/batch", json={"events": events[start:start + 250]},
                           headers=bearer(admin)).status_code == 202
    consume_until_caught_up(prod_app, "trust", stop_after=300)  # a consumer that dies part-way
    for name in EVERY_MODEL:
        consume_until_caught_up(prod_app, name)

    def october() -> dict:
        return client.get("/v1/trust/report?period=2026-10&lang=en", headers=bearer(reader)).json

    body = october()
    flags = {row["id"]: [f["flag"] for f in row["flags"]] for row in body["teams"] if not row["suppressed"]}
    assert flags == trust_demo.EXPECTED
    replay(state(prod_app), ["trust"])
    assert october() == body
    prod_app.config["ENGAGEMENT_RETENTION_DAYS"] = 30
    assert retention.prune(state(prod_app), datetime(2026, 10, 1, tzinfo=timezone.utc))["deleted"] > 0
    replay(state(prod_app), ["trust"])
    assert october() == body
    assert client.post("/v1/directory/people/quiet-1/erase", headers=bearer(admin)).json["rows"] > 0
    assert json.dumps(october()) == json.dumps(body)
