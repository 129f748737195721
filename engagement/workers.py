"""What runs beside the API: the read models' consumer threads and the other background workers.

There is one way to run them inside a web process: ``background(app)``, a ``Background`` made by
``init_app``, started once per process on its first request (``flask run``, gunicorn, any WSGI
server) or by ``engagement serve`` before it listens, and stopped at exit. A process that a fork
copied it into (a gunicorn worker of a ``--preload`` master) starts its own. CLI commands serve
no requests, so ``flask engagement db upgrade``, ``consume`` or ``replay`` never start it, nor
does the Werkzeug reloader's watching parent.

On the embedded bus the log is a file on one machine, so every consumer of it is on that machine:
each read model is applied by one process at a time, the one that holds its lock file beside the
log (the kernel lets go when the process dies, and a process standing by takes over). Two
processes applying the same read model would be kept exact by the tracking record, but SQLite
answers the loser's write with "database is locked", not a conflict. With Kafka the consumer group
shares the partitions among every process, as it does among ``engagement consume`` processes.

Other workers are added to ``IN_PROCESS``: a name and a factory that answers None when the
settings do not want the worker.
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from flask import Flask
from sqlalchemy.orm import Session

from engagement import heartbeats
from engagement.config import consumers_mode, uses_kafka
from engagement.lag import consumer_lag
from engagement.ledger.pruning import Pruner
from engagement.lottery import draws as lottery_draws
from engagement.lottery import service as lottery
from engagement.pulses.outbox import Sweeper
from engagement.replay import fill_if_new
from engagement.runner import ConsumerRunner
from engagement.state import state
from engagement.webhooks.sender import SenderThread

logger = logging.getLogger(__name__)
EXTENSION = "engagement.background"
LOCK_POLL_SECONDS = 0.5


def batch_seconds(config) -> float:
    """How long one batch may take: a share of the poll interval, so a consumer working through
    many refused records still polls in time and keeps its partitions."""
    return config["ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS"] / 1000 * config["ENGAGEMENT_BATCH_DEADLINE_SHARE"]


class LogLock:
    """One process of the machine at a time: an exclusive ``flock`` on a file beside the event log."""

    def __init__(self, event_log: str, name: str):
        self.path = Path(f"{event_log}.locks") / f"{name}.lock"
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def wait(self, stopping: threading.Event) -> bool:
        """Until the lock is ours (True) or a stop is asked (False)."""
        while not stopping.is_set():
            if self.try_acquire():
                return True
            stopping.wait(LOCK_POLL_SECONDS)
        return False

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class ConsumerThreads:
    """One thread per read model, one that tells the database which of them this process
    applies (readiness of web processes that run none), and one that forgets their claims older
    than ENGAGEMENT_DEDUP_DAYS every hour. ``stop()`` lets each finish the batch in hand. On the
    embedded bus a thread first waits for its read model's ``LogLock``. A read model with no
    tracking record while the ledger holds events (one an upgrade added) is first built from the
    ledger (``replay.fill_if_new``), since the bus may no longer hold the old events."""

    def __init__(self, app: Flask, names: list[str] | None = None):
        st = self.st = state(app)
        models = [st.read_model(n) for n in names] if names else st.read_models
        with app.app_context():
            engine = st.engine
        self.engine = engine
        self.event_log = None if uses_kafka(st.config) else st.config["ENGAGEMENT_EVENT_LOG"]
        self.runners = [ConsumerRunner(m, st.bus, engine, st.config["ENGAGEMENT_CONSUMER_BATCH"],
                                       batch_seconds=batch_seconds(st.config)) for m in models]
        self.threads = [threading.Thread(target=self._run, args=(r,), name=f"consumer-{r.model.name}",
                                         daemon=True) for r in self.runners]
        self.sender = SenderThread(app) if any(m.name == "webhooks" for m in models) else None  # its outbox's
        self.pruner = Pruner(engine, [m.name for m in models], st.config["ENGAGEMENT_DEDUP_DAYS"])  # their claims
        self.applying: set[str] = set()
        self.process = heartbeats.this_process()
        self.stopping = threading.Event()
        self.heart = threading.Thread(target=self._beat, name="consumer-heartbeat", daemon=True)

    def _run(self, runner: ConsumerRunner) -> None:
        name = runner.model.name
        lock = LogLock(self.event_log, name) if self.event_log else None
        if lock is not None and not lock.try_acquire():
            logger.info("consumer %s: another process applies it; standing by", name)
            if not lock.wait(runner.stopping):
                return
        self.applying.add(name)
        try:
            fill_if_new(self.st, runner.model, runner.stopping)  # a read model an upgrade added starts from the ledger
            runner.run()
        except Exception:  # noqa: BLE001 - logged; readiness and the process supervisor see it
            logger.exception("consumer %s crashed", name)
        finally:
            self.applying.discard(name)
            if lock is not None:
                lock.release()

    def _beat(self) -> None:
        while not self.stopping.is_set():
            try:
                heartbeats.beat(self.engine, sorted(self.applying), self.process)
            except Exception as exc:  # noqa: BLE001 - a missed beat only makes readiness cautious
                logger.warning("consumer heartbeat not written: %r", exc)
            self.stopping.wait(heartbeats.INTERVAL)

    def start(self) -> ConsumerThreads:
        for thread in self.threads:
            thread.start()
        if self.sender:
            self.sender.start()
        self.pruner.start()
        self.heart.start()
        return self

    def stop(self, timeout: float = 15) -> None:
        self.stopping.set()
        if self.sender:
            self.sender.stop()
        self.pruner.stop()
        for runner in self.runners:
            runner.stop()
        for thread in [*self.threads, self.heart]:
            if thread.is_alive():
                thread.join(timeout)
        try:
            heartbeats.stop(self.engine, [r.model.name for r in self.runners], self.process)
        except Exception as exc:  # noqa: BLE001 - the beats go stale on their own
            logger.warning("consumer heartbeats not taken back: %r", exc)

    def alive(self) -> bool:
        """Every read model's thread runs (applying, or standing by for its lock), and the webhook sender."""
        return all(t.is_alive() for t in self.threads) and (self.sender is None or self.sender.thread.is_alive())


