"""The demo is shown only once its read models have applied what the demo published.

The demo publishes its made-up organisation's events on the first visit; a page answered before
the consumers applied them would show every team at 0 % with every flag raised. So a demo page
first waits, a bounded time, until each read model that some process applies has read through
the bus as it stood when the page was asked for. Read models no process applies are not waited
for: nothing would ever apply them, and the readiness check already reports them.
"""
from __future__ import annotations

import logging
import time

from flask import current_app
from sqlalchemy.orm import Session

from engagement.heartbeats import silent
from engagement.lag import consumer_lag
from engagement.state import EngagementState
from engagement.workers import background

logger = logging.getLogger(__name__)
BOUND = 30.0  # seconds: a page that still is not ready after this shows what there is, and says so in the log
POLL = 0.05


def applying(st: EngagementState) -> list[str]:
    """The read models being applied: all of them by this process's own consumer threads, else
    those another process (``engagement consume``) beats for."""
    names = [model.name for model in st.read_models]
    work = background(current_app)
    if work.in_process and work.started and not work.stopped():
        return names
    with Session(st.engine) as session:
        quiet = set(silent(session, names))
    return [name for name in names if name not in quiet]


def wait_until_applied(st: EngagementState, bound: float = BOUND) -> bool:
    """Wait until the applied read models have caught up with the bus's end as of now; False
    when ``bound`` seconds passed first (the page is shown anyway)."""
    names = applying(st)
    if not names:
        return True
    ends = st.bus.end_offsets()
    deadline = time.monotonic() + bound
    while True:
        lag = consumer_lag(st, ends)
        behind = {name: lag.get(name, 0) for name in names if lag.get(name, 0)}
        if not behind:
            return True
        if time.monotonic() >= deadline:
            logger.warning("demo page shown before its read models caught up: %s", behind)
            return False
        time.sleep(POLL)
