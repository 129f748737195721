"""Communications staff define a pulse in the console, in headless Chromium against a real
`engagement serve --demo`: statements from the library (in the page's language) and one of their
own, a unit found by searching the demo's directory, a window in the page's local time (Oslo here,
so a wrong conversion to UTC shows); a pulse closing before it opens is refused beside the closing
field, and nothing is stored; a pulse that opens now is listed as open, one that opens later as
scheduled. Axe-clean at 1024 px and on a phone, with screenshots."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from engagement.pulses.library import STATEMENTS
from tests.e2e.test_console_browser import axe_clean, parts
from tests.e2e.test_widget_browser import SERVER_INSTANCE, server  # noqa: F401 - fixtures
from tests.services import run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path(os.environ.get("TILLIT_SHOTS", "/tmp/tillit-shots"))
OSLO = ZoneInfo("Europe/Oslo")
PART = "[data-tillit-part='pulse-definitions']"


def comms_console(browser, server, lang: str = "en", width: int = 1024, scheme: str = "light"):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                  timezone_id="Europe/Oslo", locale="en-US")
    page = context.new_page()
    page.goto(f"{server}/demo/console?user=siri&lang={lang}")
    page.wait_for_selector(f"{PART}[data-state='ready']")
    return page


def written(day: date) -> str:
    """A day as the English (en-GB) page's example writes it."""
    return day.strftime("%d/%m/%Y")


def set_moment(page, legend: str, day: date | None, time: str = "") -> None:
    group = page.locator(PART).get_by_role("group", name=legend, exact=True)
    group.get_by_label("Date").fill(written(day) if day else "")
    group.get_by_label("Time").fill(time)


