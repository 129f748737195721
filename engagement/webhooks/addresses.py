"""Which addresses Tillit may POST to: a guard against server-side request forgery.

A subscription's URL comes from an API key holder, so it could point Tillit at something only
Tillit can reach (a metadata service, an admin port on localhost, the database). Refused: any
scheme but http and https, user info in the URL, and — unless ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE is
on — any host that resolves to a loopback, private, link-local, reserved or multicast address.
ENGAGEMENT_WEBHOOK_ALLOWED_HOSTS, when set, is an allow-list of host names (``*.example`` for a
domain's subdomains). The host is checked when the subscription is made and again before each
attempt, and redirects are never followed. What stays open: a name that resolves to a public
address at the check and a private one a moment later (DNS rebinding); operators who need more put
Tillit behind an egress proxy or firewall that allows only the intranet's hosts.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from engagement.errors import FieldError, ValidationFailed


class Refused(ValueError):
    """An address Tillit will not send to; the message says why, never the secret URL itself."""


def check(url: str, allowed_hosts: Sequence[str], allow_private: bool) -> None:
    """Raise :class:`Refused` unless ``url`` may be posted to."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # a bracketed host that is no IPv6 address, a port that is no number
        raise Refused(f"Not a valid address: {exc}.") from exc
    if parts.scheme not in ("http", "https"):
        raise Refused("Only http and https addresses are allowed.")
    if not parts.hostname:
        raise Refused("The address has no host.")
    if parts.username or parts.password:
        raise Refused("Put no user name or password in the address; the signature authenticates Tillit.")
    host = parts.hostname.lower().rstrip(".")
    if allowed_hosts and not any(_matches(host, pattern.lower()) for pattern in allowed_hosts):
        raise Refused(f"The host {host!r} is not in ENGAGEMENT_WEBHOOK_ALLOWED_HOSTS.")
    if not allow_private:
        for address in _addresses(host, port):
            if not address.is_global or address.is_multicast:
                raise Refused(f"The host {host!r} is not a public address; Tillit does not post inside its own "
                              "network.")


def checked_field(url: str, allowed_hosts: Sequence[str], allow_private: bool, field: str = "url") -> str:
    """``url`` if allowed, else a 422 naming ``field``."""
    try:
        check(url, allowed_hosts, allow_private)
    except Refused as refused:
        raise ValidationFailed([FieldError(field, str(refused))]) from refused
    return url


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"The host {host!r} does not resolve.") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
