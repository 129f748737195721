"""The trust-signal report on a synthetic organisation with planted patterns (tests/trust_org.py)."""
from __future__ import annotations

import csv
import io
import json

import pytest

from engagement.demo import trust_history as trust_org
from engagement.replay import replay
from engagement.schemas.trust import TrustReportSchema
from engagement.state import state
from engagement.trust.service import thresholds
from tests.conftest import bearer, drain
from tests.worlds import seeded

OCTOBER = "/v1/trust/report?period=2026-10&lang=en"


def send_all(client, key, events):
    for start in range(0, len(events), 500):
        response = client.post("/v1/events/batch", json={"events": events[start:start + 500]}, headers=bearer(key))
        assert response.status_code == 202, response.json


@pytest.fixture
def org(app, client, make_key, worlds):
    def seed():
        admin = make_key("directory:write", "events:write")
        assert client.post("/v1/directory/sync", json=trust_org.directory(), headers=bearer(admin)).status_code == 200
        send_all(client, admin, trust_org.events())
        drain(app, ("ledger", "trust"))
        return make_key("trust:read", name="kommunikasjon")
    return seeded(app, worlds, "org", seed)


def by_team(body):
    return {row["id"]: row for row in body["teams"]}


def test_each_planted_pattern_raises_exactly_its_flag(client, org):
    body = client.get(OCTOBER, headers=bearer(org)).json
    assert TrustReportSchema().validate(body) == {}  # the answer is what the OpenAPI document says
    rows = by_team(body)
    for team, expected in trust_org.EXPECTED.items():
        assert [f["flag"] for f in rows[team]["flags"]] == expected, (team, rows[team]["signals"])
    quiet = rows["quiet"]["flags"][0]
    assert quiet["reason"] == ("Contributions per member fell 75 % against the team's previous three months "
                               "(0.29 vs 1.17 per 30 days).")
    norwegian = by_team(client.get(OCTOBER.replace("lang=en", "lang=nb"), headers=bearer(org)).json)
    norwegian = norwegian["quiet"]["flags"][0]
    assert "(0,29 mot 1,17 per 30 dager)" in norwegian["reason"]  # decimals as the page's language writes them
    assert "coffee chats" in quiet["action"]
    carried = rows["carried"]["signals"]
    assert (carried["top_person_share"], carried["shared_share"], carried["members"]) == (0.833, 0.3, 10)
    assert rows["silo"]["signals"]["cross_team_share"] == 0.0 and rows["healthy"]["signals"]["cross_team_share"] == 0.5
    assert rows["leaders"]["signals"]["leader_participation"] == 0.0
    assert rows["healthy"]["signals"]["recognised_share"] == 0.462  # 6 of 13: only first articles are liked


def test_small_teams_fold_into_their_parent_and_nobody_is_named(client, org):
    response = client.get(OCTOBER, headers=bearer(org))
    rows = by_team(response.json)
    assert rows["tiny"] == {"id": "tiny", "name": "Lite team", "parent": "drift", "depth": 2,
                            "suppressed": True, "folded_into": "drift", "no_members": False}
    assert rows["drift"]["includes"] == [{"id": "tiny", "name": "Lite team"}]
    assert rows["drift"]["signals"]["members"] == 11  # 8 of its own and the 3 folded in
    assert rows["org"]["suppressed"] and rows["org"]["folded_into"] is None and rows["org"]["no_members"]
    assert (rows["org"]["unit_signals"]["members"], rows["helse"]["unit_signals"]["members"],
            rows["drift"]["unit_signals"]["members"]) == (81, 30, 51)
    assert "unit_signals" not in rows["quiet"]  # a team with nothing below it
    text = response.get_data(as_text=True)
    people = [p["id"] for p in trust_org.directory()["people"]]
    assert not [p for p in people if f'"{p}"' in text]
    names = [p["name"] for p in trust_org.directory()["people"]]
    assert not [n for n in names if n in text]


def test_a_unit_total_never_isolates_a_group_folded_out_of_it(client, org, make_key):
    two = [{"id": f"helse-staff-{i}", "name": f"Stab {i}", "team": "helse"} for i in range(2)]
    client.post("/v1/directory/sync", json={"mode": "delta", "people": two},
                headers=bearer(make_key("directory:write")))
    rows = by_team(client.get(OCTOBER, headers=bearer(org)).json)
    assert rows["helse"]["suppressed"] and rows["helse"]["folded_into"] is None  # 2 people, and the root is empty
    assert rows["helse"]["unit_signals"]["members"] == 30  # its three teams, never its two own people


