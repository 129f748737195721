"""The notification feed, read marks, e-mail preferences, and the unsubscribe page.

A user token sees and changes only its own; an intranet back end's key with
``events:write`` names the person with ``?person=``. The unsubscribe link in every
digest works without logging in: its token is signed with the service's secret, dated,
and revocable (engagement/notifications/unsubscribe.py); a stale one answers 410.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Response, request
from markupsafe import escape

from engagement.auth import Principal
from engagement.directory.model import Person
from engagement.errors import FieldError, Forbidden, ValidationFailed, flatten
from engagement.notifications import service
from engagement.notifications import unsubscribe as links
from engagement.notifications.texts import LANGS, UNSUBSCRIBE_PAGE, UNSUBSCRIBE_STALE
from engagement.schemas.notifications import (
    FeedQuery,
    FeedSchema,
    MarkedSchema,
    MarkReadSchema,
    PersonQuery,
    PreferencesSchema,
    RevokedSchema,
    UnreadSchema,
    UnsubscribeQuery,
)
from engagement.state import state
from engagement.web.requests import BODY, Blueprint, etagged, guarded, principal

blp = Blueprint("notifications", __name__)
HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
PAGES = {200: {"description": "An HTML page", **HTML}, 400: {"description": "The link is not valid", **HTML},
         410: {"description": "The link has expired or was revoked; nothing changed", **HTML}}


def _person(who: Principal, query: type = PersonQuery) -> str:
    """Whose notifications: a user token's own; an API key with 'events:write' names the person
    (if it names nobody, the answer names every other bad parameter too)."""
    if who.is_user:
        asked = request.args.get("person")
        if asked not in (None, who.name):
            raise Forbidden("A user token reads and changes only its own notifications.")
        return who.name
    who.require("events:write")
    person = request.args.get("person")
    if not person:
        others = [e for e in flatten(query().validate(request.args)) if e.field != "person"]
        raise ValidationFailed([FieldError("person", "With an API key, name the person: ?person=kari."), *others])
    return person


def _personal(query: type = PersonQuery, *problems: int) -> Callable:
    """Whose notifications is settled before anything else is read (and ?person= documented)."""
    return lambda view: guarded(lambda who: _person(who, query), *problems)(
        blp.arguments(query, location="query")(view))


@blp.route("/v1/notifications")
@_personal(FeedQuery)
@etagged
@blp.response(200, FeedSchema)
def notification_feed(args: dict):
    """The feed, newest first and grouped (?page=&per_page=&lang=)"""
    person = _person(principal())
    return service.feed(state().db.session(), person, _lang(person, args.get("lang")), args["page"], args["per_page"])


@blp.route("/v1/notifications/unread-count")
@_personal()
@etagged
@blp.response(200, UnreadSchema)
def notification_unread(_: dict):
    """Unread groups: what the bell shows"""
    person = _person(principal())
    return {"person": person, "unread": service.unread_count(state().db.session(), person)}


@blp.route("/v1/notifications/read", methods=["POST"])
@_personal(PersonQuery, *BODY, 404)
@blp.arguments(MarkReadSchema)
@blp.response(200, MarkedSchema)
def notification_read(_: dict, body: dict):
    """Mark groups read, or all

    {"ids": [1, 2]} marks those read; {"all": true} marks everything read."""
    person = _person(principal())
    marked = service.mark_read(state().db.session(), person, body.get("ids"))
    return {"marked": marked, "unread": service.unread_count(state().db.session(), person)}


@blp.route("/v1/notifications/preferences")
@_personal()
@blp.response(200, PreferencesSchema)
def notification_preferences(_: dict):
    """E-mail digest and quiet hours"""
    return service.preferences_dict(service.preferences(state().db.session(), _person(principal())))


@blp.route("/v1/notifications/preferences", methods=["PUT"], endpoint="change_preferences")
@_personal(PersonQuery, *BODY)
@blp.arguments(PreferencesSchema)
@blp.response(200, PreferencesSchema)
def change_preferences(_: dict, body: dict):
    """Change the e-mail digest and quiet hours

    Digest: immediate, daily, weekly or off."""
    return service.set_preferences(state().db.session(), _person(principal()), body)


@blp.route("/v1/notifications/unsubscribe", methods=["GET", "POST"])
@blp.arguments(UnsubscribeQuery, location="query")
@blp.doc(responses=PAGES)
def unsubscribe(args: dict):
    """The unsubscribe page from a digest (no login); POST unsubscribes (RFC 8058 one-click too)

    GET asks (mail scanners open links), POST turns e-mail off. An expired or revoked link answers
    410 and changes nothing."""
    st = state()
    session = st.db.session()
    link = links.read_token(session, st.token_secret, args["token"], st.config["ENGAGEMENT_UNSUBSCRIBE_DAYS"])
    who = session.get(Person, link.person) if link.person else None
    lang = who.locale if who is not None and who.locale in LANGS else "en"
    title, done, button = UNSUBSCRIBE_PAGE[lang]
    if link.state == "invalid":
        return _page("en", "Tillit", "This unsubscribe link is not valid.", status=400)
    if link.state != "ok" or link.person is None:
        return _page(lang, title, UNSUBSCRIBE_STALE[lang], status=410)
    if request.method == "POST":
        service.set_preferences(session, link.person, {"digest": "off"})
        return _page(lang, title, done)
    form = (f'<form method="post"><button type="submit">{escape(button)}</button></form>')
    return _page(lang, title, "", form)


@blp.route("/v1/notifications/unsubscribe/revoke", methods=["POST"])
@_personal()
@blp.response(200, RevokedSchema)
def revoke_links(_: dict):
    """Revoke every unsubscribe link mailed so far (turning e-mail on again does it too)

    A forwarded digest or a shared inbox stops working."""
    person = _person(principal())
    return {"person": person, "revoked": True, "generation": links.revoke(state().db.session(), person)}


def _page(lang: str, title: str, text: str, form: str = "", status: int = 200) -> Response:
    body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
            f'<h1>{escape(title)}</h1>{f"<p>{escape(text)}</p>" if text else ""}{form}</main></body></html>')
    return Response(body, status=status, mimetype="text/html")


def _lang(person: str, lang: str | None) -> str:
    if lang in LANGS:
        return lang
    who = state().db.session.get(Person, person)
    return who.locale if who is not None and who.locale in LANGS else "nb"
