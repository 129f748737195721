"""The monthly lottery's months: a month's commitment, its tickets (live while it runs, frozen once
it has ended and every event received by then is counted), and each person's own standing
(docs/features/lottery.md). The draw is engagement/lottery/draws.py.

A month's seed is committed to before the month ends (its SHA-256 published), and the draw
reveals it: the winners then follow from the seed and the frozen tickets of those who may be
drawn (engagement/lottery/draw.py), which anyone can recompute (engagement/lottery/verify.py).
Nobody sees anyone's tickets but their own.
"""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.awards import bulk
from engagement.awards.service import Public, month_has_ended, period
from engagement.directory.model import Person
from engagement.events import utc_naive
from engagement.ledger.model import ConsumerPosition
from engagement.lottery import draw as drawing
from engagement.lottery import seed as seeds
from engagement.lottery.model import LotteryCommitment, LotteryDraw, LotteryExclusion, LotteryTicket
from engagement.lottery.tickets import Counts, Rule, Tickets, month_counts, next_steps, tickets

SOURCE = "tillit"


@dataclass(frozen=True)
class Settings:
    """What the lottery needs of the configuration, once per request."""

    rule: Rule
    zone: str
    ranking_mode: str
    secret: str


def settings_of(st: Any) -> Settings:
    """The lottery's settings from an app's state (engagement/state.py)."""
    config = st.config
    return Settings(st.lottery_rule, config["ENGAGEMENT_TIMEZONE"], config["ENGAGEMENT_PUBLIC_RANKING"],
                    st.token_secret)


def month_start(month: str, zone: str) -> datetime:
    """The month's first moment in the instance's time zone, as naive UTC."""
    year, number = map(int, month.split("-"))
    return utc_naive(datetime(year, number, 1, tzinfo=ZoneInfo(zone)))


def month_end(month: str, zone: str) -> datetime:
    return month_start(following(month), zone)


def month_of(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m")


def previous(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"


def following(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


# --- commitments ---------------------------------------------------------------------------------

def ensure_commitment(session: Session, month: str, now: datetime, secret: str | None = None,
                      zone: str | None = None) -> LotteryCommitment | None:
    """The month's commitment, made now if ``month`` is this month or the next (a commitment made
    after the end would bind nothing: None then, unless one was made in time). ``secret`` and
    ``zone`` default to the running app's."""
    zone = zone or _app_state().config["ENGAGEMENT_TIMEZONE"]
    known = session.get(LotteryCommitment, month)
    this = month_of(now, zone)
    if known is not None or month not in (this, following(this)):  # never after its end, nor years ahead
        return known
    seed = seeds.new_seed()
    row = LotteryCommitment(month=month, commitment=drawing.commitment(seed), committed_at=utc_naive(now),
                            sealed_seed=seeds.seal(secret or _app_state().token_secret, month, seed))
    try:
        session.add(row)
        session.commit()
    except IntegrityError:  # another process committed the month first: theirs stands
        session.rollback()
        return session.get(LotteryCommitment, month)
    return row


def ensure_commitments(session: Session, now: datetime, settings: Settings) -> None:
    """This month's and next month's: the next is published well before its month begins."""
    this = month_of(now, settings.zone)
    for month in (this, following(this)):
        ensure_commitment(session, month, now, settings.secret, settings.zone)


def _app_state() -> Any:
    from engagement.state import state  # the demo's call, inside the running app
    return state()


def in_time(commitment: LotteryCommitment | None, month: str, zone: str) -> bool:
    return commitment is not None and commitment.committed_at < month_end(month, zone)


# --- tickets -------------------------------------------------------------------------------------

SLOW_SECONDS = 0.5  # a month whose graph takes longer than this to count is reused for up to STALE_SECONDS
STALE_SECONDS = 60.0
# engine -> month -> (the awards' positions, when, how long counting took, the counts): one process
# may serve several apps, and an engine that goes takes its counts with it
_live: weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple, float, float, dict[str, Counts]]]] = \
    weakref.WeakKeyDictionary()
_live_lock = threading.Lock()


def live_counts(session: Session, month: str) -> dict[str, Counts]:
    """A running month's counts. A person's one-way, outside-any-circle recognisers need the month's
    whole graph (engagement/lottery/tickets.py), so the counts are kept per process and computed
    again only when the awards have applied more events since; in a month so big that counting
    takes over half a second, at most once a minute."""
    positions = tuple(session.execute(select(ConsumerPosition.topic, ConsumerPosition.partition,
                                             ConsumerPosition.position).where(ConsumerPosition.consumer == "awards")
                                      .order_by(ConsumerPosition.topic, ConsumerPosition.partition)).all())
    now, engine = time.monotonic(), session.get_bind()
    with _live_lock:
        known = _live.get(engine, {}).get(month)
    if known is not None and (known[0] == positions or (known[2] > SLOW_SECONDS and now - known[1] < STALE_SECONDS)):
        return known[3]
    counts = month_counts(session, month)
    with _live_lock:
        _live.setdefault(engine, {})[month] = (positions, now, time.monotonic() - now, counts)
    return counts


Lag = Callable[[], int]  # the awards' consumer lag, asked only when it matters (a round trip to Kafka)


