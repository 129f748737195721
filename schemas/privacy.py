"""What Tillit holds about a person, and who read it (engagement/privacy/api.py).

The answer's shape is ``engagement.privacy.export.person_data``'s (format 1); these schemas
say it in the OpenAPI document and keep any field the export adds later out of the answer
until it is documented here."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engagement.schemas.common import Query
from engagement.schemas.patterns import Whole

FORMATS = ("json", "csv")


class DataQuery(Query):
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS, error="json or csv."),
                           metadata={"description": "json (default) or csv (always a download)"})
    download = fields.Boolean(load_default=False, metadata={
        "description": "true: the JSON comes as a file (Content-Disposition: attachment); CSV always does."})


class AuditQuery(Query):
    limit = Whole(1, 1000, load_default=100)


class TableDataSchema(Schema):
    table = fields.String(required=True, metadata={"description": "The database table, e.g. engagement_like_states"})
    domain = fields.String(required=True, metadata={
        "description": "recognition, ideas, profiles, awards, notifications, directory, ledger, ..."})
    purpose = fields.String(required=True, metadata={"description": "What the table is for (English)"})
    legal_basis = fields.String(required=True)
    retention = fields.String(required=True, metadata={"description": "How long rows are kept"})
    rows = fields.List(fields.Dict(), required=True, metadata={
        "description": "Every row the person appears in, column by column; datetimes ISO 8601 UTC"})


class PersonDataSchema(Schema):
    format = fields.Integer(required=True, metadata={"description": "1: this shape"})
    person = fields.String(required=True)
    generated_at = fields.String(required=True, metadata={"description": "ISO 8601 UTC"})
    tables = fields.List(fields.Nested(TableDataSchema), required=True, metadata={
        "description": "Every inventoried table, with rows [] where the person appears in none"})


class PrivacyReadSchema(Schema):
    at = fields.String(required=True)
    who = fields.String(required=True, metadata={"description": "key:<name>"})
    person = fields.String(required=True, metadata={"description": "Whose data was read"})
    format = fields.String(required=True, metadata={"description": "json or csv"})


class PrivacyAuditSchema(Schema):
    reads = fields.List(fields.Nested(PrivacyReadSchema), required=True)
