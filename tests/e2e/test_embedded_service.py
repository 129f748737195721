"""The README's first command on the embedded default, as a real process."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import requests

from tests.conftest import bearer, like
from tests.e2e.conftest import make_batches, send_batches, wait_for
from tests.services import Service, free_port, run_cli, wait_until_healthy

pytestmark = pytest.mark.slow


def ledger_ids(instance) -> list[str]:
    path = instance / "engagement.sqlite3"
    if not path.exists():
        return []
    with sqlite3.connect(path, timeout=30) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT event_id FROM engagement_ledger")]
        except sqlite3.OperationalError:
            return []


def start_server(instance, port) -> Service:
    env = {"ENGAGEMENT_INSTANCE_PATH": str(instance)}
    server = Service(["serve", "--port", str(port)], env, instance / "serve.log").start()
    wait_until_healthy(f"http://127.0.0.1:{port}")
    return server


def test_serve_prints_where_and_a_like_reaches_the_ledger(tmp_path):
    port = free_port()
    server = start_server(tmp_path, port)
    try:
        banner = server.output()
        assert f"listening on http://127.0.0.1:{port}" in banner
        assert "engagement keys create" in banner
        key = run_cli(["keys", "create", "--name", "intranet", "--scope", "events:write"],
                      {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path)})
        response = requests.post(f"http://127.0.0.1:{port}/v1/events", json=like("first-like"),
                                 headers=bearer(key), timeout=10)
        acked = time.monotonic()
        assert response.status_code == 202
        assert wait_for(lambda: "first-like" in ledger_ids(tmp_path), timeout=30, every=0.01)
        print(f"202 -> ledger: {(time.monotonic() - acked) * 1000:.0f} ms")
    finally:
        assert server.terminate() == 0  # SIGTERM: a clean stop


def test_server_killed_mid_stream_loses_and_duplicates_nothing(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(tmp_path, port)
    key = run_cli(["keys", "create", "--name", "load", "--scope", "events:write"],
                  {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path)})
    batches = make_batches(10_000, "kill")
    acked: set[int] = set()
    sender = threading.Thread(target=send_batches, args=(base, key, batches, acked))
    sender.start()
    assert wait_for(lambda: len(acked) >= 40)
    server.kill()  # SIGKILL while requests and the consumer are mid-flight
    sender.join()
    assert 40 <= len(acked) < 100
    server = start_server(tmp_path, port)
    try:
        send_batches(base, key, batches, acked)  # the client retries what was not acknowledged
        assert len(acked) == 100
        assert wait_for(lambda: len(ledger_ids(tmp_path)) >= 10_000)
        time.sleep(1)
        ids = ledger_ids(tmp_path)
        assert len(ids) == 10_000 and len(set(ids)) == 10_000
        assert set(ids) == {e["id"] for batch in batches for e in batch}
    finally:
        server.terminate()
