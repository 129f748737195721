"""The few queries the trust report needs, all over rollups and the directory, per team.

Each answers a dict by team id; the report folds small teams into their parents after.
Distinct people are counted in SQL (group by team and person, then by team), so the
report never moves per-person rows into Python.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, exists, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from engagement.directory.model import Membership, Person
from engagement.trust.model import TrustActivity, TrustIdea


@dataclass
class Totals:
    """One group's numbers for a period: the sums the signals are made of."""

    members: int = 0
    leaders: int = 0
    sharers: int = 0
    contributions: int = 0
    top: int = 0  # the most contributions by one person (never who)
    likes: int = 0
    interactions: int = 0
    cross_team: int = 0
    recognised: int = 0
    active_leaders: int = 0
    baseline: int = 0  # contributions in the baseline
    baseline_members: int = 0
    baseline_hidden: int = 0  # groups inside whose baseline speaks for a group too small then
    unanswered: int = 0

    def add(self, other: Totals) -> None:
        """Sums added, the top kept (a report adds thousands of these: plain dict work, no getattr)."""
        mine, theirs = self.__dict__, other.__dict__
        for name in SUMMED:
            mine[name] += theirs[name]
        if theirs["top"] > mine["top"]:
            mine["top"] = theirs["top"]


SUMMED = tuple(f.name for f in fields(Totals) if f.name != "top")


