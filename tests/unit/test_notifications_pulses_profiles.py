"""Notifications of a pulse's invitation and of a profile at 100 %: who hears, in what words, once."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engagement.events import Event, Target
from engagement.ledger.model import DeadLetter
from engagement.notifications.model import Notification
from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer, drain
from tests.unit.test_notifications import feed

TEAMS = [{"id": "kommune", "name": "Kommunen", "parent": None},
         {"id": "helse", "name": "Helse", "parent": "kommune"},
         {"id": "hjemme", "name": "Hjemmetjenesten", "parent": "helse"},
         {"id": "skole", "name": "Skole", "parent": "kommune"}]
# id: (name, team, role, manager, locale)
PEOPLE = {"kari": ("Kari Nordmann", "hjemme", "member", None, "nb"),
          "ola": ("Ola Hansen", "hjemme", "member", None, "nn"),
          "lena": ("Lena Berg", "hjemme", "leader", "siri", "da"),
          "per": ("Per Berg", "helse", "member", None, "en"),
          "siri": ("Siri Dahl", "skole", "leader", None, "nb"),  # Lena's manager, outside the unit
          "bo": ("Bo Ek", "skole", "member", None, "da")}


@pytest.fixture
def org(app, client, make_key):
    key = make_key("directory:write", "events:write")
    people = [{"id": p, "name": name, "team": team, "role": role, "manager": manager, "locale": locale,
               "email": f"{p}@kommune.test"} for p, (name, team, role, manager, locale) in PEOPLE.items()]
    answer = client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": TEAMS,
                                                     "as_of": "2026-11-01T00:00:00Z"}, headers=bearer(key))
    assert answer.status_code == 200, answer.json
    return key


def opened(pulse: str, units: list[str], opens_at: datetime, closes_at: str, by: str = "per",
           title: str = "Trygghet i teamet") -> Event:
    """What the service publishes when a pulse is defined (clients cannot send pulse.* events)."""
    return Event(id=f"pulse-opened-{pulse}", type="pulse.opened", actor=by, target=Target("pulse", pulse, by),
                 time=opens_at, source="tillit", data={"title": title, "units": units,
                                                       "opens_at": opens_at.isoformat(), "closes_at": closes_at})


def publish(app, *events: Event) -> None:
    state(app).bus.publish(list(events))
    drain(app, ("ledger", "notifications"))


def pulse_items(client, token, lang="nb"):
    return [(i["kind"], i["ref"], i["text"], i["read"]) for i in feed(client, token, lang=lang)["items"]
            if i["kind"] == "pulse"]


def test_a_pulse_invites_its_units_people_and_their_leaders_managers_once(app, client, org, user_token):
    opens = datetime(2026, 11, 30, 7, tzinfo=UTC)
    event = opened("p1", ["helse"], opens, "2026-12-09T00:00:00+01:00")  # midnight: the 8th is the last day
    publish(app, event)
    expected = {"kari": "Ny pulsmåling: «Trygghet i teamet» – svar innen 8. desember",
                "ola": "Ny pulsmåling: «Trygghet i teamet» – svar innan 8. desember",
                "lena": "Ny pulsmåling: »Trygghet i teamet« – svar senest 8. december",
                "per": "New pulse: “Trygghet i teamet” – answer by December 8",  # the creator is invited too
                "siri": "Ny pulsmåling: «Trygghet i teamet» – svar innen 8. desember"}  # Lena's manager
    for person, text in expected.items():
        lang = PEOPLE[person][4]
        assert pulse_items(client, user_token(person), lang) == [("pulse", "pulse:p1", text, False)], person
    assert pulse_items(client, user_token("bo"), "da") == []  # another unit
    bell = client.get("/v1/notifications/unread-count", headers=bearer(user_token("kari"))).json
    assert bell["unread"] == 1
    ids = {p: feed(client, user_token(p))["items"][0]["id"] for p in expected}

    publish(app, event)  # delivered again: still one entry each
    with app.app_context():
        session = state(app).db.session
        assert session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "pulse")) == 5
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        assert replay(state(app), ["notifications"]) == {"notifications": 1}
    assert {p: feed(client, user_token(p))["items"][0]["id"] for p in expected} == ids  # the same ids after it


def test_a_pulse_invites_by_the_directory_as_it_was_when_it_opened(app, client, org, user_token):
    """Bo moves from Skole to Hjemmetjenesten on 25 November: a pulse on Helse that opened before
    does not invite him, one that opened after does, and a replay after the move says the same."""
    moved = {"mode": "delta", "as_of": "2026-11-25T00:00:00Z", "people": [
        {"id": "bo", "name": "Bo Ek", "team": "hjemme", "role": "member", "locale": "da", "email": "bo@kommune.test"}]}
    assert client.post("/v1/directory/sync", json=moved, headers=bearer(org)).status_code == 200
    publish(app, opened("p2", ["helse"], datetime(2026, 11, 20, 8, tzinfo=UTC), "2026-11-27T16:00:00Z"),
            opened("p3", ["helse"], datetime(2026, 11, 28, 8, tzinfo=UTC), "2026-12-20T16:00:00Z"),
            opened("p4", ["kommune"], datetime(2026, 10, 1, 8, tzinfo=UTC), "2026-10-08T16:00:00Z"))  # before anyone
    assert [i[2] for i in pulse_items(client, user_token("bo"), "da")] == [
        "Ny pulsmåling: »Trygghet i teamet« – svar senest 20. december"]
    assert [i[1] for i in pulse_items(client, user_token("kari"))] == ["pulse:p3", "pulse:p2"]  # newest first
    with app.app_context():
        replay(state(app), ["notifications"])
    assert [i[1] for i in pulse_items(client, user_token("bo"), "da")] == ["pulse:p3"]


def profile(event_id: str, person: str, minute: int, **fields) -> dict:
    return {"id": event_id, "type": "profile.updated", "target": {"kind": "person", "id": person, "owner": person},
            "time": f"2026-11-23T09:{minute:02d}:00+01:00", "data": {"fields": fields}}


EVERYTHING = {"photo": "kari.jpg", "title": "Rådgiver", "about": "Hei", "skills": ["Python"],
              "languages": ["nb"], "location": "Oslo", "ask_me_about": "Kaffe"}


def profile_items(client, token):
    return [(i["kind"], i["ref"], i["text"], i["at"]) for i in feed(client, token)["items"] if i["kind"] == "profile"]


@pytest.mark.parametrize("order", [("profiles", "notifications"), ("notifications", "profiles")])
def test_a_complete_profile_is_told_once_whichever_read_model_comes_first(app, client, org, user_token, order):
    kari = user_token("kari")
    for event in (profile("p1", "kari", 1, photo="kari.jpg"), profile("p2", "kari", 2, **EVERYTHING),
                  profile("p3", "kari", 3, photo=""), profile("p4", "kari", 4, photo="ny.jpg")):  # 100 % twice
        assert client.post("/v1/events", json=event, headers=bearer(kari)).status_code == 202
    drain(app, ("ledger", *order))
    told = [("profile", "person:kari", "Profilen din er komplett – takk!", "2026-11-23T08:02:00Z")]
    assert profile_items(client, kari) == told  # the first time it reached 100 %
    assert client.post("/v1/events", json=profile("p5", "kari", 5, title="Seniorrådgiver"),
                       headers=bearer(kari)).status_code == 202
    drain(app, ("ledger", "profiles", "notifications"))
    assert profile_items(client, kari) == told
    with app.app_context():
        replay(state(app), ["profiles"])
        replay(state(app), ["notifications"])
    assert profile_items(client, kari) == told
    assert profile_items(client, user_token("ola")) == []


def test_a_pulse_defined_over_http_invites_exactly_those_it_asks(app, client, org, user_token):
    """Through pulse-core's API: whoever the bell invites finds the pulse in their own list."""
    closes = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    defined = client.post("/v1/pulses", json={"title": "Trygghet", "statements": ["leader.safe_to_try"],
                                              "units": ["helse"], "closes_at": closes.isoformat()},
                          headers=bearer(user_token("siri", roles=("communications",))))
    assert defined.status_code == 201, defined.json
    drain(app, ("ledger", "notifications"))
    ref = f"pulse:{defined.json['id']}"
    for person, (*_, locale) in PEOPLE.items():
        token = user_token(person)
        invited = [i[1] for i in pulse_items(client, token, locale)]
        asked = [p["pulse"] for p in client.get("/v1/me/pulses", headers=bearer(token)).json["pulses"]]
        assert (invited == [ref]) == (asked == [defined.json["id"]]) == (person != "bo"), person


def test_erasure_leaves_no_trace_of_a_person_in_their_invitation_or_profile_entry(app, client, org, user_token):
    from tests.unit.test_retention_and_erasure import assert_no_trace
    kari = user_token("kari")
    completed = client.post("/v1/events", json=profile("p1", "kari", 1, **EVERYTHING), headers=bearer(kari))
    assert completed.status_code == 202
    publish(app, opened("p1", ["helse"], datetime(2026, 11, 30, 7, tzinfo=UTC), "2026-12-09T00:00:00+01:00",
                        by="kari"))
    drain(app, ("ledger", "profiles", "notifications"))
    assert [i["kind"] for i in feed(client, kari)["items"]] == ["pulse", "profile"]
    assert client.post("/v1/directory/people/kari/erase", headers=bearer(org)).status_code == 200
    assert_no_trace(app, "kari")
