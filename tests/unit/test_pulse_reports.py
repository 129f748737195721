"""A closed pulse's results: the leader's report, the heat map, CSV and trends, through HTTP.

The answers are written as the read model keeps them (PulseTally, PulseRespondents), so these
tests hold the folding and the thresholds; tests/unit/test_pulse_journey.py goes through the
answering API as well."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from engagement.db import utcnow
from engagement.pulses import report
from engagement.pulses.model import Pulse, PulseRespondents, PulseTally
from engagement.state import state
from tests.conftest import bearer

STATEMENTS = ["leader.safe_to_try", "climate.curiosity",
              {"key": "custom-1", "text": {"nb": {"team": "Vi deler det vi vet"}, "en": "We share what we know"}}]
KEYS = ["leader.safe_to_try", "climate.curiosity", "custom-1"]
TEAMS = [{"id": "kommunen", "name": "Kommunen", "parent": None},
         {"id": "helse", "name": "Helse", "parent": "kommunen"},
         {"id": "sykehjem", "name": "Sykehjemmet", "parent": "helse"},
         {"id": "hjemme", "name": "Hjemmetjenesten", "parent": "helse"},
         {"id": "drift", "name": "Drift", "parent": "kommunen"}]


def people() -> list[dict]:
    out = [{"id": "hanna", "name": "Hanna Helse", "team": "helse", "role": "leader"},
           {"id": "lise", "name": "Lise Leder", "team": "sykehjem", "role": "leader", "manager": "hanna"},
           {"id": "per", "name": "Per Leder", "team": "hjemme", "role": "leader", "manager": "hanna"},
           {"id": "dag", "name": "Dag Drift", "team": "drift", "role": "leader"}]
    for team, n in (("sykehjem", 8), ("hjemme", 3), ("drift", 5)):
        out += [{"id": f"{team}-{i}", "name": f"Ansatt {team} {i}", "team": team, "manager": None} for i in range(n)]
    return out


@pytest.fixture
def org(app, client, make_key):
    admin = make_key("directory:write")
    body = {"mode": "full", "as_of": "2026-01-01T00:00:00+01:00", "people": people(), "teams": TEAMS}
    response = client.post("/v1/directory/sync", json=body, headers=bearer(admin))
    assert response.status_code == 200, response.json
    return app


def write_pulse(app, pulse_id="p1", closed=True, statements=None, units=("helse", "drift"), closes_at=None) -> None:
    now = utcnow()
    closes = closes_at or (now - timedelta(hours=1) if closed else now + timedelta(days=2))
    with app.app_context():
        session = state(app).db.session
        session.add(Pulse(id=pulse_id, title=f"Trygghet {pulse_id}", statements=statements or STATEMENTS,
                          units=list(units), opens_at=closes - timedelta(days=14), closes_at=closes,
                          created_by="siri"))
        session.commit()


def answer(app, pulse_id: str, team: str, wording: str, *answers: tuple[int, ...]) -> None:
    """Each of ``answers`` is one person's values, in the order of KEYS; counted as consumers/pulses.py counts."""
    with app.app_context():
        session = state(app).db.session
        for values in answers:
            for key, value in zip(KEYS, values, strict=True):
                row = session.get(PulseTally, (pulse_id, team, wording, key, value))
                if row is None:
                    session.add(PulseTally(pulse_id=pulse_id, team_id=team, wording=wording, statement=key,
                                           value=value, count=1))
                else:
                    row.count += 1
            row = session.get(PulseRespondents, (pulse_id, team, wording))
            if row is None:
                session.add(PulseRespondents(pulse_id=pulse_id, team_id=team, wording=wording, answers=1))
            else:
                row.answers += 1
            session.flush()
        session.commit()


# six in the nursing home: safe_to_try is weak (mean 3.0), curiosity strong, custom with a don't know
NURSING = [(2, 5, 4), (3, 4, 4), (3, 5, 5), (4, 4, 0), (3, 5, 4), (3, 4, 5)]


@pytest.fixture
def answered(org):
    write_pulse(org)
    answer(org, "p1", "sykehjem", "team", *NURSING)
    answer(org, "p1", "sykehjem", "self", (5, 4, 4))
    answer(org, "p1", "sykehjem", "manager", (3, 4, 3))
    answer(org, "p1", "hjemme", "team", (4, 4, 4), (5, 5, 5), (4, 4, 4))
    answer(org, "p1", "drift", "team", (1, 1, 1))
    return org


def get(client, url, token):
    return client.get(url, headers=bearer(token))


