"""The pulse results pages in headless Chromium: the leader's report and the heat map, on the demo's
planted organisation (a real `engagement serve --demo`), with axe-core and screenshots.

The demo's own closed pulse was answered through the service (engagement/demo/pulses.py); a second,
older one over the whole organisation is written here as the read model keeps its tallies, so the
heat map has a pulse with teams of every size and the trends two pulses."""
from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from engagement.db import utcnow
from engagement.pulses.model import Pulse, PulseComment, PulseRespondents, PulseTally
from tests.e2e.test_trust_browser import axe_clean
from tests.e2e.test_widget_browser import SCREENSHOTS, SERVER_INSTANCE, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KEYS = ["leader.respect_differences", "leader.safe_to_try", "leader.open_about_challenges",
        "climate.listen_openly", "climate.no_punishing_reactions"]
# team: how many answered, and the values they lean to (the planted "quiet" team feels less safe)
ANSWERS = {"healthy": (8, (4, 5)), "quiet": (6, (2, 3, 4)), "carried": (5, (3, 4, 5)), "drift": (3, (4,)),
           "tiny": (2, (5,)), "leaders": (1, (3,))}
PULSE = "demo-trygghet-1"
# What the quiet team wrote (the pulse has free text), and its leader and their manager, as released
COMMENTS = [("team", "Vi tar sjelden opp feil på møtene, og når noen gjør det, blir det stille."),
            ("team", "Det hjelper når lederen sier først hva hun selv har bommet på."),
            ("self", "Jeg vil bli flinkere til å spørre hva teamet mener før jeg bestemmer."),
            ("manager", "Hun lytter godt, men teamet trenger mer tid til å snakke sammen.")]


def plant(base: str) -> None:
    """A pulse over the whole planted organisation that closed yesterday, with its answers."""
    assert requests.get(f"{base}/demo/trust?user=siri&lang=nb", timeout=60).status_code == 200  # the org first
    engine = create_engine(f"sqlite:///{Path(SERVER_INSTANCE[base]) / 'engagement.sqlite3'}")
    pick = random.Random(20)
    with Session(engine) as session, session.begin():
        if session.get(Pulse, PULSE) is not None:
            return
        closes = utcnow() - timedelta(days=1)
        session.add(Pulse(id=PULSE, title="Psykologisk trygghet, høst", statements=KEYS, units=["demo-org"],
                          opens_at=closes - timedelta(days=14), closes_at=closes, created_by="demo-siri",
                          free_text=True))
        session.add_all(PulseComment(id=f"c{i}", pulse_id=PULSE, team_id="demo-quiet", wording=wording, text=text)
                        for i, (wording, text) in enumerate(COMMENTS))
        counts: dict[tuple[str, str, str, int], int] = {}
        for team, (n, lean) in ANSWERS.items():
            session.add(PulseRespondents(pulse_id=PULSE, team_id=f"demo-{team}", wording="team", answers=n))
            for _ in range(n):
                for key in KEYS:
                    value = 0 if pick.random() < 0.08 else pick.choice(lean)
                    cell = (f"demo-{team}", "team", key, value)
                    counts[cell] = counts.get(cell, 0) + 1
        for wording, values in (("self", (5, 4, 5, 4, 5)), ("manager", (4, 3, 4, 4, 3))):
            session.add(PulseRespondents(pulse_id=PULSE, team_id="demo-quiet", wording=wording, answers=1))
            for key, value in zip(KEYS, values, strict=True):
                counts[("demo-quiet", wording, key, value)] = 1
        session.add_all(PulseTally(pulse_id=PULSE, team_id=t, wording=w, statement=k, value=v, count=c)
                        for (t, w, k, v), c in counts.items())
    engine.dispose()


@pytest.fixture(scope="module")
def planted(server):  # noqa: F811
    plant(server)
    return server


def open_page(browser, base, path, width=1024, scheme="light", lang="nb"):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
    return page


def wider_than(page, width: int) -> list[str]:
    """The elements that reach past ``width`` without a scrolling box around them (none on a phone)."""
    return page.evaluate("""w => [...document.querySelectorAll('body *')].filter(e => {
        if (e.getBoundingClientRect().right <= w + 0.5) return false;
        for (let p = e.parentElement; p; p = p.parentElement) {
            if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return false;
        }
        return true;
    }).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""", width)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))  # the first screen, at its real size


