"""Query parameters that page or limit an answer, each bounded, for the views and the OpenAPI document.

Unknown parameters are left to the view (``person``, ``lang`` and the like are read there);
what is declared here is validated here, so a view never parses a number by hand.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from engagement.schemas.patterns import MONTH_HELP, MONTH_PATTERN, FullMatch, Whole

MAX_PAGE = 10_000


class Query(Schema):
    class Meta:
        unknown = EXCLUDE


class FeedQuery(Query):
    page = Whole(1, MAX_PAGE, load_default=1)
    per_page = Whole(1, 100, load_default=20)


CAMPAIGN_STATUSES = ("open", "closed", "archived")


class CampaignListQuery(Query):
    """A misspelt status must not read as "there are none": it is named, not matched against nothing."""
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES, error="One of open, closed or archived."),
                           metadata={"description": "Only campaigns with this status."})
    page = Whole(1, MAX_PAGE, load_default=1)
    per_page = Whole(1, 100, load_default=50)


class IdeaListQuery(Query):
    """A campaign's ideas: the first page by support is what the widget shows."""
    sort = fields.String(validate=validate.OneOf(("support", "newest"), error="Must be support or newest."),
                         load_default="support")
    page = Whole(1, MAX_PAGE, load_default=1)
    per_page = Whole(1, 100, load_default=100)


class ReportQueueQuery(Query):
    page = Whole(1, MAX_PAGE, load_default=1)
    per_page = Whole(1, 500, load_default=100)


class LeaderboardQuery(Query):
    n = Whole(1, 50, load_default=10, metadata={"description": "How many places."})


class TrendQuery(Query):
    months = Whole(1, 36, load_default=12)
    until = fields.String(validate=FullMatch(MONTH_PATTERN, error=MONTH_HELP),
                          metadata={"description": "The last month (YYYY-MM); default: this month."})


class AuditQuery(Query):
    limit = Whole(1, 1000, load_default=100)
