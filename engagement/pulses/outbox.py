"""Answers from the outbox onto the bus: at the pulse's close, all at once, shuffled, folded.

An answer waits in ``PulseOutbox`` (no person, no time; its team and values sealed under the
token secret, engagement/pulses/seal.py) until its pulse has closed. Then the
pulse's waiting answers go out together, in a random order, in one publish, each as a
``pulse.answered`` event with the pulse's opening time and no receive time: so the event log's
order and times say nothing of who answered when. A ``team``-wording answer is tagged not with
its own team but with the shown group it counts in: the org tree at the close, folded
(engagement/directory/groups.py ``fold``) by the number of ``team``-wording answers each team
has, so every team id on such an event carries at least ENGAGEMENT_MIN_GROUP_SIZE answers, and
a team with one respondent is never alone under its id beside the participation rows that name
who answered for it. Answers whose group is None (even the root stays under the minimum) are
deleted unpublished. ``self`` and ``manager`` answers are not anonymous (the invitation says
so) and go out with the others under their own team.

Crash-safe by order: publish first, then delete what was published. A crash in between leaves the
rows (and the tree at the close) as they were, so they go out again under the same event ids (sealed
in each row, engagement/pulses/seal.py) with the same groups, and every read model counts an event id once. The release
claims the pulse first (``Pulse.released_at``, written in its own transaction): a second release
at the same time waits for the first and then finds nothing waiting, and an answer in flight at
the close is refused (engagement/pulses/service.py) instead of going out later on its own.

Release runs on a sweep (``sweep``): the in-process workers run it every
ENGAGEMENT_PULSE_SWEEP_SECONDS (engagement/workers.py), and ``engagement pulses release`` runs
it once (cron, when the consumers run apart from the web processes).
"""
from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engagement.bus.base import EventBus
from engagement.directory.groups import current_tree, fold, load_tree
from engagement.events import Event, EventType, Target, utc_naive
from engagement.pulses import seal
from engagement.pulses.model import Pulse, PulseOutbox
from engagement.pulses.service import ANONYMOUS, SOURCE, aware, is_closed, zeroed

logger = logging.getLogger(__name__)
_shuffler = random.SystemRandom()


class Waiting(NamedTuple):
    """A waiting answer, unsealed: the outbox row's id and what its seal holds."""

    row_id: str
    event_id: str
    team_id: str
    wording: str
    answers: dict[str, int]
    comment: str = ""  # written beside the answer, on a pulse with free text on


def unsealed(secret: str, row: PulseOutbox) -> Waiting:
    """The row's sealed answer (engagement/pulses/seal.py)."""
    answer = seal.unseal(secret, row.id, row.sealed or "")
    return Waiting(row.id, answer.event_id, answer.team, answer.wording, answer.answers, answer.comment)


def answered_event(pulse: Pulse, answer: Waiting, group: str) -> Event:
    """One answer as the event log keeps it: no person, the same time for every answer, no
    receipt, and ``group`` (the shown group it counts in) as its team; a comment, when one was
    written, under the same group."""
    data: dict = {"team": group, "wording": answer.wording, "answers": dict(answer.answers)}
    if answer.comment:
        data["comment"] = answer.comment
    return Event(id=answer.event_id, type=EventType.PULSE_ANSWERED, actor=ANONYMOUS,
                 target=Target("pulse", pulse.id, pulse.created_by), time=aware(pulse.opens_at), source=SOURCE,
                 data=data, received_at=None, submitted_by="")


def release(session: Session, bus: EventBus, pulse: Pulse, now: datetime, min_size: int, secret: str) -> int:
    """Publish a closed pulse's waiting answers, each under its group (see the module); answers
    how many went. Nothing while the pulse is open. ``secret`` (the token secret) unseals them.
    Commits its own work (the claim and the deletes) once the bus holds the events."""
    if not is_closed(pulse, now):
        return 0
    session.execute(update(Pulse).where(Pulse.id == pulse.id)  # the claim: a second release waits here
                    .values(released_at=func.coalesce(Pulse.released_at, utc_naive(now)))
                    .execution_options(synchronize_session=False))
    waiting = session.scalars(select(PulseOutbox).where(PulseOutbox.pulse_id == pulse.id))
    rows = [unsealed(secret, row) for row in waiting]
    groups = team_groups(session, pulse, rows, min_size)
    going = [(row, row.team_id if row.wording != "team" else groups[row.team_id]) for row in rows]
    events = [answered_event(pulse, row, group) for row, group in going if group is not None]
    _shuffler.shuffle(events)
    if events:
        bus.publish(events)
    if rows:
        with zeroed(session):  # SQLite: the sealed rows are overwritten in the file, not left in free pages
            session.execute(delete(PulseOutbox).where(PulseOutbox.id.in_([row.row_id for row in rows])))
    session.commit()
    return len(events)


def team_groups(session: Session, pulse: Pulse, rows: list[Waiting], min_size: int) -> dict[str, str | None]:
    """The shown group of each team on a ``team``-wording answer: the tree at the pulse's close
    (today's, for a directory written before its history was kept) folded by those answers; a
    team no longer in that tree stands alone."""
    sizes: dict[str, int] = {}
    for row in rows:
        if row.wording == "team":
            sizes[row.team_id] = sizes.get(row.team_id, 0) + 1
    if not sizes:
        return {}
    tree = load_tree(session).spanning(pulse.closes_at, pulse.closes_at + timedelta(microseconds=1))
    known = {team: parent for team, _, parent in (tree or current_tree(session))}
    parents = {team: parent if parent in known else None for team, parent in known.items()}
    parents.update((team, None) for team in sizes if team not in parents)
    return fold(parents, sizes, min_size)


def sweep(session: Session, bus: EventBus, now: datetime, min_size: int, secret: str) -> int:
    """Release what waits for pulses that have closed. Answers how many went."""
    ids = list(session.scalars(select(PulseOutbox.pulse_id).distinct()))
    closed = select(Pulse).where(Pulse.id.in_(ids), Pulse.closes_at <= utc_naive(now)).order_by(Pulse.id)
    sent = 0
    for pulse in session.scalars(closed).all():
        try:
            sent += release(session, bus, pulse, now, min_size, secret)
        except InvalidTag:  # sealed under another secret: kept, and the other pulses still go
            session.rollback()
            logger.error("pulses: pulse %s's waiting answers do not unseal with this ENGAGEMENT_TOKEN_SECRET "
                         "(was it changed while the pulse was open?); they wait", pulse.id)
    return sent


class Sweeper:
    """The sweep every ``every`` seconds in a thread of the consumers' process."""

    def __init__(self, engine: Engine, bus: EventBus, min_size: int, every: float, secret: str,
                 also: Callable[[Session, datetime], object] | None = None):
        self.engine, self.bus, self.min_size, self.every, self.secret = engine, bus, min_size, every, secret
        self.also = also  # another periodic chore of the consumers' process (the lottery's commitments)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pulse-sweeper", daemon=True)

    def _run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                with Session(self.engine) as session:
                    sent = sweep(session, self.bus, datetime.now(UTC), self.min_size, self.secret)
                    if self.also is not None:
                        self.also(session, datetime.now(UTC))
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