def test_the_leader_sees_the_team_beside_their_own_and_their_managers_answers(client, answered, user_token):
    response = get(client, "/v1/pulses/p1/teams/sykehjem/report?lang=en", user_token("lise"))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["shown"] and body["counted_in"] is None and body["answers"] == 6
    safe, curious, custom = body["statements"]
    assert safe["team"] == {"answers": 6, "opinions": 6, "mean": 3.0, "agreeing": 0.167,
                            "distribution": {"1": 0, "2": 1, "3": 4, "4": 1, "5": 0, "dont_know": 0}}
    assert safe["self"]["distribution"]["5"] == 1 and safe["manager"]["distribution"]["3"] == 1
    assert safe["weak"] and not curious["weak"] and "guidance" not in curious
    assert custom["team"]["answers"] == 6 and custom["team"]["distribution"]["dont_know"] == 1
    assert custom["team"]["mean"] == 4.4 and custom["team"]["agreeing"] == 1.0  # don't know left out
    assert custom["text"] == "We share what we know"
    assert any("failed" in a for a in safe["guidance"]["actions"])
    assert any("Go first" in a for a in safe["guidance"]["actions"])
    behaviour = body["behaviour"]
    assert behaviour["folded_into"] is None and behaviour["signals"]["members"] == 9
    assert behaviour["period"]["end"] > behaviour["period"]["start"]


def test_guidance_speaks_the_readers_language(client, answered, user_token):
    body = get(client, "/v1/pulses/p1/teams/sykehjem/report?lang=nb", user_token("lise")).json
    safe = body["statements"][0]
    english = get(client, "/v1/pulses/p1/teams/sykehjem/report?lang=en", user_token("lise")).json
    assert safe["guidance"]["actions"] != english["statements"][0]["guidance"]["actions"]
    assert body["statements"][2]["text"] == "Vi deler det vi vet"


def test_a_team_below_five_answers_shows_nothing_of_its_own(client, answered, user_token):
    body = get(client, "/v1/pulses/p1/teams/hjemme/report?lang=en", user_token("per")).json
    # three in the home service fold into Helse (none of its own), then with Drift's one into the
    # municipality: four, still too few, so nothing is shown
    assert body["shown"] is False and body["answers"] is None
    assert all(s["team"] is None and not s["weak"] for s in body["statements"])
    assert body["statements"][0]["self"] is None  # Per did not answer
    assert body["behaviour"]["folded_into"] == {"id": "helse", "name": "Helse"}  # 4 members: folded there too


def test_a_folded_team_sees_the_group_it_counts_in(client, org, user_token):
    write_pulse(org)
    answer(org, "p1", "sykehjem", "team", *NURSING)
    answer(org, "p1", "hjemme", "team", (4, 4, 4), (5, 5, 5), (4, 4, 4))
    answer(org, "p1", "drift", "team", (1, 1, 1), (2, 2, 2))
    body = get(client, "/v1/pulses/p1/teams/hjemme/report?lang=en", user_token("per")).json
    assert body["shown"] and body["counted_in"] == {"id": "kommunen", "name": "Kommunen"}
    assert body["answers"] == 5 and body["statements"][0]["team"]["distribution"]["4"] == 2


def test_nothing_is_shown_before_the_pulse_closes(client, org, user_token, make_key):
    write_pulse(org, closed=False)
    answer(org, "p1", "sykehjem", "team", *NURSING)
    for url, token in (("/v1/pulses/p1/teams/sykehjem/report", user_token("lise")),
                       ("/v1/pulses/p1/heatmap", make_key("reports:read")),
                       ("/v1/pulses/p1/heatmap.csv", make_key("reports:read"))):
        response = get(client, url, token)
        assert response.status_code == 409, (url, response.json)
        assert response.content_type == "application/problem+json"
        assert "Results are shown when the pulse closes" in response.json["detail"]
        assert response.json["errors"][0]["field"] == "closes_at"
    with org.app_context():
        assert report.shown_means(state(org).db.session, "p1", 5) == {}  # the means wait for the close too


