"""Profile completion: which profile fields each person has filled in, and the percentage.

Field values are not kept, only whether each is filled in; the latest event time
wins per field. The percentage follows the configured checklist, so changing the
checklist and running ``engagement replay profiles`` recomputes everyone.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.consumers.base import ReadModel
from engagement.profiles.checklist import Step, progress
from engagement.events import Event, utc_naive
from engagement.profiles.model import ProfileCompletion, ProfileField, ProfileMilestone

EMPTY = (None, "", [], {})


class Profiles(ReadModel):
    name = "profiles"
    tables = (ProfileField, ProfileCompletion, ProfileMilestone)

    def __init__(self, steps: tuple[Step, ...]):
        self.steps = steps
        self.handlers = {"profile.updated": self.updated}

    def updated(self, session: Session, event: Event) -> None:
        person, moment = event.actor, utc_naive(event.time)
        for field, value in event.data["fields"].items():
            row = session.get(ProfileField, (person, field))
            if row is None:
                session.add(ProfileField(person=person, field=field, present=value not in EMPTY, updated_at=moment))
            elif row.updated_at <= moment:
                row.present, row.updated_at = value not in EMPTY, moment
        session.flush()
        present = set(session.scalars(select(ProfileField.field).where(
            ProfileField.person == person, ProfileField.present.is_(True))))
        percent = progress(self.steps, present)["percent"]
        completion = session.get(ProfileCompletion, person)
        if percent == 100 and session.scalar(select(ProfileMilestone.person).where(
                ProfileMilestone.person == person)) is None:  # recognised once, however often re-reached
            session.add(ProfileMilestone(person=person, reached_at=moment))
        if completion is None:
            session.add(ProfileCompletion(person=person, percent=percent))
        else:
            completion.percent = percent
