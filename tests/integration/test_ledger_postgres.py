"""The ledger on PostgreSQL appends with a binary COPY; an event id it holds already (a client sent
the same event twice, in another batch) falls back to the insert that skips it, and the batch's other
events and its tracking record are still written in the same transaction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement import create_app
from engagement.consumers.ledger import Ledger
from engagement.ledger.model import ConsumerPosition, DeadLetter, LedgerEvent
from engagement.state import state
from tests.conftest import TEST_SECRET, like, upgraded
from tests.unit.test_consumer_runner import drain, publish

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def app(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGEMENT_CONSUMERS", "external")
    app = create_app({"TESTING": True, "ENGAGEMENT_DATABASE_URL": postgres_url,
                      "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"), "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET})
    yield from upgraded(app)


def idea(i: int) -> dict:
    event = like(f"e{i}", type_="idea.submitted", actor="kari", data={"title": f"Idé {i}"})
    event["target"] = {"kind": "idea", "id": f"i{i}", "owner": "kari"}
    return event


def test_an_event_sent_again_in_a_later_batch_is_in_the_ledger_once(app):
    engine = state(app).engine
    publish(app, *[idea(i) for i in range(60)])
    drain(app, engine, Ledger())
    publish(app, *[idea(i) for i in range(50, 70)])  # ten again, ten new
    drain(app, engine, Ledger())
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(LedgerEvent)) == 70
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        assert session.scalar(select(LedgerEvent.data).where(LedgerEvent.event_id == "e55")) == {"title": "Idé 55"}
        assert session.scalar(select(ConsumerPosition.position)) == 80  # the embedded log's last offset
