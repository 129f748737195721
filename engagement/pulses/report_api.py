"""A closed pulse's results over HTTP: the leader's report, the heat map (JSON and CSV), trends.

Nothing is answered before the pulse closes (409, with the close time). The leader's report is
for the team's leaders, their managers and communications staff (the role, or an API key with
``reports:read``); the heat map and trends for communications staff only. The leader's report
carries the team's trust signals, so each view is written to the trust report's audit log.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response
from sqlalchemy import select

from engagement.auth import TRUST_ROLE, Principal
from engagement.db import utcnow
from engagement.directory.model import Team
from engagement.errors import EngagementError, Forbidden
from engagement.pulses import export, leader, report, trends
from engagement.pulses.model import Pulse
from engagement.schemas.pulse_reports import (
    HeatmapSchema,
    LeaderReportSchema,
    PulseReportQuery,
    ReadablePulseReportsSchema,
    TrendsQuery,
    TrendsSchema,
)
from engagement.state import state
from engagement.trust.model import TrustAudit
from engagement.web.requests import Blueprint, guarded, principal
from engagement.web.widgets import SCRIPT, _script

blp = Blueprint("pulse_reports", __name__)
CSV = {"text/csv": {"schema": {"type": "string"}}}
STAFF_ONLY = (f"Pulse results across units need a user token with the {TRUST_ROLE!r} role or an API key "
              f"with 'reports:read'.")


def _staff(who: Principal) -> None:
    if not leader.is_staff(who):
        raise Forbidden(STAFF_ONLY)


def _min_size() -> int:
    return state().config["ENGAGEMENT_MIN_GROUP_SIZE"]


def _zone() -> ZoneInfo:
    return ZoneInfo(state().config["ENGAGEMENT_TIMEZONE"])


@blp.route("/v1/pulses/<pulse_id>/teams/<team_id>/report")
@guarded(None, 404, 409)
@blp.arguments(PulseReportQuery, location="query")
@blp.response(200, LeaderReportSchema)
def leader_report(args: dict, pulse_id: str, team_id: str):
    """The leader's report for a team and a closed pulse (the team's leaders, their managers, communications staff)

    Per statement the team's distribution, the leader's own answer and their manager's side by side;
    the team's trust signals over the pulse's days; questions and actions for each weak statement."""
    who, st = principal(), state()
    session = st.db.session()
    if not leader.may_read(session, who, team_id):
        raise Forbidden("The leader's report is for the team's leaders, their managers and communications staff.")
    body = leader.report(session, pulse_id, team_id, utcnow(), _zone(), _min_size(), st.trust_thresholds,
                         args["lang"])
    _audit(who, team_id, "pulse-report", pulse_id)
    return body


@blp.route("/v1/pulses/<pulse_id>/heatmap")
@guarded(_staff, 404, 409)
@blp.arguments(PulseReportQuery, location="query")
@blp.response(200, HeatmapSchema)
def heatmap(args: dict, pulse_id: str):
    """Statements by unit for a closed pulse (communications staff): shown groups, folded teams under their group"""
    return report.heatmap(state().db.session(), pulse_id, utcnow(), _min_size(), args["lang"])


@blp.route("/v1/pulses/<pulse_id>/heatmap.csv")
@guarded(_staff, 404, 409)
@blp.arguments(PulseReportQuery, location="query")
@blp.doc(responses={200: {"description": "The heat map as CSV", "content": CSV}})
def heatmap_csv(args: dict, pulse_id: str):
    """The heat map as a CSV file in ``lang`` (``;`` and decimal commas for nb, nn and da)"""
    body = report.heatmap(state().db.session(), pulse_id, utcnow(), _min_size(), args["lang"])
    return Response(export.to_csv(body, args["lang"]), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="tillit-pulse-{_safe(pulse_id)}.csv"'})


@blp.route("/v1/pulses/trends")
@guarded(_staff)
@blp.arguments(TrendsQuery, location="query")
@blp.response(200, TrendsSchema)
def pulse_trends(args: dict):
    """Statements over the latest closed pulses per shown group, where it was the same group (communications staff)"""
    session, unit = state().db.session(), args.get("unit")
    if unit is not None and session.get(Team, unit) is None:
        raise EngagementError(f"No team {unit!r} in the directory.", 404, "Not found")
    return trends.trends(session, utcnow(), _min_size(), unit, args["lang"])


def _person_or_staff(who: Principal) -> None:
    if who.is_user or leader.is_staff(who):
        return
    raise Forbidden("The reports one may read are asked with a user token, or an API key with 'reports:read'.")


@blp.route("/v1/me/pulse-reports")
@guarded(_person_or_staff)
@blp.response(200, ReadablePulseReportsSchema)
def readable_reports():
    """The closed pulses whose reports the caller may read, and for which teams (newest first)

    A leader gets their own team, a manager the teams of the leaders they manage; communications
    staff get every closed pulse (their view is the heat map, so no teams are listed) and
    ``staff`` true, which the heat map page asks before anything else."""
    who, session = principal(), state().db.session()
    pulses = list(reversed(trends.closed_pulses(session, utcnow())))
    staff = leader.is_staff(who)
    mine = [] if staff or not who.is_user else leader.readable_teams(session, who)
    names = {t: n for t, n in session.execute(select(Team.id, Team.name).where(Team.id.in_(mine)))} if mine else {}
    out = []
    for pulse in pulses:
        teams = [t for t in mine if _invited(session, pulse, t)]
        if staff or teams:
            out.append({"id": pulse.id, "title": pulse.title, "closes_at": report.iso(pulse.closes_at),
                        "teams": [{"id": t, "name": names.get(t, t)} for t in teams]})
    return {"staff": staff, "pulses": out}


def _invited(session, pulse: Pulse, team: str) -> bool:
    """Whether ``team`` is (now) in the subtree of one of the pulse's units."""
    seen, node = set(), team
    while node is not None and node not in seen:
        if node in pulse.units:
            return True
        seen.add(node)
        node = session.scalar(select(Team.parent_id).where(Team.id == node))
    return False


@blp.route("/v1/pulse-reports.js")
@blp.doc(**SCRIPT)
def pulse_reports_script():
    """The leader's pulse report and the pulse heat map with trends, for pages of the intranet"""
    return _script("tillit-pulse-report.js")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:64]


def _audit(who: Principal, unit: str, view: str, period: str) -> None:
    session = state().db.session()
    session.add(TrustAudit(who=who.label, unit=unit, view=view, period=period[:40]))
    session.commit()



