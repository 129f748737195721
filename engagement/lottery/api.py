"""The monthly lottery over HTTP: each person's own tickets, the month's public record, the draw
and the exclusion list.

Anyone signed in reads a month's record (the rule, the commitment, and once drawn the seed and
winners); a person reads only their own tickets, with their own user token. Drawing and the
exclusion list are for leaders, or an API key with ``awards:manage``, as the awards are.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Response

from engagement.auth import Principal
from engagement.errors import Forbidden
from engagement.lag import consumer_lag
from engagement.lottery import draws, exclusions
from engagement.lottery import service as lottery
from engagement.schemas.awards import MonthPath
from engagement.schemas.lottery import (
    DrawBody,
    ExclusionBody,
    ExclusionSchema,
    ExclusionsSchema,
    LotteryMonthSchema,
    MonthQuery,
    MyTicketsSchema,
    PersonPath,
)
from engagement.state import state
from engagement.web.requests import BODY, Blueprint, etagged, guarded, leader_or, principal

blp = Blueprint("lottery", __name__)
MANAGE_SCOPE = "awards:manage"


def _manager(who: Principal) -> None:
    leader_or(who, MANAGE_SCOPE)


def _person(who: Principal) -> None:
    if not who.is_user:
        raise Forbidden("Tickets are each person's own: ask with the person's user token, never an API key.")


def _settings() -> lottery.Settings:
    return lottery.settings_of(state())


def _lag() -> int:
    return consumer_lag(state()).get("awards", 0)


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/v1/lottery/me")
@guarded(_person)
@etagged
@blp.arguments(MonthQuery, location="query")
@blp.response(200, MyTicketsSchema)
def my_tickets(args: dict):
    """Your own tickets this month (or ?month=), what earns the next one, and once drawn your numbers

    Nobody else's tickets are ever shown."""
    st, settings, now = state(), _settings(), _now()
    month = args.get("month") or lottery.month_of(now, settings.zone)
    return lottery.mine(st.db.session(), principal().name, month, now, _lag, settings)


@blp.route("/v1/lottery/exclusions")
@guarded(_manager)
@blp.response(200, ExclusionsSchema)
def list_exclusions():
    """People never drawn, whatever they earn (leaders, or awards:manage)"""
    return {"people": exclusions.listed(state().db.session())}


@blp.route("/v1/lottery/exclusions/<id:person>", methods=["PUT"])
@guarded(_manager, 404, *BODY)
@blp.arguments(PersonPath, location="path")
@blp.arguments(ExclusionBody)
@blp.response(200, ExclusionSchema)
def exclude(_path: dict, body: dict, person: str):
    """Put someone on the exclusion list (the social committee that runs the lottery, say)"""
    return exclusions.exclude(state().db.session(), person, body["reason"], principal().label, _now())


@blp.route("/v1/lottery/exclusions/<id:person>", methods=["DELETE"])
@guarded(_manager)
@blp.arguments(PersonPath, location="path")
@blp.response(204)
def include(_path: dict, person: str):
    """Take someone off the exclusion list"""
    exclusions.include(state().db.session(), person)
    return Response(status=204)


@blp.route("/v1/lottery/<month>")
@guarded()
@blp.arguments(MonthPath, location="path")
@blp.response(200, LotteryMonthSchema)
def month_record(_path: dict, month: str):
    """The month's public record: the rule, the commitment, and once drawn the seed and winners

    The record is what `python -m engagement.lottery.verify` checks."""
    return draws.record(state().db.session(), month, _now(), _settings())


@blp.route("/v1/lottery/<month>/draw", methods=["POST"])
@guarded(_manager, 409, *BODY)
@blp.arguments(MonthPath, location="path")
@blp.arguments(DrawBody)
@blp.response(201, LotteryMonthSchema)
def draw(_path: dict, body: dict, month: str):
    """Draw the month's winners from its revealed seed, once (leaders, or awards:manage)

    Only an ended month whose commitment was published before it ended, once every event is
    counted; opted-out, departed and excluded people are never drawn."""
    st, settings, now = state(), _settings(), _now()
    session = st.db.session()
    draws.draw_month(session, st.bus, month, body["winners"], principal().label, now, _lag, settings)
    return draws.record(session, month, now, settings)
