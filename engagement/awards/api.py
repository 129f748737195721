"""Monthly awards: live top lists, the month's result, finalising, and the announcement."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, jsonify, request

from engagement.web.requests import cached, leader_or, principal, query
from engagement.errors import FieldError, ValidationFailed
from engagement.state import state
from engagement.awards.model import AwardSnapshot
from engagement.awards import announcement, service as awards
from engagement.awards.scoring import CATEGORIES, HELPED_TEAMS_THRESHOLD
from engagement.lag import consumer_lag
from engagement.schemas.patterns import MONTH_HELP, MONTH_PATTERN, fullmatch
from engagement.schemas.query import LeaderboardQuery

_leaderboard_query = LeaderboardQuery()


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/awards/<month>/leaderboard", "award_leaderboard", leaderboard)
    bp.add_url_rule("/v1/awards/<month>", "award_month", award_month)
    bp.add_url_rule("/v1/awards/<month>/finalise", "award_finalise", finalise, methods=["POST"])
    bp.add_url_rule("/v1/awards/<month>/announcement", "award_announcement", announce)


def leaderboard(month: str):
    """The live top list of a category (never a bottom list; opted-out people never shown)."""
    principal()
    category = request.args.get("category", "contributor")
    errors = _month_errors(month)
    if category not in CATEGORIES:
        errors.append(FieldError("category", f"One of {', '.join(CATEGORIES)}."))
    try:
        n = query(_leaderboard_query)["n"]
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    st = state()
    return cached(jsonify({"month": month, "category": category,
                            "top": st.award_board.top(st.db.session, month, category, n)}))


def award_month(month: str):
    """Provisional during the month (leaders), frozen once finalised."""
    leader_or(principal(), "awards:manage")
    _check_month(month)
    session = state().db.session
    snapshot = session.get(AwardSnapshot, month)
    if snapshot is not None:
        return jsonify({"status": "final", "finalised_at": snapshot.finalised_at.isoformat() + "Z",
                        "finalised_by": snapshot.finalised_by, "result": snapshot.result})
    return jsonify({"status": "provisional", "result": awards.result(session, month, _mode())})


def finalise(month: str):
    """Freeze the month: winners, runners-up, scores and reasons; it never changes after."""
    who = leader_or(principal(), "awards:manage")
    _check_month(month)
    st = state()
    lag = consumer_lag(st).get("awards", 0)
    snapshot = awards.finalise(st.db.session, month, who.label, datetime.now(timezone.utc),
                               st.config["ENGAGEMENT_TIMEZONE"], lag, _mode())
    return jsonify({"status": "final", "result": snapshot.result}), 201


def announce(month: str):
    """?lang=nb|nn|da|en&format=markdown|html; the frozen result, or a preview before finalising."""
    leader_or(principal(), "awards:manage")
    _check_month(month)
    lang, fmt = request.args.get("lang", "nb"), request.args.get("format", "markdown")
    if lang not in announcement.TEXTS or fmt not in ("markdown", "html"):
        raise ValidationFailed([FieldError("lang", "nb, nn, da or en"), FieldError("format", "markdown or html")])
    session = state().db.session
    snapshot = session.get(AwardSnapshot, month)
    result = snapshot.result if snapshot is not None else awards.result(session, month, _mode())
    render = announcement.markdown if fmt == "markdown" else announcement.html
    mimetype = "text/markdown" if fmt == "markdown" else "text/html"
    return Response(render(result, lang, HELPED_TEAMS_THRESHOLD), mimetype=mimetype)


def _mode() -> str:
    return state().config["ENGAGEMENT_PUBLIC_RANKING"]


def _month_errors(month: str) -> list[FieldError]:
    return [] if fullmatch(MONTH_PATTERN, month) else [FieldError("month", MONTH_HELP)]


def _check_month(month: str) -> None:
    errors = _month_errors(month)
    if errors:
        raise ValidationFailed(errors)
