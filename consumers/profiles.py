"""Profile completion: which profile fields each person has filled in, and the percentage.

Field values are not kept, only whether each is filled in; the latest event time
wins per field. The percentage follows the configured checklist, so changing the
checklist and running ``engagement replay profiles`` recomputes everyone.

Batch-first: a batch reads its people's fields in one query, applies every event to plain
tuples in memory, and writes the fields it changed, its people's percentages and the milestones
reached in one statement (engagement/bulk.py ``Writes``), whatever its size. Whether someone
reached 100 % before is read only for those who reach it in the batch (rare), at its end.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from engagement import bulk
from engagement.bulk import where_keys
from engagement.events import Event, EventType, utc_naive
from engagement.profiles.checklist import EMPTY, Step
from engagement.profiles.model import ProfileCompletion, ProfileField, ProfileMilestone

from .base import Batch, Pairs, ReadModel
from .notifications import milestone_groups, write_groups

FieldState = tuple[bool, datetime]  # (present, updated_at): what a field row holds


def _latest_wins(table: Any, offered: Any) -> dict[str, Any]:
    """A stored field takes the offered state unless the stored one is newer (the rule the batch
    applied in memory; said again in the statement, so no older state can ever overwrite)."""
    newer = offered.updated_at >= table.updated_at
    return {"present": case((newer, offered.present), else_=table.present),
            "updated_at": case((newer, offered.updated_at), else_=table.updated_at)}


def _percent_offered(_table: Any, offered: Any) -> dict[str, Any]:
    return {"percent": offered.percent}


class ProfileRows(Batch):
    """The batch's people's fields (as ``(present, updated_at)``), loaded in one query; what the
    batch changes is kept beside them and written once."""

    def __init__(self, session: Session, batch: Pairs, steps: tuple[Step, ...], zone: ZoneInfo):
        super().__init__(session, batch)
        self.zone = zone
        self.weights = {step.field: step.weight for step in steps}
        self.fields: dict[str, dict[str, FieldState]] = {}  # by person, then field
        self.reached: dict[str, datetime] = {}  # by person: when the batch first saw 100 %
        self.changed: set[tuple[str, str]] = set()  # (person, field) to write
        self.percents: dict[str, int] = {}  # by person, after the batch

    def load(self) -> None:
        people = sorted({event.actor for event in self.events})
        keys = [(person,) for person in people]
        query = select(ProfileField.person, ProfileField.field, ProfileField.present, ProfileField.updated_at)
        for person, field, present, updated_at in self.session.execute(
                where_keys(self.session, query, [ProfileField.person], keys)):
            self.fields.setdefault(person, {})[field] = (present, updated_at)

    def percent(self, fields: dict[str, FieldState]) -> int:
        """The checklist's percentage of the fields filled in (checklist.progress's sum)."""
        return sum(weight for field, weight in self.weights.items() if field in fields and fields[field][0])

    def write(self) -> None:
        milestones = self.milestones()  # read before any write (on SQLite each write goes at once)
        writes = bulk.Writes(self.session)
        writes.add(ProfileField, [{"person": person, "field": field, "present": self.fields[person][field][0],
                                   "updated_at": self.fields[person][field][1]}
                                  for person, field in sorted(self.changed)],
                   ("person", "field"), _latest_wins)
        writes.add(ProfileCompletion, [{"person": person, "percent": percent}
                                       for person, percent in sorted(self.percents.items())],
                   ("person",), _percent_offered)
        writes.add(ProfileMilestone, milestones, ("person", "reached_at"))
        writes.send()
        if milestones:  # the person hears of it (consumers/notifications.py says why it is written here too)
            write_groups(self.session, milestone_groups(milestones, self.zone))

    def milestones(self) -> list[dict[str, Any]]:
        """100 % is recognised once, however often re-reached: the batch's first time, for those
        without a milestone stored (one query, and only when someone reached 100 %)."""
        if not self.reached:
            return []
        before = set(self.session.scalars(where_keys(self.session, select(ProfileMilestone.person),
                                                     [ProfileMilestone.person], [(p,) for p in sorted(self.reached)])))
        return [{"person": person, "reached_at": moment} for person, moment in sorted(self.reached.items())
                if person not in before]


class Profiles(ReadModel[ProfileRows]):
    name = "profiles"
    tables = (ProfileField, ProfileCompletion, ProfileMilestone)

    def __init__(self, steps: tuple[Step, ...], timezone: str = "Europe/Oslo"):
        self.steps, self.zone = steps, ZoneInfo(timezone)
        self.handlers = {EventType.PROFILE_UPDATED: updated}

    def begin(self, session: Session, batch: Pairs) -> ProfileRows:
        return ProfileRows(session, batch, self.steps, self.zone)


def updated(rows: ProfileRows, event: Event) -> None:
    """Each field's latest state wins; the percentage follows, and 100 % is a milestone once."""
    person, moment = event.actor, utc_naive(event.time)
    fields = rows.fields.setdefault(person, {})
    for field, value in event.data["fields"].items():
        stored = fields.get(field)
        if stored is None or stored[1] <= moment:
            fields[field] = (value not in EMPTY, moment)
            rows.changed.add((person, field))
    percent = rows.percent(fields)
    if percent == 100:
        rows.reached.setdefault(person, moment)
    rows.percents[person] = percent
