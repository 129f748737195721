"""Every widget in headless Chromium on an intranet's own pages, as SharePoint, Omnia or a Flask app
embeds them: the page is served by the intranet (another origin than Tillit, which allows it by
ENGAGEMENT_CORS_ORIGINS), and the token comes from data-token, from the intranet's token URL (with
its session cookie) or from the page's own function (data-token-callback). Then tokens that run
out while the page is open, and refusals told in the page's language."""
from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import requests
from flask import Flask, abort, jsonify, make_response, request
from markupsafe import Markup, escape
from werkzeug.serving import make_server

from engagement.auth import mint_user_token
from tests.conftest import bearer
from tests.e2e.conftest import wait_for
from tests.e2e.test_widget_browser import WCAG_21_AA  # noqa: F401 - the fixture
from tests.services import Service, free_port, wait_until_healthy

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECRET = secrets.token_urlsafe(48)
SHOTS = Path("/tmp/tillit-token-modes")
ROLES = {"demo-lena": ("leader",), "demo-siri": ("communications",), "demo-kari": (), "demo-ola": ()}
MODES = ["token", "url", "callback"]
# A Bra! counts once a month per giver and person: Lena thanks someone else in each mode.
PRAISED = {"token": "demo-ola", "url": "demo-kari", "callback": "demo-siri"}
# The server takes a token up to 30 s past its exp (clock leeway): one minted this far in the past
# is good for about 15 s more, long enough to load a page, and then really refused.
SOON_STALE = -15
SCRIPT = {"token": 'data-token="{token}"', "url": 'data-token-url="/intranet/tillit-token"',
          "callback": 'data-token-callback="intranet.tillitToken"'}
# What SPFx's AadTokenProvider.getToken does: a Promise of the token string.
CALLBACK = """<script>
window.intranet = {calls: 0, tillitToken: function () {
  window.intranet.calls++;
  return fetch("/intranet/tillit-token", {credentials: "include"})
    .then(function (r) { return r.json(); }).then(function (b) { return b.token; });
}};
</script>"""
# What MSAL's acquireTokenSilent gives: {token, expiresOn}. Its first token claims an hour but the
# server's clock says it runs out in a few seconds: only the 401 tells the widget.
CALLBACK_STALE_FIRST = """<script>
window.intranet = {calls: 0, tillitToken: function () {
  var first = ++window.intranet.calls === 1;
  return fetch("/intranet/tillit-token" + (first ? "?stale=1" : ""), {credentials: "include"})
    .then(function (r) { return r.json(); })
    .then(function (b) { return {token: b.token, expiresOn: b.expiresOn && new Date(b.expiresOn)}; });
}};
</script>"""


@dataclass
class Intranet:
    url: str
    tillit: str
    minted: list[str] = field(default_factory=list)

    def token(self, person: str, ttl: int = 600) -> str:
        return mint_user_token(SECRET, person, ttl, ROLES[person])