def test_thresholds_and_minimum_group_size_are_configurable(app, client, org):
    state(app).trust_thresholds = thresholds({"silo": {"below": 0.6}})
    rows = by_team(client.get(OCTOBER, headers=bearer(org)).json)
    assert [f["flag"] for f in rows["healthy"]["flags"]] == ["silo"]  # 50 % across teams is now too little
    state(app).trust_thresholds = thresholds({})
    app.config["ENGAGEMENT_MIN_GROUP_SIZE"] = 12
    rows = by_team(client.get(OCTOBER, headers=bearer(org)).json)
    assert rows["healthy"]["folded_into"] == "helse" and rows["helse"]["signals"]["members"] == 30
    with pytest.raises(ValueError, match="unknown flags"):
        thresholds({"gossip": {}})
    with pytest.raises(ValueError, match="silo takes numbers for below, min_interactions"):
        thresholds({"silo": {"below": "low"}})


def test_four_languages_csv_and_filters(client, org, make_key):
    client.post("/v1/directory/sync", json={"mode": "delta", "people": [], "teams": [
        {"id": "formula", "name": "=HYPERLINK(\"http://x\")", "parent": "drift"}]},
        headers=bearer(make_key("directory:write")))
    for lang, word in (("nb", "medlemmer"), ("nn", "medlemmer"), ("da", "medlemmer"), ("en", "members")):
        body = client.get(f"/v1/trust/report?period=2026-10&lang={lang}&flag=low_sharing", headers=bearer(org)).json
        assert [row["id"] for row in body["teams"]] == ["low"]
        assert word in body["teams"][0]["flags"][0]["reason"] and "10" in body["teams"][0]["flags"][0]["reason"]
    unit = client.get("/v1/trust/report?period=2026-10&unit=helse", headers=bearer(org)).json
    assert [row["id"] for row in unit["teams"]] == ["helse", "carried", "quiet", "healthy"]
    export = client.get(OCTOBER + "&format=csv", headers=bearer(org))
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    table = {row["Team"]: row for row in csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff")))}
    assert table["Siloen"]["Flags"] == "Silo" and table["Sunne"]["Share who shared (%)"] == "60"
    assert table["Lite team"]["Counted in"] == "Drift" and table["Lite team"]["Members"] == ""
    assert [k for k in table["'=HYPERLINK(\"http://x\")"] if k][0] == "Team"  # a spreadsheet shows it, never runs it


def test_the_csv_speaks_the_language_a_norwegian_spreadsheet_reads(client, org):
    """Bug: the CSV had English column codes, flag codes ("one_person") and raw decimals (0.833)."""
    export = client.get("/v1/trust/report?period=2026-10&lang=nb&format=csv", headers=bearer(org))
    raw = export.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads "Båret" as UTF-8, not as "BÃ¥ret"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0])[:4] == ["Team", "Del av", "Telles i", "Medlemmer"]
    carried = next(r for r in rows if r["Team"] == "Båret")
    assert carried["Flagg"] == "Hviler på én person" and carried["Del av"] == "Helse"
    assert carried["Mest aktive persons andel (%)"] == "83" and carried["Andel som delte (%)"] == "30"
    assert carried["Bidrag per medlem"] == "1,2"  # a decimal comma, one decimal
    quiet = next(r for r in rows if r["Team"] == "Stilnet")
    assert quiet["Endring i bidrag per medlem fra de tre foregående månedene (%)"] == "-75"
    english = client.get(OCTOBER + "&format=csv", headers=bearer(org)).get_data(as_text=True)
    assert english.splitlines()[0].lstrip("\ufeff").startswith("Team,Part of,Counted in,Members,")


def test_trend_month_by_month(client, org):
    body = client.get("/v1/trust/teams/quiet/trend?months=4&until=2026-10", headers=bearer(org)).json
    assert [(m["month"], m["contributions_per_member"]) for m in body["series"]] == [
        ("2026-07", 1.2), ("2026-08", 1.2), ("2026-09", 1.2), ("2026-10", 0.3)]
    tiny = client.get("/v1/trust/teams/tiny/trend?months=4&until=2026-10", headers=bearer(org)).json
    assert (tiny["suppressed"], tiny["folded_into"], "members" in tiny) == (True, "drift", False)
    assert {(m["suppressed"], m["folded_into"], m["contributions_per_member"]) for m in tiny["series"]} == {
        (True, "drift", None)}  # three people: no month has a number


