"""Who is calling: API keys for intranet back ends, signed user tokens for browser widgets.

API keys are random 256-bit secrets; only their SHA-256 is stored (a slow password
hash buys nothing for a secret that long). User tokens are HS256 JWTs that the
intranet back end mints with the shared secret: the subject is the person, so a
widget can never act for anyone else. Tokens of the intranet's own identity provider (OpenID
Connect) are checked in engagement.signin, which routes each user token to the right check.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, scoped_session

from engagement.db import utcnow
from engagement.errors import Forbidden, Unauthenticated
from engagement.ledger.model import ApiKey

SCOPES = {
    "events:write": "send events for any actor (intranet back ends)",
    "reports:read": "read reports for communications staff",
    "awards:manage": "finalise monthly awards",
    "directory:write": "sync people and teams",
    "moderation:manage": "review reported ideas and contributions",
    "trust:read": "read the trust-signal report (communications staff)",
    "audit:read": "read who viewed the trust-signal report or read a person's data (admins)",
    "privacy:read": "read any person's data to answer an access request (the data protection officer; audited)",
    "webhooks:manage": "subscribe the key's own addresses to signed outbound webhooks and read their delivery log",
    "keys:manage": "list, create and revoke API keys (the operator's; a key with it can mint any scope)",
    "pulses:manage": "define pulses (short surveys) and list them, as communications staff do",
}
# A user token with this role may read the trust-signal report, as the key scope above.
TRUST_ROLE = "communications"
# A user token with this role manages API keys and reads the audit logs and the review queue, as
# a key with 'keys:manage', 'audit:read' and 'moderation:manage' would (the operator's console);
# leaders and communications staff never do, so nobody mints a key with scopes the operator did not give.
ADMIN_ROLE = "admin"
KEY_PREFIX = "tlt_"
TOKEN_AUDIENCE = "tillit"
# The demo's made-up users get tokens for this audience only: a demo box that shares the real
# secret must not hand its visitors a 'communications' or 'leader' token a real instance takes.
DEMO_AUDIENCE = "tillit-demo"
# How long a process takes a key it verified without asking the database again: the bound on how
# long a key revoked in another process keeps working there (the revoking process forgets it at
# once). Each process then reads each key's row once per this interval, which costs nothing
# beside the requests it serves, and a request between two reads costs no round trip.
KEY_CACHE_SECONDS = 2
# A key's last use is written at most once this often: a busy integration's every request must
# not become a write. With the cache above, most requests never reach the database at all.
LAST_USED_EVERY = timedelta(seconds=60)
# What a person may do from a widget with their own token; leaders may also adopt ideas.
USER_SCOPES = frozenset({"events:own"})


@dataclass(frozen=True)
class Principal:
    kind: str  # "key" or "user"
    name: str  # key name, or the person id for a user
    scopes: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    key_id: str = ""  # an API key's prefix: unlike its name, unique (what its webhook subscriptions belong to)

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"This needs the scope {scope!r}, which the credentials lack.")


def create_api_key(session: Session, name: str, scopes: list[str]) -> str:
    """Store a new key and return it; it is never shown again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes {unknown}; choose from {', '.join(SCOPES)}")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(prefix=prefix, key_hash=_digest(key), name=name, scopes=" ".join(sorted(scopes))))
    return key


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyCache:
    """Verified keys for a short while, so a request costs no database round trip."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry and entry[0] > time.monotonic():
            return entry[1]
        return None

    def forget(self, digest: str) -> None:
        """A revoked key stops at once in this process (others forget it within KEY_CACHE_SECONDS)."""
        with self._lock:
            self._entries.pop(digest, None)

    def put(self, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + KEY_CACHE_SECONDS, principal)


def principal_for_key(session: Session | scoped_session, key: str, cache: KeyCache) -> Principal:
    """The key's principal, from ``cache`` when it verified the key in the last KEY_CACHE_SECONDS;
    ``session`` (the request's scoped session, made only when asked) is used only on a miss."""
    digest = _digest(key)
    cached = cache.get(digest)
    if cached is not None:
        return cached
    prefix = key[len(KEY_PREFIX):].split("_", 1)[0]
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        raise Unauthenticated("Unknown or revoked API key.")
    mark_used(session, row, utcnow())
    principal = Principal("key", row.name, frozenset(row.scopes.split()), key_id=row.prefix)
    cache.put(digest, principal)
    return principal


def mark_used(session: Session | scoped_session, row: ApiKey, now: datetime) -> None:
    """Note the key's use when the last note is older than LAST_USED_EVERY: one conditional
    UPDATE, so two processes at once write it once, and the request's own work is not committed."""
    if row.last_used_at is not None and now - row.last_used_at < LAST_USED_EVERY:
        return
    recent = now - LAST_USED_EVERY
    session.execute(update(ApiKey).where(ApiKey.id == row.id).where(
        or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= recent)).values(last_used_at=now))
    session.commit()


