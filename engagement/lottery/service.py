"""The monthly lottery: a month's commitment, each person's own tickets, the draw and its public
record, and the exclusion list (docs/features/lottery.md).

A month's seed is committed to before the month ends (its SHA-256 published), and the draw
reveals it: the winners then follow from the seed and the ticket list frozen at the draw
(engagement/lottery/draw.py), which anyone can recompute (engagement/lottery/verify.py). The
ticket list itself is never shown: each person sees their own tickets, leaders see totals.
People who opted out of public lists, have left or are on the exclusion list get no place in
the frozen list, so they cannot be drawn.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.awards.service import Public, month_has_ended, names, period
from engagement.bus.base import EventBus
from engagement.directory.model import Person
from engagement.errors import EngagementError
from engagement.events import Event, EventType, Target, utc_naive
from engagement.lottery import draw as drawing
from engagement.lottery import seed as seeds
from engagement.lottery.model import LotteryCommitment, LotteryDraw, LotteryExclusion
from engagement.lottery.tickets import Counts, Rule, month_counts, next_steps, tickets

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
    year, number = map(int, month.split("-"))
    return month_start(f"{year + number // 12}-{number % 12 + 1:02d}", zone)


def month_of(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m")


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

def why_not(session: Session, people: set[str], ranking_mode: str) -> dict[str, str | None]:
    """Why each person cannot be drawn, or None: not in the directory, left, opted out of public
    lists (or not opted in, under ENGAGEMENT_PUBLIC_RANKING=opt-in), or on the exclusion list."""
    if not people:
        return {}
    public = Public(session, ranking_mode)
    active = dict(session.execute(select(Person.id, Person.active).where(Person.id.in_(sorted(people)))).all())
    excluded = set(session.scalars(select(LotteryExclusion.person).where(LotteryExclusion.person.in_(sorted(people)))))
    out: dict[str, str | None] = {}
    for person in people:
        out[person] = ("unknown" if person not in active else "inactive" if not active[person]
                       else "opted_out" if person not in public else "excluded" if person in excluded else None)
    return out


def mine(session: Session, person: str, month: str, now: datetime, settings: Settings) -> dict[str, Any]:
    """A person's own tickets in a month, what earns the next one and, once drawn, their numbers."""
    commitment = ensure_commitment(session, month, now, settings.secret, settings.zone)
    counts = month_counts(session, month, person).get(person, Counts())
    own = tickets(counts, settings.rule)
    reason = why_not(session, {person}, settings.ranking_mode)[person]
    drawn = session.get(LotteryDraw, month)
    out: dict[str, Any] = {
        "month": month, "period": period(month, now, settings.zone), "tickets": own.tickets, "cap": settings.rule.cap,
        "parts": own.parts, "recognisers": counts.recognisers, "idea_owners": counts.idea_owners,
        "contributed": counts.contributions > 0, "next": next_steps(counts, settings.rule),
        "eligible": reason is None, "why_not": reason, **_commitment(commitment, month, settings.zone), "draw": None}
    if drawn is not None:
        out["draw"] = _own_draw(drawn, person)
        out["next"] = []
    return out


def _own_draw(drawn: LotteryDraw, person: str) -> dict[str, Any]:
    entry = next((e for e in drawn.entries if e[0] == person), None)
    return {"drawn_at": _iso(drawn.drawn_at), "won": any(w["person"] == person for w in drawn.winners),
            "tickets": entry[1] if entry else 0, "first_ticket": entry[2] if entry else None,
            "last_ticket": entry[2] + entry[1] - 1 if entry else None, "total_tickets": drawn.total_tickets}


def frozen_list(session: Session, month: str, settings: Settings) -> tuple[dict[str, int], int]:
    """Everyone who can be drawn with their tickets, and how many earned tickets but cannot be."""
    earned = {p: tickets(c, settings.rule).tickets for p, c in month_counts(session, month).items()}
    earned = {p: n for p, n in earned.items() if n > 0}
    reasons = why_not(session, set(earned), settings.ranking_mode)
    allowed = {p: n for p, n in earned.items() if reasons[p] is None}
    return allowed, len(earned) - len(allowed)


