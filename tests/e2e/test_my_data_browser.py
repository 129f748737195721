""""What Tillit knows about me" in headless Chromium, on the demo's "Mine data" page of a real
`engagement serve`: the person's own rows in captioned tables, both downloads, and WCAG 2.1 AA."""
from __future__ import annotations

import csv
import io
import json

import pytest

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
MY_DATA = "[data-tillit-my-data]"


def open_my_data(browser, server, user: str, lang: str = "nb"):  # noqa: F811
    page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page.goto(f"{server}/demo/my-data?user={user}&lang={lang}")
    page.wait_for_selector(f"{MY_DATA}[data-state='ready']")
    return page


def download(page, name: str) -> tuple[str, str]:
    with page.expect_download() as caught:
        page.get_by_role("button", name=name).click()
    file = caught.value
    return file.suggested_filename, open(file.path(), encoding="utf-8").read()


def by_keyboard(page, name: str) -> tuple[str, str]:
    """Tab to the button from the top of the page, then Enter: the download needs no mouse."""
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == name:
            break
    else:
        pytest.fail(f"{name!r} is not reachable with Tab")
    with page.expect_download() as caught:
        page.keyboard.press("Enter")
    file = caught.value
    return file.suggested_filename, open(file.path(), encoding="utf-8").read()


def test_a_person_sees_and_downloads_what_tillit_holds_about_them(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    kari = open_demo(browser, server, "kari")
    click_and_store(kari, f"{CANTEEN} button")
    assert wait_for(lambda: caught_up(server), timeout=30)
    kari.close()
    page = open_my_data(browser, server, "kari")
    assert page.get_by_role("heading", level=2).first.inner_text() == "Dette vet Tillit om deg"
    likes = page.locator("section.tillit-data-domain", has=page.get_by_role("heading", name="Likerklikk og Bra!"))
    assert "news-canteen" in likes.locator("table").first.inner_text()
    assert page.locator("table").count() > 5  # every table says what it is and names its columns
    assert page.locator("table:not(:has(caption)), table:not(:has(thead th[scope='col']))").count() == 0
    name, text = by_keyboard(page, "Last ned JSON")
    assert name == "tillit-demo-kari.json" and json.loads(text)["person"] == "demo-kari"
    name, text = download(page, "Last ned CSV")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert name == "tillit-demo-kari.csv" and any(r["value"] == "news-canteen" for r in rows)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "my-data.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def test_the_page_speaks_the_visitors_language(browser, server):  # noqa: F811
    page = open_my_data(browser, server, "ola", "en")
    assert page.get_by_role("heading", level=2).first.inner_text() == "What Tillit knows about you"
    assert page.get_by_role("button", name="Download CSV").is_visible()


def test_a_download_that_fails_says_so(browser, server):  # noqa: F811
    """The token ran out after the page loaded: the download is refused, and the page tells the person."""
    page = open_my_data(browser, server, "ola", "en")
    page.route("**/v1/me/data?format=csv", lambda route: route.fulfill(
        status=401, content_type="application/problem+json", body='{"title": "Unauthorized", "status": 401}'))
    page.get_by_role("button", name="Download CSV").click()
    status = page.locator(f"{MY_DATA} [role=status]")
    status.filter(has_text="Your session has ended. Reload the page to continue.").wait_for()  # not "unavailable"
    page.close()
