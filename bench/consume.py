"""Consumer benchmark: ledger events/s into PostgreSQL as a ratio to raw kafka-python
consumption of the same topic, both measured in this run (target >= 0.5).

Run: python bench/consume.py  (needs PostgreSQL and Redis; starts Tansu itself)
"""
from __future__ import annotations

import time
from datetime import UTC, datetime

from harness import report, services  # noqa: I001
from kafka import KafkaConsumer, KafkaProducer

from engagement import create_app
from engagement.consumers.ledger import Ledger
from engagement.events import Event, Target
from engagement.runner import ConsumerRunner, spare_the_startup_heap
from engagement.state import state

TOTAL = 50_000
GROUP_OPTIONS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000, "max_poll_interval_ms": 10000}


def fill_topic(bootstrap: str, topic: str) -> None:
    now = datetime.now(UTC)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i in range(TOTAL):
        event = Event(id=f"c-{i}", type="like.added", actor=f"p{i % 500}",
                      target=Target("article", f"a{i % 997}", "o1"), time=now, source="bench",
                      received_at=now, submitted_by="key:bench")
        producer.send(topic, key=event.target.key.encode(), value=event.to_wire())
    producer.flush()
    producer.close()


def raw_consumption(bootstrap: str, topic: str) -> float:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="bench-raw",
                             auto_offset_reset="earliest", enable_auto_commit=False, **GROUP_OPTIONS)
    seen, started = 0, None
    while seen < TOTAL:
        batches = consumer.poll(timeout_ms=1000, max_records=500)
        if batches and started is None:
            started = time.perf_counter()
        seen += sum(len(records) for records in batches.values())
    elapsed = time.perf_counter() - started
    consumer.close()
    return TOTAL / elapsed


def ledger_consumption(env: dict[str, str]) -> float:
    app = create_app({"ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS": env["KAFKA_BOOTSTRAP_SERVERS"],
                      "ENGAGEMENT_DATABASE_URL": env["DATABASE_URL"], "ENGAGEMENT_REDIS_URL": env["REDIS_URL"],
                      "ENGAGEMENT_KAFKA_TOPIC": env["ENGAGEMENT_KAFKA_TOPIC"],
                      "ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS": 6000, "ENGAGEMENT_KAFKA_HEARTBEAT_MS": 1000,
                      "ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS": 10000})
    st = state(app)
    runner = ConsumerRunner(Ledger(), st.bus, st.engine, app.config["ENGAGEMENT_CONSUMER_BATCH"])
    spare_the_startup_heap()  # as ConsumerRunner.run does
    source = st.bus.source(runner.group, runner.tracked_positions)
    applied, started = 0, None
    while applied < TOTAL:
        records = source.poll(runner.batch_size, 1.0)
        if records:
            started = started or time.perf_counter()
            runner.process(source, records)
            applied += len(records)
    elapsed = time.perf_counter() - started
    source.close()
    return TOTAL / elapsed


def main() -> None:
    with services() as env:
        bootstrap, topic = env["KAFKA_BOOTSTRAP_SERVERS"], env["ENGAGEMENT_KAFKA_TOPIC"]
        fill_topic(bootstrap, topic)
        raw = raw_consumption(bootstrap, topic)
        ledger = ledger_consumption(env)
    report("consume", {"events": TOTAL, "raw_consumer_events_per_s": round(raw),
                       "ledger_events_per_s": round(ledger), "ledger_vs_raw": round(ledger / raw, 3),
                       "target": 0.5})


if __name__ == "__main__":
    main()
