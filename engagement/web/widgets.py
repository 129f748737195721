"""The embeddable widget scripts (the demo pages that show them working are in ``engagement/demo/api.py``)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Response, request

from engagement.state import state
from engagement.translations.javascript import catalogs_script
from engagement.web.requests import Blueprint

STATIC = Path(__file__).resolve().parent.parent / "static"
blp = Blueprint("widgets", __name__)
SCRIPT = {"responses": {200: {"description": "The script", "content": {"text/javascript": {
    "schema": {"type": "string"}}}}, 304: {"description": "Not modified (If-None-Match)"}}}


@blp.route("/v1/widget.js")
@blp.doc(**SCRIPT)
def widget_script():
    """The like and Bra! buttons, the campaign, profile, awards and lottery widgets, the bell, and the "my data" page"""
    # the lottery's files come before the awards page's: the leaders' page puts the month's draw on it
    return _script("tillit.js", "tillit-lottery.js", "tillit-lottery-leaders.js", "tillit-awards.js", "tillit-bell.js",
                   "tillit-mydata.js")


@blp.route("/v1/trust.js")
@blp.doc(**SCRIPT)
def trust_script():
    """The trust-signal dashboard for communications staff"""
    return _script("tillit-trust.js")


@blp.route("/v1/console.js")
@blp.doc(**SCRIPT)
def console_script():
    """The console for communications staff, leaders and the operator: campaigns, review queue, keys, audit"""
    return _script("tillit-console.js")


@blp.route("/v1/pulse.js")
@blp.doc(**SCRIPT)
def pulse_script():
    """The pulse widget: a person's open pulses to answer"""
    # It tells people from how many answers results are shown, so it must say this instance's number.
    return _script("tillit-pulse.js", settings={"pulse": {"minAnswers": state().config["ENGAGEMENT_MIN_GROUP_SIZE"]}})


@lru_cache(maxsize=8)
def _source(*names: str, settings: str = "") -> str:
    """One script tag each: the shared core goes in front of the widget's own files, and between
    them the translations of the texts those files use, from Tillit's gettext catalogs, and the
    instance's settings the files read (``TillitCore.settings``)."""
    core = (STATIC / "tillit-core.js").read_text(encoding="utf-8")  # its texts too: what a failed call says
    own = "\n".join((STATIC / n).read_text(encoding="utf-8") for n in names)
    parts = [core, catalogs_script(core + "\n" + own)]
    if settings:
        parts.append(f"window.TillitCore.settings = Object.assign(window.TillitCore.settings || {{}}, {settings});")
    return "\n".join((*parts, own))


def _script(*names: str, settings: dict | None = None) -> Response:
    """Cached for five minutes, revalidated by ETag."""
    shown = json.dumps(settings, sort_keys=True) if settings else ""
    response = Response(_source(*names, settings=shown), mimetype="text/javascript")
    response.cache_control.public, response.cache_control.max_age = True, 300
    response.add_etag()
    response.make_conditional(request)  # turns it into a 304 in place when the ETag still holds
    return response
