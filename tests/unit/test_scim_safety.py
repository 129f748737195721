"""SCIM provisioning against what a careless or hostile identity provider can send: a Group taking
over an HR team never empties it, a filter cannot make the service work for minutes, userNames
differing only in case are one person, history is never written out of order, and read-only
attributes are refused rather than silently ignored."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from engagement.directory.model import Membership, Person
from engagement.errors import is_connection_error
from tests.conftest import bearer
from tests.unit.test_scim import ENTERPRISE, PATCH, USER, ops, rows, send

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def hr_team(client, key, as_of="2026-01-01T00:00:00Z"):
    """Økonomi with a leader and two members, from the HR sync."""
    sync = {"mode": "full", "as_of": as_of, "teams": [{"id": "okonomi", "name": "Økonomi", "parent": None}],
            "people": [{"id": "Ola", "name": "Ola HR", "team": "okonomi"},
                       {"id": "per", "name": "Per", "team": "okonomi"},
                       {"id": "boss", "name": "Boss", "team": "okonomi", "role": "leader"}]}
    answer = client.post("/v1/directory/sync", json=sync, headers=bearer(key))
    assert answer.status_code == 200, answer.json


def team_of(app):
    return {p.id: p.team_id for p in rows(app, Person)}


def test_a_group_taking_over_an_hr_team_with_empty_members_removes_no_one(app, client, make_key):
    key = make_key("directory:write")
    hr_team(client, key)
    created = send(client, key, "POST", "/Groups", {"schemas": [GROUP], "displayName": "økonomi",
                                                    "externalId": "e", "members": []})
    assert created.status_code == 201 and created.json["id"] == "okonomi"
    assert sorted(m["value"] for m in created.json["members"]) == ["Ola", "boss", "per"]
    assert team_of(app) == {"Ola": "okonomi", "per": "okonomi", "boss": "okonomi"}
    renamed = send(client, key, "PUT", "/Groups/okonomi", {"schemas": [GROUP], "displayName": "Økonomi og lønn"})
    assert renamed.status_code == 200 and len(renamed.json["members"]) == 3  # a PUT not naming members keeps them
    assert len(rows(app, Membership)) == 3  # nobody left and came back


def test_a_takeover_with_some_members_adds_them_and_keeps_the_team(app, client, make_key):
    key = make_key("directory:write")
    hr_team(client, key)
    assert send(client, key, "POST", "/Users", {"userName": "new"}).status_code == 201
    created = send(client, key, "POST", "/Groups", {"displayName": "ØKONOMI", "members": [{"value": "new"}]})
    assert created.status_code == 201
    assert team_of(app) == {"Ola": "okonomi", "per": "okonomi", "boss": "okonomi", "new": "okonomi"}
    # Later changes that name people do remove them: a PATCH remove, and a PUT listing the members.
    removed = send(client, key, "PATCH", "/Groups/okonomi",
                   ops({"op": "remove", "path": 'members[value eq "per"]'}))
    assert removed.status_code == 200 and team_of(app)["per"] is None
    put = send(client, key, "PUT", "/Groups/okonomi", {"displayName": "Økonomi", "members": [{"value": "boss"}]})
    assert put.status_code == 200 and [m["value"] for m in put.json["members"]] == ["boss"]
    emptied = send(client, key, "PATCH", "/Groups/okonomi", ops({"op": "remove", "path": "members"}))
    assert emptied.status_code == 200 and "members" not in emptied.json and team_of(app)["boss"] is None


@pytest.mark.parametrize("where", ["GET", "search"])
def test_a_long_or_many_clause_filter_is_refused_at_once_naming_the_limit(client, make_key, where):
    key = make_key("directory:write")

    def ask(filter_text):
        if where == "GET":
            return client.get("/scim/v2/Users", query_string={"filter": filter_text}, headers=bearer(key))
        return send(client, key, "POST", "/.search", {"filter": filter_text})

    too_long = ask("a" + " and a" * 170000)  # 1 MB: took minutes to split before the cap
    assert too_long.status_code == 400 and too_long.json["scimType"] == "invalidFilter"
    assert "4096 characters" in too_long.json["detail"]
    many = ask('userName eq "x"' + ' and userName eq "x"' * 60)
    assert many.status_code == 400 and many.json["scimType"] == "tooMany" and "50 clauses" in many.json["detail"]
    fifty = ask('externalId eq "a and b"' + ' and externalId eq "a and b"' * 49)
    assert fifty.status_code == 200 and fifty.json["totalResults"] == 0


def test_an_and_inside_quotes_does_not_split_a_filter(client, make_key):
    key = make_key("directory:write")
    assert send(client, key, "POST", "/Users", {"userName": "salt", "externalId": "salt and pepper"}).status_code == 201
    found = send(client, key, "GET", '/Users?filter=externalId eq "salt and pepper" and userName eq "SALT"')
    assert found.status_code == 200 and found.json["totalResults"] == 1


def test_a_statement_the_database_cannot_build_is_not_called_an_outage(tmp_path):
    """SQLite's 'Expression tree is too large' comes from the statement: retrying cannot help, so
    it is no connection error (503); a database file that cannot be opened is."""
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn, pytest.raises(DBAPIError) as too_large:
        conn.execute(text("SELECT " + " AND ".join(["1 = 1"] * 5000)))
    assert isinstance(too_large.value.orig, sqlite3.OperationalError)
    assert not is_connection_error(too_large.value)
    with engine.connect() as conn, pytest.raises(DBAPIError) as no_table:
        conn.execute(text("SELECT * FROM engagement_not_yet_made"))
    assert is_connection_error(no_table.value)  # a database before `db upgrade`: consumers wait for it
    away = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    with pytest.raises(DBAPIError) as cannot_open:
        away.connect()
    assert is_connection_error(cannot_open.value)


def test_the_postgresql_server_refusing_connections_is_still_an_outage():
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with pytest.raises(DBAPIError) as refused:
        engine.connect()
    assert is_connection_error(refused.value)


def test_a_username_differing_only_in_case_takes_over_the_hr_person(app, client, make_key):
    key = make_key("directory:write")
    hr_team(client, key)
    created = send(client, key, "POST", "/Users", {"schemas": [USER], "userName": "ola", "displayName": "Ola N"})
    assert created.status_code == 201 and created.json["id"] == "Ola" and created.json["userName"] == "ola"
    assert sorted(p.id for p in rows(app, Person)) == ["Ola", "boss", "per"]  # no second Ola
    assert rows(app, Person, id="Ola")[0].team_id == "okonomi"
    again = send(client, key, "POST", "/Users", {"schemas": [USER], "userName": "OLA"})
    assert again.status_code == 409 and again.json["scimType"] == "uniqueness"


def test_a_deleted_user_comes_back_under_its_id_whatever_the_case(app, client, make_key):
    key = make_key("directory:write")
    assert send(client, key, "POST", "/Users", {"userName": "gone"}).status_code == 201
    assert send(client, key, "DELETE", "/Users/gone").status_code == 204
    back = send(client, key, "POST", "/Users", {"userName": "GONE"})
    assert back.status_code == 201 and back.json["id"] == "gone"
    assert [(p.id, p.active) for p in rows(app, Person)] == [("gone", True)]


def test_a_username_matching_two_people_ignoring_case_is_a_conflict_naming_them(app, client, make_key):
    key = make_key("directory:write")
    sync = {"mode": "delta", "teams": [], "people": [{"id": "Kari", "name": "Kari A", "team": None},
                                                     {"id": "KARI", "name": "Kari B", "team": None}]}
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
    answer = send(client, key, "POST", "/Users", {"userName": "kari"})
    assert answer.status_code == 409 and "KARI, Kari" in answer.json["detail"]
    assert len(rows(app, Person)) == 2


def test_an_hr_sync_dated_before_a_scim_change_is_refused_naming_the_person(app, client, make_key):
    key = make_key("directory:write")
    assert send(client, key, "POST", "/Users", {"userName": "ola"}).status_code == 201
    assert send(client, key, "POST", "/Groups", {"displayName": "A", "members": [{"value": "ola"}]}).status_code == 201
    backdated = {"mode": "delta", "as_of": "2026-01-01T00:00:00Z",
                 "teams": [{"id": "b", "name": "B", "parent": None}],
                 "people": [{"id": "ola", "name": "Ola", "team": "b"}]}
    answer = client.post("/v1/directory/sync", json=backdated, headers=bearer(key))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert [(e["field"], "'ola'" in e["message"]) for e in answer.json["errors"]] == [("people.0.as_of", True)]
    assert [(m.team_id, m.valid_to) for m in rows(app, Membership)] == [("a", None)]  # nothing written
    same_team = {**backdated, "teams": [], "people": [{"id": "ola", "name": "Ola Nordmann", "team": "a"}]}
    assert client.post("/v1/directory/sync", json=same_team, headers=bearer(key)).status_code == 200


def test_a_full_hr_sync_dated_before_a_scim_change_cannot_make_that_person_leave(app, client, make_key):
    key = make_key("directory:write")
    hr_team(client, key)
    assert send(client, key, "POST", "/Groups", {"displayName": "Ny", "members": [{"value": "per"}]}).status_code == 201
    sync = {"mode": "full", "as_of": "2026-02-01T00:00:00Z",
            "teams": [{"id": "okonomi", "name": "Økonomi", "parent": None}],
            "people": [{"id": "Ola", "name": "Ola HR", "team": "okonomi"},
                       {"id": "boss", "name": "Boss", "team": "okonomi", "role": "leader"}]}
    answer = client.post("/v1/directory/sync", json=sync, headers=bearer(key))
    assert answer.status_code == 422 and "'per'" in answer.json["errors"][0]["message"]


@pytest.mark.parametrize("operation", [
    {"op": "replace", "path": "id", "value": "evil"},
    {"op": "replace", "path": "meta.created", "value": "2000-01-01T00:00:00Z"},
    {"op": "replace", "value": {"id": "evil2"}},
    {"op": "replace", "path": "schemas", "value": []},
    {"op": "remove", "path": "schemas"},
    {"op": "add", "path": "roles", "value": [{"value": "leader"}]},
])
def test_patching_a_read_only_attribute_is_a_400_mutability(app, client, make_key, operation):
    key = make_key("directory:write")
    assert send(client, key, "POST", "/Users", {"userName": "p1"}).status_code == 201
    before = send(client, key, "GET", "/Users/p1").json
    answer = send(client, key, "PATCH", "/Users/p1", {"schemas": [PATCH], "Operations": [operation]})
    assert answer.status_code == 400 and answer.json["scimType"] == "mutability", answer.json
    assert send(client, key, "GET", "/Users/p1").json == before


def test_sending_a_read_only_attribute_unchanged_is_no_change(client, make_key):
    key = make_key("directory:write")
    assert send(client, key, "POST", "/Users", {"userName": "p1"}).status_code == 201
    answer = send(client, key, "PATCH", "/Users/p1", ops({"op": "replace", "value": {"id": "p1", "displayName": "P"}}))
    assert answer.status_code == 200 and answer.json["displayName"] == "P"


def test_a_person_cannot_be_their_own_manager(app, client, make_key):
    key = make_key("directory:write")
    own = send(client, key, "POST", "/Users", {"userName": "p1", ENTERPRISE: {"manager": {"value": "p1"}}})
    assert own.status_code == 400 and "manager" in own.json["detail"] and not rows(app, Person)
    assert send(client, key, "POST", "/Users", {"userName": "p2"}).status_code == 201
    patched = send(client, key, "PATCH", "/Users/p2", ops({"op": "replace", "path": f"{ENTERPRISE}:manager",
                                                           "value": "P2"}))
    assert patched.status_code == 400 and "manager" in patched.json["detail"]


def test_a_groups_version_is_the_same_from_any_host_and_follows_its_members(app, client, make_key):
    """If-Match must compare what the Group is: not the address the client used (its references
    carry it), and not whether the members were asked for (Entra excludes them)."""
    key = make_key("directory:write")
    hr_team(client, key)
    send(client, key, "POST", "/Groups", {"schemas": [GROUP], "displayName": "økonomi", "externalId": "e"})
    here = send(client, key, "GET", "/Groups/okonomi").json["meta"]["version"]
    there = client.get("/scim/v2/Groups/okonomi", headers={"Authorization": f"Bearer {key}"},
                       base_url="http://127.0.0.1:8080").json["meta"]["version"]
    slim = send(client, key, "GET", "/Groups/okonomi?excludedAttributes=members").json["meta"]["version"]
    assert here == there == slim
    removed = send(client, key, "PATCH", "/Groups/okonomi",
                   {"schemas": [PATCH], "Operations": [{"op": "remove", "path": 'members[value eq "per"]'}]})
    assert removed.status_code in (200, 204), removed.json
    after = send(client, key, "GET", "/Groups/okonomi?excludedAttributes=members").json["meta"]["version"]
    assert after != slim
    stale = send(client, key, "PATCH", "/Groups/okonomi", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "displayName", "value": "Økonomi"}]}, **{"If-Match": slim})
    assert stale.status_code == 412
