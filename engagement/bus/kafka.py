"""The Kafka event bus on kafka-python.

Publishing waits for the broker's acknowledgement with ``acks=all`` (idempotent
producer), keyed by target so that a like and its unlike stay in order. Consumers
belong to one group per read model; when partitions are assigned they seek to the
position the database's tracking record holds, never to the broker's own offset.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from engagement.bus.base import AssignmentListener, Record
from engagement.bus.rdkafka import RdKafkaProducer
from engagement.config import RefusedSetting
from engagement.errors import BusUnavailable
from engagement.events import Event

logger = logging.getLogger(__name__)
PRODUCERS = ("kafka-python", "confluent-kafka")  # ENGAGEMENT_KAFKA_PRODUCER


class KafkaBus:
    first_offset = 0

    def __init__(self, config: dict[str, Any]):
        self.bootstrap = config["ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS"]
        self.topic = config["ENGAGEMENT_KAFKA_TOPIC"]
        self.partitions = config["ENGAGEMENT_KAFKA_PARTITIONS"]
        self.replication = config["ENGAGEMENT_KAFKA_REPLICATION"]
        self.timeout = config["ENGAGEMENT_KAFKA_PUBLISH_TIMEOUT"]
        self.config = config
        self._producer: KafkaProducer | None = None
        self.producer_kind = _producer_kind(config)
        self._rdkafka: RdKafkaProducer | None = None
        self._producer_pid = 0
        self._lock = threading.Lock()
        self._topic_ready = False
        self._probe: KafkaConsumer | None = None
        self._probe_pid = 0

    def _get_producer(self) -> KafkaProducer:
        """One producer per process, made on first use so gunicorn's fork never copies one."""
        if self._producer is not None and self._producer_pid == os.getpid():
            return self._producer
        with self._lock:
            if self._producer is None or self._producer_pid != os.getpid():
                self.ensure_topic()
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
                    linger_ms=self.config["ENGAGEMENT_KAFKA_LINGER_MS"],
                    max_block_ms=int(self.timeout * 1000), client_id="tillit-api", metrics_enabled=False,
                )
                self._producer_pid = os.getpid()
        return self._producer

    def _get_rdkafka(self) -> RdKafkaProducer:
        """The librdkafka producer instead, made as lazily and once per process as the one above."""
        if self._rdkafka is not None and self._producer_pid == os.getpid():
            return self._rdkafka
        with self._lock:
            if self._rdkafka is None or self._producer_pid != os.getpid():
                self.ensure_topic()
                self._rdkafka = RdKafkaProducer(self.bootstrap, self.config["ENGAGEMENT_KAFKA_LINGER_MS"],
                                                self.timeout)
                self._producer_pid = os.getpid()
        return self._rdkafka

    def ensure_topic(self) -> None:
        """Create the topic if missing, with the configured partitions."""
        if self._topic_ready:
            return
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="tillit-admin",
                                 request_timeout_ms=int(self.timeout * 1000))
        try:
            if self.topic not in admin.list_topics():
                admin.create_topics([NewTopic(self.topic, self.partitions, self.replication)])
                logger.info("created topic %s with %d partitions", self.topic, self.partitions)
        except TopicAlreadyExistsError:
            pass
        finally:
            admin.close()
        self._topic_ready = True

    def publish(self, events: Sequence[Event]) -> None:
        deadline = time.monotonic() + self.timeout
        try:
            if self.producer_kind == "confluent-kafka":
                return self._get_rdkafka().publish(self.topic, events)
            producer = self._get_producer()
            futures = [producer.send(self.topic, key=e.target.key.encode(), value=e.to_wire(),
                                     headers=e.headers) for e in events]
            for future in futures:
                future.get(timeout=max(deadline - time.monotonic(), 0.001))
        except BusUnavailable as exc:
            logger.warning("publish failed: %s", exc)
            raise
        except (KafkaError, OSError) as exc:
            logger.warning("publish failed: %r", exc)
            raise BusUnavailable(f"Kafka did not acknowledge the events: {type(exc).__name__}") from exc

    def source(self, group: str, on_assign: AssignmentListener) -> KafkaSource:
        self.ensure_topic()
        return KafkaSource(self, group, on_assign)

    def end_offsets(self) -> dict[int, int]:
        """A real round trip to the partition leaders, so it doubles as the readiness probe."""
        with self._lock:
            if self._probe is None or self._probe_pid != os.getpid():
                self._probe = KafkaConsumer(bootstrap_servers=self.bootstrap, client_id="tillit-probe",
                                            request_timeout_ms=int(self.timeout * 1000) + 1000)
                self._probe_pid = os.getpid()
            partitions = self._probe.partitions_for_topic(self.topic) or set()
            ends = self._probe.end_offsets([TopicPartition(self.topic, p) for p in partitions],
                                           timeout_ms=int(self.timeout * 1000))
        return {tp.partition: offset for tp, offset in ends.items()}

    def check(self) -> None:
        try:
            self.end_offsets()
        except KafkaError as exc:
            raise BusUnavailable(f"Kafka does not answer: {type(exc).__name__}") from exc

    def close(self) -> None:
        if self._producer is not None and self._producer_pid == os.getpid():
            self._producer.close(timeout=self.timeout)
        if self._rdkafka is not None and self._producer_pid == os.getpid():
            self._rdkafka.close()
        self._rdkafka = None
        if self._probe is not None and self._probe_pid == os.getpid():
            self._probe.close()
        self._producer = self._probe = None


