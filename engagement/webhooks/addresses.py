"""Which addresses Tillit may POST to: a guard against server-side request forgery.

A subscription's URL comes from an API key holder, so it could point Tillit at something only
Tillit can reach (a metadata service, an admin port on localhost, the database). Refused: any
scheme but http and https, user info in the URL, anything but printable ASCII (a space or control
character would break the request later, with the secret address in the error), and — unless
ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE is on — any port but 80 and 443 and any host that resolves to a
loopback, private, link-local, reserved or multicast address, also when an IPv6 address embeds
such an IPv4 address (IPv4-mapped and -compatible, 6to4, Teredo, NAT64).
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


PORTS = (80, 443)  # the only ports unless ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE: no admin or database port
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def check(url: str, allowed_hosts: Sequence[str], allow_private: bool) -> None:
    """Raise :class:`Refused` unless ``url`` may be posted to."""
    if not printable(url):
        raise Refused("Use only printable ASCII in the address: percent-encode spaces and other characters, and "
                      "write an international host name in its xn-- form.")
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
        if port not in PORTS:
            raise Refused("Only the ports 80 and 443 are allowed.")
        for address in _addresses(host, port):
            if not all(public(a) for a in (address, *embedded(address))):
                raise Refused(f"The host {host!r} is not a public address; Tillit does not post inside its own "
                              "network.")


def checked_field(url: str, allowed_hosts: Sequence[str], allow_private: bool, field: str = "url") -> str:
    """``url`` if allowed, else a 422 naming ``field``."""
    try:
        check(url, allowed_hosts, allow_private)
    except Refused as refused:
        raise ValidationFailed([FieldError(field, str(refused))]) from refused
    return url


def printable(url: str) -> bool:
    """Whether ``url`` is printable ASCII only (no space, no control character)."""
    return bool(url) and all("!" <= c <= "~" for c in url)


def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


def embedded(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, which a gateway or the host may reach instead."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo:
        found += list(address.teredo)
    packed = address.packed
    if address in NAT64 or packed[:12] == bytes(12):  # NAT64 and IPv4-compatible (::a.b.c.d)
        found.append(ipaddress.IPv4Address(packed[12:]))
    return found


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
