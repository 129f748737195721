"""The leaders' awards page in headless Chromium against a real `engagement serve --demo`: winners as
cards with the facts in words (never a decimal score, never "0 kolleger i 0 team"), the announcement
previewed as it will look and copied as Markdown, HTML or for Teams, finalising only after a
confirmation, refusals in the page's language, and the page at three widths, light and dark, nb and en."""
from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.conftest import wait_for
from tests.e2e.test_design_browser import SHOTS, WIDTHS
from tests.e2e.test_widget_browser import SERVER_INSTANCE, WCAG_21_AA, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MONTH = "2026-10"
PAGE = "[data-tillit-awards]"
WCAG_AND_BEST_PRACTICE = [*WCAG_21_AA, "best-practice"]


def months_around_now() -> tuple[str, str]:
    """This month and the next in the server's time zone (ENGAGEMENT_TIMEZONE's default)."""
    now = datetime.now(ZoneInfo("Europe/Oslo"))
    following = (now.year + now.month // 12, now.month % 12 + 1)
    return f"{now.year}-{now.month:02d}", f"{following[0]}-{following[1]:02d}"


@pytest.fixture(scope="module")
def leader_key(server):  # noqa: F811
    return seed(server)


def seed(base: str) -> str:
    """October's events of the awards' unit tests, counted: a key that may manage awards."""
    from tests.services import run_cli
    from tests.unit.test_awards import PEOPLE, TEAMS, october
    key = run_cli(["keys", "create", "--name", "hr", "--scope", "directory:write", "--scope", "events:write",
                   "--scope", "awards:manage"], {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[base]})
    headers = {"Authorization": f"Bearer {key}"}
    # the demo loads its made-up intranet first: it refuses to mix with a directory it did not make
    assert requests.get(f"{base}/demo/awards?user=lena", timeout=30).status_code == 200
    people = [{"id": demo(p), "name": p.capitalize(), "team": demo(t), "leaderboard_opt_out": p == "ivar"}
              for p, t in PEOPLE.items()]
    teams = [{**team, "id": demo(team["id"])} for team in TEAMS]
    assert requests.post(f"{base}/v1/directory/sync", json={"mode": "delta", "teams": teams, "people": people,
                                                            "as_of": "2026-01-01T00:00:00Z"},
                         headers=headers, timeout=10).status_code == 200
    events = in_demo(october())
    for start in range(0, len(events), 100):
        assert requests.post(f"{base}/v1/events/batch", json={"events": events[start:start + 100]},
                             headers=headers, timeout=10).status_code == 202
    assert wait_for(lambda: requests.get(f"{base}/readyz", timeout=5).json()["consumer_lag"]["awards"] == 0)
    return key


def demo(name: str) -> str:
    """An id in the demo's namespace: the demo refuses a database holding people or teams it did not make."""
    return f"demo-{name}"


def in_demo(events: list[dict]) -> list[dict]:
    """The awards' unit-test events with their people in the demo's namespace."""
    def moved(event: dict) -> dict:
        target = {**event["target"], "owner": demo(event["target"]["owner"])}
        if target["kind"] == "person":
            target["id"] = demo(target["id"])
        return {**event, "actor": demo(event["actor"]), "target": target}
    return [moved(e) for e in events]


def api(base: str, key: str, path: str) -> requests.Response:
    return requests.get(f"{base}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=10)


def open_page(browser, server, user="lena", lang="nb", month=MONTH, width=1024, scheme="light", clipboard=False):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                  permissions=["clipboard-read", "clipboard-write"] if clipboard else [])
    page = context.new_page()
    page.goto(f"{server}/demo/awards?user={user}&lang={lang}&month={month}")
    page.wait_for_selector(f"{PAGE}[data-state]")
    return page


def test_winners_are_cards_with_the_facts_in_words_and_no_decimals(browser, server, leader_key):  # noqa: F811
    page = open_page(browser, server)
    widget = page.locator(PAGE)
    assert widget.get_attribute("data-state") == "provisional"
    # October is over: not finalised yet, and no longer counting
    assert widget.locator(".tillit-award-status").inner_text() == "Avsluttet – ikke fastsatt ennå"
    scores = api(server, leader_key, f"/v1/awards/{MONTH}").json()["result"]["categories"]
    # there are decimals to hide
    assert any(p["score"] != int(p["score"]) for podium in scores.values() for p in podium)
    text = widget.inner_text()
    assert not re.search(r"\d[.,]\d", text), text  # "Ola Hansen (6.75)" was the bug
    assert " 0 " not in text and "0 kolleger" not in text
    appreciated = widget.locator(".tillit-award-card[data-category='appreciated']")
    assert appreciated.locator(".tillit-award-name").inner_text() == "Anna"
    assert appreciated.locator(".tillit-avatar").get_attribute("role") == "img"
    assert appreciated.locator(".tillit-avatar").get_attribute("aria-label") == "Anna"
    assert appreciated.locator(".tillit-award-facts").inner_text() == "2 bidrag, anerkjent av 4 kolleger i 4 team"
    assert appreciated.locator(".tillit-award-runners").inner_text() == "Også verdt å nevne: Finn, Gro"
    developer = widget.locator(".tillit-award-card[data-category='idea_developer'] .tillit-award-facts")
    assert developer.inner_text() == "1 bidrag; bygde videre på 1 idé, 1 tatt i bruk"  # Eva: nobody recognised her
    assert widget.locator("textarea").count() == 0  # the monospace box is gone
    preview = widget.locator(".tillit-announcement-preview")
    assert preview.locator("h3").inner_text() == "Månedens bidragsytere – oktober 2026"
    assert "monospace" not in preview.evaluate("p => getComputedStyle(p).fontFamily")
    assert "Ivar" not in text  # opted out


def test_english_cards_say_the_plurals_in_english(browser, server, leader_key):  # noqa: F811
    page = open_page(browser, server, lang="en")
    facts = page.locator(".tillit-award-card[data-category='appreciated'] .tillit-award-facts").inner_text()
    assert facts == "2 contributions, recognised by 4 colleagues in 4 teams"


def test_copy_as_markdown_html_and_for_teams(browser, server, leader_key):  # noqa: F811
    page = open_page(browser, server, clipboard=True)
    markdown = api(server, leader_key, f"/v1/awards/{MONTH}/announcement?lang=nb&format=markdown").text
    html = api(server, leader_key, f"/v1/awards/{MONTH}/announcement?lang=nb&format=html").text
    copied = {}
    for kind in ("markdown", "html", "teams"):
        page.evaluate("navigator.clipboard.writeText('')")
        page.locator(f"button[data-copy='{kind}']").click()
        page.wait_for_function("() => document.querySelector('[data-for=announcement]').textContent")
        assert page.locator(f"{PAGE} [data-for=announcement]").inner_text().startswith("Kopiert")
        copied[kind] = page.evaluate("navigator.clipboard.readText()")
    assert copied["markdown"] == markdown
    # pasted into an intranet page it sits under that page's own title: never a second h1
    assert copied["markdown"].startswith("## Månedens bidragsytere") and "\n### Månedens bidragsyter\n" in markdown
    assert copied["html"] == html and copied["html"].startswith("<h2>Månedens bidragsytere")
    assert "<h1" not in copied["html"] and "<h3>Månedens mest verdsatte kollega</h3>" in copied["html"]
    teams = copied["teams"]
    assert teams.startswith("**Månedens bidragsytere – oktober 2026**")
    assert not re.search(r"^#", teams, re.M)  # Teams shows no headings: they are bold lines
    assert "- Anna – 2 bidrag, anerkjent av 4 kolleger i 4 team" in teams


def test_the_page_at_three_widths_light_and_dark_nb_and_en_is_axe_clean(browser, server, leader_key):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            for lang in ("nb", "en"):
                page = open_page(browser, server, lang=lang, width=width, scheme=scheme)
                page.screenshot(path=str(SHOTS / f"demo-awards-{width}-{scheme}-{lang}.png"), full_page=True)
                results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AND_BEST_PRACTICE}})
                if results.violations_count:
                    problems.append(f"{width} {scheme} {lang}: {results.generate_report()}")
                assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{width} {scheme} {lang}"
                if width == 390:  # on a phone the cards stack
                    tops = page.locator(".tillit-award-card").evaluate_all(
                        "cards => cards.map(c => c.getBoundingClientRect().top)")
                    assert tops == sorted(tops) and len(set(tops)) == 3
                page.context.close()
    assert not problems, "\n".join(problems)


