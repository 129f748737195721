"""The org tree through time: a reorg never lets two answers subtract to a folded team.

``org`` (five staff) above ``deptA`` and ``deptB`` (five each); ``solo``, Sam alone, sits under
``deptA`` from January and is folded into it. Each past month is folded by the tree as it was
then, so moving ``solo`` to ``deptB``, removing it, or a back-dated change cannot make deptA's
October of one answer minus deptA's October of the next be Sam's three articles.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest

from engagement.directory.groups import TreeHistory
from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer, drain, like
from tests.worlds import seeded

STAFF = [f"staff-{i}" for i in range(5)]
A_PEOPLE = [f"a{i}" for i in range(5)]
B_PEOPLE = [f"b{i}" for i in range(5)]
TEAMS = [{"id": "org", "name": "Enheten", "parent": None},
         {"id": "deptA", "name": "A", "parent": "org"}, {"id": "deptB", "name": "B", "parent": "org"},
         {"id": "solo", "name": "Alene", "parent": "deptA"}]
PEOPLE = ([{"id": p, "name": p, "team": "org"} for p in STAFF]
          + [{"id": p, "name": p, "team": "deptA"} for p in A_PEOPLE]
          + [{"id": p, "name": p, "team": "deptB"} for p in B_PEOPLE] + [{"id": "sam", "name": "Sam", "team": "solo"}])
FIRST = {"mode": "full", "as_of": "2026-01-01T00:00:00+01:00", "teams": TEAMS, "people": PEOPLE}
SAMS = 3  # Sam's articles in a month; everyone else writes one, so only a difference of 3 is Sam alone


def _published(actor: str, day: str, n: int) -> dict:
    return {"id": f"pub-{actor}-{day}-{n}", "type": "content.published", "actor": actor,
            "time": f"{day}T10:00:00+01:00", "target": {"kind": "article", "id": f"{actor}-{day}-{n}", "owner": actor},
            "data": {"content_kind": "article", "title": "Deling"}}


@pytest.fixture
def admin(app, client, make_key, worlds):
    def seed():
        key = make_key("directory:write", "events:write", "reports:read")
        assert client.post("/v1/directory/sync", json=FIRST, headers=bearer(key)).status_code == 200
        events = []
        for day, sams in (("2026-09-12", "2026-09-13"), ("2026-10-12", "2026-10-13"), ("2026-11-03", "2026-11-04")):
            events += [_published(p, day, 0) for p in STAFF + A_PEOPLE + B_PEOPLE]
            events += [_published("sam", sams, k) for k in range(SAMS)]
        events += [like(f"like-sam-{p}", actor="sam", target=f"news-{p}", owner=p, time="2026-10-14T10:00:00+01:00")
                   for p in ("staff-0", "b0")]
        assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202
        drain(app, ("ledger", "trust", "recognition"))
        return key
    return seeded(app, worlds, "admin", seed)


@pytest.fixture
def reader(make_key, monkeypatch):
    today(monkeypatch, date(2026, 11, 30))
    return make_key("trust:read")


def today(monkeypatch, day: date) -> None:
    monkeypatch.setattr("engagement.trust.api._today", lambda: day)


def sync(client, key, body: dict, status: int = 200) -> dict:
    answer = client.post("/v1/directory/sync", json=body, headers=bearer(key))
    assert answer.status_code == status, answer.json
    return answer.json


def report(client, key, period: str) -> dict[str, dict]:
    body = client.get(f"/v1/trust/report?period={period}&lang=en", headers=bearer(key)).json
    return {row["id"]: row for row in body["teams"]}


def numbers(rows: dict[str, dict]) -> dict[tuple[str, str], int]:
    """Every shown contributions number of a report: each group's own and each unit's sum."""
    out = {}
    for team, row in rows.items():
        for side in ("signals", "unit_signals"):
            if side in row:
                out[team, side] = row[side]["contributions"]
    return out


def assert_no_number_isolates_sam(before: dict[str, dict], after: dict[str, dict]) -> None:
    """Every number shown in both answers is the same, or differs by more than Sam's alone."""
    b, a = numbers(before), numbers(after)
    differences = {k: b[k] - a[k] for k in b.keys() & a.keys()}
    assert SAMS not in {abs(d) for d in differences.values()}, differences


def moved(to: str, as_of: str, mode: str = "full") -> dict:
    teams = [t if t["id"] != "solo" else {**t, "parent": to} for t in TEAMS]
    return {"mode": mode, "as_of": as_of, "teams": teams, "people": PEOPLE if mode == "full" else []}


