"""``ENGAGEMENT_OIDC_ISSUERS``: which identity providers Tillit trusts, read and checked at start-up.

The setting is a JSON list with one object per issuer. A mistake in it (bad JSON, a missing
audience, an algorithm that is not an asymmetric signature, a role Tillit does not have) stops
start-up with an error naming each bad field, so a typo never leaves the door open or shut.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from engagement.auth import ADMIN_ROLE, TRUST_ROLE
from engagement.config import RefusedSetting
from engagement.errors import flatten

SETTING = "ENGAGEMENT_OIDC_ISSUERS"
# The roles a token can carry into Tillit: leaders adopt ideas, communications staff read the trust report,
# the operator ('admin') manages API keys and reads the audit logs.
ROLES = ("leader", TRUST_ROLE, ADMIN_ROLE)
# Signatures made with a private key and checked with the issuer's public one. Never HS256 (anyone
# holding the public key could sign) and never "none".
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class PersonRefused(ValueError):
    """A token's person claim cannot name a person safely (the reason is the message)."""


class IssuerSettingError(RefusedSetting):
    """Raised at start-up: ENGAGEMENT_OIDC_ISSUERS cannot be read or has bad fields."""

    def __init__(self, why: str):
        super().__init__(f"{SETTING} {why}. Tillit will not start. See docs/connect for examples.")


@dataclass(frozen=True)
class Issuer:
    """One trusted identity provider and how its tokens' claims become a Tillit person and roles."""

    issuer: str
    audiences: tuple[str, ...]
    algorithms: tuple[str, ...] = ("RS256",)
    jwks_uri: str | None = None  # unset: found by OpenID Connect discovery
    person_claim: str = "sub"
    lowercase: bool = False
    strip_domain: bool = False
    roles_claim: str = "roles"
    groups_claim: str = "groups"
    roles: tuple[tuple[str, frozenset[str]], ...] = ()  # Tillit role -> the provider's app roles
    groups: tuple[tuple[str, frozenset[str]], ...] = ()  # Tillit role -> group ids or names
    allowed_domains: tuple[str, ...] = ()  # lower-case; set: the person claim must be an address in one
    person_prefix: str = ""  # put before every person id of this issuer, to keep issuers apart
    required_scope: str | None = None  # set: the token's scp or scope claim must contain it

    def person(self, value: str) -> str:
        """The person id as the directory knows it, from the person claim's value.

        All issuers (and HS256 tokens) share one person namespace, so two different people must never
        come out as the same id: a value with surrounding whitespace or control characters, or one
        that Unicode compatibility normalisation (NFKC) would change (the Kelvin sign that lower-cases
        to a plain k, full-width letters), is refused rather than cleaned up; with ``allowed_domains``
        only addresses in those domains count, so ``strip_domain`` cannot merge outsiders with staff.
        """
        if value != value.strip() or not value:
            raise PersonRefused("is empty or has whitespace around it")
        if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in value):
            raise PersonRefused("contains control, format or unusual space characters")
        if unicodedata.normalize("NFKC", value) != value:
            raise PersonRefused("is not in Unicode normal form NFKC (look-alike characters)")
        local, at, domain = value.rpartition("@")
        if self.allowed_domains and (not at or not local or domain.lower() not in self.allowed_domains):
            raise PersonRefused(f"is not an address in {', '.join(self.allowed_domains)}")
        if self.strip_domain:
            value = local
        if self.lowercase:
            value = value.lower()
            if unicodedata.normalize("NFKC", value) != value:
                raise PersonRefused("is not in Unicode normal form NFKC once lower-cased")
        return self.person_prefix + value

    def tillit_roles(self, app_roles: set[str], groups: set[str]) -> frozenset[str]:
        """Only mapped roles count: a token's own ``roles`` claim means nothing to Tillit unmapped."""
        granted = {role for role, names in self.roles if names & app_roles}
        return frozenset(granted | {role for role, names in self.groups if names & groups})


