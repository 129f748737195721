"""The demo's monthly draw: last month's and this month's commitments, and last month's tickets.

A draw needs a commitment made before its month ended, and the demo box is usually younger than
last month: so the demo commits both months as of their first moment, the way a service that ran
all along would have. Last month gets a few made-up events of the intranet's people, so that its
draw on the leaders' page (/demo/awards, last month by default) has tickets to draw from:

=====  ===============================================  =======
who    last month                                       tickets
=====  ===============================================  =======
Kari   published; liked by Ola, Lena, Siri and Tor       3 (1 + 4 one-way recognisers // 2)
Ola    published; liked Kari's; liked by Lena and Siri   2 (1 + 2 // 2)
Lena   published                                         1
Siri   published                                         1
Tor    only liked: no contribution                       0
=====  ===============================================  =======

This month the demo's own articles (engagement/demo/service.py) give Kari, Ola and Lena a ticket
each, and the widget on the intranet page says what earns the next one.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.demo.service import LOADING, USERS, Publish
from engagement.ledger.model import LedgerEvent
from engagement.lottery.service import ensure_commitment, month_of, month_start

AUTHORS = {"kari": "Slik fikk vi ned utskriftene med en tredjedel", "ola": "Nye sykkelparkeringer ved inngang B",
           "lena": "Oppsummering fra ledersamlingen", "siri": "Intranettet får ny søkeside"}
LIKES = {"kari": ("ola", "lena", "siri", "tor"), "ola": ("lena", "siri")}


def previous(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"


def ensure(session: Session, publish: Publish, now: datetime, zone: str) -> None:
    """Both months' commitments and last month's events, each only once."""
    this = month_of(now, zone)
    last = previous(this)
    with LOADING:
        for month in (last, this):
            ensure_commitment(session, month, _start(month, zone))
        if session.scalar(select(LedgerEvent.seq).where(LedgerEvent.event_id == _id(last, "kari"))) is None:
            publish(events(last, zone))


def events(month: str, zone: str) -> list[dict]:
    """Last month's articles on its 10th, and the likes on them the days after."""
    start = _start(month, zone)
    out = []
    for who, title in AUTHORS.items():
        out.append(_event(_id(month, who), "content.published", who, _article(month, who),
                          start + timedelta(days=9, hours=9), {"content_kind": "article", "title": title}))
    for owner, likers in LIKES.items():
        for i, who in enumerate(likers):
            out.append(_event(_id(month, who, f"likes-{owner}"), "like.added", who, _article(month, owner),
                              start + timedelta(days=10 + i, hours=11), {}))
    return out


def _start(month: str, zone: str) -> datetime:
    """The month's first moment (month_start gives it as naive UTC)."""
    return month_start(month, zone).replace(tzinfo=UTC)


def _id(month: str, who: str, what: str = "article") -> str:
    return f"demo-lottery-{month}-{who}-{what}"


def _article(month: str, owner: str) -> tuple[str, str]:
    return f"lottery-{month}-{owner}", owner


def _event(event_id: str, kind: str, actor: str, article: tuple[str, str], time: datetime, data: dict) -> dict:
    return {"id": event_id, "type": kind, "actor": USERS[actor][0], "time": time.isoformat(), "data": data,
            "target": {"kind": "article", "id": article[0], "owner": USERS[article[1]][0]}}
