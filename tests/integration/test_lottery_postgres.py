"""The lottery on the production path (Kafka, PostgreSQL, Redis): October's tickets from the awards
read model, two leaders drawing the same month at the same moment (one draw, the other refused),
the winners told through notifications read from Kafka, and the draw recomputed from its record."""
from __future__ import annotations

import threading

import pytest

from engagement.lottery import verify
from tests.conftest import bearer
from tests.integration.test_recognition_kafka import consume_until_caught_up
from tests.unit.test_awards import october, send
from tests.unit.test_lottery import OCTOBER, OCTOBER_TICKETS, committed, mine
from tests.unit.test_lottery import org as org  # noqa: F401 - the directory as a fixture

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def app(prod_app):
    return prod_app


def test_two_leaders_drawing_at_once_make_one_draw_and_the_winners_hear_of_it(app, client, org, user_token):
    send(client, org, october())
    consume_until_caught_up(app, "awards")
    commitment = committed(app)
    assert {p: mine(client, user_token, p)["tickets"] for p in OCTOBER_TICKETS} == OCTOBER_TICKETS

    answers: list = [None, None]
    start = threading.Barrier(2)

    def draw(i: int, leader: str) -> None:
        with app.test_client() as own:
            token = user_token(leader, roles=("leader",))
            start.wait()
            answers[i] = own.post(f"/v1/lottery/{OCTOBER}/draw", json={"winners": 3}, headers=bearer(token))

    threads = [threading.Thread(target=draw, args=(i, leader)) for i, leader in enumerate(("lena", "leif"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], [a.json for a in answers]
    record = next(a.json for a in answers if a.status_code == 201)
    refused = next(a.json for a in answers if a.status_code == 409)
    assert refused["title"] == "Already drawn" and record["commitment"] == commitment
    assert verify.problems(record) == []
    assert client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(user_token("bo"))).json["draw"] == record["draw"]

    consume_until_caught_up(app, "notifications")
    winners = {w["person"] for w in record["draw"]["winners"]}
    for person in OCTOBER_TICKETS:
        feed = client.get("/v1/notifications", headers=bearer(user_token(person))).json["items"]
        assert [i["kind"] for i in feed if i["kind"] == "lottery"] == (["lottery"] if person in winners else [])
