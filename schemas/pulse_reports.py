"""A closed pulse's results: the leader's report, the heat map and the trends (engagement/pulses/report_api.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engagement.schemas.common import Query
from engagement.schemas.patterns import IDENTIFIER_PATTERN, FullMatch
from engagement.schemas.trust import TeamRefSchema, TrustFlagSchema, TrustSignalsSchema
from engagement.translations import LANGS

SHARE = {"description": "0 to 1 of the answers with an opinion (1-5); null when there are none, or for a team "
                        "fewer than the minimum group size."}


class PulseReportQuery(Query):
    lang = fields.String(load_default="nb", validate=validate.OneOf(LANGS, error="nb, nn, da or en."),
                         metadata={"description": "nb (default), nn, da or en"})


class TrendsQuery(PulseReportQuery):
    unit = fields.String(validate=FullMatch(IDENTIFIER_PATTERN, error="A team id."),
                         metadata={"description": "Only the shown groups inside this team's subtree"})


class PulseStatementResultSchema(Schema):
    answers = fields.Integer(required=True, metadata={"description": "Answers, don't know included."})
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Answers per value: \"1\" to \"5\" (strongly disagree to strongly agree) and \"dont_know\"."})
    opinions = fields.Integer(metadata={"description": "Answers with an opinion (1-5), don't know left out."})
    mean = fields.Float(allow_none=True, metadata={
        "description": "Mean of 1-5, don't know left out; null for a team below the minimum group size of opinions."})
    agreeing = fields.Float(allow_none=True, metadata=SHARE)


class ReportedPulseSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    opens_at = fields.String(required=True)
    closes_at = fields.String(required=True)


class PulseGuidanceSchema(Schema):
    questions = fields.List(fields.String(), required=True, metadata={"description": "Reflection questions."})
    actions = fields.List(fields.String(), required=True, metadata={"description": "Suggested actions."})


class LeaderStatementSchema(Schema):
    key = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "As the team was asked."})
    self_text = fields.String(required=True, metadata={"description": "As the leader was asked."})
    manager_text = fields.String(required=True, metadata={"description": "As the leader's manager was asked."})
    team = fields.Nested(PulseStatementResultSchema, allow_none=True, metadata={
        "description": "The team's answers (its shown group's); null below the minimum group size."})
    self = fields.Nested(PulseStatementResultSchema, allow_none=True, metadata={"description": "The leader's own."})
    manager = fields.Nested(PulseStatementResultSchema, allow_none=True, metadata={
        "description": "The leader's manager's."})
    weak = fields.Boolean(required=True, metadata={
        "description": "The team's mean is below 3.5 or fewer than 60 % agree."})
    guidance = fields.Nested(PulseGuidanceSchema, metadata={"description": "For weak statements only."})


class PulseBehaviourSchema(Schema):
    period = fields.Dict(required=True, metadata={"description": "The pulse's days, as the trust report's period."})
    folded_into = fields.Nested(TeamRefSchema, allow_none=True, metadata={
        "description": "The group the trust report counts the team in, when it is too small there."})
    signals = fields.Nested(TrustSignalsSchema, allow_none=True)
    flags = fields.List(fields.Nested(TrustFlagSchema), required=True)


class LeaderReportSchema(Schema):
    pulse = fields.Nested(ReportedPulseSchema, required=True)
    team = fields.Nested(TeamRefSchema, required=True)
    min_group_size = fields.Integer(required=True)
    shown = fields.Boolean(required=True, metadata={
        "description": "Whether the team's answers (or its group's) reach the minimum group size."})
    counted_in = fields.Nested(TeamRefSchema, allow_none=True, metadata={
        "description": "The group the team's answers are counted in, when the team is folded."})
    answers = fields.Integer(allow_none=True, metadata={"description": "Answers in the team's shown group."})
    statements = fields.List(fields.Nested(LeaderStatementSchema), required=True)
    comments = fields.List(fields.String(), required=True, metadata={
        "description": "On a pulse with free text: the comments of the team's shown group (the group it "
                       "is counted in when folded; none when nothing is shown), as written, in a random order."})
    self_comments = fields.List(fields.String(), required=True, metadata={
        "description": "The leader's own comments (not anonymous)."})
    manager_comments = fields.List(fields.String(), required=True, metadata={
        "description": "The comments of the leader's manager about the leader (not anonymous)."})
    behaviour = fields.Nested(PulseBehaviourSchema, required=True)


class ReportedStatementSchema(Schema):
    key = fields.String(required=True)
    text = fields.String(required=True)


class HeatmapTeamSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    parent = fields.String(allow_none=True)
    depth = fields.Integer(required=True)
    suppressed = fields.Boolean(required=True, metadata={"description": "Folded into another group."})
    folded_into = fields.String(allow_none=True, metadata={"description": "null: even the root is too small."})
    statements = fields.Dict(keys=fields.String(), values=fields.Nested(PulseStatementResultSchema))
    unit_statements = fields.Dict(keys=fields.String(), values=fields.Nested(PulseStatementResultSchema), metadata={
        "description": "For a unit: the shown groups inside it."})
    includes = fields.List(fields.Nested(TeamRefSchema), metadata={"description": "Teams folded into this one."})


class HeatmapSchema(Schema):
    pulse = fields.Nested(ReportedPulseSchema, required=True)
    min_group_size = fields.Integer(required=True)
    statements = fields.List(fields.Nested(ReportedStatementSchema), required=True)
    teams = fields.List(fields.Nested(HeatmapTeamSchema), required=True)


class TrendPulseSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    closes_at = fields.String(required=True)


class TrendPointSchema(Schema):
    pulse = fields.String(required=True)
    shown = fields.Boolean(required=True)
    same_group = fields.Boolean(required=True, metadata={
        "description": "Shown with the same teams as in the latest pulse; only then are there numbers."})
    means = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), allow_none=True)
    agreeing = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), allow_none=True)


class TrendGroupSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    includes = fields.List(fields.Nested(TeamRefSchema), required=True)
    points = fields.List(fields.Nested(TrendPointSchema), required=True)


class TrendsSchema(Schema):
    unit = fields.String(allow_none=True)
    min_group_size = fields.Integer(required=True)
    pulses = fields.List(fields.Nested(TrendPulseSchema), required=True)
    statements = fields.List(fields.Nested(ReportedStatementSchema), required=True)
    groups = fields.List(fields.Nested(TrendGroupSchema), required=True)


class ReadablePulseReportsSchema(Schema):
    staff = fields.Boolean(required=True, metadata={
        "description": "Communications staff (the role, or reports:read): the heat map and every team are theirs."})
    pulses = fields.List(fields.Dict(), required=True, metadata={
        "description": "Closed pulses, newest first: {id, title, closes_at, teams: [{id, name}]}."})
