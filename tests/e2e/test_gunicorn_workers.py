"""Several gunicorn workers on the embedded default, with the read models in-process (the default).

Every worker serves and publishes; one process of the machine applies each read model at a time
(its lock file beside the log). The counts every worker serves come out exact, nothing is
dead-lettered, and when the worker applying them is killed another takes over.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import bearer, like
from tests.e2e.conftest import wait_for
from tests.services import free_port, run_cli, wait_until_healthy

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WORKERS = 3
TARGETS = [f"w{n}" for n in range(10)]


@pytest.fixture
def gunicorn(tmp_path):
    env = {**os.environ, "ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_DEMO": "false",
           "ENGAGEMENT_RATE_LIMIT_KEY": "off"}
    env.pop("ENGAGEMENT_CONSUMERS", None)
    run_cli(["db", "upgrade"], env)
    key = run_cli(["keys", "create", "--name", "page", "--scope", "events:write"], env)
    port = free_port()
    with open(tmp_path / "gunicorn.log", "wb") as log:
        process = subprocess.Popen([GUNICORN, "-w", str(WORKERS), "-k", "gthread", "--threads", "4",
                                    "-b", f"127.0.0.1:{port}", "wsgi:app"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", timeout=60)
        yield f"http://127.0.0.1:{port}", key, tmp_path
    finally:
        process.terminate()
        process.wait(60)


def counts(base: str, key: str) -> dict[str, int]:
    session = requests.Session()  # new connections: the answers come from any of the workers
    answer = session.get(f"{base}/v1/targets", params=[("t", f"article:{t}") for t in TARGETS],
                         headers={**bearer(key), "Connection": "close"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {c["id"]: c["likes"] for c in answer.json()["targets"]}


def send(base: str, key: str, round_: int) -> None:
    events = [like(actor=f"r{round_}-p{i}", target=TARGETS[i % len(TARGETS)]) for i in range(100)]
    for start in range(0, len(events), 10):  # small batches on new connections: every worker publishes
        answer = requests.post(f"{base}/v1/events/batch", json={"events": events[start:start + 10]},
                               headers={**bearer(key), "Connection": "close"}, timeout=30)
        assert answer.status_code == 202, answer.text


def dead_letters(folder: Path) -> int:
    with sqlite3.connect(folder / "engagement.sqlite3") as conn:
        return conn.execute("SELECT count(*) FROM engagement_dead_letters").fetchone()[0]


def appliers(folder: Path) -> set[int]:
    """The processes whose heartbeats say they apply the recognition read model now."""
    with sqlite3.connect(folder / "engagement.sqlite3") as conn:
        rows = conn.execute("SELECT process FROM engagement_consumer_heartbeats WHERE consumer = 'recognition'")
        return {int(process.rsplit(":", 1)[1]) for (process,) in rows}


def test_every_worker_serves_exact_counts_and_one_applies_them(gunicorn):
    base, key, folder = gunicorn
    for _ in range(WORKERS * 3):  # wake every worker: each starts its threads on its first request
        assert requests.get(f"{base}/readyz", headers={"Connection": "close"}, timeout=10).status_code == 200
    send(base, key, 1)
    assert wait_for(lambda: counts(base, key) == {t: 10 for t in TARGETS}, timeout=120)
    assert wait_for(lambda: len(appliers(folder)) == 1, timeout=60)
    holder = appliers(folder).pop()
    os.kill(holder, signal.SIGKILL)  # the applying worker dies mid-stream; gunicorn starts another
    send(base, key, 2)
    assert wait_for(lambda: counts(base, key) == {t: 20 for t in TARGETS}, timeout=120)
    assert wait_for(lambda: appliers(folder) - {holder} != set(), timeout=60)
    assert dead_letters(folder) == 0
