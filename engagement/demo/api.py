"""The demo intranet: pages that mint tokens for made-up users and load a made-up organisation.

A blueprint of its own that exists only where someone asked for the demo
(``engagement serve --demo`` or ``ENGAGEMENT_DEMO=true``): without it, /demo is a plain 404
and nothing here can mint a token or write a row. Every page says it is a demo.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from engagement.auth import DEMO_AUDIENCE, Principal, mint_user_token
from engagement.db import utcnow
from engagement.demo import keys as demo_keys
from engagement.demo import lottery as demo_lottery
from engagement.demo import pulses as demo_pulses
from engagement.demo import service as demo
from engagement.demo.ready import wait_until_applied
from engagement.directory.model import Person
from engagement.errors import EngagementError
from engagement.ledger.service import ingest, load
from engagement.schemas.demo import LANGUAGES, VisitorQuery
from engagement.schemas.patterns import MONTH_PATTERN, fullmatch
from engagement.state import state
from engagement.translations import N_, template_functions, translations
from engagement.web import problems
from engagement.web.requests import Blueprint

TOKEN_TTL = 3600
blp = Blueprint("engagement_demo", __name__, template_folder="../templates",
                invalid_detail=lambda _: "The demo page has no such user or language.")
blp.register_error_handler(EngagementError, problems.from_domain_error)
blp.register_error_handler(HTTPException, problems.from_http_exception)
blp.before_app_request(demo_keys.refuse_managing_keys)  # the console's keys, as a demo visitor makes them
blp.after_app_request(demo_keys.mark_made_key)


SINCE = "engagement_demo_since"
PULSE_LEADER = "silo-0"  # the planted Siloen's leader, whose team answered the demo's closed pulse


def install(app: Flask, prefix: str | None) -> None:
    """Mount the demo pages on ``app`` (before its first request) and mark the demo as on, noting
    when: keys and hooks made from then on are the demo box's, older ones someone's real instance's."""
    app.register_blueprint(blp, url_prefix=prefix or None)
    app.extensions[SINCE] = utcnow()
    state(app).turn_on_demo()


@blp.route("/demo")
@blp.arguments(VisitorQuery, location="query")
def demo_page(args: dict):
    """A small intranet with news, ideas, a profile and the bell, as one of four made-up people."""
    visitor = _visitor(args, "kari")
    _ensure_intranet()
    return _render("tillit/demo.html", visitor, users=demo.USERS, languages=LANGUAGES, articles=demo.ARTICLES,
                   names={pid: name for pid, name, _ in demo.USERS.values()},
                   profile_fields=_profile_fields(visitor["lang"]))


# A form field is labelled with what it holds, not with the checklist's call to action ("Add your
# job title" is the profile bar's next step); a hint, where one helps, is the field's description.
FIELD_NAMES = {"photo": (N_("Photo"), N_("A link to your photo, or its file name.")),
               "title": (N_("Job title"), ""),
               "about": (N_("About me"), N_("A few sentences about you and your work.")),
               "skills": (N_("Skills"), N_("Separate them with commas.")),
               "languages": (N_("Languages"), N_("Separate them with commas.")),
               "location": (N_("Location"), N_("Where colleagues find you, such as a building or an office.")),
               "ask_me_about": (N_("Ask me about"), N_("Subjects colleagues are welcome to ask you about."))}


def _profile_fields(lang: str) -> list[tuple[str, str, str]]:
    """(field, label, hint) for the demo's profile form; a field of a custom checklist the demo
    does not know keeps the checklist's label and has no hint."""
    gettext = translations(lang).gettext

    def named(step) -> tuple[str, str, str]:
        if step.field not in FIELD_NAMES:
            return step.field, step.labels[lang], ""
        label, hint = FIELD_NAMES[step.field]
        return step.field, gettext(label), gettext(hint) if hint else ""
    return [named(step) for step in state().checklist]


@blp.route("/demo/awards")
@blp.arguments(VisitorQuery, location="query")
def demo_awards_page(args: dict):
    """The leaders' page of the demo: a month's awards, its announcement and the finalise button."""
    visitor = _visitor(args, "lena")
    _ensure_intranet()
    month = request.args.get("month", "")
    return _render("tillit/demo_awards.html", visitor, month=month if fullmatch(MONTH_PATTERN, month) else "")


@blp.route("/demo/trust")
@blp.arguments(VisitorQuery, location="query")
def demo_trust_page(args: dict):
    """Communications staff's page of the demo: the trust-signal dashboard on a planted organisation."""
    visitor = _visitor(args, "siri")
    _ensure_intranet()
    st, now = state(), datetime.now(UTC)
    today = now.astimezone(ZoneInfo(st.config["ENGAGEMENT_TIMEZONE"])).date()
    planted = demo.ensure_trust(st.db.session(), _publish, today, now, current_app.extensions.get(SINCE))
    demo_pulses.ensure_closed(st.db.session(), st.bus, now, st.config["ENGAGEMENT_MIN_GROUP_SIZE"],
                              st.token_secret)
    period = request.args.get("period", planted)
    return _render("tillit/demo_trust.html", visitor,
                   period=period if fullmatch(MONTH_PATTERN, period) or period in ("30d", "90d") else "30d")