def members(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    """Members and leaders per team at any time from ``start`` to ``end`` (naive UTC), from the
    directory's history: silent people count too, and so do people who left since."""
    m = Membership
    leader = func.count(func.distinct(case((Person.role == "leader", m.person_id))))
    rows = session.execute(select(m.team_id, func.count(func.distinct(m.person_id)), leader)
                           .outerjoin(Person, Person.id == m.person_id)
                           .where(or_(m.valid_from.is_(None), m.valid_from < end),
                                  or_(m.valid_to.is_(None), m.valid_to > start)).group_by(m.team_id))
    return {team: (n, int(leaders or 0)) for team, n, leaders in rows}


def smallest(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """The fewest members each team had at once from ``start`` to ``end`` (naive UTC): a team is
    only as large as it was at its smallest, so four people who joined late in a month do not
    make a team of one earlier that month look like five."""
    m = Membership
    counts = dict(session.execute(select(m.team_id, func.count()).where(
        or_(m.valid_from.is_(None), m.valid_from <= start), or_(m.valid_to.is_(None), m.valid_to > start))
        .group_by(m.team_id)).all())
    changes: dict[str, dict[datetime, int]] = {}
    for team, joined, left in session.execute(select(m.team_id, m.valid_from, m.valid_to).where(or_(
            (m.valid_from > start) & (m.valid_from < end), (m.valid_to > start) & (m.valid_to < end)))):
        moments = changes.setdefault(team, {})
        if joined is not None and start < joined < end:
            moments[joined] = moments.get(joined, 0) + 1
        if left is not None and start < left < end and (joined is None or joined < left):
            moments[left] = moments.get(left, 0) - 1
    return _lowest(counts, changes)


def _lowest(counts: dict[str, int], changes: dict[str, dict[datetime, int]]) -> dict[str, int]:
    """From each team's members at the start and the joins (+1) and leaves (-1) after: the fewest."""
    out = dict(counts)
    for team, moments in changes.items():
        count = counts.get(team, 0)
        lowest = count if count else None  # a team that starts empty is as small as its first member
        for moment in sorted(moments):
            count += moments[moment]
            lowest = count if lowest is None else min(lowest, count)
        out[team] = lowest or 0
    return out


def _spans(m: Any, since: datetime, until: datetime) -> Any:
    """A membership from before ``since`` to after ``until``: the same in every stretch between."""
    return or_(m.valid_from.is_(None), m.valid_from < since) & or_(m.valid_to.is_(None), m.valid_to > until)


def _moves(m: Any, since: datetime, until: datetime) -> Any:
    """A membership that may count differently in two stretches from ``since`` to ``until``: it
    neither spans them all, nor ended before them, nor begins after them."""
    over_before = m.valid_to.is_not(None) & (m.valid_to <= since) & or_(
        m.valid_from.is_(None), m.valid_from < m.valid_to)
    starts_after = m.valid_from.is_not(None) & (m.valid_from > until) & or_(
        m.valid_to.is_(None), m.valid_to > m.valid_from)
    return ~_spans(m, since, until) & ~over_before & ~starts_after


class Memberships:
    """:func:`members` and :func:`smallest` for any stretch from ``since`` to ``until``, from two
    queries instead of three per stretch. A membership that spans the whole window counts the same
    in every stretch of it, so those are summed per team in SQL; only the people with a membership
    that begins or ends inside the window (usually few) come to Python, as rows, and are counted
    as the two functions count them."""

    def __init__(self, session: Session, since: datetime, until: datetime):
        self.since, self.until = since, until
        m, other = Membership, aliased(Membership)
        moving = exists().where(other.person_id == m.person_id, _moves(other, since, until))
        leaders = _leaders()
        pairs = (select(m.team_id, m.person_id, func.count().label("n"), func.count(leaders.c.id).label("leads"))
                 .outerjoin(leaders, leaders.c.id == m.person_id).where(_spans(m, since, until), ~moving)
                 .group_by(m.team_id, m.person_id).subquery())  # distinct people by hashing pairs, not sorting
        self.base = {team: (int(n), people, int(lead or 0)) for team, n, people, lead in session.execute(
            select(pairs.c.team_id, func.sum(pairs.c.n), func.count(), func.sum(case((pairs.c.leads > 0, 1), else_=0)))
            .group_by(pairs.c.team_id))}
        self.rows = list(session.execute(select(m.team_id, m.person_id, m.valid_from, m.valid_to, Person.role)
                                         .outerjoin(Person, Person.id == m.person_id).where(moving)))

    def _within(self, start: datetime, end: datetime) -> None:
        if not (self.since <= start <= self.until and self.since <= end <= self.until):
            raise ValueError(f"{start}..{end} is outside {self.since}..{self.until}")

    def members(self, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
        """As :func:`members`."""
        self._within(start, end)
        people: dict[str, set[str]] = {}
        leaders: dict[str, set[str]] = {}
        for team, person, joined, left, role in self.rows:
            if (joined is None or joined < end) and (left is None or left > start):
                people.setdefault(team, set()).add(person)
                if role == "leader":
                    leaders.setdefault(team, set()).add(person)
        out = {team: (n, lead) for team, (_, n, lead) in self.base.items()}
        for team, group in people.items():
            n, lead = out.get(team, (0, 0))
            out[team] = (n + len(group), lead + len(leaders.get(team, ())))
        return out

    def smallest(self, start: datetime, end: datetime) -> dict[str, int]:
        """As :func:`smallest`."""
        self._within(start, end)
        counts = {team: n for team, (n, _, _) in self.base.items()}
        changes: dict[str, dict[datetime, int]] = {}
        for team, _, joined, left, _ in self.rows:
            if (joined is None or joined <= start) and (left is None or left > start):
                counts[team] = counts.get(team, 0) + 1
            if not ((joined is not None and start < joined < end) or (left is not None and start < left < end)):
                continue
            moments = changes.setdefault(team, {})
            if joined is not None and start < joined < end:
                moments[joined] = moments.get(joined, 0) + 1
            if left is not None and start < left < end and (joined is None or joined < left):
                moments[left] = moments.get(left, 0) - 1
        return _lowest(counts, changes)


AGGREGATE_MEMORY = "32MB"  # a 90 days' report of 50,000 people groups ~8 MB of (team, person) sums


def _roomy(session: Session) -> None:
    """On PostgreSQL, memory enough to group a period's (team, person) sums in one pass: with the
    default work_mem a 90 days' report of 50,000 people spilled its hash table to disk in five
    batches. For this transaction only (SET LOCAL), so no other query is given more."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{AGGREGATE_MEMORY}'"))


def activity(session: Session, start: date, end: date, teams: set[str] | None = None) -> dict[str, dict]:
    """Sums per team over the days, with distinct sharers, the top person's share and active leaders."""
    _roomy(session)
    a = TrustActivity
    per_person = select(a.team_id, a.person, func.sum(a.contributions).label("c"), func.sum(a.likes_given).label("l"),
                        func.sum(a.interactions).label("i"), func.sum(a.cross_team).label("x"),
                        func.sum(a.recognised).label("r")).where(a.day >= start, a.day <= end)
    if teams is not None:
        per_person = per_person.where(a.team_id.in_(teams))
    p = per_person.group_by(a.team_id, a.person).subquery()
    leaders = _leaders()
    rows = session.execute(select(p.c.team_id, func.sum(case((p.c.c > 0, 1), else_=0)), func.sum(p.c.c),
                                  func.max(p.c.c), func.sum(p.c.l), func.sum(p.c.i), func.sum(p.c.x),
                                  func.sum(p.c.r), func.count(leaders.c.id))
                           .select_from(p).outerjoin(leaders, leaders.c.id == p.c.person).group_by(p.c.team_id))
    names = ("sharers", "contributions", "top", "likes", "interactions", "cross_team", "recognised", "active_leaders")
    return {team: dict(zip(names, (int(v or 0) for v in values), strict=True)) for team, *values in rows}


def _leaders() -> Any:
    """The leaders' ids (a person's id is unique): joined to per-person rows, a hash of the few
    leaders instead of everyone."""
    return select(Person.id).where(Person.role == "leader").subquery()


def contributions(session: Session, start: date, end: date) -> dict[str, int]:
    rows = session.execute(select(TrustActivity.team_id, func.sum(TrustActivity.contributions))
                           .where(TrustActivity.day >= start, TrustActivity.day <= end).group_by(TrustActivity.team_id))
    return {team: int(n or 0) for team, n in rows}


def unanswered_ideas(session: Session, start: date, last_day: date) -> dict[str, int]:
    """Ideas submitted from ``start`` to ``last_day`` that no leader has answered."""
    if last_day < start:
        return {}
    rows = session.execute(select(TrustIdea.team_id, func.count()).where(
        TrustIdea.answered.is_(False), TrustIdea.submitted_on >= start, TrustIdea.submitted_on <= last_day)
        .group_by(TrustIdea.team_id))
    return {team: n for team, n in rows if team}
