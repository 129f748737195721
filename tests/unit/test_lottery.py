"""The monthly lottery over HTTP, against the awards' hand-computed October 2026 (tests/unit/test_awards.py):
each person's own tickets, the cap against a closed circle, the draw from a committed seed, who is
never drawn, a second draw refused, the winners told, the announcement, and the recomputation."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from engagement.cli import engagement_commands
from engagement.lottery import draws, verify
from engagement.lottery import service as lottery
from engagement.lottery.draw import commitment
from engagement.state import state
from tests.conftest import bearer, drain
from tests.unit.test_awards import PEOPLE, TEAMS, ev, october, send

OCTOBER, EARLY_OCTOBER = "2026-10", datetime(2026, 10, 2, 8, 0, tzinfo=UTC)
# The default rule: 1 for contributing, +1 per 2 one-way recognisers, +1 per 2 idea owners, at most 5.
# Anna: an article liked by bo, cy, dag and eva (4 one-way) and an idea: 1 + 2. Bo, cy and eva built
# on one idea each, dag submitted one: 1 each. The ring (finn, gro, hal) like only each other: 1 each.
# Ivar's likes wait for an owner an authority names (none does), and he shared nothing: 0.
OCTOBER_TICKETS = {"anna": 3, "bo": 1, "cy": 1, "dag": 1, "eva": 1, "finn": 1, "gro": 1, "hal": 1}


@pytest.fixture
def org(client, make_key):
    key = make_key("directory:write", "events:write", "awards:manage", "reports:read")
    people = [{"id": p, "name": p.capitalize(), "team": t, "email": f"{p}@example.no", "locale": "nb",
               "leaderboard_opt_out": p == "ivar"} for p, t in PEOPLE.items()]
    assert client.post("/v1/directory/sync", json={"mode": "full", "teams": TEAMS, "people": people,
                                                   "as_of": "2026-01-01T00:00:00Z"},
                       headers=bearer(key)).status_code == 200
    return key


def sync(client, key, people, teams=()):
    """A directory delta: these people (and teams) added or changed, everyone else as they were."""
    return client.post("/v1/directory/sync", json={"mode": "delta", "teams": list(teams), "people": people},
                       headers=bearer(key))


def committed(app, month: str = OCTOBER, now: datetime = EARLY_OCTOBER) -> str:
    """The month's commitment as the service published it while the month ran."""
    with app.app_context():
        return lottery.ensure_commitment(state(app).db.session(), month, now).commitment


@pytest.fixture
def counted_october(app, client, org):
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    return committed(app)


def mine(client, user_token, person, month=OCTOBER):
    response = client.get(f"/v1/lottery/me?month={month}", headers=bearer(user_token(person)))
    assert response.status_code == 200, response.json
    return response.json


def test_each_person_sees_their_own_tickets_frozen_once_the_month_ended(client, user_token, counted_october):
    tickets = {p: mine(client, user_token, p)["tickets"] for p in PEOPLE}
    assert tickets == {**OCTOBER_TICKETS, "ivar": 0}
    anna = mine(client, user_token, "anna")
    assert anna["parts"] == {"base": 1, "recognised": 2, "ideas": 0} and anna["frozen"] and anna["next"] == []
    assert anna["eligible"] and anna["why_not"] is None and anna["commitment"] == counted_october
    assert mine(client, user_token, "ivar")["why_not"] == "opted_out"


