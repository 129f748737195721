"""The month's draw on the leaders' awards page in headless Chromium against a real `engagement
serve --demo`: the commitment and no totals before the draw, the exclusion list (take someone out
by id with a reason, put them back), drawing only through a confirmation with the focus on Cancel
(Escape and Cancel draw nothing), the winners with their ticket numbers, the seed, digest and
commitment, the record downloaded and checked with `python -m engagement.lottery.verify`, refusals
in the page's language, and the page at three widths, light and dark, bokmål and English, axe-core
clean."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
import requests

from tests.e2e.test_design_browser import SHOTS, WIDTHS
from tests.e2e.test_lottery_widget_browser import NB_MONTHS, api, months, token_of
from tests.e2e.test_widget_browser import WCAG_21_AA, server  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGE = "[data-tillit-awards]"
DRAW = ".tillit-lottery-admin"
WCAG_AND_BEST_PRACTICE = [*WCAG_21_AA, "best-practice"]


def open_page(browser, base, month: str, user="lena", lang="nb", width=1024, scheme="light", state="drawable"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/demo/awards?user={user}&lang={lang}&month={month}")
    if state:
        page.wait_for_selector(f"{DRAW}[data-state='{state}']")
    else:
        page.wait_for_selector(f"{PAGE}[data-state]")
    return page


def long_name(month: str) -> str:
    """The month as the awards page names it in bokmål: "november 2026"."""
    year, number = month.split("-")
    return f"{NB_MONTHS[int(number) - 1]} {year}"


def record(base: str, month: str) -> dict:
    return api(base, "lena", "GET", f"/v1/lottery/{month}").json()


def said(page, part: str) -> str:
    page.wait_for_function(f"() => document.querySelector('{DRAW} [data-for={part}]').textContent")
    return page.locator(f"{DRAW} [data-for={part}]").inner_text()


def test_the_leader_sees_who_is_in_the_draw_and_the_commitment(browser, server):  # noqa: F811
    last, _ = months()
    page = open_page(browser, server, last)
    section = page.locator(DRAW)
    assert section.locator("h3").inner_text() == f"Månedens trekning – {long_name(last)}"
    assert section.locator("[data-not-drawn]").inner_text() == "Vinnerne er ikke trukket ennå."
    assert "lodd" not in section.locator("[data-part=draw]").inner_text()  # no totals before the draw
    assert section.locator("input[name=winners]").input_value() == "3"
    assert section.get_by_label("Antall vinnere (1–50)").count() == 1
    assert section.locator("[data-hash=commitment]").inner_text() == record(server, last)["commitment"]
    section.locator("summary").click()
    assert "Høyst 5 lodd per person." in section.locator(".tillit-lottery-rule-list").inner_text()


def test_before_the_draw_at_a_phone_and_a_wide_screen_is_axe_clean(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    last, _ = months()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, scheme, lang in ((390, "dark", "nb"), (1440, "light", "en")):
        page = open_page(browser, server, last, lang=lang, width=width, scheme=scheme)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.locator(DRAW).screenshot(path=str(SHOTS / f"lottery-draw-drawable-{width}-{scheme}-{lang}.png"))
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AND_BEST_PRACTICE}})
        assert results.violations_count == 0, results.generate_report()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.context.close()


def test_taking_someone_out_of_the_draw_and_putting_them_back(browser, server):  # noqa: F811
    """On this month's page: an ended month keeps the list as it stood when its tickets froze."""
    _, this = months()
    page = open_page(browser, server, this, state="waiting")
    section = page.locator(DRAW)
    assert section.locator("[data-nobody-excluded]").inner_text() == "Ingen er tatt ut."
    section.get_by_label("Person-id").fill("demo-nobody")
    section.get_by_role("button", name="Ta ut av trekningen").click()
    assert said(page, "exclusions") == "Ingen i katalogen har denne id-en."
    assert section.locator("[data-for=exclusions]").get_attribute("data-tone") == "error"

    section.get_by_label("Person-id").fill("demo-siri")
    section.get_by_label("Grunn (valgfritt)").fill("Arrangerer trekningen")
    section.get_by_role("button", name="Ta ut av trekningen").click()
    page.wait_for_selector(f"{DRAW} li[data-person='demo-siri']")
    entry = section.locator("li[data-person='demo-siri']")
    assert "Siri Dahl" in entry.inner_text() and "Arrangerer trekningen" in entry.inner_text()
    assert "av demo-lena, " in entry.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    section.locator("[data-part=exclusions]").screenshot(path=str(SHOTS / "lottery-draw-excluded-1024-light-nb.png"))
    assert said(page, "exclusions") == "Siri Dahl er tatt ut av trekningen."
    assert [p["person"] for p in api(server, "lena", "GET", "/v1/lottery/exclusions").json()["people"]] == ["demo-siri"]
    siri = api(server, "siri", "GET", f"/v1/lottery/me?month={this}").json()
    assert (siri["eligible"], siri["why_not"]) == (False, "excluded")

    entry.get_by_role("button", name="Ta Siri Dahl med i trekningen igjen").click()
    page.wait_for_selector(f"{DRAW} [data-nobody-excluded]")
    assert said(page, "exclusions") == "Siri Dahl er med i trekningen igjen."
    assert api(server, "lena", "GET", "/v1/lottery/exclusions").json()["people"] == []


