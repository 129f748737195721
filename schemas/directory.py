"""The directory sync contract: teams (the org tree) and people, as the HR system knows them."""
from __future__ import annotations

from marshmallow import fields, validate

from engagement.schemas.events import IDENTIFIER, Strict
from engagement.translations import LANGS

ROLES = ("member", "leader")


class TeamSchema(Strict):
    id = fields.String(required=True, validate=IDENTIFIER)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    parent = fields.String(load_default=None, allow_none=True, validate=IDENTIFIER,
                           metadata={"description": "Parent team id; null for a root unit."})
    removed = fields.Boolean(load_default=False, metadata={
        "description": "Take the team out of the tree from as_of on (it keeps its place in past months); "
                       "no team may be below it and no active person in it after the sync."})


class PersonSchema(Strict):
    id = fields.String(required=True, validate=IDENTIFIER)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, allow_none=True)
    team = fields.String(load_default=None, allow_none=True, validate=IDENTIFIER)
    role = fields.String(load_default="member", validate=validate.OneOf(ROLES))
    locale = fields.String(load_default="nb", validate=validate.OneOf(LANGS))
    leaderboard_opt_out = fields.Boolean(load_default=False)
    leaderboard_opt_in = fields.Boolean(load_default=False, metadata={
        "description": "Counts only when ENGAGEMENT_PUBLIC_RANKING is opt-in."})
    manager = fields.String(load_default=None, allow_none=True, validate=IDENTIFIER, metadata={
        "description": "Person id of their manager; a change is kept with its time, as a team move is."})
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))


class DirectorySyncSchema(Strict):
    mode = fields.String(required=True, validate=validate.OneOf(("full", "delta")), metadata={
        "description": "full: the lists are everyone, and people missing turn inactive; delta: upserts only."})
    as_of = fields.AwareDateTime(load_default=None, format="iso", metadata={
        "description": "When the changes took effect: team moves and leavers (default now), and new "
                       "people, who are members from then on (without it, from the beginning)."})
    teams = fields.List(fields.Nested(TeamSchema), load_default=list, validate=validate.Length(max=10_000))
    people = fields.List(fields.Nested(PersonSchema), load_default=list, validate=validate.Length(max=100_000))
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Report what would change; change nothing."})


class SyncCountsSchema(Strict):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    deactivated = fields.Integer()
    moved = fields.Integer()
    removed = fields.Integer()


class SyncReportSchema(Strict):
    dry_run = fields.Boolean(required=True)
    teams = fields.Nested(SyncCountsSchema, required=True)
    people = fields.Nested(SyncCountsSchema, required=True)
