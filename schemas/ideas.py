"""Idea campaigns and the moderators' queue: what leaders send, and the lists' paging
(engagement/ideas/api.py, engagement/ideas/moderation.py)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from engagement.schemas.common import PageSchema, Query, ViewerQuery, paging
from engagement.schemas.events import IDENTIFIER

CAMPAIGN_STATUSES = ("open", "closed", "archived")


class CampaignCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(validate=IDENTIFIER, metadata={"description": "Default: made from the question."})
    question = fields.String(required=True, validate=validate.Length(1, 300))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    team = fields.String(load_default=None, allow_none=True, validate=IDENTIFIER,
                         metadata={"description": "The unit it is aimed at"})
    closes_at = fields.AwareDateTime(load_default=None, format="iso")


class CampaignUpdateSchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES))
    closes_at = fields.AwareDateTime(allow_none=True, format="iso")


class CampaignListQuery(Query):
    """A misspelt status must not read as "there are none": it is named, not matched against nothing."""
    page, per_page = paging(50, 100)
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES, error="One of open, closed or archived."),
                           metadata={"description": "Only campaigns with this status."})


class IdeaListQuery(ViewerQuery):
    """A campaign's ideas: the first page by support is what the widget shows."""
    page, per_page = paging(100, 100)
    sort = fields.String(validate=validate.OneOf(("support", "newest"), error="Must be support or newest."),
                         load_default="support")
    viewer = fields.String(metadata={"description": "With an API key that has events:write: whose "
                                                    "liked_by_me to answer (403 otherwise)"})


class ReportQueueQuery(Query):
    page, per_page = paging(100, 500)


class CampaignSchema(Schema):
    id = fields.String(required=True)
    question = fields.String(required=True)
    description = fields.String(required=True)
    team = fields.String(allow_none=True)
    owner = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "An open campaign past closes_at reads closed."})
    closes_at = fields.String(allow_none=True)


class CampaignListSchema(PageSchema):
    campaigns = fields.List(fields.Nested(CampaignSchema), required=True)


class CampaignPageSchema(PageSchema):
    campaign = fields.Nested(CampaignSchema, required=True)
    ideas = fields.List(fields.Dict(), required=True, metadata={
        "description": "Ideas with their support, contributions and answer"})


class ReportQueueSchema(PageSchema):
    reports = fields.List(fields.Dict(), required=True,
                          metadata={"description": "target, reporter, reason, reported_at"})
    items = fields.List(fields.Dict(), required=True, metadata={
        "description": "Each reported item on the page: target, reporters, hidden, reports_to_hide, the "
                       "reporters' reasons, and content (title, text, author and team by name, written_at, "
                       "and the idea and campaign it belongs to; null once the item is gone)"})
