"""A pulse's results: per shown group and statement, the distribution, mean and share agreeing.

Nothing is shown before the pulse closes: while answers still arrive, two looks at the numbers
would tell what the answers between them were. At the close, the ``team``-wording answers of
each team are its size, and a team with fewer than ENGAGEMENT_MIN_GROUP_SIZE answers is folded
into its parent as the trust report folds members (engagement/directory/groups.py), on the org
tree as it was at the close. A unit's totals take only the shown groups inside it (as the trust
report's ``unit_totals``), so no subtraction of two shown numbers isolates a folded team; a group
is compared across pulses only where it was the same shown group (the same teams) in each.

The ``self`` and ``manager`` wordings are not anonymous (the invitation says so): they are the
leader's own view and their leader's view, read per team as answered, never folded.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.db import utcnow
from engagement.directory.groups import Org, load_tree
from engagement.directory.model import Team
from engagement.errors import EngagementError, FieldError
from engagement.pulses import library
from engagement.pulses.model import DONT_KNOW, Pulse, PulseComment, PulseRespondents, PulseTally

SCALE = (1, 2, 3, 4, 5)
AGREEING = (4, 5)  # "agree" and "strongly agree"
# A statement is weak, and the leader's report gives reflection questions and suggested actions
# for it, when the team's mean is below WEAK_MEAN or fewer than WEAK_AGREEING of those with an
# opinion agree: either says that a good part of the team does not feel it.
WEAK_MEAN = 3.5
WEAK_AGREEING = 0.6

_shuffler = random.SystemRandom()

Counts = dict[int, int]  # value (0 = don't know, 1-5) -> answers
Tallies = dict[tuple[str, str], dict[str, Counts]]  # (team, wording) -> statement -> counts


class NotClosed(EngagementError):
    """Results are asked for before the pulse's close."""

    def __init__(self, closes_at: datetime):
        at = closes_at.isoformat() + "Z"
        super().__init__(f"Results are shown when the pulse closes, at {at}.", 409, "Conflict",
                         [FieldError("closes_at", at)])


def iso(moment: datetime) -> str:
    return moment.isoformat() + "Z"


def find_pulse(session: Session, pulse_id: str) -> Pulse:
    pulse = session.get(Pulse, pulse_id)
    if pulse is None:
        raise EngagementError(f"No pulse {pulse_id!r}.", 404, "Not found")
    return pulse


def closed_pulse(session: Session, pulse_id: str, now: datetime) -> Pulse:
    """The pulse, if it has closed (``now`` naive UTC); 404 when unknown, 409 while open."""
    pulse = find_pulse(session, pulse_id)
    if now < pulse.closes_at:
        raise NotClosed(pulse.closes_at)
    return pulse


def statement_keys(pulse: Pulse) -> list[str]:
    return [library.key_of(s) for s in pulse.statements]


def tallies(session: Session, pulse_id: str) -> Tallies:
    t = PulseTally
    out: Tallies = {}
    rows = session.execute(select(t.team_id, t.wording, t.statement, t.value, t.count).where(t.pulse_id == pulse_id))
    for team, wording, statement, value, count in rows:
        counts = out.setdefault((team, wording), {}).setdefault(statement, {})
        counts[value] = counts.get(value, 0) + count
    return out


def team_answers(session: Session, pulse_id: str) -> dict[str, int]:
    """How many answered in the ``team`` wording, per team as answered: the sizes that fold."""
    r = PulseRespondents
    return {team: n for team, n in session.execute(
        select(r.team_id, r.answers).where(r.pulse_id == pulse_id, r.wording == "team"))}


def org_at_close(session: Session, pulse: Pulse, min_size: int) -> Org:
    """The tree at the pulse's close, folded by each team's ``team``-wording answers."""
    history = load_tree(session)
    tree = history.spanning(pulse.closes_at, pulse.closes_at + timedelta(microseconds=1))
    if not tree:  # a directory written before its history was kept
        tree = [(t, n, p) for t, n, p in session.execute(select(Team.id, Team.name, Team.parent_id))]
    return Org.fold_sizes(tree, {t: (n, 0) for t, n in team_answers(session, pulse.id).items()}, min_size)


