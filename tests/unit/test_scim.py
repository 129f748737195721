"""SCIM 2.0 provisioning over real HTTP requests: what Entra ID and Okta send lands in the
directory, with its history, and bad input is refused whole."""
from __future__ import annotations

from sqlalchemy import select

from engagement.directory.model import ManagerLink, Membership, Person, Team
from engagement.state import state
from tests.conftest import bearer

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def headers(key):
    return {**bearer(key), "Content-Type": SCIM}


def send(client, key, method, path, body=None, **extra):
    return client.open(f"/scim/v2{path}", method=method, json=body, headers={**headers(key), **extra})


def kari(**overrides):
    body = {"schemas": [USER, ENTERPRISE], "userName": "kari@kommune.no", "externalId": "e-1",
            "name": {"givenName": "Kari", "familyName": "Nordmann"}, "displayName": "Kari Nordmann",
            "emails": [{"value": "kari@kommune.no", "type": "work", "primary": True}], "active": True,
            ENTERPRISE: {"department": "HR", "manager": {"value": "ola@kommune.no"}}}
    body.update(overrides)
    return body


def ops(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def rows(app, model, **where):
    with app.app_context():
        query = select(model).filter_by(**where)
        return list(state(app).db.session().scalars(query))


def test_without_a_key_scim_answers_401_as_a_scim_error(client, make_key):
    answer = client.get("/scim/v2/Users")
    assert answer.status_code == 401 and answer.mimetype == SCIM
    assert answer.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"] and answer.json["status"] == "401"
    wrong = client.get("/scim/v2/Users", headers=bearer(make_key("events:write")))
    assert wrong.status_code == 403 and wrong.mimetype == SCIM


def test_a_created_user_lands_in_the_directory_and_is_found_by_filter(app, client, make_key):
    key = make_key("directory:write")
    created = send(client, key, "POST", "/Users", kari())
    assert created.status_code == 201 and created.mimetype == SCIM, created.json
    body = created.json
    assert body["id"] == "kari@kommune.no" and body["meta"]["resourceType"] == "User"
    assert created.headers["ETag"] == body["meta"]["version"]
    assert created.headers["Location"].endswith("/scim/v2/Users/kari@kommune.no")
    assert body[ENTERPRISE] == {"department": "HR", "manager": {"value": "ola@kommune.no"}}
    person = rows(app, Person, id="kari@kommune.no")[0]
    assert (person.name, person.email, person.department, person.active) == (
        "Kari Nordmann", "kari@kommune.no", "HR", True)
    assert [m.manager_id for m in rows(app, ManagerLink, person_id="kari@kommune.no")] == ["ola@kommune.no"]
    found = send(client, key, "GET", '/Users?filter=userName eq "KARI@kommune.no"').json
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == "kari@kommune.no"
    assert send(client, key, "GET", '/Users?filter=externalId eq "e-1"').json["totalResults"] == 1
    assert send(client, key, "GET", '/Users?filter=userName eq "nobody"').json["totalResults"] == 0
    again = send(client, key, "POST", "/Users", kari())
    assert again.status_code == 409 and again.json["scimType"] == "uniqueness"


def test_paging_by_start_index_and_count(client, make_key):
    key = make_key("directory:write")
    for n in range(5):
        assert send(client, key, "POST", "/Users", {"userName": f"p{n}"}).status_code == 201
    page = send(client, key, "GET", "/Users?startIndex=2&count=2").json
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [u["userName"] for u in page["Resources"]] == ["p1", "p2"]


def test_entra_id_patch_quirks(app, client, make_key):
    key = make_key("directory:write")
    send(client, key, "POST", "/Users", kari())
    patched = send(client, key, "PATCH", "/Users/kari@kommune.no", ops(
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "kari.n@kommune.no"},
        {"op": "Add", "path": "name.givenName", "value": "Kari Anne"},
        {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": "per@kommune.no"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Økonomi"},
        {"op": "Replace", "value": {"displayName": "Kari Anne Nordmann"}}))
    assert patched.status_code == 200, patched.json
    body = patched.json
    assert body["emails"][0]["value"] == "kari.n@kommune.no" and body["name"]["givenName"] == "Kari Anne"
    assert body[ENTERPRISE] == {"department": "Økonomi", "manager": {"value": "per@kommune.no"}}
    links = sorted((m.manager_id, m.valid_to is None) for m in rows(app, ManagerLink, person_id="kari@kommune.no"))
    assert links == [("ola@kommune.no", False), ("per@kommune.no", True)]  # the old manager kept with its end
    person = rows(app, Person, id="kari@kommune.no")[0]
    assert (person.name, person.email) == ("Kari Anne Nordmann", "kari.n@kommune.no")


