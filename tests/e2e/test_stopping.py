"""An operator's stop always stops `engagement serve`, while requests keep coming.

A stop once raised from the signal handler was sometimes caught by waitress's loop (logged as
"uncaptured python exception, closing channel") and the server went on serving. Each trial
starts a real process, keeps several clients sending, and sends SIGTERM twice (an impatient
operator); the process must exit 0. The wait is a liveness bound on the subprocess, not a speed check.
"""
from __future__ import annotations

import signal
import subprocess
import threading

import pytest
import requests

from tests.conftest import bearer, like
from tests.e2e.conftest import wait_for
from tests.e2e.test_embedded_service import start_server
from tests.services import free_port, run_cli

pytestmark = pytest.mark.slow
TRIALS = 6
CLIENTS = 4
LIVENESS_SECONDS = 60


def keep_sending(base: str, key: str, stop: threading.Event, answered: list[int]) -> None:
    """One client: small batches and reads on a kept-alive connection, until told or refused."""
    session = requests.Session()
    while not stop.is_set():
        try:
            session.post(f"{base}/v1/events/batch", json={"events": [like() for _ in range(20)]},
                         headers=bearer(key), timeout=10)
            session.get(f"{base}/v1/targets?t=article:news-1", headers=bearer(key), timeout=10)
        except requests.RequestException:
            session = requests.Session()  # the server is going away; keep trying until told to stop
            continue
        answered.append(1)


def one_trial(instance, trial: int) -> str:
    instance.mkdir()
    port = free_port()
    server = start_server(instance, port)
    key = run_cli(["keys", "create", "--name", "load", "--scope", "events:write"],
                  {"ENGAGEMENT_INSTANCE_PATH": str(instance)})
    stop, answered = threading.Event(), []
    clients = [threading.Thread(target=keep_sending, args=(f"http://127.0.0.1:{port}", key, stop, answered))
               for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        assert wait_for(lambda: len(answered) >= 10 * (trial + 1), timeout=LIVENESS_SECONDS, every=0.01)
        server.process.send_signal(signal.SIGTERM)
        wait_for(lambda: len(answered) >= 10 * (trial + 1) + 2, timeout=0.3, every=0.01)
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)  # asked again while stopping: still one clean stop
        try:
            code = server.process.wait(LIVENESS_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail(f"trial {trial}: still serving {LIVENESS_SECONDS} s after SIGTERM:\n{server.output()[-3000:]}")
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert code == 0, f"trial {trial}: exit {code}\n{server.output()[-3000:]}"
    return server.output()


def test_sigterm_always_stops_serve_while_requests_keep_coming(tmp_path):
    for trial in range(TRIALS):
        log = one_trial(tmp_path / f"trial-{trial}", trial)
        assert "uncaptured python exception" not in log
        assert "stopping after the batch in hand" in log