def test_who_may_read_the_leaders_report(client, answered, user_token, make_key):
    url = "/v1/pulses/p1/teams/sykehjem/report"
    allowed = [user_token("lise"), user_token("hanna"), user_token("siri", roles=("communications",)),
               make_key("reports:read")]
    refused = [user_token("sykehjem-1"), user_token("dag", roles=("leader",)), user_token("per"),
               make_key("trust:read"), make_key("events:write")]
    assert [get(client, url, t).status_code for t in allowed] == [200] * 4
    assert [get(client, url, t).status_code for t in refused] == [403] * 5
    assert client.get(url).status_code == 401
    assert get(client, "/v1/pulses/nope/teams/sykehjem/report", user_token("lise")).status_code == 404
    assert get(client, "/v1/pulses/p1/teams/sykehjem/report?lang=xx", user_token("lise")).json["errors"][0][
        "field"] == "lang"
    views = get(client, "/v1/trust/audit", make_key("audit:read")).json["views"]  # it carries trust signals
    assert {(v["who"], v["unit"], v["view"], v["period"]) for v in views} == {
        ("user:lise", "sykehjem", "pulse-report", "p1"), ("user:hanna", "sykehjem", "pulse-report", "p1"),
        ("user:siri", "sykehjem", "pulse-report", "p1"), ("key:test", "sykehjem", "pulse-report", "p1")}


def test_the_heat_map_shows_only_shown_groups_and_names_the_folded(client, answered, make_key, user_token):
    key = make_key("reports:read")
    assert get(client, "/v1/pulses/p1/heatmap", user_token("lise")).status_code == 403
    body = get(client, "/v1/pulses/p1/heatmap?lang=en", key).json
    rows = {r["id"]: r for r in body["teams"]}
    assert list(rows) == ["drift", "helse", "hjemme", "sykehjem"]  # the pulse's units, in tree order
    assert rows["sykehjem"]["statements"]["leader.safe_to_try"]["mean"] == 3.0
    assert rows["hjemme"] == {"id": "hjemme", "name": "Hjemmetjenesten", "parent": "helse", "depth": 2,
                              "suppressed": True, "folded_into": None}
    # a unit's totals are its shown groups' only: Helse's equal the nursing home's, so nothing
    # subtracted isolates the three answers of the home service
    assert rows["helse"]["unit_statements"] == rows["sykehjem"]["statements"]
    assert rows["drift"] == {"id": "drift", "name": "Drift", "parent": "kommunen", "depth": 1,
                             "suppressed": True, "folded_into": None}
    assert [s["key"] for s in body["statements"]] == KEYS