# --- the draw ------------------------------------------------------------------------------------

def draw_month(session: Session, bus: EventBus, month: str, winners: int, by: str, sender: str, now: datetime,
               lag: int, settings: Settings) -> LotteryDraw:
    """Draw ``winners`` for an ended month, once. The draw's row is written (and on PostgreSQL its
    key locked) before the winners' event goes out, and committed after: a second draw of the
    month waits, then finds it drawn; if the bus cannot take the event, nothing is kept."""
    if session.get(LotteryDraw, month) is not None:
        raise EngagementError(f"{month} has been drawn already; a month is drawn once.", 409, "Already drawn")
    if not month_has_ended(month, now, settings.zone):
        raise EngagementError(f"{month} has not ended yet in {settings.zone}.", 409, "Month not over")
    if lag:
        raise EngagementError(f"{lag} events are still being counted; try again shortly.", 409, "Still counting",
                              headers={"Retry-After": "5"})
    commitment = session.get(LotteryCommitment, month)
    if not in_time(commitment, month, settings.zone):
        raise EngagementError(f"No commitment to {month}'s seed was published before the month ended, so its "
                              "draw could not be checked; it cannot be drawn.", 409, "No commitment")
    assert commitment is not None
    seed = seeds.unseal(settings.secret, month, commitment.sealed_seed)
    allowed, excluded = frozen_list(session, month, settings)
    entries = drawing.numbered(seed, allowed)
    won = drawing.draw(seed, month, entries, winners)
    row = LotteryDraw(month=month, drawn_at=utc_naive(now), drawn_by=sender, seed=seed, winners_asked=winners,
                      total_tickets=sum(allowed.values()), people=len(entries), excluded=excluded,
                      digest=drawing.digest(entries), entries=[[e.person, e.tickets, e.first] for e in entries],
                      winners=[{"place": w.place, "person": w.person, "ticket": w.ticket} for w in won])
    try:
        session.add(row)
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise EngagementError(f"{month} has been drawn already; a month is drawn once.", 409, "Already drawn") from exc
    bus.publish([drawn_event(row, by, sender, now)])
    session.commit()
    return row


def drawn_event(row: LotteryDraw, by: str, sender: str, now: datetime) -> Event:
    """What read models learn of a draw: its winners, who are told through the feed and e-mail."""
    return Event(id=f"lottery-drawn-{row.month}", type=EventType.LOTTERY_DRAWN, actor=by,
                 target=Target("lottery", row.month, by), time=now.astimezone(UTC), source=SOURCE,
                 data={"month": row.month, "winners": [w["person"] for w in row.winners]},
                 received_at=now, submitted_by=sender)


def record(session: Session, month: str, now: datetime, settings: Settings) -> dict[str, Any]:
    """The month's public record: the rule, the commitment and, once drawn, the seed, the total,
    the digest of the frozen list and the winners with their ticket numbers. Nobody, leaders
    included, gets totals before the draw: with the exclusion list in their hands, the totals
    before and after excluding someone would tell that person's tickets."""
    commitment = ensure_commitment(session, month, now, settings.secret, settings.zone)
    drawn = session.get(LotteryDraw, month)
    state = period(month, now, settings.zone)
    reason = ("drawn" if drawn is not None else "not_over" if state != "ended"
              else None if in_time(commitment, month, settings.zone) else "no_commitment")
    out: dict[str, Any] = {"month": month, "period": state, "rule": asdict(settings.rule),
                           **_commitment(commitment, month, settings.zone),
                           "drawable": reason is None, "why_not_drawable": reason,
                           "draw": _public_draw(session, drawn) if drawn is not None else None}
    return out


