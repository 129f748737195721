"""Ownership on the production path (Kafka, PostgreSQL, Redis): likes and comments that arrive
before their article's publication credit its author once it is published, in every read model,
and made-up targets credit nobody."""
from __future__ import annotations

import pytest

from engagement.auth import create_api_key, mint_user_token
from engagement.state import state
from tests.conftest import bearer
from tests.integration.test_recognition_kafka import consume_until_caught_up
from tests.unit.test_ownership import PEOPLE, ev, published

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_waiting_credit_reaches_the_author_on_kafka_and_postgres(prod_app):
    client, st = prod_app.test_client(), state(prod_app)
    with prod_app.app_context():
        key = create_api_key(st.db.session, "intranet", ["directory:write", "events:write", "reports:read"])
        st.db.session.commit()
    people = [{"id": p, "name": p.capitalize(), "team": "t"} for p in PEOPLE]
    client.post("/v1/directory/sync", json={"mode": "full", "people": people,
                                            "teams": [{"id": "t", "name": "Team", "parent": None}]},
                headers=bearer(key))

    def token(person: str) -> dict:
        return bearer(mint_user_token(st.token_secret, person))
    early = [ev("l-k", "like.added", "kari", "article:a", "mallory", 1),
             ev("l-p", "like.added", "per", "article:a", "ola", 2),
             ev("c-p", "comment.posted", "per", "article:a", "ola", 3, comment_id="c1", text="Bra!")]
    made_up = [ev(f"m-{i}", "like.added", "mallory", f"article:fake-{i}", "ola", 4) for i in range(50)]
    for event in early + made_up:
        assert client.post("/v1/events", json=event, headers=token(event["actor"])).status_code == 202
    for name in ("recognition", "notifications", "awards"):
        consume_until_caught_up(prod_app, name)
    answer = client.post("/v1/events", json=published("p-a", "ola", "article:a", "Plan"), headers=bearer(key))
    assert answer.status_code == 202
    for name in ("recognition", "notifications", "awards"):
        consume_until_caught_up(prod_app, name)
    ola = client.get("/v1/people/ola/recognition", headers=bearer(key)).json
    assert (ola["received"]["like"], ola["received"]["comment"], ola["colleagues"]) == (2, 1, 2)
    items = client.get("/v1/notifications", headers=token("ola")).json["items"]
    assert sorted((i["kind"], i["count"]) for i in items) == [("comment", 1), ("like", 2)]
    board = client.get("/v1/awards/2026-11/leaderboard?category=appreciated", headers=bearer(key)).json["top"]
    assert [(p["person"], p["score"]) for p in board] == [("ola", 1 + 1 + 0.5)]  # Per twice: 1 + ½
