"""The demo: absent unless asked for, visibly a demo, and never writing into someone else's directory."""
from __future__ import annotations

import jwt
import pytest
from sqlalchemy import func, select

from engagement.app import create_app
from engagement.auth import create_api_key
from engagement.directory.model import Person, Team
from engagement.ledger.model import LedgerEvent
from engagement.state import state
from tests.conftest import bearer, drain, like, migrated_app, sqlite_config

PAGES = ["/demo", "/demo?user=lena", "/demo/awards?user=lena", "/demo/trust?user=siri", "/demo/my-data?user=ola"]
# The banner's first words in each language: every demo page says it is a demo, in its own language.
BANNERS = {"nb": "Alle som åpner disse sidene, blir logget inn som en oppdiktet person.",
           "nn": "Alle som opnar desse sidene, blir logga inn som ein oppdikta person.",
           "da": "Alle, der åbner disse sider, bliver logget ind som en opdigtet person.",
           "en": "Anyone who opens these pages is signed in as a made-up person."}
BANNER = BANNERS["nb"]  # bokmål, the demo's default
REAL = {"mode": "full", "teams": [{"id": "helse", "name": "Helse", "parent": None}],
        "people": [{"id": "siri", "name": "Siri Real", "team": "helse", "role": "member",
                    "email": "siri@example.org"},
                   {"id": "kari", "name": "Kari Real", "team": "helse", "role": "member"}]}


@pytest.fixture
def demo_app(sqlite_template, tmp_path):
    application = migrated_app(sqlite_template, tmp_path / "demo", ENGAGEMENT_DEMO=True)
    yield application
    state(application).bus.close()


def key(app, scope: str) -> str:
    with app.app_context():
        session = state(app).db.session
        made = create_api_key(session, "intranet", [scope])
        session.commit()
    return made


def directory_rows(app) -> dict:
    """Every team and person as the directory holds them."""
    with app.app_context():
        session = state(app).db.session
        teams = {t.id: (t.name, t.parent_id) for t in session.scalars(select(Team))}
        people = {p.id: (p.name, p.team_id, p.role, p.email, p.active) for p in session.scalars(select(Person))}
        session.close()
    return {"teams": teams, "people": people}


def published(app) -> int:
    """Events on the bus, whether a consumer has applied them or not."""
    drain(app, ("ledger",))
    with app.app_context():
        return state(app).db.session.scalar(select(func.count()).select_from(LedgerEvent))


@pytest.mark.parametrize("path", PAGES)
def test_without_asking_for_the_demo_its_pages_are_404_and_write_nothing(app, client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert b"eyJ" not in answer.data  # no token of any kind
    assert directory_rows(app) == {"teams": {}, "people": {}}
    assert published(app) == 0
    assert app.config["ENGAGEMENT_DEMO"] is False


def test_asked_for_the_demo_loads_its_own_namespace_once_and_says_it_is_a_demo(demo_app):
    client = demo_app.test_client()
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.data[:300])
        assert BANNER in page.get_data(as_text=True), path
    rows = directory_rows(demo_app)
    ids = set(rows["teams"]) | set(rows["people"])
    assert len(ids) > 90 and all(i == "demo" or i.startswith("demo-") for i in ids)
    events = published(demo_app)
    assert events > 1000
    with demo_app.app_context():
        actors = set(state(demo_app).db.session.scalars(
            select(LedgerEvent.actor).where(LedgerEvent.type != "pulse.answered")))
    assert all(a.startswith("demo-") for a in actors)  # answers to the demo's pulses name nobody
    token = _token_in(client.get("/demo/trust?user=siri").get_data(as_text=True))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "demo-siri" and claims["roles"] == ["communications"]
    assert directory_rows(demo_app) == rows and published(demo_app) == events  # a second visit adds nothing


