"""Every pattern matches the whole value, and every paging or limit parameter is bounded.

``$`` in a Python pattern also matches before a trailing newline, and ``int()`` takes "²" as a
digit only to fail on it: each of these once reached a header or the database and answered 500.
Each must answer 422 problem+json naming the field.
"""
from __future__ import annotations

import pytest

from tests.conftest import bearer, like

BIG = str(2**64)
NL = "%0A"


@pytest.fixture
def credentials(app, client, make_key, user_token):
    admin = make_key("directory:write", "events:write", "trust:read", "awards:manage", "audit:read")
    people = [{"id": p, "name": p.capitalize(), "team": "t"} for p in ("kari", "ola")]
    assert client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": [
        {"id": "t", "name": "Team", "parent": None}]}, headers=bearer(admin)).status_code == 200
    return {"key": admin, "kari": user_token("kari")}


def assert_names(response, field: str) -> None:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/problem+json"
    assert field in {e["field"] for e in response.json["errors"]}, response.json


@pytest.mark.parametrize("path, field", [
    (f"/v1/trust/report?period=2026-11{NL}&format=csv", "period"),
    (f"/v1/trust/report?period=2026-11{NL}", "period"),
    (f"/v1/trust/teams/t/trend?until=2026-10{NL}", "until"),
    (f"/v1/awards/2026-10{NL}/leaderboard", "month"),
    (f"/v1/awards/2026-10{NL}", "month"),
    (f"/v1/awards/2026-10{NL}/announcement", "month"),
    (f"/v1/targets?t=article:news-1{NL}", "t"),
])
def test_a_trailing_newline_in_a_query_or_path_is_named(client, credentials, path, field):
    assert_names(client.get(path, headers=bearer(credentials["key"])), field)


def test_a_path_with_a_newline_matches_no_route(client, credentials):
    assert client.get(f"/v1/targets/article/news-1{NL}", headers=bearer(credentials["key"])).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"id": "ev-1\n"}, "id"),
    ({"actor": "kari\n"}, "actor"),
    ({"target": {"kind": "article", "id": "news-1\n", "owner": "ola"}}, "target.id"),
    ({"target": {"kind": "article", "id": "news-1", "owner": "ola\n"}}, "target.owner"),
    ({"type": "kudos.given", "target": {"kind": "person", "id": "ola", "owner": "ola"},
      "data": {"about": "article:news-1\n"}}, "data.about"),
])
def test_a_trailing_newline_in_an_event_is_named(client, credentials, change, field):
    response = client.post("/v1/events", json={**like(), **change}, headers=bearer(credentials["key"]))
    assert_names(response, field)


def test_a_trailing_newline_in_quiet_hours_or_a_directory_id_is_named(client, credentials):
    response = client.put("/v1/notifications/preferences", json={"quiet_hours": {"start": "21:00\n", "end": "07:00"}},
                          headers=bearer(credentials["kari"]))
    assert_names(response, "quiet_hours.start")
    sync = client.post("/v1/directory/sync",
                       json={"mode": "delta", "people": [{"id": "per\n", "name": "Per", "team": "t"}], "teams": []},
                       headers=bearer(credentials["key"]))
    assert sync.status_code == 422 and sync.mimetype == "application/problem+json"
    assert any(e["field"].endswith("id") for e in sync.json["errors"]), sync.json


@pytest.mark.parametrize("path, field", [
    (f"/v1/notifications?person=kari&page={BIG}", "page"),
    ("/v1/notifications?person=kari&page=0", "page"),
    ("/v1/notifications?person=kari&page=1%0A", "page"),
    ("/v1/notifications?person=kari&page=%C2%B2", "page"),  # "²" passes str.isdigit()
    (f"/v1/notifications?person=kari&per_page={BIG}", "per_page"),
    ("/v1/awards/2026-10/leaderboard?n=%C2%B2", "n"),
    (f"/v1/awards/2026-10/leaderboard?n={BIG}", "n"),
    ("/v1/trust/teams/t/trend?months=%C2%B2", "months"),
    (f"/v1/trust/teams/t/trend?months={BIG}", "months"),
    ("/v1/trust/audit?limit=%C2%B2", "limit"),
    (f"/v1/trust/audit?limit={BIG}", "limit"),
])
def test_paging_and_limits_are_bounded_and_named(client, credentials, path, field):
    assert_names(client.get(path, headers=bearer(credentials["key"])), field)


def test_the_bounds_still_let_every_valid_value_through(client, credentials):
    key = bearer(credentials["key"])
    assert client.get("/v1/notifications?person=kari&page=10000&per_page=100", headers=key).json["items"] == []
    assert client.get("/v1/awards/2026-10/leaderboard?n=50", headers=key).status_code == 200
    assert client.get("/v1/trust/teams/t/trend?months=36&until=2026-10", headers=key).status_code == 200
    assert client.get("/v1/trust/audit?limit=1000", headers=key).status_code == 200
    assert client.get("/v1/trust/report?period=2026-11&format=csv", headers=key).status_code == 200


def test_the_openapi_document_gives_the_bounds(client):
    paths = client.get("/v1/openapi.json").json["paths"]
    feed = {p["name"]: p["schema"] for p in paths["/v1/notifications"]["get"]["parameters"]}
    assert feed["page"]["minimum"] == 1 and feed["page"]["maximum"] == 10_000 and feed["per_page"]["maximum"] == 100
    limit = {p["name"]: p["schema"] for p in paths["/v1/trust/audit"]["get"]["parameters"]}["limit"]
    assert (limit["minimum"], limit["maximum"]) == (1, 1000)