def test_the_heat_map_as_csv(client, answered, make_key):
    response = get(client, "/v1/pulses/p1/heatmap.csv?lang=nb", make_key("reports:read"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    header, by_name = rows[0], {r[0]: r for r in rows[1:]}
    assert header[:3] == ["Team", "Del av", "Telles i"]
    assert by_name["Sykehjemmet"][3:6] == ["3,0", "17", "6"]
    assert by_name["Hjemmetjenesten"][3:] == [""] * 9
    assert len(header) == 3 + 3 * len(KEYS)


def test_trends_compare_a_group_only_where_it_was_the_same_group(client, org, make_key):
    write_pulse(org, "p1", closes_at=utcnow() - timedelta(days=60))
    answer(org, "p1", "sykehjem", "team", *NURSING)
    answer(org, "p1", "hjemme", "team", (4, 4, 4), (5, 5, 5), (4, 4, 4), (4, 4, 4), (4, 4, 4))
    write_pulse(org, "p2")
    answer(org, "p2", "sykehjem", "team", *NURSING[:5], (5, 5, 5))
    answer(org, "p2", "hjemme", "team", (4, 4, 4), (5, 5, 5))  # folds: Helse is not the same group as before
    answer(org, "p2", "helse", "team", (3, 3, 3), (3, 3, 3), (3, 3, 3))
    body = get(client, "/v1/pulses/trends?unit=helse&lang=en", make_key("reports:read")).json
    assert [p["id"] for p in body["pulses"]] == ["p1", "p2"]
    groups = {g["id"]: g for g in body["groups"]}
    nursing = groups["sykehjem"]["points"]
    assert [p["same_group"] for p in nursing] == [True, True]
    assert nursing[0]["means"]["leader.safe_to_try"] == 3.0 and nursing[1]["means"]["leader.safe_to_try"] == 3.33
    helse = groups["helse"]
    assert helse["includes"] == [{"id": "hjemme", "name": "Hjemmetjenesten"}]
    assert [(p["shown"], p["same_group"], p["means"]) for p in helse["points"]][0] == (False, False, None)
    assert helse["points"][1]["means"]["leader.safe_to_try"] == 3.6  # 3, 3, 3 and 4, 5
    home = groups["hjemme"]["points"]
    assert [(p["shown"], p["same_group"]) for p in home] == [(True, True), (False, False)]
    assert "drift" not in groups
    assert get(client, "/v1/pulses/trends?unit=nope", make_key("reports:read")).status_code == 404


def test_shown_means_are_for_shown_groups_only(answered):
    with answered.app_context():
        means = report.shown_means(state(answered).db.session, "p1", 5)
    assert means == {"sykehjem": {"leader.safe_to_try": 3.0, "climate.curiosity": 4.5, "custom-1": 4.4}}


def test_a_leader_finds_the_reports_they_may_read(client, answered, user_token, make_key):
    assert get(client, "/v1/me/pulse-reports", user_token("lise")).json == {"staff": False, "pulses": [
        {"id": "p1", "title": "Trygghet p1", "closes_at": get(client, "/v1/me/pulse-reports", user_token("lise"))
         .json["pulses"][0]["closes_at"], "teams": [{"id": "sykehjem", "name": "Sykehjemmet"}]}]}
    managed = get(client, "/v1/me/pulse-reports", user_token("hanna")).json["pulses"][0]["teams"]
    assert [t["id"] for t in managed] == ["helse", "hjemme", "sykehjem"]
    assert get(client, "/v1/me/pulse-reports", user_token("sykehjem-1")).json == {"staff": False, "pulses": []}
    staff = get(client, "/v1/me/pulse-reports", user_token("siri", roles=("communications",))).json
    assert staff["staff"] and staff["pulses"][0]["teams"] == []


# eight in the nursing home; on safe_to_try four of them "don't know": eight answers, four opinions
HALF_UNSURE = [(0, 5, 4)] * 4 + [(4, 4, 4), (5, 4, 4), (4, 5, 5), (3, 4, 4)]


def test_no_mean_nor_share_from_fewer_opinions_than_the_minimum_group(client, org, make_key, user_token):
    """Don't know counts toward a team's five answers but not toward its view: four opinions of
    eight answers give the distribution, never a mean or "75 %" of four people."""
    write_pulse(org)
    answer(org, "p1", "sykehjem", "team", *HALF_UNSURE)
    answer(org, "p1", "sykehjem", "self", (0, 4, 4))
    answer(org, "p1", "sykehjem", "manager", (3, 4, 3))
    safe, curious, _ = get(client, "/v1/pulses/p1/teams/sykehjem/report?lang=en", user_token("lise")).json["statements"]
    assert safe["team"] == {"answers": 8, "opinions": 4, "mean": None, "agreeing": None,
                            "distribution": {"1": 0, "2": 0, "3": 1, "4": 2, "5": 1, "dont_know": 4}}
    assert not safe["weak"] and curious["team"]["mean"] == 4.62 and curious["team"]["agreeing"] == 1.0
    assert safe["manager"]["mean"] == 3.0 and safe["manager"]["agreeing"] == 0.0  # one person's own answer
    assert safe["self"]["mean"] is None and safe["self"]["answers"] == 1  # the leader did not know
    key = make_key("reports:read")
    rows = {r["id"]: r for r in get(client, "/v1/pulses/p1/heatmap?lang=en", key).json["teams"]}
    assert rows["sykehjem"]["statements"]["leader.safe_to_try"]["mean"] is None
    assert rows["helse"]["unit_statements"]["leader.safe_to_try"]["agreeing"] is None
    text = get(client, "/v1/pulses/p1/heatmap.csv?lang=nb", key).get_data(as_text=True)
    by_name = {r[0]: r for r in csv.reader(io.StringIO(text[1:]), delimiter=";")}
    assert by_name["Sykehjemmet"][3:9] == ["", "", "8", "4,6", "100", "8"]
    point = get(client, "/v1/pulses/trends?lang=en", key).json["groups"][0]["points"][0]
    assert point["means"]["leader.safe_to_try"] is None and point["agreeing"]["leader.safe_to_try"] is None
    assert point["means"]["climate.curiosity"] == 4.62
    with org.app_context():
        means = report.shown_means(state(org).db.session, "p1", 5)
    assert means == {"sykehjem": {"climate.curiosity": 4.62, "custom-1": 4.12}}  # the early warnings' too


def test_a_team_outside_the_pulses_units_has_no_report(client, org, make_key):
    write_pulse(org, units=("helse",))
    answer(org, "p1", "sykehjem", "team", *NURSING)
    key = make_key("reports:read")
    assert get(client, "/v1/pulses/p1/teams/sykehjem/report?lang=en", key).status_code == 200
    for team in ("drift", "kommunen"):  # beside the unit asked, and above it
        response = get(client, f"/v1/pulses/p1/teams/{team}/report?lang=en", key)
        assert response.status_code == 404 and response.content_type == "application/problem+json"
        assert f"Team {team!r} was not among the units asked" in response.json["detail"]
        assert response.json["errors"] == [{"field": "team", "message": "Not in the pulse's units."}]
