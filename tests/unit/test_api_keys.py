"""API keys from the console: only the operator manages them, a key is shown once, a revoked key
stops, and a key's last use is written at most once a minute."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engagement import auth
from engagement.auth import KEY_CACHE_SECONDS, KeyCache, principal_for_key, revoke_api_key
from engagement.db import utcnow
from engagement.errors import Unauthenticated
from engagement.ledger.model import ApiKey
from engagement.state import state
from tests.conftest import bearer

ADMIN, COMMS, LEADER = ("admin",), ("communications",), ("leader",)


def test_a_communications_user_or_leader_cannot_mint_a_key(client, user_token):
    for roles in (COMMS, LEADER, ()):
        answer = client.post("/v1/keys", json={"name": "mine", "scopes": ["events:write"]},
                             headers=bearer(user_token("siri", roles=roles)))
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json", roles
        assert client.get("/v1/keys", headers=bearer(user_token("siri", roles=roles))).status_code == 403


def test_a_key_without_keys_manage_cannot_mint_one(client, make_key):
    answer = client.post("/v1/keys", json={"name": "more", "scopes": ["events:write"]},
                         headers=bearer(make_key("events:write", "audit:read")))
    assert answer.status_code == 403


def test_the_key_is_shown_once_and_works(client, user_token):
    admin = bearer(user_token("per", roles=ADMIN))
    made = client.post("/v1/keys", json={"name": "chat bridge", "scopes": ["trust:read"]}, headers=admin)
    assert made.status_code == 201
    key = made.json["key"]
    assert key.startswith(f"tlt_{made.json['prefix']}_") and made.json["scopes"] == ["trust:read"]
    listed = client.get("/v1/keys", headers=admin).json["keys"]
    assert [k["name"] for k in listed] == ["chat bridge"]
    assert "key" not in listed[0] and key not in str(listed)
    assert client.get("/v1/trust/thresholds", headers=bearer(key)).status_code == 200


def test_a_keys_manage_key_made_by_the_cli_manages_keys(client, make_key):
    operator = bearer(make_key("keys:manage", name="operator"))
    made = client.post("/v1/keys", json={"name": "intranet", "scopes": ["events:write"]}, headers=operator)
    assert made.status_code == 201
    names = {k["name"] for k in client.get("/v1/keys", headers=operator).json["keys"]}
    assert names == {"operator", "intranet"}


def test_bad_bodies_name_each_field_and_make_nothing(client, user_token):
    admin = bearer(user_token("per", roles=ADMIN))
    answer = client.post("/v1/keys", json={"name": "", "scopes": ["everything"]}, headers=admin)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert {e["field"] for e in answer.json["errors"]} >= {"name", "scopes.0"}
    assert client.post("/v1/keys", json={"name": "x", "scopes": []}, headers=admin).status_code == 422
    assert client.get("/v1/keys", headers=admin).json["keys"] == []


def test_revoking_stops_the_key_at_once(client, user_token):
    admin = bearer(user_token("per", roles=ADMIN))
    made = client.post("/v1/keys", json={"name": "old", "scopes": ["trust:read"]}, headers=admin).json
    assert client.get("/v1/trust/thresholds", headers=bearer(made["key"])).status_code == 200  # now cached
    revoked = client.post(f"/v1/keys/{made['prefix']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.get("/v1/trust/thresholds", headers=bearer(made["key"])).status_code == 401
    assert client.post("/v1/keys/0a1b2c3d/revoke", headers=admin).status_code == 404
    assert client.post("/v1/keys/not-hex/revoke", headers=admin).status_code == 422


def test_a_key_revoked_elsewhere_stops_within_the_cache_interval(app, make_key, monkeypatch):
    """Another process (its own KeyCache) that verified the key keeps it at most KEY_CACHE_SECONDS
    (a few seconds) after the revocation, and asks the database again after that."""
    key = make_key("events:write", name="elsewhere")
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    other_process = KeyCache()
    with app.app_context():
        session = state(app).db.session
        assert principal_for_key(session, key, other_process).name == "elsewhere"
        assert revoke_api_key(session, key[4:12])
        session.commit()
        clock[0] += KEY_CACHE_SECONDS - 0.1
        assert principal_for_key(session, key, other_process).name == "elsewhere"  # still cached
        clock[0] += 0.2
        with pytest.raises(Unauthenticated):
            principal_for_key(session, key, other_process)
    assert KEY_CACHE_SECONDS <= 5


def test_last_use_is_written_at_most_once_a_minute(app, client, make_key, user_token):
    key = make_key("trust:read", name="busy")
    with app.app_context():
        session = state(app).db.session
        row = session.scalar(select(ApiKey).where(ApiKey.name == "busy"))
        assert row.last_used_at is None
        principal_for_key(session(), key, KeyCache())  # a fresh cache each time: every call reaches the row
        first = session.scalar(select(ApiKey.last_used_at).where(ApiKey.name == "busy"))
        assert first is not None
        principal_for_key(session(), key, KeyCache())
        assert session.scalar(select(ApiKey.last_used_at).where(ApiKey.name == "busy")) == first
        earlier = utcnow() - timedelta(seconds=61)
        session.execute(ApiKey.__table__.update().values(last_used_at=earlier))
        session.commit()
        principal_for_key(session(), key, KeyCache())
        assert session.scalar(select(ApiKey.last_used_at).where(ApiKey.name == "busy")) > earlier
    listed = client.get("/v1/keys", headers=bearer(user_token("per", roles=ADMIN))).json["keys"]
    assert listed[0]["last_used_at"] is not None


def test_thresholds_in_force_for_communications(client, user_token):
    answer = client.get("/v1/trust/thresholds", headers=bearer(user_token("siri", roles=COMMS)))
    assert answer.status_code == 200
    assert all(isinstance(v, float | int) for limits in answer.json["thresholds"].values() for v in limits.values())
    assert client.get("/v1/trust/thresholds", headers=bearer(user_token("lena", roles=LEADER))).status_code == 403


def test_the_admin_reads_the_audit_logs_but_communications_do_not(client, user_token):
    admin, comms = bearer(user_token("per", roles=ADMIN)), bearer(user_token("siri", roles=COMMS))
    client.get("/v1/trust/thresholds", headers=comms)
    for path in ("/v1/trust/audit", "/v1/privacy/audit", "/v1/moderation/reports"):
        assert client.get(path, headers=admin).status_code == 200, path
        assert client.get(path, headers=comms).status_code == 403, path
