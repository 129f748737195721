"""The notification feed, read marks, e-mail preferences, and the unsubscribe page.

A user token sees and changes only its own; an intranet back end's key with
``events:write`` names the person with ``?person=``. The unsubscribe link in every
digest works without logging in: its token is signed with the service's secret, dated,
and revocable (engagement/notifications/unsubscribe.py); a stale one answers 410.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from markupsafe import escape

from engagement.web.requests import cached, json_body, principal, query
from engagement.errors import FieldError, Forbidden, ValidationFailed
from engagement.state import state
from engagement.directory.model import Person
from engagement.notifications import service
from engagement.notifications import unsubscribe as links
from engagement.notifications.texts import LANGS, UNSUBSCRIBE_PAGE, UNSUBSCRIBE_STALE
from engagement.schemas.query import FeedQuery

_feed_query = FeedQuery()


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/notifications", "notification_feed", notification_feed)
    bp.add_url_rule("/v1/notifications/unread-count", "notification_unread", notification_unread)
    bp.add_url_rule("/v1/notifications/read", "notification_read", notification_read, methods=["POST"])
    bp.add_url_rule("/v1/notifications/preferences", "notification_preferences", notification_preferences,
                    methods=["GET", "PUT"])
    bp.add_url_rule("/v1/notifications/unsubscribe", "notification_unsubscribe", unsubscribe,
                    methods=["GET", "POST"])
    bp.add_url_rule("/v1/notifications/unsubscribe/revoke", "notification_unsubscribe_revoke", revoke_links,
                    methods=["POST"])


def notification_feed():
    """Newest first, grouped: ?page=1&per_page=20&lang=nb."""
    person, args = _person(), query(_feed_query)
    return cached(jsonify(service.feed(state().db.session, person, _lang(person), args["page"], args["per_page"])))


def notification_unread():
    """How many groups are unread: what the bell shows."""
    person = _person()
    return cached(jsonify({"person": person, "unread": service.unread_count(state().db.session, person)}))


def notification_read():
    """{"ids": [1, 2]} marks those read; {"all": true} marks everything read."""
    person, body = _person(), json_body()
    ids = body.get("ids") if isinstance(body, dict) else None
    if isinstance(body, dict) and body.get("all") is True and set(body) == {"all"}:
        ids = None
    elif not isinstance(ids, list) or not 1 <= len(ids) <= 1000 or set(body) != {"ids"} or \
            not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise ValidationFailed([FieldError("ids", 'A list of 1 to 1000 notification ids, or send {"all": true}.')])
    marked = service.mark_read(state().db.session, person, ids)
    return jsonify({"marked": marked, "unread": service.unread_count(state().db.session, person)})


def notification_preferences():
    """E-mail digest (immediate, daily, weekly, off) and quiet hours."""
    person = _person()
    session = state().db.session
    if request.method == "PUT":
        body = json_body()
        if not isinstance(body, dict):
            raise ValidationFailed([FieldError("", "Send an object.")])
        return jsonify(service.set_preferences(session, person, body))
    return jsonify(service.preferences_dict(service.preferences(session, person)))


def unsubscribe():
    """From the link in a digest: GET asks (mail scanners open links), POST turns e-mail off
    (the RFC 8058 one-click POST too). An expired or revoked link answers 410 and changes nothing."""
    st = state()
    session = st.db.session
    link = links.read_token(session, st.token_secret, request.args.get("token", ""),
                            st.config["ENGAGEMENT_UNSUBSCRIBE_DAYS"])
    who = session.get(Person, link.person) if link.person else None
    lang = who.locale if who is not None and who.locale in LANGS else "en"
    title, done, button = UNSUBSCRIBE_PAGE[lang]
    if link.state == "invalid":
        return _page("en", "Tillit", "This unsubscribe link is not valid.", status=400)
    if link.state != "ok":
        return _page(lang, title, UNSUBSCRIBE_STALE[lang], status=410)
    if request.method == "POST":
        service.set_preferences(session, link.person, {"digest": "off"})
        return _page(lang, title, done)
    form = (f'<form method="post"><button type="submit">{escape(button)}</button></form>')
    return _page(lang, title, "", form)


def revoke_links():
    """Every unsubscribe link already mailed stops working (a forwarded digest, a shared inbox)."""
    person = _person()
    generation = links.revoke(state().db.session, person)
    return jsonify({"person": person, "revoked": True, "generation": generation})


def _page(lang: str, title: str, text: str, form: str = "", status: int = 200) -> Response:
    body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
            f'<h1>{escape(title)}</h1>{f"<p>{escape(text)}</p>" if text else ""}{form}</main></body></html>')
    return Response(body, status=status, mimetype="text/html")


def _person() -> str:
    who = principal()
    if who.is_user:
        asked = request.args.get("person")
        if asked not in (None, who.name):
            raise Forbidden("A user token reads and changes only its own notifications.")
        return who.name
    who.require("events:write")
    person = request.args.get("person")
    if not person:
        raise ValidationFailed([FieldError("person", "With an API key, name the person: ?person=kari.")])
    return person


def _lang(person: str) -> str:
    lang = request.args.get("lang")
    if lang in LANGS:
        return lang
    who = state().db.session.get(Person, person)
    return who.locale if who is not None and who.locale in LANGS else "nb"