def mint_user_token(secret: str, subject: str, ttl: int = 900, roles: tuple[str, ...] = (),
                    audience: str = TOKEN_AUDIENCE) -> str:
    """What an intranet back end does for each page view (any JWT library will do the same)."""
    now = datetime.now(UTC)
    claims = {"sub": subject, "aud": audience, "iat": now, "exp": now + timedelta(seconds=ttl)}
    if roles:
        claims["roles"] = list(roles)
    return jwt.encode(claims, secret, algorithm="HS256")


def audiences(demo: bool) -> tuple[str, ...]:
    """The audiences this instance takes: the demo's only where someone asked for the demo."""
    return (TOKEN_AUDIENCE, DEMO_AUDIENCE) if demo else (TOKEN_AUDIENCE,)


def principal_for_token(token: str, secret: str, max_age: int, demo: bool = False) -> Principal:
    """The person a user token names; ``demo`` says whether this instance serves the demo, whose
    tokens it then takes too (and never otherwise)."""
    accepted = audiences(demo)
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=list(accepted), leeway=30,
                            options={"require": ["exp", "iat", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("The user token has expired; fetch a new one from the intranet.") from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated(f'Invalid user token: aud must be the string "{TOKEN_AUDIENCE}" (the demo\'s '
                              f'tokens, "{DEMO_AUDIENCE}", work only where the demo is on).') from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"Invalid user token: {exc}.") from exc
    except (TypeError, ValueError, OverflowError) as exc:  # a claim of the wrong type that PyJWT trips over
        raise Unauthenticated("Invalid user token: exp and iat must be numbers (seconds since 1970).") from exc
    _check_claims(claims, accepted)
    if claims["exp"] - claims["iat"] > max_age:
        raise Unauthenticated(f"User tokens may live at most {max_age} seconds.")
    return Principal("user", claims["sub"], USER_SCOPES, frozenset(map(str, claims.get("roles") or [])))


def _check_claims(claims: dict, accepted: tuple[str, ...]) -> None:
    """PyJWT lets through an ``aud`` list that merely contains us (a token made for several
    services, or one whose audience a sender padded), an empty ``sub`` (nobody, which a
    lookup keyed on the person would treat as a real id) and an ``iat`` or ``exp`` given as a
    string of digits (which it reads with ``int()``, while the lifetime check needs numbers);
    a widget token names one person, for us, with numeric times."""
    if claims.get("aud") not in accepted:
        raise Unauthenticated(f'Invalid user token: aud must be the string "{TOKEN_AUDIENCE}".')
    for name in ("iat", "exp"):
        if isinstance(claims[name], bool) or not isinstance(claims[name], (int, float)):
            raise Unauthenticated(f"Invalid user token: {name} must be a number (seconds since 1970).")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.strip():
        raise Unauthenticated("Invalid user token: sub must name a person.")
    if not isinstance(claims.get("roles") or [], list):
        raise Unauthenticated("Invalid user token: roles must be a list.")


def revoke_api_key(session: Session, prefix: str) -> bool:
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None:
        return False
    row.revoked_at = utcnow()
    from engagement.webhooks.service import disable_owned  # a revoked key's subscriptions stop too
    disable_owned(session, prefix)
    return True
