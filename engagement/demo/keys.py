"""API keys a demo visitor makes: marked as the demo's, and never with 'keys:manage'.

The demo hands its operator, Tor, an admin token, so anyone who opens the demo's console can
make API keys. Such a key is named ``demo: <name>``, so a key list (the console's, or
``engagement keys list``) tells it from a key the operator made; and it never carries
'keys:manage', so a key made by anyone on the internet can never manage the keys of whatever
the database later serves. Hooks of the demo's blueprint: they exist only where the demo is on.
"""
from __future__ import annotations

import json
from typing import Any

import jwt
from flask import Response, current_app, request
from sqlalchemy import update

from engagement.auth import DEMO_AUDIENCE, KEY_PREFIX
from engagement.errors import Forbidden
from engagement.ledger.model import ApiKey
from engagement.state import state
from engagement.web import keys as console_keys

MARK = "demo: "
NAME_LENGTH = 100  # ApiKey.name's column
REFUSED_SCOPES = frozenset({"keys:manage"})


def makes_a_key() -> bool:
    """Whether the request is the console's "make a key", wherever the host mounted the API."""
    endpoint = request.endpoint
    return request.method == "POST" and endpoint is not None and \
        current_app.view_functions.get(endpoint) is console_keys.make_key


def by_a_visitor() -> bool:
    """Whether the request carries a demo token (for the demo's audience only). The signature is
    checked later, by the sign-in: a forged token is refused there, and being taken for a visitor
    here only ever restricts it more."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential or credential.startswith(KEY_PREFIX):
        return False
    try:
        claims = jwt.decode(credential, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return False
    return claims.get("aud") == DEMO_AUDIENCE


def refuse_managing_keys() -> None:
    """Before the key is made: a visitor's key never gets 'keys:manage'."""
    if not makes_a_key() or not by_a_visitor():
        return
    body = request.get_json(silent=True)
    scopes = body.get("scopes") if isinstance(body, dict) else None
    if isinstance(scopes, list) and REFUSED_SCOPES & set(map(str, scopes)):
        raise Forbidden("A key made in the demo never gets 'keys:manage': anyone can open the demo, and such a "
                        "key would manage the keys of whatever instance later serves this database.")


def mark_made_key(response: Response) -> Response:
    """After the key is made: its name says it came from the demo, in the database and in the answer."""
    if not makes_a_key() or response.status_code != 201 or not by_a_visitor():
        return response
    made: dict[str, Any] = json.loads(response.get_data(as_text=True))
    if made.get("name", "").startswith(MARK):
        return response
    made["name"] = marked(made["name"])
    session = state().db.session()
    session.execute(update(ApiKey).where(ApiKey.prefix == made["prefix"]).values(name=made["name"]))
    session.commit()
    response.set_data(json.dumps(made))
    return response


def marked(name: str) -> str:
    return (MARK + name)[:NAME_LENGTH]
