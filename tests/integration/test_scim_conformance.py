"""scim2-tester, a third-party SCIM conformance checker, against /scim/v2 served over real HTTP
(werkzeug on a free port), on SQLite and on PostgreSQL: every check it runs must pass.

Run with ``-s`` to see each check's name and outcome (the counts are printed too)."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from werkzeug.serving import make_server

from engagement import create_app
from engagement import migrate as schema
from engagement.auth import create_api_key
from engagement.state import state
from tests.conftest import migrated_app, sqlite_config


@contextmanager
def served(app) -> Iterator[str]:
    """The app on a free local port, in a thread, for as long as the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def provisioning_key(app) -> str:
    with app.app_context():
        session = state(app).db.session
        key = create_api_key(session, "entra-id", ["directory:write"])
        session.commit()
    return key


def conformance(app) -> list:
    """Every check scim2-tester runs, against the live server."""
    key = provisioning_key(app)
    with served(app) as root, httpx2.Client(base_url=f"{root}/scim/v2",
                                            headers={"Authorization": f"Bearer {key}"}) as http:
        results = check_server(SyncSCIMClient(http))
    outcome = Counter(r.status.name for r in results)
    print(f"\nscim2-tester: {dict(outcome)}")
    for r in results:
        print(f"  {r.status.name:8} {r.resource_type or '-':6} {r.title}: {r.reason}")
    return results


def assert_all_pass(results: list) -> None:
    failed = [(r.resource_type, r.title, r.reason) for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert results and not failed, failed
    assert sum(r.status == Status.SUCCESS for r in results) >= 79  # every check the pinned version runs


# The checker sends from one thread as fast as the server answers, past 200 writes a second on
# SQLite, which the per-key limit answers 429 at random checks; an identity provider provisions far
# slower and retries a 429. The limit has its own tests (tests/unit/test_security.py).
UNLIMITED = {"ENGAGEMENT_RATE_LIMIT_KEY": "off"}


def test_scim2_tester_passes_against_the_live_endpoint_on_sqlite(sqlite_template, tmp_path):
    app = migrated_app(sqlite_template, tmp_path, **UNLIMITED)
    try:
        assert_all_pass(conformance(app))
    finally:
        state(app).bus.close()


@pytest.mark.postgres
def test_scim2_tester_passes_against_the_live_endpoint_on_postgres(postgres_url, tmp_path):
    app = create_app(sqlite_config(tmp_path, ENGAGEMENT_DATABASE_URL=postgres_url, **UNLIMITED))
    schema.upgrade(state(app).engine)
    try:
        assert_all_pass(conformance(app))
    finally:
        state(app).bus.close()
        state(app).engine.dispose()
