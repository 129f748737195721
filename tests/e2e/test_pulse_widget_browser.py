"""The pulse widget in headless Chromium, on the demo intranet page of a real `engagement serve --demo`,
answering the demo's open pulse through the real API: by keyboard on a 360 px phone and by mouse at
desktop width, axe-core clean in light and dark, the answer in the database's participation table
and the second visit saying it is answered, and what goes wrong said in words; a pulse with free
text offers a comment field (and only such a pulse), whose comment goes with the answer, sealed."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from engagement.demo import pulses as demo_pulses
from tests.services import Service, free_port, run_cli, wait_for_port, wait_until_healthy

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = Path(os.environ.get("TILLIT_SCREENSHOTS", "/tmp/tillit-screenshots"))
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE, DESKTOP = {"width": 360, "height": 780}, {"width": 1100, "height": 900}
SITE_PORT = free_port()  # an intranet of its own origin, which Tillit's CORS list names
CARD = ".tillit-pulse-card"
OPEN_CARD = ".tillit-pulse-card:has(form)"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("pulse-browser")
    port = free_port()
    env = {"ENGAGEMENT_INSTANCE_PATH": str(instance), "ENGAGEMENT_CORS_ORIGINS": f"http://127.0.0.1:{SITE_PORT}"}
    service = Service(["serve", "--demo", "--port", str(port)], env, instance / "serve.log").start()
    base = f"http://127.0.0.1:{port}"
    wait_until_healthy(base)
    requests.get(f"{base}/demo?user=siri&lang=en", timeout=60).raise_for_status()  # the demo's organisation
    open_demo_pulse(base, env)
    yield base, instance, env
    service.terminate()


def open_demo_pulse(base: str, env: dict[str, str]) -> None:
    """The demo's first page put its open pulse there for the intranet's people: each has it to answer."""
    for person in ("demo-kari", "demo-ola", "demo-lena", "demo-siri", "demo-tor"):
        token = run_cli(["token", person], env)
        mine = requests.get(f"{base}/v1/me/pulses", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert mine.status_code == 200, mine.text
        assert [(p["pulse"], p["answered"]) for p in mine.json()["pulses"]] == [(demo_pulses.OPEN, False)], person



def open_demo(browser, server, user: str, lang: str, viewport=DESKTOP, dark: bool = False):
    base, _, _ = server
    page = browser.new_page(viewport=viewport, color_scheme="dark" if dark else "light")
    page.goto(f"{base}/demo?user={user}&lang={lang}")
    page.wait_for_selector("[data-tillit-pulse][data-state='ready']")
    return page


def participations(server, person: str) -> list[tuple[str, str, str]]:
    """The person's rows in the participation table, read from the instance's own database."""
    _, instance, _ = server
    with sqlite3.connect(instance / "engagement.sqlite3") as db:
        return db.execute("SELECT pulse_id, team_id, wording FROM engagement_pulse_participation WHERE person_id = ?",
                          (person,)).fetchall()


def axe_clean(page) -> None:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page, context={"include": [["[data-tillit-pulse]"]]},
                        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("section[aria-labelledby='pulse-heading']").screenshot(path=str(SCREENSHOTS / f"pulse-{name}.png"))


def choose(card, values: list[int]) -> dict[str, int]:
    """Click each statement's option (0: don't know); the answers as the API should receive them."""
    chosen = {}
    statements = card.locator(".tillit-pulse-statement")
    for i in range(statements.count()):
        field, value = statements.nth(i), values[i % len(values)]
        field.locator(f"input[value='{value}']").check()
        chosen[field.get_attribute("data-key")] = value
    return chosen


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {radio: e.matches('[data-tillit-pulse] input[type=radio]'), value: e.value, tag: e.tagName,
                checked: !!e.checked, ring: e.closest('label') && (getComputedStyle(e.closest('label')).outlineStyle
                    + ' ' + getComputedStyle(e.closest('label')).outlineWidth),
                key: e.closest('fieldset') && e.closest('fieldset').dataset.key}; }""")


