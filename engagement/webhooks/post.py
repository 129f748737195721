"""One outbound HTTP POST, never following a redirect (a redirect could lead past the address
check to somewhere inside the network). Shared by webhooks and chat channels.

The timeout bounds the whole request, not each read: a receiver that answers a byte a second
would otherwise hold a sender thread for as long as it likes. A watchdog shuts the connection's
socket when the time is up, and at most :data:`BODY_LIMIT` bytes of the answer are read (only its
status matters). No error ever carries the URL or a part of it: a channel's or receiver's address
may hold a secret in its path or query.
"""
from __future__ import annotations

import http.client
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

BODY_LIMIT = 4096  # bytes of an answer read at most
CHUNK = 1024


@dataclass(frozen=True)
class Answer:
    status: int | None  # the HTTP status, or None when no answer came
    error: str  # why it did not succeed ("" when it did)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Watchdog:
    """Shuts every socket the request opened once ``seconds`` have passed."""

    def __init__(self, seconds: float):
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.expired = False
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self.lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watched(base: type[http.client.HTTPConnection], watchdog: _Watchdog) -> Any:
    class Watched(base):  # type: ignore[valid-type,misc]
        def connect(self) -> None:
            super().connect()
            watchdog.watch(self.sock)
    return Watched


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is then answered as it is: not delivered


class _Http(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog):
        super().__init__()
        self.watchdog = watchdog

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_watched(http.client.HTTPConnection, self.watchdog), req)


class _Https(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog):
        super().__init__()
        self.watchdog = watchdog

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_watched(http.client.HTTPSConnection, self.watchdog), req,
                            context=getattr(self, "_context", None))


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` within ``timeout`` seconds in all; never raises, and the error names what
    went wrong, never the URL."""
    watchdog = _Watchdog(timeout)
    opener = urllib.request.build_opener(_NoRedirects, _Http(watchdog), _Https(watchdog))
    watchdog.timer.start()
    try:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "User-Agent": "Tillit-Webhooks", **headers})
        with opener.open(request, timeout=timeout) as response:
            _read_some(response)
            return Answer(response.status, "")
    except urllib.error.HTTPError as answer:
        answer.close()
        return Answer(answer.code, f"answered {answer.code}")
    except Exception as exc:  # noqa: BLE001 - one bad address or receiver must not end a sender pass
        return Answer(None, _why(exc, watchdog.expired, timeout))
    finally:
        watchdog.timer.cancel()


def _read_some(response: Any) -> None:
    """Up to BODY_LIMIT bytes of the answer, in chunks; a cut-off body still has its status."""
    left = BODY_LIMIT
    try:
        while left > 0:
            chunk = response.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
    except (OSError, http.client.HTTPException):
        return


def _why(exc: BaseException, expired: bool, timeout: float) -> str:
    """What went wrong, in words that cannot carry the URL: the exception's type, and for errors
    of the network the system's own description (which names no address)."""
    if expired:
        return f"no complete answer within {timeout:g} s"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, OSError) and reason.strerror:
        return f"{type(reason).__name__}: {reason.strerror}"[:300]
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"{type(reason).__name__}: timed out"
    return f"{type(reason).__name__}: the request could not be made"
