"""The optional librdkafka producer (ENGAGEMENT_KAFKA_PRODUCER=confluent-kafka) on the production
path: the same acknowledgements, and each target on the partition kafka-python gives it."""
from __future__ import annotations

import pytest
from kafka.partitioner.default import murmur2
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import create_app
from engagement import migrate as schema
from engagement.bus.kafka import KafkaBus
from engagement.config import RefusedSetting
from engagement.ledger.model import LedgerEvent
from engagement.state import state
from tests.conftest import like
from tests.integration.conftest import production_config
from tests.integration.test_kafka_path import ledger_count, run_ledger_until, writer

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def rdkafka_app(prod_app):
    prod_app.config["ENGAGEMENT_KAFKA_PRODUCER"] = "confluent-kafka"
    return prod_app


def kafka_python_partition(key: str, partitions: int) -> int:
    """What kafka-python's default partitioner (Java's) answers for a key."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def test_events_sent_on_librdkafka_reach_the_ledger_once_on_kafka_pythons_partitions(rdkafka_app):
    client, headers = rdkafka_app.test_client(), writer(rdkafka_app)
    assert state(rdkafka_app).bus.producer_kind == "confluent-kafka"
    events = [like(f"r{i}", target=f"t{i % 11}") for i in range(120)]
    for event in events[:20]:
        assert client.post("/v1/events", json=event, headers=headers).status_code == 202
    answer = client.post("/v1/events/batch", json={"events": events[20:]}, headers=headers)
    assert answer.status_code == 202 and answer.json["count"] == 100
    duplicate = client.post("/v1/events", json=events[0], headers=headers)
    assert duplicate.status_code == 202
    assert run_ledger_until(rdkafka_app, 120) == 120
    assert ledger_count(rdkafka_app) == 120  # the duplicate counted once
    partitions = rdkafka_app.config["ENGAGEMENT_KAFKA_PARTITIONS"]
    with Session(state(rdkafka_app).engine) as session:
        placed = set(session.execute(select(LedgerEvent.target_kind, LedgerEvent.target_id,
                                            LedgerEvent.partition)).all())
    assert len({p for _, _, p in placed}) > 1
    assert placed == {(kind, target, kafka_python_partition(f"{kind}:{target}", partitions))
                      for kind, target, _ in placed}


def test_an_unreachable_broker_answers_503_within_the_publish_timeout(postgres_url, redis_service, topic):
    from tests.services import free_port
    config = production_config(f"127.0.0.1:{free_port()}", postgres_url, redis_service, topic)
    config.update(ENGAGEMENT_KAFKA_PRODUCER="confluent-kafka", ENGAGEMENT_KAFKA_PUBLISH_TIMEOUT=1.0)
    app = create_app(config)
    schema.upgrade(state(app).engine)
    try:
        answer = app.test_client().post("/v1/events", json=like("lost"), headers=writer(app))
        assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
    finally:
        state(app).engine.dispose()


def test_an_unknown_producer_is_refused_by_name():
    with pytest.raises(RefusedSetting, match="ENGAGEMENT_KAFKA_PRODUCER"):
        KafkaBus({"ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9", "ENGAGEMENT_KAFKA_TOPIC": "t",
                  "ENGAGEMENT_KAFKA_PARTITIONS": 1, "ENGAGEMENT_KAFKA_REPLICATION": 1,
                  "ENGAGEMENT_KAFKA_PUBLISH_TIMEOUT": 1.0, "ENGAGEMENT_KAFKA_PRODUCER": "librdkafka"})