@pytest.mark.parametrize("path", PAGES)
def test_the_demo_refuses_a_directory_it_did_not_create(demo_app, path):
    client = demo_app.test_client()
    admin = key(demo_app, "directory:write")
    assert client.post("/v1/directory/sync", json=REAL, headers=bearer(admin)).status_code == 200
    before = directory_rows(demo_app)
    answer = client.get(path)
    assert answer.status_code == 409 and answer.mimetype == "application/problem+json"
    assert "did not make" in answer.json["detail"]
    assert b"eyJ" not in answer.data
    assert directory_rows(demo_app) == before
    assert published(demo_app) == 0


def test_the_demo_refuses_ids_in_its_namespace_that_it_did_not_create(demo_app):
    client = demo_app.test_client()
    planted = {"mode": "delta", "teams": [{"id": "demo-intranett", "name": "Ekte", "parent": None}],
               "people": [{"id": "demo-kari", "name": "Ekte Kari", "team": "demo-intranett", "role": "member"}]}
    admin = key(demo_app, "directory:write")
    assert client.post("/v1/directory/sync", json=planted, headers=bearer(admin)).status_code == 200
    before = directory_rows(demo_app)
    assert client.get("/demo").status_code == 409
    assert directory_rows(demo_app) == before


def test_the_demo_refuses_a_ledger_with_real_people_in_it(demo_app):
    client = demo_app.test_client()
    writer = key(demo_app, "events:write")
    assert client.post("/v1/events", json=like(actor="ola"), headers=bearer(writer)).status_code == 202
    assert published(demo_app) == 1
    answer = client.get("/demo/trust?user=siri")
    assert answer.status_code == 409 and "did not make" in answer.json["detail"]
    assert directory_rows(demo_app) == {"teams": {}, "people": {}}
    assert published(demo_app) == 1


@pytest.mark.parametrize("query,field", [("?user=mallory", "user"), ("?lang=xx", "lang")])
def test_a_demo_page_names_the_bad_parameter(demo_app, query, field):
    answer = demo_app.test_client().get("/demo" + query)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert [e["field"] for e in answer.json["errors"]] == [field]


def _token_in(page: str) -> str:
    start = page.index('data-token="') + len('data-token="')
    return page[start:page.index('"', start)]


def test_a_token_the_demo_mints_for_anyone_is_not_accepted_by_a_real_instance(demo_app, client):
    """A demo box started with the real instance's secret (one env file for both) hands every visitor
    a 'communications' and a 'leader' token: they are for the demo's own audience, which only an
    instance serving the demo takes."""
    pages = demo_app.test_client()
    comms = _token_in(pages.get("/demo/trust?user=siri").get_data(as_text=True))
    leader = _token_in(pages.get("/demo/awards?user=lena").get_data(as_text=True))
    operator = _token_in(pages.get("/demo/console?user=tor").get_data(as_text=True))
    assert jwt.decode(comms, options={"verify_signature": False})["aud"] == "tillit-demo"
    assert jwt.decode(operator, options={"verify_signature": False})["aud"] == "tillit-demo"
    assert pages.get("/v1/trust/report", headers=bearer(comms)).status_code == 200  # the demo itself takes it
    assert pages.get("/v1/keys", headers=bearer(operator)).status_code == 200  # the demo's operator, in the demo
    for token, path in ((comms, "/v1/trust/report"), (leader, "/v1/awards/2026-10"), (leader, "/v1/campaigns"),
                        (operator, "/v1/keys"), (operator, "/v1/moderation/reports")):
        answer = client.get(path, headers=bearer(token))  # the real instance, same secret, no demo
        assert answer.status_code == 401 and answer.mimetype == "application/problem+json", (path, answer.status_code)
        assert "aud" in answer.json["detail"] or "audience" in answer.json["detail"].lower()


def test_the_demo_pages_speak_the_language_they_declare(demo_app):
    """The page says lang="da" and is in Danish, profile form included (the catalogs of
    engagement/translations); bokmål, the default, reads as it always did."""
    pages = demo_app.test_client()
    danish = pages.get("/demo?user=kari&lang=da").get_data(as_text=True)
    assert '<html lang="da">' in danish and "Logget ind som" in danish and ">Billede</label>" in danish
    assert "Logget inn som" not in danish
    bokmal = pages.get("/demo/trust?user=siri").get_data(as_text=True)
    assert "<title>Tillit demo – tillitssignaler</title>" in bokmal and "Til forsiden" in bokmal


