"""Idea campaigns: a leader asks, people submit and build on ideas, the leader answers.

Campaigns are written directly (not as events) so that the API can refuse input for
a closed campaign at once. Ideas, contributions and answers are events; the ideas
read model keeps them, and support is the number of distinct colleagues who like
an idea (never its author, never raw clicks).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.db import utcnow
from engagement.directory.model import Person
from engagement.errors import EngagementError, FieldError
from engagement.events import Event, utc_naive
from engagement.ideas.model import Campaign, Contribution, Idea
from engagement.recognition.model import LikeState

VISIBLE = ("visible", "restored")


class CampaignClosed(EngagementError):
    def __init__(self, errors: list[FieldError]):
        super().__init__("The campaign is not open for input; nothing was accepted.", 409,
                         "Campaign closed", errors)


def is_open(campaign: Campaign, now: datetime) -> bool:
    return campaign.status == "open" and (campaign.closes_at is None or utc_naive(now) < campaign.closes_at)


def refuse_closed(session: Session, events: list[Event], now: datetime, batch: bool) -> None:
    """Ideas and contributions for a campaign that is closed, archived or unknown are refused."""
    errors = []
    for index, event in enumerate(events):
        campaign_id = _campaign_of(session, event)
        if campaign_id is None:
            continue
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            errors.append(FieldError("data.campaign_id", f"No campaign {campaign_id!r}.", index if batch else None))
        elif not is_open(campaign, now):
            errors.append(FieldError("data.campaign_id", f"Campaign {campaign_id!r} is closed.",
                                     index if batch else None))
    if errors:
        raise CampaignClosed(errors)


def refuse_foreign_or_late_edits(session: Session, events: list[Event], window: int, batch: bool) -> None:
    """Only the author edits, and only within ``window`` seconds of when the service received the
    item, counted to when it received the edit: the client's ``time`` could be back-dated (the
    ideas consumer checks again)."""
    errors = []
    for index, event in enumerate(events):
        item = editable(session, event)
        if item is None:
            continue
        author, created = item
        if author != event.actor:
            raise EngagementError("Only the author may edit it.", 403, "Forbidden")
        if (utc_naive(event.received_at or event.time) - created).total_seconds() > window:
            errors.append(FieldError("time", f"Edits are possible for {window // 60} minutes after submitting.",
                                     index if batch else None))
    if errors:
        raise EngagementError("The edit window has passed; nothing was accepted.", 409, "Edit window passed", errors)


def editable(session: Session, event: Event) -> tuple[str, datetime] | None:
    """(author, created) of what an edit event changes, when it is known."""
    if event.type == "idea.edited":
        idea = session.get(Idea, event.target.id)
        return (idea.author, idea.received_at or idea.submitted_at) if idea else None
    if event.type == "contribution.edited":
        c = session.get(Contribution, event.target.id)
        return (c.author, c.received_at or c.contributed_at) if c else None
    return None


def _campaign_of(session: Session, event: Event) -> str | None:
    if event.type == "idea.submitted":
        return event.data.get("campaign_id")
    if event.type == "idea.contributed":
        idea = session.get(Idea, event.target.id)
        return event.data.get("campaign_id") or (idea.campaign_id if idea else None)
    return None


def create(session: Session, fields: dict[str, Any], owner: str) -> Campaign:
    campaign_id = fields.get("id") or _slug(fields["question"])
    if session.get(Campaign, campaign_id) is not None:
        raise EngagementError(f"A campaign {campaign_id!r} exists already.", 409, "Conflict",
                              [FieldError("id", "Taken.")])
    campaign = Campaign(id=campaign_id, question=fields["question"], description=fields.get("description", ""),
                        team_id=fields.get("team"), owner=owner, status="open",
                        closes_at=utc_naive(fields["closes_at"]) if fields.get("closes_at") else None)
    session.add(campaign)
    session.commit()
    return campaign


def update(session: Session, campaign: Campaign, fields: dict[str, Any]) -> Campaign:
    if "status" in fields:
        campaign.status = fields["status"]
    if "closes_at" in fields:
        campaign.closes_at = utc_naive(fields["closes_at"]) if fields["closes_at"] else None
    session.commit()
    return campaign


def _slug(text: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "campaign"
    return f"{base}-{utcnow():%Y%m%d%H%M%S}"


def describe(campaign: Campaign, now: datetime) -> dict[str, Any]:
    return {"id": campaign.id, "question": campaign.question, "description": campaign.description,
            "team": campaign.team_id, "owner": campaign.owner,
            "status": campaign.status if is_open(campaign, now) or campaign.status != "open" else "closed",
            "closes_at": campaign.closes_at.isoformat() + "Z" if campaign.closes_at else None}


def support(session: Session, ideas: Sequence[Idea]) -> dict[str, tuple[int, int]]:
    """Per idea: distinct colleagues who like it now (never its author), and all its likes."""
    if not ideas:
        return {}
    authors = {idea.id: idea.author for idea in ideas}
    rows = session.execute(select(LikeState.target_id, LikeState.person).where(
        LikeState.target_kind == "idea", LikeState.target_id.in_(list(authors)), LikeState.liked.is_(True)))
    colleagues = {idea_id: 0 for idea_id in authors}
    likes = dict(colleagues)
    for idea_id, person in rows:
        likes[idea_id] += 1
        colleagues[idea_id] += person != authors[idea_id]
    return {idea_id: (colleagues[idea_id], likes[idea_id]) for idea_id in authors}


def ideas_of(session: Session, campaign_id: str, sort: str, viewer: str | None) -> list[dict[str, Any]]:
    ideas = session.scalars(select(Idea).where(Idea.campaign_id == campaign_id,
                                               Idea.visibility.in_(VISIBLE))).all()
    backing = support(session, ideas)
    contributions: dict[str, list[Contribution]] = {}
    for c in session.scalars(select(Contribution).where(Contribution.idea_id.in_([i.id for i in ideas]),
                                                        Contribution.visibility.in_(VISIBLE))
                             .order_by(Contribution.contributed_at, Contribution.id)):
        contributions.setdefault(c.idea_id, []).append(c)
    names = _names(session, {i.author for i in ideas} | {c.author for cs in contributions.values() for c in cs}
                   | {i.answered_by for i in ideas if i.answered_by})
    liked = _liked(session, viewer, [i.id for i in ideas])
    out = [_idea(i, backing[i.id], contributions.get(i.id, []), names, i.id in liked) for i in ideas]
    if sort == "newest":
        return sorted(out, key=lambda i: (i["submitted_at"], i["id"]), reverse=True)
    return sorted(out, key=lambda i: (-i["support"], i["submitted_at"], i["id"]))


def _idea(idea: Idea, backing: tuple[int, int], contributions: list[Contribution], names: dict[str, str],
          liked: bool) -> dict[str, Any]:
    return {"id": idea.id, "title": idea.title, "text": idea.text, "author": idea.author,
            "author_name": names.get(idea.author, idea.author), "submitted_at": idea.submitted_at.isoformat() + "Z",
            "status": idea.status, "answer": idea.answer,
            "answered_by": names.get(idea.answered_by or "", idea.answered_by),
            "support": backing[0], "likes": backing[1], "liked_by_me": liked,
            "edited": idea.edited_at is not None,
            "contributions": [{"id": c.id, "author": c.author, "author_name": names.get(c.author, c.author),
                               "text": c.text, "contributed_at": c.contributed_at.isoformat() + "Z"}
                              for c in contributions]}


def _names(session: Session, people: set[str]) -> dict[str, str]:
    if not people:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(people))).all())


def _liked(session: Session, viewer: str | None, idea_ids: list[str]) -> set[str]:
    if not viewer or not idea_ids:
        return set()
    return set(session.scalars(select(LikeState.target_id).where(
        LikeState.target_kind == "idea", LikeState.person == viewer, LikeState.target_id.in_(idea_ids),
        LikeState.liked.is_(True))))


def summary(session: Session, campaign: Campaign, now: datetime) -> dict[str, Any]:
    """For leaders: ideas by support, how many people and teams took part, what is unanswered."""
    ideas = ideas_of(session, campaign.id, "support", None)
    people = {i["author"] for i in ideas} | {c["author"] for i in ideas for c in i["contributions"]}
    people |= set(session.scalars(select(LikeState.person).where(
        LikeState.target_kind == "idea", LikeState.target_id.in_([i["id"] for i in ideas]),
        LikeState.liked.is_(True))))
    teams = session.scalar(select(func.count(func.distinct(Person.team_id))).where(
        Person.id.in_(people), Person.team_id.is_not(None))) if people else 0
    return {"campaign": describe(campaign, now), "participants": len(people), "teams": teams or 0,
            "ideas": [{"id": i["id"], "title": i["title"], "support": i["support"], "status": i["status"],
                       "contributions": len(i["contributions"])} for i in ideas],
            "unanswered": [i["id"] for i in ideas if i["status"] == "new"]}