def test_only_its_own_scope_or_role_reads_the_report_and_every_view_is_audited(client, org, make_key, user_token):
    for credential in (make_key("reports:read"), make_key("events:write"), user_token("healthy-0", roles=("leader",))):
        assert client.get(OCTOBER, headers=bearer(credential)).status_code == 403
    assert client.get(OCTOBER).status_code == 401
    staff = user_token("siri", roles=("communications",))
    assert client.get(OCTOBER + "&unit=drift", headers=bearer(staff)).status_code == 200
    assert client.get("/v1/trust/audit", headers=bearer(org)).status_code == 403
    views = client.get("/v1/trust/audit", headers=bearer(make_key("audit:read"))).json["views"]
    assert [(v["who"], v["unit"], v["view"], v["period"]) for v in views] == [("user:siri", "drift", "json", "2026-10")]
    assert views[0]["unit_name"] == "Drift"  # the console says the team's name, not its id


def test_bad_input_names_each_field(client, org):
    response = client.get("/v1/trust/report?period=2026-13&lang=sv&format=xml", headers=bearer(org))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {"period", "lang", "format"}
    assert client.get("/v1/trust/report?period=2026-13", headers=bearer(org)).json["errors"][0]["field"] == "period"
    assert client.get("/v1/trust/report?unit=nowhere", headers=bearer(org)).status_code == 404
    trend = client.get("/v1/trust/teams/quiet/trend?months=99&until=26-10", headers=bearer(org))
    assert {e["field"] for e in trend.json["errors"]} == {"months", "until"}


def test_replay_gives_the_same_report(app, client, org):
    before = client.get(OCTOBER, headers=bearer(org)).json
    replay(state(app), ["trust"])
    assert json.dumps(client.get(OCTOBER, headers=bearer(org)).json) == json.dumps(before)


def test_recognition_read_before_its_contribution_counts_and_duplicates_count_once(app, client, org, make_key):
    key = make_key("events:write")
    comment = {"id": "c-event", "type": "comment.posted", "actor": "quiet-2", "time": "2026-05-02T10:00:00+02:00",
               "target": {"kind": "article", "id": "a-may", "owner": "healthy-1"},
               "data": {"comment_id": "c1", "text": "Godt skrevet"}}
    liked = {"id": "l-event", "type": "like.added", "actor": "healthy-1", "time": "2026-05-03T10:00:00+02:00",
             "target": {"kind": "comment", "id": "c1", "owner": "quiet-2"}}
    send_all(client, key, [liked])
    drain(app, ("ledger", "trust"))
    send_all(client, key, [comment, comment])
    drain(app, ("ledger", "trust"))
    rows = by_team(client.get("/v1/trust/report?period=2026-05", headers=bearer(org)).json)
    quiet, healthy = rows["quiet"]["signals"], rows["healthy"]["signals"]
    assert (quiet["contributions"], quiet["recognised_share"], quiet["interactions"]) == (1, 1.0, 1)
    assert (healthy["interactions"], healthy["likes_per_member"], healthy["cross_team_share"]) == (1, 0.1, 1.0)


def csv_rows(client, key, query):
    raw = client.get("/v1/trust/report?period=2026-10&lang=en&format=csv" + query, headers=bearer(key))
    return {row["Team"]: row for row in csv.DictReader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff")))}


def test_a_filtered_csv_keeps_the_part_of_and_counted_in_columns(client, org):
    """Bug: with ?unit= or ?flag= the parent or host was left out of the rows, and so were its names."""
    assert csv_rows(client, org, "&flag=low_sharing")["Lavt"]["Part of"] == "Drift"
    assert csv_rows(client, org, "&unit=helse")["Helse"]["Part of"] == "Kommunen"
    tiny = csv_rows(client, org, "&unit=tiny")["Lite team"]
    assert (tiny["Part of"], tiny["Counted in"]) == ("Drift", "Drift")


def test_the_csv_writes_every_formula_a_spreadsheet_would_run_as_text(client, org, make_key):
    """Bug: a line break first, spaces before the sign, or the fullwidth signs slipped through as formulas."""
    tricks = ["\n=1+1", " =1+1", "\t=1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "  -2+3"]
    teams = [{"id": f"trick-{i}", "name": name, "parent": "drift"} for i, name in enumerate(tricks)]
    teams.append({"id": "plain", "name": "Team-A = B", "parent": "drift"})
    response = client.post("/v1/directory/sync", json={"mode": "delta", "people": [], "teams": teams},
                           headers=bearer(make_key("directory:write")))
    assert response.status_code == 200, response.json
    rows = csv_rows(client, org, "")
    stored = {row["id"]: row["name"] for row in client.get(OCTOBER, headers=bearer(org)).json["teams"]}
    for i in range(len(tricks)):
        name = stored[f"trick-{i}"]
        assert "'" + name in rows, (name, list(rows))  # shown as text, never run
    assert "Team-A = B" in rows  # text that starts with no sign stays as it is
    assert rows["Stilnet"]["Change in contributions per member from the three months before (%)"] == "-75"
