"""The trust-signal report for communications staff (JSON and CSV), trends, and its audit log.

Only an API key with ``trust:read`` or a user token with the ``communications`` role may
read the report; every view is written to the audit log (who, when, which unit), which
a key with ``audit:read`` can read.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, jsonify
from sqlalchemy import select

from engagement.auth import TRUST_ROLE, Principal
from engagement.directory.model import Team, TeamPlacement
from engagement.errors import EngagementError, Forbidden
from engagement.schemas.trust import (
    AuditQuery,
    AuditSchema,
    ReportQuery,
    ThresholdsSchema,
    TrendQuery,
    TrustReportSchema,
    TrustTrendSchema,
)
from engagement.state import state
from engagement.trust import service as trust
from engagement.trust.export import to_csv
from engagement.trust.model import TrustAudit
from engagement.trust.trend import trend as month_by_month
from engagement.web.requests import Blueprint, auditor, guarded, principal

blp = Blueprint("trust", __name__)
CSV = {"text/csv": {"schema": {"type": "string"}}}


def _reader(who: Principal) -> None:
    if not (who.is_user and TRUST_ROLE in who.roles or not who.is_user and "trust:read" in who.scopes):
        raise Forbidden(f"The trust report needs an API key with 'trust:read' or a user token with the "
                        f"{TRUST_ROLE!r} role.")


@blp.route("/v1/trust/report")
@guarded(_reader, 404)
@blp.arguments(ReportQuery, location="query")
@blp.response(200, TrustReportSchema)
@blp.doc(responses={200: {"content": CSV}})
def trust_report(args: dict):
    """Trust signals and flags per team (trust:read, or the communications role); every view is audited

    Every team's signals and flags for a period: ?period=YYYY-MM|30d|90d&lang=&unit=&format=json|csv.
    The CSV is for a spreadsheet in ``lang``: its headers and flag names in that language, shares in
    whole percent, ``;`` and decimal commas for nb, nn and da, ``,`` and points for en, UTF-8 with a BOM."""
    who, st, today = principal(), state(), _today()
    fmt, unit, flag = args["format"], args.get("unit"), args.get("flag")
    period = trust.parse_period(args["period"], today)
    session = st.db.session()
    if unit is not None and session.get(Team, unit) is None:
        raise EngagementError(f"No team {unit!r} in the directory.", 404, "Not found")
    body = trust.report(session, period, today, _zone(), st.config["ENGAGEMENT_MIN_GROUP_SIZE"],
                        st.trust_thresholds, args["lang"], unit)
    names = _names(session, body) if fmt == "csv" else {}
    if flag:
        body["teams"] = [t for t in body["teams"] if any(f["flag"] == flag for f in t.get("flags", ()))]
    _audit(who, unit or "*", fmt, period.label)
    if fmt == "csv":
        return Response(to_csv(body, args["lang"], names), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="tillit-trust-{period.label}.csv"'})
    return as_json(body)


def as_json(body: dict) -> Response:
    """The report as JSON, as the schema would dump it: the body is made of exactly the schema's
    fields and types (floats where it says Float; tests/unit/test_trust_json.py holds it to
    ``TrustReportSchema().dump(body) == body``), and dumping thousands of teams field by field
    took as long as making the report."""
    return jsonify(body)


@blp.route("/v1/trust/teams/<team_id>/trend")
@guarded(_reader, 404)
@blp.arguments(TrendQuery, location="query")
@blp.response(200, TrustTrendSchema)
def trust_trend(args: dict, team_id: str):
    """Month by month for one team or the unit it is folded into (?months=12&until=YYYY-MM)"""
    who, st = principal(), state()
    months, until = args["months"], args.get("until")
    if st.db.session.get(Team, team_id) is None:
        raise EngagementError(f"No team {team_id!r} in the directory.", 404, "Not found")
    end = _today()
    if until:
        year, month = map(int, until.split("-"))
        end = min(end, trust.month_start(year, month, -1) - timedelta(days=1))
    _audit(who, team_id, "trend", f"{months} months to {end:%Y-%m}")
    return month_by_month(st.db.session(), team_id, months, end, _zone(), st.config["ENGAGEMENT_MIN_GROUP_SIZE"])


@blp.route("/v1/trust/thresholds")
@guarded(_reader)
@blp.response(200, ThresholdsSchema)
def trust_thresholds():
    """The limits that raise each flag, as in force here (trust:read, or the communications role)

    Read-only: the operator sets them with ENGAGEMENT_TRUST_THRESHOLDS."""
    return {"thresholds": state().trust_thresholds}


@blp.route("/v1/trust/audit")
@guarded(auditor)
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditSchema)
def trust_audit(args: dict):
    """Who viewed the trust report, newest first (audit:read, or admin; ?limit=100, at most 1000)"""
    session = state().db.session
    rows = list(session.scalars(select(TrustAudit).order_by(TrustAudit.id.desc()).limit(args["limit"])))
    names = _team_names(session) if rows else {}
    return {"views": [{"at": r.at.isoformat() + "Z", "who": r.who, "unit": r.unit, "unit_name": names.get(r.unit),
                       "view": r.view, "period": r.period} for r in rows]}


def _names(session, body: dict) -> dict[str, str]:
    """Every team's name, for the CSV's "Part of" and "Counted in" columns when ?unit= or ?flag=
    leaves the parent or host out: the report's own (the period's) names first, then today's
    directory, then the last name a removed team had."""
    return _team_names(session) | {row["id"]: row["name"] for row in body["teams"]}


def _team_names(session) -> dict[str, str]:
    """Every team's name today, or the last name a removed team had."""
    names = {team: name for team, name in session.execute(
        select(TeamPlacement.team_id, TeamPlacement.name).order_by(TeamPlacement.id))}
    return names | {team: name for team, name in session.execute(select(Team.id, Team.name))}


def _zone() -> ZoneInfo:
    return ZoneInfo(state().config["ENGAGEMENT_TIMEZONE"])


def _today() -> date:
    return datetime.now(_zone()).date()


def _audit(who: Principal, unit: str, view: str, period: str) -> None:
    session = state().db.session()
    session.add(TrustAudit(who=who.label, unit=unit, view=view, period=period))
    session.commit()
