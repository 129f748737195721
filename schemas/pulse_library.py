"""What the console reads to define a pulse: the built-in statements in one language, and the
teams a pulse can be sent to (engagement/pulses/library_api.py)."""
from __future__ import annotations

from marshmallow import fields, validate

from engagement.pulses.model import WORDINGS
from engagement.schemas.events import Strict

GROUPS = ("leader", "climate")


class LibraryStatementSchema(Strict):
    key = fields.String(required=True, metadata={"description": "What a pulse's statements list names."})
    group = fields.String(required=True, validate=validate.OneOf(GROUPS), metadata={
        "description": "leader: about the leader; climate: about the team's climate."})
    texts = fields.Dict(keys=fields.String(validate=validate.OneOf(WORDINGS)), values=fields.String(),
                        required=True, metadata={"description": "The words by wording: team, self, manager."})


class LibrarySchema(Strict):
    lang = fields.String(required=True)
    statements = fields.List(fields.Nested(LibraryStatementSchema), required=True)


class PulseUnitSchema(Strict):
    id = fields.String(required=True)
    name = fields.String(required=True)
    path = fields.List(fields.String(), required=True, metadata={
        "description": "The names of the teams above it, from the top of the tree down."})


class PulseUnitListSchema(Strict):
    teams = fields.List(fields.Nested(PulseUnitSchema), required=True)
