"""The console in headless Chromium against a real `engagement serve --demo`: a leader opens, closes,
archives and summarises a campaign behind confirmations; communications staff see the thresholds in
force and nothing else; the operator (admin role) makes a key that is shown once, sees its last use
and revokes it; and /demo/console at three widths, light and dark, nb and en, axe-clean."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import wait_for
from tests.e2e.test_widget_browser import SERVER_INSTANCE, WCAG_21_AA, browser, server  # noqa: F401 - fixtures
from tests.services import run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path(os.environ.get("TILLIT_SHOTS", "/tmp/tillit-shots"))
WIDTHS = (390, 1024, 1440)


def open_console(browser, server, user: str, lang: str = "en", width: int = 1200, scheme: str = "light"):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{server}/demo/console?user={user}&lang={lang}")
    page.wait_for_selector("[data-tillit-console][data-state]")
    return page


def parts(page) -> list[str]:
    return page.locator("[data-tillit-part]").evaluate_all("nodes => nodes.map(n => n.dataset.tillitPart)")


def campaign_row(page, question: str):
    return page.locator("[data-tillit-part='campaigns'] tbody tr", has_text=question)


def axe_clean(page) -> None:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def test_a_leader_opens_closes_archives_and_summarises_a_campaign(browser, server):  # noqa: F811
    page = open_console(browser, server, "lena")
    assert parts(page) == ["campaigns", "awards"]
    awards_link = page.locator("[data-tillit-part='awards'] a").get_attribute("href")
    assert awards_link.endswith("/demo/awards?user=lena&lang=en")
    page.wait_for_selector("[data-tillit-part='campaigns'][data-state='ready']")
    page.get_by_label("Question").fill("Where should the summer party be?")
    page.get_by_role("button", name="Open campaign").click()
    row = campaign_row(page, "Where should the summer party be?")
    row.wait_for()
    assert row.locator(".tillit-badge").inner_text() == "Open"
    assert page.evaluate("document.activeElement.id") == page.get_by_label("Question").get_attribute("id")

    row.get_by_role("button", name="Close").click()
    dialog = page.locator("dialog[open]")
    assert dialog.locator("h2").inner_text() == "Close the campaign “Where should the summer party be?”?"
    dialog.get_by_role("button", name="Cancel").click()
    page.wait_for_selector("dialog", state="detached")  # the dialog's close event comes a task later
    assert row.locator(".tillit-badge").inner_text() == "Open"
    assert page.evaluate("document.activeElement.textContent") == "Close"  # back on the button that asked
    row.get_by_role("button", name="Close").click()
    page.locator("dialog[open]").get_by_role("button", name="Close").click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-tillit-part=campaigns] tbody tr')].some("
                           "r => r.textContent.includes('summer party') && r.textContent.includes('Closed'))")

    campaign_row(page, "summer party").get_by_role("button", name="Archive").click()
    assert "cannot" not in page.locator("dialog[open] p").inner_text()  # archiving can be undone: it says so
    page.locator("dialog[open]").get_by_role("button", name="Archive").click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-tillit-part=campaigns] tbody tr')].some("
                           "r => r.textContent.includes('summer party') && r.textContent.includes('Archived'))")
    page.select_option("[data-tillit-part='campaigns'] select", "open")
    page.wait_for_function("() => ![...document.querySelectorAll('[data-tillit-part=campaigns] tbody tr')].some("
                           "r => r.textContent.includes('summer party'))")
    page.select_option("[data-tillit-part='campaigns'] select", "")
    campaign_row(page, "summer party").wait_for()
    campaign_row(page, "summer party").get_by_role("button", name="Summary").click()
    summary = page.locator("[data-tillit-summary]")
    summary.wait_for()
    assert "Nobody has taken part yet." in summary.inner_text() and "No ideas yet." in summary.inner_text()
    axe_clean(page)


def test_a_leader_who_did_not_open_a_campaign_is_told_no_in_norwegian(browser, server):  # noqa: F811
    """A campaign opened by the intranet's key: the server refuses Lena, the page says so in Norwegian."""
    key = run_cli(["keys", "create", "--name", "console-campaigns", "--scope", "awards:manage"],
                  {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[server]})
    made = requests.post(f"{server}/v1/campaigns", json={"id": "console-others", "question": "Andres kampanje"},
                headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert made.status_code == 201
    page = open_console(browser, server, "lena", lang="nb")
    row = campaign_row(page, "Andres kampanje")
    row.wait_for()
    row.get_by_role("button", name="Avslutt").click()
    page.locator("dialog[open]").get_by_role("button", name="Avslutt").click()
    alert = page.locator("[data-tillit-part='campaigns'] .tillit-error")
    page.wait_for_function("el => el.textContent.length > 0", arg=alert.element_handle())
    assert alert.inner_text() == "Du har ikke lov til å gjøre dette."
    assert row.locator(".tillit-badge").inner_text() == "Åpen"


def test_communications_staff_see_the_thresholds_and_no_keys(browser, server):  # noqa: F811
    page = open_console(browser, server, "siri", lang="nb")
    assert parts(page) == ["thresholds"]
    page.wait_for_selector("[data-tillit-part='thresholds'][data-state='ready']")
    low = page.locator("li[data-flag='low_sharing']").inner_text()
    assert low == "Lite deling: færre enn 20\u00a0% av medlemmene delte noe."  # Intl keeps 20 and % together
    assert page.locator("li[data-flag]").count() == 6
    assert page.locator("[data-tillit-part='keys']").count() == 0


def test_a_member_is_told_the_console_has_nothing_for_them(browser, server):  # noqa: F811
    page = open_console(browser, server, "kari", lang="en")
    assert page.locator("[data-tillit-console]").get_attribute("data-state") == "empty"
    assert page.locator("[data-tillit-console]").inner_text() == "There is nothing in the console for your roles."


def admin_page(browser, server, lang: str = "en", width: int = 1200, scheme: str = "light"):  # noqa: F811
    """The operator's console on an intranet admin page (the demo has no operator)."""
    token = run_cli(["token", "operator", "--role", "admin", "--ttl", "900"],
                    {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[server]})
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{server}/healthz")
    page.set_content(f"""<!doctype html><html lang="{lang}"><head><title>Admin</title>
      <meta name="viewport" content="width=device-width, initial-scale=1"></head>
      <body class="tillit-page"><main><h1>Admin</h1><section data-tillit-console></section></main>
      <script src="{server}/v1/console.js" data-token="{token}"></script></body></html>""")
    page.wait_for_selector("[data-tillit-part='keys'][data-state='ready']")
    return page


def test_the_operator_makes_a_key_shown_once_sees_its_use_and_revokes_it(browser, server):  # noqa: F811
    page = admin_page(browser, server)
    assert parts(page) == ["moderation", "keys", "audit"]
    page.wait_for_selector("[data-tillit-part='audit'][data-state='ready']")
    keys = page.locator("[data-tillit-part='keys']")
    keys.get_by_role("button", name="Make key").click()
    assert keys.locator(".tillit-error").inner_text() == "Give the key a name."
    keys.get_by_label("Name of the system").fill("Chat bridge")
    keys.get_by_role("button", name="Make key").click()
    assert keys.locator(".tillit-error").inner_text() == "Choose at least one scope."
    keys.get_by_label("trust:read").check()
    keys.get_by_role("button", name="Make key").click()
    fresh = keys.locator("[data-tillit-new-key]")
    fresh.wait_for()
    secret = fresh.locator("input").input_value()
    assert secret.startswith("tlt_") and "shown only this once" in fresh.inner_text()
    prefix = fresh.get_attribute("data-tillit-new-key")
    assert requests.get(f"{server}/v1/trust/thresholds", headers={"Authorization": f"Bearer {secret}"},
                        timeout=5).status_code == 200

    page.context.close()
    page = admin_page(browser, server)  # the console opened again
    keys = page.locator("[data-tillit-part='keys']")
    row = keys.locator("tbody tr", has_text="Chat bridge")
    assert secret not in page.content()  # never shown again
    assert "Never" not in row.inner_text() and "Active" in row.inner_text()
    row.get_by_role("button", name="Revoke").click()
    assert "cannot be undone" in page.locator("dialog[open]").inner_text()
    page.locator("dialog[open]").get_by_role("button", name="Revoke").click()
    page.wait_for_function(f"() => document.querySelector('[data-tillit-part=keys] tbody').textContent"
                           f".includes('Revoked') && !document.querySelector('button[data-prefix=\"{prefix}\"]')")
    assert requests.get(f"{server}/v1/trust/thresholds", headers={"Authorization": f"Bearer {secret}"},
                        timeout=5).status_code == 401
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-admin-1200-light-en.png"), full_page=True)
    axe_clean(page)


@pytest.mark.parametrize("scheme,lang,width", [("dark", "nb", 390), ("light", "en", 1440)])
def test_the_operator_console_on_a_phone_and_a_laptop(browser, server, scheme, lang, width):  # noqa: F811
    page = admin_page(browser, server, lang=lang, width=width, scheme=scheme)
    page.wait_for_selector("[data-tillit-part='audit'][data-state='ready']")
    page.screenshot(path=str(SHOTS / f"console-admin-{width}-{scheme}-{lang}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_clean(page)


def test_screenshot_matrix_is_axe_clean(browser, server):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    open_console(browser, server, "lena").context.close()  # the demo intranet is loaded, then its ideas counted
    assert wait_for(lambda: requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["ideas"] == 0,
                    timeout=60)
    problems = []
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            for lang in ("nb", "en"):
                page = open_console(browser, server, "lena", lang=lang, width=width, scheme=scheme)
                page.wait_for_selector("[data-tillit-part='campaigns'][data-state='ready']")
                # the demo's own campaign, with its ideas, summarised
                campaign_row(page, "Hvordan kan vi dele mer").get_by_role("button").first.click()
                page.wait_for_selector("[data-tillit-summary]")
                page.screenshot(path=str(SHOTS / f"console-{width}-{scheme}-{lang}.png"), full_page=True)
                from axe_playwright_python.sync_playwright import Axe
                results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
                if results.violations_count:
                    problems.append(f"{width} {scheme} {lang}: {results.generate_report()}")
                assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{width} {scheme} {lang}"
                page.context.close()
    assert not problems, "\n".join(problems)
