"""The like and Bra! widgets in headless Chromium, on the demo page of a real `engagement serve`."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import wait_for
from tests.services import Service, free_port, wait_until_healthy

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = Path(os.environ.get("TILLIT_SCREENSHOTS", "/tmp/tillit-screenshots"))
CANTEEN = "[data-tillit-like='article:news-canteen']"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


SERVER_INSTANCE: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("browser")
    port = free_port()
    service = Service(["serve", "--demo", "--port", str(port)], {"ENGAGEMENT_INSTANCE_PATH": str(instance)},
                      instance / "serve.log").start()
    base = f"http://127.0.0.1:{port}"
    SERVER_INSTANCE[base] = str(instance)
    wait_until_healthy(base)
    yield base
    service.terminate()



def open_demo(browser, server, user: str, lang: str = "nb"):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(f"{server}/demo?user={user}&lang={lang}")
    page.wait_for_selector(f"{CANTEEN} .tillit-count[data-value]")
    return page


def caught_up(server) -> bool:
    return requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["recognition"] == 0


def click_and_store(page, locator) -> None:
    """Click, then wait until the service acknowledged the event (202)."""
    with page.expect_response(lambda r: r.url.endswith("/v1/events") and r.status == 202):
        page.locator(locator).click()


def like_state(page) -> tuple[str, str]:
    button = page.locator(f"{CANTEEN} button")
    return button.get_attribute("aria-pressed"), page.locator(f"{CANTEEN} .tillit-count").get_attribute("data-value")


def test_like_count_liked_by_me_and_unlike(browser, server):
    kari = open_demo(browser, server, "kari")
    assert like_state(kari) == ("false", "0")
    with kari.expect_response(lambda r: r.url.endswith("/v1/events")) as answer:
        kari.locator(f"{CANTEEN} button").click()
        assert like_state(kari) == ("true", "1")  # at once, before the server answered
    assert answer.value.status == 202
    assert wait_for(lambda: caught_up(server), timeout=30)
    kari.reload()
    kari.wait_for_selector(f"{CANTEEN} .tillit-count[data-value]")
    assert like_state(kari) == ("true", "1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kari.screenshot(path=str(SCREENSHOTS / "demo-kari-liked.png"), full_page=True)

    ola = open_demo(browser, server, "ola", lang="en")
    assert like_state(ola) == ("false", "1")  # sees the count, not Kari's like
    assert ola.locator(f"{CANTEEN} button").inner_text() == "Like"
    assert ola.locator(f"{CANTEEN} .tillit-count").inner_text() == "1 likes this"  # the catalog's singular

    click_and_store(kari, f"{CANTEEN} button")
    assert like_state(kari) == ("false", "0")
    assert wait_for(lambda: caught_up(server), timeout=30)
    ola.reload()
    ola.wait_for_selector(f"{CANTEEN} .tillit-count[data-value]")
    assert like_state(ola) == ("false", "0")
    assert ola.locator(f"{CANTEEN} .tillit-count").inner_text() == "0 like this"


def test_keyboard_only_with_visible_focus(browser, server):
    page = open_demo(browser, server, "lena", lang="nn")
    button = page.locator("[data-tillit-like='article:news-sharing'] button")
    for _ in range(40):
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    assert button.evaluate("b => b === document.activeElement")
    outline = button.evaluate("b => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).outlineWidth")
    assert outline.split()[0] != "none" and outline.split()[1] != "0px"
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")
    assert button.get_attribute("aria-pressed") == "false"
    assert button.inner_text() == "Lik"


def test_bra_sends_kudos_about_the_article(browser, server):
    page = open_demo(browser, server, "kari", lang="da")
    kudos = page.locator("[data-tillit-kudos='demo-lena'] button")
    assert kudos.inner_text() == "Godt gået!"
    click_and_store(page, "[data-tillit-kudos='demo-lena'] button")
    assert kudos.get_attribute("aria-pressed") == "true"
    assert page.locator("[data-tillit-kudos='demo-lena'] .tillit-count").get_attribute("data-value") == "1"
    assert wait_for(lambda: caught_up(server), timeout=30)
    page.reload()
    page.wait_for_selector("[data-tillit-kudos='demo-lena'] .tillit-count[data-value]")
    assert page.locator("[data-tillit-kudos='demo-lena'] .tillit-count").get_attribute("data-value") == "1"


def test_service_down_shows_a_clear_state(browser, server):
    page = browser.new_page()
    page.route("**/v1/targets**", lambda route: route.fulfill(status=503, body="down"))
    page.goto(f"{server}/demo?user=kari&lang=en")
    status = page.locator(f"{CANTEEN} .tillit-status")
    status.wait_for()
    assert status.inner_text() == "Tillit is unavailable right now."
    assert page.locator(CANTEEN).get_attribute("data-state") == "offline"


def test_no_wcag_21_aa_violations(browser, server):
    from axe_playwright_python.sync_playwright import Axe
    page = open_demo(browser, server, "ola")
    page.locator(f"{CANTEEN} button").click()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture(scope="module")
def intranet(tmp_path_factory):
    """A host intranet on another origin, allowed by Tillit's CORS list."""
    import subprocess
    import sys
    site = tmp_path_factory.mktemp("intranet")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    instance = site / "tillit"
    tillit_port = free_port()
    env = {"ENGAGEMENT_INSTANCE_PATH": str(instance), "ENGAGEMENT_CORS_ORIGINS": origin}
    tillit = Service(["serve", "--port", str(tillit_port)], env, site / "serve.log").start()
    tillit_base = f"http://127.0.0.1:{tillit_port}"
    wait_until_healthy(tillit_base)
    from tests.services import run_cli
    token = run_cli(["token", "kari"], env)
    (site / "news.html").write_text(
        f'<!doctype html><html lang="en"><head><title>News</title></head><body><main>'
        f'<h1>News</h1><span data-tillit-like="article:x-origin" data-tillit-owner="ola"></span>'
        f'<script src="{tillit_base}/v1/widget.js" data-token="{token}" defer></script></main></body></html>')
    (site / "long.html").write_text(long_page(tillit_base, token))
    static = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from tests.services import wait_for_port
    wait_for_port(port)
    yield origin, tillit_base
    static.kill()
    tillit.terminate()


