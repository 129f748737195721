"""Reading a request: the caller's identity, then its arguments through the endpoint's
marshmallow schemas (flask-smorest and webargs), or a clear 4xx problem naming each bad field."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import flask_smorest
from flask import current_app, g, request
from flask_smorest.utils import deepupdate
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.routing import PathConverter

from engagement.auth import ADMIN_ROLE, KEY_PREFIX, Principal, principal_for_key
from engagement.errors import EngagementError, FieldError, Forbidden, Unauthenticated, ValidationFailed, flatten
from engagement.state import state

MAX_DEPTH = 32
INVALID = "The request has invalid fields."
PROBLEM = {"description": "", "content": {"application/problem+json": {"schema": "Problem"}}}
BODY = (400, 413, 415)  # what a JSON body may answer before its fields are read
_REASONS = {400: "Body is not JSON", 401: "No or bad credentials", 403: "Not allowed", 404: "Not found",
            409: "Conflict", 413: "Body too large", 415: "Not application/json",
            503: "Unavailable; retry after Retry-After"}


class IdConverter(PathConverter):
    """A person's id in a URL (``<id:person>``): ids may hold ``/``, and any other character must
    reach the view too, whose schema or lookup answers a problem naming it. Werkzeug's ``path``
    stops at a line break, and a URL that matches no route gets the host app's HTML 404, never
    Tillit's problem+json."""

    regex = r"(?s:[^/].*?)"


def principal() -> Principal:
    """The verified caller, once per request: the rate limiter and the view both ask, and a
    refusal is remembered too, so a token is never verified twice (a slow provider's 503 is
    waited for once)."""
    known = g.get("tillit_principal")
    if known is None:
        try:
            known = g.tillit_principal = _verify()
        except Exception as refused:
            g.tillit_principal = refused
            raise
    if isinstance(known, Exception):
        raise known
    return known


def _verify() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthenticated("Send 'Authorization: Bearer <API key or user token>'.")
    credential = credential.strip()
    st = state()
    if credential.startswith(KEY_PREFIX):  # the scoped session, not one made: a cached key needs none
        return principal_for_key(st.db.session, credential, st.key_cache)
    return st.sign_in.principal(credential)  # an OpenID Connect issuer's token or an HS256 one


class Parser(FlaskParser):
    """webargs for Tillit: a JSON body passes json_body's checks first (415, 400, depth), and the
    bad fields of every location (path, query, body) are gathered, so one 422 names them all."""

    def _raw_load_json(self, req: Any) -> Any:
        return json_body()

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().parse(*args, **kwargs)
        except ValidationFailed as exc:
            g.setdefault("tillit_invalid", []).extend(exc.errors)
            return {}  # never seen by the view: the next _settled raises every error together

    def handle_error(self, error: ValidationError, req: Any, schema: Schema, *,
                     error_status_code: int | None, error_headers: Any) -> NoReturn:
        raise ValidationFailed([e for messages in error.normalized_messages().values() for e in flatten(messages)])


def _settled(view: Callable) -> Callable:
    """Run below a view's last argument parser: whatever they found wrong answers 422 here, in
    the words of the view's blueprint, before the view runs."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        errors = g.pop("tillit_invalid", None)
        if errors:
            blueprint = current_app.blueprints.get(request.blueprint or "")
            raise ValidationFailed(errors, getattr(blueprint, "invalid_detail", lambda _: INVALID)(errors))
        return view(*args, **kwargs)
    return wrapper


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose views say their schemas: they validate, shape and document."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args: Any, invalid_detail: Callable[[list[FieldError]], str] | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        if invalid_detail is not None:
            self.invalid_detail = invalid_detail

    def arguments(self, schema: Any, **kwargs: Any) -> Callable:
        """flask-smorest's, with the errors settled below the innermost parser only."""
        parse = super().arguments(schema, **kwargs)

        def decorator(view: Callable) -> Callable:
            parsed = parse(view if getattr(view, "_tillit_parses", False) else _settled(view))
            parsed._tillit_parses = True
            return parsed
        return decorator


def guarded(check: Callable[[Principal], Any] | None = None, *problems: int) -> Callable:
    """Who may call is settled before any argument is read: a caller without the right gets
    401 or 403, never a 422 about a body it may not send. Documents the bearer scheme and
    the problems the view may answer besides."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = principal()
            if check is not None:
                check(who)
            return view(*args, **kwargs)
        return documented(wrapper, security=[{"bearer": []}], responses={
            code: {**PROBLEM, "description": _REASONS[code]} for code in (401, 403, *problems)})
    return decorator


def documented(view: Callable, **doc: Any) -> Callable:
    """Add to what the OpenAPI document says of ``view`` (as flask-smorest's ``Blueprint.doc``)."""
    apidoc = dict(getattr(view, "_apidoc", {}))
    apidoc["manual_doc"] = deepupdate(dict(apidoc.get("manual_doc", {})), doc)
    view.__dict__["_apidoc"] = apidoc  # a function's attributes live in its __dict__
    return view


def etagged(view: Callable) -> Callable:
    """The view's answer, revalidated by ETag (``cached``)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return cached(current_app.make_response(view(*args, **kwargs)))
    return documented(wrapper, responses={304: {"description": "Not modified (If-None-Match)"}})


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
    if not isinstance(value, (dict, list)):
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:  # only containers are pushed: a batch's thousands of strings cost one test each
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
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


def auditor(who: Principal) -> None:
    """An audit log (the trust report's views, the privacy reads) is read with an API key with
    'audit:read', or by the operator's own token (the 'admin' role): never by leaders or
    communications staff, whose reads it records."""
    if who.is_user and ADMIN_ROLE in who.roles:
        return
    if who.is_user:
        raise Forbidden(f"This needs an API key with 'audit:read' or a user token with the {ADMIN_ROLE!r} role.")
    who.require("audit:read")


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
