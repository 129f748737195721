"""Ideas, the contributions that develop them, and the leaders' answers.

An adopted idea credits its author and everyone who built on it (``IdeaCredit``);
the notifications read model tells each of them. Of two answers the later event
time wins, so a retried older answer cannot overwrite a newer one.
"""
from __future__ import annotations

from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from consumers.base import ReadModel
from engagement.events import Event, utc_naive
from engagement.models import AbuseReport, Contribution, Idea, IdeaCredit


class Ideas(ReadModel):
    name = "ideas"
    tables = (Idea, Contribution, IdeaCredit, AbuseReport)

    def __init__(self, edit_window: int = 900) -> None:
        self.handlers = {"idea.submitted": submitted, "idea.contributed": contributed,
                         "idea.answered": answered, "idea.adopted": partial(answered, status="adopted"),
                         "idea.edited": partial(edited, window=edit_window),
                         "contribution.edited": partial(edited, window=edit_window),
                         "content.reported": reported, "content.moderated": moderated}


def submitted(session: Session, event: Event) -> None:
    if session.get(Idea, event.target.id) is None:
        session.add(Idea(id=event.target.id, campaign_id=event.data.get("campaign_id"), author=event.actor,
                         title=event.data["title"], text=event.data.get("text", ""),
                         submitted_at=utc_naive(event.time), status="new"))


def contributed(session: Session, event: Event) -> None:
    contribution_id = event.data["contribution_id"]
    if session.get(Contribution, contribution_id) is None:
        session.add(Contribution(id=contribution_id, idea_id=event.target.id, author=event.actor,
                                 text=event.data["text"], contributed_at=utc_naive(event.time)))


def answered(session: Session, event: Event, status: str | None = None) -> None:
    idea = session.get(Idea, event.target.id)
    if idea is None:
        raise LookupError(f"an answer to unknown idea {event.target.id!r}")
    moment = utc_naive(event.time)
    if idea.answered_at is not None and idea.answered_at > moment:
        return
    idea.status = status or event.data["status"]
    idea.answer = event.data.get("note") or None
    idea.answered_by, idea.answered_at = event.actor, moment
    if idea.status == "adopted":
        _credit(session, idea, moment)


def _credit(session: Session, idea: Idea, moment) -> None:
    credited = {idea.author: "author"}
    for author in session.scalars(select(Contribution.author).where(Contribution.idea_id == idea.id)):
        credited.setdefault(author, "contributor")
    for person, role in credited.items():
        if session.get(IdeaCredit, (idea.id, person)) is None:
            session.add(IdeaCredit(idea_id=idea.id, person=person, role=role, credited_at=moment))


def edited(session: Session, event: Event, window: int) -> None:
    """The author's edit within the window; anything else is ignored (the API refuses it too)."""
    model = Idea if event.type == "idea.edited" else Contribution
    item = session.get(model, event.target.id)
    if item is None:
        raise LookupError(f"an edit of unknown {event.target.kind} {event.target.id!r}")
    created = item.submitted_at if model is Idea else item.contributed_at
    moment = utc_naive(event.time)
    if item.author != event.actor or (moment - created).total_seconds() > window:
        return
    if item.edited_at is not None and item.edited_at > moment:
        return
    if model is Idea and "title" in event.data:
        item.title = event.data["title"]
    if "text" in event.data:
        item.text = event.data["text"]
    item.edited_at = moment


def reported(session: Session, event: Event) -> None:
    """No pre-moderation: a report hides the item until an admin decides; restored items stay up."""
    session.add(AbuseReport(event_id=event.id, target_kind=event.target.kind, target_id=event.target.id,
                            reporter=event.actor, reason=event.data.get("reason", ""),
                            reported_at=utc_naive(event.time)))
    item = _item(session, event)
    if item is not None and item.visibility == "visible":
        item.visibility = "hidden"


def moderated(session: Session, event: Event) -> None:
    decision = event.data["decision"]
    item = _item(session, event)
    if item is not None:
        item.visibility = decision
    for report in session.scalars(select(AbuseReport).where(
            AbuseReport.target_kind == event.target.kind, AbuseReport.target_id == event.target.id,
            AbuseReport.decision.is_(None))):
        report.decision = decision


def _item(session: Session, event: Event):
    return session.get(Idea if event.target.kind == "idea" else Contribution, event.target.id)
