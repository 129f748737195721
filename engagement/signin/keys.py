"""One issuer's public signing keys: found by discovery, cached, refetched when the issuer rotates.

Providers rotate their keys and publish the new one before they sign with it, so a token whose
``kid`` is unknown is the sign to fetch the key set again. Anyone can send such a token, though,
so that refetch happens at most once per ``REFETCH_INTERVAL``: a flood of made-up ``kid`` values
costs the provider one request, not one each. Keys are fetched on first use (Tillit starts while
the provider is away) and, once known, kept through a provider outage.
"""
from __future__ import annotations

import threading
import time

from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientError, PyJWKSetError

from engagement.errors import EngagementError, Unauthenticated

# Shortest time between two fetches caused by tokens with an unknown key id.
REFETCH_INTERVAL = 30.0
# Known keys are fetched again after this long, so a key the provider withdrew stops working.
KEYS_MAX_AGE = 3600.0
FETCH_TIMEOUT = 5.0
# After a failed first fetch, requests answer 503 for this long without asking the provider again.
RETRY_AFTER = 10
DISCOVERY = "/.well-known/openid-configuration"


class IssuerUnreachable(EngagementError):
    """The provider's discovery document or key set could not be read: try again shortly."""

    def __init__(self, issuer: str, why: str):
        super().__init__(f"Cannot read the signing keys of {issuer} ({why}); try again shortly.", 503,
                         "Identity provider unavailable", headers={"Retry-After": str(RETRY_AFTER)})


class IssuerKeys:
    """The signing keys of one issuer, shared by all requests of one app (thread-safe)."""

    def __init__(self, issuer: str, jwks_uri: str | None = None):
        self.issuer = issuer
        self.jwks_uri = jwks_uri
        self.fetches = 0  # how often the key set was fetched (for metrics and tests)
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._refetched_at = float("-inf")
        self._failed: tuple[float, str] = (float("-inf"), "")
        self._lock = threading.Lock()

    def key(self, kid: str | None) -> PyJWK:
        """The key ``kid`` names, or 401 if the issuer does not publish it. A token without ``kid``
        is taken only from an issuer that publishes a single key (as a bare key set may)."""
        now = time.monotonic()
        key = self._keys.get(kid or "")
        if key is not None and now - self._fetched_at < KEYS_MAX_AGE:
            return key
        with self._lock:
            stale = now - self._fetched_at >= KEYS_MAX_AGE  # or never fetched
            if stale and not self._keys and now - self._failed[0] < RETRY_AFTER:
                raise IssuerUnreachable(self.issuer, self._failed[1])
            if stale:
                self._fetch(keep_old=bool(self._keys))
            elif kid is not None and kid not in self._keys and now - self._refetched_at >= REFETCH_INTERVAL:
                self._refetched_at = now
                self._fetch(keep_old=True)
            known = self._keys
        if kid is None:
            if len(known) != 1:
                raise Unauthenticated(f"Invalid user token: its header names no signing key (kid), and "
                                      f"{self.issuer} publishes {len(known)}.")
            return next(iter(known.values()))
        if kid not in known:
            raise Unauthenticated(f"Invalid user token: {self.issuer} publishes no key {kid!r}.")
        return known[kid]

    def _fetch(self, keep_old: bool) -> None:
        """Read the key set; when it fails, known keys stay in use (a provider outage is not a lock-out)."""
        try:
            uri = self.jwks_uri or self._discover()
            found = PyJWKClient(uri, cache_jwk_set=False, cache_keys=False, timeout=FETCH_TIMEOUT).get_jwk_set()
        except (PyJWKClientError, PyJWKSetError) as exc:
            if keep_old:
                self._fetched_at = time.monotonic() - KEYS_MAX_AGE + REFETCH_INTERVAL  # try again soon
                return
            self._failed = (time.monotonic(), str(exc))
            raise IssuerUnreachable(self.issuer, str(exc)) from exc
        self.fetches += 1
        self._keys = _signing_keys(found)
        self._fetched_at = time.monotonic()

    def _discover(self) -> str:
        """The key set's address from the issuer's discovery document, which must name the same issuer."""
        address = self.issuer.rstrip("/") + DISCOVERY
        document = PyJWKClient(address, cache_jwk_set=False, timeout=FETCH_TIMEOUT).fetch_data()
        if document.get("issuer") != self.issuer:
            raise PyJWKClientError(f"its discovery document names the issuer {document.get('issuer')!r}")
        uri = document.get("jwks_uri")
        if not isinstance(uri, str) or not uri:
            raise PyJWKClientError("its discovery document has no jwks_uri")
        self.jwks_uri = uri
        return uri


def _signing_keys(found: PyJWKSet) -> dict[str, PyJWK]:
    """Keys meant for signatures, by key id ("" for a key without one); never encryption keys."""
    return {k.key_id or "": k for k in found.keys if k.public_key_use in (None, "sig")}
