"""The trust-signal report: per team and period, how much is shared and whether it is safe to.

Privacy by construction (PRODUCT.md): the report is made of team sums only; a team
smaller than ENGAGEMENT_MIN_GROUP_SIZE is folded into its parent unit before any number
is computed, so its people are never shown alone; the most active person's share is a
number, never a name. Flags carry a plain reason with the numbers and a suggested action.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.errors import FieldError, ValidationFailed
from engagement.events import utc_naive
from engagement.models import Team
from engagement.services import trust_rollups as rollups
from engagement.services.trust_rollups import Totals
from engagement.services.trust_texts import describe
from schemas.patterns import MONTH_PATTERN

MONTH = re.compile(MONTH_PATTERN)
ROLLING = {"30d": 30, "90d": 90}
THRESHOLDS = {
    "low_sharing": {"below": 0.2},                      # share of members who shared anything
    "declining": {"change": -0.5, "min_baseline": 0.5},  # contributions per member per 30 days
    "quiet_leaders": {"below": 0.5},                    # share of the team's leaders who took part
    "silo": {"below": 0.1, "min_interactions": 10},     # share of interactions with other teams
    "one_person": {"above": 0.5, "min_contributions": 6},  # the most active person's share
    "unanswered_ideas": {"at_least": 1, "after_days": 14},
}


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    baseline_start: date
    baseline_end: date

    def elapsed(self, today: date) -> int:
        return max(1, (min(self.end, today) - self.start).days + 1)

    def as_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "baseline": {"start": self.baseline_start.isoformat(), "end": self.baseline_end.isoformat()}}


def month_start(year: int, month: int, back: int = 0) -> date:
    index = year * 12 + month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def parse_period(text: str, today: date) -> Period:
    """``YYYY-MM`` (a month, against the three before it) or ``30d``/``90d`` ending today
    (against the 90 days before)."""
    if match := MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        start = date(year, month, 1)
        end = month_start(year, month, -1) - timedelta(days=1)
        return Period(text, start, end, month_start(year, month, 3), start - timedelta(days=1))
    if text in ROLLING:
        start = today - timedelta(days=ROLLING[text] - 1)
        return Period(text, start, today, start - timedelta(days=90), start - timedelta(days=1))
    raise ValidationFailed([FieldError("period", "YYYY-MM, 30d or 90d.")])


def thresholds(overrides: dict) -> dict:
    """The defaults with ENGAGEMENT_TRUST_THRESHOLDS merged in, flag by flag."""
    unknown = set(overrides) - set(THRESHOLDS)
    if unknown:
        raise ValueError(f"ENGAGEMENT_TRUST_THRESHOLDS: unknown flags {sorted(unknown)}; known: {', '.join(THRESHOLDS)}")
    for flag, limits in overrides.items():
        wrong = [k for k, v in (limits.items() if isinstance(limits, dict) else [("", None)])
                 if k not in THRESHOLDS[flag] or isinstance(v, bool) or not isinstance(v, (int, float))]
        if wrong:
            raise ValueError(f"ENGAGEMENT_TRUST_THRESHOLDS: {flag} takes numbers for {', '.join(THRESHOLDS[flag])}; "
                             f"got {limits!r}")
    return {flag: {**limits, **overrides.get(flag, {})} for flag, limits in THRESHOLDS.items()}


def fold(parents: dict[str, str | None], sizes: dict[str, int], min_size: int) -> dict[str, str | None]:
    """Which shown group each team counts in: itself, the nearest ancestor that (with what is
    folded into it) reaches ``min_size``, or None when even the root stays too small."""
    size = {t: sizes.get(t, 0) for t in parents}
    into: dict[str, str | None] = {}
    for team in sorted(parents, key=lambda t: -_depth(t, parents)):
        if size[team] >= min_size:
            into[team] = team
        else:
            into[team] = parents[team]
            if parents[team] is not None:
                size[parents[team]] += size[team]
    resolved: dict[str, str | None] = {}
    for team in parents:
        group: str | None = team
        while group is not None and into[group] != group:
            group = into[group]
        resolved[team] = group
    return resolved


def _utc(day: date, zone: ZoneInfo) -> datetime:
    return utc_naive(datetime.combine(day, time.min, zone))


def _depth(team: str, parents: dict[str, str | None]) -> int:
    depth, node, seen = 0, parents.get(team), {team}
    while node is not None and node not in seen:
        seen.add(node)
        depth, node = depth + 1, parents.get(node)
    return depth


@dataclass
class Org:
    """The directory's tree and sizes, and which group each team is shown in."""

    names: dict[str, str]
    parents: dict[str, str | None]
    groups: dict[str, str | None]
    sizes: dict[str, tuple[int, int]]

    @classmethod
    def load(cls, session: Session, min_size: int, start: date, end: date, zone: ZoneInfo) -> "Org":
        """The tree, and who were members at any time in the days from ``start`` to ``end``."""
        tree = session.execute(select(Team.id, Team.name, Team.parent_id)).all()
        known = {t for t, _, _ in tree}
        parents = {t: p if p in known else None for t, _, p in tree}
        sizes = rollups.members(session, _utc(start, zone), _utc(end + timedelta(days=1), zone))
        groups = fold(parents, {t: n for t, (n, _) in sizes.items()}, min_size)
        return cls({t: n for t, n, _ in tree}, parents, groups, sizes)

    def members_of(self, group: str) -> set[str]:
        """The teams counted in ``group`` (itself and those folded into it)."""
        if not hasattr(self, "_members"):
            self._members: dict[str | None, set[str]] = {}
            for team, into in self.groups.items():
                self._members.setdefault(into, set()).add(team)
        return self._members.get(group, set())

    def subtree(self, unit: str) -> set[str]:
        out, frontier = {unit}, [unit]
        while frontier:
            frontier = [t for t, p in self.parents.items() if p in frontier and t not in out]
            out.update(frontier)
        return out

    def in_tree_order(self) -> list[tuple[str, int]]:
        children: dict[str | None, list[str]] = {}
        for team, parent in self.parents.items():
            children.setdefault(parent, []).append(team)
        out, stack = [], [(t, 0) for t in sorted(children.get(None, []), key=self.names.get, reverse=True)]
        while stack:
            team, depth = stack.pop()
            out.append((team, depth))
            stack += [(c, depth + 1) for c in sorted(children.get(team, []), key=self.names.get, reverse=True)]
        return out


