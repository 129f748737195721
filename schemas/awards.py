"""Monthly awards: which month, category and rendering (engagement/awards/api.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engagement.awards.scoring import CATEGORIES
from engagement.schemas.common import Query
from engagement.schemas.patterns import MONTH_HELP, MONTH_PATTERN, FullMatch, Whole
from engagement.translations import LANGS


class MonthPath(Schema):
    month = fields.String(required=True, validate=FullMatch(MONTH_PATTERN, error=MONTH_HELP))


class LeaderboardQuery(Query):
    category = fields.String(load_default="contributor", validate=validate.OneOf(
        CATEGORIES, error=f"One of {', '.join(CATEGORIES)}."))
    n = Whole(1, 50, load_default=10, metadata={"description": "How many places."})


class AnnouncementQuery(Query):
    lang = fields.String(load_default="nb", validate=validate.OneOf(LANGS, error="nb, nn, da or en"))
    format = fields.String(load_default="markdown", validate=validate.OneOf(("markdown", "html"),
                                                                            error="markdown or html"))
    heading = fields.Integer(load_default=2, validate=validate.Range(1, 5), metadata={
        "description": "The level of the announcement's title (h2 by default, under the page's own h1); "
                       "its sections are one level below"})


class LeaderboardSchema(Schema):
    month = fields.String(required=True)
    category = fields.String(required=True)
    top = fields.List(fields.Dict(), required=True, metadata={"description": "rank, person, name, score"})


class AwardMonthSchema(Schema):
    status = fields.String(required=True, metadata={"description": "provisional or final"})
    period = fields.String(required=True, metadata={
        "description": "future, running (still counting), ended (over, not finalised yet) or final; "
                       "only an ended month can be finalised"})
    finalised_at = fields.String(metadata={"description": "Once final"})
    finalised_by = fields.String(metadata={"description": "Once final"})
    result = fields.Dict(required=True, metadata={"description": "Winners, runners-up, scores and reasons"})
