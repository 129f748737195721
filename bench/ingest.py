"""Ingest benchmark, under gunicorn against a Kafka-protocol broker.

Prints, measured in this one run:
* single-event requests/s as a ratio to a bare Flask endpoint that answers 202 (target >= 0.5);
* batch-ingest events/s as a ratio to raw kafka-python producer throughput (target >= 0.9);
* both again with ENGAGEMENT_KAFKA_PRODUCER=confluent-kafka when confluent-kafka is installed.

The API runs as in production (docker-compose.yml): ENGAGEMENT_CONSUMERS=external, the read models
in their own processes, which this benchmark does not start; ``--in-process`` measures the API
with every read model applied in its workers too, as the embedded default does.

Run: python bench/ingest.py [--in-process]  (needs wrk, PostgreSQL and Redis; starts Tansu itself)
"""
from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import requests
from harness import gunicorn, report, run_cli, services, wrk_post  # noqa: I001
from kafka import KafkaProducer

from engagement.events import Event, Target

TOTAL = 50_000
BATCH = 500


def event(i: int, prefix: str) -> dict:
    return {"id": f"{prefix}-{i}", "type": "like.added", "actor": f"p{i % 500}",
            "target": {"kind": "article", "id": f"a{i % 997}", "owner": "o1"},
            "time": "2026-11-23T09:00:00+01:00", "source": "bench"}


def batch_ingest(base: str, key: str) -> float:
    """Acknowledged events/s for TOTAL events in batches of BATCH, from 4 client threads."""
    prefix = uuid.uuid4().hex[:8]
    bodies = [json.dumps({"events": [event(i, prefix) for i in range(s, s + BATCH)]}).encode()
              for s in range(0, TOTAL, BATCH)]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    failures = []

    def post(chunk: list[bytes]) -> None:
        with requests.Session() as session:
            for body in chunk:
                answer = session.post(f"{base}/v1/events/batch", data=body, headers=headers)
                if answer.status_code != 202:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
    threads = [threading.Thread(target=post, args=(bodies[i::4],)) for i in range(4)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:  # a 503 under overload is an honest answer (nothing acknowledged is lost): say so
        print(f"{len(failures)} batches refused, e.g. {failures[0]}", file=sys.stderr)
    return (TOTAL - BATCH * len(failures)) / elapsed


def raw_producer(bootstrap: str, topic: str) -> float:
    """Events/s for the same TOTAL events' wire bytes through one kafka-python producer."""
    now = datetime.now(UTC)
    wires = [(f"article:a{i % 997}".encode(), Event(
        id=f"raw-{i}", type="like.added", actor=f"p{i % 500}", target=Target("article", f"a{i % 997}", "o1"),
        time=now, source="bench", received_at=now, submitted_by="key:bench").to_wire()) for i in range(TOTAL)]
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2)
    producer.send(topic, b"warm").get(10)
    started = time.perf_counter()
    futures = [producer.send(topic, key=k, value=v) for k, v in wires]
    for f in futures:
        f.get(60)
    elapsed = time.perf_counter() - started
    producer.close()
    return TOTAL / elapsed


def tillit(env: dict[str, str], key: str, producer: str) -> dict[str, float]:
    """Single events with wrk, then batches, through the API publishing with ``producer``."""
    with gunicorn("wsgi:app", {**env, "ENGAGEMENT_KAFKA_PRODUCER": producer}) as base:
        wrk_post(base, key, 3)
        single = wrk_post(base, key)
        return {**single, "batch": batch_ingest(base, key)}


def main() -> None:
    with services() as env:
        env["ENGAGEMENT_CONSUMERS"] = "in-process" if "--in-process" in sys.argv else "external"
        key = run_cli(["keys", "create", "--name", "bench", "--scope", "events:write"], env)
        with gunicorn("bench.bare_app:app", env) as base:
            wrk_post(base, key, 2)
            bare = wrk_post(base, key)
        runs = {"kafka_python": tillit(env, key, "kafka-python")}
        if importlib.util.find_spec("confluent_kafka"):
            runs["confluent_kafka"] = tillit(env, key, "confluent-kafka")
        raw_rate = raw_producer(env["KAFKA_BOOTSTRAP_SERVERS"], env["ENGAGEMENT_KAFKA_TOPIC"] + ".raw")
    numbers: dict = {"consumers": env["ENGAGEMENT_CONSUMERS"], "bare_flask_rps": bare["rps"],
                     "bare_flask_p99": bare["p99"], "raw_producer_events_per_s": round(raw_rate),
                     "single_target": 0.5, "batch_target": 0.9}
    for name, run in runs.items():
        numbers[name] = {
            "single_event_rps": run["rps"], "single_event_p99": run["p99"], "single_event_errors": run["errors"],
            "single_vs_bare": round(run["rps"] / bare["rps"], 3), "batch_ingest_events_per_s": round(run["batch"]),
            "batch_vs_raw_producer": round(run["batch"] / raw_rate, 3)}
    report("ingest", numbers)


if __name__ == "__main__":
    main()
