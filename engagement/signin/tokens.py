"""A user token to a ``Principal``: routed by its issuer, verified by the issuer's keys or the shared secret.

The unverified ``iss`` claim only chooses which check runs; nothing else is read before the
signature is verified. A configured issuer's tokens must carry one of its asymmetric algorithms
(so an HS256 token "signed" with its public key, or ``alg: none``, fails); a token without
``iss`` (or HS256 with an ``iss`` no issuer claims) goes to the HS256 check while that is on.
A token longer than ``MAX_TOKEN_BYTES`` is refused before anything in it is read.
"""
from __future__ import annotations

from typing import Any

import jwt

from engagement.auth import USER_SCOPES, Principal, principal_for_token
from engagement.errors import Unauthenticated
from engagement.signin.issuers import SETTING, Issuer, PersonRefused
from engagement.signin.keys import IssuerKeys, SigningKey

# Seconds of clock difference allowed between the provider and Tillit for exp, nbf and iat.
LEEWAY = 30
# Longest token read at all: an Entra ID token with 200 groups is about 10 KB.
MAX_TOKEN_BYTES = 32_768
# The key type each family of algorithms signs with.
KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC"}


class SignIn:
    """How one app checks user tokens: its issuers (each with its keys) and the HS256 secret, if on."""

    def __init__(self, issuers: tuple[Issuer, ...], secret: str | None, max_age: int, demo: bool = False):
        self.issuers = {i.issuer: i for i in issuers}
        self.keys = {i.issuer: IssuerKeys(i.issuer, i.jwks_uri) for i in issuers}
        self.secret = secret
        self.max_age = max_age
        self.demo = demo

    def principal(self, token: str) -> Principal:
        """The person the token names, with the Tillit roles the configuration maps to them."""
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated(f"Invalid user token: it is {len(token)} bytes long; tokens longer than "
                                  f"{MAX_TOKEN_BYTES} bytes are refused unread.")
        header, iss = _unverified(token)
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is not None:
            return self._from_issuer(issuer, token, header)
        if self.secret is not None and (iss is None or header.get("alg") == "HS256"):
            return principal_for_token(token, self.secret, self.max_age, self.demo)
        if iss is None:
            raise Unauthenticated("Invalid user token: it names no issuer (iss), and this instance takes tokens "
                                  f"from its OpenID Connect issuers only ({SETTING}).")
        raise Unauthenticated(f"Invalid user token: its issuer {str(iss)[:200]!r} is not one this instance "
                              f"trusts ({SETTING}).")

    def _from_issuer(self, issuer: Issuer, token: str, header: dict[str, Any]) -> Principal:
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in issuer.algorithms:
            raise Unauthenticated(f"Invalid user token: {issuer.issuer} tokens must be signed with "
                                  f"{' or '.join(issuer.algorithms)}, not {str(alg)[:20]!r}.")
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated("Invalid user token: its key id (kid) must be a string.")
        key = self.keys[issuer.issuer].key(kid or None)
        _check_key_fits(issuer, key, alg)
        try:
            claims = jwt.decode(token, key.jwk.key, algorithms=[alg], audience=list(issuer.audiences),
                                issuer=issuer.issuer, leeway=LEEWAY, options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The user token has expired; sign in again.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthenticated("Invalid user token: it is not valid yet (nbf or iat in the future).") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated(f"Invalid user token: its audience (aud) must be "
                                  f"{' or '.join(issuer.audiences)}.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"Invalid user token: {exc}.") from exc
        _check_person_token(issuer, claims)
        return _principal(issuer, claims)


def _check_key_fits(issuer: Issuer, key: SigningKey, alg: str) -> None:
    """The header's algorithm (already one the issuer allows) must suit the key: its type (RSA for RS*
    and PS*, EC for ES*), its curve (P-256 for ES256), and the algorithm its JWK names, if it names one.
    PyJWT alone would assume RS256 for an RSA key without ``alg`` (Entra ID's have none)."""
    family = KEY_TYPES.get(alg[:2])
    if key.jwk.key_type != family or family == "EC" and key.jwk.algorithm_name != alg or key.alg not in (None, alg):
        raise Unauthenticated(f"Invalid user token: it is signed with {alg}, which {issuer.issuer}'s key "
                              f"{key.jwk.key_id or ''!r} ({key.jwk.key_type}, {key.alg or 'no alg'}) is not for.")


def _check_person_token(issuer: Issuer, claims: dict[str, Any]) -> None:
    """A token an application got for itself (client credentials) names no person and never signs one in:
    Entra ID marks such tokens ``idtyp: app``; Okta's carry the client id as ``sub`` (``cid`` equal to it).
    With ``required_scope``, the token must also have been granted that scope (``scp`` or ``scope``)."""
    if claims.get("idtyp") == "app" or claims.get("cid") is not None and claims.get("cid") == claims.get("sub"):
        raise Unauthenticated("Invalid user token: it is an application's own token (client credentials), "
                              "not a person's.")
    if issuer.required_scope is not None and issuer.required_scope not in _scopes(claims):
        raise Unauthenticated(f"Invalid user token: it was not granted the scope {issuer.required_scope!r} "
                              "(scp or scope claim), which this instance requires of its issuer.")


def _scopes(claims: dict[str, Any]) -> set[str]:
    """Granted scopes: Entra ID's ``scp`` and the standard ``scope`` are space-separated text, Okta's ``scp`` a list."""
    found: set[str] = set()
    for name in ("scp", "scope"):
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(v for v in value if isinstance(v, str))
    return found


def _unverified(token: str) -> tuple[dict[str, Any], Any]:
    """The header and the ``iss`` claim, read without checking anything: only to choose the check."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"Invalid user token: {exc}.") from exc
    return header, claims.get("iss")


def _principal(issuer: Issuer, claims: dict[str, Any]) -> Principal:
    value = _claim(claims, issuer.person_claim)
    if not isinstance(value, str) or not value.strip():
        raise Unauthenticated(f"Invalid user token: it has no {issuer.person_claim!r} claim naming a person.")
    try:
        person = issuer.person(value)
    except PersonRefused as exc:
        raise Unauthenticated(f"Invalid user token: its {issuer.person_claim!r} claim {exc}, so it names "
                              "no person this instance takes from its issuer.") from exc
    roles = issuer.tillit_roles(_names(claims, issuer.roles_claim), _names(claims, issuer.groups_claim))
    return Principal("user", person, USER_SCOPES, roles)


def _claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested claims (Keycloak's ``realm_access.roles``).
    A path cannot reach a nested key that itself contains a dot (only a top-level one, by its full name)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _names(claims: dict[str, Any], path: str) -> set[str]:
    """The strings of a list claim (a single string counts as a list of one); anything else, none."""
    value = _claim(claims, path)
    if isinstance(value, str):
        return {value}
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()