def _commitment(commitment: LotteryCommitment | None, month: str, zone: str) -> dict[str, Any]:
    made = commitment is not None and in_time(commitment, month, zone)
    return {"commitment": commitment.commitment if made and commitment else None,
            "committed_at": _iso(commitment.committed_at) if made and commitment else None}


def _public_draw(session: Session, drawn: LotteryDraw) -> dict[str, Any]:
    entries = {e[0]: e for e in drawn.entries}
    known = names(session, [w["person"] for w in drawn.winners])
    winners = [{"place": w["place"], "person": w["person"], "name": known.get(w["person"], w["person"]),
                "ticket": w["ticket"], "first_ticket": entries[w["person"]][2],
                "last_ticket": entries[w["person"]][2] + entries[w["person"]][1] - 1} for w in drawn.winners]
    return {"drawn_at": _iso(drawn.drawn_at), "seed": drawn.seed, "total_tickets": drawn.total_tickets,
            "people": drawn.people, "winners_asked": drawn.winners_asked, "digest": drawn.digest,
            "algorithm": drawing.ALGORITHM, "winners": winners}


def announced(session: Session, month: str, public: Public) -> dict[str, Any] | None:
    """The drawn month's winners for the awards' announcement, less anyone not public now (an
    opt-out after the draw counts), with the seed and commitment that let readers check it."""
    drawn = session.get(LotteryDraw, month)
    commitment = session.get(LotteryCommitment, month)
    if drawn is None or commitment is None:
        return None
    shown = [w["person"] for w in drawn.winners if w["person"] in public]
    known = names(session, shown)
    return {"winners": [{"person": p, "name": known.get(p, p)} for p in shown], "seed": drawn.seed,
            "commitment": commitment.commitment}


def check_frozen(session: Session, month: str) -> list[str]:
    """The operator's check behind the public one: the stored list hashes to the published digest
    and is numbered in the seed's order (``engagement lottery verify``)."""
    drawn = session.get(LotteryDraw, month)
    if drawn is None:
        return [f"{month} has not been drawn."]
    entries = [drawing.Entry(p, n, first) for p, n, first in drawn.entries]
    found = []
    if drawing.digest(entries) != drawn.digest:
        found.append("The frozen list does not hash to the published digest.")
    if drawing.numbered(drawn.seed, {e.person: e.tickets for e in entries}) != entries:
        found.append("The frozen list is not numbered in the seed's order.")
    again = drawing.draw(drawn.seed, month, entries, drawn.winners_asked)
    if [{"place": w.place, "person": w.person, "ticket": w.ticket} for w in again] != drawn.winners:
        found.append("Drawing again from the full list gives other winners.")
    return found


def _iso(moment: datetime) -> str:
    return moment.isoformat() + "Z"


# --- the exclusion list --------------------------------------------------------------------------

def exclusions(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(LotteryExclusion).order_by(LotteryExclusion.person)).all()
    known = names(session, [r.person for r in rows])
    return [_exclusion(r, known) for r in rows]


def exclude(session: Session, person: str, reason: str, by: str, now: datetime) -> dict[str, Any]:
    if session.get(Person, person) is None:
        raise EngagementError(f"Nobody with the id {person!r} is in the directory.", 404, "Not found")
    row = session.get(LotteryExclusion, person) or LotteryExclusion(person=person)
    row.reason, row.added_at, row.added_by = reason, utc_naive(now), by
    session.add(row)
    session.commit()
    return _exclusion(row, names(session, [person]))


def include(session: Session, person: str) -> None:
    row = session.get(LotteryExclusion, person)
    if row is not None:
        session.delete(row)
        session.commit()


def _exclusion(row: LotteryExclusion, known: dict[str, str]) -> dict[str, Any]:
    return {"person": row.person, "name": known.get(row.person, row.person), "reason": row.reason,
            "added_at": _iso(row.added_at), "added_by": row.added_by}
