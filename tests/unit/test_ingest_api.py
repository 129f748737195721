"""The ingest API through real WSGI requests on the embedded default."""
from __future__ import annotations

import json

from engagement.state import state
from engagement.workers import ConsumerThreads
from tests.conftest import bearer, like
from tests.e2e.conftest import wait_for

PROBLEM = "application/problem+json"


def log_count(app) -> int:
    bus = state(app).bus
    return bus.end_offsets()[0] - 1


def test_one_event_is_accepted_and_durable_in_the_log(app, client, writer_key):
    event = like("like-1")
    response = client.post("/v1/events", json=event, headers=bearer(writer_key))
    assert response.status_code == 202
    assert response.json == {"accepted": ["like-1"], "count": 1}
    record = state(app).bus.read_after(0, 10)
    assert [json.loads(r.value)["id"] for r in record] == ["like-1"]
    assert json.loads(record[0].value)["submitted_by"] == "key:intranet"


def test_batch_is_accepted_in_order(app, client, writer_key):
    events = [like(f"b-{i}") for i in range(5)]
    response = client.post("/v1/events/batch", json={"events": events}, headers=bearer(writer_key))
    assert response.status_code == 202
    assert response.json["accepted"] == [f"b-{i}" for i in range(5)]
    assert log_count(app) == 5


def test_invalid_batch_publishes_nothing_and_names_each_bad_event(app, client, writer_key):
    bad_owner = like("x-1")
    del bad_owner["target"]["owner"]
    events = [like("ok-1"), bad_owner, like("x-2", time="2026-11-23T10:00:00"), like("ok-2"),
              like("x-3", type_="like.exploded")]
    response = client.post("/v1/events/batch", json={"events": events}, headers=bearer(writer_key))
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    named = {(e["index"], e["field"]) for e in response.json["errors"]}
    assert named == {(1, "target.owner"), (2, "time"), (4, "type")}
    assert log_count(app) == 0


def test_batch_limit_and_shape(app, client, writer_key):
    app.config["ENGAGEMENT_MAX_BATCH"] = 3
    headers = bearer(writer_key)
    too_many = client.post("/v1/events/batch", json={"events": [like() for _ in range(4)]}, headers=headers)
    assert too_many.status_code == 422 and too_many.json["errors"][0]["field"] == "events"
    empty = client.post("/v1/events/batch", json={"events": []}, headers=headers)
    assert empty.status_code == 422
    extra = client.post("/v1/events/batch", json={"events": [like()], "force": True}, headers=headers)
    assert extra.status_code == 422 and extra.json["errors"][0]["field"] == "force"
    assert log_count(app) == 0


def test_event_in_the_future_is_refused_but_backfilled_is_fine(client, writer_key):
    future = like(time="2099-01-01T00:00:00+01:00")
    response = client.post("/v1/events", json=future, headers=bearer(writer_key))
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "time"
    old = like(time="2019-03-01T08:00:00+01:00")
    assert client.post("/v1/events", json=old, headers=bearer(writer_key)).status_code == 202


def test_bad_bodies_get_problem_answers(app, client, writer_key):
    headers = bearer(writer_key)
    cases = {
        "bad json": (client.post("/v1/events", data="{oops", headers=headers,
                                 content_type="application/json"), 400),
        "wrong content type": (client.post("/v1/events", data="id=1", headers=headers,
                                           content_type="application/x-www-form-urlencoded"), 415),
        "not an object": (client.post("/v1/events", json=[like()], headers=headers), 422),
        "oversized": (client.post("/v1/events", data=json.dumps(like(data={"x": "a" * 2_000_000})),
                                  headers=headers, content_type="application/json"), 413),
    }
    for name, (response, status) in cases.items():
        assert response.status_code == status, name
        assert response.mimetype == PROBLEM, name
        assert response.json["status"] == status, name
    assert log_count(app) == 0


def test_credentials_and_scopes(app, client, make_key, user_token):
    reader = make_key("reports:read", name="comms")
    responses = {
        "none": client.post("/v1/events", json=like()),
        "unknown key": client.post("/v1/events", json=like(), headers=bearer("tlt_deadbeef_nope")),
        "wrong scope": client.post("/v1/events", json=like(), headers=bearer(reader)),
        "expired token": client.post("/v1/events", json=like(actor="kari"),
                                     headers=bearer(user_token("kari", ttl=-120))),
        "forged token": client.post("/v1/events", json=like(actor="kari"),
                                    headers=bearer(user_token("kari")[:-4] + "AAAA")),
        "too long-lived": client.post("/v1/events", json=like(actor="kari"),
                                      headers=bearer(user_token("kari", ttl=86400))),
        "someone else": client.post("/v1/events", json=like(actor="ola"),
                                    headers=bearer(user_token("kari"))),
        "member adopting": client.post("/v1/events", json={**like(type_="idea.adopted", actor="kari"),
                                                           "target": {"kind": "idea", "id": "i", "owner": "ola"}},
                                       headers=bearer(user_token("kari"))),
    }
    expected = {"none": 401, "unknown key": 401, "wrong scope": 403, "expired token": 401,
                "forged token": 401, "too long-lived": 401, "someone else": 403, "member adopting": 403}
    assert {name: r.status_code for name, r in responses.items()} == expected
    assert all(r.mimetype == PROBLEM for r in responses.values())
    assert log_count(app) == 0


