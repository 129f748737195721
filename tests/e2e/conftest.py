"""Helpers for end-to-end tests that run ``engagement`` as real processes."""
from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
import requests

from tests.conftest import bearer, like, unavailable

BATCH = 100


def send_batches(base_url: str, key: str, batches: list[list[dict]], acked: set[int],
                 stop_when: Callable[[], bool] = lambda: False) -> None:
    """Post batches in order like a client would; remember which were acknowledged (202)."""
    session = requests.Session()
    for index, batch in enumerate(batches):
        if index in acked:
            continue
        if stop_when():
            return
        try:
            response = session.post(f"{base_url}/v1/events/batch", json={"events": batch},
                                    headers=bearer(key), timeout=30)
        except requests.RequestException:
            return
        if response.status_code == 202:
            acked.add(index)
        elif response.status_code != 503:
            pytest.fail(f"unexpected {response.status_code}: {response.text}")


def make_batches(total: int, prefix: str) -> list[list[dict]]:
    events = [like(f"{prefix}-{i}", actor=f"p{i % 50}", target=f"t{i % 97}") for i in range(total)]
    return [events[i:i + BATCH] for i in range(0, total, BATCH)]


def wait_for(predicate: Callable[[], bool], timeout: float = 120, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by playwright (never a browser playwright downloads)."""
    if not os.path.exists(CHROMIUM):
        unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-background-networking"])
        yield chromium
        chromium.close()
