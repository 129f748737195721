"""Every team-level number obeys the minimum group size, and no two answers subtract to a small team.

The organisation: ``org`` (five people of its own) above ``dept`` (six) above ``solo``, whose
one person, Sam, has a complete profile and gives and gets likes. Sam must never be visible:
not alone, and not as the difference between two answers.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import bearer, drain, like

TEAMS = [{"id": "org", "name": "Enheten", "parent": None}, {"id": "dept", "name": "Avdelingen", "parent": "org"},
         {"id": "solo", "name": "Alene", "parent": "dept"}]
PEOPLE = {"org": [f"o{i}" for i in range(5)], "dept": [f"d{i}" for i in range(6)], "solo": ["sam"]}
FULL = {"photo": "p.jpg", "title": "T", "about": "A", "skills": ["S"], "languages": ["nb"], "location": "Oslo",
        "ask_me_about": "K"}
COMPLETE = {"sam", "d0"}
LIKES = [("sam", "d1"), ("sam", "o1"), ("d2", "sam"), ("o2", "sam"), ("d3", "d4"), ("o3", "o4"), ("o0", "d1")]


def team_of(person: str) -> str:
    return next(team for team, people in PEOPLE.items() if person in people)


@pytest.fixture
def world(app, client, make_key):
    key = make_key("directory:write", "events:write", "reports:read")
    people = [{"id": p, "name": p, "team": t} for t, ps in PEOPLE.items() for p in ps]
    sync = {"mode": "full", "as_of": "2026-01-01T00:00:00+01:00", "teams": TEAMS, "people": people}
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
    events = [like(f"like-{i}", actor=a, owner=o, target=f"news-{o}", time="2026-11-02T10:00:00+01:00")
              for i, (a, o) in enumerate(LIKES)]
    events += [{"id": f"profile-{p}", "type": "profile.updated", "actor": p, "time": "2026-11-02T09:00:00+01:00",
                "target": {"kind": "person", "id": p, "owner": p}, "data": {"fields": FULL}} for p in COMPLETE]
    assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202
    drain(app, ("ledger", "recognition", "profiles"))
    return key


def get(client, key, path: str) -> dict:
    response = client.get(path, headers=bearer(key))
    assert response.status_code == 200, response.json
    return response.json


def profiles(client, key, team: str, subunits: bool) -> dict:
    return get(client, key, f"/v1/teams/{team}/profile-completion?subunits={str(subunits).lower()}")


def complete(answer: dict) -> int:
    return round(answer["share_complete"] * answer["members"])


def test_profile_summaries_with_and_without_subunits_never_subtract_to_a_small_team(client, world):
    dept = [profiles(client, world, "dept", s) for s in (False, True)]
    assert [(a["members"], complete(a)) for a in dept] == [(7, 2)] * 2  # dept and Sam, counted together both times
    solo = [profiles(client, world, "solo", s) for s in (False, True)]
    assert all(a["suppressed"] and "members" not in a and "share_complete" not in a for a in solo)
    org = [profiles(client, world, "org", s) for s in (False, True)]
    assert (org[0]["members"], complete(org[0])) == (5, 0)
    difference = (org[1]["members"] - org[0]["members"], complete(org[1]) - complete(org[0]))
    assert difference == (dept[0]["members"], complete(dept[0]))  # only what dept's own answer shows


def recount(team_ids: set[str]) -> dict[str, Counter]:
    """Likes received and given by the people of these teams, from the events sent."""
    out = {"received": Counter(), "given": Counter()}
    for actor, owner in LIKES:
        out["given"]["like"] += team_of(actor) in team_ids
        out["received"]["like"] += team_of(owner) in team_ids
    return out


def test_team_recognition_folds_a_small_team_into_its_parent(client, world):
    solo = get(client, world, "/v1/teams/solo/recognition")
    assert solo == {"team": "solo", "suppressed": True, "folded_into": "dept", "reason": solo["reason"]}
    dept = get(client, world, "/v1/teams/dept/recognition")
    assert dept["includes"] == [{"id": "solo", "name": "Alene"}] and dept["members"] == 7
    for team, counted in (("dept", {"dept", "solo"}), ("org", {"org"})):
        answer = get(client, world, f"/v1/teams/{team}/recognition")
        want = recount(counted)
        got = (answer["received"]["like"], answer["given"]["like"])
        assert got == (want["received"]["like"], want["given"]["like"]), team


def test_a_team_once_too_small_stays_folded_in_all_time_counters(app, client, world):
    hires = {"mode": "delta", "as_of": "2026-11-10T00:00:00+01:00",
             "people": [{"id": f"new{i}", "name": f"new{i}", "team": "solo"} for i in range(4)]}
    assert client.post("/v1/directory/sync", json=hires, headers=bearer(world)).status_code == 200
    # Five people now, but the counters hold the months when Sam was alone: never shown as solo's own.
    assert get(client, world, "/v1/teams/solo/recognition")["suppressed"] is True
    assert profiles(client, world, "solo", False)["members"] == 5  # profiles are about people as they are now