def _producer_kind(config: dict[str, Any]) -> str:
    """Which producer publishes; a misspelt one, or confluent-kafka not installed, stops the start."""
    kind = config.get("ENGAGEMENT_KAFKA_PRODUCER") or "kafka-python"
    if kind not in PRODUCERS:
        raise RefusedSetting(f"ENGAGEMENT_KAFKA_PRODUCER is {kind!r}; it must be one of {', '.join(PRODUCERS)}.")
    if kind == "confluent-kafka":
        try:
            import confluent_kafka  # noqa: F401
        except ImportError as exc:
            raise RefusedSetting("ENGAGEMENT_KAFKA_PRODUCER is confluent-kafka, which is not installed: "
                                 "pip install 'tillit[rdkafka]'.") from exc
    return kind


class _SeekToTrackedPositions(ConsumerRebalanceListener):
    def __init__(self, source: KafkaSource, on_assign: AssignmentListener):
        self.source, self.on_assign = source, on_assign

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.source._commit_now()  # while they are still ours
        logger.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        positions = self.on_assign(self.source.topic, [tp.partition for tp in assigned])
        for tp in assigned:
            if tp.partition in positions:  # otherwise from the committed offset
                self.source.seek(tp.partition, positions[tp.partition])
        logger.info("partitions assigned: %s", sorted(tp.partition for tp in assigned))


class KafkaSource:
    def __init__(self, bus: KafkaBus, group: str, on_assign: AssignmentListener):
        self.topic = bus.topic
        c = bus.config
        self.consumer = KafkaConsumer(
            bootstrap_servers=bus.bootstrap, group_id=group, client_id=group,
            enable_auto_commit=False, auto_offset_reset="earliest",
            session_timeout_ms=c["ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS"],
            heartbeat_interval_ms=c["ENGAGEMENT_KAFKA_HEARTBEAT_MS"],
            max_poll_interval_ms=c["ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS"],
            fetch_max_wait_ms=c["ENGAGEMENT_KAFKA_FETCH_MAX_WAIT_MS"],
            fetch_min_bytes=c["ENGAGEMENT_KAFKA_FETCH_MIN_BYTES"],
        )
        self.consumer.subscribe([self.topic], listener=_SeekToTrackedPositions(self, on_assign))
        self.commit_interval, self.committed_at = c["ENGAGEMENT_KAFKA_COMMIT_INTERVAL"], 0.0
        self.uncommitted: dict[int, int] = {}

    def poll(self, max_records: int, timeout: float) -> list[Record]:
        batches = self.consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        return [Record(r.topic, r.partition, r.offset, r.value)
                for records in batches.values() for r in records]

    def seek(self, partition: int, last_applied: int | None) -> None:
        tp = TopicPartition(self.topic, partition)
        if last_applied is None:
            self.consumer.seek_to_beginning(tp)
        else:
            self.consumer.seek(tp, last_applied + 1)

    def commit(self, last_applied: dict[int, int]) -> None:
        """Advisory only, so asynchronous and at most once per commit interval: the tracking
        record is the truth, and a broker answering a commit per small batch of every read
        model's group spends its time on commits (seen on Tansu in the soak)."""
        self.uncommitted.update(last_applied)
        if time.monotonic() - self.committed_at >= self.commit_interval:
            self._commit_now()

    def _commit_now(self) -> None:
        if not self.uncommitted:
            return
        offsets = {TopicPartition(self.topic, p): OffsetAndMetadata(o + 1, "", -1)
                   for p, o in self.uncommitted.items()}
        self.uncommitted, self.committed_at = {}, time.monotonic()
        try:
            self.consumer.commit_async(offsets)
        except KafkaError as exc:
            logger.info("offset commit skipped: %r", exc)

    def close(self) -> None:
        self._commit_now()
        self.consumer.close(autocommit=False)