def test_an_empty_month_says_so_and_warns_before_finalising(browser, server, leader_key):  # noqa: F811
    page = open_page(browser, server, month="2026-09")
    empty = "Ingen er telt med for denne måneden. Fastsetter du den nå, låses et tomt resultat."
    assert page.locator(f"{PAGE} [data-empty]").inner_text() == empty
    # the month is over: nothing more is coming
    assert page.locator(".tillit-award-card .tillit-muted").all_inner_texts() == ["Ingen denne gangen"] * 3
    page.locator("button[data-action='finalise']").click()
    dialog = page.locator("dialog[open]")
    assert empty in dialog.inner_text() and "september 2026" in dialog.inner_text()
    dialog.locator("button", has_text="Avbryt").click()
    assert api(server, leader_key, "/v1/awards/2026-09").json()["status"] == "provisional"


def test_someone_who_is_not_a_leader_is_told_so_in_norwegian(browser, server, leader_key):  # noqa: F811
    page = open_page(browser, server, user="kari")
    assert page.locator(PAGE).get_attribute("data-state") == "offline"
    assert page.locator(f"{PAGE} [role=alert]").inner_text() == "Du har ikke lov til å gjøre dette."


def test_finalising_asks_first_cancel_and_escape_keep_it_open_confirm_freezes(browser, server, leader_key):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    page = open_page(browser, server)
    button = page.locator("button[data-action='finalise']")

    def status() -> str:
        return api(server, leader_key, f"/v1/awards/{MONTH}").json()["status"]

    button.click()  # one click no longer finalises: it asks
    dialog = page.locator("dialog[open]")
    assert "Fastsette oktober 2026?" in dialog.inner_text() and "Dette kan ikke angres." in dialog.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Avbryt"  # the safe choice has the focus
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "demo-awards-confirm-1024-light-nb.png"))
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()
    page.keyboard.press("Escape")
    assert page.locator("dialog").count() == 0
    assert page.evaluate("document.activeElement.dataset.action") == "finalise"  # focus back where it was
    assert status() == "provisional"

    button.click()
    page.locator("dialog[open] button", has_text="Avbryt").click()
    assert status() == "provisional"

    button.click()
    page.locator("dialog[open] button", has_text="Fastsett").click()
    page.wait_for_selector(f"{PAGE}[data-state='final']")
    assert status() == "final"
    widget = page.locator(PAGE)
    assert widget.locator(".tillit-award-status").inner_text() == "Endelig"
    assert widget.locator("button[data-action='finalise']").count() == 0
    assert widget.locator("[data-for=month]").inner_text() == "Resultatet er frosset."
    # the frozen winners, not "Ingen ennå"
    assert widget.locator(".tillit-award-card[data-category='appreciated'] .tillit-award-name").inner_text() == "Anna"
    assert "Ingen ennå" not in widget.inner_text()
    finalised_on = widget.locator(".tillit-stack > p.tillit-muted").first.inner_text()
    assert re.fullmatch(r"Fastsatt \d+\. \w+ \d{4}", finalised_on), finalised_on
    page.screenshot(path=str(SHOTS / "demo-awards-final-1024-light-nb.png"), full_page=True)


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory):
    """A second `engagement serve --demo` with one Teams channel, received by a local server."""
    from tests.receivers import Receiver
    from tests.services import Service, free_port, wait_until_healthy
    with Receiver() as teams:
        instance = tmp_path_factory.mktemp("awards-chat")
        port = free_port()
        env = {"ENGAGEMENT_INSTANCE_PATH": str(instance), "ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE": "true",
               "ENGAGEMENT_CHAT_CHANNELS": json.dumps({"teams-alle": {"kind": "teams", "url": teams.url}})}
        service = Service(["serve", "--demo", "--port", str(port)], env, instance / "serve.log").start()
        base = f"http://127.0.0.1:{port}"
        SERVER_INSTANCE[base] = str(instance)
        wait_until_healthy(base)
        yield base, teams
        service.terminate()