@blp.route("/demo/pulse-report")
@blp.arguments(VisitorQuery, location="query")
def demo_pulse_report_page(args: dict):
    """The leader's report of a closed pulse (?pulse=&team=): the team's answers beside the leader's
    own and their manager's, and the team's trust signals over the pulse's days. Lena leads the
    intranet's own team of five, too few to show results, so a leader visiting sees the page as the
    leader of the planted organisation's Siloen, whose people answered the demo's closed pulse;
    ?user=siri shows it as communications staff, who may open any team's report."""
    visitor = _visitor(args, "lena")
    _ensure_intranet()
    st, now = state(), datetime.now(UTC)
    today = now.astimezone(ZoneInfo(st.config["ENGAGEMENT_TIMEZONE"])).date()
    session = st.db.session()
    demo.ensure_trust(session, _publish, today, now, current_app.extensions.get(SINCE))
    demo_pulses.ensure_closed(session, st.bus, now, st.config["ENGAGEMENT_MIN_GROUP_SIZE"], st.token_secret)
    if visitor["user"] == "lena":
        leader = session.get(Person, demo.ns(PULSE_LEADER))
        if leader is not None:
            visitor = {**visitor, "person": leader.id, "name": leader.name}
    return _render("tillit/demo_pulse_report.html", visitor)


@blp.route("/demo/pulse-heatmap")
@blp.arguments(VisitorQuery, location="query")
def demo_pulse_heatmap_page(args: dict):
    """Communications staff's pulse results: statements by unit, trends over pulses and CSV."""
    visitor = _visitor(args, "siri")
    _ensure_intranet()
    st, now = state(), datetime.now(UTC)
    today = now.astimezone(ZoneInfo(st.config["ENGAGEMENT_TIMEZONE"])).date()
    demo.ensure_trust(st.db.session(), _publish, today, now, current_app.extensions.get(SINCE))
    demo_pulses.ensure_closed(st.db.session(), st.bus, now, st.config["ENGAGEMENT_MIN_GROUP_SIZE"],
                              st.token_secret)
    return _render("tillit/demo_pulse_heatmap.html", visitor)


@blp.route("/demo/console")
@blp.arguments(VisitorQuery, location="query")
def demo_console_page(args: dict):
    """The console as a leader (campaigns, awards), communications staff (the thresholds in force, pulses
    defined and a form to define one against the demo's directory) or
    the operator (review queue, API keys, audit logs; admin). The operator's token, as every demo
    token, is for the demo's audience only: no instance without the demo takes it, and the demo
    mints none over a database holding anything it did not make. A key made here is named
    ``demo: ...`` and never has 'keys:manage' (engagement/demo/keys.py)."""
    visitor = _visitor(args, "lena")
    _ensure_intranet()
    return _render("tillit/demo_console.html", visitor, names={u: name for u, (_, name, _) in demo.USERS.items()})


@blp.route("/demo/my-data")
@blp.arguments(VisitorQuery, location="query")
def demo_my_data_page(args: dict):
    """"Mine data": everything Tillit holds about the visitor, with the downloads (GET /v1/me/data)."""
    visitor = _visitor(args, "kari")
    _ensure_intranet()
    return _render("tillit/demo_my_data.html", visitor)


def _visitor(args: dict[str, Any], default_user: str) -> dict[str, Any]:
    """Who the page is shown as (VisitorQuery named any bad choice)."""
    user = args.get("user", default_user)
    person, name, roles = demo.USERS[user]
    return {"user": user, "person": person, "name": name, "roles": roles, "lang": args["lang"],
            "prefix": state().config["ENGAGEMENT_URL_PREFIX"]}


def _render(template: str, visitor: dict[str, Any], **context: Any) -> str:
    """The page, with a token for its made-up person: minted only once the organisation is the demo's,
    and for the demo's own audience, which only an instance serving the demo accepts (a demo box
    started with a real instance's secret must not hand out tokens that instance takes). Answered
    only once the read models applied what the demo published, so no first view is half counted."""
    wait_until_applied(state())
    token = mint_user_token(state().token_secret, visitor["person"], ttl=TOKEN_TTL, roles=visitor["roles"],
                            audience=DEMO_AUDIENCE)
    return render_template(template, token=token, **visitor, **context, **template_functions(visitor["lang"]))


def _ensure_intranet() -> None:
    st, now = state(), datetime.now(UTC)
    demo.ensure_intranet(st.db.session(), _publish, now, current_app.extensions.get(SINCE))
    demo_pulses.ensure_open(st.db.session(), st.bus, now)
    demo_lottery.ensure(st.db.session(), _publish, now, st.config["ENGAGEMENT_TIMEZONE"])


def _publish(events: list[dict]) -> None:
    """What the demo's intranet back end would send, with its key."""
    st, who = state(), Principal("key", "demo", frozenset({"events:write"}))
    for start in range(0, len(events), 500):
        ingest(load(events[start:start + 500], who, st.config["ENGAGEMENT_MAX_CLOCK_SKEW"], 500), who, st.bus, True)