class Worker(Protocol):
    def start(self) -> Any: ...
    def stop(self) -> None: ...
    def alive(self) -> bool: ...


class LockedWorker:
    """A worker that must run in one process only (the mailer): on the embedded bus it starts in
    the process that holds its ``LogLock``, and the others stand by."""

    def __init__(self, event_log: str, name: str, make: Callable[[], Worker]):
        self.lock, self.make, self.inner = LogLock(event_log, name), make, None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"{name}-standby", daemon=True)

    def _run(self) -> None:
        if self.lock.wait(self.stopping):
            self.inner = self.make().start()

    def start(self) -> LockedWorker:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(LOCK_POLL_SECONDS * 4)
        if self.inner is not None:
            self.inner.stop()
        self.lock.release()

    def alive(self) -> bool:
        return self.inner.alive() if self.inner is not None else self.thread.is_alive()


class _Mailer:
    """``MailerThread`` as a ``Worker``."""

    def __init__(self, app: Flask):
        from engagement.notifications.mailer import MailerThread
        self.thread = MailerThread(app)

    def start(self) -> _Mailer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.thread.stop()

    def alive(self) -> bool:
        return self.thread.thread.is_alive()


@dataclass(frozen=True)
class WorkerKind:
    name: str
    make: Callable[[Flask], Worker | None]  # None: these settings do not want it in a web process


def _consumers(app: Flask) -> Worker:
    return ConsumerThreads(app)


def _mailer(app: Flask) -> Worker | None:
    """Exactly one mailer may run: in-process only on the embedded bus, where the lock makes it
    one; with Kafka, web processes are many, so ``engagement mail`` runs it."""
    config = state(app).config
    if not (config["ENGAGEMENT_SMTP_HOST"] or config["ENGAGEMENT_WARNING_CHANNEL"]) or uses_kafka(config):
        return None
    return LockedWorker(config["ENGAGEMENT_EVENT_LOG"], "mailer", lambda: _Mailer(app))


def pulse_sweeper(app: Flask) -> Sweeper:
    """A pulse's answers wait until it closes and go out on this sweep (engagement/pulses/outbox.py).
    Every web process may run one: each release claims its pulse in the database, so a second
    sweep finds nothing waiting. The same sweep keeps the lottery's months (engagement/lottery/draws.py):
    it publishes the commitments for this month and the next, so a month has one before it ends even
    if nobody opened a lottery page, freezes last month's tickets, and publishes a draw's winners'
    event the bus did not take at the draw."""
    st = state(app)
    config, settings = st.config, lottery.settings_of(st)

    def lottery_sweep(session: Session, now: datetime) -> None:
        lottery_draws.sweep(session, st.bus, now, lambda: consumer_lag(st).get("awards", 0), settings)
    return Sweeper(st.engine, st.bus, config["ENGAGEMENT_MIN_GROUP_SIZE"], config["ENGAGEMENT_PULSE_SWEEP_SECONDS"],
                   st.token_secret, also=lottery_sweep)


IN_PROCESS: list[WorkerKind] = [WorkerKind("consumers", _consumers), WorkerKind("mailer", _mailer),
                                WorkerKind("pulses", pulse_sweeper)]


class Background:
    """This process's in-process workers for one app: started once, stopped at exit."""

    def __init__(self, app: Flask, kinds: list[WorkerKind] | None = None):
        self.app, self.kinds = app, kinds if kinds is not None else IN_PROCESS
        self.in_process = consumers_mode(app.config) == "in-process"
        self.workers: dict[str, Worker] = {}
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._stopped_at_exit = False

    def start(self) -> None:
        """Start the workers in this process unless they run (a no-op after the first call)."""
        if self._pid == os.getpid() or not self.in_process:
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self.workers = {}  # a fork copies the parent's record of its threads, not the threads
            for kind in self.kinds:
                worker = kind.make(self.app)
                if worker is not None:
                    self.workers[kind.name] = worker.start()
            if not self._stopped_at_exit:
                atexit.register(self.stop)
                self._stopped_at_exit = True
            self._pid = os.getpid()
            logger.info("in-process workers started: %s", ", ".join(self.workers) or "none")

    def stop(self) -> None:
        """Stop what this process started, each after the work in hand."""
        with self._lock:
            if self._pid != os.getpid():
                return
            for worker in self.workers.values():
                worker.stop()
            self.workers, self._pid = {}, None

    @property
    def started(self) -> bool:
        return self._pid == os.getpid()

    def stopped(self) -> list[str]:
        """The workers that should run here and do not (all of them before the start)."""
        if not self.started:
            return ["consumers"]
        return [name for name, worker in self.workers.items() if not worker.alive()]


def background(app: Flask) -> Background:
    return app.extensions[EXTENSION]


def install(app: Flask) -> None:
    """``init_app``: make the app's ``Background`` and start it on the first request."""
    work = app.extensions[EXTENSION] = Background(app)
    if work.in_process:
        app.before_request(work.start)
