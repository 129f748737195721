"""Who a pulse invites, as the directory was when it opened (docs/features/notifications.md).

A person is invited when their team at that moment sits, in the org tree of that moment, in the
subtree of one of the pulse's units; so is the manager of a leader of such a team (they answer
about that leader). The directory's history, not today's, so a replay invites the same people.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engagement.directory.model import ManagerLink, Membership, Person, Team, TeamPlacement


def _holds(model, moment: datetime):
    """A history row (``valid_from``/``valid_to``, None for open ends) in force at ``moment``."""
    return and_(or_(model.valid_from.is_(None), model.valid_from <= moment),
                or_(model.valid_to.is_(None), model.valid_to > moment))


def tree_at(session: Session, moment: datetime) -> dict[str, str | None]:
    """Each team's parent at ``moment`` (naive UTC); the current tree when none was recorded then."""
    p = TeamPlacement
    parents = dict(session.execute(select(p.team_id, p.parent_id).where(_holds(p, moment))).all())
    return parents or dict(session.execute(select(Team.id, Team.parent_id)).all())


def subtrees(parents: dict[str, str | None], units: list[str]) -> set[str]:
    """The units and every team below them (a loop in the tree cannot trap the walk)."""
    inside, wanted = set(), set(units)
    for team in parents:
        seen: set[str] = set()
        at: str | None = team
        while at is not None and at not in seen:
            if at in wanted:
                inside.add(team)
                break
            seen.add(at)
            at = parents.get(at)
    return inside | (wanted & set(parents))


def invited(session: Session, units: list[str], moment: datetime) -> list[str]:
    """Everyone a pulse on ``units`` opening at ``moment`` (naive UTC) invites, sorted."""
    teams = subtrees(tree_at(session, moment), units)
    if not teams:
        return []
    m = Membership
    members = set(session.scalars(select(m.person_id).where(m.team_id.in_(sorted(teams)), _holds(m, moment))))
    if not members:
        return []
    people = dict(session.execute(select(Person.id, Person.role).where(Person.id.in_(sorted(members)),
                                                                       Person.active.is_(True))).all())
    leaders = sorted(person for person, role in people.items() if role == "leader")
    managers = set(session.scalars(select(ManagerLink.manager_id).where(
        ManagerLink.person_id.in_(leaders), _holds(ManagerLink, moment)))) if leaders else set()
    return sorted(set(people) | managers)


def closing_day(closes_at: object, zone: ZoneInfo) -> str | None:
    """The last local day a pulse takes answers ("answer by 8 December"): a pulse closing at
    midnight closes at the end of the day before. ``closes_at`` as the event carries it (ISO text,
    naive meaning UTC); None if it is not a time."""
    if not isinstance(closes_at, str):
        return None
    try:
        moment = datetime.fromisoformat(closes_at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - timedelta(microseconds=1)).astimezone(zone).date().isoformat()
