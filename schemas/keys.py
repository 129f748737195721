"""API keys for the operator's console: the list, a new key's body and answer (engagement/web/keys.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engagement.auth import SCOPES

SCOPE = validate.OneOf(list(SCOPES), error=f"One of {', '.join(SCOPES)}.")


class KeyBody(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100), metadata={
        "description": "The system the key is for (an integration, never a person)"})
    scopes = fields.List(fields.String(validate=SCOPE), required=True, validate=validate.Length(1, len(SCOPES)),
                         metadata={"description": ", ".join(SCOPES)})


class KeySchema(Schema):
    prefix = fields.String(required=True, metadata={"description": "The key's id: tlt_<prefix>_..."})
    name = fields.String(required=True)
    scopes = fields.List(fields.String(), required=True)
    created_at = fields.String(required=True)
    last_used_at = fields.String(allow_none=True, required=True, metadata={
        "description": "When it was last used, to the minute (null: never); written at most once a minute"})
    revoked_at = fields.String(allow_none=True, required=True)
    key = fields.String(metadata={"description": "tlt_...: shown once, in the answer that made the key"})


class KeyListSchema(Schema):
    keys = fields.List(fields.Nested(KeySchema), required=True)


class KeyPath(Schema):
    prefix = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{8}$", error="8 hex digits."))

