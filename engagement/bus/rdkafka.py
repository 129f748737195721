"""Publishing on librdkafka (confluent-kafka, the optional extra ``tillit[rdkafka]``), chosen with
ENGAGEMENT_KAFKA_PRODUCER=confluent-kafka; kafka-python stays the default.

kafka-python builds, checksums and sends every record batch in Python, under the lock that the
API's request threads need; librdkafka does that in its own C threads. The guarantees are the
same as engagement.bus.kafka's: ``acks=all``, an idempotent producer, keyed by target with the
same murmur2 partitioner (a target's events land on the partition kafka-python would choose, so
switching producers keeps a like and its unlike in order), and ``publish`` returns only once the
broker has acknowledged every event, or raises BusUnavailable.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from engagement.errors import BusUnavailable
from engagement.events import Event


class _Delivery:
    """One publish call's events: counts the broker's answers; any error ends the wait."""

    def __init__(self, count: int):
        self.left, self.error = count, None
        self.done = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, error: Any, _message: Any) -> None:
        with self._lock:
            self.left -= 1
            if error is not None and self.error is None:
                self.error = error
            if self.left == 0 or self.error is not None:
                self.done.set()


class RdKafkaProducer:
    """One librdkafka producer per process; a daemon thread serves its delivery reports."""

    def __init__(self, bootstrap: str, linger_ms: int, timeout: float):
        from confluent_kafka import Producer  # the optional extra: imported only when chosen
        self.timeout = timeout
        self._producer = Producer({
            "bootstrap.servers": bootstrap, "client.id": "tillit-api",
            "acks": "all", "enable.idempotence": True, "linger.ms": linger_ms,
            "partitioner": "murmur2_random",  # kafka-python's (and Java's) partition for a key
            # librdkafka gives up on a record when the client is told 503, not later behind its back
            "message.timeout.ms": max(int(timeout * 1000), 1),
        })
        self._closed = threading.Event()
        self._poller = threading.Thread(target=self._serve_reports, name="tillit-rdkafka", daemon=True)
        self._poller.start()

    def _serve_reports(self) -> None:
        while not self._closed.is_set():
            self._producer.poll(0.05)

    def publish(self, topic: str, events: Sequence[Event]) -> None:
        from confluent_kafka import KafkaException
        if not events:
            return
        deadline = time.monotonic() + self.timeout
        delivery = _Delivery(len(events))
        try:
            for event in events:
                self._produce(topic, event, delivery, deadline)
        except (KafkaException, BufferError) as exc:
            raise BusUnavailable(f"Kafka did not take the events: {type(exc).__name__}") from exc
        if not delivery.done.wait(max(deadline - time.monotonic(), 0.001)):
            raise BusUnavailable("Kafka did not acknowledge the events: timed out")
        if delivery.error is not None:
            raise BusUnavailable(f"Kafka did not acknowledge the events: {delivery.error.name()}")

    def _produce(self, topic: str, event: Event, delivery: _Delivery, deadline: float) -> None:
        headers: list[tuple[str, str | bytes | None]] = list(event.headers)
        while True:
            try:
                self._producer.produce(topic, value=event.to_wire(), key=event.target.key.encode(),
                                       headers=headers, on_delivery=delivery)
                return
            except BufferError:  # the local queue is full: wait for the broker to drain some
                if time.monotonic() >= deadline:
                    raise
                self._producer.flush(0.01)

    def close(self) -> None:
        self._producer.flush(self.timeout)
        self._closed.set()
        self._poller.join(1)
