"""Monthly awards: live top lists, the month's result, finalising, and the announcement."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Response

from engagement.auth import Principal
from engagement.awards import announcement
from engagement.awards import service as awards
from engagement.awards.model import AwardSnapshot
from engagement.awards.scoring import HELPED_TEAMS_THRESHOLD
from engagement.lag import consumer_lag
from engagement.lottery import draws as lottery
from engagement.schemas.awards import (
    AnnouncementQuery,
    AwardMonthSchema,
    LeaderboardQuery,
    LeaderboardSchema,
    MonthPath,
)
from engagement.state import state
from engagement.web.requests import Blueprint, etagged, guarded, leader_or, principal

blp = Blueprint("awards", __name__)
TEXT = {"text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}


def _manager(who: Principal) -> None:
    leader_or(who, "awards:manage")


@blp.route("/v1/awards/<month>/leaderboard")
@guarded()
@etagged
@blp.arguments(MonthPath, location="path")
@blp.arguments(LeaderboardQuery, location="query")
@blp.response(200, LeaderboardSchema)
def leaderboard(_path: dict, args: dict, month: str):
    """The live top list of a category

    Never a bottom list; people who opted out are never shown."""
    st = state()
    return {"month": month, "category": args["category"],
            "top": st.award_board.top(st.db.session(), month, args["category"], args["n"])}


@blp.route("/v1/awards/<month>")
@guarded(_manager)
@blp.arguments(MonthPath, location="path")
@blp.response(200, AwardMonthSchema)
def award_month(_path: dict, month: str):
    """The month's result: provisional during the month (leaders), frozen once finalised"""
    session = state().db.session()
    snapshot = session.get(AwardSnapshot, month)
    if snapshot is not None:
        return _final(snapshot)
    return {"status": "provisional", "period": _period(month), "result": awards.result(session, month, _mode())}


@blp.route("/v1/awards/<month>/finalise", methods=["POST"])
@guarded(_manager, 409)
@blp.arguments(MonthPath, location="path")
@blp.response(201, AwardMonthSchema)
def finalise(_path: dict, month: str):
    """Freeze the month's winners, runners-up, scores and reasons; it never changes after"""
    st = state()
    lag = consumer_lag(st).get("awards", 0)
    snapshot = awards.finalise(st.db.session(), month, principal().label, datetime.now(UTC),
                               st.config["ENGAGEMENT_TIMEZONE"], lag, _mode())
    return _final(snapshot)


def _final(snapshot: AwardSnapshot) -> dict:
    return {"status": "final", "period": "final", "finalised_at": snapshot.finalised_at.isoformat() + "Z",
            "finalised_by": snapshot.finalised_by, "result": snapshot.result}


def _period(month: str) -> str:
    """Where the month stands in the instance's time zone, so the page offers finalising only once it is over."""
    return awards.period(month, datetime.now(UTC), state().config["ENGAGEMENT_TIMEZONE"])


@blp.route("/v1/awards/<month>/announcement")
@guarded(_manager)
@blp.arguments(MonthPath, location="path")
@blp.arguments(AnnouncementQuery, location="query")
@blp.doc(responses={200: {"description": "The announcement", "content": TEXT}})
def announce(_path: dict, args: dict, month: str):
    """The announcement as Markdown or HTML (?lang=nb|nn|da|en&format=markdown|html)

    The frozen result, or a preview before finalising."""
    session = state().db.session()
    snapshot = session.get(AwardSnapshot, month)
    result = snapshot.result if snapshot is not None else awards.result(session, month, _mode())
    result = {**result, "lottery": lottery.announced(session, month, awards.Public(session, _mode()))}
    period = "final" if snapshot is not None else _period(month)  # "Nobody yet" while it runs, as the page says
    markdown = args["format"] == "markdown"
    render = announcement.markdown if markdown else announcement.html
    return Response(render(result, args["lang"], HELPED_TEAMS_THRESHOLD, args["heading"], period),
                    mimetype="text/markdown" if markdown else "text/html")


def _mode() -> str:
    return state().config["ENGAGEMENT_PUBLIC_RANKING"]
