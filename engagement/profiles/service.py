"""Reading profile completion: one person's progress, and a unit's summary for communications staff.

A unit's summary counts every active member from the directory (people who never
touched their profile count as 0 %). Teams smaller than ENGAGEMENT_MIN_GROUP_SIZE are
folded into their parent first (engagement/directory/groups.py), so nobody can be singled
out, not even by subtracting one summary from another.
"""
from __future__ import annotations

import statistics

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engagement.directory.groups import Org, current_org
from engagement.directory.model import Person
from engagement.profiles.checklist import Step, progress
from engagement.profiles.model import ProfileCompletion, ProfileField


def person_progress(session: Session, steps: tuple[Step, ...], person: str, lang: str) -> dict:
    present = set(session.scalars(select(ProfileField.field).where(
        ProfileField.person == person, ProfileField.present.is_(True))))
    return {"person": person, **progress(steps, present, lang)}


def unit_teams(org: Org, team_id: str, subunits: bool) -> set[str]:
    """The teams a summary counts: the team's own shown group (itself and the small teams folded
    into it), or with ``subunits`` every shown group inside its subtree and nothing folded out of
    it, so the two answers differ only by groups that are shown on their own."""
    if subunits:
        return org.shown_inside(team_id)
    return org.members_of(team_id) if org.groups.get(team_id) == team_id else set()


def unit_summary(session: Session, steps: tuple[Step, ...], team_id: str, subunits: bool,
                 min_size: int, lang: str) -> dict:
    org = current_org(session, min_size)
    teams = unit_teams(org, team_id, subunits)
    in_unit = and_(Person.team_id.in_(teams), Person.active.is_(True))
    members = (session.scalar(select(func.count()).select_from(Person).where(in_unit)) or 0) if teams else 0
    out = {"team": team_id, "subunits": subunits}
    if members < min_size:
        return {**out, "suppressed": True, "folded_into": org.groups.get(team_id),
                "reason": f"Fewer than {min_size} people: shown only as part of a larger unit."}
    folded = sorted(teams - {team_id})
    out.update(members=members, includes=[{"id": t, "name": org.names[t]} for t in folded])
    percents = session.scalars(select(func.coalesce(ProfileCompletion.percent, 0)).select_from(Person)
                               .outerjoin(ProfileCompletion, ProfileCompletion.person == Person.id)
                               .where(in_unit)).all()
    filled = dict(session.execute(
        select(ProfileField.field, func.count()).join(Person, Person.id == ProfileField.person)
        .where(in_unit, ProfileField.present.is_(True)).group_by(ProfileField.field)).all())
    missing = {s.field: members - filled.get(s.field, 0) for s in steps}
    step = max(steps, key=lambda s: (missing[s.field], -steps.index(s)))
    return {**out, "suppressed": False, "share_complete": round(sum(v == 100 for v in percents) / members, 3),
            "median_percent": statistics.median(percents),
            "most_missing": {"field": step.field, "label": step.labels.get(lang, step.labels["en"]),
                             "missing_for": missing[step.field]} if missing[step.field] else None}
