"""SCIM 2.0 at /scim/v2 (under the URL prefix): Users, Groups and the discovery endpoints, for
Entra ID's and Okta's provisioning. Bearer API key with 'directory:write'; every answer, errors
included, is application/scim+json. SCIM describes itself (ServiceProviderConfig, Schemas,
ResourceTypes), so these routes stay out of the OpenAPI document."""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, json, request
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException, default_exceptions

from engagement.directory import scim
from engagement.directory.scim import MEDIA_TYPE, ScimError
from engagement.directory.scim_store import GROUP_FILTERS, USER_FILTERS, Store
from engagement.errors import EngagementError, is_connection_error
from engagement.state import state
from engagement.web import problems
from engagement.web.requests import json_body, principal

logger = logging.getLogger(__name__)


class Undocumented(Blueprint):
    """A plain blueprint the API's flask-smorest blueprint can nest: it gathers each nested
    blueprint's OpenAPI entries, and SCIM has none (it answers /Schemas itself)."""

    _docs: dict[str, Any] = {}


blp = Undocumented("scim", __name__, url_prefix="/scim/v2")


def answer(body: Any, status: int = 200, etag: str | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    if etag:
        response.headers["ETag"] = etag
    return response


@blp.errorhandler(EngagementError)
def _domain_error(error: EngagementError) -> Response:
    response = answer(scim.error_body(error.status, error.detail, getattr(error, "scim_type", None)), error.status)
    response.headers.update(error.headers)
    return response


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    scim_type = "invalidSyntax" if code == 400 else None
    response = answer(scim.error_body(code, error.description or error.name, scim_type), code)
    response.headers.update({k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")})
    return response


@blp.errorhandler(IntegrityError)
def _conflict(error: IntegrityError) -> Response:
    """Two requests creating the same User or Group at once: the second loses, as a SCIM conflict."""
    state().db.session().rollback()
    logger.warning("SCIM write refused by the database: %s", error.orig or error)
    return answer(scim.error_body(409, "Another request made this resource at the same moment; retry.",
                                  "uniqueness"), 409)


@blp.errorhandler(DBAPIError)
def _database_error(error: DBAPIError) -> Response:
    if not is_connection_error(error):
        return _unexpected(error)
    response = answer(scim.error_body(503, "The database did not answer; retry after Retry-After seconds."), 503)
    response.headers["Retry-After"] = str(problems.DATABASE_RETRY_AFTER)
    return response


@blp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    logger.exception("unhandled error in the SCIM API", exc_info=error)
    return answer(scim.error_body(500, "Something went wrong on our side; it is logged."), 500)


# By code as well as by class: the API blueprint this one is nested in answers codes with problem+json.
for _code in default_exceptions:
    blp.register_error_handler(_code, _http_error)
blp.register_error_handler(HTTPException, _http_error)


def provisioner(view: Callable) -> Callable:
    """An API key with 'directory:write' (the identity provider's secret token), before anything is read."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        who = principal()
        if who.is_user or "directory:write" not in who.scopes:
            raise ScimError("SCIM needs an API key with the scope 'directory:write'.", 403, None)
        return view(*args, **kwargs)
    return wrapper


def _prefix() -> str:
    """/scim/v2 under whatever the app mounts Tillit at."""
    path = request.path
    return path[:path.index("/scim/v2") + len("/scim/v2")]


def _store() -> Store:
    st = state()
    return Store(st.db.session(), st.config, request.host_url.rstrip("/") + _prefix())


def _body() -> Any:
    return json_body()


def _if_match(current: dict[str, Any]) -> None:
    """A write with If-Match names the version it was made against (RFC 7644 §3.14)."""
    wanted = request.headers.get("If-Match")
    if wanted and wanted.strip() != "*" and current["meta"]["version"] not in [v.strip() for v in wanted.split(",")]:
        raise ScimError("The resource changed since that version (If-Match).", 412, None)


def _selected(resource: dict[str, Any]) -> dict[str, Any]:
    return scim.select_attributes(resource, request.args.get("attributes"), request.args.get("excludedAttributes"))


def _listed(total: int, start: int, resources: list[dict[str, Any]]) -> Response:
    return answer({"schemas": [scim.LIST], "totalResults": total, "startIndex": start,
                   "itemsPerPage": len(resources), "Resources": [_selected(r) for r in resources]})


def _wants_members() -> bool:
    asked = (request.args.get("excludedAttributes") or "").lower()
    return "members" not in [a.strip().removeprefix(scim.GROUP.lower() + ":") for a in asked.split(",")]


# --- discovery -----------------------------------------------------------------------------

@blp.route("/ServiceProviderConfig", methods=["GET"])
@provisioner
def service_provider_config():
    return answer(scim.service_provider_config(_store().base))


@blp.route("/ResourceTypes", methods=["GET"])
@provisioner
def resource_types():
    types = scim.resource_types(_store().base)
    return answer({"schemas": [scim.LIST], "totalResults": len(types), "startIndex": 1,
                   "itemsPerPage": len(types), "Resources": types})


@blp.route("/ResourceTypes/<name>", methods=["GET"])
@provisioner
def resource_type(name: str):
    found = [t for t in scim.resource_types(_store().base) if t["id"] == name]
    if not found:
        raise ScimError(f"No resource type {name!r}.", 404, None)
    return answer(found[0])


@blp.route("/Schemas", methods=["GET"])
@provisioner
def schemas():
    documents = [scim.schema_document(urn, _store().base) for urn in scim.SCHEMAS]
    return answer({"schemas": [scim.LIST], "totalResults": len(documents), "startIndex": 1,
                   "itemsPerPage": len(documents), "Resources": documents})


@blp.route("/Schemas/<path:urn>", methods=["GET"])
@provisioner
def schema(urn: str):
    if urn not in scim.SCHEMAS:
        raise ScimError(f"No schema {urn!r}.", 404, None)
    return answer(scim.schema_document(urn, _store().base))


# --- Users ---------------------------------------------------------------------------------

@blp.route("/Users", methods=["GET"])
@provisioner
def list_users():
    start, count = scim.page(request.args.get("startIndex"), request.args.get("count"))
    clauses = scim.parse_filter(request.args["filter"], USER_FILTERS) if request.args.get("filter") else []
    total, users = _store().users(clauses, start, count)
    return _listed(total, start, users)


@blp.route("/Users", methods=["POST"])
@provisioner
def create_user():
    created = _store().create_user(scim.read_user(_body()))
    return _located(created, 201)


@blp.route("/Users/<path:person_id>", methods=["GET"])
@provisioner
def get_user(person_id: str):
    return _located(_store().user(person_id))


@blp.route("/Users/<path:person_id>", methods=["PUT"])
@provisioner
def replace_user(person_id: str):
    store = _store()
    _if_match(store.user(person_id))
    return _located(store.replace_user(person_id, scim.read_user(_body())))


@blp.route("/Users/<path:person_id>", methods=["PATCH"])
@provisioner
def patch_user(person_id: str):
    store = _store()
    current = store.user(person_id)
    _if_match(current)
    patched = scim.patch({k: v for k, v in current.items() if k != "meta"}, _body())
    return _located(store.replace_user(person_id, scim.read_user(patched)))


@blp.route("/Users/<path:person_id>", methods=["DELETE"])
@provisioner
def delete_user(person_id: str):
    store = _store()
    _if_match(store.user(person_id))
    store.delete_user(person_id)
    return Response(status=204)


# --- Groups --------------------------------------------------------------------------------

@blp.route("/Groups", methods=["GET"])
@provisioner
def list_groups():
    start, count = scim.page(request.args.get("startIndex"), request.args.get("count"))
    clauses = scim.parse_filter(request.args["filter"], GROUP_FILTERS) if request.args.get("filter") else []
    total, groups = _store().groups(clauses, start, count, _wants_members())
    return _listed(total, start, groups)


@blp.route("/Groups", methods=["POST"])
@provisioner
def create_group():
    return _located(_store().create_group(scim.read_group(_body())), 201)


@blp.route("/Groups/<path:team_id>", methods=["GET"])
@provisioner
def get_group(team_id: str):
    return _located(_store().group(team_id, _wants_members()))


@blp.route("/Groups/<path:team_id>", methods=["PUT"])
@provisioner
def replace_group(team_id: str):
    store = _store()
    _if_match(store.group(team_id))
    return _located(store.replace_group(team_id, scim.read_group(_body())))


@blp.route("/Groups/<path:team_id>", methods=["PATCH"])
@provisioner
def patch_group(team_id: str):
    store = _store()
    current = store.group(team_id)
    _if_match(current)
    patched = scim.patch({k: v for k, v in current.items() if k != "meta"}, _body())
    given = scim.read_group(patched)
    given.members_given = True  # the patched Group is whole: no members left means none
    return _located(store.replace_group(team_id, given))


@blp.route("/Groups/<path:team_id>", methods=["DELETE"])
@provisioner
def delete_group(team_id: str):
    store = _store()
    _if_match(store.group(team_id))
    store.delete_group(team_id)
    return Response(status=204)


@blp.route("/.search", methods=["POST"], defaults={"kind": ""})
@blp.route("/Users/.search", methods=["POST"], defaults={"kind": "Users"})
@blp.route("/Groups/.search", methods=["POST"], defaults={"kind": "Groups"})
@provisioner
def search(kind: str):
    """A query sent as a SearchRequest (RFC 7644 §3.4.3): Users, Groups, or both from the root."""
    body = _body()
    if not isinstance(body, dict):
        raise ScimError("The body must be a SearchRequest.", 400, "invalidSyntax")
    start, count = scim.page(_text(body.get("startIndex")), _text(body.get("count")))
    attributes, excluded = _names(body.get("attributes")), _names(body.get("excludedAttributes"))
    store, text = _store(), body.get("filter")
    if text is not None and not isinstance(text, str):
        raise ScimError("filter: must be a string.", 400, "invalidFilter")
    found: list[dict[str, Any]] = []
    total = 0
    for name, filters, read in (("Users", USER_FILTERS, store.users), ("Groups", GROUP_FILTERS, store.groups)):
        if kind in ("", name):
            n, items = read(scim.parse_filter(text, filters) if text else [], start, count)
            total, found = total + n, found + items
    return answer({"schemas": [scim.LIST], "totalResults": total, "startIndex": start,
                   "itemsPerPage": len(found[:count]),
                   "Resources": [scim.select_attributes(r, attributes, excluded) for r in found[:count]]})


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _names(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise ScimError("attributes and excludedAttributes: give a list of names.", 400, "invalidValue")


ALLOWED = {"serviceproviderconfig": "GET", "resourcetypes": "GET", "schemas": "GET", "users": "GET, POST",
           "groups": "GET, POST"}


@blp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@blp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):
    """Anything else under /scim/v2 is a SCIM error, not the host's page: 405 on an endpoint that
    exists with another method, else 404."""
    endpoint = rest.strip("/").split("/")[0].lower()
    if endpoint in ALLOWED:
        allowed = ALLOWED[endpoint] if "/" not in rest.strip("/") else "GET, PUT, PATCH, DELETE"
        error = ScimError(f"{request.method} is not allowed on /scim/v2/{rest}.", 405, None)
        error.headers = {"Allow": allowed}
        raise error
    raise ScimError(f"Nothing at /scim/v2/{rest}.", 404, None)


def _located(resource: dict[str, Any], status: int = 200) -> Response:
    response = answer(_selected(resource), status, resource["meta"]["version"])
    response.headers["Location"] = resource["meta"]["location"]
    return response
