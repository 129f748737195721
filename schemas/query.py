"""Query parameters that page or limit an answer, each bounded, for the views and the OpenAPI document.

Unknown parameters are left to the view (``person``, ``lang`` and the like are read there);
what is declared here is validated here, so a view never parses a number by hand.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from schemas.patterns import MONTH_PATTERN, FullMatch, Whole

MAX_PAGE = 10_000


class Query(Schema):
    class Meta:
        unknown = EXCLUDE


class FeedQuery(Query):
    page = Whole(1, MAX_PAGE, load_default=1)
    per_page = Whole(1, 100, load_default=20)


class LeaderboardQuery(Query):
    n = Whole(1, 50, load_default=10, metadata={"description": "How many places."})


class TrendQuery(Query):
    months = Whole(1, 36, load_default=12)
    until = fields.String(validate=FullMatch(MONTH_PATTERN, error="YYYY-MM."),
                          metadata={"description": "The last month (YYYY-MM); default: this month."})


class AuditQuery(Query):
    limit = Whole(1, 1000, load_default=100)