def test_while_the_month_runs_each_person_sees_what_earns_the_next_ticket(app, client, org, user_token):
    """This month: Anna's article is liked by three colleagues she did not like back (1 + 3 // 2 = 2,
    one more recogniser to the next); Bo built on one colleague's idea (one more to the next);
    Ivar has shared nothing yet (a contribution earns the first)."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    at = now.isoformat()
    events = [ev("content.published", "anna", "article:now", "anna", at, content_kind="article", title="Nå"),
              ev("idea.submitted", "dag", "idea:now", "dag", at, title="Idé"),
              ev("idea.contributed", "bo", "idea:now", "dag", at, contribution_id="bo-now", text="+")]
    events += [ev("like.added", p, "article:now", "anna", at) for p in ("bo", "cy", "dag")]
    send(client, org, events)
    drain(app, ("ledger", "awards"))
    this_month = now.astimezone(lottery.ZoneInfo("Europe/Oslo")).strftime("%Y-%m")
    anna = mine(client, user_token, "anna", this_month)
    assert (anna["tickets"], anna["recognisers"], anna["frozen"]) == (2, 3, False)
    assert anna["next"] == [{"kind": "recognisers", "more": 1}, {"kind": "ideas", "more": 2}]
    bo = mine(client, user_token, "bo", this_month)
    assert (bo["tickets"], bo["idea_owners"], bo["next"][1]) == (1, 1, {"kind": "ideas", "more": 1})
    assert mine(client, user_token, "ivar", this_month)["next"] == [{"kind": "contribute"}]
    # a fourth colleague's like reaches Anna's next ticket at once: the counts follow the awards' positions
    send(client, org, [ev("like.added", "eva", "article:now", "anna", at)])
    drain(app, ("ledger", "awards"))
    assert mine(client, user_token, "anna", this_month)["tickets"] == 3


def test_nobody_reads_anyone_elses_tickets(client, user_token, org, counted_october):
    assert client.get("/v1/lottery/me", headers=bearer(org)).status_code == 403  # an API key has no tickets
    asked = client.get(f"/v1/lottery/me?month={OCTOBER}&person=anna", headers=bearer(user_token("bo"))).json
    assert (asked["tickets"], asked["parts"]) == (1, {"base": 1, "recognised": 0, "ideas": 0})  # Bo's own
    assert client.get("/v1/lottery/exclusions", headers=bearer(user_token("bo"))).status_code == 403
    # No totals before the draw, not even to leaders: excluding someone and asking again would tell
    # that person's tickets. The record is the same for everyone.
    leader = user_token("lena", roles=("leader",))
    record = client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(leader)).json
    assert record == client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(user_token("bo"))).json
    assert record["draw"] is None and record["drawable"] and set(record) == {
        "month", "period", "rule", "commitment", "committed_at", "drawable", "why_not_drawable", "draw"}


def test_a_closed_circle_liking_only_each_other_gains_nothing_past_its_base_and_never_past_the_cap(
        app, client, org, user_token):
    """Eight colleagues publish ten articles each and like every one of each other's (560 likes):
    each has seven recognisers, all of whom they recognised back, so each keeps its one base ticket.
    Tora, liked one way by twelve of them, reaches the cap of 5 and no more."""
    ring = [f"r{i}" for i in range(8)]
    people = [{"id": p, "name": p, "team": "A"} for p in [*ring, "tora"]]
    assert sync(client, org, people).status_code == 200
    events = [ev("content.published", p, f"article:{p}-{k}", p, "2026-10-05T10:00:00+02:00", content_kind="article",
                 title="R") for p in [*ring, "tora"] for k in range(10)]
    events += [ev("like.added", fan, f"article:{p}-{k}", p, "2026-10-06T10:00:00+02:00")
               for p in ring for k in range(10) for fan in ring if fan != p]
    events += [ev("like.added", fan, f"article:tora-{k}", "tora", "2026-10-07T10:00:00+02:00")
               for fan in [*ring, "anna", "bo", "cy", "dag"] for k in range(3)]
    events += [ev("like.added", p, f"article:{p}-0", p, "2026-10-07T10:00:00+02:00") for p in ring]  # self-likes
    send(client, org, events)
    drain(app, ("ledger", "awards"))
    for person in ring:
        body = mine(client, user_token, person)
        assert (body["tickets"], body["recognisers"]) == (1, 0)
    tora = mine(client, user_token, "tora")
    assert (tora["tickets"], tora["recognisers"], tora["next"]) == (5, 12, [])


def draw(client, token, winners=3, month=OCTOBER):
    return client.post(f"/v1/lottery/{month}/draw", json={"winners": winners}, headers=bearer(token))


def test_a_leader_draws_once_and_anyone_can_recompute_the_winners(app, client, user_token, counted_october, tmp_path):
    leader = user_token("lena", roles=("leader",))
    response = draw(client, leader)
    assert response.status_code == 201, response.json
    record = response.json
    drawn = record["draw"]
    assert commitment(drawn["seed"]) == counted_october == record["commitment"]
    assert drawn["total_tickets"] == 10 and drawn["people"] == 8 and len(drawn["winners"]) == 3
    assert len({w["person"] for w in drawn["winners"]}) == 3
    for w in drawn["winners"]:
        assert w["first_ticket"] <= w["ticket"] <= w["last_ticket"]
        assert w["last_ticket"] - w["first_ticket"] + 1 == OCTOBER_TICKETS[w["person"]]
    assert verify.problems(record) == []

    again = draw(client, leader)
    assert again.status_code == 409 and again.json["title"] == "Already drawn"
    # a person's copy of their data holds their own entry of the frozen list, nobody else's
    own = client.get("/v1/me/data", headers=bearer(user_token("anna"))).json
    table = next(t for t in own["tables"] if t["table"] == "engagement_lottery_draws")
    assert [e[:2] for row in table["rows"] for e in row["entries"]] == [["anna", 3]]
    assert client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(user_token("bo"))).json["draw"] == drawn

    saved = tmp_path / "record.json"
    saved.write_text(json.dumps(record))
    runner, info = CliRunner(), ScriptInfo(create_app=lambda: app)
    result = runner.invoke(engagement_commands, ["lottery", "verify", str(saved)], obj=info)
    names = ", ".join(f"{w['place']}. {w['name']} (ticket {w['ticket']})" for w in drawn["winners"])
    assert result.exit_code == 0 and f"OK: the winners of {OCTOBER} follow from the revealed seed: {names}" in \
        result.output
    result = runner.invoke(engagement_commands, ["lottery", "verify", "--month", OCTOBER], obj=info)
    assert result.exit_code == 0 and "frozen list from the published digest" in result.output, result.output


def test_a_tampered_record_fails_the_check(app, client, user_token, counted_october):
    record = draw(client, user_token("lena", roles=("leader",))).json
    winners = record["draw"]["winners"]
    other_seed = {**record, "draw": {**record["draw"], "seed": "0" * 64}}
    assert verify.problems(other_seed) == ["The seed does not hash to the published commitment."]
    swapped = [{**winners[0], "place": 2}, {**winners[1], "place": 1}, *winners[2:]]
    assert "Drawing again" in verify.problems({**record, "draw": {**record["draw"], "winners": swapped}})[0]
    # one winner fewer: the ticket that drew them is then no winner's, so someone else would have won
    assert "'?'" in verify.problems({**record, "draw": {**record["draw"], "winners": winners[:1] + winners[2:]}})[0]


def test_opted_out_departed_and_excluded_people_are_never_drawn(app, client, org, user_token, counted_october):
    """Drawing as many winners as there are people draws everyone who can be drawn: Anna (on the
    exclusion list), Finn (left) and Gro (opted out since) hold tickets but are never among them."""
    leader = user_token("lena", roles=("leader",))
    assert client.put("/v1/lottery/exclusions/anna", json={"reason": "runs the lottery"},
                      headers=bearer(leader)).json["reason"] == "runs the lottery"
    assert client.put("/v1/lottery/exclusions/nobody", json={}, headers=bearer(leader)).status_code == 404
    people = [{"id": p, "name": p.capitalize(), "team": t, "leaderboard_opt_out": p in ("ivar", "gro")}
              for p, t in PEOPLE.items() if p != "finn"]  # a full list without Finn: he has left
    assert client.post("/v1/directory/sync", json={"mode": "full", "teams": TEAMS, "people": people},
                       headers=bearer(org)).json["people"]["deactivated"] == 1
    assert mine(client, user_token, "anna")["why_not"] == "excluded"
    assert mine(client, user_token, "gro")["why_not"] == "opted_out"
    response = draw(client, leader, winners=50)
    assert response.status_code == 201, response.json
    winners = {w["person"] for w in response.json["draw"]["winners"]}
    assert winners == {"bo", "cy", "dag", "eva", "hal"}
    assert (response.json["draw"]["people"], response.json["draw"]["total_tickets"]) == (5, 5)
    assert verify.problems(response.json) == []
    assert mine(client, user_token, "anna")["draw"] == {
        "drawn_at": response.json["draw"]["drawn_at"], "won": False, "tickets": 0, "first_ticket": None,
        "last_ticket": None, "total_tickets": 5}


def test_a_draw_is_refused_before_the_month_ends_without_a_commitment_and_to_members(
        app, client, org, user_token):
    leader = user_token("lena", roles=("leader",))
    this_month = datetime.now(UTC).astimezone(lottery.ZoneInfo("Europe/Oslo")).strftime("%Y-%m")
    refused = draw(client, leader, month=this_month)
    assert refused.status_code == 409 and refused.json["title"] == "Month not over"
    refused = draw(client, leader, month="2026-09")  # nobody published September's commitment before it ended
    assert refused.status_code == 409 and refused.json["title"] == "No commitment"
    assert client.get("/v1/lottery/2026-09", headers=bearer(leader)).json["why_not_drawable"] == "no_commitment"
    # nor is a commitment made now for a month that ended, or for one years ahead: this month and the next only
    assert client.get("/v1/lottery/2026-09", headers=bearer(leader)).json["commitment"] is None
    assert client.get("/v1/lottery/2099-01", headers=bearer(leader)).json["commitment"] is None
    assert client.get(f"/v1/lottery/{this_month}", headers=bearer(leader)).json["commitment"]
    assert draw(client, user_token("bo")).status_code == 403
    bad = client.post(f"/v1/lottery/{OCTOBER}/draw", json={"winners": 0}, headers=bearer(leader))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert [e["field"] for e in bad.json["errors"]] == ["winners"]
    assert client.post("/v1/events", json=ev("lottery.drawn", "lena", "lottery:2026-10", "lena",
                                             "2026-11-01T10:00:00Z", month=OCTOBER, winners=["bo"]),
                       headers=bearer(org)).status_code == 403  # nobody announces a draw but Tillit


def test_winners_hear_of_it_on_the_bell_and_by_mail_and_in_the_announcement(app, client, org, user_token,
                                                                           counted_october):
    record = draw(client, user_token("lena", roles=("leader",)), winners=2).json
    drain(app, ("ledger", "notifications"))
    winners = [w["person"] for w in record["draw"]["winners"]]
    for person in PEOPLE:
        feed = client.get("/v1/notifications", headers=bearer(user_token(person))).json["items"]
        said = [i["text"] for i in feed if i["kind"] == "lottery"]
        assert said == (["Du vant i trekningen i lotteriet for oktober 2026 – gratulerer!"] if person in winners
                        else [])
    from tests.unit.test_notifications import _digest_text
    assert "Du vant i trekningen i lotteriet for oktober 2026" in _digest_text(app, winners[0], datetime.now(UTC))
    names = [w["name"] for w in record["draw"]["winners"]]
    for lang, title in (("nb", "Trukket i lotteriet"), ("nn", "Trekt i lotteriet"), ("da", "Trukket i lotteriet"),
                        ("en", "Drawn in the lottery")):
        text = client.get(f"/v1/awards/{OCTOBER}/announcement?lang={lang}", headers=bearer(org)).text
        assert f"### {title}\n\n- {', '.join(names)}\n" in text and record["draw"]["seed"] in text


def test_erasing_a_winner_keeps_the_draw_checkable_under_a_pseudonym(app, client, org, user_token, counted_october):
    leader = user_token("lena", roles=("leader",))
    assert client.put("/v1/lottery/exclusions/hal", json={"reason": "on leave"}, headers=bearer(leader)).status_code \
        == 200
    record = draw(client, leader, winners=2).json
    drain(app, ("ledger",))
    winner = record["draw"]["winners"][0]["person"]
    assert client.post(f"/v1/directory/people/{winner}/erase", headers=bearer(org)).status_code == 200
    assert client.post("/v1/directory/people/hal/erase", headers=bearer(org)).status_code == 200
    after = client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(leader)).json
    assert after["draw"]["winners"][0]["person"] == "winner-1" and after["draw"]["winners"][0]["name"] is None
    assert winner not in json.dumps(after)
    assert verify.problems(after) == []  # the winners still follow from the seed
    assert client.get("/v1/lottery/exclusions", headers=bearer(leader)).json["people"] == []  # hal's row is gone
    with app.app_context():
        from sqlalchemy import select

        from engagement.ledger.model import LedgerEvent
        session = state(app).db.session()
        drawn = session.scalars(select(LedgerEvent.data).where(LedgerEvent.type == "lottery.drawn")).one()
        assert winner not in json.dumps(drawn) and drawn["winners"][0].startswith("erased-")
        # as documented: the operator's check of the list behind the digest no longer matches
        assert draws.check_frozen(session, OCTOBER)[0] == "The frozen list does not hash to the published digest."


def test_an_ended_month_waits_for_its_last_events_before_its_tickets_freeze(app, client, org, user_token):
    """October's events are in the log but the awards have not applied them: the draw answers
    Still counting (with Retry-After) and nothing is frozen; once they are applied, it draws."""
    send(client, org, october())
    drain(app, ("ledger",))
    committed(app)
    leader = user_token("lena", roles=("leader",))
    waiting = draw(client, leader)
    assert waiting.status_code == 409 and waiting.json["title"] == "Still counting" and waiting.headers["Retry-After"]
    assert mine(client, user_token, "anna")["frozen"] is False
    drain(app, ("awards",))
    assert mine(client, user_token, "anna")["tickets"] == 3 and draw(client, leader).status_code == 201
