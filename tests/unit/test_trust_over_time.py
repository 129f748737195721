"""The minimum group size through time: a team of two from August that grows to five on 1 November.

Each month of a trend and each baseline is folded by the directory of its own months, new
people count only from the ``as_of`` they were synced with, and a baseline that speaks for a
group too small then is withheld (so no ``declining`` flag comes from it).
"""
from __future__ import annotations

import json
from datetime import date

import pytest

from engagement.replay import replay
from engagement.schemas.trust import TrustReportSchema, TrustTrendSchema
from engagement.state import state
from tests.conftest import bearer, drain

MONTHS = ("2026-08", "2026-09", "2026-10")
OLD = ("ada", "bo")                      # in "grow" since January
NEW = ("cy", "di", "ed")                 # joined "grow" on 1 November
STAFF = tuple(f"staff-{i}" for i in range(5))  # the unit's own people, all year


def published(actor: str, day: str, n: int) -> dict:
    return {"id": f"pub-{actor}-{day}-{n}", "type": "content.published", "actor": actor,
            "time": f"{day}T10:00:00+01:00", "target": {"kind": "article", "id": f"{actor}-{day}-{n}", "owner": actor},
            "data": {"content_kind": "article", "title": "Deling"}}


def events() -> list[dict]:
    """Three articles a month from each of the two old members (and one from each of the unit's
    staff), then a quiet November: one article from one new hire."""
    out = [published(p, f"{m}-10", k) for m in MONTHS for p in OLD for k in range(3)]
    out += [published(p, f"{m}-12", 0) for m in (*MONTHS, "2026-11") for p in STAFF]
    return out + [published("cy", "2026-11-05", 0)]


@pytest.fixture
def grown(app, client, make_key):
    admin = make_key("directory:write", "events:write")
    teams = [{"id": "org", "name": "Enheten", "parent": None}, {"id": "grow", "name": "Vekst", "parent": "org"}]
    people = [{"id": p, "name": p, "team": "org"} for p in STAFF] + [{"id": p, "name": p, "team": "grow"} for p in OLD]
    first = {"mode": "full", "as_of": "2026-01-01T00:00:00+01:00", "teams": teams, "people": people}
    hires = {"mode": "delta", "as_of": "2026-11-01T00:00:00+01:00",
             "people": [{"id": p, "name": p, "team": "grow"} for p in NEW]}
    for body in (first, hires):
        assert client.post("/v1/directory/sync", json=body, headers=bearer(admin)).status_code == 200
    assert client.post("/v1/events/batch", json={"events": events()}, headers=bearer(admin)).status_code == 202
    drain(app, ("ledger", "trust"))
    return make_key("trust:read")


def rows(client, key, period: str) -> dict[str, dict]:
    body = client.get(f"/v1/trust/report?period={period}&lang=en", headers=bearer(key)).json
    return {row["id"]: row for row in body["teams"]}


def test_new_people_count_only_from_their_as_of(client, grown):
    october = rows(client, grown, "2026-10")
    assert october["grow"]["suppressed"] and october["grow"]["folded_into"] == "org"  # two people then
    assert october["org"]["signals"]["members"] == len(STAFF) + len(OLD)
    assert october["org"]["signals"]["contributions"] == 3 * len(OLD) + len(STAFF)
    november = rows(client, grown, "2026-11")["grow"]["signals"]
    assert (november["members"], november["contributions"], november["sharers"]) == (5, 1, 1)


def test_each_trend_point_is_folded_by_its_own_month(client, grown):
    body = client.get("/v1/trust/teams/grow/trend?months=4&until=2026-11", headers=bearer(grown)).json
    assert TrustTrendSchema().validate(body) == {}  # what the OpenAPI document says
    assert (body["suppressed"], body["members"]) == (False, 5)
    before, last = body["series"][:3], body["series"][3]
    assert [(m["month"], m["suppressed"], m["folded_into"]) for m in before] == [(m, True, "org") for m in MONTHS]
    assert all(m[k] is None for m in before for k in ("shared_share", "contributions_per_member", "likes_per_member"))
    report = rows(client, grown, "2026-11")["grow"]["signals"]  # the point is the month's own report row
    assert (last["month"], last["members"], last["contributions_per_member"], last["shared_share"]) == (
        "2026-11", report["members"], report["contributions_per_member"], report["shared_share"])
    assert last["contributions_per_member"] == round(1 / 5, 3)


def test_a_baseline_from_months_when_the_team_was_too_small_is_withheld(client, grown):
    body = client.get("/v1/trust/report?period=2026-11&lang=en", headers=bearer(grown)).json
    assert TrustReportSchema().validate(body) == {}
    november = {row["id"]: row for row in body["teams"]}
    grow = november["grow"]
    assert grow["signals"]["baseline_rate_per_30_days"] is None and grow["signals"]["trend"] is None
    assert "declining" not in [f["flag"] for f in grow["flags"]]  # 18 a month from two people, then 1
    # The unit without "grow" now, with it then: its own baseline would be October's row minus grow's two.
    assert november["org"]["signals"]["baseline_rate_per_30_days"] is None


def test_a_baseline_of_the_same_shown_group_is_kept(client, grown):
    december = rows(client, grown, "2027-02")  # baseline November to January: five in "grow" throughout
    base = december["grow"]["signals"]
    assert base["baseline_rate_per_30_days"] == round(1 / 5 / 92 * 30, 3)  # one article, five members, 92 days


def test_a_rolling_period_never_spans_a_month_when_its_group_was_different(client, grown, monkeypatch):
    monkeypatch.setattr("engagement.trust.api._today", lambda: date(2026, 11, 30))
    ninety = rows(client, grown, "90d")  # 2 September to 30 November: "grow" was two people until November
    # Shown, it would be November's one article plus the two's twelve, and November's own row is shown.
    assert ninety["grow"]["suppressed"] and ninety["grow"]["folded_into"] == "org" and "signals" not in ninety["grow"]
    months = [rows(client, grown, m) for m in ("2026-09", "2026-10", "2026-11")]
    shown = sum(r["signals"]["contributions"] for month in months for r in month.values() if not r["suppressed"])
    assert ninety["org"]["signals"]["contributions"] == shown == 3 * 2 * 2 + 3 * 5 + 1  # only what the months show
    thirty = rows(client, grown, "30d")["grow"]["signals"]  # 1 to 30 November: the same as the month
    assert (thirty["members"], thirty["contributions"]) == (5, 1)


def test_people_who_join_late_in_a_month_do_not_make_the_month_a_large_team(client, grown, make_key):
    first = {"mode": "delta", "as_of": "2026-11-01T00:00:00+01:00",
             "teams": [{"id": "late", "name": "Sen", "parent": "org"}],
             "people": [{"id": "first", "name": "first", "team": "late"}]}
    later = {"mode": "delta", "as_of": "2026-11-20T00:00:00+01:00",
             "people": [{"id": f"late{i}", "name": f"late{i}", "team": "late"} for i in range(4)]}
    key = make_key("directory:write")
    for body in (first, later):
        assert client.post("/v1/directory/sync", json=body, headers=bearer(key)).status_code == 200
    november = rows(client, grown, "2026-11")  # one person for most of November, five only from the 20th
    assert november["late"]["suppressed"] and november["late"]["folded_into"] == "org"


def test_replay_gives_the_same_answers_through_time(app, client, grown):
    before = [rows(client, grown, p) for p in ("2026-10", "2026-11")]
    replay(state(app), ["trust"])
    assert json.dumps([rows(client, grown, p) for p in ("2026-10", "2026-11")]) == json.dumps(before)
