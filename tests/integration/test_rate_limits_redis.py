"""Rate limits shared through Redis: two app processes (gunicorn workers) spend one budget."""
from __future__ import annotations

import pytest

from engagement import create_app
from engagement.auth import mint_user_token
from engagement.state import state
from tests.conftest import bearer, like
from tests.integration.conftest import production_config

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis]


def test_two_workers_share_one_person_s_budget(kafka_bootstrap, postgres_url, redis_service, topic, prod_app):
    config = {**production_config(kafka_bootstrap, postgres_url, redis_service, topic),
              "ENGAGEMENT_RATE_LIMIT_USER": "3 per minute"}
    workers = [create_app(config), create_app(config)]
    token = bearer(mint_user_token(state(workers[0]).token_secret, "kari"))
    try:
        codes = [workers[i % 2].test_client().post("/v1/events", json=like(actor="kari"), headers=token).status_code
                 for i in range(4)]
    finally:
        for app in workers:
            state(app).bus.close()
    assert codes == [202, 202, 202, 429]