def test_the_leaders_report_puts_the_team_beside_the_leader_and_the_manager(browser, planted):  # noqa: F811
    page = open_page(browser, planted, f"/demo/pulse-report?user=siri&pulse={PULSE}&team=demo-quiet", lang="en")
    page.wait_for_selector(".tillit-pulse-statement")
    cards = page.locator(".tillit-pulse-statement")
    assert cards.count() == len(KEYS)
    first = cards.first.locator(".tillit-pulse-compare")
    assert first.locator("thead th").all_inner_texts() == ["The team", "The leader's own answer",
                                                           "The leader's manager's answer"]
    assert first.locator("tbody tr").first.locator("td").nth(1).inner_text() == "5"  # the leader's own
    assert page.locator(".tillit-pulse-weak").count() >= 1  # the quiet team leans to 2-4
    guidance = page.locator(".tillit-pulse-weak .tillit-pulse-guidance").first
    guidance.locator("summary").click()
    assert "Go first" in guidance.inner_text()
    assert page.locator(".tillit-pulse-behaviour h3").inner_text().startswith("What the team does")
    assert page.locator(".tillit-pulse-signals dt").count() == 5
    # the pulse's days (the last two weeks) are quieter than the planted month: the trust report's flags for them
    assert "Little sharing" in page.locator(".tillit-pulse-flag-title").all_inner_texts()
    written = page.locator(".tillit-pulse-comments")
    assert written.locator("h3").inner_text() == "Comments, as written"
    assert sorted(written.locator(".tillit-pulse-comment-list:not(.tillit-pulse-comment-named) blockquote")
                  .all_inner_texts()) == sorted(text for wording, text in COMMENTS if wording == "team")
    assert written.locator("h4").all_inner_texts() == ["The leader's own comment (not anonymous)",
                                                       "The leader's manager's comment (not anonymous)"]
    shot(page, "pulse-leader-report-1024")
    axe_clean(page)


def test_the_leaders_report_on_a_phone_in_dark_mode_and_norwegian(browser, planted):  # noqa: F811
    page = open_page(browser, planted, f"/demo/pulse-report?user=siri&pulse={PULSE}&team=demo-quiet",
                     width=390, scheme="dark")
    page.wait_for_selector(".tillit-pulse-statement")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wider_than(page, 390)
    assert page.locator(".tillit-pulse-compare thead th").first.inner_text() == "Teamet"
    assert page.locator(".tillit-pulse-comments h3").inner_text() == "Kommentarer, slik de ble skrevet"
    page.locator(".tillit-pulse-comments").screenshot(path=str(SCREENSHOTS / "pulse-leader-report-comments.png"))
    shot(page, "pulse-leader-report-phone-dark")
    axe_clean(page)


def test_a_team_folded_for_too_few_answers_shows_nothing_of_its_own(browser, planted):  # noqa: F811
    page = open_page(browser, planted, f"/demo/pulse-report?user=siri&pulse={PULSE}&team=demo-tiny", lang="en")
    page.wait_for_selector(".tillit-pulse-statement")
    assert "counted together with Drift" in page.locator("main").inner_text()
    assert page.locator(".tillit-pulse-comments").count() == 0  # the quiet team's comments are its own group's
    axe_clean(page)


def test_a_leader_opens_their_own_teams_report_from_the_demo(browser, planted):  # noqa: F811
    """The demo's leader sees the page as the leader of the planted Siloen, whose team, whose own
    answers and whose manager's answered the demo's closed pulse through the service."""
    page = open_page(browser, planted, "/demo/pulse-report?user=lena", lang="en")
    page.wait_for_selector(".tillit-pulse-statement")
    assert page.locator("#tillit-pulse-choice option:checked").inner_text() == "Psykologisk trygghet i Drift · Siloen"
    cards = page.locator(".tillit-pulse-statement")
    assert cards.count() == 8 and cards.first.locator("h3").inner_text().startswith("My leader")
    compare = cards.first.locator(".tillit-pulse-compare tbody tr").first.locator("td").all_inner_texts()
    assert all(value != "–" for value in compare)  # the team, the leader's own and the manager's, side by side
    assert page.locator(".tillit-pulse-weak").count() >= 1  # the silo finds it hard to disagree
    shot(page, "pulse-leader-report-demo-leader")
    axe_clean(page)
    other = open_page(browser, planted, f"/demo/pulse-report?user=lena&pulse={PULSE}&team=demo-quiet", lang="en")
    other.wait_for_selector("[role=alert]")  # another team's report is not theirs
    assert other.locator("[role=alert]").inner_text() == "You do not have access to this report."