def test_moving_a_folded_team_leaves_last_month_as_it_was(client, admin, reader, monkeypatch):
    before = report(client, reader, "2026-10")
    assert before["solo"]["suppressed"] and before["solo"]["folded_into"] == "deptA"
    sync(client, admin, moved("deptB", "2026-11-20T00:00:00+01:00"))
    after = report(client, reader, "2026-10")
    isolated = before["deptA"]["signals"]["contributions"] - after["deptA"]["signals"]["contributions"]
    assert isolated == 0, f"deptA's October minus deptA's October after the reorg = Sam's {isolated} articles"
    assert after == before  # October is folded by October's tree: nothing about it changed
    today(monkeypatch, date(2026, 12, 15))
    assert report(client, reader, "2026-12")["solo"]["folded_into"] == "deptB"  # from now on: under deptB


def test_a_trend_and_a_baseline_keep_the_tree_of_their_months(client, admin, reader, monkeypatch):
    trend = lambda team: client.get(f"/v1/trust/teams/{team}/trend?months=3", headers=bearer(reader)).json  # noqa: E731
    before = {t: trend(t)["series"] for t in ("deptA", "deptB")}
    today(monkeypatch, date(2026, 12, 15))
    december = report(client, reader, "2026-12")
    today(monkeypatch, date(2026, 11, 30))
    sync(client, admin, moved("deptB", "2026-11-20T00:00:00+01:00"))
    after = {t: trend(t)["series"] for t in ("deptA", "deptB")}
    for team in ("deptA", "deptB"):
        assert after[team][:2] == before[team][:2]  # September and October as they were
        assert after[team][2]["suppressed"]  # November: made of other teams before and after the 20th
    # December's baseline (September to November) spans the move: deptA's is withheld, never deptA without Sam.
    today(monkeypatch, date(2026, 12, 15))
    now = report(client, reader, "2026-12")
    assert now["deptA"]["signals"]["baseline_rate_per_30_days"] is None
    assert december["deptA"]["signals"]["baseline_rate_per_30_days"] is not None


def test_a_move_inside_a_period_never_subtracts_to_the_moved_team(client, admin, reader):
    periods = ("2026-11", "30d", "90d")
    before = {p: report(client, reader, p) for p in periods}
    sync(client, admin, moved("deptB", "2026-11-20T00:00:00+01:00"))
    for period in periods:
        assert_no_number_isolates_sam(before[period], report(client, reader, period))


def test_removing_a_folded_team_leaves_last_month_as_it_was(client, admin, reader, monkeypatch):
    before = report(client, reader, "2026-10")
    gone = {"mode": "delta", "as_of": "2026-11-20T00:00:00+01:00",
            "teams": [{"id": "solo", "name": "Alene", "parent": "deptA", "removed": True}],
            "people": [{"id": "sam", "name": "Sam", "team": "deptA"}]}
    assert sync(client, admin, gone)["teams"] == {"removed": 1}
    after = report(client, reader, "2026-10")
    assert after == before
    today(monkeypatch, date(2026, 12, 15))
    assert "solo" not in report(client, reader, "2026-12")
    assert client.get("/v1/teams/solo/recognition", headers=bearer(admin)).status_code == 404


def test_a_team_with_people_or_teams_in_it_is_not_removed(client, admin):
    gone = {"mode": "delta", "teams": [{"id": "deptA", "name": "A", "parent": "org", "removed": True}]}
    answer = client.post("/v1/directory/sync", json=gone, headers=bearer(admin))
    assert answer.status_code == 422 and {e["field"] for e in answer.json["errors"]} == {"teams.0.removed"}
    orphan = {"mode": "delta", "teams": [{"id": "solo", "name": "Alene", "parent": "deptA", "removed": True}],
              "people": [{"id": "kim", "name": "Kim", "team": "solo"}]}
    answer = client.post("/v1/directory/sync", json=orphan, headers=bearer(admin))
    assert answer.status_code == 422 and {e["field"] for e in answer.json["errors"]} >= {"people.0.team"}