def test_the_demo_turned_on_after_start_up_takes_its_own_tokens(sqlite_template, tmp_path):
    """`engagement serve --demo`: the app starts without the demo and the command mounts it; the
    widgets on its pages must then work, not answer every call with 401."""
    from engagement.demo import api as demo_pages
    application = migrated_app(sqlite_template, tmp_path / "late")
    state(application)  # built at start-up, demo off
    demo_pages.install(application, application.config["ENGAGEMENT_URL_PREFIX"])
    pages = application.test_client()
    token = _token_in(pages.get("/demo?user=kari").get_data(as_text=True))
    answer = pages.get("/v1/me", headers=bearer(token))
    assert answer.status_code == 200 and answer.json["person"] == "demo-kari", answer.get_data(as_text=True)
    state(application).bus.close()


def _banner(page: str) -> str:
    """The banner's landmark, as the page has it."""
    start = page.index('<aside class="demo-banner"')
    return page[start:page.index("</aside>", start)]


@pytest.mark.parametrize("path", ["/demo?user=kari", "/demo/awards?user=lena", "/demo/trust?user=siri",
                                  "/demo/my-data?user=ola", "/demo/console?user=lena"])
@pytest.mark.parametrize("lang", BANNERS)
def test_the_banner_speaks_the_page_language_in_a_landmark_of_its_own(demo_app, path, lang):
    """Not English on a Norwegian page, and not outside every landmark: an aside named in the
    page's language, saying "Demo" first on every demo page."""
    page = demo_app.test_client().get(f"{path}&lang={lang}").get_data(as_text=True)
    banner = _banner(page)
    named = {"nb": "Om denne demoen", "nn": "Om denne demoen", "da": "Om denne demo", "en": "About this demo"}[lang]
    assert f'aria-label="{named}"' in banner and "<strong>Demo</strong>" in banner
    assert BANNERS[lang] in banner and "lang=" not in banner  # the page's own language, not lang="en"
    assert "<code>demo-</code>" in banner and "<code>engagement serve --demo</code>" in banner  # not &lt;code&gt;
    assert page.index(".demo-banner {") < page.index("<body")  # styled as a demo on every page, trust's too
    others = [text for other, text in BANNERS.items() if other != lang]
    assert not any(text in page for text in others)


@pytest.mark.parametrize("lang, names", [
    ("nb", ["Bilde", "Stillingstittel", "Om meg", "Kompetanse", "Språk", "Arbeidssted", "Spør meg om"]),
    ("en", ["Photo", "Job title", "About me", "Skills", "Languages", "Location", "Ask me about"])])
def test_the_profile_form_labels_name_the_fields_and_hints_describe_them(demo_app, lang, names):
    """A label says what the field holds ("Stillingstittel"), not what to do ("Skriv stillingstittel",
    the profile bar's next step); a hint is the field's description."""
    import re
    page = demo_app.test_client().get(f"/demo?user=ola&lang={lang}").get_data(as_text=True)
    form = page[page.index('<form id="profile-form">'):page.index("</form>")]
    labels = re.findall(r'<label for="profile-(\w+)">([^<]+)</label>', form)
    assert [label for _, label in labels] == names
    assert "Skriv" not in form and "Legg til" not in form and "Add " not in form
    hint = re.search(r'id="profile-skills" [^>]*aria-describedby="(profile-skills-hint)"', form)
    assert hint and f'id="{hint.group(1)}">' in form
    said = {"nb": "Skill dem med komma.", "en": "Separate them with commas."}[lang]
    assert f'<p class="profile-hint" id="profile-skills-hint">{said}</p>' in form
    assert 'id="profile-title" name="title" type="text">' in form  # no hint where none helps


