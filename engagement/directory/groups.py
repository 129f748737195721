"""The minimum group size: which shown group each team counts in, from the directory as it was then.

Every team-level number in the API is made from the groups decided here. A team smaller
than ENGAGEMENT_MIN_GROUP_SIZE is folded into its nearest ancestor before anything is
counted, and a sum over a unit takes only groups that are shown on their own, so no two
answers can be subtracted to isolate a folded team. Which people count, and where each team
sat in the tree, is asked of the directory's history for the time a number is about, never
of today's directory alone: a period is folded by the tree of its own days, and a group whose
make-up differs under any tree in effect during the period (a team moved in or out of it) has
no numbers for that period.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.directory.model import Membership, Person, Team, TeamPlacement
from engagement.events import utc_naive
from engagement.trust import rollups

Tree = list[tuple[str, str, str | None]]
PlacementRows = list[tuple[str, str, str | None, datetime | None, datetime | None]]  # team, name, parent, from, to
BEGINNING, END = datetime.min, datetime.max


def fold(parents: dict[str, str | None], sizes: dict[str, int], min_size: int) -> dict[str, str | None]:
    """Which shown group each team counts in: itself, the nearest ancestor that (with what is
    folded into it) reaches ``min_size``, or None when even the root stays too small."""
    size = {t: sizes.get(t, 0) for t in parents}
    into: dict[str, str | None] = {}
    depths = _depths(parents)
    for team in sorted(parents, key=lambda t: -depths[t]):
        if size[team] >= min_size:
            into[team] = team
        else:
            parent = into[team] = parents[team]
            if parent is not None:
                size[parent] += size[team]
    resolved: dict[str, str | None] = {}
    for team in parents:
        group: str | None = team
        while group is not None and into[group] != group:
            group = into[group]
        resolved[team] = group
    return resolved


def _depths(parents: dict[str, str | None]) -> dict[str, int]:
    """``_depth`` of every team, each ancestor walked once."""
    out: dict[str, int] = {}
    for team in parents:
        if team in out:
            continue
        chain: list[str] = []
        node: str | None = team
        while node is not None and node not in out:
            chain.append(node)
            node = parents.get(node)
            if len(chain) > len(parents) + 1:  # a loop: walked as _depth walks it
                out.update((t, _depth(t, parents)) for t in chain if t in parents)
                break
        else:
            depth = -1 if node is None else out[node]
            for t in reversed(chain):
                depth += 1
                out[t] = depth
    return out


def _depth(team: str, parents: dict[str, str | None]) -> int:
    depth, node, seen = 0, parents.get(team), {team}
    while node is not None and node not in seen:
        seen.add(node)
        depth, node = depth + 1, parents.get(node)
    return depth


class TreeHistory:
    """Every placement the org tree has had: (team, parent, valid_from, valid_to), None for open ends."""

    def __init__(self, rows: PlacementRows):
        self.rows = [(team, parent, start or BEGINNING, end or END) for team, _, parent, start, end in rows
                     if (start or BEGINNING) < (end or END)]
        self.names = {team: name for team, name, *_ in sorted(rows, key=lambda r: (r[4] or END, r[3] or BEGINNING))}

    def spanning(self, since: datetime = BEGINNING, until: datetime = END) -> Tree:
        """Every team in the tree at any time from ``since`` to ``until``, under its latest parent then."""
        latest: dict[str, tuple[datetime, str | None]] = {}
        for team, parent, start, end in self.rows:
            if start < until and end > since and (team not in latest or latest[team][0] <= start):
                latest[team] = (start, parent)
        return [(team, self.names.get(team, team), parent) for team, (_, parent) in latest.items()]

    def versions(self, since: datetime = BEGINNING, until: datetime = END) -> list[Tree]:
        """Each tree in effect at some time from ``since`` to ``until``, in order (one sweep over
        the moments a placement began or ended)."""
        current: dict[str, str | None] = {}
        changes: dict[datetime, list[tuple[int, str, str | None]]] = {}
        for team, parent, start, end in self.rows:
            if start <= since < end:
                current[team] = parent
            elif since < start < until:
                changes.setdefault(start, []).append((1, team, parent))
            if since < end < until:
                changes.setdefault(end, []).append((0, team, parent))
        out = [current.copy()]
        for moment in sorted(changes):
            for opens, team, parent in sorted(changes[moment], key=lambda c: c[0]):  # closings first
                if opens:
                    current[team] = parent
                else:
                    current.pop(team, None)
            if current != out[-1]:
                out.append(current.copy())
        return [[(team, self.names.get(team, team), parent) for team, parent in tree.items()] for tree in out]


def load_tree(session: Session) -> TreeHistory:
    """The org tree's history (engagement/directory/service.py writes it)."""
    p = TeamPlacement
    rows = session.execute(select(p.team_id, p.name, p.parent_id, p.valid_from, p.valid_to))
    return TreeHistory(cast(PlacementRows, [tuple(row) for row in rows]))


