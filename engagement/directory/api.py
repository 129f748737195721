"""The directory sync (HR system -> Tillit) and recognition per team."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, jsonify
from marshmallow import ValidationError

from engagement.web.requests import cached, json_body, principal
from engagement.errors import EngagementError, Forbidden, ValidationFailed
from engagement.state import state
from engagement.directory.model import Team
from engagement.directory import service as directory
from engagement.privacy import erasure
from engagement.ledger.service import flatten
from engagement.recognition.service import team_summary
from engagement.schemas.directory import DirectorySyncSchema

_sync_schema = DirectorySyncSchema()


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/directory/sync", "sync_directory", sync_directory, methods=["POST"])
    bp.add_url_rule("/v1/teams/<team_id>/recognition", "get_team_recognition", get_team_recognition)
    bp.add_url_rule("/v1/directory/people/<person>/erase", "erase_person", erase_person, methods=["POST"])


def sync_directory():
    """Upsert teams and people (full or delta); all or nothing."""
    principal().require("directory:write")
    try:
        payload = _sync_schema.load(json_body())
    except ValidationError as exc:
        raise ValidationFailed(flatten(exc.messages)) from exc
    return jsonify(directory.sync(state().db.session, payload, datetime.now(timezone.utc)))


def erase_person(person: str):
    """Erase a person who has left from the directory, every read model and the ledger (a pseudonym)."""
    principal().require("directory:write")
    report = erasure.erase(state(), person)
    if not report["erased"]:
        raise EngagementError(f"Nothing is known about {person!r}.", 404, "Not found")
    return jsonify(report)


def get_team_recognition(team_id: str):
    """Recognition received and given by a team's members, counted by the team they were in; a team
    ever below the minimum group size answers only the unit it is counted in."""
    who = principal()
    if who.is_user or not ({"reports:read", "events:write"} & who.scopes):
        raise Forbidden("This needs an API key with 'reports:read' or 'events:write'.")
    session = state().db.session
    if session.get(Team, team_id) is None:
        raise EngagementError(f"No team {team_id!r} in the directory.", 404, "Not found")
    return cached(jsonify(team_summary(session, team_id, state().config["ENGAGEMENT_MIN_GROUP_SIZE"])))
