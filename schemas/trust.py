"""The trust report's questions and answers (engagement/trust/api.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engagement.schemas.common import Query
from engagement.schemas.patterns import MONTH_HELP, MONTH_PATTERN, FullMatch, Whole
from engagement.translations import LANGS
from engagement.trust.texts import FLAGS

PERIOD_PATTERN = "^(" + MONTH_PATTERN[1:-1] + "|30d|90d)$"  # a month, or the last 30 or 90 days


class ReportQuery(Query):
    period = fields.String(load_default="30d",
                           validate=FullMatch(PERIOD_PATTERN, error="YYYY-MM (2000-01 to 2100-12), 30d or 90d."),
                           metadata={"description": "YYYY-MM, 30d (default) or 90d"})
    lang = fields.String(load_default="nb", validate=validate.OneOf(LANGS, error="nb, nn, da or en."),
                         metadata={"description": "nb (default), nn, da or en"})
    unit = fields.String(metadata={"description": "Only this team's subtree"})
    flag = fields.String(validate=validate.OneOf(FLAGS, error=f"One of {', '.join(FLAGS)}."),
                         metadata={"description": "Only teams with this flag"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv"), error="json or csv."),
                           metadata={"description": "json or csv"})


class TrendQuery(Query):
    months = Whole(1, 36, load_default=12)
    until = fields.String(validate=FullMatch(MONTH_PATTERN, error=MONTH_HELP),
                          metadata={"description": "The last month (YYYY-MM); default: this month."})


class AuditQuery(Query):
    limit = Whole(1, 1000, load_default=100)


SHARE = {"description": "0 to 1; null when there is nothing to divide by."}


class TrustSignalsSchema(Schema):
    members = fields.Integer(required=True,
                             metadata={"description": "Members at any time in the period, silent ones included."})
    sharers = fields.Integer(required=True)
    shared_share = fields.Float(allow_none=True, metadata=SHARE)
    contributions = fields.Integer(required=True)
    contributions_per_member = fields.Float(allow_none=True)
    likes_per_member = fields.Float(allow_none=True, metadata={"description": "Likes and Bra! given per member."})
    recognised_share = fields.Float(allow_none=True, metadata=SHARE)
    leaders = fields.Integer(required=True)
    leader_participation = fields.Float(allow_none=True, metadata=SHARE)
    interactions = fields.Integer(required=True)
    cross_team_share = fields.Float(allow_none=True, metadata=SHARE)
    top_person_share = fields.Float(allow_none=True, metadata={
        "description": "Share of the contributions made by the most active person (never who)."})
    rate_per_30_days = fields.Float(required=True)
    baseline_rate_per_30_days = fields.Float(allow_none=True, metadata={
        "description": "null when in a month of the baseline the team was below the minimum group size."})
    trend = fields.Float(allow_none=True, metadata={"description": "Change against the team's own baseline; "
                                                                   "null without a baseline."})
    unanswered_ideas = fields.Integer(required=True)


class TrustFlagSchema(Schema):
    flag = fields.String(required=True, metadata={"description": "low_sharing, declining, quiet_leaders, silo, "
                                                                 "one_person or unanswered_ideas"})
    title = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "Plain language, with the numbers."})
    action = fields.String(required=True, metadata={"description": "A suggested action."})


class TeamRefSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class TrustTeamSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    parent = fields.String(allow_none=True)
    depth = fields.Integer(required=True)
    suppressed = fields.Boolean(required=True, metadata={"description": "Below the minimum group size: no numbers."})
    folded_into = fields.String(allow_none=True, metadata={"description": "The unit its numbers count in."})
    no_members = fields.Boolean()
    includes = fields.List(fields.Nested(TeamRefSchema), metadata={"description": "Small teams folded into this one."})
    signals = fields.Nested(TrustSignalsSchema)
    unit_signals = fields.Nested(TrustSignalsSchema, metadata={
        "description": "The whole unit below this team: the shown groups inside its subtree, summed."})
    flags = fields.List(fields.Nested(TrustFlagSchema))


class TrustReportSchema(Schema):
    period = fields.Dict(required=True, metadata={"description": "label, start, end and the baseline's start and end."})
    min_group_size = fields.Integer(required=True)
    teams = fields.List(fields.Nested(TrustTeamSchema), required=True)


class TrustMonthSchema(Schema):
    month = fields.String(required=True)
    suppressed = fields.Boolean(required=True, metadata={
        "description": "Below the minimum group size that month, from the directory then: no numbers."})
    folded_into = fields.String(allow_none=True, metadata={"description": "The unit it counted in that month."})
    members = fields.Integer(metadata={"description": "Members at any time that month."})
    shared_share = fields.Float(allow_none=True)
    contributions_per_member = fields.Float(allow_none=True)
    likes_per_member = fields.Float(allow_none=True)


class TrustTrendSchema(Schema):
    team = fields.String(required=True)
    suppressed = fields.Boolean(required=True)
    folded_into = fields.String(allow_none=True)
    members = fields.Integer(metadata={"description": "Members in the last month; absent when suppressed."})
    series = fields.List(fields.Nested(TrustMonthSchema), required=True)


class AuditViewSchema(Schema):
    at = fields.String(required=True)
    who = fields.String(required=True, metadata={"description": "key:<name> or user:<person>"})
    unit = fields.String(required=True, metadata={"description": "The team asked for, or * for all."})
    unit_name = fields.String(allow_none=True, metadata={
        "description": "That team's name (today's, or the last it had); null for * or a team never known."})
    view = fields.String(required=True, metadata={"description": "json, csv or trend"})
    period = fields.String(required=True)


class AuditSchema(Schema):
    views = fields.List(fields.Nested(AuditViewSchema), required=True)


class ThresholdsSchema(Schema):
    thresholds = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Float()),
                             required=True, metadata={
                                 "description": "Per flag, the limits that raise it: the defaults with "
                                                "ENGAGEMENT_TRUST_THRESHOLDS merged in"})
