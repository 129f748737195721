"""The trust-signal report: per team and period, how much is shared and whether it is safe to.

Privacy by construction: the report is made of team sums only; a team smaller than
ENGAGEMENT_MIN_GROUP_SIZE is folded into its parent unit before any number is computed
(engagement/directory/groups.py), by the directory as it was in the period and in each
month of it and of the baseline, so its people are never shown alone; the most active
person's share is a number, never a name. Flags carry a plain reason with the numbers
and a suggested action.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engagement.directory.groups import Org, load_tree, months_between, steady_groups, unsteady_groups, utc_midnight
from engagement.errors import FieldError, ValidationFailed
from engagement.schemas.patterns import MONTH_PATTERN
from engagement.trust import rollups
from engagement.trust.rollups import Totals
from engagement.trust.texts import describe

MONTH = re.compile(MONTH_PATTERN)
ROLLING = {"30d": 30, "90d": 90}
THRESHOLDS: dict[str, dict[str, float]] = {
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
    raise ValidationFailed([FieldError("period", "YYYY-MM (2000-01 to 2100-12), 30d or 90d.")])


def thresholds(overrides: dict) -> dict:
    """The defaults with ENGAGEMENT_TRUST_THRESHOLDS merged in, flag by flag."""
    unknown = set(overrides) - set(THRESHOLDS)
    if unknown:
        raise ValueError(f"ENGAGEMENT_TRUST_THRESHOLDS: unknown flags {sorted(unknown)}; "
                         f"known: {', '.join(THRESHOLDS)}")
    for flag, limits in overrides.items():
        wrong = [k for k, v in (limits.items() if isinstance(limits, dict) else [("", None)])
                 if k not in THRESHOLDS[flag] or isinstance(v, bool) or not isinstance(v, (int, float))]
        if wrong:
            raise ValueError(f"ENGAGEMENT_TRUST_THRESHOLDS: {flag} takes numbers for {', '.join(THRESHOLDS[flag])}; "
                             f"got {limits!r}")
    return {flag: {**limits, **overrides.get(flag, {})} for flag, limits in THRESHOLDS.items()}


def group_totals(session: Session, org: Org, period: Period, today: date, limits: dict,
                 baselines: dict[str, tuple[int, int] | None]) -> dict[str, Totals]:
    """The numbers of every shown group: its own team's and those folded into it."""
    per_team = rollups.activity(session, period.start, period.end)
    last_day = min(period.end, today - timedelta(days=limits["unanswered_ideas"]["after_days"]))
    unanswered = rollups.unanswered_ideas(session, period.start, last_day)
    totals: dict[str, Totals] = {}
    for team, group in org.groups.items():
        if group is None:
            continue
        n, leaders = org.sizes.get(team, (0, 0))
        team_totals = Totals(members=n, leaders=leaders, unanswered=unanswered.get(team, 0), **per_team.get(team, {}))
        totals.setdefault(group, Totals()).add(team_totals)
    for group, total in totals.items():
        base = baselines.get(group)
        total.baseline, total.baseline_members = base or (0, 0)
        total.baseline_hidden = int(base is None)
    return totals


class Folding:
    """The directory's history over a report's days and its baseline's, read once: the org of any
    stretch of those days, as ``Org.load`` folds it, without asking the database again.

    Folding thousands of teams for each month of a period and its baseline costs more than the
    report's own sums, and the directory changes seldom: the folded orgs are kept (a few reports'
    worth, per process) with the very rows they were folded from, and reused only when the rows
    read now are equal to those, so a change anywhere in the directory's history folds anew."""

    def __init__(self, session: Session, period: Period, last_day: date, zone: ZoneInfo, min_size: int):
        self.tree, self.zone, self.min_size = load_tree(session), zone, min_size
        stretches = [(period.start, last_day), (period.baseline_start, period.baseline_end)]
        stretches += [(first, min(last, end)) for start, end in stretches for first, last in months_between(start, end)]
        moments = [moment for stretch in stretches for moment in self._moments(*stretch)]
        self.memberships = rollups.Memberships(session, min(moments), max(moments))
        self.orgs = _folded(self, (tuple(stretches), zone.key, min_size), stretches)

    def _moments(self, start: date, end: date) -> tuple[datetime, datetime]:
        return utc_midnight(start, self.zone), utc_midnight(end + timedelta(days=1), self.zone)

    def inputs(self) -> tuple:
        """Everything the folding is made from, as read from the database."""
        m = self.memberships
        return self.tree.rows, self.tree.names, m.base, m.rows

    def fold(self, start: date, end: date) -> Org:
        """As ``Org.load(session, min_size, start, end, zone)``."""
        since, until = self._moments(start, end)
        m = self.memberships
        return Org.over_time(self.tree, since, until, m.members(since, until), self.min_size, m.smallest(since, until))

    def org(self, start: date, end: date) -> Org:
        """The stretch's org: folded once per report (a month's report is also its only month), or
        not at all while the directory's rows are as when it was."""
        found = self.orgs.get((start, end))
        return found if found is not None else self.fold(start, end)

    def months(self, start: date, end: date) -> list[Org]:
        """As ``month_orgs``: each calendar month overlapping the days, folded as its own."""
        return [self.org(first, min(last, end)) for first, last in months_between(start, end)]


