"""One issuer's public signing keys: found by discovery, cached, refetched when the issuer rotates.

Providers rotate their keys and publish the new one before they sign with it, so a token whose
``kid`` is unknown is the sign to fetch the key set again. Anyone can send such a token, though,
so that refetch happens at most once per ``REFETCH_INTERVAL``: a flood of made-up ``kid`` values
costs the provider one request, not one each. Keys are fetched on first use (Tillit starts while
the provider is away) and, once known, kept through a provider outage.

A slow or broken provider must not stall anything else: each fetch has an overall deadline and a
size cap, only one request at a time fetches, requests that hold a known key never wait for it
(stale keys stay in use while one request refreshes them), and a request that has no key waits a
bounded time and then answers 503. Anything that is not a readable key set (an HTML maintenance
page, a closed connection, a wrong discovery document) counts as the provider being unreachable.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from jwt import PyJWK
from jwt.exceptions import PyJWTError

from engagement.errors import EngagementError, Unauthenticated
from engagement.signin.issuers import url_problem

# Shortest time between two fetches caused by tokens with an unknown key id.
REFETCH_INTERVAL = 30.0
# Known keys are fetched again after this long, so a key the provider withdrew stops working.
KEYS_MAX_AGE = 3600.0
# Longest wait for one read from the provider's socket, and for discovery plus key set together.
FETCH_TIMEOUT = 5.0
FETCH_DEADLINE = 10.0
# Largest discovery document or key set read (real ones are a few kilobytes).
MAX_DOCUMENT_BYTES = 1_048_576
# Longest a request without a usable key waits for another request's fetch before answering 503,
# counted from when that fetch began (so checking a token twice in one request does not wait twice).
KEY_WAIT = 5.0
# After a failed first fetch, requests answer 503 for this long without asking the provider again.
RETRY_AFTER = 10
DISCOVERY = "/.well-known/openid-configuration"


class IssuerUnreachable(EngagementError):
    """The provider's discovery document or key set could not be read: try again shortly."""

    def __init__(self, issuer: str, why: str):
        super().__init__(f"Cannot read the signing keys of {issuer} ({why}); try again shortly.", 503,
                         "Identity provider unavailable", headers={"Retry-After": str(RETRY_AFTER)})


class FetchFailed(Exception):
    """A discovery document or key set could not be read or is not what it should be."""


@dataclass(frozen=True)
class SigningKey:
    """A published public key and the algorithm its JWK names, if any (Entra's name none)."""

    jwk: PyJWK
    alg: str | None