MONTHS_AT_THE_ENDS = ["0000-01", "0001-01", "1999-12", "2101-01", "9999-12"]


@pytest.mark.parametrize("month", MONTHS_AT_THE_ENDS)
def test_months_at_the_ends_of_the_calendar_are_a_4xx_not_a_500(client, credentials, month):
    """A report compares a month with the three before it, a trend counts back months and finalising
    looks at the month after: on year 0, 1 or 9999 each of these once crashed with a 500."""
    key = bearer(credentials["key"])
    assert_names(client.get(f"/v1/trust/report?period={month}", headers=key), "period")
    assert_names(client.get(f"/v1/trust/report?period={month}&format=csv", headers=key), "period")
    assert_names(client.get(f"/v1/trust/teams/t/trend?until={month}", headers=key), "until")
    assert_names(client.post(f"/v1/awards/{month}/finalise", headers=key), "month")
    for path in (f"/v1/awards/{month}", f"/v1/awards/{month}/leaderboard", f"/v1/awards/{month}/announcement"):
        assert_names(client.get(path, headers=key), "month")


def test_the_first_and_last_months_allowed_answer(client, credentials):
    key = bearer(credentials["key"])
    for month in ("2000-01", "2100-12"):
        assert client.get(f"/v1/trust/report?period={month}", headers=key).status_code == 200
        assert client.get(f"/v1/trust/teams/t/trend?until={month}&months=36", headers=key).status_code == 200
        assert client.get(f"/v1/awards/{month}", headers=key).status_code == 200
    assert client.post("/v1/awards/2100-12/finalise", headers=key).status_code == 409  # not over yet: no crash


@pytest.mark.parametrize("status", [f"open{NL}", "opne", "OPEN", "", "all"])
def test_an_unknown_campaign_status_filter_is_a_422(client, credentials, status):
    """A misspelt filter must not read as "there are no open campaigns"."""
    assert_names(client.get(f"/v1/campaigns?status={status}", headers=bearer(credentials["kari"])), "status")


@pytest.mark.parametrize("path, field", [
    (f"/v1/campaigns?page={BIG}", "page"), ("/v1/campaigns?per_page=101", "per_page"),
    ("/v1/campaigns?page=0", "page"), ("/v1/campaigns/c1?per_page=0", "per_page"),
    (f"/v1/campaigns/c1?page={BIG}", "page"), ("/v1/campaigns/c1?sort=best", "sort"),
    ("/v1/moderation/reports?per_page=501", "per_page"), ("/v1/moderation/reports?page=%C2%B2", "page"),
])
def test_campaign_and_report_lists_page_within_bounds(client, credentials, make_key, path, field):
    key = make_key("awards:manage", "moderation:manage", name="lists")
    created = client.post("/v1/campaigns", json={"id": "c1", "question": "Hva nå?"}, headers=bearer(key))
    assert created.status_code == 201
    assert_names(client.get(path, headers=bearer(key)), field)


def test_campaigns_and_ideas_come_a_page_at_a_time(app, client, credentials, make_key, user_token):
    from tests.conftest import drain
    key = make_key("awards:manage", "events:write", name="lists")
    for n in range(3):
        assert client.post("/v1/campaigns", json={"id": f"c{n}", "question": f"Spørsmål {n}?"},
                           headers=bearer(key)).status_code == 201
    ideas = [{"id": f"idea-{n}", "type": "idea.submitted", "actor": "kari", "time": "2026-11-02T10:00:00+01:00",
              "target": {"kind": "idea", "id": f"i-{n}", "owner": "kari"},
              "data": {"title": f"Idé {n}", "campaign_id": "c0"}}
             for n in range(3)]
    assert client.post("/v1/events/batch", json={"events": ideas}, headers=bearer(key)).status_code == 202
    drain(app, ("ideas",))
    kari = bearer(credentials["kari"])
    first = client.get("/v1/campaigns?status=open&per_page=2", headers=kari).json
    second = client.get("/v1/campaigns?status=open&per_page=2&page=2", headers=kari).json
    assert (len(first["campaigns"]), first["more"], len(second["campaigns"]), second["more"]) == (2, True, 1, False)
    assert {c["id"] for c in first["campaigns"] + second["campaigns"]} == {"c0", "c1", "c2"}
    assert client.get("/v1/campaigns?status=archived", headers=kari).json["campaigns"] == []
    page = client.get("/v1/campaigns/c0?per_page=2&page=2", headers=kari).json
    assert (len(page["ideas"]), page["more"]) == (1, False)
    assert len(client.get("/v1/campaigns/c0", headers=kari).json["ideas"]) == 3


def test_a_bad_target_in_a_list_is_named_by_its_position(client, credentials):
    key = bearer(credentials["key"])
    asked = client.get("/v1/targets?t=article:ok&t=nope:x", headers=key)
    posted = client.post("/v1/targets/query", json={"targets": ["article:ok", "nope:x"]}, headers=key)
    for answer, field in ((asked, "t"), (posted, "targets")):
        assert_names(answer, field)
        message = "'nope:x' is not kind:id with a known kind."
        assert answer.json["errors"] == [{"field": field, "index": 1, "message": message}]


def test_every_bad_parameter_is_named_at_once_wherever_it_is(client, credentials):
    """Path, query and body are read by their own schemas; one 422 still names them all."""
    answer = client.get("/v1/awards/2026-13/leaderboard?category=worst&n=0", headers=bearer(credentials["key"]))
    assert_names(answer, "month")
    assert {e["field"] for e in answer.json["errors"]} == {"month", "category", "n"}
