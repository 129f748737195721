"""What a deployment gets without asking: real `engagement serve` and gunicorn processes, as the
README and the image start them. No demo unless asked for, and no start with a guessable secret."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_SECRET
from tests.services import ENGAGEMENT, Service, free_port, run_cli, wait_until_healthy

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
REAL_SECRET = TEST_SECRET
# The demo banner in bokmål, the demo's default language (tests/unit/test_demo.py has every language).
BANNER = "Alle som åpner disse sidene, blir logget inn som en oppdiktet person."


def gunicorn(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """The image's command, from a checkout."""
    with open(log, "ab") as handle:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4",
                                 "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env={**os.environ, **env},
                                stdout=handle, stderr=subprocess.STDOUT)


def serves_or_exits(process: subprocess.Popen, base: str) -> str:
    """Whichever comes first: the process answers /healthz, or it exits."""
    while process.poll() is None:
        with contextlib.suppress(requests.RequestException):
            if requests.get(base + "/healthz", timeout=1).ok:
                return "serving"
        time.sleep(0.1)
    return "exited"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(30)


def test_serve_has_no_demo_unless_asked_and_says_so_when_asked(tmp_path):
    plain_port, demo_port = free_port(), free_port()
    plain = Service(["serve", "--port", str(plain_port)], {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path / "plain")},
                    tmp_path / "plain.log").start()
    demo = Service(["serve", "--demo", "--port", str(demo_port)], {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path / "demo")},
                   tmp_path / "demo.log").start()
    try:
        for port in (plain_port, demo_port):
            wait_until_healthy(f"http://127.0.0.1:{port}")
        for path in ("/demo", "/demo?user=lena", "/demo/trust?user=siri"):
            answer = requests.get(f"http://127.0.0.1:{plain_port}{path}", timeout=30)
            assert answer.status_code == 404 and "eyJ" not in answer.text
        assert "DEMO" not in plain.output()
        assert "DEMO" in demo.output() and "made-up users" in demo.output()
        page = requests.get(f"http://127.0.0.1:{demo_port}/demo?user=kari", timeout=30)
        assert page.status_code == 200 and BANNER in page.text and '<aside class="demo-banner"' in page.text
        english = requests.get(f"http://127.0.0.1:{demo_port}/demo?user=kari&lang=en", timeout=30)
        assert "Anyone who opens these pages is signed in as a made-up person." in english.text
    finally:
        assert plain.terminate() == 0 and demo.terminate() == 0


def test_serve_demo_over_an_instance_with_real_keys_hands_out_no_token(tmp_path):
    """An instance whose operator made its first key (`engagement keys create`) but synced no
    directory yet, started with --demo by mistake: no page mints the operator's admin token, with
    which anyone could list and revoke the real keys and make one that outlives the demo; the
    answer names no key, the server's log does."""
    env = {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path / "prod")}
    run_cli(["db", "upgrade"], env)
    run_cli(["keys", "create", "--name", "intranett-prod", "--scope", "keys:manage"], env)
    port = free_port()
    demo = Service(["serve", "--demo", "--port", str(port)], env, tmp_path / "demo.log").start()
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
        for path in ("/demo/console?user=tor", "/demo?user=kari", "/demo/trust?user=siri"):
            answer = requests.get(f"http://127.0.0.1:{port}{path}", timeout=30)
            assert answer.status_code == 409 and "eyJ" not in answer.text, (path, answer.status_code)
            assert "did not make" in answer.json()["detail"] and "intranett-prod" not in answer.text
    finally:
        assert demo.terminate() == 0
    assert "intranett-prod" in demo.output()
    assert _no_directory(tmp_path / "prod" / "engagement.sqlite3")


def test_the_image_command_alone_with_a_real_secret_serves_no_demo(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = gunicorn(port, {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_TOKEN_SECRET": REAL_SECRET},
                       tmp_path / "gunicorn.log")
    try:
        assert serves_or_exits(process, base) == "serving", (tmp_path / "gunicorn.log").read_text()
        for path in ("/demo", "/demo?user=lena", "/demo/trust?user=siri", "/demo/awards?user=lena"):
            answer = requests.get(base + path, timeout=30)
            assert answer.status_code == 404 and "eyJ" not in answer.text
    finally:
        stop(process)
    assert not (tmp_path / "engagement.sqlite3").exists() or _no_directory(tmp_path / "engagement.sqlite3")


def _no_directory(database: Path) -> bool:
    import sqlite3
    with sqlite3.connect(database) as conn:
        with contextlib.suppress(sqlite3.OperationalError):
            return conn.execute("SELECT count(*) FROM engagement_people").fetchone()[0] == 0
    return True


@pytest.mark.parametrize("setting, value", [
    ("ENGAGEMENT_TOKEN_SECRET", "change-me-to-a-long-random-secret"), ("ENGAGEMENT_TOKEN_SECRET", "secret"),
    ("ENGAGEMENT_TOKEN_SECRET", "short-but-random-Qz7"), ("ENGAGEMENT_TOKEN_SECRET", "password" * 4),
    ("ENGAGEMENT_MIN_GROUP_SIZE", "1"),
])
def test_serve_and_gunicorn_refuse_a_guessable_secret_or_a_tiny_group_size_naming_it(tmp_path, setting, value):
    env = {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET, setting: value}
    port = free_port()
    serve = subprocess.Popen([ENGAGEMENT, "serve", "--port", str(port)], env={**os.environ, **env},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert serves_or_exits(serve, f"http://127.0.0.1:{port}") == "exited"
    finally:
        stop(serve)
    said = serve.stdout.read()
    assert serve.returncode != 0 and f"Error: {setting}" in said and "Traceback" not in said, said
    port = free_port()
    process = gunicorn(port, env, tmp_path / "gunicorn.log")
    try:
        assert serves_or_exits(process, f"http://127.0.0.1:{port}") == "exited"
    finally:
        stop(process)
    assert process.returncode != 0 and setting in (tmp_path / "gunicorn.log").read_text()
