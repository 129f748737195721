"""Profile completion: which profile fields each person has filled in, and the percentage.

Field values are not kept, only whether each is filled in; the latest event time
wins per field. The percentage follows the configured checklist, so changing the
checklist and running ``engagement replay profiles`` recomputes everyone.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.events import Event, EventType, utc_naive
from engagement.profiles.checklist import EMPTY, Step, progress
from engagement.profiles.model import ProfileCompletion, ProfileField, ProfileMilestone

from .base import Batch, Pairs, ReadModel


class ProfileRows(Batch):
    """The batch's people's fields, completions and milestones, loaded in three queries; new rows
    join the session, changed ones are written by its flush."""

    def __init__(self, session: Session, batch: Pairs, steps: tuple[Step, ...]):
        super().__init__(session, batch)
        self.steps = steps
        self.fields: dict[str, dict[str, ProfileField]] = {}  # by person, then field
        self.completions: dict[str, ProfileCompletion] = {}
        self.reached: set[str] = set()

    def load(self) -> None:
        people = sorted({event.actor for event in self.events})
        for row in self.session.scalars(select(ProfileField).where(ProfileField.person.in_(people))):
            self.fields.setdefault(row.person, {})[row.field] = row
        self.completions = {c.person: c for c in self.session.scalars(
            select(ProfileCompletion).where(ProfileCompletion.person.in_(people)))}
        self.reached = set(self.session.scalars(select(ProfileMilestone.person).where(
            ProfileMilestone.person.in_(people))))

    def add(self, row):
        self.session.add(row)
        return row


class Profiles(ReadModel[ProfileRows]):
    name = "profiles"
    tables = (ProfileField, ProfileCompletion, ProfileMilestone)

    def __init__(self, steps: tuple[Step, ...]):
        self.steps = steps
        self.handlers = {EventType.PROFILE_UPDATED: updated}

    def begin(self, session: Session, batch: Pairs) -> ProfileRows:
        return ProfileRows(session, batch, self.steps)


def updated(rows: ProfileRows, event: Event) -> None:
    """Each field's latest state wins; the percentage follows, and 100 % is a milestone once."""
    person, moment = event.actor, utc_naive(event.time)
    fields = rows.fields.setdefault(person, {})
    for field, value in event.data["fields"].items():
        row = fields.get(field)
        if row is None:
            fields[field] = rows.add(ProfileField(person=person, field=field, present=value not in EMPTY,
                                                  updated_at=moment))
        elif row.updated_at <= moment:
            row.present, row.updated_at = value not in EMPTY, moment
    present = {field for field, row in fields.items() if row.present}
    percent = progress(rows.steps, present)["percent"]
    if percent == 100 and person not in rows.reached:  # recognised once, however often re-reached
        rows.reached.add(person)
        rows.add(ProfileMilestone(person=person, reached_at=moment))
    completion = rows.completions.get(person)
    if completion is None:
        rows.completions[person] = rows.add(ProfileCompletion(person=person, percent=percent))
    else:
        completion.percent = percent
