"""Idea campaigns: open one (leaders), read it with its ideas, close it, and a leaders' summary."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from engagement.auth import Principal
from engagement.errors import EngagementError, Forbidden
from engagement.ideas import service as campaigns
from engagement.ideas.model import Campaign
from engagement.schemas.ideas import (
    CampaignCreateSchema,
    CampaignListQuery,
    CampaignListSchema,
    CampaignPageSchema,
    CampaignSchema,
    CampaignUpdateSchema,
    IdeaListQuery,
)
from engagement.state import state
from engagement.web.requests import BODY, Blueprint, etagged, guarded, leader_or, principal, viewer_for

blp = Blueprint("ideas", __name__)


def _manager(who: Principal) -> None:
    leader_or(who, "awards:manage")


@blp.route("/v1/campaigns", methods=["POST"])
@guarded(_manager, *BODY)
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignSchema)
def create_campaign(fields: dict):
    """Open a campaign (a leader's token, or awards:manage)"""
    campaign = campaigns.create(state().db.session(), fields, principal().name)
    return campaigns.describe(campaign, _now())


@blp.route("/v1/campaigns")
@guarded()
@etagged
@blp.arguments(CampaignListQuery, location="query")
@blp.response(200, CampaignListSchema)
def list_campaigns(args: dict):
    """Campaigns, newest first, a page at a time

    ?status=open|closed|archived&page=1&per_page=50. The status is computed (an open campaign
    past its closing date reads as closed), so the filter runs on the described rows."""
    rows = state().db.session.scalars(select(Campaign).order_by(Campaign.created_at.desc())).all()
    described = [c for c in (campaigns.describe(c, _now()) for c in rows) if args.get("status") in (None, c["status"])]
    return {"campaigns": _page(described, args), **_paging(described, args)}


@blp.route("/v1/campaigns/<campaign_id>")
@guarded()
@etagged
@blp.arguments(IdeaListQuery, location="query")
@blp.response(200, CampaignPageSchema)
def get_campaign(args: dict, campaign_id: str):
    """The question and a page of its ideas by support or newest

    Support is the distinct colleagues who like an idea."""
    campaign = _campaign(campaign_id)
    viewer = viewer_for(principal(), args.get("viewer"))
    ideas = campaigns.ideas_of(state().db.session(), campaign.id, args["sort"], viewer)
    return {"campaign": campaigns.describe(campaign, _now()), "ideas": _page(ideas, args), **_paging(ideas, args)}


def _page(rows: list, args: dict) -> list:
    start = (args["page"] - 1) * args["per_page"]
    return rows[start:start + args["per_page"]]


def _paging(rows: list, args: dict) -> dict:
    """Where this page is, and whether another follows: a client never has to guess from a short page."""
    return {"page": args["page"], "per_page": args["per_page"], "more": args["page"] * args["per_page"] < len(rows)}


@blp.route("/v1/campaigns/<campaign_id>", methods=["PATCH"], endpoint="update_campaign")
@guarded(_manager, *BODY, 404)
@blp.arguments(CampaignUpdateSchema)
@blp.response(200, CampaignSchema)
def update_campaign(fields: dict, campaign_id: str):
    """Close, archive or reopen (the owner leader, or awards:manage)

    Or move its closing date."""
    who = principal()
    campaign = _campaign(campaign_id)
    if who.is_user and who.name != campaign.owner:
        raise Forbidden("Only the leader who opened the campaign can change it.")
    campaigns.update(state().db.session(), campaign, fields)
    return campaigns.describe(campaign, _now())


@blp.route("/v1/campaigns/<campaign_id>/summary")
@guarded(lambda who: leader_or(who, "awards:manage", "reports:read"), 404)
@etagged
@blp.response(200)
def campaign_summary(campaign_id: str):
    """For leaders: ideas by support, participation, unanswered ideas"""
    return campaigns.summary(state().db.session(), _campaign(campaign_id), _now())


def _campaign(campaign_id: str) -> Campaign:
    campaign = state().db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise EngagementError(f"No campaign {campaign_id!r}.", 404, "Not found")
    return campaign


def _now() -> datetime:
    return datetime.now(UTC)