def host_app(intranet: Intranet) -> Flask:
    """The intranet: its pages sign the visitor in with a cookie, and its token URL mints a
    Tillit token for whoever that cookie says (as an intranet back end does)."""
    app = Flask("intranet")

    @app.get("/intranet/<kind>")
    def page(kind: str):
        person, mode, lang = request.args["person"], request.args["mode"], request.args.get("lang", "nb")
        ttl = int(request.args.get("ttl", 600))
        token = intranet.token(person, ttl)
        script = "trust.js" if kind == "trust" else "widget.js"
        attributes = SCRIPT[mode].format(token=token)
        if "ttl" in request.args:
            attributes = attributes.replace("/intranet/tillit-token", f"/intranet/tillit-token?ttl={ttl}")
        body = {"widgets": WIDGETS, "trust": '<section data-tillit-trust aria-label="Tillit"></section>',
                "like": LIKE, "profile": '<div data-tillit-profile="{other}"></div>',
                "campaign": '<section data-tillit-campaign="{other}" aria-label="Ideas"></section>',
                "bell": '<span data-tillit-bell></span><div data-tillit-profile></div>'}[kind]
        html = PAGE.format(lang=lang, endpoint=intranet.tillit, script=script, attributes=Markup(attributes),
                           body=body.format(target=escape(request.args.get("target", "article:news-canteen")),
                                            other=escape(request.args.get("other", "")),
                                            praised=escape(request.args.get("praised", "demo-ola"))),
                           callback=Markup(CALLBACK_STALE_FIRST if "stale_first" in request.args else CALLBACK))
        response = make_response(html)
        response.set_cookie("intranet_session", person, httponly=True, samesite="Lax")
        return response

    @app.get("/intranet/tillit-token")
    def tillit_token():
        person = request.cookies.get("intranet_session")
        if person not in ROLES:
            abort(401)
        stale = "stale" in request.args
        token = intranet.token(person, SOON_STALE if stale else int(request.args.get("ttl", 600)))
        intranet.minted.append(token)
        if not stale:  # the widget reads the token's exp to know when to renew it
            return jsonify(token=token)
        return jsonify(token=token, expiresOn=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    return app


PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Intranet</title>
{callback}
<script src="{endpoint}/v1/{script}" {attributes} defer></script></head>
<body><main><h1>Intranet</h1>{body}</main></body></html>"""
LIKE = '<p>Kantina <span data-tillit-like="{target}" data-tillit-owner="demo-ola"></span></p>'
WIDGETS = """<header><span data-tillit-bell></span></header>
<p>Kantina <span data-tillit-like="{target}" data-tillit-owner="demo-ola"></span>
<span data-tillit-kudos="{praised}" data-tillit-about="{target}"></span></p>
<div data-tillit-profile></div>
<section data-tillit-campaign="demo-sharing" aria-label="Idea campaign"></section>
<section data-tillit-my-data aria-label="My data"></section>"""


@pytest.fixture(scope="module")
def intranet(tmp_path_factory):
    """A real `engagement serve --demo` (for the demo's people, Lena's campaign and the trust
    report's teams) and the intranet on another port: a cross-origin embedding."""
    folder = tmp_path_factory.mktemp("token-modes")
    host_port, port = free_port(), free_port()
    service = Service(["serve", "--demo", "--port", str(port)],
                      {"ENGAGEMENT_INSTANCE_PATH": str(folder), "ENGAGEMENT_TOKEN_SECRET": SECRET,
                       "ENGAGEMENT_CORS_ORIGINS": f"http://127.0.0.1:{host_port}"}, folder / "serve.log").start()
    tillit = f"http://127.0.0.1:{port}"
    wait_until_healthy(tillit)
    for demo_page in ("/demo", "/demo/trust"):  # the first visit loads the demo's organisation
        assert requests.get(tillit + demo_page, timeout=60).ok
    assert wait_for(lambda: caught_up(tillit), timeout=90)
    site = Intranet(f"http://127.0.0.1:{host_port}", tillit)
    server = make_server("127.0.0.1", host_port, host_app(site), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    service.terminate()


def caught_up(tillit: str) -> bool:
    return not any(requests.get(f"{tillit}/readyz", timeout=5).json()["consumer_lag"].values())


def open_page(browser, intranet: Intranet, kind: str, person: str, mode: str, **args):  # noqa: F811
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    query = "&".join(f"{k}={v}" for k, v in {"person": person, "mode": mode, **args}.items())
    page.goto(f"{intranet.url}/intranet/{kind}?{query}")
    return page


def events_posted(page) -> list[tuple[str, dict]]:
    """Every POST /v1/events the page sends: (its token, its body)."""
    sent: list[tuple[str, dict]] = []
    page.on("request", lambda r: sent.append((r.headers["authorization"].split()[1], json.loads(r.post_data)))
            if r.method == "POST" and r.url.endswith("/v1/events") else None)
    return sent


def posted(page, action, kind: str) -> dict:
    """Do ``action`` and wait for the service to take the event of ``kind`` (202); its body."""
    with page.expect_response(lambda r: r.url.endswith("/v1/events") and r.request.method == "POST"
                              and json.loads(r.request.post_data)["type"] == kind) as answer:
        action()
    assert answer.value.status == 202, answer.value.text()
    return json.loads(answer.value.request.post_data)


def sent_and_shown(page, action, kind: str) -> dict:
    """Send from the campaign, which then loads its list again by itself: wait for that too, so
    nothing is typed into a form about to be drawn anew."""
    with page.expect_response(lambda r: "/v1/campaigns/" in r.url and r.request.method == "GET"):
        event = posted(page, action, kind)
    page.wait_for_selector("[data-tillit-campaign][data-state='ready']")
    return event


def reload_campaign(page, intranet: Intranet, sort: str) -> None:
    """Once the service has counted everything, the campaign's list in ``sort`` order."""
    assert wait_for(lambda: caught_up(intranet.tillit), timeout=30)
    page.locator("[data-tillit-campaign] select").first.select_option(sort)
    page.wait_for_selector("[data-tillit-campaign][data-state='ready']")


def count(intranet: Intranet, target: str, what: str = "likes") -> int:
    answer = requests.get(f"{intranet.tillit}/v1/targets?t={target}", timeout=5,
                          headers=bearer(intranet.token("demo-kari")))
    return answer.json()["targets"][0][what]


def refused(intranet: Intranet, token: str) -> bool:
    return requests.get(f"{intranet.tillit}/v1/me", headers=bearer(token), timeout=5).status_code == 401


@pytest.mark.parametrize("mode", MODES)
def test_every_widget_works_in_each_token_mode(browser, intranet, mode):  # noqa: F811
    target, minted = f"article:modes-{mode}", len(intranet.minted)
    page = open_page(browser, intranet, "widgets", "demo-lena", mode, target=target, praised=PRAISED[mode])
    page.wait_for_selector("[data-tillit-like] .tillit-count[data-value]")
    for ready in ("[data-tillit-campaign]", "[data-tillit-profile]", "[data-tillit-bell]", "[data-tillit-my-data]"):
        page.wait_for_selector(f"{ready}[data-state='ready']")
    if mode != "token":  # six widgets asked at once: one token for all of them
        assert (page.evaluate("window.intranet.calls") if mode == "callback" else len(intranet.minted) - minted) == 1
    assert re.fullmatch(r"Profilen din er \d+ % komplett", page.locator("[data-tillit-profile] p").first.inner_text())
    assert page.locator("[data-tillit-bell]").get_attribute("data-unread") is not None

    posted(page, lambda: page.locator(f"[data-tillit-like='{target}'] button").click(), "like.added")
    posted(page, lambda: page.locator("[data-tillit-kudos] button").click(), "kudos.given")

    campaign = page.locator("[data-tillit-campaign]")
    title = f"Felles lunsj ({mode})"
    campaign.get_by_label("Tittel").fill(title)
    campaign.locator("form").first.get_by_label("Beskrivelse").fill("Én gang i måneden, på tvers av team.")
    idea = sent_and_shown(page, lambda: campaign.get_by_role("button", name="Send inn idéen").click(), "idea.submitted")
    assert idea["target"]["owner"] == "demo-lena"  # who the token names, as GET /v1/me said
    reload_campaign(page, intranet, "newest")
    ours = campaign.locator("li.tillit-idea", has=page.get_by_role("heading", name=title))
    ours.locator(".tillit-leader-action > summary", has_text="Svar som leder").click()  # closed until asked for
    answer_form = ours.locator("form", has=page.locator("select"))  # the leader's: a status to choose
    answer_form.locator("select").select_option("under_review")
    answer_form.locator("textarea").fill("Vi ser på det i januar.")
    sent_and_shown(page, lambda: answer_form.get_by_role("button", name="Lagre svaret").click(), "idea.answered")
    reload_campaign(page, intranet, "support")
    assert ours.locator(".tillit-answer").inner_text() == "Svar fra Lena Berg: Vi ser på det i januar."
    assert count(intranet, target) == 1 and count(intranet, target, "kudos") == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"widgets-{mode}.png"))
    if mode == "callback":
        from axe_playwright_python.sync_playwright import Axe
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        assert results.violations_count == 0, results.generate_report()
    page.close()

    trust = open_page(browser, intranet, "trust", "demo-siri", mode)
    trust.wait_for_selector("[data-tillit-trust][data-state]")
    assert trust.locator("[data-tillit-trust]").get_attribute("data-state") == "ready"
    assert trust.locator("tbody tr").count() > 5
    trust.close()


def test_a_token_renewed_before_it_expires(browser, intranet):  # noqa: F811
    """A 5-second token from the token URL: past its time, the next click first fetches a new one."""
    target = "article:renewed"
    page = open_page(browser, intranet, "like", "demo-kari", "url", ttl=5, target=target)
    sent = events_posted(page)
    page.wait_for_selector("[data-tillit-like] .tillit-count[data-value]")
    assert len(intranet.minted) >= 1
    first = intranet.minted[-1]
    expires = jwt.decode(first, options={"verify_signature": False})["exp"]
    assert wait_for(lambda: datetime.now(UTC).timestamp() > expires, timeout=30)
    posted(page, lambda: page.locator(f"[data-tillit-like='{target}'] button").click(), "like.added")
    assert intranet.minted[-1] != first and [token for token, _ in sent] == [intranet.minted[-1]]
    page.close()


def test_a_token_the_server_refuses_is_renewed_and_the_click_lands_once(browser, intranet):  # noqa: F811
    target = "article:refused-once"
    page = open_page(browser, intranet, "like", "demo-kari", "callback", stale_first=1, target=target)
    sent = events_posted(page)
    page.wait_for_selector("[data-tillit-like] .tillit-count[data-value]")
    assert page.evaluate("window.intranet.calls") == 1  # the page loaded with the first token
    stale = intranet.minted[-1]
    assert wait_for(lambda: refused(intranet, stale), timeout=60)  # the server's clock: it has expired
    with page.expect_response(lambda r: r.url.endswith("/v1/events") and r.status == 401), \
            page.expect_response(lambda r: r.url.endswith("/v1/events") and r.status == 202):
        page.locator(f"[data-tillit-like='{target}'] button").click()
    assert page.evaluate("window.intranet.calls") == 2
    assert [token for token, _ in sent] == [stale, intranet.minted[-1]]
    assert sent[0][1] == sent[1][1]  # the same event id: counted once
    assert page.locator(f"[data-tillit-like='{target}'] .tillit-status").inner_text() == ""
    assert wait_for(lambda: caught_up(intranet.tillit), timeout=30)
    assert count(intranet, target) == 1
    page.close()


def test_calls_refused_together_share_one_new_token(browser, intranet):  # noqa: F811
    """The bell and the profile both ask again at once ("tillit:refresh") with a token the server
    now refuses: both get a 401, the page's function is asked for one new token, and both retry."""
    page = open_page(browser, intranet, "bell", "demo-kari", "callback", stale_first=1)
    for ready in ("[data-tillit-profile]", "[data-tillit-bell]"):
        page.wait_for_selector(f"{ready}[data-state='ready']")
    stale = intranet.minted[-1]
    assert page.evaluate("window.intranet.calls") == 1
    assert wait_for(lambda: refused(intranet, stale), timeout=60)
    refusals: list[str] = []
    page.on("response", lambda r: refusals.append(r.url) if r.status == 401 else None)
    with page.expect_response(lambda r: "/unread-count" in r.url and r.status == 200), \
            page.expect_response(lambda r: "/profile-completion" in r.url and r.status == 200):
        page.evaluate("document.dispatchEvent(new Event('tillit:refresh'))")
    assert len(refusals) == 2 and page.evaluate("window.intranet.calls") == 2
    page.close()


def test_a_fixed_token_that_expired_asks_to_reload_the_page(browser, intranet):  # noqa: F811
    target = "article:fixed"
    page = open_page(browser, intranet, "like", "demo-kari", "token", ttl=SOON_STALE, target=target)
    sent = events_posted(page)
    page.wait_for_selector("[data-tillit-like] .tillit-count[data-value]")
    token = page.locator("script[data-token]").get_attribute("data-token")
    assert wait_for(lambda: refused(intranet, token), timeout=60)
    with page.expect_response(lambda r: r.url.endswith("/v1/events")) as answer:
        page.locator(f"[data-tillit-like='{target}'] button").click()
    assert answer.value.status == 401
    status = page.locator(f"[data-tillit-like='{target}'] .tillit-status")
    status.filter(has_text="Økten din er utløpt. Last inn siden på nytt for å fortsette.").wait_for()
    assert page.locator(f"[data-tillit-like='{target}'] button").get_attribute("aria-pressed") == "false"  # not kept
    assert len(sent) == 1  # nothing to renew: no second try
    page.close()


def test_refusals_are_said_in_the_pages_language_never_unavailable(browser, intranet):  # noqa: F811
    """Kari's token asks for Ola's profile progress (a real 403 from the server), for a campaign
    that does not exist (404), and for the trust report without the communications role (403)."""
    page = open_page(browser, intranet, "profile", "demo-kari", "url", other="demo-ola")
    page.wait_for_selector("[data-tillit-profile][data-state='offline']")
    text = page.locator("[data-tillit-profile] p").first.inner_text()
    assert text == "Du har ikke lov til å gjøre dette."
    assert page.locator("[data-tillit-profile] [role=progressbar]").is_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "forbidden-nb.png"))
    page.close()
    missing = open_page(browser, intranet, "campaign", "demo-kari", "token", other="no-such-campaign", lang="nn")
    missing.wait_for_selector("[data-tillit-campaign][data-state='offline']")
    assert missing.locator("[data-tillit-campaign]").inner_text() == "Fann det ikkje. Det kan vere fjerna."
    missing.close()
    trust = open_page(browser, intranet, "trust", "demo-kari", "callback", lang="da")
    trust.wait_for_selector("[data-tillit-trust][data-state='offline']")
    refusal = trust.locator("[data-tillit-trust] [role='alert'] .tillit-error")
    assert refusal.inner_text() == "Du har ikke adgang til tillidsrapporten."
    trust.close()
