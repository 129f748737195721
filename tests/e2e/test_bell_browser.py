"""The notification bell in headless Chromium, on the demo page of a real `engagement serve`."""
from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import wait_for
from tests.e2e.test_widget_browser import (  # noqa: F401
    CANTEEN,
    SCREENSHOTS,
    WCAG_21_AA,
    browser,
    caught_up,
    click_and_store,
    open_demo,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHARING = "[data-tillit-like='article:news-sharing']"  # Kari's article


def notifications_caught_up(server) -> bool:  # noqa: F811
    return requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["notifications"] == 0


def test_the_bell_counts_shows_grouped_texts_and_marks_read(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    kari = open_demo(browser, server, "kari")
    kari.wait_for_selector("[data-tillit-bell][data-unread]")
    assert kari.locator("[data-tillit-bell]").get_attribute("data-unread") == "0"
    for colleague in ("ola", "lena"):
        page = open_demo(browser, server, colleague)
        click_and_store(page, f"{SHARING} button")
        page.close()
    click_and_store(kari, f"{SHARING} button")  # her own like tells her nothing
    assert wait_for(lambda: notifications_caught_up(server), timeout=30)
    kari.evaluate("() => document.dispatchEvent(new Event('tillit:refresh'))")
    kari.wait_for_selector("[data-tillit-bell][data-unread='1']")
    bell = kari.locator("button.tillit-bell")
    assert bell.get_attribute("aria-label") == "Varsler: 1 ulest"
    bell.click()
    assert bell.get_attribute("aria-expanded") == "true"
    note = kari.locator(".tillit-note").first
    note.wait_for()
    assert note.locator(".tillit-note-text").inner_text() == \
        "Lena Berg og Ola Hansen likte «Slik deler du dokumenter med andre avdelinger»"
    assert "tillit-unread" in note.get_attribute("class")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kari.screenshot(path=str(SCREENSHOTS / "bell-open.png"))
    results = Axe().run(kari, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()
    kari.locator(".tillit-bell-panel button", has_text="Merk alle som lest").click()
    kari.wait_for_selector("[data-tillit-bell][data-unread='0']")
    assert "tillit-unread" not in note.get_attribute("class")
    kari.reload()
    kari.wait_for_selector("[data-tillit-bell][data-unread='0']")
