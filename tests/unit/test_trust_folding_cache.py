"""The report keeps each period's folded orgs with the directory rows they were folded from
(engagement/trust/service.py, ``Folding``): the same rows give the kept orgs, and any change in
the directory's history (a person leaving, a team moving) folds anew, so a kept folding never
answers for a directory that has changed.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from engagement.directory import service as directory
from engagement.schemas.directory import DirectorySyncSchema
from engagement.state import state
from engagement.trust import service as trust

TODAY, ZONE = date(2026, 11, 15), ZoneInfo("Europe/Oslo")


def payload(people_in_b: int, b_parent: str = "u") -> dict:
    teams = [{"id": "org", "name": "Org", "parent": None}, {"id": "u", "name": "Unit", "parent": "org"},
             {"id": "v", "name": "Other unit", "parent": "org"}, {"id": "a", "name": "A", "parent": "u"},
             {"id": "b", "name": "B", "parent": b_parent}]
    people = [{"id": f"a{i}", "name": f"A {i}", "team": "a", "role": "member"} for i in range(6)]
    people += [{"id": f"b{i}", "name": f"B {i}", "team": "b", "role": "member"} for i in range(people_in_b)]
    return DirectorySyncSchema().load({"mode": "full", "teams": teams, "people": people})


def report(session, label: str) -> dict:
    return trust.report(session, trust.parse_period(label, TODAY), TODAY, ZONE, 5, trust.THRESHOLDS, "en")


def fresh(session, label: str) -> dict:
    """The report with nothing kept: as it was before foldings were kept."""
    trust._foldings.clear()
    return report(session, label)


def shown(body: dict) -> dict[str, bool]:
    return {row["id"]: not row["suppressed"] for row in body["teams"]}


@pytest.fixture
def session(app):
    with app.app_context():
        trust._foldings.clear()
        yield state(app).db.session
        trust._foldings.clear()


@pytest.mark.parametrize("label", ["2026-10", "30d", "90d"])
def test_the_same_directory_gives_the_kept_folding_and_the_same_report(session, label):
    directory.sync(session, payload(5), datetime(2026, 1, 1, tzinfo=UTC))
    first = fresh(session, label)
    kept = dict(trust._foldings)
    assert report(session, label) == first
    assert len(kept) == 1 and all(trust._foldings[key][1] is orgs for key, (_, orgs) in kept.items())


@pytest.mark.parametrize("label", ["2026-10", "30d", "90d"])
def test_a_person_leaving_folds_anew(session, label):
    directory.sync(session, payload(5), datetime(2026, 1, 1, tzinfo=UTC))
    assert shown(report(session, label))["b"]
    directory.sync(session, payload(4), datetime(2026, 2, 1, tzinfo=UTC))  # B is too small from February
    after = report(session, label)
    assert not shown(after)["b"]
    assert after == fresh(session, label)


def test_a_team_moving_folds_anew(session):
    directory.sync(session, payload(5), datetime(2026, 1, 1, tzinfo=UTC))
    before = report(session, "2026-10")
    directory.sync(session, payload(5, b_parent="v"), datetime(2026, 2, 1, tzinfo=UTC))
    after = report(session, "2026-10")
    assert [r["parent"] for r in before["teams"] if r["id"] == "b"] == ["u"]
    assert [r["parent"] for r in after["teams"] if r["id"] == "b"] == ["v"]
    assert after == fresh(session, "2026-10")


def test_only_a_few_foldings_are_kept(session):
    directory.sync(session, payload(5), datetime(2026, 1, 1, tzinfo=UTC))
    for month in range(1, 13):
        report(session, f"2025-{month:02d}")
    for month in range(1, 11):
        report(session, f"2026-{month:02d}")
    assert len(trust._foldings) == trust.KEPT_FOLDINGS
