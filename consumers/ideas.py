"""Ideas, the contributions that develop them, and the leaders' answers.

An adopted idea credits its author and everyone who built on it (``IdeaCredit``);
the notifications read model tells each of them. Of two answers the later event
time wins, so a retried older answer cannot overwrite a newer one.

Events may come in any order: an answer, edit or moderation decision for an idea or
contribution not seen yet, or a report of it, is parked (engagement/parking.py) and applied
when it arrives; a contribution to an idea adopted already is credited if it was made before
the adoption.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.events import Event, EventType, utc_naive
from engagement.ideas.model import AbuseReport, Contribution, Idea, IdeaCredit
from engagement.parking import Missing

from .base import Batch, Pairs, ReadModel


class IdeaRows(Batch):
    """The ideas and contributions a batch names, loaded in two queries; one it did not name (a
    parked event's, released by this batch) is looked up on first use. New ones join the maps."""

    def __init__(self, session: Session, batch: Pairs, edit_window: int,
                 reports_to_hide: int):
        super().__init__(session, batch)
        self.edit_window, self.reports_to_hide = edit_window, reports_to_hide
        self.items: dict[type, dict[str, Any]] = {Idea: {}, Contribution: {}}

    def load(self) -> None:
        ideas = {e.target.id for e in self.events if e.target.kind == "idea"}
        contributions = {e.target.id for e in self.events if e.target.kind == "contribution"}
        contributions |= {e.data["contribution_id"] for e in self.events if e.type == EventType.IDEA_CONTRIBUTED}
        models: tuple[tuple[Any, set[str]], ...] = ((Idea, ideas), (Contribution, contributions))
        for model, ids in models:
            found = {row.id: row for row in self.session.scalars(select(model).where(model.id.in_(sorted(ids))))}
            self.items[model] = {item_id: found.get(item_id) for item_id in ids}

    def get(self, model: type, item_id: str) -> Any:
        items = self.items[model]
        if item_id not in items:
            items[item_id] = self.session.get(model, item_id)
        return items[item_id]

    def add(self, item: Any) -> None:
        self.items[type(item)][item.id] = item
        self.session.add(item)

    def write(self) -> None:
        credit_late(self.session, {e.target.id for e in self.events if e.type == EventType.IDEA_CONTRIBUTED})


class Ideas(ReadModel[IdeaRows]):
    name = "ideas"
    tables = (Idea, Contribution, IdeaCredit, AbuseReport)

    def __init__(self, edit_window: int = 900, reports_to_hide: int = 3) -> None:
        self.edit_window, self.reports_to_hide = edit_window, reports_to_hide
        self.handlers = {EventType.IDEA_SUBMITTED: submitted, EventType.IDEA_CONTRIBUTED: contributed,
                         EventType.IDEA_ANSWERED: answered, EventType.IDEA_ADOPTED: adopted,
                         EventType.IDEA_EDITED: edited, EventType.CONTRIBUTION_EDITED: edited,
                         EventType.CONTENT_REPORTED: reported, EventType.CONTENT_MODERATED: moderated}

    def begin(self, session: Session, batch: Pairs) -> IdeaRows:
        return IdeaRows(session, batch, self.edit_window, self.reports_to_hide)

    def provides(self, event: Event) -> str | None:
        if event.type == EventType.IDEA_SUBMITTED:
            return f"idea:{event.target.id}"
        if event.type == EventType.IDEA_CONTRIBUTED:
            return f"contribution:{event.data['contribution_id']}"
        return None


def received(event: Event):
    """When the service took the event in; the client's own time for events from before that."""
    return utc_naive(event.received_at or event.time)


def submitted(rows: IdeaRows, event: Event) -> None:
    if rows.get(Idea, event.target.id) is None:
        rows.add(Idea(id=event.target.id, campaign_id=event.data.get("campaign_id"), author=event.actor,
                      title=event.data["title"], text=event.data.get("text", ""), visibility="visible",
                      submitted_at=utc_naive(event.time), received_at=received(event), status="new"))


def contributed(rows: IdeaRows, event: Event) -> None:
    contribution_id = event.data["contribution_id"]
    if rows.get(Contribution, contribution_id) is None:
        rows.add(Contribution(id=contribution_id, idea_id=event.target.id, author=event.actor, visibility="visible",
                              text=event.data["text"], contributed_at=utc_naive(event.time),
                              received_at=received(event)))


def answered(rows: IdeaRows, event: Event) -> None:
    _answer(rows, event, event.data["status"])


def adopted(rows: IdeaRows, event: Event) -> None:
    _answer(rows, event, "adopted")


def _answer(rows: IdeaRows, event: Event, status: str) -> None:
    """Of two answers the later event time wins."""
    idea = rows.get(Idea, event.target.id)
    if idea is None:
        raise Missing(f"idea:{event.target.id}", f"an answer to idea {event.target.id!r} not seen yet")
    moment = utc_naive(event.time)
    if idea.answered_at is not None and idea.answered_at > moment:
        return
    idea.status = status
    idea.answer = event.data.get("note") or None
    idea.answered_by, idea.answered_at = event.actor, moment
    if idea.status == "adopted":
        _credit(rows.session, idea, moment)


def credit_late(session: Session, idea_ids: set[str]) -> None:
    """Contributions that arrive after their idea's adoption (a back-fill) are credited like
    those that came first, when they were made before it: one query per batch, not per event."""
    if idea_ids:
        for idea in session.scalars(select(Idea).where(Idea.id.in_(sorted(idea_ids)), Idea.status == "adopted")):
            _credit(session, idea, idea.answered_at)


def _credit(session: Session, idea: Idea, moment) -> None:
    """The author and everyone who built on the idea before it was adopted."""
    session.flush()  # this batch's contributions and credits count too
    credited = {idea.author: "author"}
    for author in session.scalars(select(Contribution.author).where(Contribution.idea_id == idea.id,
                                                                    Contribution.contributed_at <= moment)):
        credited.setdefault(author, "contributor")
    for person, role in credited.items():
        if session.get(IdeaCredit, (idea.id, person)) is None:
            session.add(IdeaCredit(idea_id=idea.id, person=person, role=role, credited_at=moment))


def edited(rows: IdeaRows, event: Event) -> None:
    """The author's edit within the window; anything else is ignored (the API refuses it too)."""
    model = Idea if event.type == EventType.IDEA_EDITED else Contribution
    item = rows.get(model, event.target.id)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"an edit of {event.target.kind} {event.target.id!r} not seen yet")
    created = item.received_at or (item.submitted_at if model is Idea else item.contributed_at)
    moment = utc_naive(event.time)
    if item.author != event.actor or (received(event) - created).total_seconds() > rows.edit_window:
        return
    if item.edited_at is not None and item.edited_at > moment:
        return
    if model is Idea and "title" in event.data:
        item.title = event.data["title"]
    if "text" in event.data:
        item.text = event.data["text"]
    item.edited_at = moment


