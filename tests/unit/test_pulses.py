"""Pulses end to end over HTTP: defined by communications staff, answered by the people invited,
released from the outbox only in groups, and counted by the pulses read model."""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from engagement.ledger.model import LedgerEvent
from engagement.pulses.model import Pulse, PulseOutbox, PulseParticipation, PulseRespondents, PulseTally
from engagement.state import state
from tests.conftest import TEST_SECRET, bearer, drain
from tests.e2e.conftest import wait_for
from tests.services import Service

STATEMENTS = ["leader.safe_to_try", "climate.curiosity"]
DRIFT = [f"d{i}" for i in range(1, 8)]  # seven members of drift, led by lena
SMALL = ["s1", "s2"]  # two members of lonn, led by lars


def directory(app, client, make_key) -> None:
    key = make_key("directory:write")
    people = ([{"id": "mona", "name": "Mona", "team": "org", "role": "leader", "locale": "nb"},
               {"id": "lena", "name": "Lena", "team": "drift", "role": "leader", "manager": "mona", "locale": "da"},
               {"id": "lars", "name": "Lars", "team": "lonn", "role": "leader", "manager": "mona"},
               {"id": "kari", "name": "Kari", "team": "comms", "role": "member"}]
              + [{"id": p, "name": p.upper(), "team": "drift", "manager": "lena"} for p in DRIFT]
              + [{"id": p, "name": p.upper(), "team": "lonn", "manager": "lars"} for p in SMALL])
    teams = [{"id": "org", "name": "Etaten", "parent": None}, {"id": "drift", "name": "Drift", "parent": "org"},
             {"id": "lonn", "name": "Lønn", "parent": "org"}, {"id": "comms", "name": "Kommunikasjon", "parent": None}]
    response = client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": teams},
                           headers=bearer(key))
    assert response.status_code == 200, response.json


@pytest.fixture
def org(app, client, make_key):
    directory(app, client, make_key)


@pytest.fixture
def comms(user_token):
    return user_token("kari", roles=("communications",))


@pytest.fixture
def pulse(client, org, comms):
    closes = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    response = client.post("/v1/pulses", json={"title": "Trygghet i Drift", "statements": STATEMENTS,
                                               "units": ["org"], "closes_at": closes}, headers=bearer(comms))
    assert response.status_code == 201, response.json
    return response.json["id"]


def answer(client, token, pulse_id, team, wording="team", values=(4, 0)):
    return client.post(f"/v1/pulses/{pulse_id}/answers", headers=bearer(token), json={
        "team": team, "wording": wording, "answers": dict(zip(STATEMENTS, values, strict=True))})


def rows(app, model, pulse_id):
    with app.app_context():
        session = state(app).db.session
        return session.scalars(select(model).where(model.pulse_id == pulse_id)).all()


def pulse_events(app) -> list[LedgerEvent]:
    with app.app_context():
        return state(app).db.session.scalars(
            select(LedgerEvent).where(LedgerEvent.type == "pulse.answered").order_by(LedgerEvent.seq)).all()


def close(app, pulse_id: str) -> None:
    """Close the pulse now (the tree at the close is today's)."""
    from engagement.pulses import service
    with app.app_context():
        session = state(app).db.session
        service.close(session, session.get(Pulse, pulse_id), datetime.now(UTC))


