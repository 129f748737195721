"""Free text on pulses, over HTTP: off by default (a comment is refused), and when staff turn it
on, a comment goes with the answer, sealed in the outbox, released at the close under the answer's
group, kept by the pulses read model, and shown in the leader's report only for a shown group."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engagement.pulses.model import PulseComment, PulseOutbox, PulseParticipation
from engagement.state import state
from tests.conftest import bearer, drain
from tests.unit.test_pulses import DRIFT, SMALL, STATEMENTS, close, directory, pulse_events, released, rows


@pytest.fixture
def org(app, client, make_key):
    directory(app, client, make_key)


@pytest.fixture
def comms(user_token):
    return user_token("kari", roles=("communications",))


def define(client, comms, **extra) -> str:
    closes = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    response = client.post("/v1/pulses", headers=bearer(comms), json={
        "title": "Trygghet", "statements": STATEMENTS, "units": ["org"], "closes_at": closes, **extra})
    assert response.status_code == 201, response.json
    return response.json["id"]


def answer(client, token, pulse_id, team, wording="team", comment=None):
    body = {"team": team, "wording": wording, "answers": dict(zip(STATEMENTS, (4, 2), strict=True))}
    if comment is not None:
        body["comment"] = comment
    return client.post(f"/v1/pulses/{pulse_id}/answers", headers=bearer(token), json=body)


def report(client, token, pulse_id, team):
    return client.get(f"/v1/pulses/{pulse_id}/teams/{team}/report?lang=en", headers=bearer(token))


def test_free_text_is_off_by_default_and_a_comment_is_refused_naming_it(app, client, org, comms, user_token):
    pulse = define(client, comms)
    assert client.get(f"/v1/pulses/{pulse}", headers=bearer(comms)).json["free_text"] is False
    mine = client.get("/v1/me/pulses", headers=bearer(user_token("d1"))).json["pulses"][0]
    assert mine["free_text"] is False
    refused = answer(client, user_token("d1"), pulse, "drift", comment="Lena hører ikke på oss")
    assert refused.status_code == 422 and [e["field"] for e in refused.json["errors"]] == ["comment"]
    assert rows(app, PulseParticipation, pulse) == [] and rows(app, PulseOutbox, pulse) == []
    assert answer(client, user_token("d1"), pulse, "drift", comment="   ").status_code == 202  # blank is no comment


def test_a_comment_is_trimmed_and_at_most_a_thousand_characters(app, client, org, comms, user_token):
    pulse = define(client, comms, free_text=True)
    mine = client.get("/v1/me/pulses", headers=bearer(user_token("d1"))).json["pulses"][0]
    assert (mine["free_text"], mine["comment_max"]) == (True, 1000)
    long = answer(client, user_token("d1"), pulse, "drift", comment="x" * 1001)
    assert long.status_code == 422 and [e["field"] for e in long.json["errors"]] == ["comment"]
    assert rows(app, PulseOutbox, pulse) == []
    assert answer(client, user_token("d1"), pulse, "drift", comment="  " + "x" * 1000 + "\n").status_code == 202
    wrong = client.post(f"/v1/pulses/{pulse}/answers", headers=bearer(user_token("d2")), json={
        "team": "drift", "wording": "team", "answers": dict.fromkeys(STATEMENTS, 3), "comment": 5})
    assert wrong.status_code == 422 and [e["field"] for e in wrong.json["errors"]] == ["comment"]


def test_comments_are_sealed_released_under_the_group_and_shown_only_for_a_shown_group(
        app, client, org, comms, user_token):
    pulse = define(client, comms, free_text=True)
    written = {p: f"Ærlig talt, {i} ting vi bør ta opp" for i, p in enumerate(DRIFT[:5])}
    for person in DRIFT:
        assert answer(client, user_token(person), pulse, "drift", comment=written.get(person)).status_code == 202
    for person in SMALL:  # lonn's two: too few even with their parent, never released
        assert answer(client, user_token(person), pulse, "lonn", comment="Lønn er glemt").status_code == 202
    own = answer(client, user_token("lena"), pulse, "drift", "self", comment="Jeg prøver å lytte mer")
    assert own.status_code == 202
    assert answer(client, user_token("mona"), pulse, "drift", "manager", comment="Lena tar tak").status_code == 202

    waiting = rows(app, PulseOutbox, pulse)
    assert len(waiting) == len(DRIFT) + len(SMALL) + 2
    assert all(row.team_id is None and row.answers is None for row in waiting)
    assert len({len(row.sealed) for row in waiting}) == 1  # with or without a comment, one length
    assert not [row for row in waiting if "ting vi" in row.sealed or "Lønn" in row.sealed]
    assert rows(app, PulseComment, pulse) == []

    close(app, pulse)
    assert released(app) == len(DRIFT) + 2
    drain(app, ("ledger", "pulses"))
    data = [event.data for event in pulse_events(app)]
    assert sorted((d["team"], d["wording"], d["comment"]) for d in data if "comment" in d) == sorted(
        [("drift", "team", text) for text in written.values()]
        + [("drift", "self", "Jeg prøver å lytte mer"), ("drift", "manager", "Lena tar tak")])
    stored = rows(app, PulseComment, pulse)
    assert sorted((c.team_id, c.wording, c.text) for c in stored if c.wording == "team") == sorted(
        ("drift", "team", text) for text in written.values())
    assert not [c for c in stored if c.text == "Lønn er glemt"]

    lena = report(client, user_token("lena"), pulse, "drift")
    assert lena.status_code == 200, lena.json
    assert sorted(lena.json["comments"]) == sorted(written.values())
    assert lena.json["self_comments"] == ["Jeg prøver å lytte mer"]
    assert lena.json["manager_comments"] == ["Lena tar tak"]
    lars = report(client, user_token("lars"), pulse, "lonn")  # lonn shows no numbers: no comments either
    assert lars.status_code == 200 and lars.json["shown"] is False and lars.json["comments"] == []
    orders = {tuple(report(client, comms, pulse, "drift").json["comments"]) for _ in range(12)}
    assert len(orders) > 1  # a new random order each time, not the order people answered in

    heat = client.get(f"/v1/pulses/{pulse}/heatmap.csv?lang=en", headers=bearer(comms))
    assert heat.status_code == 200 and "ting vi" not in heat.get_data(as_text=True)


def test_replay_rebuilds_the_comments(app, client, org, comms, user_token):
    from engagement import replay
    pulse = define(client, comms, free_text=True)
    for i, person in enumerate(DRIFT[:5]):
        assert answer(client, user_token(person), pulse, "drift", comment=f"Tanke {i}").status_code == 202
    close(app, pulse)
    assert released(app) == 5
    drain(app, ("ledger", "pulses"))
    before = sorted((c.id, c.team_id, c.text) for c in rows(app, PulseComment, pulse))
    assert len(before) == 5
    with app.app_context():
        replay.replay(state(app), ["pulses"])
        assert state(app).db.session.scalars(select(PulseComment.id)).all()
    assert sorted((c.id, c.team_id, c.text) for c in rows(app, PulseComment, pulse)) == before


def test_a_sealed_comment_is_padded_to_one_length_and_a_pulse_without_free_text_seals_none():
    from engagement.pulses import seal
    secret, answers = "s" * 40, {"leader.safe_to_try": 4, "climate.curiosity": 0}

    def sealed(comment: str, free_text: bool = True) -> str:
        return seal.seal(secret, "row", seal.Sealed("e" * 32, "team", "drift", answers, comment), free_text)

    lengths = {len(sealed(text)) for text in ("", "Kort.", "ø" * 1000)}
    assert len(lengths) == 1  # none, short or the longest: one length
    assert seal.unseal(secret, "row", sealed("Linje 1\nlinje 2")) == ("e" * 32, "team", "drift", answers,
                                                                      "Linje 1\nlinje 2")
    without = sealed("", free_text=False)  # a pulse without free text seals no comment at all
    assert len(without) < min(lengths)
    assert seal.unseal(secret, "row", without) == ("e" * 32, "team", "drift", answers, "")