class IssuerKeys:
    """The signing keys of one issuer, shared by all requests of one app (thread-safe)."""

    def __init__(self, issuer: str, jwks_uri: str | None = None):
        self.issuer = issuer
        self.configured_uri = jwks_uri
        self.jwks_uri = jwks_uri
        self.fetches = 0  # how often the key set was fetched (for metrics and tests)
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at = float("-inf")
        self._refetched_at = float("-inf")
        self._failed: tuple[float, str] = (float("-inf"), "")
        self._lock = threading.Lock()
        self._fetch_began: float | None = None  # set while a request fetches

    def key(self, kid: str | None) -> SigningKey:
        """The key ``kid`` names, or 401 if the issuer does not publish it. A token without ``kid``
        is taken only from an issuer that publishes a single key (as a bare key set may)."""
        if self._keys and self._stale():
            self._refresh(kid, wait=False)  # one request refreshes; this and the others use the known keys
        if not self._keys or kid is not None and kid not in self._keys and self._may_refetch():
            self._refresh(kid, wait=True)
        known = self._keys
        if kid is None:
            if len(known) != 1:
                raise Unauthenticated(f"Invalid user token: its header names no signing key (kid), and "
                                      f"{self.issuer} publishes {len(known)}.")
            return next(iter(known.values()))
        if kid not in known:
            raise Unauthenticated(f"Invalid user token: {self.issuer} publishes no key {kid!r}.")
        return known[kid]

    def _stale(self) -> bool:
        return time.monotonic() - self._fetched_at >= KEYS_MAX_AGE

    def _may_refetch(self) -> bool:
        return time.monotonic() - self._refetched_at >= REFETCH_INTERVAL

    def _refresh(self, kid: str | None, wait: bool) -> None:
        """Fetch the key set if it is still needed once this request holds the lock (another request
        may have fetched meanwhile). ``wait`` False: skip if another request is fetching already."""
        began = self._fetch_began
        patience = KEY_WAIT if began is None else max(0.0, began + KEY_WAIT - time.monotonic())
        got = self._lock.acquire(timeout=patience) if wait else self._lock.acquire(blocking=False)
        if not got:
            if wait:
                raise IssuerUnreachable(self.issuer, "another request is still fetching its keys")
            return
        try:
            if not self._keys:
                if time.monotonic() - self._failed[0] < RETRY_AFTER:
                    raise IssuerUnreachable(self.issuer, self._failed[1])
                self._fetch(keep_old=False)
            elif self._stale():
                self._fetch(keep_old=True)
            elif kid is not None and kid not in self._keys and self._may_refetch():
                try:
                    self._fetch(keep_old=True)
                finally:
                    self._refetched_at = time.monotonic()
        finally:
            self._lock.release()

    def _fetch(self, keep_old: bool) -> None:
        """Read the key set; when it fails, known keys stay in use (a provider outage is not a lock-out)."""
        self._fetch_began = time.monotonic()
        deadline = self._fetch_began + FETCH_DEADLINE
        try:
            keys = self._read_keys(deadline)
        except FetchFailed as exc:
            if not self.configured_uri:
                self.jwks_uri = None  # discover again next time: the provider may have moved its keys
            if keep_old:
                self._fetched_at = time.monotonic() - KEYS_MAX_AGE + REFETCH_INTERVAL  # try again soon
                return
            self._failed = (time.monotonic(), str(exc))
            raise IssuerUnreachable(self.issuer, str(exc)) from exc
        finally:
            self._fetch_began = None
        self.fetches += 1
        self._keys = keys
        self._fetched_at = time.monotonic()

    def _read_keys(self, deadline: float) -> dict[str, SigningKey]:
        """The key set at the address known, or discovered; a discovered address that fails is
        discovered once more at once (the provider may have moved its keys), within the same deadline."""
        known = self.jwks_uri
        uri = known or self._discover(deadline)
        try:
            return _signing_keys(_document(uri, deadline, "its key set"))
        except FetchFailed:
            if self.configured_uri or not known:
                raise
        return _signing_keys(_document(self._discover(deadline), deadline, "its key set"))

    def _discover(self, deadline: float) -> str:
        """The key set's address from the issuer's discovery document, which must name the same issuer."""
        document = _document(self.issuer.rstrip("/") + DISCOVERY, deadline, "its discovery document")
        if not isinstance(document, dict):
            raise FetchFailed("its discovery document is not a JSON object")
        if document.get("issuer") != self.issuer:
            raise FetchFailed(f"its discovery document names the issuer {str(document.get('issuer'))[:200]!r}")
        uri = document.get("jwks_uri")
        if not isinstance(uri, str) or not uri:
            raise FetchFailed("its discovery document has no jwks_uri")
        problem = url_problem(uri)
        if problem:
            raise FetchFailed(f"its discovery document's jwks_uri {uri[:200]!r} {problem}")
        self.jwks_uri = uri
        return uri


def _document(url: str, deadline: float, what: str) -> Any:
    """The JSON document at ``url``, read within the deadline and the size cap; ``what`` names it in errors."""
    try:
        return json.loads(_read(url, deadline))
    except FetchFailed as exc:
        raise FetchFailed(f"{what} at {url}: {exc}") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:  # ValueError: not JSON, not UTF-8
        raise FetchFailed(f"{what} at {url}: {str(exc)[:200] or type(exc).__name__}") from exc


def _read(url: str, deadline: float) -> bytes:
    """The body, a chunk at a time (each read waits at most FETCH_TIMEOUT), so a provider trickling
    one byte a second still ends at the deadline, and a huge one at the size cap."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Tillit"})
    body = bytearray()
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:  # noqa: S310 - checked https/loopback URL
        while chunk := answer.read1(65536):
            body += chunk
            if len(body) > MAX_DOCUMENT_BYTES:
                raise FetchFailed(f"more than {MAX_DOCUMENT_BYTES} bytes")
            if time.monotonic() > deadline:
                raise FetchFailed(f"not read within {FETCH_DEADLINE:g} seconds")
    return bytes(body)


def _signing_keys(document: Any) -> dict[str, SigningKey]:
    """Keys meant for signatures, by key id ("" for a key without one); never encryption keys.
    Keys Tillit cannot use (an unknown type or curve) are left out, as PyJWT's own key set does."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise FetchFailed("its key set is not a JSON object with a list of keys")
    keys: dict[str, SigningKey] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            jwk = PyJWK(entry)
        except (PyJWTError, ValueError, TypeError, KeyError):
            continue
        alg = entry.get("alg")
        keys[jwk.key_id or ""] = SigningKey(jwk, alg if isinstance(alg, str) else None)
    if not keys:
        raise FetchFailed("its key set has no usable signing key")
    return keys