KEPT_FOLDINGS = 16  # reports' foldings kept per process: the periods people look at, a few units' sizes
_foldings: OrderedDict[tuple, tuple[tuple, dict[tuple[date, date], Org]]] = OrderedDict()
_foldings_lock = threading.Lock()


def _folded(folding: Folding, key: tuple, stretches: list[tuple[date, date]]) -> dict[tuple[date, date], Org]:
    """The orgs of ``stretches``: those kept under ``key`` if they were folded from rows equal to
    the ones just read, or else folded now and kept. Kept orgs are shared between requests, so
    each is complete (its lazy index of members filled) before it is kept, and none is changed."""
    inputs = folding.inputs()
    with _foldings_lock:
        kept = _foldings.get(key)
    if kept is not None and kept[0] == inputs:
        return kept[1]
    orgs = {stretch: folding.fold(*stretch) for stretch in dict.fromkeys(stretches)}
    for org in orgs.values():
        org.members_of(None)
    with _foldings_lock:
        _foldings[key] = (inputs, orgs)
        _foldings.move_to_end(key)
        while len(_foldings) > KEPT_FOLDINGS:
            _foldings.popitem(last=False)
    return orgs


def baselines(session: Session, org: Org, period: Period, folding: Folding) -> dict[str, tuple[int, int] | None]:
    """Each shown group's contributions and members in its baseline, from the directory as it was
    then; None when in any month of the baseline its teams were not whole shown groups (a team
    too small then, or folded elsewhere), so the baseline never speaks for a small group."""
    months = folding.months(period.baseline_start, period.baseline_end)
    whole = folding.org(period.baseline_start, period.baseline_end)
    counted = rollups.contributions(session, period.baseline_start, period.baseline_end)
    unsteady = unsteady_groups(org, months)  # as not all(month.is_shown_groups(teams)), in one pass
    out: dict[str, tuple[int, int] | None] = {}
    for group in {g for g in org.groups.values() if g is not None}:
        if group in unsteady:
            out[group] = None
            continue
        teams = org.members_of(group)
        out[group] = (sum(counted.get(t, 0) for t in teams), sum(whole.sizes.get(t, (0, 0))[0] for t in teams))
    return out


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
    base_rate = None if t.baseline_hidden or not t.baseline_members else \
        t.baseline / t.baseline_members / baseline_days * 30
    return {"members": t.members, "shared_share": share(t.sharers, t.members), "sharers": t.sharers,
            "contributions": t.contributions, "contributions_per_member": share(t.contributions, t.members),
            "likes_per_member": share(t.likes, t.members), "recognised_share": share(t.recognised, t.contributions),
            "leaders": t.leaders, "leader_participation": share(t.active_leaders, t.leaders),
            "interactions": t.interactions, "cross_team_share": share(t.cross_team, t.interactions),
            "top_person_share": share(t.top, t.contributions),
            "rate_per_30_days": round(now_rate, 3),
            "baseline_rate_per_30_days": None if base_rate is None else round(base_rate, 3),
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
    if s["trend"] is not None and s["baseline_rate_per_30_days"] >= down["min_baseline"] \
            and s["trend"] <= down["change"]:
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
    last_day = min(period.end, today)
    folding = Folding(session, period, last_day, zone, min_size)
    org = steady_groups(folding.org(period.start, last_day), folding.months(period.start, last_day))
    totals = group_totals(session, org, period, today, limits, baselines(session, org, period, folding))
    shown = org.subtree(unit) if unit else None
    units = unit_totals(org, totals)
    rows = []
    for team, depth in org.in_tree_order():
        if shown is not None and team not in shown:
            continue
        row: dict[str, Any] = {"id": team, "name": org.names[team], "parent": org.parents[team], "depth": depth}
        if team in units:
            row["unit_signals"] = signals(units[team], period, today)
        group = org.groups[team]
        if group == team:
            s = signals(totals[team], period, today)
            folded = sorted(org.members_of(team) - {team}, key=lambda t: org.names.get(t) or "")
            row.update(suppressed=False, signals=s, flags=flags(s, limits, lang),
                       includes=[{"id": t, "name": org.names[t]} for t in folded])
        else:
            row.update(suppressed=True, folded_into=group, no_members=team not in org.sizes)
        rows.append(row)
    return {"period": period.as_dict(), "min_group_size": min_size, "teams": rows}