def test_a_final_month_is_published_to_a_configured_channel_by_name(browser, chat_server):  # noqa: F811
    base, teams = chat_server
    seed(base)
    page = open_page(browser, base)
    assert page.locator(f"{PAGE} select").count() == 0  # not before the month is final
    page.locator("button[data-action='finalise']").click()
    page.locator("dialog[open] button", has_text="Fastsett").click()
    page.wait_for_selector(f"{PAGE}[data-state='final']")
    assert page.locator(f"{PAGE} select option").all_inner_texts() == ["teams-alle"]  # the name, never the address
    assert teams.url not in page.content()
    page.locator("button", has_text="Publiser i kanal").click()
    said = "() => document.querySelector('[data-for=announcement]').textContent"
    page.wait_for_function(said + ".startsWith('Publisert')")
    assert page.locator("[data-for=announcement]").inner_text() == "Publisert i teams-alle."
    assert len(teams.received) == 1 and "oktober 2026" in json.dumps(teams.received[0].json(), ensure_ascii=False)
    page.locator("button", has_text="Publiser i kanal").click()
    page.wait_for_function(said + ".startsWith('Allerede')")
    assert len(teams.received) == 1


def test_the_badge_says_where_the_month_stands(browser, server, leader_key):  # noqa: F811
    """"Still counting" only for the month in progress; a month that is over but not final says so,
    and one that has not begun says that."""
    this_month, next_month = months_around_now()
    expected = {this_month: ("running", "Foreløpig – teller fortsatt"),
                next_month: ("future", "Ikke begynt ennå"),
                "2026-09": ("ended", "Avsluttet – ikke fastsatt ennå")}
    for month, (period, badge) in expected.items():
        page = open_page(browser, server, month=month)
        status = page.locator(f"{PAGE} .tillit-award-status")
        assert (status.get_attribute("data-period"), status.inner_text()) == (period, badge), month
        assert api(server, leader_key, f"/v1/awards/{month}").json()["period"] == period
        page.context.close()