def test_the_heat_map_shows_shown_groups_names_the_folded_and_links_to_each_report(browser, planted):  # noqa: F811
    page = open_page(browser, planted, f"/demo/pulse-heatmap?user=siri&pulse={PULSE}", width=1024, lang="en")
    page.wait_for_selector(".tillit-heat-table tbody tr")
    rows = page.locator(".tillit-heat-table tbody th").all_inner_texts()
    assert any(r.startswith("Lite team") and "Counted in Drift" in r for r in rows)
    assert any(r.startswith("Drift") and "+ " in r for r in rows)  # the folded teams named under their group
    link = page.locator(".tillit-heat-table a", has_text="Stilnet")
    assert "team=demo-quiet" in link.get_attribute("href")
    page.wait_for_selector(".tillit-pulse-trends table")
    page.select_option("#tillit-pulse-heat-mode", "agreeing")
    assert "%" in page.locator(".tillit-heat-table tbody td").first.inner_text() or \
        page.locator(".tillit-heat-table tbody td").first.inner_text() == "–"
    with page.expect_download() as download:
        page.locator("button", has_text="Download CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.startswith("Team,Part of,Counted in,") and "Stilnet" in text
    shot(page, "pulse-heatmap-1024")
    axe_clean(page)


def test_the_heat_map_on_a_phone_in_dark_mode(browser, planted):  # noqa: F811
    page = open_page(browser, planted, f"/demo/pulse-heatmap?user=siri&pulse={PULSE}", width=390, scheme="dark")
    page.wait_for_selector(".tillit-pulse-trends table")
    # the tables scroll in their own boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wider_than(page, 390)
    shot(page, "pulse-heatmap-phone-dark")
    axe_clean(page)


def test_a_leader_may_not_open_the_heat_map(browser, planted):  # noqa: F811
    page = open_page(browser, planted, "/demo/pulse-heatmap?user=lena", lang="en")
    page.wait_for_selector("[role=alert]")
    assert "communications staff" in page.locator("[role=alert]").inner_text()
    axe_clean(page)


def best_practice_clean(page) -> None:
    """axe-core's best-practice rules too: landmarks with distinct names, among others."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["best-practice"]}})
    assert results.violations_count == 0, results.generate_report()


def test_communications_staff_pick_a_pulse_and_a_team_on_the_leaders_report(browser, planted):  # noqa: F811
    """Staff lead no team: the page lets them pick any closed pulse and any team of it, and never
    calls it their team."""
    page = open_page(browser, planted, "/demo/pulse-report?user=siri", lang="en")
    page.wait_for_selector(".tillit-pulse-statement")
    assert page.locator(".tillit-pulse-report h2").inner_text() == "Pulse results for a team"
    assert "your team" not in page.locator("main").inner_text().lower()
    page.select_option("#tillit-pulse-choice", PULSE)
    page.wait_for_selector("#tillit-pulse-team-choice option[value=demo-quiet]", state="attached")
    page.select_option("#tillit-pulse-team-choice", "demo-quiet")
    page.wait_for_function("(document.querySelector('.tillit-pulse-team') || {}).textContent?.includes('Stilnet')")
    assert page.locator(".tillit-pulse-statement").count() == len(KEYS)
    assert "team=demo-quiet" in page.url and f"pulse={PULSE}" in page.url
    shot(page, "pulse-leader-report-staff")
    axe_clean(page)
    best_practice_clean(page)


def test_the_heat_map_keeps_clear_of_the_window_edges_and_names_its_landmarks_apart(browser, planted):  # noqa: F811
    for width in (1280, 360):
        page = open_page(browser, planted, f"/demo/pulse-heatmap?user=siri&pulse={PULSE}", width=width, lang="en")
        page.wait_for_selector(".tillit-pulse-trends table")
        box = page.locator("main").bounding_box()
        if width == 1280:
            assert box["x"] >= 24 and box["x"] + box["width"] <= width - 24, box  # a margin on both sides
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wider_than(page, width)
        shot(page, f"pulse-heatmap-{width}")
        axe_clean(page)
        best_practice_clean(page)


def test_too_few_opinions_are_said_in_words_not_averaged(browser, planted):  # noqa: F811
    """Eight answered, four of them "don't know" on the first statement: its bar shows, its mean and
    share agreeing do not, in the leader's report and the heat map."""
    engine = create_engine(f"sqlite:///{Path(SERVER_INSTANCE[planted]) / 'engagement.sqlite3'}")
    unsure = "demo-trygghet-usikker"
    with Session(engine) as session, session.begin():
        if session.get(Pulse, unsure) is None:
            closes = utcnow() - timedelta(days=2)
            session.add(Pulse(id=unsure, title="Usikker puls", statements=KEYS[:2], units=["demo-healthy"],
                              opens_at=closes - timedelta(days=14), closes_at=closes, created_by="demo-siri"))
            session.add(PulseRespondents(pulse_id=unsure, team_id="demo-healthy", wording="team", answers=8))
            session.add_all([PulseTally(pulse_id=unsure, team_id="demo-healthy", wording="team", statement=KEYS[0],
                                        value=v, count=c) for v, c in ((0, 4), (4, 3), (2, 1))] +
                            [PulseTally(pulse_id=unsure, team_id="demo-healthy", wording="team", statement=KEYS[1],
                                        value=4, count=8)])
    engine.dispose()
    page = open_page(browser, planted, f"/demo/pulse-report?user=siri&pulse={unsure}&team=demo-healthy", lang="en")
    page.wait_for_selector(".tillit-pulse-statement")
    first = page.locator(".tillit-pulse-statement").first
    team = [row.locator("td").first.inner_text() for row in first.locator(".tillit-pulse-compare tbody tr").all()]
    assert team == ["Too few opinions", "Too few opinions", "8"]
    assert first.locator(".tillit-pulse-part").count() == 3 and "75 %" not in first.inner_text()
    assert page.locator(".tillit-pulse-weak").count() == 0
    shot(page, "pulse-leader-report-too-few-opinions")
    axe_clean(page)
    heat = open_page(browser, planted, f"/demo/pulse-heatmap?user=siri&pulse={unsure}", lang="en")
    heat.wait_for_selector(".tillit-heat-table tbody tr")
    cells = heat.locator(".tillit-heat-table tbody tr").first.locator("td").all_inner_texts()
    assert cells == ["Too few opinions", "4"]
    axe_clean(heat)
