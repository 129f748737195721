"""The ingest answer. What a client may send is the event contract, schemas/events.py."""
from __future__ import annotations

from marshmallow import Schema, fields


class AcceptedSchema(Schema):
    accepted = fields.List(fields.String(), required=True,
                           metadata={"description": "Ids of the events now durable, in request order."})
    count = fields.Integer(required=True)
