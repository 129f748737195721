"""One team's trust signals month by month, each month folded as that month's report folds it.

A point is the team's own row of the report for that month: the members are those of the
month from the directory's history, and a month when the team was below the minimum group
size (or counted in a larger unit) has no numbers, only the unit it was counted in.
"""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engagement.directory.groups import Org, load_tree
from engagement.trust import rollups
from engagement.trust.service import month_start

NUMBERS = ("shared_share", "contributions_per_member", "likes_per_member")


def trend(session: Session, team: str, months: int, today: date, zone: ZoneInfo, min_size: int) -> dict:
    """The last ``months`` months up to ``today``; the answer's own ``suppressed``, ``folded_into``
    and ``members`` are those of the last month (no ``members`` when it was too small then)."""
    tree = load_tree(session)
    series, last = [], None
    for back in range(months - 1, -1, -1):
        first = month_start(today.year, today.month, back)
        end = min(month_start(first.year, first.month, -1) - timedelta(days=1), today)
        last = Org.load(session, min_size, first, end, zone, tree)
        series.append(_point(session, last, team, first, end))
    assert last is not None
    if last.groups.get(team) != team:
        return {"team": team, "suppressed": True, "folded_into": last.groups.get(team), "series": series}
    return {"team": team, "suppressed": False, "folded_into": None, "members": _members(last, team), "series": series}


def _point(session: Session, org: Org, team: str, first: date, last: date) -> dict:
    """One month of the team's signals, or none when the team was not shown on its own that month."""
    point: dict = {"month": first.strftime("%Y-%m")}
    if org.groups.get(team) != team:
        return {**point, **dict.fromkeys(NUMBERS), "suppressed": True, "folded_into": org.groups.get(team)}
    teams = org.members_of(team)
    sums = {"sharers": 0, "contributions": 0, "likes": 0}
    for values in rollups.activity(session, first, last, teams).values():
        for name in sums:
            sums[name] += values[name]
    members = _members(org, team)
    return {**point, "suppressed": False, "folded_into": None, "members": members,
            "shared_share": round(sums["sharers"] / members, 3),
            "contributions_per_member": round(sums["contributions"] / members, 3),
            "likes_per_member": round(sums["likes"] / members, 3)}


def _members(org: Org, team: str) -> int:
    return sum(org.sizes.get(t, (0, 0))[0] for t in org.members_of(team))

