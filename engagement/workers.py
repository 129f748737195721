"""Running read models: each on its own thread, stopped cleanly on request."""
from __future__ import annotations

import logging
import threading

from flask import Flask

from engagement.runner import ConsumerRunner
from engagement.state import state
from engagement.webhooks.sender import SenderThread

logger = logging.getLogger(__name__)


def batch_seconds(config) -> float:
    """How long one batch may take: a share of the poll interval, so a consumer working through
    many refused records still polls in time and keeps its partitions."""
    return config["ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS"] / 1000 * config["ENGAGEMENT_BATCH_DEADLINE_SHARE"]


class ConsumerThreads:
    """One thread per read model; ``stop()`` lets each finish the batch in hand."""

    def __init__(self, app: Flask, names: list[str] | None = None):
        st = state(app)
        models = [st.read_model(n) for n in names] if names else st.read_models
        with app.app_context():
            engine = st.engine
        self.runners = [ConsumerRunner(m, st.bus, engine, st.config["ENGAGEMENT_CONSUMER_BATCH"],
                                       batch_seconds=batch_seconds(st.config)) for m in models]
        self.threads = [threading.Thread(target=self._run, args=(r,), name=f"consumer-{r.model.name}",
                                         daemon=True) for r in self.runners]
        self.sender = SenderThread(app) if any(m.name == "webhooks" for m in models) else None  # its outbox's

    @staticmethod
    def _run(runner: ConsumerRunner) -> None:
        try:
            runner.run()
        except Exception:  # noqa: BLE001 - logged; the process supervisor restarts us
            logger.exception("consumer %s crashed", runner.model.name)

    def start(self) -> ConsumerThreads:
        for thread in self.threads:
            thread.start()
        if self.sender:
            self.sender.start()
        return self

    def stop(self, timeout: float = 15) -> None:
        if self.sender:
            self.sender.stop()
        for runner in self.runners:
            runner.stop()
        for thread in self.threads:
            thread.join(timeout)

    def alive(self) -> bool:
        return all(t.is_alive() for t in self.threads)
