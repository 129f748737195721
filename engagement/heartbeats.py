"""Consumer heartbeats: a process applying read models says so in the database every few seconds.

A web process that runs no consumers (ENGAGEMENT_CONSUMERS=external) cannot see the threads of
`engagement consume`, which may run on another machine; the database both reach can. Readiness
asks whether every read model had a beat lately.
"""
from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engagement.db import utcnow
from engagement.ledger.model import ConsumerHeartbeat

INTERVAL = 5.0  # seconds between two beats
STALE = timedelta(seconds=30)  # a read model with no beat this long is not being applied
FORGET = timedelta(days=1)  # beats of processes gone this long are deleted


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(engine: Engine, consumers: Iterable[str], process: str) -> None:
    """Say that ``process`` applies ``consumers`` now; forget processes long gone. A process
    standing by (applying nothing) writes nothing."""
    consumers = list(consumers)
    if not consumers:
        return
    now = utcnow()
    with Session(engine) as session, session.begin():
        for name in consumers:
            session.merge(ConsumerHeartbeat(consumer=name, process=process, beat_at=now))
        session.execute(delete(ConsumerHeartbeat).where(ConsumerHeartbeat.beat_at < now - FORGET))


def silent(session: Session, consumers: Iterable[str]) -> list[str]:
    """The read models no process has said it applies within ``STALE``."""
    since = utcnow() - STALE
    heard = set(session.scalars(select(ConsumerHeartbeat.consumer).distinct()
                                .where(ConsumerHeartbeat.beat_at >= since)))
    return [name for name in consumers if name not in heard]


def stop(engine: Engine, consumers: Iterable[str], process: str) -> None:
    """A clean stop takes the beats back at once, so readiness does not wait for them to go stale."""
    with Session(engine) as session, session.begin():
        session.execute(delete(ConsumerHeartbeat).where(ConsumerHeartbeat.process == process,
                                                        ConsumerHeartbeat.consumer.in_(list(consumers))))
