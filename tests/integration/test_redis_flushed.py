"""Redis loses everything (flushed, or restarted without persistence): reads come back from SQL."""
from __future__ import annotations

import pytest

from engagement.auth import create_api_key
from engagement.state import state
from tests.conftest import bearer
from tests.integration.test_recognition_kafka import consume_until_caught_up
from tests.unit.test_awards import PEOPLE, TEAMS, october

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_counts_and_top_lists_are_the_same_after_redis_is_flushed(prod_app):
    client, st = prod_app.test_client(), state(prod_app)
    with prod_app.app_context():
        key = create_api_key(st.db.session, "all", ["directory:write", "events:write", "awards:manage"])
        st.db.session.commit()
    people = [{"id": p, "name": p.capitalize(), "team": t} for p, t in PEOPLE.items()]
    client.post("/v1/directory/sync", json={"mode": "full", "teams": TEAMS, "people": people}, headers=bearer(key))
    assert client.post("/v1/events/batch", json={"events": october()}, headers=bearer(key)).status_code == 202
    for name in ("recognition", "awards"):
        consume_until_caught_up(prod_app, name)

    def seen() -> tuple:
        top = client.get("/v1/awards/2026-10/leaderboard?category=appreciated&n=5", headers=bearer(key)).json
        anna = client.get("/v1/people/anna/recognition", headers=bearer(key)).json
        article = client.get("/v1/targets/article/a1", headers=bearer(key)).json
        return top["top"], anna, article

    before = seen()
    assert before[0] and before[1]["received"]["like"] == 4
    prefix = prod_app.config["ENGAGEMENT_REDIS_PREFIX"]
    for cached in st.redis.scan_iter(match=f"{prefix}*"):  # this test's keys: the database is shared
        st.redis.delete(cached)
    assert seen() == before
    assert st.redis.exists(f"{prefix}lb:2026-10:appreciated")  # the top list was refilled