def url_problem(text: str) -> str | None:
    """Why ``text`` cannot be an issuer's or key set's address, or None: https, or plain http to this
    machine only (a provider started for tests or on the same host). Discovered addresses pass it too."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return "must be an https URL (plain http only to localhost)"
    local = host == "localhost" or _is_loopback(host or "")
    if not host or parts.scheme != "https" and not (parts.scheme == "http" and local):
        return "must be an https URL (plain http only to localhost)"
    if parts.query or parts.fragment:
        return "must have no query or fragment"
    return None


def _url(text: str) -> None:
    problem = url_problem(text)
    if problem:
        raise ValidationError(problem)


def _domain(text: str) -> None:
    if text != text.strip().lower() or "@" in text or not text or any(c.isspace() for c in text):
        raise ValidationError("must be a lower-case domain name such as example.org (no @, no spaces)")


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


_NAME = fields.Str(validate=validate.Length(min=1))
_MAPPING = fields.Dict(keys=fields.Str(validate=validate.OneOf(ROLES)),
                       values=fields.List(_NAME, validate=validate.Length(min=1)))


class IssuerSchema(Schema):
    """One issuer object of the setting; unknown keys are errors (a misspelt key would be ignored)."""

    issuer = fields.Str(required=True, validate=_url)
    audience = fields.List(_NAME, required=True, validate=validate.Length(min=1))
    algorithms = fields.List(fields.Str(validate=validate.OneOf(ASYMMETRIC)), validate=validate.Length(min=1))
    jwks_uri = fields.Str(validate=_url)
    person_claim = _NAME
    lowercase = fields.Bool()
    strip_domain = fields.Bool()
    roles_claim = _NAME
    groups_claim = _NAME
    roles = _MAPPING
    groups = _MAPPING
    allowed_domains = fields.List(fields.Str(validate=_domain), validate=validate.Length(min=1))
    person_prefix = fields.Str(validate=validate.Regexp(r"^[A-Za-z0-9._:-]{1,40}$", error=(
        "must be 1 to 40 letters, digits or . _ : - (e.g. partner:)")))
    required_scope = fields.Str(validate=validate.Regexp(r"^\S{1,200}$", error="must be one scope, no spaces"))

    @validates_schema
    def _domains_for_strip(self, data: dict, **_: Any) -> None:
        if data.get("strip_domain") and not data.get("allowed_domains"):
            raise ValidationError("strip_domain needs the list of domains whose addresses are this issuer's "
                                  "people (e.g. [\"example.org\"]): without it kari@ any domain becomes kari",
                                  "allowed_domains")

    @pre_load
    def _one_audience(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("audience"), str):
            return {**data, "audience": [data["audience"]]}
        return data

    @post_load
    def _issuer(self, data: dict, **_: Any) -> Issuer:
        return Issuer(issuer=data.pop("issuer"), audiences=tuple(data.pop("audience")),
                      algorithms=tuple(data.pop("algorithms", ("RS256",))),
                      roles=_mapping(data.pop("roles", {})), groups=_mapping(data.pop("groups", {})),
                      allowed_domains=tuple(data.pop("allowed_domains", ())), **data)


def _mapping(value: dict[str, list[str]]) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((role, frozenset(names)) for role, names in value.items())


def parse_issuers(value: Any) -> tuple[Issuer, ...]:
    """The issuers of the setting (a JSON text from the environment, or a list set by a host app)."""
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise IssuerSettingError(f"is not valid JSON ({exc})") from exc
    if not isinstance(value, list):
        raise IssuerSettingError("must be a JSON list of issuer objects, e.g. "
                                 '[{"issuer": "...", "audience": "...", "person_claim": "oid"}]')
    try:
        issuers: list[Issuer] = IssuerSchema(many=True).load(value)
    except ValidationError as exc:
        bad = "; ".join(f"{_where(e.field)}: {e.message}" for e in flatten(exc.normalized_messages()))
        raise IssuerSettingError(f"has bad fields: {bad}") from exc
    names = [i.issuer for i in issuers]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise IssuerSettingError(f"lists the issuer {', '.join(twice)} more than once")
    return tuple(issuers)


def _where(path: str) -> str:
    """``0.audience`` as ``[0].audience``: the first issuer's audience."""
    index, _, rest = path.partition(".")
    return f"[{index}].{rest}" if rest else f"[{index}]"