def test_active_false_as_a_string_deactivates_and_history_keeps_the_membership(app, client, make_key):
    key = make_key("directory:write")
    send(client, key, "POST", "/Users", kari())
    group = send(client, key, "POST", "/Groups", {"displayName": "HR-teamet",
                                                  "members": [{"value": "kari@kommune.no"}]})
    assert group.status_code == 201, group.json
    team = group.json["id"]
    assert [m.team_id for m in rows(app, Membership, person_id="kari@kommune.no")] == [team]
    off = send(client, key, "PATCH", "/Users/kari@kommune.no", ops({"op": "Replace", "path": "active",
                                                                     "value": "False"}))
    assert off.status_code == 200 and off.json["active"] is False
    person = rows(app, Person, id="kari@kommune.no")[0]
    assert person.active is False
    [membership] = rows(app, Membership, person_id="kari@kommune.no")
    assert membership.team_id == team and membership.valid_to is not None  # closed, not deleted
    assert "members" not in send(client, key, "GET", f"/Groups/{team}").json


def test_delete_deactivates_and_never_deletes(app, client, make_key):
    key = make_key("directory:write")
    send(client, key, "POST", "/Users", kari())
    assert send(client, key, "DELETE", "/Users/kari@kommune.no").status_code == 204
    assert send(client, key, "GET", "/Users/kari@kommune.no").status_code == 404
    [person] = rows(app, Person, id="kari@kommune.no")
    assert person.active is False and person.name == "Kari Nordmann"
    back = send(client, key, "POST", "/Users", kari())  # provisioned again: the same person comes back
    assert back.status_code == 201 and rows(app, Person, id="kari@kommune.no")[0].active is True


def test_group_members_move_people_between_teams_with_okta_and_entra_paths(app, client, make_key):
    key = make_key("directory:write")
    for name in ("kari", "ola"):
        send(client, key, "POST", "/Users", {"userName": name})
    a = send(client, key, "POST", "/Groups", {"displayName": "Alfa", "members": [{"value": "kari"}]}).json["id"]
    b = send(client, key, "POST", "/Groups", {"displayName": "Økonomi og lønn"}).json["id"]
    assert b == "okonomi-og-lonn"
    added = send(client, key, "PATCH", f"/Groups/{b}", ops({"op": "add", "path": "members",
                                                            "value": [{"value": "kari"}, {"value": "ola"}]}))
    assert added.status_code == 200 and [m["value"] for m in added.json["members"]] == ["kari", "ola"]
    assert "members" not in send(client, key, "GET", f"/Groups/{a}").json  # kari moved: one team at a time
    history = sorted((m.team_id, m.valid_to is None) for m in rows(app, Membership, person_id="kari"))
    assert history == [(a, False), (b, True)]
    removed = send(client, key, "PATCH", f"/Groups/{b}", ops({"op": "remove", "path": 'members[value eq "ola"]'}))
    assert [m["value"] for m in removed.json["members"]] == ["kari"]
    entra = send(client, key, "PATCH", f"/Groups/{b}", ops({"op": "Remove", "path": "members",
                                                            "value": [{"value": "kari"}]}))
    assert "members" not in entra.json
    found = send(client, key, "GET", '/Groups?filter=displayName eq "ØKONOMI og lønn"&excludedAttributes=members').json
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == b
    assert send(client, key, "DELETE", f"/Groups/{a}").status_code == 204
    assert rows(app, Team, id=a) == []


def test_department_places_people_when_so_configured(app, client, make_key):
    app.config["ENGAGEMENT_SCIM_TEAMS"] = "department"
    key = make_key("directory:write")
    send(client, key, "POST", "/Users", kari())
    [team] = rows(app, Team, name="HR")
    assert rows(app, Person, id="kari@kommune.no")[0].team_id == team.id
    listed = send(client, key, "GET", '/Groups?filter=displayName eq "HR"').json["Resources"]
    assert [m["value"] for m in listed[0]["members"]] == ["kari@kommune.no"]
    refused = send(client, key, "PATCH", f"/Groups/{team.id}", ops({"op": "remove", "path": "members"}))
    assert refused.status_code == 400 and refused.json["scimType"] == "mutability"


def test_bad_input_is_a_scim_400_naming_the_field_and_nothing_is_half_applied(app, client, make_key):
    key = make_key("directory:write")
    bad = send(client, key, "POST", "/Users", kari(emails=[{"value": "not-an-address"}], active="maybe"))
    assert bad.status_code == 400 and bad.json["scimType"] == "invalidValue" and bad.mimetype == SCIM
    assert "emails[0].value" in bad.json["detail"] and "active" in bad.json["detail"]
    assert rows(app, Person) == []
    send(client, key, "POST", "/Users", kari())
    before = send(client, key, "GET", "/Users/kari@kommune.no").json
    half = send(client, key, "PATCH", "/Users/kari@kommune.no", ops(
        {"op": "replace", "path": "displayName", "value": "Nytt navn"},
        {"op": "replace", "path": "displayName", "value": "x" * 300}))
    assert half.status_code == 400 and "displayName" in half.json["detail"]
    assert send(client, key, "GET", "/Users/kari@kommune.no").json == before
    assert rows(app, Person, id="kari@kommune.no")[0].name == "Kari Nordmann"
    wrong_path = send(client, key, "PATCH", "/Users/kari@kommune.no", ops({"op": "replace", "path": "emails[",
                                                                           "value": "x"}))
    assert wrong_path.status_code == 400 and wrong_path.json["scimType"] == "invalidPath"
    members = send(client, key, "POST", "/Groups", {"displayName": "Gamma", "members": [{"value": "ghost"}]})
    assert members.status_code == 400 and "members[0].value" in members.json["detail"]
    assert rows(app, Team) == []
    stale = send(client, key, "PUT", "/Users/kari@kommune.no", kari(), **{"If-Match": 'W/"old"'})
    assert stale.status_code == 412