def _made_by_a_real_instance(sqlite_template, folder, kind: str):
    """The demo started over a real instance's database (no directory sync yet) holding a row the
    instance made: a key from `engagement keys create`, a webhook subscription, a chat publication
    or a campaign."""
    from engagement.ideas.model import Campaign
    from engagement.webhooks.model import ChatPublication, WebhookSubscription
    rows = {"key": None,
            "webhook": WebhookSubscription(id="sub_real", owner="key-id:abcd1234", url="https://intranet.example/hook",
                                           event_types=["kudos.given"], secret="whsec_x"),
            "chat": ChatPublication(what="trust:2026-10", channel="ledere", lang="nb", by="key:intranet"),
            "campaign": Campaign(id="real-campaign", question="Hva savner du?", owner="per")}
    real = migrated_app(sqlite_template, folder)
    with real.app_context():
        session = state(real).db.session
        if kind == "key":
            create_api_key(session, "intranet", ["keys:manage"])
        else:
            session.add(rows[kind])
        session.commit()
        session.close()
    state(real).bus.close()
    return create_app(sqlite_config(folder, ENGAGEMENT_DEMO=True))


@pytest.mark.parametrize("kind", ["key", "webhook", "chat", "campaign"])
def test_the_demo_hands_no_admin_token_over_a_database_with_real_keys_hooks_or_campaigns(sqlite_template, tmp_path,
                                                                                           kind):
    """A production database with keys from `engagement keys create` and no directory sync yet,
    started with --demo: the operator's page must not mint the admin token that lists and revokes
    the real keys (nor any page any token)."""
    demo_app = _made_by_a_real_instance(sqlite_template, tmp_path / "real", kind)
    client = demo_app.test_client()
    for path in ("/demo/console?user=tor", "/demo", "/demo/trust?user=siri"):
        answer = client.get(path)
        assert answer.status_code == 409 and answer.mimetype == "application/problem+json", (path, answer.status_code)
        assert b"eyJ" not in answer.data
    assert directory_rows(demo_app) == {"teams": {}, "people": {}}
    state(demo_app).bus.close()


def test_a_demo_database_that_gains_real_people_later_is_refused_from_then_on(demo_app):
    """The check runs on every page, not only while the demo's own rows are missing."""
    client = demo_app.test_client()
    assert client.get("/demo?user=tor").status_code == 200
    admin = key(demo_app, "directory:write")
    real = {"mode": "delta", "teams": [], "people": [{"id": "per", "name": "Per Real", "team": "demo-intranett",
                                                      "role": "member"}]}
    assert client.post("/v1/directory/sync", json=real, headers=bearer(admin)).status_code == 200
    for path in ("/demo/console?user=tor", "/demo", "/demo/awards?user=lena", "/demo/my-data?user=ola"):
        answer = client.get(path)
        assert answer.status_code == 409 and b"eyJ" not in answer.data, (path, answer.status_code)


def test_the_refusal_names_no_real_id_to_the_visitor_and_logs_them_for_the_operator(demo_app, caplog):
    client = demo_app.test_client()
    admin = key(demo_app, "directory:write")
    assert client.post("/v1/directory/sync", json=REAL, headers=bearer(admin)).status_code == 200
    with caplog.at_level("WARNING", logger="engagement.demo.service"):
        answer = client.get("/demo")
    detail = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "rows it did not make (3 kinds of them" in answer.json["detail"]
    for real in ("helse", "siri", "kari", "intranet"):
        assert real not in detail, real
    logged = caplog.text
    assert "'helse'" in logged and "'kari'" in logged and "'siri'" in logged


def test_a_key_made_in_the_demos_console_is_marked_and_never_manages_keys(demo_app):
    client = demo_app.test_client()
    operator = _token_in(client.get("/demo/console?user=tor").get_data(as_text=True))
    refused = client.post("/v1/keys", json={"name": "Backdoor", "scopes": ["keys:manage", "events:write"]},
                          headers=bearer(operator))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    made = client.post("/v1/keys", json={"name": "Chat bridge", "scopes": ["trust:read"]}, headers=bearer(operator))
    assert made.status_code == 201 and made.json["name"] == "demo: Chat bridge" and made.json["key"].startswith("tlt_")
    listed = client.get("/v1/keys", headers=bearer(operator)).json["keys"]
    assert [k["name"] for k in listed] == ["demo: Chat bridge"]
    assert client.get("/demo/console?user=tor").status_code == 200  # the demo's own key is no stranger


