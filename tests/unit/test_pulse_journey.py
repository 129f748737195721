"""End to end through the pulses' API: a pulse goes out, four people answer and the leader's report
shows nothing of the team; in the next pulse six answer and the distributions are shown, with the
leader's own answers and their manager's beside the team's."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engagement.pulses import outbox
from engagement.pulses import service as pulses
from engagement.state import state
from tests.conftest import bearer, drain
from tests.unit.test_pulses import DRIFT, directory

STATEMENTS = ["leader.safe_to_try", "climate.curiosity"]


def define(client, comms, title: str) -> str:
    closes = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    response = client.post("/v1/pulses", json={"title": title, "statements": STATEMENTS, "units": ["org"],
                                               "closes_at": closes}, headers=bearer(comms))
    assert response.status_code == 201, response.json
    return response.json["id"]


def answer(client, token, pulse_id: str, wording: str, values: tuple[int, int]) -> None:
    response = client.post(f"/v1/pulses/{pulse_id}/answers", headers=bearer(token), json={
        "team": "drift", "wording": wording, "answers": dict(zip(STATEMENTS, values, strict=True))})
    assert response.status_code == 202, response.json


def close(app, pulse_id: str) -> None:
    """Close the pulse now and send what waits, as the sweep does at a pulse's close."""
    st = state(app)
    with app.app_context():
        session, now = st.db.session, datetime.now(UTC)
        pulses.close(session, pulses.get(session, pulse_id), now)
        outbox.sweep(session, st.bus, now, st.config["ENGAGEMENT_MIN_GROUP_SIZE"], st.token_secret)
    drain(app, ("ledger", "pulses"))


def run(client, app, user_token, title: str, team: list[tuple[int, int]]) -> str:
    comms = user_token("kari", roles=("communications",))
    pulse_id = define(client, comms, title)
    for person, values in zip(DRIFT, team, strict=False):
        answer(client, user_token(person), pulse_id, "team", values)
    answer(client, user_token("lena"), pulse_id, "self", (5, 4))
    answer(client, user_token("mona"), pulse_id, "manager", (3, 4))
    report = client.get(f"/v1/pulses/{pulse_id}/teams/drift/report", headers=bearer(user_token("lena")))
    assert report.status_code == 409  # nothing while the pulse is open
    close(app, pulse_id)
    return pulse_id


def test_four_answers_show_nothing_six_show_the_team_beside_the_leader_and_the_manager(app, client, make_key,
                                                                                       user_token):
    directory(app, client, make_key)
    first = run(client, app, user_token, "Trygghet, vår", [(4, 4), (2, 5), (3, 0), (5, 4)])
    lena = bearer(user_token("lena"))
    body = client.get(f"/v1/pulses/{first}/teams/drift/report?lang=da", headers=lena).json
    assert body["shown"] is False and body["answers"] is None
    assert [s["team"] for s in body["statements"]] == [None, None]  # four answers: nothing of the team
    assert body["statements"][0]["self"]["mean"] == 5.0  # the leader's own view is theirs to see

    second = run(client, app, user_token, "Trygghet, høst", [(4, 4), (2, 5), (3, 0), (5, 4), (4, 3), (2, 4)])
    body = client.get(f"/v1/pulses/{second}/teams/drift/report?lang=da", headers=lena).json
    assert body["shown"] is True and body["answers"] == 6
    safe = body["statements"][0]
    assert safe["team"]["distribution"] == {"1": 0, "2": 2, "3": 1, "4": 2, "5": 1, "dont_know": 0}
    assert (safe["team"]["mean"], safe["self"]["mean"], safe["manager"]["mean"]) == (3.33, 5.0, 3.0)
    assert safe["text"].startswith("Min leder") and safe["self_text"].startswith("Jeg")  # the wordings, in Danish
    assert safe["manager_text"].startswith("Lederen")
    assert safe["weak"] and safe["guidance"]["actions"]  # 3.33 and half agreeing
    curious = body["statements"][1]
    assert curious["team"]["distribution"]["dont_know"] == 1 and curious["team"]["mean"] == 4.0

    assert client.get(f"/v1/pulses/{second}/teams/drift/report", headers=bearer(user_token("mona"))).status_code == 200
    assert client.get(f"/v1/pulses/{second}/teams/drift/report", headers=bearer(user_token("d1"))).status_code == 403

    trends = client.get("/v1/pulses/trends?unit=org", headers=bearer(make_key("reports:read"))).json
    drift = next(g for g in trends["groups"] if g["id"] == "drift")
    assert [(p["pulse"], p["shown"]) for p in drift["points"]] == [(first, False), (second, True)]
    assert drift["points"][1]["means"]["leader.safe_to_try"] == 3.33
