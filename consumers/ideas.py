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

from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.consumers.base import ReadModel
from engagement.bus.base import Record
from engagement.parking import Missing
from engagement.events import Event, utc_naive
from engagement.ideas.model import AbuseReport, Contribution, Idea, IdeaCredit


class Ideas(ReadModel):
    name = "ideas"
    tables = (Idea, Contribution, IdeaCredit, AbuseReport)

    def __init__(self, edit_window: int = 900, reports_to_hide: int = 3) -> None:
        hide = partial(hide_if_reported, threshold=reports_to_hide)
        self.handlers = {"idea.submitted": submitted, "idea.contributed": contributed,
                         "idea.answered": answered, "idea.adopted": partial(answered, status="adopted"),
                         "idea.edited": partial(edited, window=edit_window),
                         "contribution.edited": partial(edited, window=edit_window),
                         "content.reported": partial(reported, hide=hide), "content.moderated": moderated}

    def apply(self, session: Session, batch: list[tuple[Event, Record]]) -> None:
        super().apply(session, batch)
        credit_late(session, {e.target.id for e, _ in batch if e.type == "idea.contributed"})

    def provides(self, event: Event) -> str | None:
        if event.type == "idea.submitted":
            return f"idea:{event.target.id}"
        if event.type == "idea.contributed":
            return f"contribution:{event.data['contribution_id']}"
        return None


def received(event: Event):
    """When the service took the event in; the client's own time for events from before that."""
    return utc_naive(event.received_at or event.time)


def submitted(session: Session, event: Event) -> None:
    if session.get(Idea, event.target.id) is None:
        session.add(Idea(id=event.target.id, campaign_id=event.data.get("campaign_id"), author=event.actor,
                         title=event.data["title"], text=event.data.get("text", ""), visibility="visible",
                         submitted_at=utc_naive(event.time), received_at=received(event), status="new"))


def contributed(session: Session, event: Event) -> None:
    contribution_id = event.data["contribution_id"]
    if session.get(Contribution, contribution_id) is None:
        item = Contribution(id=contribution_id, idea_id=event.target.id, author=event.actor, visibility="visible",
                            text=event.data["text"], contributed_at=utc_naive(event.time),
                            received_at=received(event))
        session.add(item)


def answered(session: Session, event: Event, status: str | None = None) -> None:
    idea = session.get(Idea, event.target.id)
    if idea is None:
        raise Missing(f"idea:{event.target.id}", f"an answer to idea {event.target.id!r} not seen yet")
    moment = utc_naive(event.time)
    if idea.answered_at is not None and idea.answered_at > moment:
        return
    idea.status = status or event.data["status"]
    idea.answer = event.data.get("note") or None
    idea.answered_by, idea.answered_at = event.actor, moment
    if idea.status == "adopted":
        _credit(session, idea, moment)


def credit_late(session: Session, idea_ids: set[str]) -> None:
    """Contributions that arrive after their idea's adoption (a back-fill) are credited like
    those that came first, when they were made before it: one query per batch, not per event."""
    if idea_ids:
        for idea in session.scalars(select(Idea).where(Idea.id.in_(sorted(idea_ids)), Idea.status == "adopted")):
            _credit(session, idea, idea.answered_at)


def _credit(session: Session, idea: Idea, moment) -> None:
    """The author and everyone who built on the idea before it was adopted."""
    credited = {idea.author: "author"}
    for author in session.scalars(select(Contribution.author).where(Contribution.idea_id == idea.id,
                                                                    Contribution.contributed_at <= moment)):
        credited.setdefault(author, "contributor")
    for person, role in credited.items():
        if session.get(IdeaCredit, (idea.id, person)) is None:
            session.add(IdeaCredit(idea_id=idea.id, person=person, role=role, credited_at=moment))


def edited(session: Session, event: Event, window: int) -> None:
    """The author's edit within the window; anything else is ignored (the API refuses it too)."""
    model = Idea if event.type == "idea.edited" else Contribution
    item = session.get(model, event.target.id)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"an edit of {event.target.kind} {event.target.id!r} not seen yet")
    created = item.received_at or (item.submitted_at if model is Idea else item.contributed_at)
    moment = utc_naive(event.time)
    if item.author != event.actor or (received(event) - created).total_seconds() > window:
        return
    if item.edited_at is not None and item.edited_at > moment:
        return
    if model is Idea and "title" in event.data:
        item.title = event.data["title"]
    if "text" in event.data:
        item.text = event.data["text"]
    item.edited_at = moment


def reported(session: Session, event: Event, hide) -> None:
    """No pre-moderation, but enough distinct reporters hide the item until a moderator decides
    (one person cannot take a colleague's idea down alone); restored items stay up. A report
    for an item not seen yet waits for it (parked), so items need no look-up for reports."""
    item = _item(session, event)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"a report of {event.target.kind} {event.target.id!r} not seen yet")
    session.add(AbuseReport(event_id=event.id, target_kind=event.target.kind, target_id=event.target.id,
                            reporter=event.actor, reason=event.data.get("reason", ""),
                            reported_at=utc_naive(event.time)))
    session.flush()
    hide(session, event.target.kind, item)


def hide_if_reported(session: Session, kind: str, item, threshold: int) -> None:
    """Hide a visible item once ``threshold`` distinct people reported it and nobody decided yet."""
    if item.visibility != "visible":
        return
    reporters = session.scalar(select(func.count(func.distinct(AbuseReport.reporter))).where(
        AbuseReport.target_kind == kind, AbuseReport.target_id == item.id, AbuseReport.decision.is_(None)))
    if reporters >= threshold:
        item.visibility = "hidden"


def moderated(session: Session, event: Event) -> None:
    decision = event.data["decision"]
    item = _item(session, event)
    if item is None:
        raise Missing(f"{event.target.kind}:{event.target.id}",
                      f"a decision on {event.target.kind} {event.target.id!r} not seen yet")
    item.visibility = decision
    for report in session.scalars(select(AbuseReport).where(
            AbuseReport.target_kind == event.target.kind, AbuseReport.target_id == event.target.id,
            AbuseReport.decision.is_(None))):
        report.decision = decision


def _item(session: Session, event: Event):
    return session.get(Idea if event.target.kind == "idea" else Contribution, event.target.id)
