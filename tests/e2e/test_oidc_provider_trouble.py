"""A provider in trouble (slow, trickling, answering HTML or far too much) must cost its own users a
503 at most: other issuers, HS256 tokens, /healthz and people whose keys are already known go on.

The app runs in a real threaded HTTP server, as in production, and the providers are real HTTP
servers on loopback ports (tests/e2e/oidc_issuers.py).
"""
from __future__ import annotations

import json
import threading

import pytest
import requests
from werkzeug.serving import make_server

from engagement.auth import mint_user_token
from engagement.signin import keys
from engagement.state import state
from tests.conftest import bearer, migrated_app
from tests.e2e.oidc_issuers import SmallIssuer

TARGETS = "/v1/targets?t=article:n1"


def config(issuer: SmallIssuer) -> dict:
    return {"issuer": issuer.url, "audience": "tillit-api"}


@pytest.fixture
def issuers():
    made: list[SmallIssuer] = []

    def make() -> SmallIssuer:
        made.append(SmallIssuer())
        return made[-1]
    yield make
    for issuer in made:
        issuer.close()


@pytest.fixture
def serve(sqlite_template, tmp_path):
    """The app with the given issuers behind a threaded HTTP server; yields the app and its base URL."""
    running = []

    def start(*issuers: dict):
        app = migrated_app(sqlite_template, tmp_path / f"app{len(running)}", TESTING=False,
                           ENGAGEMENT_OIDC_ISSUERS=json.dumps(issuers))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append((app, server))
        return app, f"http://127.0.0.1:{server.server_port}"
    yield start
    for app, server in running:
        server.shutdown()
        state(app).bus.close()


def get(base: str, token: str, path: str = TARGETS) -> requests.Response:
    return requests.get(base + path, headers=bearer(token), timeout=120)


def in_background(call) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(answer=call()), daemon=True)
    thread.start()
    return thread, result


def test_a_trickling_provider_holds_up_no_other_issuer_nor_hs256_nor_health(issuers, serve, monkeypatch):
    monkeypatch.setattr(keys, "FETCH_DEADLINE", 600.0)  # the slow fetch outlives every check below
    slow, other = issuers(), issuers()
    slow.trickle = threading.Event()
    app, base = serve(config(slow), config(other))
    first, result = in_background(lambda: get(base, slow.token("kari")))
    assert slow.trickling.wait(60)
    assert get(base, other.token("siri")).status_code == 200
    assert get(base, mint_user_token(state(app).token_secret, "ola")).status_code == 200
    assert requests.get(base + "/healthz", timeout=60).status_code == 200
    waiting = get(base, slow.token("per"))  # no key yet and another request is fetching: 503, not a hang
    assert waiting.status_code == 503 and waiting.headers["Retry-After"]
    assert "still fetching" in waiting.json()["detail"]
    assert first.is_alive() and slow.fetches["jwks"] == 1  # all of the above while the slow fetch goes on
    slow.trickle.set()
    first.join(120)
    assert result["answer"].status_code == 503


def test_known_keys_keep_working_while_one_request_refreshes_them_slowly(issuers, serve, monkeypatch):
    monkeypatch.setattr(keys, "FETCH_DEADLINE", 600.0)
    slow = issuers()
    _app, base = serve(config(slow))
    assert get(base, slow.token("kari")).status_code == 200
    monkeypatch.setattr(keys, "KEYS_MAX_AGE", 0.0)  # every key is stale from now on
    slow.trickle = threading.Event()
    refreshing, result = in_background(lambda: get(base, slow.token("kari")))
    assert slow.trickling.wait(60)
    for name in ("siri", "per", "ola"):  # stale but known: used at once, no second fetch
        assert get(base, slow.token(name)).status_code == 200
    assert refreshing.is_alive() and slow.fetches["jwks"] == 2
    slow.trickle.set()
    refreshing.join(120)
    assert result["answer"].status_code == 200  # the refresh failed; the known keys stay in use


def test_a_fetch_ends_at_its_deadline_even_while_bytes_keep_coming(issuers, serve, monkeypatch):
    monkeypatch.setattr(keys, "FETCH_DEADLINE", 1.0)
    slow = issuers()
    slow.trickle = threading.Event()
    _app, base = serve(config(slow))
    answer = get(base, slow.token("kari"))
    assert answer.status_code == 503 and "not read within 1 seconds" in answer.json()["detail"]


def test_a_key_set_of_megabytes_is_not_read_to_the_end(issuers, serve):
    big = issuers()
    big.huge = True
    _app, base = serve(config(big))
    answer = get(base, big.token("kari"))
    assert answer.status_code == 503 and f"more than {keys.MAX_DOCUMENT_BYTES} bytes" in answer.json()["detail"]


def test_an_html_maintenance_page_is_an_unreachable_provider_not_an_error(issuers, serve, monkeypatch):
    down, known = issuers(), issuers()
    down.html = True
    _app, base = serve(config(down), config(known))
    for _ in range(3):
        answer = get(base, down.token("kari"))
        assert answer.status_code == 503 and answer.headers["Retry-After"]
        assert "its key set at" in answer.json()["detail"]
    assert down.fetches["jwks"] == 1  # backed off: asked once
    assert get(base, known.token("kari")).status_code == 200
    known.html = True
    monkeypatch.setattr(keys, "KEYS_MAX_AGE", 0.0)
    for _ in range(3):  # stale keys, provider in maintenance: the keys Tillit knows still sign people in
        assert get(base, known.token("kari")).status_code == 200
    assert known.fetches["jwks"] == 3  # the first fetch, then one refresh: the known address, then the discovered one


def test_a_wrong_discovery_document_is_named_as_such(issuers, serve):
    moved = issuers()
    moved.jwks_uri = "http://idp.example.org/keys"  # plain http to another host
    _app, base = serve(config(moved))
    answer = get(base, moved.token("kari"))
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert "discovery document's jwks_uri" in detail and "must be an https URL" in detail
    assert moved.fetches == {"discovery": 1, "jwks": 0}


def test_a_key_set_that_moved_is_discovered_again(issuers, serve, monkeypatch):
    monkeypatch.setattr(keys, "REFETCH_INTERVAL", 0.0)
    issuer = issuers()
    _app, base = serve(config(issuer))
    assert get(base, issuer.token("kari")).status_code == 200
    issuer.jwks_path = "/keys-2"  # the old address now answers 404
    issuer.rotate()
    answer = get(base, issuer.token("kari"))  # the key set's old address fails: discovery finds the new one
    assert answer.status_code == 200, answer.text
    assert issuer.fetches == {"discovery": 2, "jwks": 2}