def reported(rows: IdeaRows, event: Event) -> None:
    """No pre-moderation, but enough distinct reporters hide the item until a moderator decides
    (one person cannot take a colleague's idea down alone); restored items stay up. A report
    for an item not seen yet waits for it (parked), so items need no look-up for reports."""
    item = _item(rows, event)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"a report of {event.target.kind} {event.target.id!r} not seen yet")
    rows.session.add(AbuseReport(event_id=event.id, target_kind=event.target.kind, target_id=event.target.id,
                                 reporter=event.actor, reason=event.data.get("reason", ""),
                                 reported_at=utc_naive(event.time)))
    rows.session.flush()
    hide_if_reported(rows.session, event.target.kind, item, rows.reports_to_hide)
def hide_if_reported(session: Session, kind: str, item, threshold: int) -> None:
    """Hide a visible item once ``threshold`` distinct people reported it and nobody decided yet."""
    if item.visibility != "visible":
        return
    reporters = session.scalar(select(func.count(func.distinct(AbuseReport.reporter))).where(
        AbuseReport.target_kind == kind, AbuseReport.target_id == item.id, AbuseReport.decision.is_(None)))
    if (reporters or 0) >= threshold:
        item.visibility = "hidden"


def moderated(rows: IdeaRows, event: Event) -> None:
    decision, session = event.data["decision"], rows.session
    item = _item(rows, event)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"a decision on {event.target.kind} {event.target.id!r} not seen yet")
    item.visibility = decision
    session.flush()  # reports earlier in this batch are decided too
    for report in session.scalars(select(AbuseReport).where(
            AbuseReport.target_kind == event.target.kind, AbuseReport.target_id == event.target.id,
            AbuseReport.decision.is_(None))):
        report.decision = decision


def _item(rows: IdeaRows, event: Event) -> Any:
    return rows.get(Idea if event.target.kind == "idea" else Contribution, event.target.id)
