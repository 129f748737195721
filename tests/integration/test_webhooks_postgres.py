"""Outbound webhooks on PostgreSQL: the outbox's ON CONFLICT path, and two senders sharing the work
without posting a message twice."""
from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from engagement import create_app
from engagement.events import Event
from engagement.state import state
from engagement.webhooks import sender
from engagement.webhooks.model import WebhookMessage
from engagement.webhooks.service import Settings
from tests.conftest import TEST_SECRET, bearer, drain, upgraded
from tests.receivers import Receiver
from tests.unit.test_webhooks import PEOPLE, idea, kudos

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def pg_app(postgres_url, tmp_path):
    app = create_app({"TESTING": True, "ENGAGEMENT_DATABASE_URL": postgres_url,
                      "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite"), "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                      "ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE": True})
    yield from upgraded(app)


def test_two_senders_on_postgres_deliver_each_message_once(pg_app):
    from engagement.auth import create_api_key
    client, st = pg_app.test_client(), state(pg_app)
    with pg_app.app_context():
        owner = create_api_key(st.db.session, "intranet", ["webhooks:manage"])
        writer = create_api_key(st.db.session, "backend", ["events:write", "directory:write"])
        st.db.session.commit()
    client.post("/v1/directory/sync", json={"mode": "full", "teams": [{"id": "T", "name": "T", "parent": None}],
                                            "people": PEOPLE}, headers=bearer(writer))
    with Receiver(statuses=[200]) as receiver:
        made = [client.post("/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": [
            "idea.submitted", "kudos.given"]}, headers=bearer(owner)).json for _ in range(2)]
        events = [idea(f"i-{n}") for n in range(20)] + [kudos(f"k-{n}", "kari", "ola") for n in range(20)]
        assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(writer)).status_code == 202
        drain(pg_app, ("ledger", "webhooks"))
        again = Event.from_wire(b'{"id":"k-3","type":"kudos.given","actor":"kari","target":{"kind":"person",'
                                b'"id":"ola","owner":"ola"},"time":"2026-11-30T10:00:00+00:00","source":"tests",'
                                b'"received_at":"2100-01-01T00:00:00+00:00"}')
        with Session(st.engine) as session, session.begin():  # a batch applied twice enqueues nothing new
            st.read_model("webhooks").apply(session, [(again, None)])
        with Session(st.engine) as session:
            assert session.scalar(select(text("count(*)")).select_from(WebhookMessage)) == 80

        def one_sender(seed: int) -> None:
            with Session(st.engine) as session:
                while sender.run_once(session, Settings.from_config(st.config), "opt-out", None,
                                      random.Random(seed))["delivered"]:
                    pass

        threads = [threading.Thread(target=one_sender, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    ids = [got.headers["webhook-id"] for got in receiver.received]
    assert len(ids) == len(set(ids)) == 80
    secrets = {s["id"]: s["secret"] for s in made}
    verified = 0
    for got in receiver.received:
        with Session(st.engine) as session:
            owner_of = session.get(WebhookMessage, got.headers["webhook-id"]).subscription_id
        assert Webhook(secrets[owner_of]).verify(got.body, got.headers)
        verified += 1
    assert verified == 80
