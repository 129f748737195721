"""The lottery widget in headless Chromium against a real `engagement serve --demo`: a person's
tickets in words ("Du har 3 lodd i november") with what each was for and what earns the next one,
counted again after colleagues recognise them; someone who contributed nothing is told to; the
rule and the month's commitment (short where it is read, whole where it is copied); why someone
is not in the draw; after the draw their ticket numbers and whether they won; and the widget at
three widths, light and dark, bokmål and English, axe-core clean."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.conftest import wait_for
from tests.e2e.test_design_browser import SHOTS, WIDTHS
from tests.e2e.test_widget_browser import SERVER_INSTANCE, WCAG_21_AA, server  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDGET = "[data-tillit-lottery]"
PANEL = "section[aria-labelledby='lottery-heading']"
NB_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")


def months() -> tuple[str, str]:
    """Last month and this month in the server's time zone (ENGAGEMENT_TIMEZONE's default)."""
    now = datetime.now(ZoneInfo("Europe/Oslo"))
    last = (now.year - (now.month == 1), (now.month - 2) % 12 + 1)
    return f"{last[0]}-{last[1]:02d}", f"{now.year}-{now.month:02d}"


def nb_name(month: str) -> str:
    """The month as the widget names it in bokmål: its name, with the year only for another year."""
    year, number = map(int, month.split("-"))
    return NB_MONTHS[number - 1] + ("" if year == datetime.now(ZoneInfo("Europe/Oslo")).year else f" {year}")


def token_of(base: str, user: str) -> str:
    """The demo page mints its user's token into the widget script, as an intranet back end would."""
    html = requests.get(f"{base}/demo?user={user}", timeout=30).text
    return re.search(r'data-token="([^"]+)"', html).group(1)


def api(base: str, user: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{base}{path}", headers={"Authorization": f"Bearer {token_of(base, user)}"},
                            timeout=10, **kwargs)


def counted(base: str) -> bool:
    return requests.get(f"{base}/readyz", timeout=5).json()["consumer_lag"]["awards"] == 0


