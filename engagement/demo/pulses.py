"""The demo's pulses: one closed, answered by the planted organisation, and one open for the
demo intranet's visitors to answer in the widget.

The closed pulse is answered through the same service path as any pulse (engagement/pulses/
service.py ``answer`` and the outbox's release), by made-up people of the trust report's
organisation: enough in ``silo`` and ``ideas`` that their leaders' reports show distributions,
a few in ``drift``, and two of the three in ``tiny``, whose answers go out (at the close) under
``drift``, the group the reports fold ``tiny`` into.
The leaders answer about themselves and ``drift``'s leader, their manager, about them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engagement.bus.base import EventBus
from engagement.demo.service import INTRANET_TEAM, LOADING, USERS, ns
from engagement.directory.model import Person
from engagement.pulses import outbox
from engagement.pulses import service as pulses
from engagement.pulses.model import Pulse

CLOSED = ns("pulse-trygghet")
OPEN = ns("pulse-intranett")
CLOSED_STATEMENTS = ["leader.respect_differences", "leader.safe_to_try", "leader.open_about_challenges",
                     "leader.easy_to_ask_for_help", "leader.talk_about_problems", "climate.wish_well",
                     "climate.disagreement_welcome", "climate.no_punishing_reactions"]
OPEN_STATEMENTS = ["climate.wish_well", "climate.listen_openly", "climate.room_for_uncertainty",
                   "leader.safe_to_try", "leader.easy_to_ask_for_help"]
# Who answers the closed pulse: team -> members (by index) who answer; index 0 is the leader.
ANSWERING = {"silo": range(1, 10), "ideas": range(1, 9), "drift": range(1, 8), "tiny": range(1, 3)}
# Where the silo, as its trust signals say, finds it hard to disagree and talk about problems.
WEAK = {"silo": {"climate.disagreement_welcome", "leader.talk_about_problems", "climate.no_punishing_reactions"}}
LEADER = "drift-0"  # drift's leader: the manager of the leaders below drift


def ensure_closed(session: Session, bus: EventBus, now: datetime, min_size: int, secret: str) -> None:
    """The closed pulse, answered, the first time (after the planted organisation is loaded)."""
    with LOADING:  # two first visits at once must not both make it
        if session.get(Pulse, CLOSED) is None and session.get(Person, ns(LEADER)) is not None:
            _closed(session, bus, now, min_size, secret)


def _closed(session: Session, bus: EventBus, now: datetime, min_size: int, secret: str) -> None:
    pulse = pulses.define(session, bus, {
        "title": "Psykologisk trygghet i Drift", "statements": CLOSED_STATEMENTS, "units": [ns("drift")],
        "opens_at": now - timedelta(days=21), "closes_at": now + timedelta(days=1)},
        USERS["siri"][0], "key:demo", now, CLOSED)
    for team, members in ANSWERING.items():
        for i in members:
            _answer(session, bus, pulse, f"{team}-{i}", team, "team", _values(team, i), now, secret)
        _answer(session, bus, pulse, f"{team}-0", team, "self", _values(team, 0, own=True), now, secret)
        if team != "drift":
            _answer(session, bus, pulse, LEADER, team, "manager", _values(team, 10), now, secret)
    pulses.close(session, pulse, now)
    outbox.release(session, bus, pulse, now, min_size, secret)


def ensure_open(session: Session, bus: EventBus, now: datetime) -> None:
    """The open pulse for the demo intranet's people, the first time."""
    with LOADING:
        if session.get(Pulse, OPEN) is None:
            _open(session, bus, now)


def _open(session: Session, bus: EventBus, now: datetime) -> None:
    pulses.define(session, bus, {"title": "Hvordan har vi det i Intranettet?", "statements": OPEN_STATEMENTS,
                                 "units": [INTRANET_TEAM], "opens_at": now, "closes_at": now + timedelta(days=90)},
                  USERS["siri"][0], "key:demo", now, OPEN)


def _answer(session: Session, bus: EventBus, pulse: Pulse, local: str, team: str, wording: str,
            values: dict[str, int], now: datetime, secret: str) -> None:
    pulses.answer(session, ns(local), pulse, {"team": ns(team), "wording": wording, "answers": values}, now, secret)


# Made-up answers in the order a member meets them: mostly agreeing, or (where a team is weak)
# mostly not; eleven long, so that members and statements step through them differently.
LEANING = {"strong": (4, 5, 4, 3, 5, 4, 2, 5, 4, 4, 5), "weak": (2, 3, 2, 4, 1, 3, 2, 3, 2, 4, 1)}


def _values(team: str, i: int, own: bool = False) -> dict[str, Any]:
    """Made-up answers, the same on every demo box: member ``i`` answers statement ``k`` from its
    team's leaning at step ``4i + 3k`` plus the team's own offset (so members and teams differ,
    and a team's answers spread), a leader
    a little kinder to themself, and now and then "don't know"."""
    weak = WEAK.get(team, set())
    out = {}
    for k, statement in enumerate(CLOSED_STATEMENTS):
        if (i + k) % 11 == 7:
            out[statement] = 0
            continue
        leaning = LEANING["weak" if statement in weak else "strong"]
        step = 4 * i + 3 * k + sum(map(ord, team))
        out[statement] = min(5, leaning[step % len(leaning)] + (1 if own else 0))
    return out
