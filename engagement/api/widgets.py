"""The embeddable widget script, and a demo intranet page that shows it working."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request

from engagement.auth import Principal, mint_user_token
from engagement.config import uses_kafka
from engagement.extension import state
from engagement.models import Campaign, Team
from engagement.services import campaigns, directory, trust_demo
from engagement.services.ingest import ingest
from schemas.directory import DirectorySyncSchema
from schemas.patterns import MONTH_PATTERN, fullmatch

STATIC = Path(__file__).resolve().parent.parent / "static"
DEMO_USERS = {"kari": ("Kari Nordmann", ()), "ola": ("Ola Hansen", ()), "lena": ("Lena Berg", ("leader",)),
              "siri": ("Siri Dahl", ("communications",))}
DEMO_ARTICLES = (
    {"id": "news-canteen", "owner": "ola", "unit": "Drift", "title": "Ny kantineordning fra januar",
     "text": "Etter alle innspillene dere ga i høst, endrer vi åpningstidene og legger til en salatbar."},
    {"id": "news-sharing", "owner": "kari", "unit": "Kommunikasjon",
     "title": "Slik deler du dokumenter med andre avdelinger",
     "text": "En kort guide til deling på tvers, med tips fra tre team som har fått det til."},
    {"id": "news-welcome", "owner": "lena", "unit": "HR", "title": "Velkommen til nye kolleger i HR",
     "text": "Tre nye kolleger startet denne uka. Ta gjerne en kaffe med dem!"},
)
LANGUAGES = {"nb": "Bokmål", "nn": "Nynorsk", "da": "Dansk", "en": "English"}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/widget.js", "widget_script", widget_script)
    bp.add_url_rule("/demo", "demo_page", demo_page)
    bp.add_url_rule("/v1/trust.js", "trust_script", trust_script)
    bp.add_url_rule("/demo/awards", "demo_awards_page", demo_awards_page)
    bp.add_url_rule("/demo/trust", "demo_trust_page", demo_trust_page)


def widget_script():
    """The like and Bra! buttons, the campaign, profile and awards widgets, and the bell."""
    return _script("tillit.js", "tillit-bell.js")


def trust_script():
    """The trust-signal dashboard for communications staff."""
    return _script("tillit-trust.js")


@lru_cache(maxsize=4)
def _source(*names: str) -> str:
    """One script tag each: the shared core goes in front of the widget's own files."""
    return "\n".join((STATIC / n).read_text(encoding="utf-8") for n in ("tillit-core.js", *names))


def _script(*names: str) -> Response:
    """Cached for five minutes, revalidated by ETag."""
    response = Response(_source(*names), mimetype="text/javascript")
    response.cache_control.public, response.cache_control.max_age = True, 300
    response.add_etag()
    return response.make_conditional(request)


def demo_page():
    """A small intranet with news and ideas, as demo users; never on in production by default."""
    user, lang, name, roles, config = _demo_visitor()
    _demo_campaign()
    token = mint_user_token(state().token_secret, user, ttl=3600, roles=roles)
    return render_template("tillit/demo.html", user=user, name=name, users=DEMO_USERS, lang=lang,
                           languages=LANGUAGES, token=token, articles=DEMO_ARTICLES,
                           profile_fields=[(s.field, s.labels["nb"]) for s in state().checklist],
                           prefix=config["ENGAGEMENT_URL_PREFIX"])


def demo_awards_page():
    """The leaders' page of the demo: a month's awards, its announcement and the finalise button."""
    user, lang, name, roles, config = _demo_visitor(default_user="lena")
    token = mint_user_token(state().token_secret, user, ttl=3600, roles=roles)
    month = request.args.get("month", "")
    return render_template("tillit/demo_awards.html", user=user, name=name, lang=lang, token=token,
                           month=month if fullmatch(MONTH_PATTERN, month) else "", prefix=config["ENGAGEMENT_URL_PREFIX"])


def demo_trust_page():
    """Communications staff's page of the demo: the trust-signal dashboard, as Siri."""
    user, lang, name, roles, config = _demo_visitor(default_user="siri")
    planted = _demo_trust_org()
    token = mint_user_token(state().token_secret, user, ttl=3600, roles=roles)
    period = request.args.get("period", planted)
    return render_template("tillit/demo_trust.html", user=user, name=name, lang=lang, token=token,
                           period=period if fullmatch(MONTH_PATTERN, period) or period in ("30d", "90d") else "30d",
                           prefix=config["ENGAGEMENT_URL_PREFIX"])


def _demo_visitor(default_user: str = "kari"):
    config = state().config
    enabled = config["ENGAGEMENT_DEMO"]
    if enabled is None:
        enabled = not uses_kafka(config)
    user, lang = request.args.get("user", default_user), request.args.get("lang", "nb")
    if not enabled or user not in DEMO_USERS or lang not in LANGUAGES:
        abort(404)
    name, roles = DEMO_USERS[user]
    return user, lang, name, roles, config


def _demo_trust_org() -> str:
    """The demo's synthetic organisation with planted patterns over the last four months, loaded
    through the directory sync and the event bus the first time the page is shown; answers the
    month with the patterns."""
    st = state()
    months = trust_demo.last_months(datetime.now(ZoneInfo(st.config["ENGAGEMENT_TIMEZONE"])).date())
    if st.db.session.get(Team, "helse") is None:
        payload = DirectorySyncSchema().load({**trust_demo.directory(), "mode": "delta"})
        directory.sync(st.db.session, payload, datetime.now(timezone.utc))
        _publish(trust_demo.events(months))
    return months[-1]


def _publish(events: list[dict]) -> None:
    """What the demo's intranet back end would send, with its key."""
    st, who = state(), Principal("key", "demo", frozenset({"events:write"}))
    for start in range(0, len(events), 500):
        ingest(events[start:start + 500], who, st.bus, st.config["ENGAGEMENT_MAX_CLOCK_SKEW"], True)


def _demo_campaign() -> None:
    """The demo's idea campaign, opened by Lena, and its articles, published by their authors,
    the first time the page is shown."""
    session = state().db.session
    if session.get(Campaign, "demo-sharing") is None:
        people = [{"id": pid, "name": full, "team": "demo", "role": "leader" if "leader" in roles else "member"}
                  for pid, (full, roles) in DEMO_USERS.items()]
        payload = DirectorySyncSchema().load({"mode": "delta", "people": people,
                                              "teams": [{"id": "demo", "name": "Demo", "parent": None}]})
        directory.sync(session, payload, datetime.now(timezone.utc))
        campaigns.create(session, {"id": "demo-sharing", "question": "Hvordan kan vi dele mer på tvers av team?",
                                   "description": "Alle idéer er velkomne – bygg gjerne videre på andres."}, "lena")
        _publish([
            {"id": f"demo-article-{a['id']}", "type": "content.published", "actor": a["owner"],
             "target": {"kind": "article", "id": a["id"], "owner": a["owner"]},
             "time": datetime.now(timezone.utc).isoformat(),
             "data": {"content_kind": "article", "title": a["title"]}} for a in DEMO_ARTICLES])
