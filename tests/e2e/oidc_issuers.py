"""Identity providers for the sign-in tests: the real ``oidc-provider-mock`` process, and a small
issuer of our own whose keys a test can rotate and whose tokens it can sign with any claims.

oidc-provider-mock publishes one RSA key for its whole life and signs only tokens it issues
itself (ID tokens through the authorization code flow), so rotation, expiry, ``nbf`` and ES256
need the second: an HTTP server on a loopback port serving a discovery document and a JWKS made
with ``cryptography``, counting how often each is fetched. It can also misbehave as real providers
do: answer 500, an HTML maintenance page, a key set too big to be one, or trickle its key set one
byte a second.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.services import free_port, wait_for_port

REDIRECT = "http://127.0.0.1/signed-in"


@contextlib.contextmanager
def mock_provider(*users: dict[str, Any]) -> Iterator[str]:
    """``oidc-provider-mock`` on a free loopback port with the given users; yields its issuer URL."""
    if importlib.util.find_spec("oidc_provider_mock") is None:
        raise RuntimeError("the package oidc-provider-mock is not installed (pip install -e '.[test]')")
    port = free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for user in users:
        command += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()


def provider_id_token(issuer: str, subject: str, client_id: str) -> str:
    """What a browser and the intranet do at sign-in: the authorization code flow, ending in an ID token
    whose audience is ``client_id``."""
    answer = requests.post(f"{issuer}/oauth2/authorize", data={"sub": subject}, allow_redirects=False, timeout=10,
                           params={"client_id": client_id, "redirect_uri": REDIRECT, "response_type": "code",
                                   "scope": "openid email"})
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(f"{issuer}/oauth2/token", timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id,
        "client_secret": "intranet-client-secret"}).json()
    return tokens["id_token"]


class SmallIssuer:
    """An OpenID Connect issuer reduced to its two documents; the test holds the private keys."""

    def __init__(self, curve: bool = False):
        self.curve = curve
        self.fetches = {"discovery": 0, "jwks": 0}
        self.broken = False  # True: the key set answers 500, as a provider in trouble
        self.html = False  # True: the key set answers 200 with an HTML maintenance page
        self.huge = False  # True: the key set is 2 MB of JSON
        self.jwks_path = "/keys"  # where the key set is served (and what discovery names)
        self.jwks_uri: str | None = None  # set: what discovery names instead
        self.trickle: threading.Event | None = None  # set: the key set trickles until the event is set
        self.trickling = threading.Event()  # set once a trickling answer has started
        self.keys: dict[str, Any] = {}
        self.rotate()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def rotate(self) -> str:
        """Publish a new key in place of the old ones (as a provider does once the old key's tokens ended)."""
        kid = uuid.uuid4().hex[:12]
        self.keys = {kid: ec.generate_private_key(ec.SECP256R1()) if self.curve
                     else rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        self.kid = kid
        return kid

    def token(self, subject: str, audience: str = "tillit-api", kid: str | None = None, key: Any = None,
              algorithm: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "sub": subject, "aud": audience, "iat": now, "exp": now + 600, **claims}
        kid = kid or self.kid
        key = key or self.keys.get(kid) or next(iter(self.keys.values()))
        algorithm = algorithm or ("ES256" if self.curve else "RS256")
        return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})

    def jwks(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.ECAlgorithm if self.curve else jwt.algorithms.RSAAlgorithm
        return {"keys": [{**json.loads(algorithm.to_jwk(k.public_key())), "kid": kid, "use": "sig"}
                         for kid, k in self.keys.items()]}

    def close(self) -> None:
        if self.trickle is not None:
            self.trickle.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                if self.path == "/.well-known/openid-configuration":
                    issuer.fetches["discovery"] += 1
                    self._send({"issuer": issuer.url,
                                "jwks_uri": issuer.jwks_uri or f"{issuer.url}{issuer.jwks_path}"})
                elif self.path == issuer.jwks_path:
                    issuer.fetches["jwks"] += 1
                    if issuer.broken:
                        self.send_error(500)
                    elif issuer.html:
                        self._send_bytes(b"<html><body>Down for maintenance</body></html>", "text/html")
                    elif issuer.huge:
                        self._send({**issuer.jwks(), "padding": "x" * 2_000_000})
                    elif issuer.trickle is not None:
                        self._trickle(issuer.trickle)
                    else:
                        self._send(issuer.jwks())
                else:
                    self.send_error(404)

            def _send(self, body: dict[str, Any]) -> None:
                self._send_bytes(json.dumps(body).encode(), "application/json")

            def _send_bytes(self, data: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _trickle(self, until: threading.Event) -> None:
                """One space a second of a promised 100 kB, until the test ends it (then the connection closes)."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                issuer.trickling.set()
                while not until.wait(1.0):
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        return
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
