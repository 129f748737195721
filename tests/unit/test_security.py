"""Who may do what, as a table over every endpoint: no credentials, a forged or expired token,
a key with the wrong scope, and a person's token used on someone else's things (BOLA).
Then mass assignment, markup in rendered texts, and oversized or deeply nested JSON."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from engagement.auth import TOKEN_AUDIENCE
from tests.conftest import TEST_SECRET, bearer, drain, like

LEADER, MEMBER, COMMS, ADMIN = ("leader",), (), ("communications",), ("admin",)
PUBLIC = {"/healthz", "/readyz", "/metrics", "/v1/openapi.json", "/v1/widget.js", "/v1/trust.js", "/v1/console.js",
          "/v1/pulse.js", "/v1/pulse-reports.js", "/v1/notifications/unsubscribe", "/static/<path:filename>",
          "/scim/v2/", "/scim/v2/<path:rest>"}  # the demo's pages exist only with --demo; SCIM's 404 and 405
# (method, path, body, who may: a key's scope or "user"/"leader"/"comms", a wrong scope, path owned by kari?)
TABLE = [
    ("POST", "/v1/events", like(actor="kari"), ["events:write", "user"], "reports:read", False),
    ("POST", "/v1/events/batch", {"events": [like(actor="kari")]}, ["events:write", "user"], "reports:read", False),
    ("GET", "/v1/targets?t=article:news-1", None, ["events:write", "user"], None, False),
    ("GET", "/v1/targets/article/news-1", None, ["events:write", "user"], None, False),
    ("POST", "/v1/targets/query", {"targets": ["article:news-1"]}, ["events:write", "user"], None, False),
    ("GET", "/v1/targets/article/news-1?viewer=kari", None, ["events:write", "user"], "trust:read", False),
    ("POST", "/v1/targets/query", {"targets": ["article:news-1"], "viewer": "kari"}, ["events:write", "user"],
     "audit:read", False),
    ("GET", "/v1/people/kari/recognition", None, ["events:write", "reports:read", "user"], "trust:read", True),
    ("GET", "/v1/people/kari/profile-completion", None, ["events:write", "reports:read", "user"], "audit:read", True),
    ("GET", "/v1/teams/t/recognition", None, ["reports:read", "events:write"], "trust:read", False),
    ("GET", "/v1/teams/t/profile-completion", None, ["reports:read"], "events:write", False),
    ("POST", "/v1/directory/sync", {"mode": "delta", "people": [], "teams": []}, ["directory:write"], "events:write",
     False),
    ("POST", "/v1/directory/people/kari/erase", None, ["directory:write"], "events:write", False),
    ("GET", "/v1/campaigns", None, ["events:write", "user"], None, False),
    ("POST", "/v1/campaigns", {"id": "c9", "question": "Hva nå?"}, ["awards:manage", "leader"], "events:write", False),
    ("GET", "/v1/campaigns/c1", None, ["events:write", "user"], None, False),
    ("GET", "/v1/campaigns/c1?viewer=kari", None, ["events:write", "user"], "moderation:manage", False),
    ("PATCH", "/v1/campaigns/c1", {"status": "closed"}, ["awards:manage", "leader"], "events:write", False),
    ("GET", "/v1/campaigns/c1/summary", None, ["awards:manage", "reports:read", "leader"], "events:write", False),
    ("GET", "/v1/moderation/reports", None, ["moderation:manage", "admin"], "events:write", False),
    ("GET", "/v1/awards/2026-10/leaderboard", None, ["events:write", "user"], None, False),
    ("GET", "/v1/awards/2026-10", None, ["awards:manage", "leader"], "events:write", False),
    ("POST", "/v1/awards/2026-10/finalise", None, ["awards:manage", "leader"], "events:write", False),
    ("GET", "/v1/awards/2026-10/announcement", None, ["awards:manage", "leader"], "events:write", False),
    ("GET", "/v1/trust/report?period=2026-10", None, ["trust:read", "comms"], "reports:read", False),
    ("GET", "/v1/trust/teams/t/trend", None, ["trust:read", "comms"], "reports:read", False),
    ("GET", "/v1/trust/audit", None, ["audit:read", "admin"], "trust:read", False),
    ("GET", "/v1/trust/thresholds", None, ["trust:read", "comms"], "reports:read", False),
    ("GET", "/v1/pulses/p1/teams/t/report", None, ["reports:read", "comms", "leader"], "trust:read", False),
    ("GET", "/v1/pulses/p1/heatmap", None, ["reports:read", "comms"], "trust:read", False),
    ("GET", "/v1/pulses/p1/heatmap.csv", None, ["reports:read", "comms"], "trust:read", False),
    ("GET", "/v1/pulses/trends", None, ["reports:read", "comms"], "trust:read", False),
    ("GET", "/v1/me/pulse-reports", None, ["reports:read", "user"], "events:write", False),
    ("GET", "/v1/keys", None, ["keys:manage", "admin"], "awards:manage", False),
    ("POST", "/v1/keys", {"name": "chat", "scopes": ["events:write"]}, ["keys:manage", "admin"], "events:write",
     False),
    ("POST", "/v1/keys/0a1b2c3d/revoke", None, ["keys:manage", "admin"], "audit:read", False),
    ("GET", "/v1/me", None, ["user"], "events:write", False),
    ("POST", "/v1/pulses", {"title": "Trygghet", "statements": ["leader.safe_to_try"], "units": ["t"],
                            "closes_at": (datetime.now(UTC) + timedelta(days=30)).isoformat()},
     ["pulses:manage", "comms"], "events:write", False),
    ("GET", "/v1/pulses", None, ["pulses:manage", "reports:read", "comms"], "events:write", False),
    ("GET", "/v1/pulses/p1", None, ["pulses:manage", "reports:read", "comms"], "trust:read", False),
    ("GET", "/v1/pulses/library?lang=en", None, ["pulses:manage", "reports:read", "comms"], "trust:read", False),
    ("GET", "/v1/pulses/teams", None, ["pulses:manage", "reports:read", "comms"], "trust:read", False),
    ("GET", "/v1/me/pulses", None, ["user"], "events:write", False),
    ("POST", "/v1/pulses/p1/answers", {"team": "t", "wording": "team", "answers": {"leader.safe_to_try": 3}},
     ["user"], "events:write", False),
    ("POST", "/v1/awards/2026-10/announcement/publish", {"channel": "all"}, ["awards:manage", "leader"],
     "events:write", False),
    ("GET", "/v1/awards/announcement/channels", None, ["awards:manage", "leader"], "events:write", False),
    ("GET", "/v1/lottery/me", None, ["user"], "awards:manage", False),  # a person's own; never with a key
    ("GET", "/v1/lottery/2026-10", None, ["user", "events:write", "awards:manage"], None, False),
    ("POST", "/v1/lottery/2026-10/draw", {"winners": 1}, ["awards:manage", "leader"], "events:write", False),
    ("GET", "/v1/lottery/exclusions", None, ["awards:manage", "leader"], "events:write", False),
    ("PUT", "/v1/lottery/exclusions/kari", {"reason": "x"}, ["awards:manage", "leader"], "events:write", False),
    ("DELETE", "/v1/lottery/exclusions/kari", None, ["awards:manage", "leader"], "events:write", False),
    ("POST", "/v1/trust/summary/publish", {"channel": "all"}, ["trust:read", "comms"], "reports:read", False),
    ("POST", "/v1/webhooks/subscriptions", {"url": "http://10.0.0.1/hook", "event_types": ["idea.submitted"]},
     ["webhooks:manage"], "events:write", False),
    ("GET", "/v1/webhooks/subscriptions", None, ["webhooks:manage"], "events:write", False),
    ("DELETE", "/v1/webhooks/subscriptions/sub_1", None, ["webhooks:manage"], "events:write", False),
    ("POST", "/v1/webhooks/subscriptions/sub_1/disable", None, ["webhooks:manage"], "events:write", False),
    ("GET", "/v1/webhooks/subscriptions/sub_1/deliveries", None, ["webhooks:manage"], "events:write", False),
    ("POST", "/v1/webhooks/subscriptions/sub_1/deliveries/msg_1/redeliver", None, ["webhooks:manage"],
     "events:write", False),
    ("GET", "/v1/me/data", None, ["user"], "privacy:read", False),
    ("GET", "/v1/people/kari/data", None, ["privacy:read"], "events:write", False),
    ("GET", "/v1/privacy/audit", None, ["audit:read", "admin"], "privacy:read", False),
    ("GET", "/v1/notifications?person=kari", None, ["events:write", "user"], "reports:read", True),
    ("GET", "/v1/notifications/unread-count?person=kari", None, ["events:write", "user"], "reports:read", True),
    ("POST", "/v1/notifications/read?person=kari", {"all": True}, ["events:write", "user"], "reports:read", True),
    ("GET", "/v1/notifications/preferences?person=kari", None, ["events:write", "user"], "reports:read", True),
    ("PUT", "/v1/notifications/preferences?person=kari", {"digest": "off"}, ["events:write", "user"], "reports:read",
     True),
    ("POST", "/v1/notifications/unsubscribe/revoke?person=kari", None, ["events:write", "user"], "reports:read", True),
    ("GET", "/scim/v2/ServiceProviderConfig", None, ["directory:write"], "events:write", False),
    ("GET", "/scim/v2/ResourceTypes", None, ["directory:write"], "events:write", False),
    ("GET", "/scim/v2/ResourceTypes/User", None, ["directory:write"], "events:write", False),
    ("GET", "/scim/v2/Schemas", None, ["directory:write"], "events:write", False),
    ("GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", None, ["directory:write"],
     "events:write", False),
    ("GET", "/scim/v2/Users", None, ["directory:write"], "events:write", False),
    ("POST", "/scim/v2/Users", {"userName": "nils"}, ["directory:write"], "events:write", False),
    ("GET", "/scim/v2/Users/kari", None, ["directory:write"], "events:write", False),
    ("PUT", "/scim/v2/Users/kari", {"userName": "kari"}, ["directory:write"], "events:write", False),
    ("PATCH", "/scim/v2/Users/kari", {"Operations": [{"op": "add", "path": "displayName", "value": "K"}]},
     ["directory:write"], "events:write", False),
    ("DELETE", "/scim/v2/Users/kari", None, ["directory:write"], "events:write", False),
    ("GET", "/scim/v2/Groups", None, ["directory:write"], "events:write", False),
    ("POST", "/scim/v2/Groups", {"displayName": "Nytt"}, ["directory:write"], "events:write", False),
    ("GET", "/scim/v2/Groups/t", None, ["directory:write"], "events:write", False),
    ("PUT", "/scim/v2/Groups/t", {"displayName": "T"}, ["directory:write"], "events:write", False),
    ("PATCH", "/scim/v2/Groups/t", {"Operations": [{"op": "add", "path": "displayName", "value": "T"}]},
     ["directory:write"], "events:write", False),
    ("DELETE", "/scim/v2/Groups/t", None, ["directory:write"], "events:write", False),
    ("POST", "/scim/v2/.search", {}, ["directory:write"], "events:write", False),
    ("POST", "/scim/v2/Users/.search", {}, ["directory:write"], "events:write", False),
    ("POST", "/scim/v2/Groups/.search", {}, ["directory:write"], "events:write", False),
]
IDS = [f"{method} {path.split('?')[0]}" + (" as viewer" if "viewer" in f"{path}{body}" else "")
       for method, path, body, *_ in TABLE]


@pytest.fixture
def world(app, client, make_key, user_token):
    admin = make_key("directory:write", "awards:manage")
    people = [{"id": p, "name": p.capitalize(), "team": "t", "role": "leader" if p == "lena" else "member"}
              for p in ("kari", "ola", "lena")]
    teams = [{"id": "t", "name": "Team", "parent": None}]
    client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": teams}, headers=bearer(admin))
    leader = bearer(user_token("lena", roles=LEADER))
    client.post("/v1/campaigns", json={"id": "c1", "question": "Hva nå?"}, headers=leader)

    def credential(who: str) -> str:
        return {"user": lambda: user_token("kari"), "leader": lambda: user_token("lena", roles=LEADER),
                "comms": lambda: user_token("siri", roles=COMMS),
                "admin": lambda: user_token("per", roles=ADMIN)}.get(who, lambda: make_key(who))()
    return credential


def call(client, method: str, path: str, body, headers: dict):
    return client.open(path, method=method, json=body, headers=headers)


def forged(subject: str) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"sub": subject, "aud": TOKEN_AUDIENCE, "iat": now, "exp": now + timedelta(minutes=5)},
                      "not-the-secret-" + "z" * 32, algorithm="HS256")


def test_the_table_covers_every_endpoint(app):
    routes = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}
              if r.rule not in PUBLIC}
    table = {(m, _rule(p)) for m, p, *_ in TABLE}
    assert routes == table


def _rule(path: str) -> str:
    """The rule a sample path stands for."""
    import re
    path = path.split("?")[0]
    for pattern, rule in ((r"^/v1/people/[^/]+/", "/v1/people/<person>/"),
                          (r"^/v1/teams/[^/]+/", "/v1/teams/<team_id>/"),
                          (r"^/v1/campaigns/[^/]+", "/v1/campaigns/<campaign_id>"),
                          (r"^/v1/pulses/(?!(?:trends|library|teams)$)[^/]+", "/v1/pulses/<pulse_id>"),
                          (r"^/v1/awards/(?!announcement/)[^/]+", "/v1/awards/<month>"),
                          (r"^/v1/people/<person>/data$", "/v1/people/<id:person>/data"),  # ids may hold "/"
                          (r"^/v1/directory/people/[^/]+/", "/v1/directory/people/<id:person>/"),
                          (r"^/v1/lottery/exclusions/[^/]+$", "/v1/lottery/exclusions/<id:person>"),
                          (r"^/v1/lottery/(?!me$|exclusions)[^/]+", "/v1/lottery/<month>"),
                          (r"^/v1/trust/teams/[^/]+/", "/v1/trust/teams/<team_id>/"),
                          (r"/teams/[^/]+/report$", "/teams/<team_id>/report"),
                          (r"^/v1/keys/[^/]+/", "/v1/keys/<prefix>/"),
                          (r"^/v1/webhooks/subscriptions/[^/]+", "/v1/webhooks/subscriptions/<subscription_id>"),
                          (r"/deliveries/[^/]+/", "/deliveries/<message_id>/"),
                          (r"^/v1/targets/[^/]+/.+$", "/v1/targets/<kind>/<path:target_id>"),
                          (r"^/scim/v2/Users/(?!\.search)[^/]+$", "/scim/v2/Users/<path:person_id>"),
                          (r"^/scim/v2/Groups/(?!\.search)[^/]+$", "/scim/v2/Groups/<path:team_id>"),
                          (r"^/scim/v2/ResourceTypes/[^/]+$", "/scim/v2/ResourceTypes/<name>"),
                          (r"^/scim/v2/Schemas/.+$", "/scim/v2/Schemas/<path:urn>")):
        path = re.sub(pattern, rule, path)
    return path


@pytest.mark.parametrize("method,path,body,allowed,wrong,owned", TABLE, ids=IDS)
def test_who_may_do_what(client, world, user_token, method, path, body, allowed, wrong, owned):
    assert call(client, method, path, body, {}).status_code == 401
    assert call(client, method, path, body, bearer(forged("kari"))).status_code == 401
    expired = user_token("kari", ttl=-120)
    assert call(client, method, path, body, bearer(expired)).status_code == 401
    if wrong:
        assert call(client, method, path, body, bearer(world(wrong))).status_code == 403
    if owned:  # Ola's token on Kari's things: never
        assert call(client, method, path, body, bearer(user_token("ola"))).status_code == 403
    if "user" not in allowed and "comms" not in allowed:
        assert call(client, method, path, body, bearer(user_token("ola"))).status_code == 403
    for who in allowed:  # let through (a second finalise may then be a 409: that is not about who)
        answer = call(client, method, path, body, bearer(world(who)))
        assert answer.status_code not in (401, 403) and answer.status_code < 500, (who, answer.status_code, answer.json)


def test_a_person_cannot_send_events_as_someone_else(client, world, user_token):
    answer = client.post("/v1/events", json=like(actor="ola"), headers=bearer(user_token("kari")))
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"


@pytest.mark.parametrize("path,body", [
    ("/v1/events", {**like(actor="kari"), "submitted_by": "key:admin"}),
    ("/v1/events", {**like(actor="kari"), "received_at": "2020-01-01T00:00:00Z"}),
    ("/v1/campaigns", {"id": "c8", "question": "Hva?", "owner": "ola"}),
    ("/v1/campaigns", {"id": "c7", "question": "Hva?", "status": "archived", "created_at": "2020-01-01T00:00:00Z"}),
    ("/v1/directory/sync", {"mode": "delta", "people": [{"id": "x", "name": "X", "team": "t", "active": False}]}),
    ("/v1/notifications/read", {"all": True, "person": "ola"}),
], ids=["event submitted_by", "event received_at", "campaign owner", "campaign status", "person active",
        "read person"])
def test_mass_assignment_is_refused_naming_the_field(client, world, path, body):
    key = world("events:write") if path.startswith("/v1/events") else world("directory:write")
    token = world("leader")
    headers = bearer(token if path.startswith(("/v1/campaigns", "/v1/notifications")) else key)
    answer = client.post(path, json=body, headers=headers)
    assert answer.status_code == 422, answer.json
    named = {e["field"] for e in answer.json["errors"]}
    assert named & {"submitted_by", "received_at", "owner", "status", "created_at", "people.0.active", "ids"}, named


def test_oversized_and_deeply_nested_json(client, world):
    key = world("events:write")
    headers = {**bearer(key), "Content-Type": "application/json"}
    deep = client.post("/v1/events/batch", data="[" * 100_000 + "]" * 100_000, headers=headers)
    assert deep.status_code == 400 and "nested deeper" in deep.json["detail"]
    nested = {"fields": {"about": {"a": {"b": {"c": {}}}}}}
    for _ in range(40):
        nested = {"x": nested}
    event = {**like(actor="kari"), "type": "profile.updated", "data": {"fields": {"about": nested}},
             "target": {"kind": "person", "id": "kari", "owner": "kari"}}
    assert client.post("/v1/events", json=event, headers=bearer(key)).status_code == 400
    big = client.post("/v1/events/batch", data="x" * (1_048_576 + 1), headers=headers)
    assert big.status_code == 413 and big.mimetype == "application/problem+json"


def test_markup_in_names_and_texts_stays_text_where_pages_and_announcements_render_it(app, client, make_key):
    from tests.conftest import drain
    from tests.unit.test_awards import OCT, ev
    key = make_key("directory:write", "events:write", "awards:manage")
    evil = '<img src=x onerror="alert(1)">'
    people = [{"id": p, "name": evil if p == "eve" else p.capitalize(), "team": "t"} for p in ("eve", "bo", "cy")]
    client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": [
        {"id": "t", "name": "<script>alert(2)</script>", "parent": None}]}, headers=bearer(key))
    published = ev("content.published", "eve", "article:e1", "eve", OCT.format(day=2), content_kind="article",
                   title="<b>x</b>")
    events = [published] + [ev("like.added", p, "article:e1", "eve", OCT.format(day=3)) for p in ("bo", "cy")]
    client.post("/v1/events/batch", json={"events": events}, headers=bearer(key))
    drain(app, ("ledger", "awards"))
    page = client.get("/v1/awards/2026-10/announcement?lang=en&format=html", headers=bearer(key)).get_data(as_text=True)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and "<img" not in page
    unsubscribe = client.get('/v1/notifications/unsubscribe?token=<script>').get_data(as_text=True)
    assert "<script>" not in unsubscribe


def test_writes_are_rate_limited_per_key_and_per_person_with_retry_after(app, client, make_key, user_token):
    app.config.update(ENGAGEMENT_RATE_LIMIT_KEY="5 per minute", ENGAGEMENT_RATE_LIMIT_USER="3 per minute")
    key, other = make_key("events:write", name="intranet"), make_key("events:write", name="hr-system")
    kari, ola = user_token("kari"), user_token("ola")
    codes = [client.post("/v1/events", json=like(actor="kari"), headers=bearer(kari)).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    refused = client.post("/v1/events", json=like(actor="kari"), headers=bearer(kari))
    assert refused.mimetype == "application/problem+json" and int(refused.headers["Retry-After"]) > 0
    assert client.post("/v1/events", json=like(actor="ola"), headers=bearer(ola)).status_code == 202  # her own budget
    assert client.get("/v1/targets?t=article:news-1", headers=bearer(kari)).status_code == 200  # reads are free
    codes = [client.post("/v1/events", json=like(), headers=bearer(key)).status_code for _ in range(6)]
    assert codes == [202] * 5 + [429]
    assert client.post("/v1/events", json=like(), headers=bearer(other)).status_code == 202


def test_a_persons_batch_spends_one_per_event_and_asking_by_post_spends_nothing(app, client, user_token):
    app.config.update(ENGAGEMENT_RATE_LIMIT_USER="3 per minute")
    kari = bearer(user_token("kari"))
    for _ in range(5):  # a question too long for a URL is a read
        assert client.post("/v1/targets/query", json={"targets": ["article:news-1"]}, headers=kari).status_code == 200
    batch = {"events": [like(f"b-{n}", actor="kari") for n in range(3)]}
    assert client.post("/v1/events/batch", json=batch, headers=kari).status_code == 202
    assert client.post("/v1/events", json=like("one-more", actor="kari"), headers=kari).status_code == 429


DEMO_PAGES = ["/demo", "/demo?user=lena", "/demo/awards?user=lena", "/demo/trust?user=siri"]
PRODUCTION = {"image run alone": {}, "on Kafka": {"ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"},
              "demo variable empty": {"ENGAGEMENT_DEMO": ""}}


@pytest.mark.parametrize("settings", PRODUCTION.values(), ids=PRODUCTION.keys())
@pytest.mark.parametrize("path", DEMO_PAGES)
def test_demo_pages_are_404_under_a_production_configuration(tmp_path, monkeypatch, settings, path):
    """Nobody asked for the demo: no page mints a token or touches the directory."""
    from engagement import create_app
    from engagement import migrate as schema
    from engagement.directory.model import Person, Team
    from engagement.state import state
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    app = create_app({"ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                      "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3")})
    with app.app_context():
        schema.upgrade(state(app).engine)
    answer = app.test_client().get(path)
    assert answer.status_code == 404 and b"eyJ" not in answer.data
    assert not [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/demo")]
    with app.app_context():
        session = state(app).db.session
        assert session.query(Team).count() == 0 and session.query(Person).count() == 0


# Every team-level answer about team "t" of the world above (three people, below the minimum of
# five): (path, the credential that may read it). None may carry a number about the team.
SMALL_TEAM_ANSWERS = [
    ("/v1/teams/t/recognition", "reports:read"),
    ("/v1/teams/t/recognition", "events:write"),
    ("/v1/teams/t/profile-completion", "reports:read"),
    ("/v1/teams/t/profile-completion?subunits=true", "reports:read"),
    ("/v1/trust/report?period=2026-10", "trust:read"),
    ("/v1/trust/report?period=30d&format=csv", "trust:read"),
    ("/v1/trust/teams/t/trend?months=6", "trust:read"),
]
NOT_ABOUT_THE_TEAM = {"depth", "min_group_size"}  # where it sits in the tree, and the rule itself


def numbers_in(value, key: str = "") -> list[tuple[str, object]]:
    """Every number in a JSON answer, with the key it sits under."""
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in numbers_in(v, k)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v, key)]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in NOT_ABOUT_THE_TEAM:
        return [(key, value)]
    return []


@pytest.mark.parametrize("path,scope", SMALL_TEAM_ANSWERS, ids=[f"{p} {s}" for p, s in SMALL_TEAM_ANSWERS])
def test_a_team_below_the_minimum_group_size_gets_no_numbers_anywhere(client, world, path, scope):
    answer = client.get(path, headers=bearer(world(scope)))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    if answer.mimetype == "text/csv":
        rows = [line.split(",") for line in answer.get_data(as_text=True).splitlines()[1:]]
        assert rows and all(not any(c.replace(".", "").isdigit() for c in row[4:]) for row in rows), rows
        return
    assert numbers_in(answer.json) == [], answer.json


FORGED_OWNERS = [  # (who sends, event): each claims a target that an authority says is Ola's
    ("user", like(actor="kari", target="ola-1", owner="kari")),
    ("events:write", {**like(actor="kari", target="ola-1", owner="kari"), "type": "content.published",
              "data": {"content_kind": "article", "title": "Logg inn her"}}),
    ("user", {**like(actor="kari", owner="kari"), "target": {"kind": "person", "id": "ola", "owner": "kari"}}),
    ("events:write", like(actor="kari", target="ola-1", owner="lena")),
]


@pytest.mark.parametrize("who,event", FORGED_OWNERS, ids=["like", "content.published", "person", "key"])
def test_a_forged_owner_is_refused_naming_target_owner(app, client, world, who, event):
    from tests.conftest import drain
    ola = {**like(actor="ola", target="ola-1", owner="ola"), "type": "content.published",
           "data": {"content_kind": "article", "title": "Plan"}}
    assert client.post("/v1/events", json=ola, headers=bearer(world("events:write"))).status_code == 202
    drain(app, ("ledger", "recognition"))
    answer = client.post("/v1/events/batch", json={"events": [event]}, headers=bearer(world(who)))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json", answer.json
    assert [e["field"] for e in answer.json["errors"]] == ["target.owner"]


def _likes_of_sam(app, client, make_key) -> None:
    writer = make_key("events:write", name="intranet")
    assert client.post("/v1/events", json=like("e1", actor="sam", target="news-1", owner="ola"),
                       headers=bearer(writer)).status_code == 202
    drain(app)


@pytest.mark.parametrize("scope", ["audit:read", "trust:read", "moderation:manage", "reports:read", "awards:manage"])
def test_only_the_intranet_back_end_may_ask_what_another_person_liked(app, client, make_key, scope):
    """``?viewer=`` (and ``viewer`` in the POSTed query) answers what one named person liked: a key
    made to read the audit log or the trust report must not learn that, target by target."""
    _likes_of_sam(app, client, make_key)
    key = make_key(scope, name=scope)
    for answer in (client.get("/v1/targets/article/news-1?viewer=sam", headers=bearer(key)),
                   client.get("/v1/targets?t=article:news-1&viewer=sam", headers=bearer(key)),
                   client.post("/v1/targets/query", json={"targets": ["article:news-1"], "viewer": "sam"},
                               headers=bearer(key))):
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json", answer.json
        assert [e["field"] for e in answer.json["errors"]] == ["viewer"]
    plain = client.get("/v1/targets/article/news-1", headers=bearer(key))  # counts without a viewer stay open
    assert plain.status_code == 200 and plain.json["likes"] == 1 and plain.json["liked_by_me"] is None


def test_the_intranet_back_end_still_names_the_viewer(app, client, make_key):
    _likes_of_sam(app, client, make_key)
    writer = make_key("events:write", name="page-renderer")
    assert client.get("/v1/targets/article/news-1?viewer=sam", headers=bearer(writer)).json["liked_by_me"] is True


@pytest.mark.parametrize("scope", ["audit:read", "moderation:manage", "trust:read", "awards:manage", "directory:write"])
def test_a_key_without_a_reading_scope_cannot_read_a_persons_profile_progress(client, make_key, scope):
    """Profile progress is one person's own: the intranet back end ('events:write') or communications
    staff ('reports:read') may read it, as the person's recognition next to it."""
    answer = client.get("/v1/people/kari/profile-completion", headers=bearer(make_key(scope, name=scope)))
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json", (scope, answer.status_code)
    for allowed in ("events:write", "reports:read"):
        assert client.get("/v1/people/kari/profile-completion",
                          headers=bearer(make_key(allowed, name=allowed))).status_code == 200


@pytest.mark.parametrize("value", ["2", "1", "0", "-3"])
def test_start_up_refuses_a_minimum_group_size_that_shows_single_people(tmp_path, monkeypatch, value):
    """Every team report rests on the minimum group size: below 3, a group's numbers are one or
    two people's own, so the service does not start, and says which setting to fix."""
    from engagement import create_app
    from engagement.config import RefusedSetting
    monkeypatch.setenv("ENGAGEMENT_MIN_GROUP_SIZE", value)
    with pytest.raises(RefusedSetting, match="ENGAGEMENT_MIN_GROUP_SIZE .* at least 3"):
        create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                    "ENGAGEMENT_EVENT_LOG": str(tmp_path / "e.sqlite3"),
                    "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    monkeypatch.setenv("ENGAGEMENT_MIN_GROUP_SIZE", "3")
    create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                "ENGAGEMENT_EVENT_LOG": str(tmp_path / "e.sqlite3"),
                "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}).extensions["engagement"].bus.close()