def test_user_token_sets_the_actor(app, client, user_token):
    event = like("tok-1")
    del event["actor"]
    response = client.post("/v1/events", json=event, headers=bearer(user_token("kari")))
    assert response.status_code == 202
    wire = json.loads(state(app).bus.read_after(0, 1)[0].value)
    assert wire["actor"] == "kari" and wire["submitted_by"] == "user:kari"


def test_leader_token_may_adopt(client, user_token):
    event = {**like(type_="idea.adopted", actor="lena", data={"note": "Yes"}),
             "target": {"kind": "idea", "id": "i-1", "owner": "ola"}}
    response = client.post("/v1/events", json=event, headers=bearer(user_token("lena", roles=("leader",))))
    assert response.status_code == 202


def test_revoked_key_stops_working(app, client, make_key):
    from engagement.auth import revoke_api_key
    key = make_key("events:write")
    with app.app_context():
        assert revoke_api_key(state(app).db.session, key[4:12])
        state(app).db.session.commit()
    response = client.post("/v1/events", json=like(), headers=bearer(key))
    assert response.status_code == 401


def test_ingest_reads_through_one_autocommit_engine_and_a_cached_key_makes_no_session(app, client, writer_key,
                                                                                     monkeypatch):
    """What each event used to make anew: an engine (and a listener on it) for the read checks,
    and a database session for a key the cache already knew."""
    from engagement import auth
    from engagement.ledger.api import READING
    monkeypatch.setattr(auth, "KEY_CACHE_SECONDS", 600)  # a slow machine must not let the key expire here
    assert client.post("/v1/events", json=like(event_id="e-once-1"), headers=bearer(writer_key)).status_code == 202
    made = app.extensions[READING]
    assert client.post("/v1/events", json=like(event_id="e-once-2"), headers=bearer(writer_key)).status_code == 202
    with app.test_request_context(headers=bearer(writer_key)):
        from engagement.web.requests import principal
        assert principal().kind == "key"  # cached by the requests above
        assert not state(app).db.session.registry.has()  # so no session was made for it
    assert app.extensions[READING] is made and made[1].get_execution_options()["isolation_level"] == "AUTOCOMMIT"


def test_bus_failure_answers_503_with_retry_after(app, client, writer_key, monkeypatch):
    from engagement.errors import BusUnavailable

    def down(events):
        raise BusUnavailable("log not writable")
    monkeypatch.setattr(state(app).bus, "publish", down)
    response = client.post("/v1/events", json=like(), headers=bearer(writer_key))
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.mimetype == PROBLEM


def test_openapi_lists_the_contract(client):
    spec = client.get("/v1/openapi.json").json
    assert {"/v1/events", "/v1/events/batch", "/readyz", "/v1/targets", "/v1/people/{person}/recognition",
            "/v1/directory/sync", "/v1/teams/{team_id}/recognition"} <= set(spec["paths"])
    event = spec["components"]["schemas"]["Event"]
    assert {"id", "type", "actor", "target", "time"} <= set(event["required"])
    assert "CommentData" in spec["components"]["schemas"]
    from openapi_spec_validator import validate
    validate(spec)


def test_health_readiness_and_metrics(app, client, writer_key):
    """ENGAGEMENT_CONSUMERS=external (the tests' setting): ready only while a consumer process beats."""
    assert client.get("/healthz").json == {"status": "ok"}
    client.post("/v1/events", json=like(), headers=bearer(writer_key))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"] == "ok" and ready.json["checks"]["bus"] == "ok"
    assert ready.json["checks"]["consumers"].startswith("failing: no consumer process has applied ledger, ")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'tillit_consumer_lag{consumer="ledger"} 1.0' in body
    assert "tillit_events_accepted_total" in body
    workers = ConsumerThreads(app).start()  # what `engagement consume` runs
    try:
        assert wait_for(lambda: client.get("/readyz").status_code == 200, timeout=60)
        assert client.get("/readyz").json["checks"] == {"database": "ok", "bus": "ok", "consumers": "ok"}
        assert wait_for(lambda: client.get("/readyz").json["consumer_lag"]["ledger"] == 0, timeout=60)
    finally:
        workers.stop()
    assert client.get("/readyz").status_code == 503  # a clean stop takes its beats back at once


