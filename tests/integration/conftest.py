"""An app on the production path: Kafka (Tansu), PostgreSQL and Redis."""
from __future__ import annotations

import pytest

from engagement import create_app
from engagement import migrate as schema
from engagement.state import state
from tests.conftest import TEST_SECRET, upgraded

FAST_GROUPS = {"ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS": 6000, "ENGAGEMENT_KAFKA_HEARTBEAT_MS": 1000,
               "ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS": 10000}


def production_config(kafka: str, postgres: str, redis: str, topic: str) -> dict:
    return {"TESTING": True, "ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "ENGAGEMENT_DATABASE_URL": postgres, "ENGAGEMENT_REDIS_URL": redis,
            "ENGAGEMENT_KAFKA_TOPIC": topic, "ENGAGEMENT_KAFKA_PARTITIONS": 3,
            "ENGAGEMENT_REDIS_PREFIX": f"{topic}:",
            "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
            "ENGAGEMENT_CONSUMERS": "external",  # the tests run the consumers they mean to
            **FAST_GROUPS}


@pytest.fixture
def prod_app(kafka_bootstrap, postgres_url, redis_service, topic):
    yield from upgraded(create_app(production_config(kafka_bootstrap, postgres_url, redis_service, topic)))


@pytest.fixture
def postgres_app(empty_postgres_url, tmp_path):
    """An app on a PostgreSQL database of its own with the embedded bus: read models applied by
    the test itself, no broker."""
    app = create_app({"TESTING": True, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "log.sqlite3"),
                      "ENGAGEMENT_DATABASE_URL": empty_postgres_url, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                      "ENGAGEMENT_CONSUMERS": "external"})
    schema.upgrade(state(app).engine)
    yield app
    state(app).bus.close()
    state(app).engine.dispose()