def test_a_phone_answers_by_keyboard_and_the_answer_reaches_the_api(browser, server):
    page = open_demo(browser, server, "ola", "nn", viewport=PHONE)
    card = page.locator(OPEN_CARD).first
    assert "Svaret ditt blir lagra utan namnet ditt; resultat blir viste først når det er 5 svar." in card.inner_text()
    assert re.fullmatch(r"Open til \d{1,2}\. (januar|februar|mars|april|mai|juni|juli|august|september|oktober|"
                        r"november|desember) \d{4}", card.locator(".tillit-pulse-meta").inner_text())
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    shoot(page, "phone-form")
    for _ in range(80):  # from the top of the page, by Tab only, to the first statement
        page.keyboard.press("Tab")
        if focused(page)["radio"]:
            break
    first = focused(page)
    assert first["radio"] and first["value"] == "1" and not first["checked"]
    ring = first["ring"].split()
    assert ring[0] != "none" and ring[1] != "0px"  # a visible focus ring round the option
    keys = card.locator(".tillit-pulse-statement").evaluate_all("fs => fs.map(f => f.dataset.key)")
    wanted = {}
    for i, key in enumerate(keys):
        # Space takes 1, each arrow one more; five arrows from 1 reach "don't know" (0)
        steps = [3, 5, 1, 4][i % 4]
        page.keyboard.press("Space")
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
        now = focused(page)
        assert now["key"] == key and now["checked"]
        wanted[key] = int(now["value"])
        page.keyboard.press("Tab")
    assert wanted[keys[0]] == 4 and (len(keys) < 2 or wanted[keys[1]] == 0)
    assert focused(page)["tag"] == "BUTTON"
    with page.expect_request(lambda r: r.url.endswith("/answers") and r.method == "POST") as sent:
        with page.expect_response(lambda r: r.url.endswith("/answers")) as answer:
            page.keyboard.press("Enter")
    assert answer.value.status == 202
    body = sent.value.post_data_json
    assert body["answers"] == wanted and body["wording"] == "team"
    line = page.locator(f"{CARD}[data-state='answered'] .tillit-pulse-line")
    assert line.inner_text() == "Takk! Svara dine er lagra."
    assert line.evaluate("l => l === document.activeElement && l.getAttribute('role') === 'status'")
    assert participations(server, "demo-ola") == [(body_pulse(page), body["team"], "team")]
    shoot(page, "phone-thanks")

    again = open_demo(browser, server, "ola", "nn", viewport=PHONE)
    answered = again.locator(f"{CARD}[data-pulse='{body_pulse(page)}'][data-wording='team']")
    assert answered.get_attribute("data-state") == "answered" and answered.locator("form").count() == 0
    assert "Du har svara på denne pulsmålinga. Takk!" in answered.inner_text()
    assert answered.locator(".tillit-badge").inner_text() == "Svara"
    axe_clean(again)
    shoot(again, "phone-answered")


def body_pulse(page) -> str:
    return page.locator(f"{CARD}[data-state='answered']").first.get_attribute("data-pulse")


def test_desktop_mouse_answer_with_missing_statements_first_axe_clean(browser, server):
    page = open_demo(browser, server, "kari", "nb")
    card = page.locator(OPEN_CARD).first
    axe_clean(page)
    shoot(page, "desktop-form")
    card.locator("button[type=submit]").click()  # nothing chosen yet: said, and nothing sent
    statements = card.locator(".tillit-pulse-statement").count()
    line = card.locator(".tillit-pulse-line")
    assert line.inner_text() == (f"Svar på alle påstandene før du sender ({statements} igjen). "
                                 "«Vet ikke» er også et svar.")
    assert card.locator(".tillit-pulse-hint:not([hidden])").count() == statements
    assert focused(page)["key"] == card.locator(".tillit-pulse-statement").first.get_attribute("data-key")
    assert participations(server, "demo-kari") == []
    axe_clean(page)
    shoot(page, "desktop-missing")

    chosen = choose(card, [2, 5, 0, 3])
    assert card.locator(".tillit-pulse-hint:not([hidden])").count() == 0
    with page.expect_request(lambda r: r.url.endswith("/answers") and r.method == "POST") as sent:
        card.locator("button[type=submit]").click()
    assert sent.value.post_data_json["answers"] == chosen
    page.wait_for_selector(f"{CARD}[data-state='answered']")
    thanks = page.locator(f"{CARD}[data-state='answered'] .tillit-pulse-line")
    assert thanks.inner_text() == "Takk! Svarene dine er lagret."
    assert len(participations(server, "demo-kari")) == 1
    axe_clean(page)
    page.reload()
    page.wait_for_selector("[data-tillit-pulse][data-state='ready']")
    assert page.locator(OPEN_CARD).count() == 0
    assert "Du har svart på denne pulsmålingen. Takk!" in page.locator(CARD).first.inner_text()
    widths = page.locator(f"[data-tillit-pulse], {CARD}").evaluate_all("els => els.map(e => e.offsetWidth)")
    assert widths[0] == widths[1]  # an answered card as wide as the widget, not shrunk to its text
    shoot(page, "desktop-answered")