LONG_LIST = 250


def long_page(tillit_base: str, token: str) -> str:
    """A news archive with 250 like buttons whose ids are long, as an intranet's slugs are."""
    spans = "".join(f'<span data-tillit-like="article:arkiv-nyheter-fra-kommunikasjonsavdelingen-{n:03d}" '
                    f'data-tillit-owner="ola"></span>' for n in range(LONG_LIST))
    return (f'<!doctype html><html lang="en"><head><title>Archive</title></head><body><main><h1>Archive</h1>'
            f'{spans}<script src="{tillit_base}/v1/widget.js" data-token="{token}" defer></script>'
            '</main></body></html>')


def test_a_long_page_asks_in_chunks_by_post_and_shows_every_count(browser, intranet):
    origin, _ = intranet
    page = browser.new_page()
    asked: list[tuple[str, str, int]] = []
    page.on("response", lambda r: asked.append((r.request.method, r.url, r.status)) if "/v1/targets" in r.url else None)
    page.goto(f"{origin}/long.html")
    page.wait_for_function(f"document.querySelectorAll('.tillit-count[data-value]').length === {LONG_LIST}")
    assert page.locator("[data-state='offline']").count() == 0
    answered = [(method, status) for method, _, status in asked if method != "OPTIONS"]
    assert answered == [("POST", 200), ("POST", 200)]  # 200 and 50 targets, each too long for a URL
    assert max(len(url) for _, url, _ in asked) < 2100


def test_widget_works_from_another_origin_on_the_cors_list(browser, intranet):
    origin, tillit_base = intranet
    page = browser.new_page()
    page.goto(f"{origin}/news.html")
    selector = "[data-tillit-like='article:x-origin']"
    page.wait_for_selector(f"{selector} .tillit-count[data-value]")
    assert page.locator(selector).get_attribute("data-state") != "offline"
    with page.expect_response(lambda r: r.url == f"{tillit_base}/v1/events") as answer:
        page.locator(f"{selector} button").click()
    assert answer.value.status == 202
    assert page.locator(f"{selector} button").get_attribute("aria-pressed") == "true"


def test_widget_is_refused_from_an_origin_not_on_the_list(browser, server, intranet):
    origin, _ = intranet
    page = browser.new_page()
    page.goto(f"{origin}/news.html")  # `server` has no CORS list: a browser must not reach it
    outcome = page.evaluate(f"""() => fetch('{server}/v1/targets?t=article:x-origin',
        {{headers: {{'Authorization': 'Bearer x'}}}}).then(() => 'allowed', () => 'blocked')""")
    assert outcome == "blocked"


def test_retries_resend_the_same_event_id_until_stored(browser, server):
    import json
    page = open_demo(browser, server, "ola", lang="en")
    sent_ids: list[str] = []

    def flaky(route):
        sent_ids.append(json.loads(route.request.post_data)["id"])
        if len(sent_ids) <= 2:
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="{}")
        else:
            route.continue_()
    page.route("**/v1/events", flaky)
    status = page.locator("[data-tillit-like='article:news-welcome'] .tillit-status")
    with page.expect_response(lambda r: r.url.endswith("/v1/events") and r.status == 202, timeout=20000):
        page.locator("[data-tillit-like='article:news-welcome'] button").click()
        status.filter(has_text="retrying").wait_for()
    assert len(sent_ids) == 3 and len(set(sent_ids)) == 1
    assert page.locator("[data-tillit-like='article:news-welcome'] button").get_attribute("aria-pressed") == "true"
    # the page learns of the 202 a moment after the browser does; the notice goes once it has
    assert wait_for(lambda: status.inner_text() == "", timeout=10)


