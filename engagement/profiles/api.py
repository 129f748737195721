"""Profile completion: a person's progress bar, and per team or unit for communications staff."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engagement.web.requests import cached, person_reader, principal
from engagement.errors import EngagementError, Forbidden
from engagement.state import state
from engagement.directory.model import Team
from engagement.profiles.service import person_progress, unit_summary

LANGS = ("nb", "nn", "da", "en")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/people/<person>/profile-completion", "person_profile", person_profile)
    bp.add_url_rule("/v1/teams/<team_id>/profile-completion", "team_profiles", team_profiles)


def person_profile(person: str):
    """Percentage, steps done, and the next best step with the percentage it adds: for the person's
    own token, the intranet back end ('events:write') or communications staff ('reports:read')."""
    person_reader(principal(), person, "profile")
    st = state()
    return cached(jsonify(person_progress(st.db.session, st.checklist, person, _lang())))


def team_profiles(team_id: str):
    """Share at 100 %, median percentage and the most often missing step; ?subunits=true for a unit."""
    who = principal()
    if who.is_user or "reports:read" not in who.scopes:
        raise Forbidden("This needs an API key with 'reports:read'.")
    st = state()
    if st.db.session.get(Team, team_id) is None:
        raise EngagementError(f"No team {team_id!r} in the directory.", 404, "Not found")
    subunits = request.args.get("subunits", "false").lower() in ("1", "true", "yes")
    return cached(jsonify(unit_summary(st.db.session, st.checklist, team_id, subunits,
                                        st.config["ENGAGEMENT_MIN_GROUP_SIZE"], _lang())))


def _lang() -> str:
    lang = request.args.get("lang", "nb")
    return lang if lang in LANGS else "en"
