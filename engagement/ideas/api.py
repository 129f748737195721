"""Idea campaigns: open one (leaders), read it with its ideas, close it, and a leaders' summary."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, jsonify, request
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from engagement.web.requests import cached, json_body, leader_or, principal, query, viewer_for
from engagement.errors import EngagementError, Forbidden, ValidationFailed
from engagement.state import state
from engagement.ideas.model import Campaign
from engagement.ideas import service as campaigns
from engagement.ledger.service import flatten
from engagement.schemas.api import CampaignCreateSchema, CampaignUpdateSchema
from engagement.schemas.query import CampaignListQuery, IdeaListQuery


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/campaigns", "create_campaign", create_campaign, methods=["POST"])
    bp.add_url_rule("/v1/campaigns", "list_campaigns", list_campaigns)
    bp.add_url_rule("/v1/campaigns/<campaign_id>", "get_campaign", get_campaign)
    bp.add_url_rule("/v1/campaigns/<campaign_id>", "update_campaign", update_campaign, methods=["PATCH"])
    bp.add_url_rule("/v1/campaigns/<campaign_id>/summary", "campaign_summary", campaign_summary)


def create_campaign():
    """A leader asks a question."""
    who = leader_or(principal(), "awards:manage")
    fields = _load(CampaignCreateSchema())
    campaign = campaigns.create(state().db.session, fields, who.name)
    return jsonify(campaigns.describe(campaign, _now())), 201


def list_campaigns():
    """Campaigns, newest first, a page at a time; ?status=open|closed|archived&page=1&per_page=50.
    The status is computed (an open campaign past its closing date reads as closed), so the filter
    runs on the described rows."""
    principal()
    args = query(CampaignListQuery())
    rows = state().db.session.scalars(select(Campaign).order_by(Campaign.created_at.desc())).all()
    described = [c for c in (campaigns.describe(c, _now()) for c in rows) if args.get("status") in (None, c["status"])]
    return cached(jsonify({"campaigns": _page(described, args), **_paging(described, args)}))


def get_campaign(campaign_id: str):
    """The question and a page of its ideas, by support (distinct colleagues who like them) or newest."""
    who = principal()
    args = query(IdeaListQuery())
    session = state().db.session
    campaign = _campaign(campaign_id)
    ideas = campaigns.ideas_of(session, campaign.id, args["sort"], viewer_for(who, request.args.get("viewer")))
    return cached(jsonify({"campaign": campaigns.describe(campaign, _now()), "ideas": _page(ideas, args),
                           **_paging(ideas, args)}))


def _page(rows: list, args: dict) -> list:
    start = (args["page"] - 1) * args["per_page"]
    return rows[start:start + args["per_page"]]


def _paging(rows: list, args: dict) -> dict:
    """Where this page is, and whether another follows: a client never has to guess from a short page."""
    return {"page": args["page"], "per_page": args["per_page"], "more": args["page"] * args["per_page"] < len(rows)}


def update_campaign(campaign_id: str):
    """Close, archive or reopen a campaign, or move its closing date."""
    who = leader_or(principal(), "awards:manage")
    campaign = _campaign(campaign_id)
    if who.is_user and who.name != campaign.owner:
        raise Forbidden("Only the leader who opened the campaign can change it.")
    campaigns.update(state().db.session, campaign, _load(CampaignUpdateSchema()))
    return jsonify(campaigns.describe(campaign, _now()))


def campaign_summary(campaign_id: str):
    """For leaders: ideas by support, participation, and the ideas still without an answer."""
    leader_or(principal(), "awards:manage", "reports:read")
    return cached(jsonify(campaigns.summary(state().db.session, _campaign(campaign_id), _now())))


def _campaign(campaign_id: str) -> Campaign:
    campaign = state().db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise EngagementError(f"No campaign {campaign_id!r}.", 404, "Not found")
    return campaign


def _load(schema: Schema) -> dict:
    try:
        return schema.load(json_body())
    except ValidationError as exc:
        raise ValidationFailed(flatten(exc.messages)) from exc


def _now() -> datetime:
    return datetime.now(timezone.utc)
