"""Pulses over HTTP: staff define and list them, a person reads what they are asked and answers.

Defining and listing: a user token with the ``communications`` role, or an API key with
``pulses:manage`` (listing also with ``reports:read``). Reading one's own pulses and answering:
a user token only, as its own person; nobody answers for someone else.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from engagement.auth import TRUST_ROLE, Principal
from engagement.directory.model import Person, Team
from engagement.errors import Forbidden
from engagement.pulses import library
from engagement.pulses import service as pulses
from engagement.pulses.model import Pulse, PulseParticipation
from engagement.pulses.seal import COMMENT_CHARS
from engagement.schemas.pulses import (
    AnsweredSchema,
    AnswerSchema,
    LangQuery,
    MyPulsesSchema,
    PulseCreateSchema,
    PulseListSchema,
    PulseSchema,
)
from engagement.state import state
from engagement.translations import LANGS
from engagement.web.requests import BODY, Blueprint, guarded, principal

blp = Blueprint("pulses", __name__)
MANAGE_SCOPE = "pulses:manage"


def _manager(who: Principal) -> None:
    if who.is_user and TRUST_ROLE in who.roles or not who.is_user and MANAGE_SCOPE in who.scopes:
        return
    raise Forbidden(f"Only communications staff (the {TRUST_ROLE!r} role) or an API key with "
                    f"{MANAGE_SCOPE!r} may do this.")


def may_list_pulses(who: Principal) -> None:
    if not who.is_user and "reports:read" in who.scopes:
        return
    _manager(who)


def _person(who: Principal) -> None:
    if not who.is_user:
        raise Forbidden("Pulses are answered with the person's own user token, never with an API key.")


@blp.route("/v1/pulses", methods=["POST"])
@guarded(_manager, *BODY)
@blp.arguments(PulseCreateSchema)
@blp.response(201, PulseSchema)
def define_pulse(fields: dict):
    """Define a pulse (communications staff, or pulses:manage)

    Everyone in the units' subtrees is invited while it is open: members answer about their
    team (anonymously), leaders about themselves, and leaders' managers about those leaders."""
    st, who = state(), principal()
    pulse = pulses.define(st.db.session(), st.bus, fields, who.name, who.label, _now())
    return _described(pulse, 0)


@blp.route("/v1/pulses")
@guarded(may_list_pulses)
@blp.response(200, PulseListSchema)
def list_pulses():
    """Pulses, newest first, with their status and how many answers they have"""
    session = state().db.session
    rows = session.scalars(select(Pulse).order_by(Pulse.created_at.desc(), Pulse.id)).all()
    counts = dict(session.execute(select(PulseParticipation.pulse_id, func.count())
                                  .group_by(PulseParticipation.pulse_id)).all())
    return {"pulses": [_described(p, counts.get(p.id, 0)) for p in rows]}


@blp.route("/v1/pulses/<pulse_id>")
@guarded(may_list_pulses, 404)
@blp.response(200, PulseSchema)
def get_pulse(pulse_id: str):
    """One pulse's definition"""
    session = state().db.session
    pulse = pulses.get(session(), pulse_id)
    count = session.scalar(select(func.count()).select_from(PulseParticipation)
                           .where(PulseParticipation.pulse_id == pulse.id))
    return _described(pulse, count or 0)


@blp.route("/v1/me/pulses")
@guarded(_person)
@blp.arguments(LangQuery, location="query")
@blp.response(200, MyPulsesSchema)
def my_pulses(args: dict):
    """The open pulses the caller is asked to answer, one entry per team and wording

    With the statements in the caller's language (or ?lang=), the scale, and whether each is
    answered already."""
    session, who, now = state().db.session(), principal(), _now()
    person = session.get(Person, who.name)
    lang = args.get("lang") or (person.locale if person is not None and person.locale in LANGS else "nb")
    open_now = pulses.open_pulses(session, now)
    done = pulses.answered(session, who.name, [p.id for p in open_now])
    entries: list[dict[str, Any]] = []
    for pulse in open_now:
        for assignment in pulses.assignments(session, who.name, pulse, now):
            entries.append(_entry(pulse, assignment, lang, (pulse.id, assignment.team, assignment.wording) in done))
    teams = {entry["team"]["id"] for entry in entries}
    names = dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(teams))).all())
    for entry in entries:
        entry["team"]["name"] = names.get(entry["team"]["id"], entry["team"]["id"])
    return {"pulses": entries}


def _entry(pulse: Pulse, assignment: pulses.Assignment, lang: str, done: bool) -> dict[str, Any]:
    return {"pulse": pulse.id, "title": pulse.title, "closes_at": pulses.aware(pulse.closes_at).isoformat(),
            "team": {"id": assignment.team, "name": assignment.team}, "wording": assignment.wording,
            "answered": done, "anonymous": assignment.anonymous,
            "statements": [{"key": library.key_of(s), "text": library.text(s, lang, assignment.wording)}
                           for s in pulse.statements],
            "scale": library.scale(lang), "free_text": pulse.free_text, "comment_max": COMMENT_CHARS}


@blp.route("/v1/pulses/<pulse_id>/answers", methods=["POST"])
@guarded(_person, *BODY, 404, 409)
@blp.arguments(AnswerSchema)
@blp.response(202, AnsweredSchema)
def answer_pulse(fields: dict, pulse_id: str):
    """Answer a pulse for one team and wording (the person's own user token)

    Stored without the person; whether they answered is kept apart, without a time. Answers reach
    the event log and the reports only after the pulse closes, all at once, shuffled, in groups of
    at least ENGAGEMENT_MIN_GROUP_SIZE."""
    st = state()
    session = st.db.session()
    pulse = pulses.get(session, pulse_id)
    pulses.answer(session, principal().name, pulse, fields, _now(), st.token_secret)
    return {"answered": True}


def _described(pulse: Pulse, answers: int) -> dict[str, Any]:
    return {"id": pulse.id, "title": pulse.title, "statements": pulse.statements, "units": pulse.units,
            "opens_at": pulses.aware(pulse.opens_at).isoformat(),
            "closes_at": pulses.aware(pulse.closes_at).isoformat(), "free_text": pulse.free_text,
            "created_by": pulse.created_by, "status": pulses.status(pulse, _now()), "answers": answers}


def _now() -> datetime:
    return datetime.now(UTC)
