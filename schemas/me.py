"""Who the caller is, for the widgets (engagement/web/me.py)."""
from __future__ import annotations

from marshmallow import Schema, fields


class MeSchema(Schema):
    person = fields.String(required=True, metadata={
        "description": "The person the verified user token names (the id the directory and events use)"})
    roles = fields.List(fields.String(), required=True, metadata={
        "description": "The token's roles, e.g. leader or communications; they shape the page, the server decides"})