def test_finalising_is_offered_only_once_a_month_has_ended(browser, server, leader_key):  # noqa: F811
    this_month, next_month = months_around_now()
    for month in (this_month, next_month):
        page = open_page(browser, server, month=month)
        assert page.locator("button[data-action='finalise']").count() == 0, month
        assert page.locator(f"{PAGE} [data-not-over]").inner_text() == "Du kan fastsette måneden når den er over."
        page.context.close()
        # the server refuses too, as a problem in JSON, and the month stays provisional
        refused = requests.post(f"{server}/v1/awards/{month}/finalise",
                                headers={"Authorization": f"Bearer {leader_key}"}, timeout=10)
        assert refused.status_code == 409 and refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json()["title"] == "Month not over"
        assert api(server, leader_key, f"/v1/awards/{month}").json()["status"] == "provisional"
    page = open_page(browser, server, month="2026-09")  # over: offered
    assert page.locator("button[data-action='finalise']").count() == 1


def test_a_month_finalised_with_nobody_says_nobody_this_time_at_once(browser, server, leader_key):  # noqa: F811
    """The frozen result is shown from the server's answer as soon as the month is final; an empty
    category then says "Ingen denne gangen", never "Ingen ennå" (nothing more is coming)."""
    page = open_page(browser, server, month="2026-08")
    page.locator("button[data-action='finalise']").click()
    page.locator("dialog[open] button", has_text="Fastsett").click()
    page.wait_for_selector(f"{PAGE}[data-state='final']")
    cards = page.locator(".tillit-award-card .tillit-muted").all_inner_texts()
    assert cards == ["Ingen denne gangen"] * 3, cards
    assert api(server, leader_key, "/v1/awards/2026-08").json()["status"] == "final"


LONG_NAME = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewarenwohlgepflegt"


def test_a_very_long_name_stays_inside_its_card_on_a_phone(browser, server, leader_key):  # noqa: F811
    """Bug: a name without a place to break ran out of the winner's card and the page grew sideways."""
    from tests.unit.test_awards import ev
    headers = {"Authorization": f"Bearer {leader_key}"}
    assert requests.post(f"{server}/v1/directory/sync", json={"mode": "delta", "people": [
        {"id": demo("wolfe"), "name": LONG_NAME, "team": demo("A")}]}, headers=headers, timeout=10).status_code == 200
    june = "2026-06-{day:02d}T12:00:00+02:00"
    events = [ev("content.published", "wolfe", "article:w1", "wolfe", june.format(day=2), content_kind="article",
                 title="W")]
    events += [ev("like.added", p, "article:w1", "wolfe", june.format(day=3)) for p in ("bo", "cy", "dag", "eva")]
    assert requests.post(f"{server}/v1/events/batch", json={"events": in_demo(events)}, headers=headers,
                         timeout=10).status_code == 202
    assert wait_for(lambda: requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["awards"] == 0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, scheme in ((390, "light"), (390, "dark"), (1440, "light")):
        page = open_page(browser, server, month="2026-06", width=width, scheme=scheme)
        names = page.locator(".tillit-award-name", has_text=LONG_NAME[:20])
        assert names.count() >= 1
        page.screenshot(path=str(SHOTS / f"demo-awards-long-name-{width}-{scheme}-nb.png"), full_page=True)
        outside = page.locator(".tillit-award-card").evaluate_all(
            "cards => cards.filter(c => c.scrollWidth > c.clientWidth).length")
        assert outside == 0, f"{width} {scheme}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{width} {scheme}"
        page.context.close()


def test_the_announcement_of_a_month_not_over_says_nobody_yet_as_the_cards_do(browser, server, leader_key):  # noqa: F811
    """Bug: the cards said "Ingen ennå" while the announcement beside them said "Ingen denne gangen."."""
    _, next_month = months_around_now()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang, nobody in (("nb", "Ingen ennå"), ("en", "Nobody yet")):
        page = open_page(browser, server, month=next_month, lang=lang, width=390)
        page.screenshot(path=str(SHOTS / f"demo-awards-nobody-yet-390-light-{lang}.png"), full_page=True)
        assert page.locator(".tillit-award-card .tillit-muted").all_inner_texts() == [nobody] * 3
        preview = page.locator(".tillit-announcement-preview li").all_inner_texts()
        assert preview == [nobody + "."] * 3, preview
        page.context.close()
