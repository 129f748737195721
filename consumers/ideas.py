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
from engagement.models import Contribution, Idea, IdeaCredit


class Ideas(ReadModel):
    name = "ideas"
    tables = (Idea, Contribution, IdeaCredit)

    def __init__(self) -> None:
        self.handlers = {"idea.submitted": submitted, "idea.contributed": contributed,
                         "idea.answered": answered, "idea.adopted": partial(answered, status="adopted")}


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
