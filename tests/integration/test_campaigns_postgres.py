"""Idea campaigns on the production path (Kafka, PostgreSQL, Redis)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engagement.auth import mint_user_token
from engagement.ideas.model import IdeaCredit
from engagement.state import state
from tests.conftest import bearer
from tests.integration.test_recognition_kafka import consume_until_caught_up
from tests.unit.test_campaigns import contribution, idea, like_idea

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_campaign_flow_on_kafka_and_postgres(prod_app):
    client = prod_app.test_client()

    def token(person: str, *roles: str) -> dict[str, str]:
        return bearer(mint_user_token(state(prod_app).token_secret, person, roles=roles))

    def send(who: dict, event: dict) -> int:
        return client.post("/v1/events", json={k: v for k, v in event.items() if k != "actor"}, headers=who).status_code

    assert client.post("/v1/campaigns", json={"id": "canteen", "question": "Kantina?"},
                       headers=token("lena", "leader")).status_code == 201
    assert send(token("kari"), idea("i-1", "kari")) == 202
    assert send(token("ola"), contribution("c-1", "i-1", "kari")) == 202
    assert send(token("ola"), like_idea("l-1", "i-1", "kari")) == 202
    assert send(token("lena", "leader"), {"id": "a-1", "type": "idea.adopted", "time": "2026-11-23T10:00:00+01:00",
                                          "target": {"kind": "idea", "id": "i-1", "owner": "kari"},
                                          "data": {"note": "Ja"}}) == 202
    for name in ("recognition", "ideas"):
        consume_until_caught_up(prod_app, name)
    body = client.get("/v1/campaigns/canteen", headers=token("per")).json
    assert [(i["id"], i["support"], i["status"], len(i["contributions"])) for i in body["ideas"]] == [
        ("i-1", 1, "adopted", 1)]
    with prod_app.app_context():
        credited = state(prod_app).db.session.scalars(select(IdeaCredit.person).order_by(IdeaCredit.person)).all()
    assert credited == ["kari", "ola"]
    client.patch("/v1/campaigns/canteen", json={"status": "archived"}, headers=token("lena", "leader"))
    assert send(token("kari"), idea("i-2", "kari")) == 409


def test_an_adoption_sent_before_its_idea_waits_for_it_on_postgres(prod_app):
    """A back-fill in reverse order: the adoption is parked, not dead-lettered, and applied with its idea."""
    from engagement import parking
    from engagement.ledger.model import DeadLetter
    client = prod_app.test_client()

    def send(person: str, event: dict, *roles: str) -> int:
        who = bearer(mint_user_token(state(prod_app).token_secret, person, roles=roles))
        return client.post("/v1/events", json={k: v for k, v in event.items() if k != "actor"}, headers=who).status_code

    assert client.post("/v1/campaigns", json={"id": "canteen", "question": "Kantina?"},
                       headers=bearer(mint_user_token(state(prod_app).token_secret, "lena", roles=("leader",)))
                       ).status_code == 201
    assert send("lena", {"id": "a-1", "type": "idea.adopted", "time": "2026-11-23T10:00:00+01:00",
                         "target": {"kind": "idea", "id": "i-1", "owner": "kari"}, "data": {"note": "Ja"}},
                "leader") == 202
    consume_until_caught_up(prod_app, "ideas")
    assert send("kari", idea("i-1", "kari")) == 202
    assert send("ola", contribution("c-1", "i-1", "kari")) == 202
    consume_until_caught_up(prod_app, "ideas")
    per = mint_user_token(state(prod_app).token_secret, "per")
    body = client.get("/v1/campaigns/canteen", headers=bearer(per)).json
    assert [(i["id"], i["status"]) for i in body["ideas"]] == [("i-1", "adopted")]
    with prod_app.app_context():
        session = state(prod_app).db.session
        assert session.scalars(select(IdeaCredit.person).order_by(IdeaCredit.person)).all() == ["kari", "ola"]
        assert session.scalars(select(DeadLetter)).all() == [] and parking.waiting(session) == {}
