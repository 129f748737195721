"""A Bra! counts once per giver and subject, like a like counts once per person and target.

The subject is the person it is given to and the calendar month: one colleague's thanks reach a
person's counters once a month, whatever each says it is about (``about`` only says which
content's counter the counted one adds to). Of several from one giver for one subject
the earliest (by time, then id) is the one that counts, so the answer does not depend on the
order they arrive in: a later one changes nothing, and an earlier one that arrives late takes
the place of the one counted so far (the read model takes that one back and counts the new
one). Each read model keeps its own rows (``KudosFirst.model``), loaded per batch in one query.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engagement.bulk import where_keys
from engagement.events import Event, EventType, Target, utc_naive
from engagement.locks import lock_keys
from engagement.ownership.waiting import aware
from engagement.recognition.model import KudosFirst

LOCK_SPACE = 4  # advisory-lock space of the counted Bra!s, by model and giver (engagement/locks.py)


def about(event: Event) -> str | None:
    """The ``kind:id`` a Bra! is about, if any (any other event is about nothing)."""
    return (event.data.get("about") or None) if event.type == EventType.KUDOS_GIVEN else None


def recognises(event: Event) -> str | None:
    """What an interaction recognises: its target, or for a Bra! the content it is about (``None``
    when a Bra! is about nothing but the person it is given to)."""
    return about(event) if event.type == EventType.KUDOS_GIVEN else event.target.key


def subject(event: Event) -> str:
    """What one giver's Bra! counts once for: the person it is given to, once a calendar month (UTC).
    Not what it is about: ``about`` is the giver's word, and made-up ``about`` values would each be
    a new subject, raising a colleague's count as often as someone likes."""
    return f"{event.target.key}@{utc_naive(event.time):%Y-%m}"


@dataclass(frozen=True)
class Counted:
    """A Bra! that counted until an earlier one from the same giver for the same subject came."""

    event_id: str
    giver: str
    recipient: str
    about: str | None
    at: datetime  # naive UTC

    def as_event(self) -> Event:
        """The displaced Bra! as an event (enough to take back what it counted)."""
        return Event(self.event_id, "kudos.given", self.giver, Target("person", self.recipient, self.recipient),
                     aware(self.at), "", data={"about": self.about} if self.about else {})


class FirstKudos:
    """One read model's counted Bra!s for the (giver, subject) pairs of one batch."""

    def __init__(self, session: Session, model: str, events: list[Event]):
        self.session, self.model = session, model
        keys = {(e.actor, subject(e)) for e in events if e.type == "kudos.given"}
        self.rows: dict[tuple[str, str], KudosFirst] = {}
        if keys:  # consumers of other partitions may count the same giver's Bra!s (keyed by recipient)
            lock_keys(session, LOCK_SPACE, {f"{model}:{giver}" for giver, _ in keys})
            # Joined to the pairs as one JSON parameter: a row-value IN list of thousands is an OR
            # the server checks row by row, which grows with the table (seconds a batch in a replay).
            pairs = where_keys(session, select(KudosFirst).where(KudosFirst.model == model),
                               (KudosFirst.giver, KudosFirst.subject), keys)
            self.rows = {(r.giver, r.subject): r for r in session.scalars(pairs)}

    @property
    def recipients(self) -> set[str]:
        """Everyone a Bra! counted so far for this batch's pairs went to (what a displaced one touches)."""
        return {row.recipient for row in self.rows.values()}

    def take(self, event: Event) -> tuple[bool, Counted | None]:
        """Whether this Bra! counts, and the one it displaces (to be taken back), if any."""
        key, moment = (event.actor, subject(event)), utc_naive(event.time)
        row = self.rows.get(key)
        if row is None:
            self.rows[key] = row = KudosFirst(model=self.model, giver=event.actor, subject=key[1])
            self.session.add(row)
            displaced = None
        elif (row.at, row.event_id) <= (moment, event.id):
            return False, None
        else:
            displaced = Counted(row.event_id, row.giver, row.recipient, row.about, row.at)
        row.event_id, row.recipient, row.about, row.at = event.id, event.target.id, about(event), moment
        return True, displaced


def forget(session: Session, model: str) -> None:
    """Before a replay: the model counts every Bra! again from the log."""
    session.execute(delete(KudosFirst).where(KudosFirst.model == model))
