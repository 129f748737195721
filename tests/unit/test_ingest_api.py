"""The ingest API through real WSGI requests on the embedded default."""
from __future__ import annotations

import json

from engagement.extension import state
from tests.conftest import bearer, like

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


def test_health_readiness_and_metrics(client, writer_key):
    assert client.get("/healthz").json == {"status": "ok"}
    client.post("/v1/events", json=like(), headers=bearer(writer_key))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "redis": "ok", "bus": "ok"}
    assert ready.json["consumer_lag"]["ledger"] == 1
    body = client.get("/metrics").get_data(as_text=True)
    assert 'tillit_consumer_lag{consumer="ledger"} 1.0' in body
    assert "tillit_events_accepted_total" in body


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
