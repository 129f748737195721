"""The monthly lottery's draw: from an ended month's frozen tickets and its revealed seed, once; the
month's public record that anyone can check (engagement/lottery/verify.py); the winners' event
and announcement (docs/features/lottery.md).

People who opted out of public lists, have left or are on the exclusion list get no place in
the list drawn from, so they cannot be drawn.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.awards.service import Public, month_has_ended, names, period
from engagement.bus.base import EventBus
from engagement.errors import EngagementError
from engagement.events import Event, EventType, Target, utc_naive
from engagement.lottery import draw as drawing
from engagement.lottery import seed as seeds
from engagement.lottery.model import LotteryCommitment, LotteryDraw
from engagement.lottery.service import (
    SOURCE,
    Lag,
    Settings,
    _commitment,
    _iso,
    drawable,
    ensure_commitment,
    ensure_commitments,
    freeze,
    in_time,
    month_of,
    previous,
)

logger = logging.getLogger(__name__)
# Tillit's own event ids start so: a client's ids never hold "~" (schemas/events.py IDENTIFIER), a
# person's scoped ids are "~<person>~..." with a person id that starts with a letter or digit, and
# hashed ids "~#...", so no client can take the draw's id first and have the real event dropped.
SERVER_IDS = "~!"


def draw_month(session: Session, bus: EventBus, month: str, winners: int, sender: str, now: datetime,
               lag: Lag, settings: Settings) -> LotteryDraw:
    """Draw ``winners`` for an ended month, once, from its frozen tickets. The draw is committed
    first (a second draw of the month waits for the key, then finds it drawn); the winners' event
    goes out after, and again from the sweep until the bus has taken it (``announced_at``), so a
    winner is never told of a draw that was not kept, and always of one that was."""
    if session.get(LotteryDraw, month) is not None:
        raise _already(month)
    if not month_has_ended(month, now, settings.zone):
        raise EngagementError(f"{month} has not ended yet in {settings.zone}.", 409, "Month not over")
    commitment = session.get(LotteryCommitment, month)
    if not in_time(commitment, month, settings.zone):
        raise EngagementError(f"No commitment to {month}'s seed was published before the month ended, so its "
                              "draw could not be checked; it cannot be drawn.", 409, "No commitment")
    assert commitment is not None
    if not freeze(session, month, now, lag, settings):
        raise EngagementError("Events are still being counted; try again shortly.", 409, "Still counting",
                              headers={"Retry-After": "5"})
    try:
        seed = seeds.unseal(settings.secret, month, commitment.sealed_seed)
    except InvalidTag as exc:
        raise EngagementError(f"{month}'s seed was sealed under another ENGAGEMENT_TOKEN_SECRET and cannot be "
                              "read with this one; set the secret it was committed under to draw it.", 409,
                              "Seed unreadable") from exc
    allowed, excluded = drawable(session, month, settings)
    entries = drawing.numbered(seed, allowed)
    won = drawing.draw(seed, month, entries, winners)
    row = LotteryDraw(month=month, drawn_at=utc_naive(now), drawn_by=sender, seed=seed, winners_asked=winners,
                      total_tickets=sum(allowed.values()), people=len(entries), excluded=excluded,
                      digest=drawing.digest(entries), entries=[[e.person, e.tickets, e.first] for e in entries],
                      winners=[{"place": w.place, "person": w.person, "ticket": w.ticket} for w in won])
    try:
        session.add(row)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise _already(month) from exc
    announce(session, bus, row, now)
    return row


def _already(month: str) -> EngagementError:
    return EngagementError(f"{month} has been drawn already; a month is drawn once.", 409, "Already drawn")


def announce(session: Session, bus: EventBus, row: LotteryDraw, now: datetime) -> bool:
    """Publish the draw's ``lottery.drawn`` (its id is the month's, so a second publish counts
    once); answers whether the bus took it. A refusal leaves it to the next sweep."""
    try:
        bus.publish([drawn_event(row, now)])
    except Exception as exc:  # noqa: BLE001 - the draw is kept; the sweep publishes it later
        logger.warning("lottery: %s's draw is kept, its winners' event waits for the bus: %r", row.month, exc)
        session.rollback()
        return False
    row.announced_at = utc_naive(now)
    session.commit()
    return True


def announce_waiting(session: Session, bus: EventBus, now: datetime) -> int:
    """The sweep's part: publish every draw whose event the bus has not taken yet."""
    waiting = session.scalars(select(LotteryDraw).where(LotteryDraw.announced_at.is_(None))).all()
    return sum(announce(session, bus, row, now) for row in waiting)


