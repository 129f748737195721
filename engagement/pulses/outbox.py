"""Answers from the outbox onto the bus: shuffled, in groups, and crash-safe.

An answer waits in ``PulseOutbox`` (no person, no time) until at least ENGAGEMENT_MIN_GROUP_SIZE
answers of its pulse wait, or the pulse has closed (then whatever waits goes). They go out in a
random order, in one publish, each as a ``pulse.answered`` event with the pulse's opening time
and no receive time: so the event log's order and times say nothing of who answered when, and
cannot be joined with the participation rows (which hold no time either).

Crash-safe by order: publish first, then delete what was published. A crash in between leaves the
rows to be published again, under the same event ids (the outbox ids), and every read model
counts an event id once. Two processes releasing the same rows at once do no more harm than that;
on PostgreSQL the rows are locked (skipping those another release holds) so it rarely happens.

Release runs after each answer (``release``) and, for pulses that closed with answers still
waiting, on a sweep (``sweep``): the in-process workers run it every ENGAGEMENT_PULSE_SWEEP_SECONDS
(engagement/workers.py), and ``engagement pulses release`` runs it once (cron, when the consumers
run apart from the web processes).
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engagement.bus.base import EventBus
from engagement.events import Event, EventType, Target
from engagement.pulses.model import Pulse, PulseOutbox
from engagement.pulses.service import ANONYMOUS, SOURCE, aware, is_closed

logger = logging.getLogger(__name__)
_shuffler = random.SystemRandom()


def answered_event(pulse: Pulse, row: PulseOutbox) -> Event:
    """One answer as the event log keeps it: no person, the same time for every answer, no receipt."""
    return Event(id=row.id, type=EventType.PULSE_ANSWERED, actor=ANONYMOUS,
                 target=Target("pulse", pulse.id, pulse.created_by), time=aware(pulse.opens_at), source=SOURCE,
                 data={"team": row.team_id, "wording": row.wording, "answers": dict(row.answers)},
                 received_at=None, submitted_by="")


def release(session: Session, bus: EventBus, pulse: Pulse, now: datetime, min_size: int) -> int:
    """Publish the pulse's waiting answers if at least ``min_size`` wait or the pulse has closed;
    answers how many went. Commits its own work (the deletes) once the bus holds the events."""
    closed = is_closed(pulse, now)
    if not closed:
        waiting = session.scalar(select(func.count()).select_from(PulseOutbox).where(PulseOutbox.pulse_id == pulse.id))
        if not waiting or waiting < min_size:
            return 0
    rows = list(session.scalars(select(PulseOutbox).where(PulseOutbox.pulse_id == pulse.id)
                                .with_for_update(skip_locked=True)))
    if not rows or not closed and len(rows) < min_size:
        session.rollback()
        return 0
    _shuffler.shuffle(rows)
    bus.publish([answered_event(pulse, row) for row in rows])
    session.execute(delete(PulseOutbox).where(PulseOutbox.id.in_([row.id for row in rows])))
    session.commit()
    return len(rows)


def sweep(session: Session, bus: EventBus, now: datetime, min_size: int) -> int:
    """Release what waits for pulses that have closed (and, as after each answer, for open ones
    where enough wait: an answer whose release failed is not stranded). Answers how many went."""
    ids = list(session.scalars(select(PulseOutbox.pulse_id).distinct()))
    sent = 0
    for pulse in session.scalars(select(Pulse).where(Pulse.id.in_(ids)).order_by(Pulse.id)).all():
        sent += release(session, bus, pulse, now, min_size)
    return sent


class Sweeper:
    """The sweep every ``every`` seconds in a thread of the consumers' process."""

    def __init__(self, engine: Engine, bus: EventBus, min_size: int, every: float):
        self.engine, self.bus, self.min_size, self.every = engine, bus, min_size, every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pulse-sweeper", daemon=True)

    def _run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                with Session(self.engine) as session:
                    sent = sweep(session, self.bus, datetime.now(UTC), self.min_size)
                if sent:
                    logger.info("pulses: %d waiting answers released", sent)
            except Exception as exc:  # noqa: BLE001 - the next sweep tries again; the rows wait
                logger.warning("pulses: the sweep failed, trying again later: %r", exc)

    def start(self) -> Sweeper:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(5)

    def alive(self) -> bool:
        return self.thread.is_alive()
