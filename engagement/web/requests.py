"""Reading a request: the caller's identity and a JSON body, or a clear 4xx."""
from __future__ import annotations

from typing import Any

from flask import g, request
from marshmallow import Schema, ValidationError

from engagement.auth import KEY_PREFIX, Principal, principal_for_key, principal_for_token
from engagement.errors import EngagementError, FieldError, Forbidden, Unauthenticated, ValidationFailed
from engagement.state import state

MAX_DEPTH = 32


def principal() -> Principal:
    """The verified caller, once per request: the rate limiter and the view both ask."""
    known = g.get("tillit_principal")
    if known is None:
        known = g.tillit_principal = _verify()
    return known


def _verify() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthenticated("Send 'Authorization: Bearer <API key or user token>'.")
    credential = credential.strip()
    st = state()
    if credential.startswith(KEY_PREFIX):
        return principal_for_key(st.db.session, credential, st.key_cache)
    return principal_for_token(credential, st.token_secret, st.config["ENGAGEMENT_TOKEN_MAX_AGE"],
                               bool(st.config["ENGAGEMENT_DEMO"]))


def query(schema: Schema) -> dict:
    """The query parameters ``schema`` declares, validated, or a 422 naming each bad one."""
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        from engagement.ledger.service import flatten
        raise ValidationFailed(flatten(exc.messages)) from exc


def json_body() -> Any:
    """The body as JSON; no event or setting of ours nests deeper than MAX_DEPTH, and a parser
    must never be made to recurse without end."""
    if not request.is_json:
        raise EngagementError("Send the body as application/json.", 415, "Unsupported media type")
    try:
        body = request.get_json()
        too_deep = _depth(body) > MAX_DEPTH
    except RecursionError:
        too_deep = True
    if too_deep:
        raise EngagementError(f"The JSON is nested deeper than {MAX_DEPTH} levels.", 400, "Bad request")
    return body


def _depth(value: Any) -> int:
    """How deeply ``value`` nests, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


# Keys that may read one named person's own data (their likes, their profile progress): the
# intranet back end renders pages for that person; communications staff read reports.
PERSON_READERS = frozenset({"events:write", "reports:read"})


def viewer_for(who: Principal, asked: str | None) -> str | None:
    """Whose ``liked_by_me`` to answer: a user token's own person, always; another named person
    only for a key with 'events:write', the intranet back end rendering that person's page. Any
    other key (audit, trust, moderation) would learn, target by target, what a colleague liked."""
    if who.is_user:
        return who.name
    if asked is not None and "events:write" not in who.scopes:
        raise Forbidden("Only an API key with 'events:write' (the intranet back end) may name a viewer.",
                        [FieldError("viewer", "Leave it out, or use a key with 'events:write'.")])
    return asked


def person_reader(who: Principal, person: str, what: str) -> None:
    """A user token reads only its own person's ``what``; a key needs a scope that reads people's data."""
    if who.is_user and who.name != person:
        raise Forbidden(f"A user token shows only its own {what}.")
    if not who.is_user and not (PERSON_READERS & who.scopes):
        raise Forbidden("This needs the scope 'events:write' or 'reports:read'.")


def leader_or(who: Principal, *scopes: str) -> Principal:
    """A leader's user token, or an API key with one of ``scopes``."""
    if who.is_user and "leader" in who.roles or not who.is_user and set(scopes) & who.scopes:
        return who
    raise Forbidden("Only leaders (or an API key with " + " or ".join(map(repr, scopes)) + ") may do this.")


def cached(response):
    """Counts change often: let browsers revalidate with the ETag instead of refetching."""
    response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