def drawn_event(row: LotteryDraw, now: datetime) -> Event:
    """What read models learn of a draw: its winners, who are told through the feed and e-mail. The
    leader who drew it is its actor (``drawn_by`` is their label, "user:lena"); it is dated the draw."""
    by = row.drawn_by.partition(":")[2] or row.drawn_by
    return Event(id=f"{SERVER_IDS}lottery-drawn-{row.month}", type=EventType.LOTTERY_DRAWN, actor=by,
                 target=Target("lottery", row.month, by), time=row.drawn_at.replace(tzinfo=UTC), source=SOURCE,
                 data={"month": row.month, "winners": [w["person"] for w in row.winners]},
                 received_at=now, submitted_by=row.drawn_by)


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
    rule = {**asdict(settings.rule), "ideas_most": settings.rule.ideas_most}
    out: dict[str, Any] = {"month": month, "period": state, "rule": rule,
                           **_commitment(commitment, month, settings.zone),
                           "drawable": reason is None, "why_not_drawable": reason,
                           "draw": _public_draw(session, drawn, Public(session, settings.ranking_mode))
                           if drawn is not None else None}
    return out


def _public_draw(session: Session, drawn: LotteryDraw, public: Public) -> dict[str, Any]:
    """The draw as anyone may read it. A winner who is not public now (opted out since, or erased)
    stands as "winner-<place>" with no name: the check needs their numbers, not who they are."""
    entries = {e[0]: e for e in drawn.entries}
    known = names(session, [w["person"] for w in drawn.winners])
    winners = []
    for w in drawn.winners:
        first, count = entries[w["person"]][2], entries[w["person"]][1]
        shown = w["person"] in known and w["person"] in public
        winners.append({"place": w["place"], "person": w["person"] if shown else f"winner-{w['place']}",
                        "name": known[w["person"]] if shown else None, "ticket": w["ticket"],
                        "first_ticket": first, "last_ticket": first + count - 1})
    return {"drawn_at": _iso(drawn.drawn_at), "seed": drawn.seed, "total_tickets": drawn.total_tickets,
            "people": drawn.people, "winners_asked": drawn.winners_asked, "digest": drawn.digest,
            "algorithm": drawing.ALGORITHM, "winners": winners}


def announced(session: Session, month: str, public: Public) -> dict[str, Any] | None:
    """The drawn month's winners for the awards' announcement, less anyone not public now (an
    opt-out after the draw, an erasure), with the seed and commitment that let readers check it."""
    drawn = session.get(LotteryDraw, month)
    commitment = session.get(LotteryCommitment, month)
    if drawn is None or commitment is None:
        return None
    winners = _public_draw(session, drawn, public)["winners"]
    return {"winners": [w for w in winners if w["name"] is not None], "seed": drawn.seed,
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




def sweep(session: Session, bus: EventBus, now: datetime, lag: Lag, settings: Settings) -> None:
    """The consumers' periodic care of the lottery: this month's and next month's commitments, last
    month's tickets frozen once every event is counted, and winners' events the bus did not take."""
    ensure_commitments(session, now, settings)
    freeze(session, previous(month_of(now, settings.zone)), now, lag, settings)
    announce_waiting(session, bus, now)
