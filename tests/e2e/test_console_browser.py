"""The console in headless Chromium against a real `engagement serve --demo`: a leader opens, closes,
archives and summarises a campaign behind confirmations; communications staff see the thresholds in
force and nothing else; the operator (admin role) makes a key that is shown once, sees its last use
and revokes it; and /demo/console at three widths, light and dark, nb and en, axe-clean."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import requests

from engagement.translations import translations
from engagement.trust.texts import TEXTS
from tests.e2e.conftest import wait_for
from tests.e2e.test_widget_browser import SERVER_INSTANCE, WCAG_21_AA, server  # noqa: F401 - fixtures
from tests.services import run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path(os.environ.get("TILLIT_SHOTS", "/tmp/tillit-shots"))
WIDTHS = (390, 1024, 1440)
WCAG_AND_BEST_PRACTICE = [*WCAG_21_AA, "best-practice"]


def open_console(browser, server, user: str, lang: str = "en", width: int = 1200, scheme: str = "light",  # noqa: F811
                 locale: str | None = None):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme, locale=locale)
    page = context.new_page()
    page.goto(f"{server}/demo/console?user={user}&lang={lang}")
    page.wait_for_selector("[data-tillit-console][data-state]")
    return page


def parts(page) -> list[str]:
    return page.locator("[data-tillit-part]").evaluate_all("nodes => nodes.map(n => n.dataset.tillitPart)")


def campaign_row(page, question: str):
    return page.locator("[data-tillit-part='campaigns'] tbody tr", has_text=question)


def last_month() -> date:
    return date.today().replace(day=1) - timedelta(days=1)


def axe_clean(page) -> None:
    """WCAG 2.1 AA and axe's best practices (landmark-unique, region, heading order...)."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AND_BEST_PRACTICE}})
    assert results.violations_count == 0, results.generate_report()


def test_a_leader_opens_closes_archives_and_summarises_a_campaign(browser, server):  # noqa: F811
    page = open_console(browser, server, "lena")
    assert parts(page) == ["campaigns", "awards", "pulses"]
    awards_link = page.locator("[data-tillit-part='awards'] a").get_attribute("href")
    assert awards_link.endswith(f"/demo/awards?user=lena&lang=en&month={last_month():%Y-%m}")
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
    assert parts(page) == ["thresholds", "pulse-definitions"]
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
    keys.get_by_label("Read the trust report").check()
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
    # the scope in words; its code beside it for the operator who knows the codes
    assert row.locator("li").inner_text() == "Read the trust report trust:read"
    assert row.locator("li code").inner_text() == "trust:read"
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

    def summarised(page):  # the demo's own campaign, with its ideas, summarised
        page.wait_for_selector("[data-tillit-part='campaigns'][data-state='ready']")
        campaign_row(page, "Hvordan kan vi dele mer").get_by_role("button").first.click()
        page.wait_for_selector("[data-tillit-summary]")
    every_view_is_axe_clean(browser, server, "lena", "console", summarised)


def test_a_closing_date_is_written_in_the_pages_language_not_the_browsers(browser, server):  # noqa: F811
    """A Norwegian page in an American browser: the field and its example read 24.12.2026, never 12/24/2026."""
    page = open_console(browser, server, "lena", lang="nb", locale="en-US")
    page.wait_for_selector("[data-tillit-part='campaigns'][data-state='ready']")
    closes = page.get_by_label("Avsluttes (valgfritt)")
    assert closes.get_attribute("type") == "text"  # type=date shows the browser's locale, not the page's
    hint = page.locator("#" + closes.get_attribute("aria-describedby")).inner_text()
    assert hint == "For eksempel 24.12.2026"
    page.get_by_label("Spørsmål").fill("Hvor skal julebordet være?")
    closes.fill("12/24/2026")  # the browser's own way is not the page's
    page.get_by_role("button", name="Start kampanjen").click()
    alert = page.locator("[data-tillit-part='campaigns'] .tillit-error")
    assert alert.inner_text() == "Skriv datoen som i eksempelet, f.eks. 24.12.2026."
    closes.fill("24.12.2026")
    page.get_by_role("button", name="Start kampanjen").click()
    row = campaign_row(page, "julebordet")
    row.wait_for()
    assert "24. des. 2026" in row.inner_text()