def test_this_month_cannot_be_drawn_yet(browser, server):  # noqa: F811
    _, this = months()
    page = open_page(browser, server, this, state="waiting")
    section = page.locator(DRAW)
    assert section.locator("[data-not-drawable]").inner_text() == "Du kan trekke vinnerne når måneden er over."
    assert section.locator("button[data-action=draw]").count() == 0
    refused = api(server, "lena", "POST", f"/v1/lottery/{this}/draw", json={"winners": 1})
    assert refused.status_code == 409 and refused.json()["title"] == "Month not over"


def test_someone_who_is_not_a_leader_is_refused_in_norwegian(browser, server):  # noqa: F811
    last, _ = months()
    page = open_page(browser, server, last, user="kari", state=None)
    assert page.locator(f"{PAGE} [role=alert]").inner_text() == "Du har ikke lov til å gjøre dette."
    assert page.locator(DRAW).count() == 0 and page.locator("button[data-action=draw]").count() == 0
    refused = requests.post(f"{server}/v1/lottery/{last}/draw", json={"winners": 1}, timeout=10,
                            headers={"Authorization": f"Bearer {token_of(server, 'kari')}"})
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"
    assert record(server, last)["draw"] is None


def test_drawing_asks_first_then_shows_the_winners_the_seed_and_how_to_check(browser, server, tmp_path):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    last, _ = months()
    page = open_page(browser, server, last)
    late = open_page(browser, server, last)  # a second leader's page, opened before the draw
    button = page.locator("button[data-action=draw]")
    page.locator("input[name=winners]").fill("2")

    button.click()  # one click does not draw: it asks
    dialog = page.locator("dialog[open]")
    assert dialog.locator("h3").inner_text() == f"Trekke 2 vinnere for {long_name(last)}?"
    assert "kan ikke angres" in dialog.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Avbryt"  # the safe choice has the focus
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lottery-draw-confirm-1024-light-nb.png"))
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()
    page.keyboard.press("Escape")
    assert page.locator("dialog").count() == 0
    assert page.evaluate("document.activeElement.dataset.action") == "draw"  # focus back where it was
    button.click()
    page.locator("dialog[open] button", has_text="Avbryt").click()
    assert record(server, last)["draw"] is None

    page.locator("input[name=winners]").fill("0")
    button.click()
    assert said(page, "draw") == "Velg mellom 1 og 50 vinnere."
    assert page.locator("dialog").count() == 0
    page.locator("input[name=winners]").fill("2")

    button.click()
    page.locator("dialog[open] button", has_text="Trekk nå").click()
    page.wait_for_selector(f"{DRAW}[data-state='drawn']")
    drawn = record(server, last)
    draw = drawn["draw"]
    # the demo's last month: Kari 3 tickets, Ola 2, Lena and Siri 1 each (Siri back in); Tor contributed nothing
    assert len(draw["winners"]) == 2 and draw["total_tickets"] == 7 and draw["people"] == 4
    assert hashlib.sha256(draw["seed"].encode()).hexdigest() == drawn["commitment"]  # the seed committed to
    section = page.locator(DRAW)
    assert said(page, "draw") == "Vinnerne er trukket."
    assert page.evaluate("document.activeElement.tagName") == "H3"
    items = section.locator(".tillit-lottery-winners li")
    assert items.evaluate_all("li => li.map(i => i.dataset.person)") == [w["person"] for w in draw["winners"]]
    first = draw["winners"][0]
    assert first["name"] in items.first.inner_text() and f"lodd nr. {first['ticket']}" in items.first.inner_text()
    assert section.locator("[data-hash=seed]").inner_text() == draw["seed"]
    assert section.locator("[data-hash=digest]").inner_text() == draw["digest"]
    assert section.locator("[data-hash=commitment]").inner_text() == drawn["commitment"]
    assert f"engagement lottery verify tillit-lottery-{last}.json" in section.inner_text()
    assert section.locator("button[data-action=draw]").count() == 0

    with page.expect_download() as download:
        section.get_by_role("button", name="Last ned protokollen (JSON)").click()
    assert download.value.suggested_filename == f"tillit-lottery-{last}.json"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["draw"] == draw
    checked = subprocess.run([sys.executable, "-m", "engagement.lottery.verify", str(saved)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    page.screenshot(path=str(SHOTS / "lottery-drawn-1024-light-nb.png"), full_page=True)

    # the page opened before the draw is refused in its language, never with the server's English
    late.locator("button[data-action=draw]").click()
    late.locator("dialog[open] button", has_text="Trekk nå").click()
    assert said(late, "draw") == "Denne måneden er allerede trukket."
    assert record(server, last)["draw"] == draw


def test_the_page_at_three_widths_light_and_dark_nb_and_en_is_axe_clean(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    last, this = months()
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for month, state in ((last, "drawn"), (this, "waiting")):
        for width in WIDTHS:
            for scheme in ("light", "dark"):
                for lang in ("nb", "en"):
                    page = open_page(browser, server, month, lang=lang, width=width, scheme=scheme, state=state)
                    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                    page.locator(DRAW).screenshot(path=str(SHOTS / f"lottery-draw-{state}-{width}-{scheme}-{lang}.png"))
                    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AND_BEST_PRACTICE}})
                    if results.violations_count:
                        problems.append(f"{month} {width} {scheme} {lang}: {results.generate_report()}")
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{width} {scheme} {lang}"
                    wide = page.locator(f"{DRAW} .tillit-card").evaluate_all(
                        "cards => cards.filter(c => c.scrollWidth > c.clientWidth).length")
                    assert wide == 0, f"{month} {width} {scheme} {lang}"
                    page.context.close()
    assert not problems, "\n".join(problems)