def test_a_key_made_while_the_demo_runs_is_the_demo_boxs_own(demo_app):
    """The demo box's operator may make a key (`engagement keys create`) before anyone opened a
    page: made while the demo was on, it is not someone's real instance's."""
    key(demo_app, "events:write")
    assert demo_app.test_client().get("/demo/console?user=tor").status_code == 200


def test_the_demo_has_a_closed_pulse_answered_through_the_service_and_an_open_one(demo_app):
    from engagement.db import utcnow
    from engagement.demo import pulses as demo_pulses
    from engagement.pulses import report
    from engagement.pulses.model import Pulse, PulseRespondents
    client = demo_app.test_client()
    assert client.get("/demo/trust?user=siri").status_code == 200
    drain(demo_app, ("ledger", "pulses"))
    with demo_app.app_context():
        session = state(demo_app).db.session
        closed = session.get(Pulse, demo_pulses.CLOSED)
        answers = {(r.team_id, r.wording): r.answers for r in session.scalars(
            select(PulseRespondents).where(PulseRespondents.pulse_id == closed.id))}
    assert answers[("demo-silo", "team")] == 9 and answers[("demo-ideas", "team")] == 8  # shown on their own
    assert answers[("demo-drift", "team")] == 7 + 2 and ("demo-tiny", "team") not in answers  # out under drift
    with demo_app.app_context():
        rows = {r["id"]: r for r in report.heatmap(state(demo_app).db.session, closed.id, utcnow(), 5, "en")["teams"]}
    assert rows["demo-tiny"]["folded_into"] == "demo-drift"  # as the reports showed it before
    assert not rows["demo-drift"]["suppressed"] and "demo-tiny" in [t["id"] for t in rows["demo-drift"]["includes"]]
    # the made-up members answer differently, and the silo is weak just where its trust signals say
    silo = rows["demo-silo"]["statements"]
    assert all(sum(1 for v in "12345" if s["distribution"][v]) >= 3 for s in silo.values())
    assert {k for k, s in silo.items() if report.is_weak(s)} == demo_pulses.WEAK["silo"]
    assert not any(report.is_weak(s) for s in rows["demo-ideas"]["statements"].values())
    assert answers[("demo-silo", "self")] == 1 and answers[("demo-silo", "manager")] == 1
    token = _token_in(client.get("/demo?user=kari").get_data(as_text=True))
    mine = client.get("/v1/me/pulses", headers=bearer(token)).json["pulses"]
    assert [(p["pulse"], p["wording"], p["answered"]) for p in mine] == [(demo_pulses.OPEN, "team", False)]
    events = published(demo_app)
    assert client.get("/demo/trust?user=siri").status_code == 200
    assert published(demo_app) == events  # a second visit adds nothing
    with demo_app.app_context():
        assert state(demo_app).db.session.scalar(select(func.count()).select_from(Pulse)) == 2


def test_the_demo_comes_back_after_a_restart_on_the_same_instance(demo_app, sqlite_template, tmp_path):
    """Stopping `engagement serve --demo` and starting it again on the same folder finds what the
    demo made the first time (its pulses among it, one of which opens before its campaign is
    written) as its own, and serves the pages, never "the database holds rows it did not make"."""
    assert demo_app.test_client().get("/demo?user=kari").status_code == 200
    state(demo_app).bus.close()
    again = create_app(sqlite_config(tmp_path / "demo", ENGAGEMENT_DEMO=True))
    try:
        for page in ("/demo?user=kari", "/demo/awards?user=lena"):
            assert again.test_client().get(page).status_code == 200, page
    finally:
        state(again).bus.close()