def defined(server) -> dict[str, dict]:  # noqa: F811
    token = run_cli(["token", "console-check", "--role", "communications", "--ttl", "900"],
                    {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[server]})
    answer = requests.get(f"{server}/v1/pulses", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {p["title"]: p for p in answer.json()["pulses"]}


def pulse_row(page, title: str):
    return page.locator(f"{PART} tbody tr", has_text=title)


def pick(page, title: str, statements: list[str], unit_search: str, unit: str) -> None:
    part = page.locator(PART)
    part.get_by_label("Title", exact=True).fill(title)
    for key in statements:
        part.get_by_label(STATEMENTS[key]["en"]["team"], exact=True).check()
    part.get_by_label("Find a unit").fill(unit_search)
    part.locator("ul li:visible").first.wait_for()
    part.get_by_label(unit).check()


def test_communications_staff_define_pulses_and_a_bad_window_is_said_beside_its_field(browser, server):  # noqa: F811
    page = comms_console(browser, server)
    assert parts(page) == ["thresholds", "pulse-definitions"]
    part = page.locator(PART)
    # the library in the page's language, grouped: five leader statements, then seven on the climate
    groups = part.locator("fieldset[data-field='statements'] h4").all_inner_texts()
    assert groups == ["Leader statements", "Team climate"]
    assert part.locator("input[data-key^='leader.']").count() == 5
    assert part.locator("input[data-key^='climate.']").count() == 7
    assert not part.get_by_label("Let people write free text").is_checked()  # off unless asked for
    warning = part.get_by_label("Let people write free text").get_attribute("aria-describedby").split()[0]
    assert "give away the person" in part.locator("#" + warning).inner_text()

    today = datetime.now(OSLO).date()
    title = "Speaking up in the intranet team"
    pick(page, title, ["leader.safe_to_try", "climate.curiosity"], "intranett", "Intranettet")
    # searching hides the teams that do not match; the path says where the team sits
    assert part.locator("ul li:visible").count() == 1
    assert "Demo (oppdiktet)" in part.locator("ul li:visible").inner_text()
    part.get_by_role("button", name="Add your own statement").click()
    part.get_by_label("Your own statement 1").fill("I know what is expected of me.")
    part.get_by_text("Texts in each language (optional)").click()
    part.get_by_label("Norwegian Bokmål").fill("Jeg vet hva som forventes av meg.")

    set_moment(page, "Opens", today + timedelta(days=7), "09:00")
    set_moment(page, "Closes", today + timedelta(days=2), "16:00")
    part.get_by_role("button", name="Define pulse").click()
    beside = part.locator("[data-error-for='closes_at']")
    page.wait_for_function("el => el.textContent.length > 0", arg=beside.element_handle())
    assert beside.inner_text() == "It must close after it opens, and in the future."
    closes_day = part.get_by_role("group", name="Closes", exact=True).get_by_label("Date")
    assert closes_day.get_attribute("aria-invalid") == "true"
    assert beside.get_attribute("id") in closes_day.get_attribute("aria-describedby").split()
    assert part.locator("[data-error-for='title']").inner_text() == ""  # only the bad field is named
    assert title not in defined(server)  # nothing half-stored
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-pulse-refused-1024-light-en.png"), full_page=True)
    axe_clean(page)

    set_moment(page, "Opens", None)  # left empty: opens now
    part.get_by_role("button", name="Define pulse").click()
    row = pulse_row(page, title)
    row.wait_for()
    assert row.locator(".tillit-badge").inner_text() == "Open"
    assert part.locator("[role='status']").inner_text() == f"The pulse “{title}” is defined."
    assert part.locator("[data-error-for='closes_at']").inner_text() == ""
    assert part.get_by_label("Title", exact=True).input_value() == ""  # the form is ready for the next one
    made = defined(server)[title]
    assert made["status"] == "open" and made["free_text"] is False
    assert made["statements"][:2] == ["leader.safe_to_try", "climate.curiosity"]
    own = made["statements"][2]  # the page's language first: what the other languages fall back to
    assert own["key"] == "custom-1"
    assert own["text"]["nb"]["team"] == "Jeg vet hva som forventes av meg."
    assert own["text"]["en"]["team"] == own["text"]["da"]["self"] == "I know what is expected of me."
    assert len(made["units"]) == 1 and made["units"][0].endswith("intranett")
    closes = datetime(*(today + timedelta(days=2)).timetuple()[:3], 16, 0, tzinfo=OSLO)
    assert datetime.fromisoformat(made["closes_at"]) == closes  # the page's local time, not UTC

    later = "Next month's climate check"
    pick(page, later, ["leader.open_about_challenges"], "intranett", "Intranettet")
    set_moment(page, "Opens", today + timedelta(days=3), "9.30")
    set_moment(page, "Closes", today + timedelta(days=10), "")
    part.get_by_role("button", name="Define pulse").click()
    pulse_row(page, later).wait_for()
    assert pulse_row(page, later).locator(".tillit-badge").inner_text() == "Scheduled"
    scheduled = defined(server)[later]
    assert scheduled["status"] == "scheduled"
    assert datetime.fromisoformat(scheduled["opens_at"]) == datetime(
        *(today + timedelta(days=3)).timetuple()[:3], 9, 30, tzinfo=OSLO)
    assert datetime.fromisoformat(scheduled["closes_at"]) == datetime(  # no time given: the end of that day
        *(today + timedelta(days=10)).timetuple()[:3], 23, 59, tzinfo=OSLO)
    page.screenshot(path=str(SHOTS / "console-pulse-defined-1024-light-en.png"), full_page=True)
    axe_clean(page)


def test_a_date_not_written_as_the_example_is_said_before_anything_is_sent(browser, server):  # noqa: F811
    page = comms_console(browser, server, lang="nb")
    part = page.locator(PART)
    group = part.get_by_role("group", name="Avsluttes", exact=True)
    group.get_by_label("Dato").fill("31.02.2027")
    part.get_by_role("button", name="Opprett pulsmåling").click()
    assert part.locator("[data-error-for='closes_at']").inner_text() == "Skriv dato og klokkeslett som i eksempelet."
    assert page.evaluate("document.activeElement.getAttribute('data-part')") == "date"


@pytest.mark.parametrize("lang,scheme,width", [("nb", "dark", 390), ("en", "light", 1024)])
def test_the_pulse_form_on_a_phone_and_a_laptop(browser, server, lang, scheme, width):  # noqa: F811
    page = comms_console(browser, server, lang=lang, width=width, scheme=scheme)
    page.locator(PART).get_by_role("button").first.click()  # an own statement's fields shown too
    page.screenshot(path=str(SHOTS / f"console-pulses-{width}-{scheme}-{lang}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_clean(page)
