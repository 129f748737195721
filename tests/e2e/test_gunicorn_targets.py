"""The documented 200 targets under the docs' own gunicorn command, as a real process.

gunicorn refuses a request line over 4 KB, and 200 targets as ``?t=kind:id&...`` pass that
with ordinary ids; the same question POSTed as JSON to /v1/targets/query must answer.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import bearer
from tests.services import free_port, run_cli, wait_until_healthy

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "docs" / "operations" / "production.md"
TARGETS = [f"article:{'intranett-nyhet-fra-kommunikasjonsavdelingen'}-{n:03d}" for n in range(200)]


def documented_gunicorn(port: int) -> list[str]:
    """The production page's command for the API, on a loopback port and one worker."""
    line = next(text for text in PRODUCTION.read_text(encoding="utf-8").splitlines() if text.startswith("gunicorn "))
    args = shlex.split(line.split("#")[0])
    args[args.index("-b") + 1] = f"127.0.0.1:{port}"
    args[args.index("-w") + 1] = "1"  # the request-line limit is per process; one is enough
    return [str(Path(sys.executable).with_name("gunicorn")), *args[1:]]


@pytest.fixture
def gunicorn(tmp_path):
    env = {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_DEMO": "false"}
    run_cli(["db", "upgrade"], env)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen(documented_gunicorn(port), env={**os.environ, **env},
                               stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}", run_cli(["keys", "create", "--name", "page", "--scope", "events:write"], env)
    finally:
        process.terminate()
        process.wait(60)
        log.close()


def test_two_hundred_targets_answer_under_the_readme_gunicorn(gunicorn):
    base, key = gunicorn
    as_url = f"{base}/v1/targets?" + "&".join(f"t={t}" for t in TARGETS)
    assert len(as_url) > 4096  # what the widget must not send as a GET
    answer = requests.post(f"{base}/v1/targets/query", json={"targets": TARGETS}, headers=bearer(key), timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    assert [f"{c['kind']}:{c['id']}" for c in answer.json()["targets"]] == TARGETS
    assert {c["likes"] for c in answer.json()["targets"]} == {0}


def test_a_bad_query_names_the_field(gunicorn):
    base, key = gunicorn
    too_many = requests.post(f"{base}/v1/targets/query", json={"targets": TARGETS + ["article:x"]},
                             headers=bearer(key), timeout=30)
    assert too_many.status_code == 422 and too_many.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in too_many.json()["errors"]] == ["targets"]
    bad = requests.post(f"{base}/v1/targets/query", json={"targets": ["article:ok", "nope:x"]}, headers=bearer(key),
                        timeout=30)
    assert bad.status_code == 422 and bad.json()["errors"] == [
        {"field": "targets", "index": 1, "message": "'nope:x' is not kind:id with a known kind."}]
