"""Profile completion: checklist arithmetic and errors, the consumer, team summaries, CSV import."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engagement import create_app
from engagement.cli import engagement_commands
from engagement.directory.model import Person
from engagement.profiles.checklist import DEFAULT, ChecklistError, parse, progress
from engagement.profiles.model import ProfileMilestone
from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer, drain

STEPS = parse(DEFAULT)


def test_checklist_arithmetic_and_the_next_best_step():
    assert progress(STEPS, set())["percent"] == 0
    half = progress(STEPS, {"photo", "title", "about"}, "nn")
    assert half["percent"] == 50
    assert half["next"] == {"field": "skills", "label": "Legg til kompetanse", "gain": 20}
    assert [s["done"] for s in half["steps"]] == [True, True, True, False, False, False, False]
    done = progress(STEPS, {s.field for s in STEPS} | {"shoe_size"}, "en")
    assert done["percent"] == 100 and done["next"] is None


@pytest.mark.parametrize("change, message", [
    (lambda c: c[0].update(weight=25), "sum to 105, not 100"),
    (lambda c: c[1].update(wieght=5), "unknown key(s) wieght"),
    (lambda c: c[2]["labels"].pop("nn"), "labels must give text for exactly nb, nn, da, en"),
    (lambda c: c[3].update(field="skill set"), "field must be a name"),
    (lambda c: c.append(dict(c[0])), "a field appears twice: photo"),
])
def test_bad_checklists_stop_start_up_with_a_clear_error(tmp_path, change, message):
    config = json.loads(json.dumps(DEFAULT))
    change(config)
    path = tmp_path / "checklist.json"
    path.write_text(json.dumps(config))
    with pytest.raises(ChecklistError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_app({"ENGAGEMENT_PROFILE_CHECKLIST": str(path),
                    "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "ENGAGEMENT_EVENT_LOG": str(tmp_path / "log.sqlite3")})


def profile(event_id: str, person: str, minute: int, **fields) -> dict:
    return {"id": event_id, "type": "profile.updated", "target": {"kind": "person", "id": person, "owner": person},
            "time": f"2026-11-23T09:{minute:02d}:00+01:00", "data": {"fields": fields}}


def send_as(client, token, event):
    response = client.post("/v1/events", json=event, headers=bearer(token))
    assert response.status_code == 202, response.json
    return response


def test_profile_updates_give_progress_and_100_percent_is_a_milestone(app, client, user_token):
    kari = user_token("kari")
    send_as(client, kari, profile("p1", "kari", 1, photo="kari.jpg", title="Rådgiver"))
    send_as(client, kari, profile("p0", "kari", 0, photo=None))  # older: does not clear the photo
    drain(app, ("profiles",))
    body = client.get("/v1/people/kari/profile-completion?lang=en", headers=bearer(kari)).json
    assert (body["percent"], body["next"]["field"], body["next"]["gain"]) == (35, "skills", 20)
    send_as(client, kari, profile("p2", "kari", 2, about="Hei", skills=["Python"], languages=["nb", "en"],
                                  location="Oslo", ask_me_about="Kaffe"))
    send_as(client, kari, profile("p3", "kari", 3, photo=""))  # cleared again
    send_as(client, kari, profile("p4", "kari", 4, photo="ny.jpg"))
    drain(app, ("profiles",))
    assert client.get("/v1/people/kari/profile-completion", headers=bearer(kari)).json["percent"] == 100
    with app.app_context():
        milestones = state(app).db.session.scalars(select(ProfileMilestone.person)).all()
    assert milestones == ["kari"]  # 100 % at p2 and again at p4: recognised once
    assert client.get("/v1/people/kari/profile-completion", headers=bearer(user_token("ola"))).status_code == 403


def test_a_new_checklist_recomputes_everyone_by_replay(app, client, user_token, tmp_path):
    send_as(client, user_token("kari"), profile("p1", "kari", 1, photo="k.jpg"))
    drain(app)
    state(app).checklist = parse([{**DEFAULT[0], "weight": 60}, {**DEFAULT[1], "weight": 40}])
    state(app).read_model("profiles").steps = state(app).checklist
    replay(state(app), ["profiles"])
    body = client.get("/v1/people/kari/profile-completion", headers=bearer(user_token("kari"))).json
    assert body["percent"] == 60


def sync(client, make_key, people, teams):
    key = make_key("directory:write", "reports:read")
    body = {"mode": "full", "teams": teams, "people": people}
    assert client.post("/v1/directory/sync", json=body, headers=bearer(key)).status_code == 200
    return key


def test_team_summary_counts_silent_members_and_hides_small_groups(app, client, make_key, user_token):
    teams = [{"id": "org", "name": "Org", "parent": None}, {"id": "hr", "name": "HR", "parent": "org"},
             {"id": "it", "name": "IT", "parent": "org"}]
    people = [{"id": f"hr{i}", "name": f"HR {i}", "team": "hr"} for i in range(4)]
    people += [{"id": f"it{i}", "name": f"IT {i}", "team": "it"} for i in range(6)]
    key = sync(client, make_key, people, teams)
    full = {s.field: "x" for s in STEPS}
    send_as(client, user_token("it0"), profile("a", "it0", 1, **full))
    send_as(client, user_token("it1"), profile("b", "it1", 1, **{**full, "photo": None}))
    send_as(client, user_token("hr0"), profile("c", "hr0", 1, title="x"))
    drain(app, ("profiles",))
    it = client.get("/v1/teams/it/profile-completion?lang=en", headers=bearer(key)).json
    assert it["members"] == 6 and it["share_complete"] == round(1 / 6, 3)
    assert it["median_percent"] == 0  # four silent members at 0 %
    assert it["most_missing"] == {"field": "photo", "label": "Add a photo", "missing_for": 5}
    hr = client.get("/v1/teams/hr/profile-completion", headers=bearer(key)).json
    assert hr["suppressed"] is True and "median_percent" not in hr
    unit = client.get("/v1/teams/org/profile-completion?subunits=true", headers=bearer(key)).json
    assert unit["members"] == 6 and unit["suppressed"] is False  # IT only: HR's four are too few even with org
    assert client.get("/v1/teams/it/profile-completion", headers=bearer(user_token("it0"))).status_code == 403


def test_csv_import_reports_bad_rows_by_line_and_imports_nothing(app, tmp_path):
    teams = tmp_path / "teams.csv"
    teams.write_text("id,name,parent\norg,Kommunen,\nhr,HR,org\n")
    people = tmp_path / "people.csv"
    people.write_text("id,name,email,team,role,locale,leaderboard_opt_out\n"
                      "kari,Kari Nordmann,kari@example.no,hr,member,nb,no\n"
                      "ola,Ola Hansen,not-an-email,hr,member,nb,no\n"
                      "lena,Lena Berg,lena@example.no,hr,boss,nn,yes\n"
                      "per,Per Persen,per@example.no,ghost,member,nb,no\n")
    runner = CliRunner()
    args = ["directory", "import", str(people), "--teams", str(teams)]
    result = runner.invoke(engagement_commands, args, obj=_script_info(app))
    assert result.exit_code != 0
    assert "people.csv line 3: email: Not a valid email address." in result.output
    assert "people.csv line 4: role: Must be one of: member, leader." in result.output
    with app.app_context():
        assert state(app).db.session.scalars(select(Person)).all() == []
    people.write_text("id,name,email,team,role,locale,leaderboard_opt_out\n"
                      "kari,Kari Nordmann,kari@example.no,hr,member,nb,no\n"
                      "per,Per Persen,per@example.no,ghost,member,nb,no\n")
    result = runner.invoke(engagement_commands, args, obj=_script_info(app))
    assert "people.csv line 3: team: Unknown team 'ghost'." in result.output
    people.write_text("id,name,email,team,role,locale,leaderboard_opt_out\n"
                      "kari,Kari Nordmann,kari@example.no,hr,member,nb,no\n"
                      "lena,Lena Berg,lena@example.no,hr,leader,nn,yes\n")
    dry = runner.invoke(engagement_commands, [*args, "--dry-run"], obj=_script_info(app))
    assert dry.exit_code == 0 and json.loads(dry.output)["people"] == {"created": 2}
    with app.app_context():
        assert state(app).db.session.scalars(select(Person)).all() == []
    done = runner.invoke(engagement_commands, args, obj=_script_info(app))
    assert done.exit_code == 0, done.output
    with app.app_context():
        lena = state(app).db.session.get(Person, "lena")
        assert (lena.role, lena.locale, lena.leaderboard_opt_out) == ("leader", "nn", True)


def _script_info(app):
    from flask.cli import ScriptInfo
    return ScriptInfo(create_app=lambda: app)
