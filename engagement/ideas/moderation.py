"""The review queue: reported ideas and contributions, hidden until a moderator decides.

Decisions are events (``content.moderated``, restored or removed) sent with an API key
that has ``moderation:manage``, so replay reproduces them."""
from __future__ import annotations

from sqlalchemy import select

from engagement.auth import ADMIN_ROLE, Principal
from engagement.directory.model import Person, Team
from engagement.ideas.model import AbuseReport, Campaign, Contribution, Idea
from engagement.schemas.ideas import ReportQueueQuery, ReportQueueSchema
from engagement.state import state
from engagement.web.requests import Blueprint, guarded

blp = Blueprint("moderation", __name__)


def _moderator(who: Principal) -> None:
    """A key with moderation:manage, or the operator's token (admin) reading the queue in the console."""
    if not (who.is_user and ADMIN_ROLE in who.roles):
        who.require("moderation:manage")


@blp.route("/v1/moderation/reports")
@guarded(_moderator)
@blp.arguments(ReportQueueQuery, location="query")
@blp.response(200, ReportQueueSchema)
def open_reports(args: dict):
    """Reported items awaiting a decision, a page at a time (moderation:manage, or admin)

    Reports without a decision yet, oldest first (?page=1&per_page=100), and per item on the page
    how many distinct people reported it: items below the hiding threshold stay up, so moderators
    see them here."""
    open_ = select(AbuseReport).where(AbuseReport.decision.is_(None))
    rows = list(state().db.session.scalars(open_.order_by(AbuseReport.reported_at, AbuseReport.event_id)
                                           .offset((args["page"] - 1) * args["per_page"])
                                           .limit(args["per_page"] + 1)))
    more, rows = len(rows) > args["per_page"], rows[:args["per_page"]]
    return {"reports": [{"target": {"kind": r.target_kind, "id": r.target_id}, "reporter": r.reporter,
                         "reason": r.reason, "reported_at": r.reported_at.isoformat() + "Z"} for r in rows],
            "items": _items(rows, state().config["ENGAGEMENT_REPORTS_TO_HIDE"]),
            "page": args["page"], "per_page": args["per_page"], "more": more}


def _items(rows: list[AbuseReport], threshold: int) -> list[dict]:
    """Each item reported on this page once: its distinct reporters and their reasons among all open
    reports (not just this page's, so neither depends on where the page ends) and whether it is hidden now."""
    session = state().db.session()
    reporters: dict[tuple[str, str], set[str]] = {(r.target_kind, r.target_id): set() for r in rows}
    reasons: dict[tuple[str, str], list[str]] = {target: [] for target in reporters}
    for kind in {k for k, _ in reporters}:
        ids = [i for k, i in reporters if k == kind]
        for r in session.scalars(select(AbuseReport).where(AbuseReport.decision.is_(None),
                                                           AbuseReport.target_kind == kind,
                                                           AbuseReport.target_id.in_(ids))
                                 .order_by(AbuseReport.reported_at, AbuseReport.event_id)):
            reporters[(r.target_kind, r.target_id)].add(r.reporter)
            if r.reason and r.reason not in reasons[(r.target_kind, r.target_id)]:
                reasons[(r.target_kind, r.target_id)].append(r.reason)
    hidden = {kind: set(session.scalars(select(model.id).where(
        model.id.in_([i for k, i in reporters if k == kind]), model.visibility == "hidden")))
        for kind, model in (("idea", Idea), ("contribution", Contribution))}
    content = _content(session, reporters)
    return [{"target": {"kind": kind, "id": target_id}, "reporters": len(people),
             "hidden": target_id in hidden.get(kind, ()), "reports_to_hide": threshold,
             "reasons": reasons.get((kind, target_id), []), "content": content.get((kind, target_id))}
            for (kind, target_id), people in reporters.items()]


def _content(session, targets) -> dict[tuple[str, str], dict]:
    """What a moderator decides on, instead of ids: the words themselves, who wrote them in which
    team, when, and the idea and campaign they belong to (a few queries per page, not per item)."""
    ideas = {i.id: i for i in session.scalars(select(Idea).where(
        Idea.id.in_([t for k, t in targets if k == "idea"])))}
    contributions = {c.id: c for c in session.scalars(select(Contribution).where(
        Contribution.id.in_([t for k, t in targets if k == "contribution"])))}
    ideas |= {i.id: i for i in session.scalars(select(Idea).where(
        Idea.id.in_({c.idea_id for c in contributions.values()} - set(ideas))))}
    campaigns = dict(session.execute(select(Campaign.id, Campaign.question).where(
        Campaign.id.in_({i.campaign_id for i in ideas.values() if i.campaign_id})))
        .all())
    authors = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_({x.author for x in [*ideas.values(), *contributions.values()]})))}
    teams = dict(session.execute(select(Team.id, Team.name).where(
        Team.id.in_({p.team_id for p in authors.values() if p.team_id}))).all())

    def described(text: str, author: str, at, idea: Idea | None, title: str | None) -> dict:
        person = authors.get(author)
        return {"title": title, "text": text, "author": person.name if person else None,
                "team": teams.get(person.team_id) if person and person.team_id else None,
                "written_at": at.isoformat(timespec="seconds") + "Z" if at else None,
                "idea": idea.title if idea else None,
                "campaign": campaigns.get(idea.campaign_id) if idea and idea.campaign_id else None}

    out = {}
    for i in ideas.values():
        if ("idea", i.id) in targets:
            out[("idea", i.id)] = described(i.text, i.author, i.submitted_at, i, i.title)
    for c in contributions.values():
        out[("contribution", c.id)] = described(c.text, c.author, c.contributed_at, ideas.get(c.idea_id), None)
    return out
