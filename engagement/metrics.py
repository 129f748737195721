"""Prometheus metrics. Process-wide, as Prometheus expects; gunicorn's multiprocess mode works
when ``PROMETHEUS_MULTIPROC_DIR`` is set."""
from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

EVENTS_ACCEPTED = Counter("tillit_events_accepted_total", "Events acknowledged to clients", ["type"])
REQUESTS_REJECTED = Counter("tillit_requests_rejected_total", "API requests answered 4xx/5xx", ["status"])
PUBLISH_SECONDS = Histogram("tillit_publish_seconds", "Time until the bus confirmed durability",
                            buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
EVENTS_APPLIED = Counter("tillit_events_applied_total", "Events applied by a read model", ["consumer"])
DEAD_LETTERS = Counter("tillit_dead_letters_total", "Records a read model could not apply", ["consumer"])
CLAIMS_FORGOTTEN = Counter("tillit_claims_forgotten_total",
                           "Event ids a read model forgot after ENGAGEMENT_DEDUP_DAYS", ["consumer"])


def exposition(lag: dict[str, int] | None) -> tuple[bytes, str]:
    """The text format: process metrics plus consumer lag measured now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY
        body = generate_latest(REGISTRY)
    if lag is not None:
        extra = CollectorRegistry()
        extra.register(_LagCollector(lag))
        body += generate_latest(extra)
    return body, CONTENT_TYPE_LATEST


class _LagCollector:
    def __init__(self, lag: dict[str, int]):
        self.lag = lag

    def collect(self):
        family = GaugeMetricFamily("tillit_consumer_lag", "Events published but not yet applied",
                                   labels=["consumer"])
        for consumer, value in self.lag.items():
            family.add_metric([consumer], value)
        yield family