def group_totals(session: Session, org: Org, period: Period, today: date, limits: dict) -> dict[str, Totals]:
    """The numbers of every shown group: its own team's and those folded into it."""
    per_team = rollups.activity(session, period.start, period.end)
    baseline = rollups.contributions(session, period.baseline_start, period.baseline_end)
    last_day = min(period.end, today - timedelta(days=limits["unanswered_ideas"]["after_days"]))
    unanswered = rollups.unanswered_ideas(session, period.start, last_day)
    totals: dict[str, Totals] = {}
    for team, group in org.groups.items():
        if group is None:
            continue
        n, leaders = org.sizes.get(team, (0, 0))
        team_totals = Totals(members=n, leaders=leaders, baseline=baseline.get(team, 0),
                             unanswered=unanswered.get(team, 0), **per_team.get(team, {}))
        totals.setdefault(group, Totals()).add(team_totals)
    return totals


def unit_totals(org: Org, totals: dict[str, Totals]) -> dict[str, Totals]:
    """For each team with teams below it: the sum of the shown groups inside its subtree. Groups
    folded out of the subtree stay out, so subtracting shown rows never isolates a small group."""
    acc: dict[str, Totals] = {}
    has_children = {p for p in org.parents.values() if p is not None}
    for team, _depth in reversed(org.in_tree_order()):
        mine = acc.setdefault(team, Totals())
        if org.groups.get(team) == team:
            mine.add(totals[team])
        parent = org.parents[team]
        if parent is not None:
            acc.setdefault(parent, Totals()).add(mine)
    return {t: total for t, total in acc.items() if t in has_children and total.members}


def signals(t: Totals, period: Period, today: date) -> dict:
    """The team's signals as shares and rates; None where there is nothing to divide by."""
    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None
    baseline_days = (period.baseline_end - period.baseline_start).days + 1
    now_rate = t.contributions / t.members / period.elapsed(today) * 30 if t.members else 0.0
    base_rate = t.baseline / t.members / baseline_days * 30 if t.members else 0.0
    return {"members": t.members, "shared_share": share(t.sharers, t.members), "sharers": t.sharers,
            "contributions": t.contributions, "contributions_per_member": share(t.contributions, t.members),
            "likes_per_member": share(t.likes, t.members), "recognised_share": share(t.recognised, t.contributions),
            "leaders": t.leaders, "leader_participation": share(t.active_leaders, t.leaders),
            "interactions": t.interactions, "cross_team_share": share(t.cross_team, t.interactions),
            "top_person_share": share(t.top, t.contributions),
            "rate_per_30_days": round(now_rate, 3), "baseline_rate_per_30_days": round(base_rate, 3),
            "trend": round(now_rate / base_rate - 1, 3) if base_rate else None,
            "unanswered_ideas": t.unanswered}


