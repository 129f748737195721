"""The production shape as real processes: serve (API only) and a separate consume,
on Kafka (Tansu), PostgreSQL and Redis."""
from __future__ import annotations

import time

import psycopg
import pytest
import requests

from tests.conftest import bearer, like
from tests.e2e.conftest import make_batches, send_batches, wait_for
from tests.services import Service, free_port, run_cli, wait_until_healthy

pytestmark = [pytest.mark.slow, pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def prod_env(kafka_bootstrap, postgres_url, redis_service, topic, tmp_path):
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "DATABASE_URL": postgres_url,
           "REDIS_URL": redis_service, "ENGAGEMENT_KAFKA_TOPIC": topic, "ENGAGEMENT_REDIS_PREFIX": f"{topic}:",
           "ENGAGEMENT_KAFKA_PARTITIONS": "3", "ENGAGEMENT_INSTANCE_PATH": str(tmp_path),
           "ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS": "6000", "ENGAGEMENT_KAFKA_HEARTBEAT_MS": "1000",
           "ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS": "10000",
           "ENGAGEMENT_CONSUMERS": "external"}  # the API processes apply nothing: `consume` does
    run_cli(["db", "upgrade"], env)
    yield env
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("TRUNCATE engagement_ledger, engagement_consumer_positions, engagement_api_keys, "
                     "engagement_dead_letters, engagement_processed_events")


def ledger_ids(postgres_url: str) -> list[str]:
    with psycopg.connect(postgres_url) as conn:
        return [row[0] for row in conn.execute("SELECT event_id FROM engagement_ledger")]


def test_like_through_kafka_with_a_separate_consumer(prod_env, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = Service(["serve", "--port", str(port)], prod_env, tmp_path / "api.log").start()
    consumer = Service(["consume"], prod_env, tmp_path / "consume.log").start()
    try:
        wait_until_healthy(base)
        assert "run `engagement consume`" in api.output()
        key = run_cli(["keys", "create", "--name", "intranet", "--scope", "events:write"], prod_env)
        response = requests.post(f"{base}/v1/events", json=like("kafka-like"), headers=bearer(key), timeout=10)
        assert response.status_code == 202
        assert wait_for(lambda: "kafka-like" in ledger_ids(prod_env["DATABASE_URL"]), timeout=60)
        ready = requests.get(f"{base}/readyz", timeout=10).json()
        assert ready["ready"] and ready["consumer_lag"]["ledger"] == 0
    finally:
        assert consumer.terminate() == 0
        assert api.terminate() == 0


def test_consumer_sigkilled_mid_stream_leaves_the_ledger_exact(prod_env, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = Service(["serve", "--port", str(port)], prod_env, tmp_path / "api.log").start()
    wait_until_healthy(base)
    key = run_cli(["keys", "create", "--name", "load", "--scope", "events:write"], prod_env)
    batches = make_batches(10_000, "pk")
    acked: set[int] = set()
    send_batches(base, key, batches, acked)
    send_batches(base, key, [batches[3], batches[7]], set())  # a client resending two batches
    assert len(acked) == 100
    url = prod_env["DATABASE_URL"]
    consumer = Service(["consume"], prod_env, tmp_path / "consume-1.log").start()
    try:
        assert wait_for(lambda: len(ledger_ids(url)) >= 1500, every=0.01)
        consumer.kill()  # SIGKILL mid-stream
        at_kill = len(ledger_ids(url))
        assert at_kill < 10_000
        consumer = Service(["consume"], prod_env, tmp_path / "consume-2.log").start()
        assert wait_for(lambda: len(ledger_ids(url)) >= 10_000)
        time.sleep(2)
        ids = ledger_ids(url)
        assert len(ids) == 10_000 and len(set(ids)) == 10_000
        print(f"killed at {at_kill} of 10000; ledger exact after restart")
    finally:
        consumer.terminate()
        api.terminate()
