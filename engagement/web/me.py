"""``GET /v1/me``: the person and roles of the verified caller, so a widget never reads them from
the token itself. A token fetched from ``data-token-url`` or a host page's callback is opaque to
the widget, and an OIDC token may name its person in a claim other than ``sub``: only
``principal()``, which verified the token, knows whom it names."""
from __future__ import annotations

from engagement.auth import Principal
from engagement.errors import Forbidden
from engagement.schemas.me import MeSchema
from engagement.web.requests import Blueprint, guarded, principal

blp = Blueprint("me", __name__)


def _person(who: Principal) -> None:
    if not who.is_user:
        raise Forbidden("An API key names no person; /v1/me answers a person's user token.")


@blp.route("/v1/me")
@guarded(_person)
@blp.response(200, MeSchema)
def me():
    """The caller's person id and roles (their own user token), read once per page by the widgets"""
    who = principal()
    return {"person": who.name, "roles": sorted(who.roles)}