def flags(s: dict, limits: dict, lang: str) -> list[dict]:
    """Each flag whose threshold the signals cross, with its reason and a suggested action."""
    pct = lambda value: round(100 * value)  # noqa: E731
    out = []
    low = limits["low_sharing"]
    if s["members"] and s["shared_share"] < low["below"]:
        out.append(describe("low_sharing", lang, {"sharers": s["sharers"], "members": s["members"],
                                                  "share": pct(s["shared_share"]), "limit": pct(low["below"])}))
    down = limits["declining"]
    if s["trend"] is not None and s["baseline_rate_per_30_days"] >= down["min_baseline"] and s["trend"] <= down["change"]:
        out.append(describe("declining", lang, {"drop": pct(-s["trend"]), "now": s["rate_per_30_days"],
                                                "before": s["baseline_rate_per_30_days"]}))
    quiet = limits["quiet_leaders"]
    if s["leaders"] and s["leader_participation"] < quiet["below"]:
        out.append(describe("quiet_leaders", lang, {"active": round(s["leader_participation"] * s["leaders"]),
                                                    "leaders": s["leaders"], "limit": pct(quiet["below"])}))
    silo = limits["silo"]
    if s["interactions"] >= silo["min_interactions"] and s["cross_team_share"] < silo["below"]:
        out.append(describe("silo", lang, {"share": pct(s["cross_team_share"]), "interactions": s["interactions"],
                                           "limit": pct(silo["below"])}))
    one = limits["one_person"]
    if s["contributions"] >= one["min_contributions"] and s["top_person_share"] > one["above"]:
        out.append(describe("one_person", lang, {"share": pct(s["top_person_share"]),
                                                 "contributions": s["contributions"], "limit": pct(one["above"])}))
    ideas = limits["unanswered_ideas"]
    if s["unanswered_ideas"] >= ideas["at_least"]:
        out.append(describe("unanswered_ideas", lang, {"count": s["unanswered_ideas"], "days": ideas["after_days"]}))
    return out


def report(session: Session, period: Period, today: date, zone: ZoneInfo, min_size: int, limits: dict, lang: str,
           unit: str | None = None) -> dict:
    """Every team of the org tree (or of ``unit``'s subtree) with its signals and flags."""
    org = Org.load(session, min_size, period.start, min(period.end, today), zone)
    totals = group_totals(session, org, period, today, limits)
    shown = org.subtree(unit) if unit else None
    units = unit_totals(org, totals)
    rows = []
    for team, depth in org.in_tree_order():
        if shown is not None and team not in shown:
            continue
        row = {"id": team, "name": org.names[team], "parent": org.parents[team], "depth": depth}
        if team in units:
            row["unit_signals"] = signals(units[team], period, today)
        group = org.groups[team]
        if group == team:
            s = signals(totals[team], period, today)
            folded = sorted(org.members_of(team) - {team}, key=org.names.get)
            row.update(suppressed=False, signals=s, flags=flags(s, limits, lang),
                       includes=[{"id": t, "name": org.names[t]} for t in folded])
        else:
            row.update(suppressed=True, folded_into=group, no_members=team not in org.sizes)
        rows.append(row)
    return {"period": period.as_dict(), "min_group_size": min_size, "teams": rows}


def trend(session: Session, team: str, months: int, today: date, zone: ZoneInfo, min_size: int) -> dict:
    """Month by month for one shown group (as the last month folds it): share who shared and
    contributions per member."""
    org = Org.load(session, min_size, month_start(today.year, today.month), today, zone)
    group = org.groups.get(team)
    teams = org.members_of(team) if group == team else set()
    series = []
    first = month_start(today.year, today.month, months - 1)
    by_month: dict[str, dict] = {}
    for day, person, contributed, liked in rollups.daily(session, teams, first, today):
        entry = by_month.setdefault(day.strftime("%Y-%m"), {"sharers": set(), "contributions": 0, "likes": 0})
        entry["contributions"] += contributed
        entry["likes"] += liked
        if contributed:
            entry["sharers"].add(person)
    members = sum(org.sizes.get(t, (0, 0))[0] for t in teams)
    for back in range(months - 1, -1, -1):
        label = month_start(today.year, today.month, back).strftime("%Y-%m")
        entry = by_month.get(label, {"sharers": set(), "contributions": 0, "likes": 0})
        series.append({"month": label, "shared_share": round(len(entry["sharers"]) / members, 3) if members else None,
                       "contributions_per_member": round(entry["contributions"] / members, 3) if members else None,
                       "likes_per_member": round(entry["likes"] / members, 3) if members else None})
    return {"team": team, "suppressed": group != team, "folded_into": None if group == team else group,
            "members": members, "series": series if group == team else []}
