"""GET /v1/me: whom the verified token names, so the widgets never decode a token themselves."""
from __future__ import annotations

from tests.conftest import bearer


def test_a_user_token_learns_its_person_and_roles(client, user_token):
    answer = client.get("/v1/me", headers=bearer(user_token("lena", roles=("leader", "communications"))))
    assert answer.status_code == 200
    assert answer.json == {"person": "lena", "roles": ["communications", "leader"]}
    assert client.get("/v1/me", headers=bearer(user_token("kari"))).json == {"person": "kari", "roles": []}


def test_an_expired_token_is_401_and_a_key_403_both_as_problems(client, user_token, make_key):
    expired = client.get("/v1/me", headers=bearer(user_token("kari", ttl=-120)))
    assert expired.status_code == 401 and expired.mimetype == "application/problem+json"
    key = client.get("/v1/me", headers=bearer(make_key("events:write")))
    assert key.status_code == 403 and key.mimetype == "application/problem+json"
    assert "names no person" in key.json["detail"]


def test_the_answer_is_in_the_openapi_document(client):
    spec = client.get("/v1/openapi.json").json
    answer = spec["paths"]["/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert spec["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]["required"] == ["person", "roles"]
