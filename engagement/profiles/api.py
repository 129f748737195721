"""Profile completion: a person's progress bar, and per team or unit for communications staff."""
from __future__ import annotations

from engagement.auth import Principal
from engagement.directory.model import Team
from engagement.errors import EngagementError, Forbidden
from engagement.profiles.service import person_progress, unit_summary
from engagement.schemas.profiles import ProfileQuery, TeamProfileQuery
from engagement.state import state
from engagement.translations import LANGS
from engagement.web.requests import Blueprint, etagged, guarded, person_reader, principal

blp = Blueprint("profiles", __name__)


def _comms(who: Principal) -> None:
    if who.is_user or "reports:read" not in who.scopes:
        raise Forbidden("This needs an API key with 'reports:read'.")


@blp.route("/v1/people/<person>/profile-completion")
@guarded()
@etagged
@blp.arguments(ProfileQuery, location="query")
@blp.response(200)
def person_profile(args: dict, person: str):
    """A person's profile completion and next best step (?lang=); their own token, events:write or reports:read

    Percentage, steps done, and the next best step with the percentage it adds."""
    person_reader(principal(), person, "profile")
    st = state()
    return person_progress(st.db.session(), st.checklist, person, _lang(args))


@blp.route("/v1/teams/<team_id>/profile-completion")
@guarded(_comms, 404)
@etagged
@blp.arguments(TeamProfileQuery, location="query")
@blp.response(200)
def team_profiles(args: dict, team_id: str):
    """Profile completion per team or unit (reports:read; ?subunits=true&lang=)

    Share at 100 %, median percentage and the most often missing step."""
    st = state()
    if st.db.session.get(Team, team_id) is None:
        raise EngagementError(f"No team {team_id!r} in the directory.", 404, "Not found")
    subunits = args["subunits"].lower() in ("1", "true", "yes")
    return unit_summary(st.db.session(), st.checklist, team_id, subunits, st.config["ENGAGEMENT_MIN_GROUP_SIZE"],
                        _lang(args))


def _lang(args: dict) -> str:
    return args["lang"] if args["lang"] in LANGS else "en"