def report_in_the_demo(server) -> None:  # noqa: F811
    """Kari's idea in the demo's campaign, Ola's contribution to it, and Siri reporting it, sent
    as the demo intranet's back end would."""
    key = run_cli(["keys", "create", "--name", "console-reports", "--scope", "events:write"],
                  {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[server]})
    now = datetime.now(UTC).isoformat()
    idea = {"kind": "idea", "id": "demo-idea-lunch", "owner": "demo-kari"}
    events = [
        {"id": "console-idea", "type": "idea.submitted", "actor": "demo-kari", "target": idea, "time": now,
         "data": {"campaign_id": "demo-sharing", "title": "Felles lunsj på tvers av team",
                  "text": "Én gang i måneden spiser vi lunsj med et annet team."}},
        {"id": "console-contribution", "type": "idea.contributed", "actor": "demo-ola", "target": idea, "time": now,
         "data": {"contribution_id": "demo-contribution-rude", "text": "Dette er en dum idé."}},
        {"id": "console-report", "type": "content.reported", "actor": "demo-siri", "time": now,
         "target": {"kind": "contribution", "id": "demo-contribution-rude", "owner": "demo-ola"},
         "data": {"reason": "Nedsettende"}}]
    sent = requests.post(f"{server}/v1/events/batch", json={"events": events},
                         headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert sent.status_code == 202, sent.text
    assert wait_for(lambda: requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["ideas"] == 0,
                    timeout=60)


def test_the_demos_operator_sees_the_admin_console_and_the_queue_in_words(browser, server):  # noqa: F811
    """The demo's operator (admin, demo tokens only) sees what an operator sees; the review queue says
    what was reported, by whom in which team, when and in which campaign, never an internal id."""
    open_console(browser, server, "lena").context.close()  # the demo intranet is loaded
    report_in_the_demo(server)
    page = open_console(browser, server, "tor", lang="nb")
    assert parts(page) == ["moderation", "keys", "audit"]
    page.wait_for_selector("[data-tillit-part='moderation'][data-state='ready']")
    row = page.locator("[data-tillit-part='moderation'] tbody tr")
    assert row.count() == 1
    text = row.inner_text()
    for said in ("Bidrag", "På idéen «Felles lunsj på tvers av team»", "Dette er en dum idé.",
                 "Ola Hansen, Intranettet", "Hvordan kan vi dele mer på tvers av team?",
                 "1 av 3 rapporter som trengs for å skjule det", "Begrunnelse: Nedsettende", "Synlig"):
        assert said in text, (said, text)
    assert "demo-" not in text  # no ids
    page.wait_for_selector("[data-tillit-part='keys'][data-state='ready']")
    scopes = page.locator("[data-tillit-part='keys'] fieldset label").all_inner_texts()
    assert "Administrere sine egne webhooks\nwebhooks:manage" in scopes, scopes
    page.wait_for_selector("[data-tillit-part='audit'][data-state='ready']")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-demo-operator-1200-light-nb.png"), full_page=True)
    axe_clean(page)


def test_the_demos_operator_token_is_for_the_demo_alone(browser, server):  # noqa: F811
    """The operator's token is minted for the demo's audience: the API keys take it where the demo is
    on, and it names the admin role only there (a real instance refuses it: tests/unit/test_demo.py)."""
    page = open_console(browser, server, "tor")
    token = page.locator("script[data-token]").get_attribute("data-token")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "tillit-demo"
    assert requests.get(f"{server}/v1/keys", headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code == 200
    lena = open_console(browser, server, "lena").locator("script[data-token]").get_attribute("data-token")
    assert requests.get(f"{server}/v1/keys", headers={"Authorization": f"Bearer {lena}"}, timeout=5).status_code == 403


def test_the_demos_operator_console_at_three_widths_light_and_dark_nb_and_en(browser, server):  # noqa: F811
    def admin_parts(page):
        for part in ("moderation", "keys", "audit"):
            page.wait_for_selector(f"[data-tillit-part='{part}'][data-state='ready']")
    every_view_is_axe_clean(browser, server, "tor", "console-operator", admin_parts)


def every_view_is_axe_clean(browser, server, user, name, ready):  # noqa: F811
    """The console as ``user`` at every width, scheme and language: a screenshot each, axe-clean
    (best practice too), never wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            for lang in ("nb", "en"):
                page = open_console(browser, server, user, lang=lang, width=width, scheme=scheme)
                ready(page)
                page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}-{lang}.png"), full_page=True)
                from axe_playwright_python.sync_playwright import Axe
                results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AND_BEST_PRACTICE}})
                if results.violations_count:
                    problems.append(f"{width} {scheme} {lang}: {results.generate_report()}")
                assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{width} {scheme} {lang}"
                page.context.close()
    assert not problems, "\n".join(problems)


def send(server, events: list[dict]) -> None:  # noqa: F811
    """Events as the demo intranet's back end sends them, then wait until the ideas are counted."""
    key = run_cli(["keys", "create", "--name", "console-ideas", "--scope", "events:write"],
                  {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[server]})
    sent = requests.post(f"{server}/v1/events/batch", json={"events": events},
                         headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert sent.status_code == 202, sent.text
    assert wait_for(lambda: requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["ideas"] == 0,
                    timeout=60)


def idea(number: int, status: str | None = None) -> list[dict]:
    now = datetime.now(UTC).isoformat()
    target = {"kind": "idea", "id": f"console-status-{number}", "owner": "demo-kari"}
    events = [{"id": f"console-status-idea-{number}", "type": "idea.submitted", "actor": "demo-kari", "target": target,
               "time": now, "data": {"campaign_id": "console-statuses", "title": f"Idé nummer {number}"}}]
    if status:
        events.append({"id": f"console-status-answer-{number}", "type": "idea.answered", "actor": "demo-lena",
                       "target": target, "time": now, "data": {"status": status, "note": "Takk"}})
    return events


def summary_of(browser, server, question: str):  # noqa: F811
    page = open_console(browser, server, "lena", lang="nb")
    campaign_row(page, question).get_by_role("button", name="Sammendrag").click()
    box = page.locator("[data-tillit-summary]")
    box.wait_for()
    return page, box


def test_a_summary_says_an_ideas_status_as_the_campaign_widget_does_and_what_has_an_answer(browser, server):  # noqa: F811
    """Every status an idea can have in words (the campaign widget's), and what waits for an answer
    said positively: never "0 ideas have no answer yet"."""
    page = open_console(browser, server, "lena", lang="nb")
    token = page.locator("script[data-token]").get_attribute("data-token")
    made = requests.post(f"{server}/v1/campaigns", json={"id": "console-statuses", "question": "Statusprøve"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert made.status_code == 201, made.text
    page.context.close()
    send(server, idea(1, "not_pursued") + idea(2, "under_review") + idea(3, "adopted"))
    page, box = summary_of(browser, server, "Statusprøve")
    statuses = box.locator("tbody td:nth-child(4)").all_inner_texts()
    assert sorted(statuses) == ["Ikke videreført", "Tatt i bruk", "Vurderes"], statuses
    assert "Alle idéer har fått svar" in box.inner_text()
    page.context.close()
    send(server, idea(4))
    page, box = summary_of(browser, server, "Statusprøve")
    assert "1 idé venter på svar" in box.inner_text()
    assert "Ny" in box.locator("tbody td:nth-child(4)").all_inner_texts()
    assert "_" not in box.locator("tbody").inner_text()
    page.context.close()

    def summarised(page):
        page.wait_for_selector("[data-tillit-part='campaigns'][data-state='ready']")
        campaign_row(page, "Statusprøve").get_by_role("button").first.click()
        page.wait_for_selector("[data-tillit-summary] tbody")
    every_view_is_axe_clean(browser, server, "lena", "console-summary", summarised)


def test_the_awards_card_says_what_is_where_and_links_to_last_month(browser, server):  # noqa: F811
    page = open_console(browser, server, "lena", lang="nb")
    card = page.locator("[data-tillit-part='awards']")
    text = card.inner_text()
    assert "innstillinger" not in text.lower()  # the awards page has none
    assert "fastsettingen og kunngjøringen" in text and "driftsansvarlig i konfigurasjonen" in text
    link = card.get_by_role("link")
    months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
              "november", "desember"]
    assert link.inner_text() == f"Åpne utmerkelsene for {months[last_month().month - 1]} {last_month().year}"
    assert link.get_attribute("href").endswith(f"&month={last_month():%Y-%m}")


@pytest.mark.parametrize("lang,scheme,width", [("nb", "dark", 390), ("en", "light", 1440)])
def test_the_thresholds_name_each_flag_as_the_trust_dashboard_does(browser, server, lang, scheme, width):  # noqa: F811
    page = open_console(browser, server, "siri", lang=lang, scheme=scheme, width=width)
    page.wait_for_selector("[data-tillit-part='thresholds'][data-state='ready']")
    words = translations(lang)
    for flag, (title, _action) in TEXTS.items():
        said = page.locator(f"li[data-flag='{flag}']").inner_text()
        assert said.startswith(words.gettext(title) + ": "), (flag, said)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"console-thresholds-{width}-{scheme}-{lang}.png"), full_page=True)
    axe_clean(page)


def trust_views(server, many: int) -> None:  # noqa: F811
    """Siri, communications staff, reads the trust report: as a table, as a CSV file, a team's trend."""
    requests.get(f"{server}/demo/trust?user=siri&lang=nb", timeout=60)  # the planted organisation
    page_token = requests.get(f"{server}/demo/console?user=siri&lang=nb", timeout=10).text
    token = page_token.split('data-token="', 1)[1].split('"', 1)[0]
    headers = {"Authorization": f"Bearer {token}"}
    report = requests.get(f"{server}/v1/trust/report?period=2026-10", headers=headers, timeout=30)
    assert report.status_code == 200, report.text
    team = report.json()["teams"][0]["id"]
    assert requests.get(f"{server}/v1/trust/report?period=2026-10&format=csv", headers=headers,
                        timeout=30).status_code == 200
    assert requests.get(f"{server}/v1/trust/teams/{team}/trend?months=12", headers=headers,
                        timeout=30).status_code == 200
    for _ in range(many):
        requests.get(f"{server}/v1/trust/report?period=30d&unit={team}", headers=headers, timeout=30)


def test_the_audit_log_says_who_what_and_when_in_words_twenty_at_a_time(browser, server):  # noqa: F811
    trust_views(server, 25)
    page = open_console(browser, server, "tor", lang="nb", width=390)
    page.wait_for_selector("[data-tillit-part='audit'][data-state='ready']")
    log = page.locator("[data-tillit-log='views']")
    assert log.locator("tbody tr").count() == 20  # the newest 20, not an endless list
    SHOTS.mkdir(parents=True, exist_ok=True)
    log.get_by_role("button", name="Vis flere").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "console-audit-show-more-390-light-nb.png"))
    for _ in range(5):
        more = log.get_by_role("button", name="Vis flere")
        if not more.count():
            break
        before = log.locator("tbody tr").count()
        more.click()
        page.wait_for_function(f"() => document.querySelectorAll('[data-tillit-log=views] tbody tr').length > {before}")
        assert page.evaluate("document.activeElement.tagName") in ("BUTTON", "DIV")  # focus stays in the log
    text = log.inner_text()
    for said in ("demo-siri (person)", "Tabell", "CSV-fil", "Utvikling", "oktober 2026", "Siste 30 dager",
                 "12 måneder til "):
        assert said in text, (said, text)
    for raw in ("user:", "json", "csv", "trend", "2026-10", "months to", "30d"):
        assert raw not in text, raw
    assert "Ingen innsyn ennå." in page.locator("[data-tillit-log='reads']").inner_text()  # reads, not views
    page.context.close()

    def more(page):
        page.wait_for_selector("[data-tillit-part='audit'][data-state='ready']")
        page.locator("[data-tillit-log='views'] .tillit-row button").click()
        page.wait_for_function("() => document.querySelectorAll('[data-tillit-log=views] tbody tr').length > 20")
    every_view_is_axe_clean(browser, server, "tor", "console-audit", more)
