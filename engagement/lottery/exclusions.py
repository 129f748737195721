"""The lottery's exclusion list: people never drawn, whatever they earn (the social committee that
runs the lottery, say), kept by leaders."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.awards.service import names
from engagement.directory.model import Person
from engagement.errors import EngagementError
from engagement.events import utc_naive
from engagement.lottery.model import LotteryExclusion
from engagement.lottery.service import _iso


def listed(session: Session) -> list[dict[str, Any]]:
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
