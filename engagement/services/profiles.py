"""Reading profile completion: one person's progress, and a unit's summary for communications staff.

A unit's summary counts every active member from the directory (people who never
touched their profile count as 0 %), and is withheld for groups smaller than
ENGAGEMENT_MIN_GROUP_SIZE so nobody can be singled out.
"""
from __future__ import annotations

import statistics
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.checklist import Step, progress
from engagement.models import Person, ProfileCompletion, ProfileField, Team


def person_progress(session: Session, steps: tuple[Step, ...], person: str, lang: str) -> dict:
    present = set(session.scalars(select(ProfileField.field).where(
        ProfileField.person == person, ProfileField.present.is_(True))))
    return {"person": person, **progress(steps, present, lang)}


def unit_members(session: Session, team_id: str, subunits: bool) -> list[str]:
    teams = {team_id}
    if subunits:
        children: dict[str | None, list[str]] = {}
        for tid, parent in session.execute(select(Team.id, Team.parent_id)):
            children.setdefault(parent, []).append(tid)
        frontier = [team_id]
        while frontier:
            frontier = [c for t in frontier for c in children.get(t, []) if c not in teams]
            teams.update(frontier)
    return list(session.scalars(select(Person.id).where(Person.team_id.in_(teams), Person.active.is_(True))))


def unit_summary(session: Session, steps: tuple[Step, ...], team_id: str, subunits: bool,
                 min_size: int, lang: str) -> dict:
    members = unit_members(session, team_id, subunits)
    out = {"team": team_id, "subunits": subunits, "members": len(members)}
    if len(members) < min_size:
        return {**out, "suppressed": True,
                "reason": f"Fewer than {min_size} people: shown only as part of a larger unit."}
    percents = dict(session.execute(select(ProfileCompletion.person, ProfileCompletion.percent).where(
        ProfileCompletion.person.in_(members))).all())
    values = [percents.get(p, 0) for p in members]
    present: dict[str, set[str]] = {p: set() for p in members}
    for person, field in session.execute(select(ProfileField.person, ProfileField.field).where(
            ProfileField.person.in_(members), ProfileField.present.is_(True))):
        present[person].add(field)
    missing = Counter(s.field for p in members for s in steps if s.field not in present[p])
    step = next((s for s in steps if missing and s.field == missing.most_common(1)[0][0]), None)
    return {**out, "suppressed": False, "share_complete": round(sum(v == 100 for v in values) / len(values), 3),
            "median_percent": statistics.median(values),
            "most_missing": {"field": step.field, "label": step.labels.get(lang, step.labels["en"]),
                             "missing_for": missing[step.field]} if step else None}
