"""POST /v1/events and /v1/events/batch: take events in, answer 202 once they are durable."""
from __future__ import annotations

from flask import Blueprint, jsonify

from engagement.web.requests import json_body, principal
from engagement.errors import FieldError, ValidationFailed
from engagement.state import state
from engagement.ledger.service import ingest


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/events", "post_event", post_event, methods=["POST"])
    bp.add_url_rule("/v1/events/batch", "post_batch", post_batch, methods=["POST"])


def post_event():
    """Send one event."""
    who = principal()
    body = json_body()
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("", "The body must be one event object.")])
    return _accepted(ingest([body], who, state().bus, state().config["ENGAGEMENT_MAX_CLOCK_SKEW"], False,
                            state().db.session, state().config["ENGAGEMENT_EDIT_WINDOW"]))


def post_batch():
    """Send up to ENGAGEMENT_MAX_BATCH events; all are accepted or none."""
    who = principal()
    body = json_body()
    limit = state().config["ENGAGEMENT_MAX_BATCH"]
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not events:
        raise ValidationFailed([FieldError("events", "Must be a non-empty list of events.")])
    extra = sorted(set(body) - {"events"})
    if extra:
        raise ValidationFailed([FieldError(name, "Unknown field.") for name in extra])
    if len(events) > limit:
        raise ValidationFailed([FieldError("events", f"At most {limit} events in one batch.")])
    return _accepted(ingest(events, who, state().bus, state().config["ENGAGEMENT_MAX_CLOCK_SKEW"], True,
                            state().db.session, state().config["ENGAGEMENT_EDIT_WINDOW"]))


def _accepted(ids: list[str]):
    return jsonify({"accepted": ids, "count": len(ids)}), 202