CAMPAIGN = "[data-tillit-campaign='demo-sharing']"


def idea_item(page, title):
    return page.locator(f"{CAMPAIGN} .tillit-idea", has_text=title)


def submit(page, form, values: list[str]) -> None:
    fields = form.locator("input, textarea")
    for index, value in enumerate(values):
        fields.nth(index).fill(value)
    with page.expect_response(lambda r: r.url.endswith("/v1/events") and r.status == 202):
        form.locator("button[type=submit]").click()


def test_campaign_idea_built_on_liked_and_adopted(browser, server):
    title = "Fredagskaffe på tvers"
    kari = browser.new_page(viewport={"width": 1000, "height": 1000})
    kari.goto(f"{server}/demo?user=kari&lang=nb")
    kari.locator(f"{CAMPAIGN} h3").wait_for()
    submit(kari, kari.locator(f"{CAMPAIGN} > form"), [title, "Hver fredag kl 14 <script>window.pwned=1</script>"])
    idea_item(kari, title).wait_for()
    assert "<script>" in idea_item(kari, title).inner_text()
    assert kari.evaluate("() => window.pwned") is None

    ola = browser.new_page(viewport={"width": 1000, "height": 1000})
    ola.goto(f"{server}/demo?user=ola&lang=nb")
    idea_item(ola, title).wait_for()
    submit(ola, idea_item(ola, title).locator("form"), ["Med kake første fredag i måneden"])
    idea_item(ola, title).locator(".tillit-contributions li", has_text="kake").wait_for()
    with ola.expect_response(lambda r: r.url.endswith("/v1/events") and r.status == 202):
        idea_item(ola, title).locator("[data-tillit-like] button").click()

    lena = browser.new_page(viewport={"width": 1000, "height": 1400})
    assert wait_for(lambda: caught_up(server), timeout=30)
    lena.goto(f"{server}/demo?user=lena&lang=nb")
    idea_item(lena, title).wait_for()
    assert "Støttet av 1 kollega" in idea_item(lena, title).inner_text()
    idea_item(lena, title).locator(".tillit-leader-action > summary", has_text="Svar som leder").click()
    leader_form = idea_item(lena, title).locator(".tillit-leader-action form")
    leader_form.locator("select").select_option("adopted")
    submit(lena, leader_form, ["Vi starter i januar – takk!"])
    idea_item(lena, title).locator(".tillit-credit").wait_for()

    for page in (kari, ola):
        page.reload()
        credit = idea_item(page, title).locator(".tillit-credit")
        credit.wait_for()
        assert credit.inner_text() == "Tatt i bruk! Takk til Kari Nordmann og Ola Hansen"
        assert "Vi starter i januar" in idea_item(page, title).locator(".tillit-answer").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kari.screenshot(path=str(SCREENSHOTS / "campaign-adopted.png"), full_page=True)
    from axe_playwright_python.sync_playwright import Axe
    lena.reload()
    idea_item(lena, title).locator(".tillit-credit").wait_for()
    results = Axe().run(lena, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def test_profile_bar_goes_from_40_to_100_percent(browser, server):
    from axe_playwright_python.sync_playwright import Axe
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.goto(f"{server}/demo?user=ola&lang=nb")
    bar = page.locator("[data-tillit-profile] [role=progressbar]")
    bar.wait_for()
    page.wait_for_function("() => document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '0'")

    def save(**fields):
        for name, value in fields.items():
            page.fill(f"#profile-{name}", value)
        with page.expect_response(lambda r: r.url.endswith("/v1/events") and r.status == 202):
            page.click("#profile-form button[type=submit]")

    save(title="Driftsleder", about="Har ansvar for kantina", location="Rådhuset")
    page.wait_for_function("() => document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '40'")
    assert page.locator("[data-tillit-profile] p").first.inner_text() == "Profilen din er 40 % komplett"
    next_step = page.locator("[data-tillit-profile] .tillit-next a")
    assert (next_step.inner_text(), next_step.get_attribute("href")) == ("Legg til et bilde", "#profile-photo")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # the bar's width transition
    page.screenshot(path=str(SCREENSHOTS / "profile-40.png"))
    save(photo="ola.jpg", skills="Drift, innkjøp", languages="norsk, engelsk", ask_me_about="Kaffemaskinen")
    page.wait_for_function("() => document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '100'")
    assert page.locator("[data-tillit-profile] .tillit-next").inner_text() == "Profilen din er komplett. Takk!"
    page.wait_for_timeout(600)
    page.screenshot(path=str(SCREENSHOTS / "profile-100.png"))
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()