def test_dark_mode_leader_sees_that_the_answer_is_not_anonymous(browser, server):
    page = open_demo(browser, server, "lena", "da", dark=True)
    card = page.locator(f"{OPEN_CARD}[data-wording='self']")
    assert "Dit svar er ikke anonymt" in card.locator(".tillit-pulse-privacy").inner_text()
    assert card.locator(".tillit-pulse-about").inner_text().startswith("Din egen vurdering som leder af ")
    assert page.evaluate("getComputedStyle(document.querySelector('.tillit-pulse-card')).backgroundColor") \
        == "rgb(31, 34, 40)"  # the design system's dark surface
    axe_clean(page)
    shoot(page, "desktop-dark-self")
    card.locator("button[type=submit]").click()
    axe_clean(page)  # the errors' colours too


def test_what_goes_wrong_is_said_in_words(browser, server):
    page = open_demo(browser, server, "tor", "en")
    other_tab = open_demo(browser, server, "tor", "en", viewport=PHONE, dark=True)
    card = page.locator(OPEN_CARD).first
    chosen = choose(card, [1, 3])

    page.route("**/v1/pulses/*/answers", lambda route: route.abort("internetdisconnected"))
    card.locator("button[type=submit]").click()
    line = card.locator(".tillit-pulse-line.tillit-error")
    line.wait_for()
    assert line.inner_text() == ("Your answers were not sent: Tillit is unavailable right now. They are still here; "
                                 "try again in a moment.")
    kept = {f.get_attribute("data-key"): int(f.locator("input:checked").get_attribute("value"))
            for f in card.locator(".tillit-pulse-statement").all()}
    assert kept == chosen and card.locator("button[type=submit]").is_enabled()
    assert participations(server, "demo-tor") == []

    # The pulse changed under the page (a statement the server no longer asks): the server's own 422.
    page.unroute("**/v1/pulses/*/answers")
    page.route("**/v1/pulses/*/answers", lambda route: route.continue_(post_data=json.dumps(
        {**route.request.post_data_json, "answers": {**chosen, "custom-99": 3}})))
    with page.expect_response(lambda r: r.url.endswith("/answers")) as refused:
        card.locator("button[type=submit]").click()
    assert refused.value.status == 422
    detail = refused.value.json()["detail"]
    page.wait_for_function("document.querySelector('.tillit-pulse-line').textContent.startsWith('Not saved')")
    assert line.inner_text() == ("Not saved: the pulse may have closed or changed. Reload the page to see it as it is "
                                 "now.")
    assert detail not in page.locator("[data-tillit-pulse]").inner_text()  # never the server's English detail
    assert participations(server, "demo-tor") == []
    axe_clean(page)
    shoot(page, "desktop-error")

    page.unroute("**/v1/pulses/*/answers")
    with page.expect_response(lambda r: r.url.endswith("/answers")) as answer:
        card.locator("button[type=submit]").click()
    assert answer.value.status == 202
    assert len(participations(server, "demo-tor")) == 1

    # The other tab still shows the form: its answer is refused (409), and it says so in words.
    late = other_tab.locator(OPEN_CARD).first
    choose(late, [4])
    with other_tab.expect_response(lambda r: r.url.endswith("/answers")) as refused:
        late.locator("button[type=submit]").click()
    assert refused.value.status == 409
    done = other_tab.locator(f"{CARD}[data-state='answered']").first
    assert done.locator(".tillit-pulse-line").inner_text() == \
        "You have already answered this pulse, so these answers were not saved."
    assert done.locator("form").count() == 0
    axe_clean(other_tab)
    shoot(other_tab, "phone-dark-conflict")
    assert len(participations(server, "demo-tor")) == 1


