"""Reading profile completion: one person's progress, and a unit's summary for communications staff.

A unit's summary counts every active member from the directory (people who never
touched their profile count as 0 %), and is withheld for groups smaller than
ENGAGEMENT_MIN_GROUP_SIZE so nobody can be singled out.
"""
from __future__ import annotations

import statistics

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engagement.checklist import Step, progress
from engagement.models import Person, ProfileCompletion, ProfileField, Team


def person_progress(session: Session, steps: tuple[Step, ...], person: str, lang: str) -> dict:
    present = set(session.scalars(select(ProfileField.field).where(
        ProfileField.person == person, ProfileField.present.is_(True))))
    return {"person": person, **progress(steps, present, lang)}


def unit_teams(session: Session, team_id: str, subunits: bool) -> set[str]:
    teams = {team_id}
    if subunits:
        children: dict[str | None, list[str]] = {}
        for tid, parent in session.execute(select(Team.id, Team.parent_id)):
            children.setdefault(parent, []).append(tid)
        frontier = [team_id]
        while frontier:
            frontier = [c for t in frontier for c in children.get(t, []) if c not in teams]
            teams.update(frontier)
    return teams


def unit_summary(session: Session, steps: tuple[Step, ...], team_id: str, subunits: bool,
                 min_size: int, lang: str) -> dict:
    teams = unit_teams(session, team_id, subunits)
    in_unit = and_(Person.team_id.in_(teams), Person.active.is_(True))
    members = session.scalar(select(func.count()).select_from(Person).where(in_unit))
    out = {"team": team_id, "subunits": subunits, "members": members}
    if members < min_size:
        return {**out, "suppressed": True,
                "reason": f"Fewer than {min_size} people: shown only as part of a larger unit."}
    percents = session.scalars(select(func.coalesce(ProfileCompletion.percent, 0)).select_from(Person)
                               .outerjoin(ProfileCompletion, ProfileCompletion.person == Person.id).where(in_unit)).all()
    filled = dict(session.execute(
        select(ProfileField.field, func.count()).join(Person, Person.id == ProfileField.person)
        .where(in_unit, ProfileField.present.is_(True)).group_by(ProfileField.field)).all())
    missing = {s.field: members - filled.get(s.field, 0) for s in steps}
    step = max(steps, key=lambda s: (missing[s.field], -steps.index(s)))
    return {**out, "suppressed": False, "share_complete": round(sum(v == 100 for v in percents) / members, 3),
            "median_percent": statistics.median(percents),
            "most_missing": {"field": step.field, "label": step.labels.get(lang, step.labels["en"]),
                             "missing_for": missing[step.field]} if missing[step.field] else None}
