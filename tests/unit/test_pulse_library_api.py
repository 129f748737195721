"""What the console reads to define a pulse, over HTTP: the library in one language, grouped by
leader and climate statements, and the directory's teams with their paths; communications staff
and keys with pulses:manage or reports:read may read them, members, leaders and other keys not."""
from __future__ import annotations

import pytest

from engagement.pulses import library
from tests.conftest import bearer
from tests.unit.test_pulses import directory


@pytest.fixture
def comms(user_token):
    return bearer(user_token("kari", roles=("communications",)))


def test_the_library_comes_in_the_asked_language_with_three_wordings(client, comms):
    response = client.get("/v1/pulses/library?lang=nn", headers=comms)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["lang"] == "nn"
    keys = [s["key"] for s in body["statements"]]
    assert keys == list(library.STATEMENTS)
    first = body["statements"][0]
    assert first["group"] == "leader" and first["texts"] == library.STATEMENTS[first["key"]]["nn"]
    assert {s["group"] for s in body["statements"] if s["key"].startswith("climate.")} == {"climate"}
    assert client.get("/v1/pulses/library", headers=comms).json["lang"] == "nb"


def test_an_unknown_language_is_named_as_the_bad_field(client, comms):
    response = client.get("/v1/pulses/library?lang=sv", headers=comms)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["lang"]


def test_the_teams_come_with_their_path_sorted_by_it(app, client, make_key, comms):
    directory(app, client, make_key)
    response = client.get("/v1/pulses/teams", headers=comms)
    assert response.status_code == 200, response.json
    assert response.json["teams"] == [
        {"id": "org", "name": "Etaten", "path": []},
        {"id": "drift", "name": "Drift", "path": ["Etaten"]},
        {"id": "lonn", "name": "Lønn", "path": ["Etaten"]},
        {"id": "comms", "name": "Kommunikasjon", "path": []},
    ]


@pytest.mark.parametrize("path", ["/v1/pulses/library", "/v1/pulses/teams"])
def test_members_leaders_and_other_keys_may_not_read_them(client, make_key, user_token, path):
    for refused in (user_token("ola"), user_token("lena", roles=("leader",)), make_key("events:write")):
        assert client.get(path, headers=bearer(refused)).status_code == 403
    assert client.get(path).status_code == 401
    for allowed in (make_key("pulses:manage"), make_key("reports:read")):
        assert client.get(path, headers=bearer(allowed)).status_code == 200