@pytest.fixture(scope="module")
def intranet(server, tmp_path_factory):
    """Pages of another origin that embed the widget with one script tag, as an intranet does."""
    base, _, env = server
    site = tmp_path_factory.mktemp("pulse-intranet")
    for name, person, attributes in (("siri.html", "demo-siri", 'data-tillit-heading-level="2"'),
                                     ("nobody.html", "someone-without-pulses", ""),
                                     ("hidden.html", "someone-without-pulses", "data-tillit-hide-empty")):
        token = run_cli(["token", person], env)
        (site / name).write_text(
            f'<!doctype html><html lang="en"><head><title>Intranet</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main><h1>Intranet</h1>'
            f'<section data-tillit-pulse aria-label="Pulse survey" {attributes}></section>'
            f'<script src="{base}/v1/pulse.js" data-token="{token}" defer></script></main></body></html>')
    static = subprocess.Popen([sys.executable, "-m", "http.server", str(SITE_PORT), "--bind", "127.0.0.1",
                               "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(SITE_PORT)
    yield f"http://127.0.0.1:{SITE_PORT}"
    static.kill()


def test_one_script_tag_on_another_origin(browser, intranet):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{intranet}/siri.html")
    page.wait_for_selector("[data-tillit-pulse][data-state='ready']")
    card = page.locator(OPEN_CARD).first
    assert card.locator("h2.tillit-pulse-title").count() == 1  # the host's heading level
    assert card.locator(".tillit-pulse-about").inner_text() == "About your team: Intranettet"
    assert card.locator("legend").count() == card.locator(".tillit-pulse-statement").count() > 0
    assert card.locator("fieldset input[type=radio]").count() == 6 * card.locator("fieldset").count()
    axe_clean(page)

    page.goto(f"{intranet}/nobody.html")
    page.wait_for_selector("[data-tillit-pulse][data-state='empty']")
    assert page.locator("[data-tillit-pulse]").inner_text() == "You have no open pulses right now."
    page.goto(f"{intranet}/hidden.html")
    page.wait_for_selector("[data-tillit-pulse][data-state='empty']", state="attached")
    assert page.locator("[data-tillit-pulse]").inner_text() == ""


def free_text_pulse(server) -> str:
    """A second open pulse for the demo intranet's people, with free text on, defined as staff do."""
    base, _, env = server
    staff = {"Authorization": f"Bearer {run_cli(['token', 'demo-siri', '--role', 'communications'], env)}"}
    units = requests.get(f"{base}/v1/pulses/{demo_pulses.OPEN}", headers=staff, timeout=10).json()["units"]
    defined = requests.post(f"{base}/v1/pulses", headers=staff, timeout=10, json={
        "title": "Ordet er fritt", "statements": ["climate.curiosity", "climate.easy_to_ask_for_help"],
        "units": units, "free_text": True, "closes_at": (datetime.now(UTC) + timedelta(days=7)).isoformat()})
    assert defined.status_code == 201, defined.text
    return defined.json()["id"]


def outbox_rows(server) -> list[str]:
    _, instance, _ = server
    with sqlite3.connect(instance / "engagement.sqlite3") as db:
        return [repr(row) for row in db.execute("SELECT * FROM engagement_pulse_outbox")]


def test_a_pulse_with_free_text_offers_one_comment_field_and_sends_it(browser, server):
    pulse = free_text_pulse(server)
    page = open_demo(browser, server, "siri", "nb", viewport=PHONE)
    without = page.locator(f"{OPEN_CARD}[data-pulse='{demo_pulses.OPEN}']")
    assert without.count() == 1 and without.locator("textarea").count() == 0  # free text off: no field
    card = page.locator(f"{OPEN_CARD}[data-pulse='{pulse}']")
    assert card.locator("textarea").count() == 1
    warning = card.locator(".tillit-pulse-comment-warning")
    assert warning.inner_text() == "Det du skriver, kan avsløre hvem som skrev det. Ikke nevn noen ved navn."
    field = page.get_by_label("En kommentar (valgfritt)")
    assert field.count() == 1 and field.get_attribute("maxlength") == "1000"
    assert "Høyst 1000 tegn." in card.inner_text()
    described = field.evaluate("t => t.getAttribute('aria-describedby').split(' ')"
                               ".map(id => document.getElementById(id).textContent)")
    assert described == [warning.inner_text(), "Høyst 1000 tegn."]  # a screen reader hears the warning too
    # the warning comes before the field, on the page and in the reading order
    assert warning.evaluate("(w, t) => !!(w.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING)",
                            field.element_handle())
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_clean(page)
    card.locator("textarea").scroll_into_view_if_needed()
    shoot(page, "phone-comment")

    chosen, team = choose(card, [4, 0]), card.get_attribute("data-team")
    field.fill("  Vi kunne spurt hverandre oftere om hjelp.  ")
    field.fill("x" * 950)  # near the limit: what is left is said
    assert card.locator(".tillit-pulse-comment-left").inner_text() == "50 tegn igjen."
    field.fill("  Vi kunne spurt hverandre oftere om hjelp.  ")
    with page.expect_request(lambda r: r.url.endswith("/answers") and r.method == "POST") as sent:
        with page.expect_response(lambda r: r.url.endswith("/answers")) as answer:
            card.locator("button[type=submit]").click()
    assert answer.value.status == 202
    assert sent.value.post_data_json == {"team": team, "wording": "team",
                                         "answers": chosen, "comment": "Vi kunne spurt hverandre oftere om hjelp."}
    page.wait_for_selector(f"{CARD}[data-pulse='{pulse}'][data-state='answered']")
    assert not [row for row in outbox_rows(server) if "hverandre" in row]  # sealed while the pulse is open

    dark = open_demo(browser, server, "lena", "da", dark=True)
    own = dark.locator(f"{OPEN_CARD}[data-pulse='{pulse}']")
    assert own.locator(".tillit-pulse-comment-warning").inner_text() == (
        "Det, du skriver, kan afsløre, hvem der skrev det. Nævn ikke nogen ved navn.")
    axe_clean(dark)
    own.locator("textarea").scroll_into_view_if_needed()
    shoot(dark, "desktop-dark-comment")
