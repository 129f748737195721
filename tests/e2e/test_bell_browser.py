"""The notification bell in headless Chromium, on the demo page of a real `engagement serve`."""
from __future__ import annotations

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
SHARING = "[data-tillit-like='article:news-sharing']"  # Kari's article


def notifications_caught_up(server) -> bool:  # noqa: F811
    return requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["notifications"] == 0


def read_all(server, user: str) -> None:  # noqa: F811
    """Mark everything the user has read, as the bell's button does: the demo's open pulse invites
    every demo user, so each bell starts with that invitation unread."""
    response = requests.post(f"{server}/v1/notifications/read", json={"all": True},
                             headers={"Authorization": f"Bearer {token_of(server, user)}"}, timeout=10)
    assert response.status_code == 200, response.text


def test_the_pulse_invitation_is_in_the_bell(browser, server):  # noqa: F811
    siri = open_bell(browser, server, "siri")
    assert siri.locator(".tillit-note-text").first.inner_text().startswith(
        "Ny pulsmåling: «Hvordan har vi det i Intranettet?» – svar innen ")
    siri.context.close()


def test_the_bell_counts_shows_grouped_texts_and_marks_read(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    read_all(server, "kari")
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


WELCOME_KUDOS = "[data-tillit-kudos='demo-lena']"  # the Bra! for Lena's article
CANTEEN_KUDOS = "[data-tillit-kudos='demo-ola']"  # the Bra! for Ola's article
INJECTION = '<img src=x onerror="window.__pwned=1">'
BUDGET = "Takk for hjelpen med budsjettet"
SHOTS = SCREENSHOTS / "bell"


def give_bra(page, holder: str, message: str = "") -> None:
    if message:
        page.locator(f"{holder} summary").click()
        page.locator(f"{holder} textarea").fill(message)
    click_and_store(page, f"{holder} button")


def token_of(server, user: str) -> str:  # noqa: F811
    """The demo page mints its user's token into the widget script, as an intranet back end would."""
    import re
    html = requests.get(f"{server}/demo?user={user}", timeout=10).text
    return re.search(r'data-token="([^"]+)"', html).group(1)


def open_bell(browser, server, user: str, lang: str = "nb", width: int = 1000, scheme: str = "light"):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{server}/demo?user={user}&lang={lang}")
    page.wait_for_selector("[data-tillit-bell][data-unread]")
    page.locator("button.tillit-bell").click()
    page.wait_for_selector(".tillit-bell-panel .tillit-note, .tillit-bell-panel p")
    return page


def test_each_givers_bra_message_is_in_the_bell_as_text(browser, server):  # noqa: F811
    """Ola's and Siri's words with their Bra!s reach Lena's bell, each under the group, as text: the
    markup in Ola's is shown, never run; at 390 and 1440 px, light and dark, nb and en, axe-clean."""
    from axe_playwright_python.sync_playwright import Axe
    for giver, message in (("ola", INJECTION), ("siri", BUDGET)):
        page = open_demo(browser, server, giver)
        give_bra(page, WELCOME_KUDOS, message)
        page.close()
    assert wait_for(lambda: notifications_caught_up(server), timeout=30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang, lines in (("nb", [f"Siri Dahl ga deg Bra!: «{BUDGET}»", f"Ola Hansen ga deg Bra!: «{INJECTION}»"]),
                        ("en", [f"Siri Dahl gave you kudos: “{BUDGET}”", f"Ola Hansen gave you kudos: “{INJECTION}”"])):
        for width in (390, 1440):
            for scheme in ("light", "dark"):
                lena = open_bell(browser, server, "lena", lang, width, scheme)
                note = lena.locator(".tillit-note", has=lena.locator(".tillit-note-message")).first
                assert note.locator(".tillit-note-message").all_inner_texts() == lines
                assert lena.locator(".tillit-bell-panel img").count() == 0
                assert lena.evaluate("() => window.__pwned") is None
                lena.screenshot(path=str(SHOTS / f"bell-message-{lang}-{width}-{scheme}.png"))
                results = Axe().run(lena, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
                assert results.violations_count == 0, results.generate_report()
                lena.context.close()


def test_escape_closes_the_bell_and_gives_focus_back(browser, server):  # noqa: F811
    kari = open_bell(browser, server, "kari")
    bell, panel = kari.locator("button.tillit-bell"), kari.locator(".tillit-bell-panel")
    assert bell.get_attribute("aria-expanded") == "true" and panel.is_visible()
    inside = ".tillit-bell-panel a, .tillit-bell-panel button"
    for focused in ("button.tillit-bell", inside):  # on the bell, then inside the panel
        if not panel.is_visible():
            bell.click()  # it opens on the last list and is redrawn when the fresh one arrives
            kari.wait_for_load_state("networkidle")  # so the link focused next is the fresh list's
        kari.locator(focused).first.focus()
        assert kari.evaluate(f"() => document.activeElement.matches({focused!r})")
        kari.keyboard.press("Escape")
        assert bell.get_attribute("aria-expanded") == "false"
        assert panel.is_hidden()
        assert bell.evaluate("b => b === document.activeElement")
    kari.context.close()


def test_mark_all_read_is_offered_only_while_something_is_unread(browser, server):  # noqa: F811
    read_all(server, "siri")  # her pulse invitation read; nobody did anything to Siri's things
    siri = open_bell(browser, server, "siri")
    assert siri.locator(".tillit-bell-panel .tillit-note").count() == 1
    assert siri.locator(".tillit-bell-panel button").count() == 0  # nothing to mark read
    siri.screenshot(path=str(SHOTS / "bell-all-read.png"))
    siri.context.close()
    ola = open_demo(browser, server, "ola")
    give_bra(ola, "[data-tillit-kudos='demo-kari']")  # something unread for Kari
    ola.close()
    assert wait_for(lambda: notifications_caught_up(server), timeout=30)
    kari = open_bell(browser, server, "kari")
    mark_all = kari.locator(".tillit-bell-panel button", has_text="Merk alle som lest")
    assert mark_all.is_visible()
    mark_all.click()
    kari.wait_for_selector("[data-tillit-bell][data-unread='0']")
    assert mark_all.count() == 0
    assert kari.locator("button.tillit-bell").evaluate("b => b === document.activeElement")
    kari.keyboard.press("Escape")
    kari.locator("button.tillit-bell").click()
    kari.wait_for_selector(".tillit-bell-panel .tillit-note")
    assert kari.locator(".tillit-bell-panel button").count() == 0
    kari.context.close()


def test_a_bra_is_given_once_even_after_a_reload_and_counted_once_over_http(browser, server):  # noqa: F811
    """Kari's Bra! to Ola shows as given after a reload and sends nothing more; Siri's client sending
    twice (two ids) over HTTP counts once, and Ola's bell names each giver once."""
    kari = open_demo(browser, server, "kari")
    button = kari.locator(f"{CANTEEN_KUDOS} button")
    assert button.get_attribute("aria-pressed") == "false"
    give_bra(kari, CANTEEN_KUDOS, "Fin artikkel")
    assert wait_for(lambda: caught_up(server) and notifications_caught_up(server), timeout=30)
    kari.reload()
    kari.wait_for_selector(f"{CANTEEN_KUDOS} .tillit-count[data-value='1']")
    assert button.get_attribute("aria-pressed") == "true"
    assert kari.locator(f"{CANTEEN_KUDOS} .tillit-kudos-message").is_hidden()
    kari.locator("#news-canteen").screenshot(path=str(SHOTS / "bra-given-after-reload.png"))
    button.click()  # sending would count it up at once, before any request
    assert button.get_attribute("aria-pressed") == "true"
    assert kari.locator(f"{CANTEEN_KUDOS} .tillit-count").get_attribute("data-value") == "1"

    siri = {"Authorization": f"Bearer {token_of(server, 'siri')}"}
    now = datetime.now(UTC).isoformat()
    for n in (1, 2):  # a client that sends twice, each time with a new id (the same time: the lower id counts)
        event = {"id": f"twice-{n}", "type": "kudos.given", "time": now, "source": "test",
                 "target": {"kind": "person", "id": "demo-ola", "owner": "demo-ola"},
                 "data": {"about": "article:news-canteen", "message": f"Takk nr. {n}"}}
        assert requests.post(f"{server}/v1/events", json=event, headers=siri, timeout=10).status_code == 202
    assert wait_for(lambda: caught_up(server) and notifications_caught_up(server), timeout=30)
    counts = requests.get(f"{server}/v1/targets?t=article:news-canteen&t=person:demo-ola", headers=siri,
                          timeout=10).json()["targets"]
    assert [(c["kudos"], c["kudos_by_me"]) for c in counts][0] == (2, True)
    assert counts[1]["kudos_by_me"] is True  # a second Bra! to Ola this month would not count
    ola = {"Authorization": f"Bearer {token_of(server, 'ola')}"}
    (bra,) = [i for i in requests.get(f"{server}/v1/notifications", headers=ola, timeout=10).json()["items"]
              if i["kind"] == "kudos"]
    assert bra["count"] == 2 and [m["text"] for m in bra["messages"]] == [
        "Siri Dahl ga deg Bra!: «Takk nr. 1»", "Kari Nordmann ga deg Bra!: «Fin artikkel»"]


def test_nobody_is_offered_a_bra_to_themselves_and_the_server_refuses_one(browser, server):  # noqa: F811
    """Ola's own article shows its Bra! count but no button to press; a client that sends one
    anyway is refused (422 naming target.id), so no self-Bra! shows on a count."""
    ola = open_demo(browser, server, "ola")
    ola.wait_for_selector(f"{CANTEEN_KUDOS}[data-self='true'] .tillit-count[data-value]")
    assert ola.locator(f"{CANTEEN_KUDOS} button").count() == 0
    assert ola.locator(f"{CANTEEN_KUDOS} .tillit-kudos-message").count() == 0
    kari = open_demo(browser, server, "kari")
    assert kari.locator(f"{CANTEEN_KUDOS} button").is_visible()  # anyone else is offered it
    event = {"id": "to-myself", "type": "kudos.given", "time": datetime.now(UTC).isoformat(), "source": "test",
             "target": {"kind": "person", "id": "demo-ola", "owner": "demo-ola"},
             "data": {"about": "article:news-canteen"}}
    answer = requests.post(f"{server}/v1/events", json=event, timeout=10,
                           headers={"Authorization": f"Bearer {token_of(server, 'ola')}"})
    assert answer.status_code == 422 and answer.headers["Content-Type"] == "application/problem+json"
    assert "target.id" in str(answer.json()), answer.json()