def test_a_change_back_dated_before_the_trees_last_change_is_refused(client, admin, reader):
    sync(client, admin, moved("deptB", "2026-11-20T00:00:00+01:00"))
    before = report(client, reader, "2026-10")
    back = moved("deptA", "2026-10-05T00:00:00+01:00", mode="delta")
    answer = client.post("/v1/directory/sync", json=back, headers=bearer(admin))
    assert answer.status_code == 422 and [e["field"] for e in answer.json["errors"]] == ["as_of"]
    assert report(client, reader, "2026-10") == before
    # Back-dating what is not the tree stays as it was: people, names, and teams new to the tree.
    people = {"mode": "delta", "as_of": "2026-10-05T00:00:00+01:00",
              "people": [{"id": "kim", "name": "Kim", "team": "deptB"}],
              "teams": [{"id": "deptB", "name": "B-avdelingen", "parent": "org"},
                        {"id": "new", "name": "Ny", "parent": "org"}]}
    assert sync(client, admin, people) == {"dry_run": False, "teams": {"updated": 1, "created": 1},
                                           "people": {"created": 1}}
    assert report(client, reader, "2026-09")["deptB"]["name"] == "B-avdelingen"  # a name is today's, also for the past


def test_a_back_dated_move_into_a_past_month_never_subtracts_to_the_moved_team(client, admin, reader):
    before = {p: report(client, reader, p) for p in ("2026-10", "90d")}
    sync(client, admin, moved("deptB", "2026-10-20T00:00:00+02:00", mode="delta"))
    for period, rows in before.items():
        after = report(client, reader, period)
        assert_no_number_isolates_sam(rows, after)
        assert after["deptA"]["suppressed"] and after["deptB"]["suppressed"]  # made of other teams that month


def test_all_time_team_recognition_never_subtracts_to_a_moved_team(client, admin):
    def given(team: str) -> int | None:
        answer = client.get(f"/v1/teams/{team}/recognition", headers=bearer(admin)).json
        return None if answer["suppressed"] else answer["given"]["like"]
    before = {t: given(t) for t in ("deptA", "deptB")}
    assert before == {"deptA": 2, "deptB": 0}
    sync(client, admin, moved("deptB", "2026-11-20T00:00:00+01:00"))
    after = {t: given(t) for t in ("deptA", "deptB")}
    for team in ("deptA", "deptB"):  # Sam's two likes given are never a difference of two answers
        assert after[team] is None or after[team] == before[team], (before, after)


def test_replay_after_a_reorg_gives_the_same_report(app, client, admin, reader):
    sync(client, admin, moved("deptB", "2026-11-20T00:00:00+01:00"))
    before = [report(client, reader, p) for p in ("2026-10", "2026-11", "90d")]
    replay(state(app), ["trust"])
    assert [report(client, reader, p) for p in ("2026-10", "2026-11", "90d")] == before


def test_the_migration_starts_the_history_with_the_tree_as_it_is(app, client, admin, reader):
    from alembic import command

    from engagement import migrate as schema
    before = report(client, reader, "2026-10")
    engine = state(app).engine
    with engine.begin() as conn:
        command.downgrade(schema.alembic_config(conn), "0015")
    schema.upgrade(engine)
    assert report(client, reader, "2026-10") == before


def test_the_tree_of_a_period_and_every_tree_in_effect_in_it():
    t = lambda month, day=1: datetime(2026, month, day)  # noqa: E731
    history = TreeHistory([("org", "Org", None, None, None), ("a", "A", "org", None, None),
                           ("b", "B", "org", t(3), None), ("solo", "Solo", "a", None, t(5)),
                           ("solo", "Solo", "b", t(5), t(7)), ("gone", "Gone", "a", None, t(2))])
    assert sorted(history.spanning(t(1), t(4))) == [("a", "A", "org"), ("b", "B", "org"), ("gone", "Gone", "a"),
                                                    ("org", "Org", None), ("solo", "Solo", "a")]
    assert ("solo", "Solo", "b") in history.spanning(t(4), t(6))  # its latest parent in the period
    assert "solo" not in {team for team, *_ in history.spanning(t(7), t(8))}  # removed on 1 July
    versions = [sorted((team, parent) for team, _, parent in tree) for tree in history.versions(t(1), t(6))]
    assert versions == [[("a", "org"), ("gone", "a"), ("org", None), ("solo", "a")],
                        [("a", "org"), ("org", None), ("solo", "a")],
                        [("a", "org"), ("b", "org"), ("org", None), ("solo", "a")],
                        [("a", "org"), ("b", "org"), ("org", None), ("solo", "b")]]
    assert len(history.versions(t(6), t(7))) == 1