def add(into: dict[str, Counts], counts: dict[str, Counts]) -> None:
    for statement, values in counts.items():
        mine = into.setdefault(statement, {})
        for value, n in values.items():
            mine[value] = mine.get(value, 0) + n


def group_counts(org: Org, tally: Tallies) -> dict[str, dict[str, Counts]]:
    """The ``team``-wording counts of every shown group: its own team's and those folded into it."""
    out: dict[str, dict[str, Counts]] = {}
    for (team, wording), counts in tally.items():
        group = org.groups.get(team)
        if wording == "team" and group is not None:
            add(out.setdefault(group, {}), counts)
    return out


def unit_counts(org: Org, groups: dict[str, dict[str, Counts]]) -> dict[str, dict[str, Counts]]:
    """For each team with teams below it: the sum of the shown groups inside its subtree (as the
    trust report's ``unit_totals``); a group folded out of the subtree stays out of it."""
    acc: dict[str, dict[str, Counts]] = {}
    has_children = {p for p in org.parents.values() if p is not None}
    for team, _depth in reversed(org.in_tree_order()):
        mine = acc.setdefault(team, {})
        if org.groups.get(team) == team:
            add(mine, groups.get(team, {}))
        parent = org.parents[team]
        if parent is not None:
            add(acc.setdefault(parent, {}), mine)
    return {t: counts for t, counts in acc.items() if t in has_children and counts}


def mean(counts: Counts, least: int = 1) -> float | None:
    """The mean of the 1-5 answers; don't know is left out, and so there is no mean from fewer
    than ``least`` opinions (a team's five answers with three "don't know" are two people's view)."""
    opinions = sum(counts.get(v, 0) for v in SCALE)
    return round(sum(v * counts.get(v, 0) for v in SCALE) / opinions, 2) if opinions >= max(least, 1) else None


def summary(counts: Counts, least: int = 1) -> dict:
    """A statement's distribution (1-5 and don't know), mean, share agreeing (4-5 of those with an
    opinion) and number of answers (don't know included); the mean and share only from ``least``
    opinions (the minimum group size for a team; 1 for the leader's and manager's own answers)."""
    opinions = sum(counts.get(v, 0) for v in SCALE)
    agreeing = sum(counts.get(v, 0) for v in AGREEING)
    return {"answers": opinions + counts.get(DONT_KNOW, 0), "opinions": opinions,
            "distribution": {**{str(v): counts.get(v, 0) for v in SCALE}, "dont_know": counts.get(DONT_KNOW, 0)},
            "mean": mean(counts, least),
            "agreeing": round(agreeing / opinions, 3) if opinions >= max(least, 1) else None}


def is_weak(s: dict) -> bool:
    """Below WEAK_MEAN, or fewer than WEAK_AGREEING agreeing (only with answers that have an opinion)."""
    return s["mean"] is not None and (s["mean"] < WEAK_MEAN or s["agreeing"] < WEAK_AGREEING)


def shown_means(session: Session, pulse_id: str, min_size: int) -> dict[str, dict[str, float]]:
    """Each shown group's mean per statement (1-5, don't know left out; none from fewer than
    ``min_size`` opinions), for other parts of Tillit (early warnings). Open pulses have none:
    their answers are still arriving."""
    pulse = find_pulse(session, pulse_id)
    if utcnow() < pulse.closes_at:
        return {}
    org = org_at_close(session, pulse, min_size)
    out: dict[str, dict[str, float]] = {}
    for group, counts in group_counts(org, tallies(session, pulse_id)).items():
        means = {statement: m for statement, c in counts.items() if (m := mean(c, min_size)) is not None}
        if means:
            out[group] = means
    return out