def current_tree(session: Session) -> Tree:
    return cast(Tree, [tuple(row) for row in session.execute(select(Team.id, Team.name, Team.parent_id))])


def utc_midnight(day: date, zone: ZoneInfo) -> datetime:
    return utc_naive(datetime.combine(day, time.min, zone))


@dataclass
class Org:
    """The directory's tree and sizes, and which group each team is shown in."""

    names: dict[str, str]
    parents: dict[str, str | None]
    groups: dict[str, str | None]
    sizes: dict[str, tuple[int, int]]
    _members: dict[str | None, set[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def fold_sizes(cls, tree: Tree, sizes: dict[str, tuple[int, int]], min_size: int,
                   fold_by: dict[str, int] | None = None) -> Org:
        """Folded by ``fold_by`` (the sizes that decide), or by the member counts of ``sizes``."""
        known = {t for t, _, _ in tree}
        parents = {t: p if p in known else None for t, _, p in tree}
        groups = fold(parents, fold_by if fold_by is not None else {t: n for t, (n, _) in sizes.items()}, min_size)
        return cls({t: n for t, n, _ in tree}, parents, groups, sizes)

    @classmethod
    def load(cls, session: Session, min_size: int, start: date, end: date, zone: ZoneInfo,
             tree: TreeHistory | None = None) -> Org:
        """The tree of the days from ``start`` to ``end``, who were members at any time in them (the
        sizes numbers are divided by), folded by the fewest members each team had at once in those
        days; a group whose make-up differs under any tree in effect in those days has no numbers."""
        since, until = utc_midnight(start, zone), utc_midnight(end + timedelta(days=1), zone)
        history = tree if tree is not None else load_tree(session)
        sizes, smallest = rollups.members(session, since, until), rollups.smallest(session, since, until)
        return cls.over_time(history, since, until, sizes, min_size, smallest)

    @classmethod
    def over_time(cls, history: TreeHistory, since: datetime, until: datetime, sizes: dict[str, tuple[int, int]],
                  min_size: int, fold_by: dict[str, int] | None = None) -> Org:
        """Folded on the tree spanning ``since`` to ``until``, steady under each tree in effect then."""
        org = cls.fold_sizes(history.spanning(since, until), sizes, min_size, fold_by)
        versions = history.versions(since, until)
        if len(versions) < 2:
            return org
        return steady_groups(org, [cls.fold_sizes(v, sizes, min_size, fold_by) for v in versions], moved_only=True)

    def members_of(self, group: str | None) -> set[str]:
        """The teams counted in ``group`` (itself and those folded into it)."""
        if not self._members:
            for team, into in self.groups.items():
                self._members.setdefault(into, set()).add(team)
        return self._members.get(group, set())

    def is_shown_groups(self, teams: set[str], moved_only: bool = False) -> bool:
        """Whether ``teams`` is exactly a union of groups shown on their own: only then is a
        sum over them no more than what the shown groups already tell. A team not in this tree
        is passed over when it had no members then (or, with ``moved_only``, always: the trees
        of one period share its members, and a team created or removed in it counts only while
        it was there)."""
        present = {t for t in teams if t in self.groups}
        if not moved_only and any(self.sizes.get(t, (0, 0))[0] for t in teams - present):
            return False
        return all(self.groups[t] is not None and self.members_of(self.groups[t]) <= teams for t in present)

    def subtree(self, unit: str) -> set[str]:
        out, frontier = {unit}, [unit]
        while frontier:
            frontier = [t for t, p in self.parents.items() if p in frontier and t not in out]
            out.update(frontier)
        return out

    def shown_inside(self, unit: str) -> set[str]:
        """The teams of every shown group inside ``unit``'s subtree; a group folded out of it stays out."""
        inside = self.subtree(unit)
        return {t for t in inside if self.groups.get(t) in inside}

    def _name(self, team: str) -> str:
        """A team's name to sort by ("" for a team without one, which sorts first)."""
        return self.names.get(team) or ""

    def in_tree_order(self) -> list[tuple[str, int]]:
        children: dict[str | None, list[str]] = {}
        for team, parent in self.parents.items():
            children.setdefault(parent, []).append(team)
        out, stack = [], [(t, 0) for t in sorted(children.get(None, []), key=self._name, reverse=True)]
        while stack:
            team, depth = stack.pop()
            out.append((team, depth))
            stack += [(c, depth + 1) for c in sorted(children.get(team, []), key=self._name, reverse=True)]
        return out


def current_org(session: Session, min_size: int) -> Org:
    """Folded by today's active members and today's tree, for numbers about people as they are now
    (profiles)."""
    rows = session.execute(select(Person.team_id, func.count()).where(
        Person.active.is_(True), Person.team_id.is_not(None)).group_by(Person.team_id))
    return Org.fold_sizes(current_tree(session), {t: (n, 0) for t, n in rows if t is not None}, min_size)


def lifetime_org(session: Session, min_size: int) -> Org:
    """Folded by the fewest members each team has had at once since its first member joined, for
    counters kept over all time: a stretch when a team was small is inside its total for good, and
    so is a stretch when it sat elsewhere in the tree, so a group whose make-up differs under any
    tree the organisation has had (a small team moved in or out of it) has no numbers."""
    changes: dict[str, dict[datetime, int]] = {}
    for team, start, end in session.execute(select(Membership.team_id, Membership.valid_from, Membership.valid_to)):
        moments = changes.setdefault(team, {})
        moments[start or datetime.min] = moments.get(start or datetime.min, 0) + 1
        if end is not None:
            moments[end] = moments.get(end, 0) - 1
    sizes = {}
    for team, moments in changes.items():
        count, counts = 0, []
        for moment in sorted(moments):
            count += moments[moment]
            counts.append(count)
        sizes[team] = (min(counts), 0)
    return Org.over_time(load_tree(session), BEGINNING, END, sizes, min_size)


def month_orgs(session: Session, min_size: int, start: date, end: date, zone: ZoneInfo,
               tree: TreeHistory) -> list[Org]:
    """The folding of each calendar month that overlaps the days from ``start`` to ``end``."""
    return [Org.load(session, min_size, first, min(last, end), zone, tree)
            for first, last in months_between(start, end)]


def steady_groups(org: Org, months: list[Org], moved_only: bool = False) -> Org:
    """``org`` with no numbers for a group that is not made of whole shown groups in every month
    it spans: over a rolling period a team may have been small in one month, and the period's
    number minus that month's neighbours would be that small team alone. With ``moved_only``,
    ``months`` are the trees in effect during ``org``'s own period: a small team moved from one
    unit to another in it would otherwise be one answer's unit minus another's."""
    unsteady = unsteady_groups(org, months, moved_only)
    if not unsteady:
        return org
    steady = {t: None if g in unsteady else g for t, g in org.groups.items()}
    return Org(org.names, org.parents, steady, org.sizes)


def unsteady_groups(org: Org, months: list[Org], moved_only: bool = False) -> set[str | None]:
    """The groups of ``org`` whose teams are not exactly a union of shown groups in some month:
    as ``not month.is_shown_groups(org.members_of(g), moved_only)`` for any month, for every
    group at once in one pass over each month's teams (thousands of teams, a dozen months)."""
    unsteady: set[str | None] = set()
    for month in months:
        mixed: dict[str | None, set[str | None]] = {}
        for team, group in month.groups.items():
            if group is None:
                unsteady.add(org.groups.get(team))
            else:
                mixed.setdefault(group, set()).add(org.groups.get(team, ""))
        for groups in mixed.values():
            if len(groups) > 1:
                unsteady |= groups
        if not moved_only:
            unsteady |= {g for t, g in org.groups.items() if t not in month.groups and month.sizes.get(t, (0, 0))[0]}
    return unsteady - {None, ""}


def months_between(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months that overlap the days from ``start`` to ``end``: first and last day."""
    out, first = [], start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        out.append((first, following - timedelta(days=1)))
        first = following
    return out