def freeze(session: Session, month: str, now: datetime, lag: Lag, settings: Settings) -> bool:
    """Freeze an ended month's tickets, once: only when every event received so far is counted
    (``lag()`` 0), so none sent before the end is missed, and none sent after it counts. Answers
    whether the month is frozen. The commitment's row is claimed first, so two processes take turns."""
    commitment = session.get(LotteryCommitment, month)
    if commitment is None or commitment.frozen_at is not None:
        return commitment is not None
    if not month_has_ended(month, now, settings.zone) or lag():
        return False
    claimed = session.execute(update(LotteryCommitment).where(
        LotteryCommitment.month == month, LotteryCommitment.frozen_at.is_(None)).values(frozen_at=utc_naive(now)))
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        earned = {p: t for p, c in month_counts(session, month).items() if (t := tickets(c, settings.rule)).tickets}
        reasons = why_not(session, set(earned), settings.ranking_mode)
        session.add_all(LotteryTicket(month=month, person=p, tickets=t.tickets, recognised=t.recognised, ideas=t.ideas,
                                      why_not=reasons[p]) for p, t in sorted(earned.items()))
    session.commit()
    return True


def frozen(session: Session, month: str) -> dict[str, int]:
    """An ended month's frozen tickets of those who could be drawn when they froze, by person."""
    return dict(session.execute(select(LotteryTicket.person, LotteryTicket.tickets).where(
        LotteryTicket.month == month, LotteryTicket.why_not.is_(None))).all())


def why_not(session: Session, people: set[str], ranking_mode: str, listed: bool = True) -> dict[str, str | None]:
    """Why each person cannot be drawn, or None: not in the directory, left, opted out of public
    lists (or not opted in, under ENGAGEMENT_PUBLIC_RANKING=opt-in), or (unless ``listed`` is
    False) on the exclusion list."""
    if not people:
        return {}
    public = Public(session, ranking_mode)
    active = dict(session.execute(select(Person.id, Person.active).where(
        bulk.among(session, Person.id, people))).all())
    excluded = set(session.scalars(select(LotteryExclusion.person))) if listed else set()
    return {person: ("unknown" if person not in active else "inactive" if not active[person]
                     else "opted_out" if person not in public else "excluded" if person in excluded else None)
            for person in people}


def drawable(session: Session, month: str, settings: Settings) -> tuple[dict[str, int], int]:
    """The frozen tickets of everyone who may be drawn (as settled at the freeze, less anyone who
    opted out or left since), and how many hold tickets but may not be."""
    held = frozen(session, month)
    reasons = why_not(session, set(held), settings.ranking_mode, listed=False)
    allowed = {p: n for p, n in held.items() if reasons[p] is None}
    everyone = session.scalar(select(func.count()).where(LotteryTicket.month == month)) or 0
    return allowed, everyone - len(allowed)


def mine(session: Session, person: str, month: str, now: datetime, lag: Lag, settings: Settings) -> dict[str, Any]:
    """A person's own tickets in a month, what earns the next one and, once drawn, their numbers."""
    commitment = ensure_commitment(session, month, now, settings.secret, settings.zone)
    reason = why_not(session, {person}, settings.ranking_mode)[person]
    out: dict[str, Any] = {"month": month, "period": period(month, now, settings.zone), "cap": settings.rule.cap,
                           "eligible": reason is None, "why_not": reason,
                           **_commitment(commitment, month, settings.zone), "draw": None}
    if freeze(session, month, now, lag, settings):
        row = session.get(LotteryTicket, (month, person))
        if row is not None and row.why_not is not None and reason is None:  # as settled at the freeze
            out.update(eligible=False, why_not=row.why_not)
        own = Tickets(row.tickets, row.tickets - row.recognised - row.ideas, row.recognised, row.ideas) if row \
            else Tickets(0, 0, 0, 0)
        out.update(tickets=own.tickets, parts=own.parts, frozen=True, next=[])
    else:
        counts = live_counts(session, month).get(person, Counts())
        own = tickets(counts, settings.rule)
        out.update(tickets=own.tickets, parts=own.parts, frozen=False, next=next_steps(counts, settings.rule),
                   recognisers=counts.recognisers, idea_owners=counts.idea_owners)
    drawn = session.get(LotteryDraw, month)
    if drawn is not None:
        out["draw"] = _own_draw(drawn, person)
    return out


def _own_draw(drawn: LotteryDraw, person: str) -> dict[str, Any]:
    entry = next((e for e in drawn.entries if e[0] == person), None)
    return {"drawn_at": _iso(drawn.drawn_at), "won": any(w["person"] == person for w in drawn.winners),
            "tickets": entry[1] if entry else 0, "first_ticket": entry[2] if entry else None,
            "last_ticket": entry[2] + entry[1] - 1 if entry else None, "total_tickets": drawn.total_tickets}


def _commitment(commitment: LotteryCommitment | None, month: str, zone: str) -> dict[str, Any]:
    made = commitment is not None and in_time(commitment, month, zone)
    return {"commitment": commitment.commitment if made and commitment else None,
            "committed_at": _iso(commitment.committed_at) if made and commitment else None}


def _iso(moment: datetime) -> str:
    return moment.isoformat() + "Z"