def released(app) -> int:
    """One sweep, as ``engagement pulses release`` runs it: how many answers went out."""
    result = app.test_cli_runner().invoke(args=["engagement", "pulses", "release"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["released"]


def on_the_bus(app, event_type: str) -> int:
    """Events of a type in the embedded bus's log itself, whether any consumer read them or not."""
    with sqlite3.connect(state(app).config["ENGAGEMENT_EVENT_LOG"]) as log:
        return sum(json.loads(value)["type"] == event_type for (value,) in log.execute("SELECT value FROM log"))


def test_a_pulse_goes_out_and_counts_only_at_its_close(app, client, user_token, pulse):
    for person in DRIFT[:6]:
        assert answer(client, user_token(person), pulse, "drift").status_code == 202
    assert answer(client, user_token(DRIFT[6]), pulse, "drift", values=(2, 5)).status_code == 202
    assert released(app) == 0  # open: seven waiting are not enough, nothing goes before the close
    drain(app, ("ledger", "pulses"))
    assert pulse_events(app) == [] and rows(app, PulseTally, pulse) == [] and rows(app, PulseRespondents, pulse) == []
    assert len(rows(app, PulseOutbox, pulse)) == 7  # waiting, with no person and no time
    assert on_the_bus(app, "pulse.answered") == 0 and on_the_bus(app, "pulse.opened") == 1

    close(app, pulse)
    assert released(app) == 7
    drain(app, ("ledger", "pulses"))
    events = pulse_events(app)
    assert len(events) == 7 and rows(app, PulseOutbox, pulse) == [] and on_the_bus(app, "pulse.answered") == 7
    assert {e.actor for e in events} == {"anonymous"} and {e.received_at for e in events} == {None}
    assert len({e.occurred_at for e in events}) == 1 and {e.submitted_by for e in events} == {""}
    tallies = {(t.statement, t.value): t.count for t in rows(app, PulseTally, pulse) if t.team_id == "drift"}
    assert tallies == {("leader.safe_to_try", 4): 6, ("leader.safe_to_try", 2): 1,
                       ("climate.curiosity", 0): 6, ("climate.curiosity", 5): 1}
    assert [(r.team_id, r.wording, r.answers) for r in rows(app, PulseRespondents, pulse)] == [("drift", "team", 7)]
    assert released(app) == 0  # a second sweep finds nothing

    listed = client.get("/v1/pulses", headers=bearer(user_token("kari", roles=("communications",)))).json
    assert [(p["id"], p["status"], p["answers"]) for p in listed["pulses"]] == [(pulse, "closed", 7)]


def test_a_second_answer_is_a_conflict_and_changes_nothing(app, client, user_token, pulse):
    assert answer(client, user_token("d1"), pulse, "drift").status_code == 202
    again = answer(client, user_token("d1"), pulse, "drift", values=(1, 1))
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "team"
    assert len(rows(app, PulseOutbox, pulse)) == 1 and len(rows(app, PulseParticipation, pulse)) == 1


def test_refusals_name_the_field(app, client, user_token, make_key, pulse):
    uninvited = answer(client, user_token("kari"), pulse, "drift")
    assert uninvited.status_code == 422 and [e["field"] for e in uninvited.json["errors"]] == ["team"]
    wrong_wording = answer(client, user_token("d1"), pulse, "drift", wording="self")
    assert wrong_wording.status_code == 422 and wrong_wording.json["errors"][0]["field"] == "team"
    bad = client.post(f"/v1/pulses/{pulse}/answers", headers=bearer(user_token("d1")), json={
        "team": "drift", "wording": "team", "answers": {"leader.safe_to_try": 3, "climate.nonsense": 2}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"answers.climate.nonsense", "answers.climate.curiosity"}
    for values in ((6, 0), (True, 3), ("4", 3)):
        refused = answer(client, user_token("d1"), pulse, "drift", values=values)
        assert refused.status_code == 422 and refused.json["errors"][0]["field"].startswith("answers"), values
    with app.app_context():
        session = state(app).db.session
        session.execute(update(Pulse).where(Pulse.id == pulse).values(closes_at=datetime(2020, 1, 1)))
        session.commit()
    closed = answer(client, user_token("d2"), pulse, "drift")
    assert closed.status_code == 422 and closed.json["errors"][0]["field"] == "pulse"
    assert rows(app, PulseParticipation, pulse) == [] and rows(app, PulseOutbox, pulse) == []
    key = make_key("events:write")
    assert answer(client, key, pulse, "drift").status_code == 403  # nobody answers with a key


def test_defining_refuses_bad_fields_and_other_roles(client, org, comms, user_token):
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    shape = client.post("/v1/pulses", headers=bearer(comms), json={
        "title": "x", "statements": [{"key": "own", "text": "Hei"}], "units": ["org"], "closes_at": past})
    assert shape.status_code == 422 and [e["field"] for e in shape.json["errors"]] == ["statements.0.key"]
    response = client.post("/v1/pulses", headers=bearer(comms), json={
        "title": "x", "statements": ["leader.nope", {"key": "custom-1", "text": "Hei"}], "units": ["nowhere"],
        "closes_at": past})
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"statements.0", "units.0", "closes_at"}
    assert client.get("/v1/pulses", headers=bearer(comms)).json["pulses"] == []
    leader = client.post("/v1/pulses", headers=bearer(user_token("lena", roles=("leader",))), json={
        "title": "x", "statements": STATEMENTS, "units": ["org"], "closes_at": past})
    assert leader.status_code == 403


def test_a_leader_gets_the_self_wording_and_their_manager_the_manager_wording(client, user_token, pulse):
    lena = client.get("/v1/me/pulses", headers=bearer(user_token("lena"))).json["pulses"]
    assert [(p["team"]["id"], p["wording"], p["anonymous"]) for p in lena] == [("drift", "self", False)]
    assert lena[0]["statements"][0]["text"] == ("Jeg bidrager til, at det er trygt at afprøve nye tiltag "
                                                "i vores enhed.")  # Lena reads Danish
    assert lena[0]["scale"][-1] == {"value": 0, "label": "Ved ikke"}
    mona = client.get("/v1/me/pulses?lang=nn", headers=bearer(user_token("mona"))).json["pulses"]
    assert [(p["team"]["id"], p["wording"]) for p in mona] == [("org", "self"), ("drift", "manager"),
                                                                 ("lonn", "manager")]
    assert mona[1]["team"]["name"] == "Drift"
    assert mona[1]["statements"][0]["text"] == "Leiaren bidreg til at det er trygt å prøve ut nye tiltak i eininga."
    member = client.get("/v1/me/pulses?lang=en", headers=bearer(user_token("d1"))).json["pulses"]
    assert [(p["wording"], p["anonymous"], p["answered"]) for p in member] == [("team", True, False)]
    assert answer(client, user_token("d1"), pulse, "drift").status_code == 202
    assert client.get("/v1/me/pulses", headers=bearer(user_token("d1"))).json["pulses"][0]["answered"] is True
    assert answer(client, user_token("mona"), pulse, "drift", wording="manager").status_code == 202
    assert answer(client, user_token("lena"), pulse, "drift", wording="self").status_code == 202


def test_a_closed_pulse_releases_what_waits_on_the_sweep(app, client, user_token, pulse):
    for person in DRIFT[:5]:
        assert answer(client, user_token(person), pulse, "drift").status_code == 202
    assert answer(client, user_token("lena"), pulse, "drift", wording="self").status_code == 202
    release = app.test_cli_runner()
    result = release.invoke(args=["engagement", "pulses", "release"])
    assert result.exit_code == 0 and json.loads(result.output) == {"released": 0}  # open: nothing goes
    close(app, pulse)
    result = release.invoke(args=["engagement", "pulses", "release"])
    assert result.exit_code == 0 and json.loads(result.output) == {"released": 6}
    assert rows(app, PulseOutbox, pulse) == []
    drain(app, ("ledger", "pulses"))
    assert len(pulse_events(app)) == 6
    assert sorted((r.team_id, r.wording, r.answers) for r in rows(app, PulseRespondents, pulse)) == [
        ("drift", "self", 1), ("drift", "team", 5)]
    late = answer(client, user_token(DRIFT[5]), pulse, "drift")
    assert late.status_code == 422 and late.json["errors"][0]["field"] == "pulse"


def test_clients_cannot_send_pulse_events(client, writer_key, user_token):
    event = {"id": "fake-1", "type": "pulse.answered", "actor": "anonymous", "source": "x",
             "time": datetime.now(UTC).isoformat(), "target": {"kind": "pulse", "id": "p-1", "owner": "kari"},
             "data": {"team": "drift", "wording": "team", "answers": {"leader.safe_to_try": 5}}}
    assert client.post("/v1/events", json=event, headers=bearer(writer_key)).status_code == 403
    like = {**event, "type": "like.added", "data": {}}
    assert client.post("/v1/events", json=like, headers=bearer(user_token("d1"))).status_code == 403


def test_a_republish_after_a_crash_counts_once_and_replay_rebuilds_the_same(app, client, user_token, pulse):
    from engagement import replay
    from engagement.pulses import outbox
    for person in DRIFT[:5]:
        assert answer(client, user_token(person), pulse, "drift", values=(3, 5)).status_code == 202
    close(app, pulse)
    with app.app_context():  # a release that crashed after publishing, before deleting what it published
        st = state(app)
        stored = st.db.session.get(Pulse, pulse)
        waiting = [outbox.unsealed(st.token_secret, row) for row in rows(app, PulseOutbox, pulse)]
        groups = outbox.team_groups(st.db.session, stored, waiting, 5)
        st.bus.publish([outbox.answered_event(stored, row, groups[row.team_id]) for row in waiting[:4]])
    assert released(app) == 5  # all five again
    drain(app, ("ledger", "pulses"))
    assert len(pulse_events(app)) == 5  # the ledger keeps each id once
    before = sorted((t.team_id, t.statement, t.value, t.count) for t in rows(app, PulseTally, pulse))
    assert before == [("drift", "climate.curiosity", 5, 5), ("drift", "leader.safe_to_try", 3, 5)]
    with app.app_context():
        replay.replay(state(app), ["pulses"])
    assert sorted((t.team_id, t.statement, t.value, t.count) for t in rows(app, PulseTally, pulse)) == before
    assert [r.answers for r in rows(app, PulseRespondents, pulse)] == [5]


def test_my_data_lists_the_pulses_answered_never_the_answers_and_erasure_deletes_them(
        app, client, user_token, make_key, pulse):
    assert answer(client, user_token("d1"), pulse, "drift", values=(5, 1)).status_code == 202
    mine = client.get("/v1/me/data", headers=bearer(user_token("d1"))).json
    tables = {t["table"]: t["rows"] for t in mine["tables"]}
    assert tables["engagement_pulse_participation"] == [
        {"pulse_id": pulse, "person_id": "d1", "team_id": "drift", "wording": "team"}]
    assert "engagement_pulse_outbox" not in tables and "engagement_pulse_tallies" not in tables
    assert "leader.safe_to_try" not in str(tables)  # what was answered is nowhere in the person's data
    erased = client.post("/v1/directory/people/d1/erase", headers=bearer(make_key("directory:write")))
    assert erased.status_code == 200
    assert rows(app, PulseParticipation, pulse) == []
    assert len(rows(app, PulseOutbox, pulse)) == 1  # the answer stays, as it never named anyone


def test_nothing_logs_a_person_beside_an_answer(app, client, user_token, pulse, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    for person in DRIFT[:5]:
        assert answer(client, user_token(person), pulse, "drift").status_code == 202
    close(app, pulse)
    assert released(app) == 5
    drain(app, ("ledger", "pulses"))
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert not [p for p in DRIFT[:5] if re.search(rf"\b{p}\b", logged)], logged


def test_everyone_invited_with_what_each_is_asked(app, pulse):
    from engagement.pulses import service
    with app.app_context():
        session = state(app).db.session
        stored = session.get(Pulse, pulse)
        now = datetime.now(UTC)
        everyone = service.invited(session, stored, now)
        assert everyone == {p: service.assignments(session, p, stored, now) for p in everyone}
    assert everyone["mona"] == [("org", "self"), ("drift", "manager"), ("lonn", "manager")]
    assert everyone["d1"] == [("drift", "team")] and everyone["lena"] == [("drift", "self")]
    assert "kari" not in everyone and len(everyone) == 3 + len(DRIFT) + len(SMALL)


def unit_with_a_lone_respondent(client, make_key, comms, own: int) -> str:
    """A unit with ``own`` members of its own, a team of six and a team of one (led by leo); a
    pulse to it. Answers the pulse's id."""
    people = ([{"id": f"e{i}", "name": f"E{i}", "team": "enhet"} for i in range(own)]
              + [{"id": f"st{i}", "name": f"St{i}", "team": "stor"} for i in range(6)]
              + [{"id": "li0", "name": "Li0", "team": "liten"},
                 {"id": "leo", "name": "Leo", "team": "stor", "role": "leader"},
                 {"id": "kari", "name": "Kari", "team": "comms"}])
    teams = [{"id": "enhet", "name": "Enheten", "parent": None}, {"id": "stor", "name": "Stor", "parent": "enhet"},
             {"id": "liten", "name": "Liten", "parent": "enhet"}, {"id": "comms", "name": "Komm", "parent": None}]
    synced = client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": teams},
                         headers=bearer(make_key("directory:write")))
    assert synced.status_code == 200, synced.json
    defined = client.post("/v1/pulses", headers=bearer(comms), json={
        "title": "Trygghet", "statements": STATEMENTS, "units": ["enhet"],
        "closes_at": (datetime.now(UTC) + timedelta(days=7)).isoformat()})
    assert defined.status_code == 201, defined.json
    return defined.json["id"]


def team_ids_on_answers(app) -> dict[str, int]:
    """How many ``team``-wording answers the event log holds under each team id."""
    counted: dict[str, int] = {}
    for event in pulse_events(app):
        if event.data["wording"] == "team":
            counted[event.data["team"]] = counted.get(event.data["team"], 0) + 1
    return counted


def test_a_lone_respondents_answer_goes_out_only_in_its_parents_group(app, client, user_token, make_key, comms):
    pulse = unit_with_a_lone_respondent(client, make_key, comms, own=4)
    for person, team in [*((f"st{i}", "stor") for i in range(6)), ("li0", "liten"),
                         *((f"e{i}", "enhet") for i in range(4))]:
        assert answer(client, user_token(person), pulse, team).status_code == 202
    assert answer(client, user_token("leo"), pulse, "stor", wording="self").status_code == 202
    assert released(app) == 0
    drain(app, ("ledger", "pulses"))
    assert pulse_events(app) == [] and on_the_bus(app, "pulse.answered") == 0  # nothing before the close

    close(app, pulse)
    assert released(app) == 12
    drain(app, ("ledger", "pulses"))
    assert team_ids_on_answers(app) == {"stor": 6, "enhet": 4 + 1}  # liten's one answer counts in its parent
    assert "liten" not in {e.data["team"] for e in pulse_events(app)}  # the log has nothing under liten's id
    assert [e.data["team"] for e in pulse_events(app) if e.data["wording"] == "self"] == ["stor"]
    assert rows(app, PulseOutbox, pulse) == []


def test_a_pulse_with_four_answers_in_all_publishes_nothing(app, client, user_token, make_key, comms):
    pulse = unit_with_a_lone_respondent(client, make_key, comms, own=0)
    for person, team in [*((f"st{i}", "stor") for i in range(3)), ("li0", "liten")]:
        assert answer(client, user_token(person), pulse, team).status_code == 202
    close(app, pulse)
    assert released(app) == 0
    drain(app, ("ledger", "pulses"))
    assert pulse_events(app) == [] and on_the_bus(app, "pulse.answered") == 0
    assert rows(app, PulseOutbox, pulse) == [] and rows(app, PulseTally, pulse) == []  # deleted, never published


def test_two_sweeps_at_once_publish_each_answer_once(app, client, user_token, pulse):
    """Two releases racing: the second waits on the first's claim and then finds nothing waiting."""
    import threading

    from sqlalchemy.orm import Session

    from engagement.pulses import outbox
    for person in DRIFT:
        assert answer(client, user_token(person), pulse, "drift").status_code == 202
    close(app, pulse)
    st, counts, start = state(app), [], threading.Barrier(2)

    def sweep() -> None:
        with Session(st.engine) as session:
            start.wait()
            counts.append(outbox.sweep(session, st.bus, datetime.now(UTC), 5, st.token_secret))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(counts) == [0, len(DRIFT)] and on_the_bus(app, "pulse.answered") == len(DRIFT)


def test_a_waiting_answer_is_sealed_under_the_token_secret_alone(app, client, user_token, pulse):
    from cryptography.exceptions import InvalidTag

    from engagement.pulses import outbox, seal
    assert answer(client, user_token("d1"), pulse, "drift", values=(5, 1)).status_code == 202
    assert answer(client, user_token("s1"), pulse, "lonn", values=(2, 3)).status_code == 202
    waiting = rows(app, PulseOutbox, pulse)
    assert {(r.team_id, r.answers) for r in waiting} == {(None, None)}  # nothing plain in the row
    assert len({len(r.sealed) for r in waiting}) == 1  # two teams, one length
    secret = state(app).token_secret
    assert sorted((w.team_id, w.answers) for w in (outbox.unsealed(secret, r) for r in waiting)) == [
        ("drift", dict(zip(STATEMENTS, (5, 1), strict=True))), ("lonn", dict(zip(STATEMENTS, (2, 3), strict=True)))]
    with pytest.raises(InvalidTag):
        seal.unseal("another-" + secret, waiting[0].id, waiting[0].sealed)
    with pytest.raises(InvalidTag):  # a sealed value moved to another row does not open
        seal.unseal(secret, waiting[1].id, waiting[0].sealed)
    close(app, pulse)
    with app.app_context():  # another secret: the sweep keeps the answers and goes on
        assert outbox.sweep(state(app).db.session, state(app).bus, datetime.now(UTC), 1, "another-" + secret) == 0
    assert len(rows(app, PulseOutbox, pulse)) == 2 and released(app) == 0  # two answers in all: deleted unpublished
    assert rows(app, PulseOutbox, pulse) == []


def test_two_backups_around_one_answer_differ_by_five_rows_none_of_which_reaches_the_log(
        app, client, user_token, pulse):
    """Appended one by one, a backup before an answer and one after would differ by that answer's
    row alone, and its id would be its event's id in the log. Each answer rewrites up to four
    waiting ones beside it under fresh row ids, the wording sealed with the rest, and the event
    ids are sealed inside: no outbox id ever seen is an event id."""
    def outbox() -> list[PulseOutbox]:
        return rows(app, PulseOutbox, pulse)

    seen: set[str] = set()
    for count, person in enumerate(DRIFT + ["lena"], start=1):
        before = {row.id for row in outbox()}
        assert answer(client, user_token(person), pulse, "drift",
                      wording="self" if person == "lena" else "team").status_code == 202
        after = {row.id for row in outbox()}
        assert len(after - before) == min(count, 5) and len(after) == count
        assert {row.wording for row in outbox()} == {"sealed"}
        seen |= after
    close(app, pulse)
    assert released(app) == len(DRIFT) + 1
    drain(app, ("ledger", "pulses"))
    logged = {event.event_id for event in pulse_events(app)}
    assert len(logged) == len(DRIFT) + 1 and not logged & seen


def test_engagement_consume_releases_a_closed_pulse_without_cron(app, client, user_token, pulse, tmp_path):
    """With the read models in `engagement consume` processes (ENGAGEMENT_CONSUMERS=external), the
    process that applies the pulses read model also sweeps: a closed pulse's answers go out and are
    counted with nothing else running."""
    for person in DRIFT[:5]:
        assert answer(client, user_token(person), pulse, "drift").status_code == 202
    close(app, pulse)
    config = state(app).config
    env = {"ENGAGEMENT_DATABASE_URL": config["ENGAGEMENT_DATABASE_URL"],
           "ENGAGEMENT_EVENT_LOG": config["ENGAGEMENT_EVENT_LOG"], "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
           "ENGAGEMENT_CONSUMERS": "external", "ENGAGEMENT_PULSE_SWEEP_SECONDS": "0.2"}
    consumer = Service(["consume", "ledger", "pulses"], env, tmp_path / "consume.log").start()
    try:
        counted = lambda: [(r.team_id, r.answers) for r in rows(app, PulseRespondents, pulse)]  # noqa: E731
        assert wait_for(lambda: counted() == [("drift", 5)], timeout=90), consumer.output()
        assert rows(app, PulseOutbox, pulse) == []
    finally:
        assert consumer.terminate() == 0, consumer.output()

