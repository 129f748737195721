""""What Tillit knows about me" in headless Chromium, on the demo's "Mine data" page of a real
`engagement serve`: the person's own rows in captioned tables, both downloads, and WCAG 2.1 AA."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
import requests

from tests.e2e.conftest import wait_for
from tests.e2e.test_widget_browser import (  # noqa: F401
    CANTEEN,
    SCREENSHOTS,
    WCAG_21_AA,
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


ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def open_everything(page) -> str:
    """Every closed part opened; the widget's text as a person reads it."""
    page.evaluate("document.querySelectorAll('[data-tillit-my-data] details').forEach(d => d.open = true)")
    return page.locator(MY_DATA).inner_text()


def test_a_person_sees_and_downloads_what_tillit_holds_about_them(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    kari = open_demo(browser, server, "kari")
    click_and_store(kari, f"{CANTEEN} button")
    assert wait_for(lambda: caught_up(server), timeout=30)
    assert wait_for(lambda: requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["notifications"] == 0,
                    timeout=30)
    kari.close()
    page = open_my_data(browser, server, "kari")
    assert page.get_by_role("heading", level=2).first.inner_text() == "Dette vet Tillit om deg"
    likes = page.get_by_role("region", name="Likerklikk og Bra!")
    liked = likes.get_by_role("table", name="Det du har likt (1 rad)")
    assert [h.inner_text() for h in liked.locator("th").all()] == ["Hva", "Liker", "Når"]
    assert liked.locator("td").nth(0).inner_text() == "article: news-canteen"
    moment = liked.locator("time")  # when, in the page's locale; the machine's form in datetime
    assert ISO_MOMENT.match(moment.get_attribute("datetime")) and not ISO_MOMENT.search(moment.inner_text())
    assert re.search(r"\d{4}", moment.inner_text()) and moment.inner_text() != moment.get_attribute("datetime")
    # the owner's notification of Kari's like names Kari, but it is not hers: stored, not "your notifications"
    assert page.get_by_role("table", name=re.compile("^Varslene dine")).filter(has_text="news-canteen").count() == 0
    text = open_everything(page)
    assert "news-canteen" in page.locator(".tillit-data-domain", has_text="Varsler til deg").inner_text()
    assert page.locator("table").count() > 5
    assert '{"' not in text and not ISO_MOMENT.search(text)  # no JSON and no raw timestamps anywhere
    # every table is named (by the text above it) and every header says what it heads
    unnamed = page.evaluate("""() => [...document.querySelectorAll('table')].filter(t =>
        !(document.getElementById(t.getAttribute('aria-labelledby')) || {}).textContent).length""")
    assert unnamed == 0 and page.locator("th:not([scope])").count() == 0
    name, text = by_keyboard(page, "Last ned JSON")
    assert name == "tillit-demo-kari.json" and json.loads(text)["person"] == "demo-kari"
    name, text = download(page, "Last ned CSV")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert name == "tillit-demo-kari.csv" and any(r["value"] == "news-canteen" for r in rows)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "my-data.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA + ["best-practice"]}})
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("lang, about, name, language, role", [
    ("en", "About you", "Name", "Norwegian Bokmål", "Employee"),
    ("nb", "Om deg", "Navn", "norsk bokmål", "Medarbeider"),
    ("da", "Om dig", "Navn", "bokmål", "Medarbejder")])
def test_the_page_speaks_the_visitors_language(browser, server, lang, about, name, language, role):  # noqa: F811
    """Headings, field names and values in the page's language: the directory entry reads as
    "Name: Ola Hansen", "Language: Norwegian Bokmål", not as the stored "locale: nb"."""
    page = open_my_data(browser, server, "ola", lang)
    entry = page.get_by_role("region", name=about).locator("table").first
    rows = {r.locator("th").inner_text(): r.locator("td").inner_text() for r in entry.locator("tr").all()}
    assert rows[name] == "Ola Hansen" and language in rows.values() and role in rows.values()
    assert "nb" not in rows.values() and "member" not in rows.values()
    if lang == "en":
        assert page.get_by_role("heading", level=2).first.inner_text() == "What Tillit knows about you"
        assert page.get_by_role("button", name="Download CSV").is_visible()
    page.close()


def test_a_download_that_fails_says_so(browser, server):  # noqa: F811
    """The token ran out after the page loaded: the download is refused, and the page tells the person."""
    page = open_my_data(browser, server, "ola", "en")
    page.route("**/v1/me/data?format=csv", lambda route: route.fulfill(
        status=401, content_type="application/problem+json", body='{"title": "Unauthorized", "status": 401}'))
    page.get_by_role("button", name="Download CSV").click()
    status = page.locator(f"{MY_DATA} [role=status]")
    status.filter(has_text="Your session has ended. Reload the page to continue.").wait_for()  # not "unavailable"
    page.close()


def token_of(server, user: str) -> str:  # noqa: F811
    """The demo page mints its user's token into the widget script, as an intranet back end would."""
    html = requests.get(f"{server}/demo/my-data?user={user}", timeout=10).text
    return re.search(r'data-token="([^"]+)"', html).group(1)


def give_bra(server, giver: str, message: str, at: str) -> None:  # noqa: F811
    """A Bra! to Lena for the canteen news, with a personal message, as the giver's widget sends it."""
    event = {"id": f"my-data-bra-{giver}", "type": "kudos.given", "time": at,
             "target": {"kind": "person", "id": "demo-lena", "owner": "demo-lena"},
             "data": {"message": message, "about": "article:news-canteen"}}
    answer = requests.post(f"{server}/v1/events", json=event, timeout=10,
                           headers={"Authorization": f"Bearer {token_of(server, giver)}"})
    assert answer.status_code == 202, answer.text


KARIS_WORDS, OLAS_WORDS = "Takk for den nye kantinemenyen", "Bare til Lena: du reddet uka mi"


def test_a_bra_is_shown_once_by_name_and_never_with_another_givers_words(browser, server):  # noqa: F811
    """Kari and Ola each give Lena a Bra! for the same news: one notification group of Lena's. On
    Kari's page her Bra! is one row (stored once per read model), from her by name, and nothing of
    Ola's (his words) is anywhere on it; at 390 and 1440 px, light and dark, axe-clean."""
    from axe_playwright_python.sync_playwright import Axe
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")  # one moment: one group of Lena's
    give_bra(server, "kari", KARIS_WORDS, now)
    give_bra(server, "ola", OLAS_WORDS, now)
    lag = lambda: requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]  # noqa: E731
    assert wait_for(lambda: not any(lag().values()), timeout=30)
    shots = SCREENSHOTS / "my-data"
    shots.mkdir(parents=True, exist_ok=True)
    for lang, width, scheme in (("en", 390, "light"), ("en", 1440, "dark"), ("nb", 390, "dark"),
                                ("nb", 1440, "light")):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{server}/demo/my-data?user=kari&lang={lang}")
        page.wait_for_selector(f"{MY_DATA}[data-state='ready']")
        if lang == "en":
            bra = page.get_by_role("table", name="Bra! given and received (1 row)")
            assert [h.inner_text() for h in bra.locator("th").all()] == ["From", "To", "About", "When"]
            assert bra.locator("td").all_inner_texts()[:3] == ["Kari Nordmann", "demo-lena", "article: news-canteen"]
        text = open_everything(page)
        assert KARIS_WORDS in text and OLAS_WORDS not in text
        page.screenshot(path=str(shots / f"kari-{lang}-{width}-{scheme}.png"), full_page=True)
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA + ["best-practice"]}})
        assert results.violations_count == 0, results.generate_report()
        context.close()