@dataclass
class Results:
    """A closed pulse's folding and counts, read once for a report."""

    pulse: Pulse
    org: Org
    tally: Tallies
    groups: dict[str, dict[str, Counts]]
    min_size: int = 1  # the opinions a group's mean and share agreeing are shown from

    @classmethod
    def load(cls, session: Session, pulse: Pulse, min_size: int) -> Results:
        org, tally = org_at_close(session, pulse, min_size), tallies(session, pulse.id)
        return cls(pulse, org, tally, group_counts(org, tally), min_size)

    def statements(self, counts: dict[str, Counts], least: int | None = None) -> dict[str, dict]:
        least = self.min_size if least is None else least
        return {key: summary(counts.get(key, {}), least) for key in statement_keys(self.pulse)}

    def wording(self, team: str, wording: str) -> dict[str, dict] | None:
        """The ``self`` or ``manager`` answers about ``team``'s leader, or None when there are none
        (one person's own answer, not anonymous: shown as it is)."""
        counts = self.tally.get((team, wording))
        return self.statements(counts, 1) if counts else None

    def includes(self, group: str) -> list[dict]:
        folded = sorted(self.org.members_of(group) - {group}, key=lambda t: self.org.names.get(t) or "")
        return [{"id": t, "name": self.org.names[t]} for t in folded]

    def inside(self, units: Iterable[str]) -> set[str]:
        """The teams in the subtrees of ``units`` (the pulse's), and the groups they count in."""
        teams = set().union(*(self.org.subtree(u) for u in units if u in self.org.parents))
        return teams | {g for t in teams if (g := self.org.groups.get(t)) is not None}

    def rows(self) -> list[dict]:
        """The heat map's rows in tree order: shown groups with their statements, folded teams
        with the group they count in, units with the shown groups inside them."""
        units, inside = unit_counts(self.org, self.groups), self.inside(self.pulse.units)
        out = []
        for team, depth in self.org.in_tree_order():
            if team not in inside:
                continue
            row: dict = {"id": team, "name": self.org.names[team], "parent": self.org.parents[team], "depth": depth}
            if team in units:
                row["unit_statements"] = self.statements(units[team])
            if self.org.groups[team] == team:
                row.update(suppressed=False, statements=self.statements(self.groups.get(team, {})),
                           includes=self.includes(team))
            else:
                row.update(suppressed=True, folded_into=self.org.groups[team])
            out.append(row)
        return out


def statement_text(pulse: Pulse, key: str, lang: str, wording: str) -> str:
    """A statement of ``pulse`` in ``lang`` and ``wording``, as the library or its custom text says it."""
    for statement in pulse.statements:
        if library.key_of(statement) == key:
            try:
                return library.text(statement, lang, wording)
            except (KeyError, StopIteration, AttributeError):  # a key the library has since dropped
                return key
    return key


def heatmap(session: Session, pulse_id: str, now: datetime, min_size: int, lang: str) -> dict:
    """Statements by unit for communications staff: every team of the pulse's units, tree order."""
    pulse = closed_pulse(session, pulse_id, now)
    results = Results.load(session, pulse, min_size)
    return {"pulse": {"id": pulse.id, "title": pulse.title, "opens_at": iso(pulse.opens_at),
                      "closes_at": iso(pulse.closes_at)},
            "min_group_size": min_size,
            "statements": [{"key": k, "text": statement_text(pulse, k, lang, "team")} for k in statement_keys(pulse)],
            "teams": results.rows()}


def comments(session: Session, pulse_id: str, team: str, wording: str) -> list[str]:
    """The comments released under ``team`` in ``wording``, in a new random order each time, so
    the order says nothing of who wrote which (for the ``team`` wording, ``team`` must be a
    shown group: comments are released under the group only, never under a folded team)."""
    texts = list(session.scalars(select(PulseComment.text).where(
        PulseComment.pulse_id == pulse_id, PulseComment.team_id == team, PulseComment.wording == wording)))
    _shuffler.shuffle(texts)
    return texts
