"""Tillit mounted in a new user's Flask app, run with `flask run` as real processes.

The host app is written as the host-app page shows it, in a folder of its own. By default the
read models run in the web process: likes are counted and /readyz is ready. With
ENGAGEMENT_CONSUMERS=external and no consumer, /readyz says why it is not ready; a separate
`flask engagement consume` then applies the likes, and the web process shows them, with no Redis
(from the database both share) and with one (db 15).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_SECRET, bearer, like
from tests.e2e.conftest import wait_for
from tests.services import free_port, wait_until_healthy

pytestmark = pytest.mark.slow
FLASK = str(Path(sys.executable).with_name("flask"))
HOST_APP = '''\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from engagement import Engagement

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///intranet.sqlite3"
db = SQLAlchemy(app)
Engagement().init_app(app, url_prefix="/engagement")


@app.route("/")
def front():
    return "<h1>Intranet</h1>"
'''


class Host:
    """The host app's folder, its environment and the processes started in it."""

    def __init__(self, folder: Path, **settings: str):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "intranet.py").write_text(HOST_APP, encoding="utf-8")
        self.env = {**os.environ, "FLASK_APP": "intranet", "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                    "PYTHONUNBUFFERED": "1", **settings}
        for name in ("ENGAGEMENT_CONSUMERS", "ENGAGEMENT_REDIS_URL", "REDIS_URL"):
            if name not in settings:
                self.env.pop(name, None)
        self.processes: list[subprocess.Popen] = []

    def flask(self, *args: str) -> str:
        done = subprocess.run([FLASK, *args], cwd=self.folder, env=self.env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def start(self, *args: str, log: str) -> subprocess.Popen:
        with open(self.folder / log, "ab") as handle:
            process = subprocess.Popen([FLASK, *args], cwd=self.folder, env=self.env, stdout=handle,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def serve(self, *extra: str) -> str:
        port = free_port()
        self.start("run", "--port", str(port), *extra, log="web.log")
        base = f"http://127.0.0.1:{port}/engagement"
        wait_until_healthy(base, timeout=60)
        return base

    def log(self, name: str) -> str:
        return (self.folder / name).read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                ctrl_c(process)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def hosts(tmp_path):
    made: list[Host] = []

    def make(**settings: str) -> Host:
        host = Host(tmp_path / f"intranet-{len(made)}", **settings)
        made.append(host)
        host.flask("engagement", "db", "upgrade")
        return host
    yield make
    for host in made:
        host.stop_all()


def ctrl_c(process: subprocess.Popen) -> None:
    """What Ctrl-C at a terminal does: SIGINT to the whole group (the reloader and its server)."""
    os.killpg(process.pid, signal.SIGINT)


def likes(base: str, key: str, target: str) -> int:
    answer = requests.get(f"{base}/v1/targets", params={"t": f"article:{target}"}, headers=bearer(key), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["targets"][0]["likes"]


def send_likes(base: str, key: str, target: str, actors: list[str]) -> None:
    for actor in actors:
        answer = requests.post(f"{base}/v1/events", json=like(actor=actor, target=target), headers=bearer(key),
                               timeout=10)
        assert answer.status_code == 202, answer.text


def test_flask_run_counts_likes_with_the_consumers_in_its_process(hosts):
    host = hosts()
    key = host.flask("engagement", "keys", "create", "--name", "intranet", "--scope", "events:write")
    base = host.serve("--reload")  # a developer's `flask run`: the reloader's parent serves nothing
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["consumers"] == "ok"
    send_likes(base, key, "news-1", ["kari", "per", "ola"])
    assert wait_for(lambda: likes(base, key, "news-1") == 3, timeout=120)
    send_likes(base, key, "news-1", ["siv"])
    assert wait_for(lambda: likes(base, key, "news-1") == 4, timeout=120)
    web = host.processes[0]
    ctrl_c(web)
    assert web.wait(60) == 0, host.log("web.log")


@pytest.mark.parametrize("cache", ["no Redis", "Redis"])
def test_external_consumers_make_readiness_and_counts_true(hosts, cache, request):
    settings = {"ENGAGEMENT_CONSUMERS": "external"}
    if cache == "Redis":
        settings |= {"ENGAGEMENT_REDIS_URL": request.getfixturevalue("redis_service"),
                     "ENGAGEMENT_REDIS_PREFIX": f"plugin-{uuid.uuid4().hex[:8]}:"}
    host = hosts(**settings)
    key = host.flask("engagement", "keys", "create", "--name", "intranet", "--scope", "events:write")
    base = host.serve()
    waiting = requests.get(f"{base}/readyz", timeout=10)
    assert waiting.status_code == 503, waiting.text
    assert "run `engagement consume`" in waiting.json()["checks"]["consumers"]
    send_likes(base, key, "news-2", ["kari", "per"])
    assert likes(base, key, "news-2") == 0  # read (and, with a cache, cached) before anyone applies them

    consumer = host.start("engagement", "consume", log="consume.log")
    assert wait_for(lambda: requests.get(f"{base}/readyz", timeout=10).status_code == 200, timeout=120), \
        host.log("consume.log")
    assert wait_for(lambda: likes(base, key, "news-2") == 2, timeout=120), host.log("consume.log")
    send_likes(base, key, "news-2", ["ola"])
    assert wait_for(lambda: likes(base, key, "news-2") == 3, timeout=120)

    consumer.send_signal(signal.SIGTERM)
    assert consumer.wait(60) == 0, host.log("consume.log")
    after = requests.get(f"{base}/readyz", timeout=10)  # a clean stop takes its heartbeats back
    assert after.status_code == 503 and "run `engagement consume`" in after.json()["checks"]["consumers"]
