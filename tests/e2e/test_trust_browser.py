"""The trust dashboard in headless Chromium, on the demo's synthetic organisation (a real `engagement serve`)."""
from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import wait_for
from tests.e2e.test_widget_browser import SCREENSHOTS, SERVER_INSTANCE, WCAG_21_AA, browser, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_dashboard(browser, server, user: str = "siri", lang: str = "nb"):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/demo/trust?user={user}&lang={lang}")  # the first visit loads the organisation
    assert wait_for(lambda: requests.get(f"{server}/readyz", timeout=5).json()["consumer_lag"]["trust"] == 0,
                    timeout=60)
    page.reload()
    page.wait_for_selector("[data-tillit-trust][data-state]")
    return page


def flags_of(page, team: str) -> list[str]:
    return page.locator(f"tr[data-team='demo-{team}'] details.tillit-flag").evaluate_all(
        "nodes => nodes.map(n => n.dataset.flag)")


def test_dashboard_shows_flags_sorts_filters_trends_and_exports(browser, server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    page = open_dashboard(browser, server)
    expected = {"quiet": ["declining"], "carried": ["one_person"], "leaders": ["quiet_leaders"], "silo": ["silo"],
                "low": ["low_sharing"], "ideas": ["unanswered_ideas"], "healthy": [], "drift": []}
    assert {team: flags_of(page, team) for team in expected} == expected
    assert page.locator("tr[data-team='demo-tiny']").inner_text().split("\t")[-1].strip() == "Telles i Drift"
    body = page.locator("body").inner_text()
    assert "Healthy 0" not in body and "Tiny 1" not in body  # nobody is named
    page.locator("tr[data-team='demo-carried'] summary").click()
    assert "83 %" in page.locator("tr[data-team='demo-carried'] .tillit-flag p").first.inner_text()

    page.locator(".tillit-sort[data-key='top_person_share']").click()
    order = page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.team)")
    assert order[:2] == ["demo-low", "demo-carried"]  # 100 % (one sharer of two contributions), then 83 %
    assert page.locator("th[aria-sort='descending'] .tillit-sort").get_attribute("data-key") == "top_person_share"
    page.select_option("#tillit-trust-flag", "silo")
    assert page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.team)") == ["demo-silo"]
    page.select_option("#tillit-trust-flag", "")
    page.fill("#tillit-trust-search", "stil")
    assert page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.team)") == ["demo-quiet"]

    page.locator("button.tillit-team[data-team='demo-quiet']").click()
    page.wait_for_selector(".tillit-chart svg polyline")
    assert page.locator(".tillit-trend h3").inner_text() == "Utvikling for Stilnet"
    with page.expect_download() as download:
        page.locator("button", has_text="Last ned CSV").click()
    csv_text = open(download.value.path(), encoding="utf-8").read()
    assert csv_text.startswith("team,name,parent,folded_into,members") and "demo-quiet" in csv_text

    page.fill("#tillit-trust-search", "")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "trust-dashboard.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()
    from tests.services import run_cli
    admin = run_cli(["keys", "create", "--name", "admin", "--scope", "audit:read"],
                    {"ENGAGEMENT_INSTANCE_PATH": SERVER_INSTANCE[server]})
    views = requests.get(f"{server}/v1/trust/audit", headers={"Authorization": f"Bearer {admin}"}, timeout=5).json()
    assert {(v["who"], v["view"]) for v in views["views"]} >= {("user:demo-siri", "json"), ("user:demo-siri", "csv"),
                                                               ("user:demo-siri", "trend")}


def test_a_person_without_the_communications_role_is_refused(browser, server):  # noqa: F811
    page = open_dashboard(browser, server, user="kari", lang="en")
    assert page.locator("[data-tillit-trust]").get_attribute("data-state") == "offline"
    assert "You do not have access to the trust report." in page.locator("[data-tillit-trust]").inner_text()
