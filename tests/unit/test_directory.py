"""The directory sync and recognition per team, through the API on the embedded default."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engagement.directory.model import Membership, Person
from engagement.state import state
from tests.conftest import bearer, drain, like

ORG = {"mode": "full", "teams": [{"id": "org", "name": "Kommunen", "parent": None},
                                 {"id": "drift", "name": "Drift", "parent": "org"},
                                 {"id": "hr", "name": "HR", "parent": "org"},
                                 {"id": "it", "name": "IT", "parent": "org"}],
       "people": [{"id": "kari", "name": "Kari Nordmann", "team": "hr", "email": "kari@example.no"},
                  {"id": "ola", "name": "Ola Hansen", "team": "drift"},
                  {"id": "lena", "name": "Lena Berg", "team": "hr", "role": "leader", "locale": "nn"}]}


@pytest.fixture
def hr_key(make_key):
    return make_key("directory:write", name="hr-system")


def sync(client, key, body):
    return client.post("/v1/directory/sync", json=body, headers=bearer(key))


def test_full_sync_creates_then_deactivates_the_missing_never_deleting(app, client, hr_key):
    first = sync(client, hr_key, ORG)
    assert first.status_code == 200, first.json
    assert first.json["people"] == {"created": 3} and first.json["teams"] == {"created": 4}
    again = sync(client, hr_key, {**ORG, "people": ORG["people"][:2]})
    assert again.json["people"] == {"unchanged": 2, "deactivated": 1}
    with app.app_context():
        lena = state(app).db.session.get(Person, "lena")
        assert lena is not None and lena.active is False


def test_dry_run_reports_and_changes_nothing(app, client, hr_key):
    report = sync(client, hr_key, {**ORG, "dry_run": True})
    assert report.json["dry_run"] is True and report.json["people"] == {"created": 3}
    with app.app_context():
        assert state(app).db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_bad_rows_are_named_and_nothing_is_applied(app, client, hr_key):
    body = {"mode": "delta",
            "teams": [{"id": "a", "name": "A", "parent": "nowhere"}, {"id": "b", "name": "B", "parent": "b"}],
            "people": [{"id": "x", "name": "X", "team": "ghost"}, {"id": "y", "name": "Y", "email": "not-mail"},
                       {"id": "z", "name": "Z"}, {"id": "z", "name": "Z again"}]}
    response = sync(client, hr_key, body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"people.1.email"}  # shape errors first
    del body["people"][1]["email"]
    response = sync(client, hr_key, body)
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"teams.0.parent", "teams.1.parent", "people.0.team", "people.2.id", "people.3.id"}
    with app.app_context():
        assert state(app).db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_sync_needs_the_directory_scope(client, writer_key):
    assert sync(client, writer_key, ORG).status_code == 403


def team(client, key, team_id):
    response = client.get(f"/v1/teams/{team_id}/recognition", headers=bearer(key))
    assert response.status_code == 200, response.json
    return response.json


def test_events_count_for_the_team_of_their_moment(app, client, hr_key, make_key, writer_key):
    app.config["ENGAGEMENT_MIN_GROUP_SIZE"] = 3  # the smallest start-up allows; silent colleagues fill each team
    silent = [{"id": f"{team}-{n}", "name": f"{team} {n}", "team": team}
              for team, many in (("hr", 2), ("it", 3), ("drift", 2)) for n in range(many)]
    sync(client, hr_key, {**ORG, "people": ORG["people"] + silent, "as_of": "2026-01-01T00:00:00+01:00"})
    events = [like("t1", actor="kari", owner="ola", target="n1", time="2026-03-01T10:00:00+01:00"),
              like("t2", actor="kari", owner="kari", target="n2", time="2026-03-01T10:00:00+01:00")]
    client.post("/v1/events/batch", json={"events": events}, headers=bearer(writer_key))
    moved = {"mode": "delta", "as_of": "2026-06-01T00:00:00+02:00",
             "people": [{"id": "kari", "name": "Kari Nordmann", "team": "it", "email": "kari@example.no"}]}
    assert sync(client, hr_key, moved).json["people"] == {"moved": 1, "updated": 1}
    later = [like("t3", actor="kari", owner="ola", target="n3", time="2026-07-01T10:00:00+02:00"),
             like("t4", actor="kari", owner="ola", target="n1", type_="like.removed",
                  time="2026-08-01T10:00:00+02:00")]
    client.post("/v1/events/batch", json={"events": later}, headers=bearer(writer_key))
    drain(app)
    reader = make_key("reports:read")
    assert team(client, reader, "hr")["given"]["like"] == 0  # t1 given in HR, taken back by t4
    assert team(client, reader, "it")["given"]["like"] == 1  # t3, after the move
    assert team(client, reader, "drift") == {"team": "drift", "members": 3, "suppressed": False, "includes": [],
                                             "received": {"like": 1, "comment": 0, "kudos": 0},
                                             "given": {"like": 0, "comment": 0, "kudos": 0}}
    assert team(client, reader, "hr")["members"] == 3  # Lena and two silent colleagues, after Kari moved
    with app.app_context():
        history = state(app).db.session.scalars(select(Membership).where(Membership.person_id == "kari")
                                                .order_by(Membership.id)).all()
        assert [(m.team_id, m.valid_to is None) for m in history] == [("hr", False), ("it", True)]
    assert client.get("/v1/teams/nope/recognition", headers=bearer(reader)).status_code == 404
