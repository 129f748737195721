"""One outbound HTTP POST with a timeout, never following a redirect (a redirect could lead past
the address check to somewhere inside the network). Shared by webhooks and chat channels."""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int | None  # the HTTP status, or None when no answer came
    error: str  # why it did not succeed ("" when it did)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is then answered as it is: not delivered


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body``; the error names what went wrong, never the URL (it may hold a secret)."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "Tillit-Webhooks",
                                              **headers})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return Answer(response.status, "")
    except urllib.error.HTTPError as answer:
        return Answer(answer.code, f"answered {answer.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(None, f"{type(reason).__name__}: {_without_url(str(reason), url)}"[:300])


def _without_url(text: str, url: str) -> str:
    return text.replace(url, "<url>")