def open_demo(browser, base, user="kari", lang="nb", width=1024, scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{base}/demo?user={user}&lang={lang}")
    page.wait_for_selector(f"{WIDGET}[data-state='ready'], {WIDGET}[data-state='drawn']")
    return page


def open_month(browser, base, month: str, user="kari", lang="nb", width=1024):
    """The widget for another month (data-tillit-month), on a page of its own with the user's token."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{base}/healthz")
    page.set_content(f"""<!doctype html><html lang="{lang}"><head><title>t</title></head><body><main>
      <section {WIDGET[1:-1]} data-tillit-month="{month}"></section>
      <script src="{base}/v1/widget.js" data-token="{token_of(base, user)}"></script></main></body></html>""")
    page.wait_for_selector(f"{WIDGET}[data-state='ready'], {WIDGET}[data-state='drawn']")
    return page


def axe_clean(page) -> None:
    from axe_playwright_python.sync_playwright import Axe
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # every part, as read
    results = Axe().run(page, context={"include": [[PANEL]]},
                        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def like(base: str, user: str, article: str, owner: str, key: str) -> None:
    event = {"id": f"lottery-test-{user}-{key}", "type": "like.added", "time": datetime.now(UTC).isoformat(),
             "source": "test", "target": {"kind": "article", "id": article, "owner": owner}}
    answer = api(base, user, "POST", "/v1/events", json=event)
    assert answer.status_code == 202, answer.text


def test_this_month_says_the_tickets_and_what_earns_the_next_then_counts_recognition(browser, server):  # noqa: F811
    _, this = months()
    page = open_demo(browser, server)
    widget = page.locator(WIDGET)
    # Kari published one of the demo's articles this month: her base ticket
    assert widget.locator(".tillit-lottery-count").inner_text() == f"Du har 1 lodd i {nb_name(this)}"
    assert widget.locator(".tillit-lottery-parts").inner_text() == "1 for å bidra"
    assert widget.locator(".tillit-lottery-next > p").inner_text() == "Ett av disse gir deg neste lodd:"
    assert widget.locator(".tillit-lottery-next li").all_inner_texts() == [
        "anerkjennelse fra 2 kolleger til som du ikke har anerkjent denne måneden",
        "å bygge videre på idéene til 2 kolleger til"]
    mine = api(server, "kari", "GET", "/v1/lottery/me").json()
    assert widget.locator(".tillit-lottery-short").get_attribute("title") == mine["commitment"]
    short = mine["commitment"][:8] + "…" + mine["commitment"][-8:]
    assert widget.locator(".tillit-lottery-short").inner_text() == short
    page.context.close()

    # Ola and Lena like her article; she likes nothing of theirs: two one-way recognisers, one ticket more
    for user in ("ola", "lena"):
        like(server, user, "news-sharing", "demo-kari", "now")
    assert wait_for(lambda: counted(server), timeout=30)
    page = open_demo(browser, server)
    widget = page.locator(WIDGET)
    assert widget.locator(".tillit-lottery-count").inner_text() == f"Du har 2 lodd i {nb_name(this)}"
    assert widget.locator(".tillit-lottery-parts li").all_inner_texts() == [
        "1 for å bidra", "1 for anerkjennelse fra 2 kolleger"]
    assert "anerkjennelse fra 2 kolleger til" in widget.locator(".tillit-lottery-next").inner_text()
    assert api(server, "kari", "GET", "/v1/lottery/me").json()["tickets"] == 2
    axe_clean(page)


def test_someone_who_contributed_nothing_is_told_how_to_get_a_ticket_in_english(browser, server):  # noqa: F811
    page = open_demo(browser, server, user="tor", lang="en")
    widget = page.locator(WIDGET)
    month = datetime.now(ZoneInfo("Europe/Oslo")).strftime("%B")
    assert widget.locator(".tillit-lottery-count").inner_text() == f"You have no tickets in {month} yet"
    assert widget.locator(".tillit-lottery-next").inner_text() == (
        "Contribute something this month to be in the draw: publish, submit an idea, build on an idea "
        "or write a comment.")
    assert widget.locator(".tillit-lottery-parts").count() == 0
    page.locator(f"{WIDGET} summary").click()
    rule = widget.locator(".tillit-lottery-rule-list li").all_inner_texts()
    assert rule[0].endswith("and you get 1 ticket.") and rule[5].startswith("At most 5 tickets each.")
    assert "One more for every 2 colleagues who recognise you" in rule[1]
    assert rule[3:5] == ["Building on ideas gives at most 2 tickets.",
                         "Support that only goes round a closed group of colleagues does not count."]


def test_last_month_in_each_language_with_the_rule_and_the_whole_commitment(browser, server):  # noqa: F811
    last, _ = months()
    record = api(server, "kari", "GET", f"/v1/lottery/{last}").json()
    assert record["period"] == "ended" and record["draw"] is None and len(record["commitment"]) == 64
    # the month has ended: its tickets are frozen, without how many colleagues they came from
    expected = {"nb": (f"Du har 3 lodd i {nb_name(last)}", ["1 for å bidra", "2 for anerkjennelse"],
                       "Vinnerne er ikke trukket ennå."),
                "nn": (f"Du har 3 lodd i {nb_name(last)}", ["1 for å bidra", "2 for anerkjenning"],
                       "Vinnarane er ikkje trekte enno."),
                "da": (f"Du har 3 lodder i {nb_name(last)}", ["1 for at bidrage", "2 for anerkendelse"],
                       "Vinderne er ikke trukket endnu.")}
    for lang, (count, parts, waiting) in expected.items():
        page = open_month(browser, server, last, lang=lang)
        widget = page.locator(WIDGET)
        assert widget.locator(".tillit-lottery-count").inner_text() == count, lang
        assert widget.locator(".tillit-lottery-parts li").all_inner_texts() == parts, lang
        assert waiting in widget.inner_text(), lang
        assert widget.locator(".tillit-lottery-next").count() == 0, lang  # the month is over: nothing more to earn
        widget.locator("summary").click()
        assert widget.locator("[data-hash=commitment]").inner_text() == record["commitment"], lang  # whole, to copy
        page.close()


def test_someone_taken_out_of_the_draw_is_told_why(browser, server):  # noqa: F811
    assert api(server, "lena", "PUT", "/v1/lottery/exclusions/demo-ola", json={"reason": "test"}).status_code == 200
    try:
        page = open_demo(browser, server, user="ola")
        why = page.locator(f"{WIDGET} .tillit-lottery-why")
        assert why.get_attribute("data-why-not") == "excluded"
        assert why.inner_text() == "Du er ikke med i trekningen: en leder har tatt deg ut av den."
        assert page.locator(f"{WIDGET} .tillit-lottery-next").count() == 0
        axe_clean(page)
    finally:
        assert api(server, "lena", "DELETE", "/v1/lottery/exclusions/demo-ola").status_code == 204
    page = open_demo(browser, server, user="ola")
    assert page.locator(f"{WIDGET} .tillit-lottery-why").count() == 0


def test_after_the_draw_the_person_sees_their_numbers_and_whether_they_won(browser, server):  # noqa: F811
    last, _ = months()
    drawn = api(server, "lena", "POST", f"/v1/lottery/{last}/draw", json={"winners": 2})
    assert drawn.status_code == 201, drawn.text
    draw = drawn.json()["draw"]
    winners = {w["person"] for w in draw["winners"]}
    for user, lang in (("kari", "nb"), ("ola", "en"), ("tor", "nb")):
        mine = api(server, user, "GET", f"/v1/lottery/me?month={last}").json()["draw"]
        page = open_month(browser, server, last, user=user, lang=lang)
        result = page.locator(f"{WIDGET} .tillit-lottery-result")
        text = result.inner_text()
        if mine["first_ticket"] is None:  # Tor contributed nothing: no ticket, no place in the draw
            assert text.endswith("Du hadde ingen lodd i denne trekningen.")  # and no "you did not win"
            assert result.locator("[data-outcome]").count() == 0
            page.close()
            continue
        numbers = f"{mine['first_ticket']}–{mine['last_ticket']}"
        assert (f"Loddene dine var nr. {numbers} av {draw['total_tickets']}." if lang == "nb"
                else f"Your tickets were nos. {numbers} of {draw['total_tickets']}.") in text
        won = f"demo-{user}" in winners
        assert result.locator("[data-outcome]").get_attribute("data-outcome") == ("won" if won else "lost"), user
        outcome = {("nb", True): "Du vant! Gratulerer.", ("nb", False): "Du vant ikke denne gangen.",
                   ("en", True): "You won! Congratulations.", ("en", False): "You did not win this time."}
        assert outcome[lang, won] in text
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(WIDGET).screenshot(path=str(SHOTS / f"lottery-widget-drawn-{user}-{lang}.png"))
        count = page.locator(f"{WIDGET} .tillit-lottery-count").inner_text()
        assert count.startswith("Du hadde" if lang == "nb" else "You had"), count
        page.close()


def test_someone_who_opted_out_of_public_lists_is_told_so(browser, server):  # noqa: F811
    from tests.services import run_cli
    key = run_cli(["keys", "create", "--name", "directory", "--scope", "directory:write"],
                  {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[server]})
    tor = {"id": "demo-tor", "name": "Tor Lund", "team": "demo-intranett", "role": "member",
           "leaderboard_opt_out": True}
    synced = requests.post(f"{server}/v1/directory/sync", json={"mode": "delta", "people": [tor]},
                           headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert synced.status_code == 200, synced.text
    page = open_demo(browser, server, user="tor", lang="en")
    why = page.locator(f"{WIDGET} .tillit-lottery-why")
    assert why.get_attribute("data-why-not") == "opted_out"
    assert why.inner_text() == "You are not in the draw: you have chosen not to appear in public lists and results."


def test_a_refused_token_is_said_in_the_page_language(browser, server):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{server}/healthz")
    page.set_content(f"""<!doctype html><html lang="nn"><head><title>t</title></head><body><main>
      <section {WIDGET[1:-1]}></section>
      <script src="{server}/v1/widget.js" data-token="not-a-token"></script></main></body></html>""")
    page.wait_for_selector(f"{WIDGET}[data-state='offline']")
    said = page.locator(f"{WIDGET} [role=alert]").inner_text()
    assert said == "Økta di er gått ut. Last inn sida på nytt for å halde fram."


def test_the_widget_at_three_widths_light_and_dark_nb_and_en_is_axe_clean(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            for lang in ("nb", "en"):
                page = open_demo(browser, server, lang=lang, width=width, scheme=scheme)
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                page.locator(PANEL).screenshot(path=str(SHOTS / f"lottery-widget-{width}-{scheme}-{lang}.png"))
                results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
                if results.violations_count:
                    problems.append(f"{width} {scheme} {lang}: {results.generate_report()}")
                assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{width} {scheme} {lang}"
                hash_box = page.locator(f"{WIDGET} [data-hash=commitment]")
                assert hash_box.evaluate("c => c.scrollWidth <= c.clientWidth"), f"{width} {scheme} {lang}"
                page.context.close()
    assert not problems, "\n".join(problems)