def test_cors_allows_listed_origins_only(tmp_path):
    from engagement import create_app
    app = create_app({"ENGAGEMENT_CORS_ORIGINS": ["https://intranet.example"],
                      "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                      "ENGAGEMENT_EVENT_LOG": str(tmp_path / "log.sqlite3")})
    client = app.test_client()
    allowed = client.options("/v1/events", headers={"Origin": "https://intranet.example",
                                                    "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "authorization"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://intranet.example"
    other = client.options("/v1/events", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers


def every_query_raises(monkeypatch, error: Exception) -> None:
    from sqlalchemy.orm import Session

    def fail(*args, **kwargs):
        raise error
    for method in ("execute", "scalars", "scalar", "get"):
        monkeypatch.setattr(Session, method, fail)


def test_database_outage_answers_503_with_retry_after(client, writer_key, monkeypatch):
    """A database that restarts or fails over: clients are told to retry, like a bus outage."""
    from sqlalchemy.exc import OperationalError
    every_query_raises(monkeypatch, OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    response = client.post("/v1/events", json=like(), headers=bearer(writer_key))
    assert response.status_code == 503, response.json
    assert response.mimetype == PROBLEM
    assert response.json["title"] == "Database unavailable"
    assert response.headers["Retry-After"].isdigit()


def test_a_data_error_is_not_called_an_outage(client, writer_key, monkeypatch):
    from sqlalchemy.exc import DataError
    every_query_raises(monkeypatch, DataError("SELECT 1", {}, Exception("value too long")))
    response = client.post("/v1/events", json=like(), headers=bearer(writer_key))
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_a_user_cannot_spend_the_event_id_the_intranet_will_publish_with(app, client, make_key, user_token):
    """Ids derived by the back end ("pub-<article>") are predictable: a widget token sending any
    event under one must not make the back end's later event a duplicate every read model drops."""
    from tests.conftest import drain
    key = make_key("events:write", name="intranet")
    squat = like("pub-news-42", actor="mallory", target="something-else", owner="mallory")
    assert client.post("/v1/events", json=squat, headers=bearer(user_token("mallory"))).status_code == 202
    published = {"id": "pub-news-42", "type": "content.published", "actor": "ola",
                 "time": "2026-11-02T10:00:00+01:00", "target": {"kind": "article", "id": "news-42", "owner": "ola"},
                 "data": {"content_kind": "article", "title": "Nytt fra drift"}}
    assert client.post("/v1/events", json=published, headers=bearer(key)).status_code == 202
    assert client.post("/v1/events", json=like("kari-likes-42", actor="kari", target="news-42", owner="ola"),
                       headers=bearer(user_token("kari"))).status_code == 202
    drain(app, ("ledger", "recognition"))
    ola = client.get("/v1/people/ola/recognition", headers=bearer(key)).json
    assert ola["received"]["like"] == 1, f"the acknowledged publication was dropped: {ola}"


def test_a_widget_retry_is_still_one_event_and_answers_its_own_id(app, client, make_key, user_token):
    """Scoping a person's ids must keep what ids are for: the same id from the same person counts
    once, the answer names the id the widget sent, and two people may pick the same id."""
    from tests.conftest import drain
    key = make_key("events:write", name="intranet")
    for person in ("kari", "kari", "per"):
        answer = client.post("/v1/events", json=like("click-1", actor=person, target="news-1", owner="ola"),
                             headers=bearer(user_token(person)))
        assert answer.status_code == 202 and answer.json == {"accepted": ["click-1"], "count": 1}
    drain(app, ("ledger", "recognition"))
    counts = client.get("/v1/targets/article/news-1", headers=bearer(key)).json
    assert counts["likes"] == 2, counts
    ids = sorted(json.loads(r.value)["id"] for r in state(app).bus.read_after(0, 10))
    assert ids == ["~kari~click-1", "~kari~click-1", "~per~click-1"]


def test_a_scoped_id_too_long_for_the_column_is_kept_as_a_digest():
    from engagement.ledger.event_ids import MAX_LENGTH, PSEUDONYM_ROOM, scoped
    assert scoped("kari", "x" * 100) == "~kari~" + "x" * 100
    long = scoped("kari", "x" * 128)
    assert long.startswith("~#") and len(long) <= MAX_LENGTH and long == scoped("kari", "x" * 128)
    near = MAX_LENGTH - PSEUDONYM_ROOM - 2  # room left for the pseudonym erasure puts in the person's place
    assert scoped("k", "x" * near).startswith("~k~") and scoped("k", "x" * (near + 1)).startswith("~#")


def test_a_database_that_goes_away_as_the_answer_is_made_does_not_turn_it_into_a_500(app, client, writer_key,
                                                                                   monkeypatch):
    """PostgreSQL stopped after the event was published: closing the request's session fails on
    its rollback ("terminating connection due to administrator command"). The client must still
    get the 202 that the bus earned, not a 500 it would read as a failure to retry as one."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session
    closing, failed = Session.close, []

    def close_on_a_dead_connection(self):
        if not failed:
            failed.append(True)
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))
        return closing(self)
    monkeypatch.setattr(Session, "close", close_on_a_dead_connection)
    response = client.post("/v1/events", json=like("after-the-stop"), headers=bearer(writer_key))
    assert response.status_code == 202 and failed
    monkeypatch.setattr(Session, "close", closing)
    assert client.post("/v1/events", json=like("next"), headers=bearer(writer_key)).status_code == 202
