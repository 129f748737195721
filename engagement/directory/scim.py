"""SCIM 2.0 (RFC 7643/7644) as Tillit speaks it: the schemas it serves, its errors, filters, the
attribute selection of an answer, PATCH operations, and reading a User or Group body into
directory terms. No database and no HTTP here: scim_store.py writes through the directory
service, scim_api.py answers the requests.

PATCH is applied to the resource's own representation and the result is read as a PUT would be,
so a PATCH can never leave a state a PUT could not: one set of checks, all before anything is
written. Entra ID's and Okta's ways are taken as the RFC allows: operation names in any case,
``active`` as the string "False", a path with a filter (``emails[type eq "work"].value``,
``members[value eq "x"]``), an extension attribute's full URN as a path or as a key of a
value-only operation, a manager given as a bare id, and removal of members listed in ``value``.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from engagement.errors import EngagementError

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MEDIA_TYPE = "application/scim+json"
MAX_PAGE = 200
MAX_OPERATIONS = 1000

# Attributes of RFC 7643 that identity providers send by default and Tillit does not keep: taken
# and dropped (Tillit stores nothing about a person it does not use). Any other name is refused.
DROPPED_USER = {"nickname", "profileurl", "title", "usertype", "preferredlanguage", "locale", "timezone",
                "password", "phonenumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles",
                "x509certificates"}
DROPPED_ENTERPRISE = {"employeenumber", "costcenter", "organization", "division"}
READ_ONLY = {"id", "meta", "schemas"}


class ScimError(EngagementError):
    """An error answered as a SCIM Error message (RFC 7644 §3.12) with its ``scimType``."""

    def __init__(self, detail: str, status: int = 400, scim_type: str | None = "invalidValue"):
        super().__init__(detail, status, "SCIM error")
        self.scim_type = scim_type


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def _attr(name: str, type_: str = "string", *, multi: bool = False, required: bool = False,
          mutability: str = "readWrite", returned: str = "default", uniqueness: str = "none",
          case_exact: bool = False, sub: list[dict] | None = None, description: str = "",
          reference_types: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": type_, "multiValued": multi, "description": description,
                           "required": required, "mutability": mutability, "returned": returned,
                           "uniqueness": uniqueness, "caseExact": case_exact}
    if sub is not None:
        out["subAttributes"] = sub
    if reference_types is not None:
        out["referenceTypes"] = reference_types
    return out


USER_ATTRIBUTES = [
    _attr("userName", required=True, uniqueness="server",
          description="Unique login name; when the user is created it becomes their Tillit person id."),
    _attr("name", "complex", description="The parts of the person's name.", sub=[
        _attr("formatted", description="The full name."),
        _attr("familyName", description="Family name."),
        _attr("givenName", description="Given name.")]),
    _attr("displayName", description="The name Tillit shows."),
    _attr("emails", "complex", multi=True, description="E-mail addresses; the primary (or first) one is kept.",
          sub=[_attr("value", description="The address."),
               _attr("type", description="work, home or other."),
               _attr("primary", "boolean", description="The address Tillit uses.")]),
    _attr("active", "boolean", description="false: the person left; kept in the directory's history."),
]
ENTERPRISE_ATTRIBUTES = [
    _attr("department", description="The department; with ENGAGEMENT_SCIM_TEAMS=department it names the team."),
    _attr("manager", "complex", description="The person's manager, another User.", sub=[
        _attr("value", required=True, description="The manager's id."),
        _attr("$ref", "reference", mutability="readOnly", reference_types=["User"], case_exact=True,
              description="The manager's URI."),
        _attr("displayName", mutability="readOnly", description="The manager's name.")]),
]
GROUP_ATTRIBUTES = [
    _attr("displayName", required=True, description="The team's name."),
    _attr("members", "complex", multi=True, description="The people in the team.", sub=[
        _attr("value", mutability="immutable", description="A User's id."),
        _attr("$ref", "reference", mutability="immutable", reference_types=["User"], case_exact=True,
              description="The User's URI."),
        _attr("display", mutability="readOnly", description="The User's name."),
        _attr("type", mutability="readOnly", description="User (Tillit's teams hold people only).")]),
]
SCHEMAS = {
    USER: ("User", "A person in Tillit's directory.", USER_ATTRIBUTES),
    ENTERPRISE: ("EnterpriseUser", "A person's department and manager.", ENTERPRISE_ATTRIBUTES),
    GROUP: ("Group", "A team in Tillit's directory.", GROUP_ATTRIBUTES),
}


def schema_document(urn: str, base: str) -> dict[str, Any]:
    name, description, attributes = SCHEMAS[urn]
    return {"schemas": [SCHEMA], "id": urn, "name": name, "description": description, "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"}}


def resource_types(base: str) -> list[dict[str, Any]]:
    return [
        {"schemas": [RESOURCE_TYPE], "id": "User", "name": "User", "endpoint": "/Users",
         "description": "People", "schema": USER,
         "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
         "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"}},
        {"schemas": [RESOURCE_TYPE], "id": "Group", "name": "Group", "endpoint": "/Groups",
         "description": "Teams", "schema": GROUP, "schemaExtensions": [],
         "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"}},
    ]


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": [SPC],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_PAGE},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "API key",
                                   "description": "A Tillit API key with the scope directory:write, "
                                                  "sent as 'Authorization: Bearer tlt_...'.",
                                   "primary": True}],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    }


# --- filters -------------------------------------------------------------------------------

_CLAUSE = re.compile(r'^\s*([A-Za-z][\w.:$-]*?)(?:\[\s*value\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\])?'
                     r'(?:\s+(eq)\s+(?:"((?:[^"\\]|\\.)*)"|(true|false)))?\s*$', re.I)


MAX_FILTER_LENGTH = 4096
MAX_FILTER_CLAUSES = 50
# One pass over a filter: a quoted string is taken whole, so an "and" inside it never splits.
_FILTER_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\s+and\s+', re.I)


def parse_filter(text: str, allowed: dict[str, str]) -> list[tuple[str, str]]:
    """``attr eq "value"`` clauses joined by ``and`` as (canonical attribute, value) pairs; a
    ``members[value eq "x"]`` clause is ("members", "x"). ``allowed`` maps lower-case names Tillit
    filters on to canonical ones; anything else is an invalidFilter error naming it. A filter is
    at most MAX_FILTER_LENGTH characters and MAX_FILTER_CLAUSES clauses: no identity provider
    sends more, and the database is never handed an expression it cannot build."""
    if len(text) > MAX_FILTER_LENGTH:
        raise ScimError(f"filter: at most {MAX_FILTER_LENGTH} characters.", 400, "invalidFilter")
    clauses = []
    for part in _split_and(text.strip()):
        match = _CLAUSE.match(part)
        if not match:
            raise ScimError(f"Tillit filters only with eq clauses joined by and; cannot read {part!r}.",
                            400, "invalidFilter")
        name, member, op, quoted, boolean = match.groups()
        key = name.lower().removeprefix(USER.lower() + ":").removeprefix(GROUP.lower() + ":")
        if member is not None and not op and key == "members":
            clauses.append(("members", _unescape(member)))
            continue
        if not op or key not in allowed:
            known = ", ".join(sorted(set(allowed.values())))
            raise ScimError(f"Tillit cannot filter on {name!r}; it filters on {known}.", 400, "invalidFilter")
        clauses.append((allowed[key], _unescape(quoted) if quoted is not None else boolean.lower()))
    return clauses


def _split_and(text: str) -> list[str]:
    """The filter's clauses, cut at each ``and`` outside quotes, in one pass; more than
    MAX_FILTER_CLAUSES is a tooMany error."""
    parts, start = [], 0
    for token in _FILTER_TOKEN.finditer(text):
        if token.group().startswith('"'):
            continue
        parts.append(text[start:token.start()])
        start = token.end()
        if len(parts) >= MAX_FILTER_CLAUSES:
            raise ScimError(f"filter: at most {MAX_FILTER_CLAUSES} clauses joined by and.", 400, "tooMany")
    parts.append(text[start:])
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def page(start_index: str | None, count: str | None) -> tuple[int, int]:
    """startIndex (1-based; less than 1 is 1) and count (negative is 0, at most MAX_PAGE)."""
    try:
        start = max(1, int(start_index)) if start_index not in (None, "") else 1
        size = min(MAX_PAGE, max(0, int(count))) if count not in (None, "") else MAX_PAGE
    except ValueError as exc:
        raise ScimError("startIndex and count must be whole numbers.", 400, "invalidValue") from exc
    return start, size


# --- attributes and excludedAttributes -------------------------------------------------------

def select_attributes(resource: dict[str, Any], attributes: str | None, excluded: str | None) -> dict[str, Any]:
    """The answer with only the asked attributes (``id`` and ``schemas`` always), or without the
    excluded ones (RFC 7644 §3.4.2.5). Names are case-insensitive and may carry their schema URN."""
    if attributes:
        keep = [_split_name(a) for a in attributes.split(",") if a.strip()]
        out: dict[str, Any] = {k: resource[k] for k in ("schemas", "id") if k in resource}
        for container, name, sub in keep:
            source = resource.get(container) if container else resource
            if not isinstance(source, dict):
                continue
            key = _key_in(source, name)
            if key is None:
                continue
            target = out.setdefault(container, {}) if container else out
            if sub is None or not isinstance(source[key], (dict, list)):
                target[key] = source[key]
            elif isinstance(source[key], dict):
                subkey = _key_in(source[key], sub)
                if subkey is not None:
                    target.setdefault(key, {})[subkey] = source[key][subkey]
            else:
                target[key] = [{s: item[s] for s in item if s.lower() == sub.lower()} for item in source[key]]
        return out
    if excluded:
        out = copy.deepcopy(resource)
        for container, name, sub in (_split_name(a) for a in excluded.split(",") if a.strip()):
            source = out.get(container) if container else out
            key = _key_in(source, name) if isinstance(source, dict) else None
            if key is None or key in ("id", "schemas"):
                continue
            assert isinstance(source, dict)
            if sub is None:
                del source[key]
            elif isinstance(source[key], dict):
                source[key].pop(_key_in(source[key], sub) or "", None)
        return out
    return resource


def _split_name(name: str) -> tuple[str | None, str, str | None]:
    """'urn:...:enterprise:2.0:User:manager.value' -> (ENTERPRISE, 'manager', 'value')."""
    name = name.strip()
    container = None
    lower = name.lower()
    for urn in (ENTERPRISE, USER, GROUP):
        if lower.startswith(urn.lower() + ":"):
            container, name = (ENTERPRISE if urn == ENTERPRISE else None), name[len(urn) + 1:]
            break
        if lower == urn.lower():
            return None, urn, None
    attr, _, sub = name.partition(".")
    return container, attr, sub or None


def _key_in(mapping: dict[str, Any], name: str) -> str | None:
    return next((k for k in mapping if k.lower() == name.lower()), None)


# --- PATCH ---------------------------------------------------------------------------------

_PATH = re.compile(r'^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$')
_FILTER_EQ = re.compile(r'^\s*([A-Za-z$][\w$-]*)\s+eq\s+(?:"((?:[^"\\]|\\.)*)"|(true|false))\s*$', re.I)
MULTI = {"emails", "members"}


@dataclass
class Target:
    container: str | None  # ENTERPRISE for the extension, None for the core
    attr: str
    filters: list[tuple[str, Any]] | None
    sub: str | None


def patch(resource: dict[str, Any], body: Any) -> dict[str, Any]:
    """``resource`` (its representation, without meta) after the PatchOp ``body``'s operations."""
    if not isinstance(body, dict):
        raise ScimError("The body must be a PatchOp message.", 400, "invalidSyntax")
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise ScimError("Operations: give a list of operations.", 400, "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise ScimError(f"Operations: at most {MAX_OPERATIONS} in one PATCH.", 400, "tooMany")
    out = copy.deepcopy(resource)
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise ScimError(f"Operations[{index}]: must be an object.", 400, "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(f"Operations[{index}].op: must be add, replace or remove.", 400, "invalidSyntax")
        path, value = operation.get("path"), operation.get("value")
        if path in (None, ""):
            if op == "remove":
                raise ScimError(f"Operations[{index}].path: a remove needs a path.", 400, "noTarget")
            if not isinstance(value, dict):
                raise ScimError(f"Operations[{index}].value: without a path the value must be an object.",
                                400, "invalidValue")
            for key, item in value.items():
                for target in _targets_of_key(key, item):
                    _apply(out, op, target[0], target[1])
            continue
        if not isinstance(path, str):
            raise ScimError(f"Operations[{index}].path: must be a string.", 400, "invalidPath")
        _apply(out, op, parse_path(path), value)
    return out


def _targets_of_key(key: str, value: Any) -> list[tuple[Target, Any]]:
    """A value-only operation's key: an attribute, a dotted sub-attribute, an extension URN
    (whose value is an object of its attributes), or an extension attribute's full name."""
    if key.lower() == ENTERPRISE.lower():
        if not isinstance(value, dict):
            raise ScimError(f"{ENTERPRISE}: must be an object.", 400, "invalidValue")
        return [(Target(ENTERPRISE, *_name_and_sub(k)), v) for k, v in value.items()]
    return [(parse_path(key), value)]


def _name_and_sub(name: str) -> tuple[str, None, str | None]:
    attr, _, sub = name.partition(".")
    return attr, None, sub or None


def parse_path(path: str) -> Target:
    container = None
    lower = path.lower()
    if lower == ENTERPRISE.lower():
        return Target(None, ENTERPRISE, None, None)
    for urn in (ENTERPRISE, USER, GROUP):
        if lower.startswith(urn.lower() + ":"):
            container, path = (ENTERPRISE if urn == ENTERPRISE else None), path[len(urn) + 1:]
            break
    match = _PATH.match(path.strip())
    if not match:
        raise ScimError(f"Cannot read the path {path!r}.", 400, "invalidPath")
    filters = None
    if match.group("filter") is not None:
        filters = []
        for clause in re.split(r"\s+and\s+", match.group("filter"), flags=re.I):
            eq = _FILTER_EQ.match(clause)
            if not eq:
                raise ScimError(f"Cannot read the filter in {path!r}: only eq clauses joined by and.",
                                400, "invalidFilter")
            name, quoted, boolean = eq.groups()
            filters.append((name, _unescape(quoted) if quoted is not None else boolean.lower() == "true"))
    return Target(container, match.group("attr"), filters, match.group("sub"))


def _apply(resource: dict[str, Any], op: str, target: Target, value: Any) -> None:
    holder = resource
    if target.container:
        holder = resource.setdefault(target.container, {})
        if not isinstance(holder, dict):
            holder = resource[target.container] = {}
    key = _key_in(holder, target.attr) or target.attr
    if key.lower() == ENTERPRISE.lower() and op != "remove" and isinstance(value, dict):
        for name, item in value.items():  # the extension as a whole: each of its attributes
            if name.lower() != "schemas":
                _apply(resource, op, Target(ENTERPRISE, *_name_and_sub(name)), item)
        return
    if not target.container:
        _check_mutable(holder, op, key, target, value)
    if op == "replace" and value is None:
        op = "remove"
    if target.filters is not None:
        _apply_filtered(holder, key, op, target, value)
    elif op == "remove":
        _remove(holder, key, target.sub, value)
    elif target.sub is not None:
        if key.lower() in MULTI:
            for item in holder.get(key) or []:
                if isinstance(item, dict):
                    item[target.sub] = value
            return
        current = holder.get(key)
        if not isinstance(current, dict):
            current = holder[key] = {}
        current[target.sub] = value
    elif key.lower() in MULTI:
        items = value if isinstance(value, list) else [value]
        if op == "replace":
            holder[key] = list(items)
        else:
            existing = holder.setdefault(key, []) if isinstance(holder.get(key), list) else holder.setdefault(key, [])
            if not isinstance(existing, list):
                existing = holder[key] = []
            seen = {_identity(i) for i in existing}
            existing += [i for i in items if _identity(i) not in seen]
    elif isinstance(value, dict) and isinstance(holder.get(key), dict):
        holder[key].update(value)  # sub-attributes not given are left as they are
    else:
        holder[key] = value


def _check_mutable(holder: dict[str, Any], op: str, key: str, target: Target, value: Any) -> None:
    """A PATCH that would change a readOnly attribute (id, meta, schemas) is refused, as RFC 7644
    §3.5.2 asks, rather than answered 200 with the change dropped; sending the value it already
    has is no change. ``roles`` is refused too: a person's role (leader) comes from the HR sync."""
    lower = key.lower()
    if lower == "roles":
        raise ScimError("roles: Tillit takes a person's role from the HR sync, not from SCIM.", 400, "mutability")
    if lower not in READ_ONLY:
        return
    unchanged = op != "remove" and target.sub is None and target.filters is None and holder.get(key) == value
    if not unchanged:
        raise ScimError(f"{key}: is read-only and cannot be changed.", 400, "mutability")


def _identity(item: Any) -> Any:
    return (item.get("value"), item.get("type")) if isinstance(item, dict) else item


def _matches(item: Any, filters: list[tuple[str, Any]]) -> bool:
    if not isinstance(item, dict):
        return False
    for name, expected in filters:
        key = _key_in(item, name)
        actual = item.get(key) if key else None
        if isinstance(expected, bool) or isinstance(actual, bool):
            if actual is not expected and str(actual).lower() != str(expected).lower():
                return False
        elif str(actual).lower() != str(expected).lower():
            return False
    return True


def _apply_filtered(holder: dict[str, Any], key: str, op: str, target: Target, value: Any) -> None:
    assert target.filters is not None
    items = holder.get(key)
    if not isinstance(items, list):
        items = holder[key] = [] if items is None else [items]
    matching = [i for i in items if _matches(i, target.filters)]
    if op == "remove":
        if target.sub is None:
            holder[key] = [i for i in items if i not in matching]
        else:
            for item in matching:
                item.pop(_key_in(item, target.sub) or target.sub, None)
        return
    if not matching:  # Entra ID adds emails[type eq "work"].value to a user with no work address
        if op == "replace" and target.sub is None:
            raise ScimError(f"No {key} match the filter; nothing to replace.", 400, "noTarget")
        created = {name: expected for name, expected in target.filters}
        items.append(created)
        matching = [created]
    for item in matching:
        if target.sub is not None:
            item[target.sub] = value
        elif isinstance(value, dict):
            item.update(value)
        else:
            raise ScimError(f"{key}: the value for a filtered path must be an object.", 400, "invalidValue")


def _remove(holder: dict[str, Any], key: str, sub: str | None, value: Any) -> None:
    current = holder.get(key)
    if current is None:
        return
    if sub is not None:
        if isinstance(current, dict):
            current.pop(_key_in(current, sub) or sub, None)
        elif isinstance(current, list):
            for item in current:
                if isinstance(item, dict):
                    item.pop(_key_in(item, sub) or sub, None)
        return
    if isinstance(current, list) and value is not None:  # Entra ID: remove the members listed in value
        gone = {_identity(i)[0] if isinstance(i, dict) else i for i in (value if isinstance(value, list) else [value])}
        holder[key] = [i for i in current if (_identity(i)[0] if isinstance(i, dict) else i) not in gone]
        return
    del holder[key]


# --- reading bodies --------------------------------------------------------------------------

TRUE_WORDS, FALSE_WORDS = {"true"}, {"false"}


@dataclass
class UserInput:
    """A User body in directory terms, every field checked."""

    user_name: str
    external_id: str | None
    name: dict[str, str]
    display_name: str | None
    emails: list[dict[str, Any]]
    active: bool
    active_given: bool
    department: str | None
    manager: str | None

    @property
    def person_name(self) -> str:
        """The name Tillit shows: displayName, else the formatted name, else given and family, else userName."""
        joined = " ".join(p for p in (self.name.get("givenName"), self.name.get("familyName")) if p)
        return (self.display_name or self.name.get("formatted") or joined or self.user_name)[:200]

    @property
    def email(self) -> str | None:
        chosen = next((e for e in self.emails if e.get("primary")), None) or next(iter(self.emails), None)
        return chosen["value"] if chosen else None

    def stored(self) -> dict[str, Any]:
        """What the SCIM table keeps beside the directory, to answer as it was written."""
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.display_name is not None:
            out["displayName"] = self.display_name
        if self.emails:
            out["emails"] = self.emails
        if not self.active_given:
            out["activeUnset"] = True  # answered without active while the person is active
        return out


def read_user(body: Any) -> UserInput:
    """A User from a POST, a PUT or a patched representation; every bad attribute is named."""
    if not isinstance(body, dict):
        raise ScimError("The body must be a User object.", 400, "invalidSyntax")
    problems: list[str] = []
    core = {k.lower(): (k, v) for k, v in body.items()}
    extension: dict[str, Any] = {}
    for lower, (key, value) in core.items():
        if lower == ENTERPRISE.lower():
            if isinstance(value, dict):
                extension.update({k.lower(): v for k, v in value.items() if k.lower() != "schemas"})
            elif value is not None:
                problems.append(f"{ENTERPRISE}: must be an object")
        elif lower.startswith(ENTERPRISE.lower() + ":"):
            extension[lower[len(ENTERPRISE) + 1:]] = value
        elif lower not in READ_ONLY | DROPPED_USER | {"username", "externalid", "name", "displayname",
                                                      "emails", "active"}:
            problems.append(f"{key}: Tillit does not keep this attribute")
    user_name = _string(core.get("username", (None, None))[1], "userName", problems, required=True, limit=320)
    external_id = _string(core.get("externalid", (None, None))[1], "externalId", problems, limit=320)
    name = _name(core.get("name", (None, None))[1], problems)
    display_name = _string(core.get("displayname", (None, None))[1], "displayName", problems, limit=200)
    emails = _emails(core.get("emails", (None, None))[1], problems)
    given_active = core.get("active", (None, None))[1]
    active = True if given_active is None else _boolean(given_active, "active", problems)
    for unknown in set(extension) - {"department", "manager"} - DROPPED_ENTERPRISE:
        problems.append(f"{ENTERPRISE}:{unknown}: Tillit does not keep this attribute")
    department = _string(extension.get("department"), "department", problems, limit=200)
    manager = _manager(extension.get("manager"), problems)
    if problems:
        raise ScimError("Bad attributes: " + "; ".join(problems) + ". Nothing was changed.")
    assert user_name is not None
    return UserInput(user_name, external_id, name, display_name, emails, active, given_active is not None,
                     department, manager)


def _string(value: Any, field: str, problems: list[str], required: bool = False, limit: int = 320) -> str | None:
    if value is None or value == "":
        if required:
            problems.append(f"{field}: is required")
        return None
    if not isinstance(value, str):
        problems.append(f"{field}: must be a string")
        return None
    if len(value) > limit:
        problems.append(f"{field}: at most {limit} characters")
        return None
    return value


def _boolean(value: Any, field: str, problems: list[str]) -> bool:
    """A boolean, or Entra ID's "True"/"False" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    problems.append(f"{field}: must be true or false")
    return True


def _name(value: Any, problems: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append("name: must be an object")
        return {}
    out = {}
    for key, item in value.items():
        canonical = {"formatted": "formatted", "familyname": "familyName", "givenname": "givenName"}.get(key.lower())
        if canonical is None:
            if key.lower() not in {"middlename", "honorificprefix", "honorificsuffix"}:
                problems.append(f"name.{key}: Tillit does not keep this attribute")
            continue
        text = _string(item, f"name.{canonical}", problems, limit=200)
        if text is not None:
            out[canonical] = text
    return out


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _emails(value: Any, problems: list[str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append("emails: must be a list")
        return []
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems.append(f"emails[{index}]: must be an object")
            continue
        fields = {k.lower(): v for k, v in item.items()}
        address = _string(fields.get("value"), f"emails[{index}].value", problems, required=True)
        if address is not None and not EMAIL.match(address):
            problems.append(f"emails[{index}].value: not an e-mail address")
            continue
        entry: dict[str, Any] = {"value": address}
        kind = _string(fields.get("type"), f"emails[{index}].type", problems, limit=40)
        if kind is not None:
            entry["type"] = kind
        if fields.get("primary") is not None:
            entry["primary"] = _boolean(fields["primary"], f"emails[{index}].primary", problems)
        out.append(entry)
    if sum(1 for e in out if e.get("primary")) > 1:
        problems.append("emails: only one may be primary")
    return out


def _manager(value: Any, problems: list[str]) -> str | None:
    """A manager as {"value": id} or, as Entra ID sends it in a PATCH, the bare id."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        value = {k.lower(): v for k, v in value.items()}.get("value")
        if value in (None, ""):
            return None
    if not isinstance(value, str):
        problems.append(f"{ENTERPRISE}:manager.value: must be a User's id")
        return None
    return value


@dataclass
class GroupInput:
    display_name: str
    external_id: str | None
    members: list[str]
    members_given: bool = True


def read_group(body: Any) -> GroupInput:
    if not isinstance(body, dict):
        raise ScimError("The body must be a Group object.", 400, "invalidSyntax")
    problems: list[str] = []
    fields = {k.lower(): (k, v) for k, v in body.items()}
    for lower, (key, _) in fields.items():
        if lower not in READ_ONLY | {"displayname", "externalid", "members"}:
            problems.append(f"{key}: Tillit does not keep this attribute")
    display_name = _string(fields.get("displayname", (None, None))[1], "displayName", problems, required=True,
                           limit=200)
    external_id = _string(fields.get("externalid", (None, None))[1], "externalId", problems, limit=320)
    members = []
    raw = fields.get("members", (None, None))[1]
    if raw is not None and not isinstance(raw, list):
        problems.append("members: must be a list")
        raw = []
    for index, item in enumerate(raw or []):
        entry = {k.lower(): v for k, v in item.items()} if isinstance(item, dict) else {}
        value = entry.get("value")
        if not isinstance(value, str) or not value:
            problems.append(f"members[{index}].value: must be a User's id")
        elif value not in members:
            members.append(value)
    if problems:
        raise ScimError("Bad attributes: " + "; ".join(problems) + ". Nothing was changed.")
    assert display_name is not None
    return GroupInput(display_name, external_id, members, raw is not None)
