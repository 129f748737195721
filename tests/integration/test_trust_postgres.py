"""The trust report on the production path: Kafka (Tansu), PostgreSQL and Redis."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engagement.auth import create_api_key, mint_user_token
from engagement.demo import trust_history as trust_demo
from engagement.ledger.model import LedgerEvent, ProcessedEvent
from engagement.privacy import retention
from engagement.profiles.model import ProfileCompletion
from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer
from tests.integration.test_recognition_kafka import consume_until_caught_up

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
EVERY_MODEL = ("ledger", "recognition", "ideas", "profiles", "awards", "trust", "notifications", "webhooks",
               "pulses")


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
    assert retention.prune(state(prod_app), datetime(2026, 10, 1, tzinfo=UTC))["deleted"] > 0
    replay(state(prod_app), ["trust"])
    assert october() == body
    send_from_quiet_1s_widget(prod_app, client, admin)
    assert client.post("/v1/directory/people/quiet-1/erase", headers=bearer(admin)).json["rows"] > 0
    assert json.dumps(october()) == json.dumps(body)
    assert_events_renamed(prod_app, "quiet-1")


def send_from_quiet_1s_widget(app, client, admin) -> None:
    """Events in quiet-1's own id space, a Bra! about them, and their profile, all applied."""
    now = datetime.now(UTC).isoformat()
    widget = bearer(mint_user_token(state(app).token_secret, "quiet-1"))
    mine = [{"id": "bra-1", "type": "kudos.given", "time": now, "target": {"kind": "person", "id": "quiet-2",
                                                                            "owner": "quiet-2"}, "data": {}},
            {"id": "profile-quiet-1", "type": "profile.updated", "time": now,
             "target": {"kind": "person", "id": "quiet-1", "owner": "quiet-1"},
             "data": {"fields": {"photo": "https://intranet.example/quiet-1.jpg", "title": ""}}}]
    about = {"id": "bra-about", "type": "kudos.given", "actor": "quiet-2", "time": now,
             "target": {"kind": "person", "id": "quiet-3", "owner": "quiet-3"}, "data": {"about": "person:quiet-1"}}
    assert client.post("/v1/events/batch", json={"events": mine}, headers=widget).status_code == 202
    assert client.post("/v1/events", json=about, headers=bearer(admin)).status_code == 202
    for name in EVERY_MODEL:
        consume_until_caught_up(app, name)


def assert_events_renamed(app, person: str) -> None:
    """On PostgreSQL too: no ledger id, data or claim names the person; the profile replays alike."""
    named = re.compile(rf"(?<![\w-]){re.escape(person)}(?![\w-])")
    with app.app_context():
        session = state(app).db.session
        cells = [json.dumps([row.event_id, row.data]) for row in session.scalars(select(LedgerEvent))]
        cells += list(session.scalars(select(ProcessedEvent.event_id)))
        percents = list(session.scalars(select(ProfileCompletion.percent).where(
            ProfileCompletion.person.startswith("erased-"))))
    assert not [c for c in cells if named.search(c)]
    assert percents == [20]
    replay(state(app), ["profiles"], after_retention=True)  # the trust demo has no profile events
    with app.app_context():
        assert list(state(app).db.session.scalars(select(ProfileCompletion.percent).where(
            ProfileCompletion.person.startswith("erased-")))) == [20]
