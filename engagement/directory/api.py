"""The directory sync (HR system -> Tillit) and recognition per team."""
from __future__ import annotations

from datetime import UTC, datetime

from engagement.auth import Principal
from engagement.directory import service as directory
from engagement.directory.model import Team
from engagement.errors import EngagementError, Forbidden
from engagement.privacy import erasure
from engagement.recognition.service import team_summary
from engagement.schemas.directory import DirectorySyncSchema, SyncReportSchema
from engagement.state import state
from engagement.web.requests import BODY, Blueprint, etagged, guarded

blp = Blueprint("directory", __name__)


def _writer(who: Principal) -> None:
    who.require("directory:write")


def _team_reader(who: Principal) -> None:
    if who.is_user or not ({"reports:read", "events:write"} & who.scopes):
        raise Forbidden("This needs an API key with 'reports:read' or 'events:write'.")


@blp.route("/v1/directory/sync", methods=["POST"])
@guarded(_writer, *BODY)
@blp.arguments(DirectorySyncSchema)
@blp.response(200, SyncReportSchema)
def sync_directory(payload: dict):
    """Sync the directory (scope directory:write); all or nothing

    Upsert teams and people (full or delta)."""
    return directory.sync(state().db.session(), payload, datetime.now(UTC))


@blp.route("/v1/directory/people/<id:person>/erase", methods=["POST"])
@guarded(_writer, 404)
@blp.response(200)
def erase_person(person: str):
    """Erase a person who left from the directory, every read model and the ledger (directory:write)

    The ledger keeps a pseudonym in the person's place."""
    report = erasure.erase(state(), person)
    if not report["erased"]:
        raise EngagementError(f"Nothing is known about {person!r}.", 404, "Not found")
    return report


@blp.route("/v1/teams/<team_id>/recognition")
@guarded(_team_reader, 404)
@etagged
@blp.response(200)
def get_team_recognition(team_id: str):
    """Recognition per team, by the team of each event's moment

    Received and given by a team's members, counted by the team they were in; a team ever below
    the minimum group size is counted in its parent unit and answers no numbers."""
    session = state().db.session()
    if session.get(Team, team_id) is None:
        raise EngagementError(f"No team {team_id!r} in the directory.", 404, "Not found")
    return team_summary(session, team_id, state().config["ENGAGEMENT_MIN_GROUP_SIZE"])
