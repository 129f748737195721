"""Pulses' read model: how many answers gave each value to each statement, per pulse, team and
wording (``PulseTally``), how many answers each has (``PulseRespondents``), and, on pulses with
free text, the comments written beside the answers (``PulseComment``: no person, no time, keyed by
the answer's random event id).

It reads only ``pulse.answered`` events, which carry no person: the tallies cannot say whose an
answer was, and the reports (engagement/pulses/report.py) show them only from
ENGAGEMENT_MIN_GROUP_SIZE answers. Batch-first: a batch's counts are summed in memory and
written with one upsert per table that adds to what is there (``Deltas``), so no row is read
first; exact under redelivery because the runner claims each event id once (an answer the
outbox published twice after a crash has the same id). ``engagement replay pulses`` rebuilds it
from the ledger.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engagement.events import Event, EventType
from engagement.pulses.model import DONT_KNOW, WORDINGS, PulseComment, PulseRespondents, PulseTally
from engagement.pulses.seal import COMMENT_CHARS

from .base import Batch, Deltas, Pairs, ReadModel, insert_ignoring_duplicates

VALUES = frozenset(range(DONT_KNOW, 6))


class PulseRows(Batch):
    """The batch's additions to the tallies and the answer counts, written once each."""

    def __init__(self, session: Session, batch: Pairs):
        super().__init__(session, batch)
        self.tallies = Deltas(PulseTally, ("pulse_id", "team_id", "wording", "statement", "value"), ("count",))
        self.respondents = Deltas(PulseRespondents, ("pulse_id", "team_id", "wording"), ("answers",))
        self.comments: list[dict] = []

    def write(self) -> None:
        self.tallies.write(self.session)
        self.respondents.write(self.session)
        if self.comments:
            self.session.execute(insert_ignoring_duplicates(self.session, PulseComment), self.comments)


def answered(rows: PulseRows, event: Event) -> None:
    """One answer: a count for each statement's value, and one more answer for its team and wording."""
    team, wording, answers = event.data.get("team"), event.data.get("wording"), event.data.get("answers")
    if not isinstance(team, str) or wording not in WORDINGS or not isinstance(answers, dict):
        return  # not an answer this version can count (only Tillit publishes these)
    pulse = event.target.id
    for statement, value in answers.items():
        if isinstance(value, int) and not isinstance(value, bool) and value in VALUES:
            rows.tallies.at((pulse, team, wording, statement, value))["count"] += 1
    rows.respondents.at((pulse, team, wording))["answers"] += 1
    comment = event.data.get("comment")
    if isinstance(comment, str) and comment.strip():
        rows.comments.append({"id": event.id, "pulse_id": pulse, "team_id": team, "wording": wording,
                              "text": comment.strip()[:COMMENT_CHARS]})


class Pulses(ReadModel[PulseRows]):
    name = "pulses"
    tables = (PulseTally, PulseRespondents, PulseComment)
    handlers = {EventType.PULSE_ANSWERED: answered}

    def begin(self, session: Session, batch: Pairs) -> PulseRows:
        return PulseRows(session, batch)