def test_discovery_endpoints(client, make_key):
    key = make_key("directory:write")
    config = send(client, key, "GET", "/ServiceProviderConfig").json
    assert config["patch"]["supported"] and config["filter"]["supported"] and not config["bulk"]["supported"]
    types = send(client, key, "GET", "/ResourceTypes").json
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = send(client, key, "GET", "/Schemas").json
    assert {s["id"] for s in schemas["Resources"]} == {USER, ENTERPRISE, "urn:ietf:params:scim:schemas:core:2.0:Group"}


def test_okta_replaces_whole_users_and_deactivates_with_a_value_only_patch(app, client, make_key):
    key = make_key("directory:write")
    created = send(client, key, "POST", "/Users", kari(password="okta-sends-one"))
    assert created.status_code == 201 and "password" not in created.json
    version = created.json["meta"]["version"]
    replaced = send(client, key, "PUT", "/Users/kari@kommune.no", kari(displayName="Kari N.", **{ENTERPRISE: {}}),
                    **{"If-Match": version})
    assert replaced.status_code == 200 and replaced.json["displayName"] == "Kari N."
    assert ENTERPRISE not in replaced.json and replaced.json["meta"]["version"] != version
    assert rows(app, ManagerLink, person_id="kari@kommune.no")[0].valid_to is not None  # manager gone, kept
    off = send(client, key, "PATCH", "/Users/kari@kommune.no", ops({"op": "replace", "value": {"active": False}}))
    assert off.json["active"] is False and rows(app, Person, id="kari@kommune.no")[0].active is False


def test_the_json_sync_keeps_managers_over_time_too(app, client, make_key):
    key = make_key("directory:write")
    sync = {"mode": "delta", "people": [{"id": "kari", "name": "Kari", "manager": "ola", "department": "HR"}]}
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
    sync["people"][0]["manager"] = "per"
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).json["people"] == {"updated": 1}
    links = sorted((m.manager_id, m.valid_from is None, m.valid_to is None) for m in rows(app, ManagerLink))
    assert links == [("ola", True, False), ("per", False, True)]


def test_erasing_a_provisioned_person_removes_what_scim_sent(app, client, make_key):
    key = make_key("directory:write")
    send(client, key, "POST", "/Users", kari())
    assert client.post("/v1/directory/people/kari@kommune.no/erase", headers=bearer(key)).status_code == 200
    assert send(client, key, "GET", "/Users/kari@kommune.no").status_code == 404
    assert send(client, key, "GET", '/Users?filter=externalId eq "e-1"').json["totalResults"] == 0
    assert rows(app, ManagerLink, person_id="kari@kommune.no") == []  # pseudonymised


def test_people_and_teams_from_an_hr_sync_are_taken_over_with_their_history(app, client, make_key):
    key = make_key("directory:write")
    sync = {"mode": "delta", "teams": [{"id": "org", "name": "Kommunen", "parent": None},
                                       {"id": "hr", "name": "HR", "parent": "org"}],
            "people": [{"id": "kari", "name": "Kari", "team": "hr", "role": "leader", "locale": "nn"}]}
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
    user = send(client, key, "POST", "/Users", {"userName": "kari", "displayName": "Kari Nordmann",
                                               "title": "Rådgiver", "phoneNumbers": [{"value": "+47 1"}]})
    assert user.status_code == 201 and "title" not in user.json  # accepted and not kept
    person = rows(app, Person, id="kari")[0]
    assert (person.name, person.team_id, person.role, person.locale) == ("Kari Nordmann", "hr", "leader", "nn")
    group = send(client, key, "POST", "/Groups", {"displayName": "hr"}).json
    assert group["id"] == "hr" and [m["value"] for m in group["members"]] == ["kari"]
    assert rows(app, Team, id="hr")[0].parent_id == "org"  # its place in the tree kept
    assert len(rows(app, Membership, person_id="kari")) == 1  # nothing moved, nothing rewritten


def test_unknown_attributes_and_methods_are_refused_as_scim_errors(client, make_key):
    key = make_key("directory:write")
    unknown = send(client, key, "POST", "/Users", {"userName": "ola", "favouriteColour": "blue"})
    assert unknown.status_code == 400 and "favouriteColour" in unknown.json["detail"]
    wrong = send(client, key, "DELETE", "/Schemas")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET" and wrong.mimetype == SCIM
    filtered = send(client, key, "GET", '/Users?filter=title co "x"')
    assert filtered.status_code == 400 and filtered.json["scimType"] == "invalidFilter"
