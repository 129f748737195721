"""Attacks on the monthly lottery (docs/features/lottery.md): what a hostile colleague, a curious
one and a careless operator can do to it, each test stating what must hold and failing where it
does not. Through real HTTP requests, as the lottery's own tests (tests/unit/test_lottery.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engagement.lottery import verify
from engagement.state import state
from tests.conftest import bearer, drain
from tests.unit.test_awards import ev, october, send
from tests.unit.test_lottery import OCTOBER, committed, draw, mine, sync
from tests.unit.test_lottery import org as org  # noqa: F401 - the directory as a fixture

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-10-{day:02d}T12:00:00+02:00"


@pytest.fixture
def counted_october(app, client, org):
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    return committed(app)


def leader(user_token):
    return user_token("lena", roles=("leader",))


def people(client, key, ids):
    assert sync(client, key, [{"id": p, "name": p.capitalize(), "team": "A"} for p in ids]).status_code == 200


# --- the check anyone can run ---------------------------------------------------------------------

STDLIB_ONLY = """
import importlib.abc, runpy, sys
class StandardLibraryOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or top == "engagement":
            return None
        raise ModuleNotFoundError(f"not in the standard library: {name}")
sys.meta_path.insert(0, StandardLibraryOnly())
sys.argv = ["verify", sys.argv[1]]
runpy.run_module("engagement.lottery.verify", run_name="__main__")
"""


def test_verify_runs_with_the_standard_library_alone(app, client, user_token, counted_october, tmp_path):
    """The docs: "python -m engagement.lottery.verify record.json" needs only Python. With nothing
    but the standard library importable (as in a fresh venv with PYTHONPATH at a checkout), the
    package's __init__ imports Flask first and the check never runs."""
    record = draw(client, leader(user_token)).json
    saved = tmp_path / "record.json"
    saved.write_text(json.dumps(record))
    done = subprocess.run([sys.executable, "-c", STDLIB_ONLY, str(saved)], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("OK: the winners of 2026-10"), done.stderr[-600:]


def test_a_drawn_month_without_tickets_verifies_instead_of_crashing(app, client, org, user_token):
    """A month everyone sat out is drawn (201, no winners, 0 tickets): its own record must check,
    not crash the checker with a ZeroDivisionError."""
    committed(app)
    response = draw(client, leader(user_token))
    assert response.status_code == 201, response.json
    assert response.json["draw"]["total_tickets"] == 0 and response.json["draw"]["winners"] == []
    assert verify.problems(response.json) == []


def record_from(client, user_token):
    return draw(client, leader(user_token)).json


def test_a_record_with_winners_left_out_fails_the_check(app, client, user_token, counted_october):
    """Three winners asked, eight people in the list: a record showing only the first winner (the
    others quietly dropped, or a list cut short) says the draw asked for three and had eight to
    draw from, yet the check says OK."""
    record = record_from(client, user_token)
    assert record["draw"]["winners_asked"] == 3 and len(record["draw"]["winners"]) == 3
    cut = {**record, "draw": {**record["draw"], "winners": record["draw"]["winners"][:1]}}
    assert verify.problems(cut) != []


@pytest.mark.parametrize("change", [
    pytest.param(lambda d: {**d, "total_tickets": 0}, id="zero-total"),
    pytest.param(lambda d: {**d, "total_tickets": -5}, id="negative-total"),
    pytest.param(lambda d: {**d, "total_tickets": "ten"}, id="text-total"),
    pytest.param(lambda d: {k: v for k, v in d.items() if k != "seed"}, id="no-seed"),
    pytest.param(lambda d: {**d, "seed": "zz" * 32}, id="seed-not-hex"),
    pytest.param(lambda d: {**d, "seed": "ø" * 64}, id="seed-not-ascii"),
    pytest.param(lambda d: {**d, "winners": [{"place": 1}]}, id="winner-without-tickets"),
    pytest.param(lambda d: {**d, "winners": "anna"}, id="winners-not-a-list"),
])
def test_a_malformed_record_is_a_failed_check_not_a_crash(app, client, user_token, counted_october, tmp_path,
                                                         capsys, change):
    """Whatever a record holds, the checker answers FAILED (exit 1), never a traceback."""
    record = record_from(client, user_token)
    saved = tmp_path / "record.json"
    saved.write_text(json.dumps({**record, "draw": change(record["draw"])}))
    assert verify.main([str(saved)]) == 1
    assert "FAILED" in capsys.readouterr().out


# --- rings and cliques ----------------------------------------------------------------------------

def as_user(client, user_token, event):
    """An event sent from a person's own widget (their user token), as any colleague can."""
    response = client.post("/v1/events", json=event, headers=bearer(user_token(event["actor"])))
    assert response.status_code == 202, response.json
    return response


def organisation(client, key, size: int = 12) -> list[dict]:
    """An organisation's body of support: each of ``size`` colleagues publishes an article and likes
    the next three round the office (recognised one way by the three before), so each holds two tickets."""
    body = [f"m{i}" for i in range(size)]
    people(client, key, body)
    events = [ev("content.published", p, f"article:{p}", p, DAY.format(day=3), content_kind="article", title="M")
              for p in body]
    return events + [ev("like.added", fan, f"article:{body[(i + k) % size]}", body[(i + k) % size], DAY.format(day=4))
                     for i, fan in enumerate(body) for k in range(1, 4)]


def circle(client, key) -> tuple[list[str], list[dict]]:
    """Nine colleagues, each publishing one article and liking only the next four round the circle's."""
    ring = [f"c{i}" for i in range(9)]
    people(client, key, ring)
    events = [ev("content.published", p, f"article:{p}", p, DAY.format(day=5), content_kind="article", title="C")
              for p in ring]
    return ring, events + [ev("like.added", fan, f"article:{ring[(i + k) % 9]}", ring[(i + k) % 9], DAY.format(day=6))
                           for i, fan in enumerate(ring) for k in range(1, 5)]


def test_a_circle_liking_each_other_one_way_round_gains_nothing_past_its_base_ticket(app, client, org, user_token):
    """A circle that agrees on a direction: nine colleagues, each publishing one article and liking
    only the next four round the circle's articles, are each recognised by four colleagues none of
    whom they recognised. Two-person reciprocity does not see it (each would hold 1 + 4/2 = 3); the
    circle does: its support only goes round it, none comes in from the organisation around it."""
    ring, events = circle(client, org)
    send(client, org, events + organisation(client, org))
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in ring}
    assert held == dict.fromkeys(ring, 1), held
    assert mine(client, user_token, "m0", OCTOBER)["tickets"] == 2  # the organisation's own support counts


def test_a_circle_opened_by_outsiders_still_earns_only_what_the_outsiders_give(app, client, org, user_token):
    """The same circle, with two colleagues of the organisation liking c0's article: the circle is
    no longer closed to the outside, yet its support round itself still counts for nothing; c0
    earns one ticket more for the two outsiders (1 + 2/2), the others keep the base."""
    ring, events = circle(client, org)
    events += [ev("like.added", fan, "article:c0", "c0", DAY.format(day=7)) for fan in ("m0", "m5")]
    send(client, org, events + organisation(client, org))
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in ring}
    assert held == {**dict.fromkeys(ring, 1), "c0": 2}, held


def test_colleagues_building_on_each_others_ideas_gain_nothing_past_their_base_ticket(app, client, org, user_token):
    """Five colleagues, each from their own widget, submit an idea and put a "+1" on the other four's:
    building on each other's ideas counts one way only, as recognition does, so each keeps the base."""
    clique = ["d0", "d1", "d2", "d3", "d4"]
    people(client, org, clique)
    for p in clique:
        as_user(client, user_token, ev("idea.submitted", p, f"idea:{p}", p, DAY.format(day=5), title="Idé"))
    for p in clique:
        for other in clique:
            if other != p:
                as_user(client, user_token, ev("idea.contributed", p, f"idea:{other}", other, DAY.format(day=6),
                                               contribution_id=f"{p}-on-{other}", text="+1"))
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in clique}
    assert held == dict.fromkeys(clique, 1), held


def test_a_ring_of_bra_from_colleagues_own_widgets_gains_nothing_past_the_base_ticket(app, client, org, user_token):
    """Without the intranet's back end at all: nine colleagues each submit an idea (a contribution)
    and give a Bra! to the next four round the circle, from their own user tokens. One way each,
    but a closed circle: base tickets only."""
    ring = [f"k{i}" for i in range(9)]
    people(client, org, ring)
    for i, p in enumerate(ring):
        as_user(client, user_token, ev("idea.submitted", p, f"idea:{p}", p, DAY.format(day=5), title="Idé"))
        for k in range(1, 5):
            to = ring[(i + k) % 9]
            as_user(client, user_token, ev("kudos.given", p, f"person:{to}", to, DAY.format(day=6), message="Bra!"))
    send(client, org, organisation(client, org))
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in ring}
    assert held == dict.fromkeys(ring, 1), held


# --- what leaders, colleagues and operators can learn or break ------------------------------------

def test_a_leader_cannot_read_one_persons_tickets_from_the_totals(app, client, user_token, counted_october):
    """Putting one colleague on the exclusion list and reading the month's totals before and after
    would tell a leader that colleague's tickets: so the record has no totals before the draw, for
    anyone, and reads the same whoever is on the list."""
    token = leader(user_token)
    before = client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(token)).json
    assert client.put("/v1/lottery/exclusions/anna", json={}, headers=bearer(token)).status_code == 200
    during = client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(token)).json
    assert before == during and before["draw"] is None and "summary" not in before


def test_a_winner_who_opts_out_after_the_draw_is_not_named_to_every_colleague(app, client, org, user_token,
                                                                            counted_october):
    """An opt-out after the draw takes the winner out of the announcement, but the month's record,
    which every signed-in colleague reads, still shows their id and name. The check needs neither:
    the verifier uses the person only as a label for the ticket range."""
    record = draw(client, leader(user_token), winners=2).json
    first = record["draw"]["winners"][0]
    assert sync(client, org, [{"id": first["person"], "name": first["name"], "team": "A",
                               "leaderboard_opt_out": True}]).status_code == 200
    shown = client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(user_token("ivar"))).json
    named = {w["person"] for w in shown["draw"]["winners"]} | {w["name"] for w in shown["draw"]["winners"]}
    assert not {first["person"], first["name"]} & named, shown["draw"]["winners"]


def test_a_draw_after_the_token_secret_changed_is_a_problem_not_a_server_error(app, client, make_key,
                                                                              counted_october, monkeypatch):
    """A careless operator replaces ENGAGEMENT_TOKEN_SECRET (after a leak, or a second machine left to
    make its own in its instance folder); docs/security.md warns only about open pulses. Every
    month committed under the old one can then never be drawn: the draw unseals the seed with the
    new secret and fails with an unhandled InvalidTag, a bare 500, while the month's record still
    says it is drawable. The leader must get a 409 problem saying why."""
    key = make_key("awards:manage")  # a key, not a user token: tokens signed with the old secret stop at the door
    monkeypatch.setattr(state(app), "token_secret", "another-" + state(app).token_secret)
    response = draw(client, key)
    assert response.status_code == 409 and response.mimetype == "application/problem+json", \
        (response.status_code, response.json)


FORGE = "ab" * 32


def test_the_check_can_hold_a_record_to_the_commitment_published_before_the_draw(app, client, user_token,
                                                                                counted_october, tmp_path):
    """The checker compares the seed with the commitment written in the same record, so a record
    forged whole (another seed, its hash as "commitment", winners drawn from it) checks OK. The
    reader who noted the commitment while the month ran (their widget showed it) must be able to
    hold the record to it: ``verify record.json --commitment <hex>``."""
    from engagement.lottery import draw as drawing
    record = draw(client, leader(user_token), winners=1).json
    noted = record["commitment"]
    total = record["draw"]["total_tickets"]
    ticket = next(drawing.tickets_drawn(FORGE, OCTOBER, total))
    forged = {**record, "commitment": drawing.commitment(FORGE), "draw": {**record["draw"], "seed": FORGE, "winners": [
        {"place": 1, "person": "mallory", "name": "Mallory", "ticket": ticket, "first_ticket": ticket,
         "last_ticket": ticket}]}}
    assert verify.problems(forged) == []  # the forged record checks, on its own
    saved = tmp_path / "forged.json"
    saved.write_text(json.dumps(forged))
    assert verify.main([str(saved), "--commitment", noted]) == 1


def test_the_widget_the_docs_describe_is_served(client):
    """docs/features/lottery.md: "<section data-tillit-lottery></section> (in /v1/widget.js)", and the
    awards page has the lottery with a Draw button. Neither is in the served scripts."""
    script = client.get("/v1/widget.js").get_data(as_text=True)
    assert "data-tillit-lottery" in script
    assert "/v1/lottery/" in script


def test_tickets_of_an_ended_month_cannot_be_earned_after_it_ended(app, client, user_token, counted_october):
    """October is over (the test runs later), its commitment was published, it can be drawn. Two
    colleagues now give Anna a Bra! from their own widgets, dated 20 October: the event's time is
    theirs to choose, only the future is refused. Anna's October tickets go from 3 to 4 and the
    draw would freeze them so. Whatever arrives after the month ended must not change its tickets
    (count by the time received, or freeze the tickets at the month's end)."""
    assert mine(client, user_token, "anna")["tickets"] == 3
    for giver in ("finn", "gro"):
        as_user(client, user_token, ev("kudos.given", giver, "person:anna", "anna", DAY.format(day=20),
                                       message="Bra!"))
    drain(app, ("ledger", "awards"))
    assert mine(client, user_token, "anna")["tickets"] == 3


def told(client, user_token, everyone):
    """Who has a lottery win on their bell."""
    return sorted(p for p in everyone if any(i["kind"] == "lottery" for i in client.get(
        "/v1/notifications", headers=bearer(user_token(p))).json["items"]))


@pytest.mark.parametrize("taken", [True, False], ids=["taken-then-failed", "refused"])
def test_a_draw_is_kept_before_its_winners_hear_and_they_hear_once_the_bus_takes_it(
        app, client, user_token, counted_october, monkeypatch, taken):
    """The draw commits before it publishes lottery.drawn, so nobody is told of a draw that was not
    kept. A broker that takes the event and still answers with an error (a timeout after the
    write: Kafka's ambiguous acknowledgement), or refuses it, leaves the draw kept (201) and the
    event waiting; the sweep publishes it again (the same id, so it counts once) and the winner,
    the real one, hears of it once."""
    from engagement.lottery import draws, service
    from tests.unit.test_awards import PEOPLE
    bus = state(app).bus
    publish = bus.publish

    def failing(events):
        if taken:
            publish(events)
        raise TimeoutError("the broker did not acknowledge in time")
    monkeypatch.setattr(bus, "publish", failing)
    token = leader(user_token)
    response = draw(client, token, winners=1)
    assert response.status_code == 201, response.json
    winner = response.json["draw"]["winners"][0]["person"]
    monkeypatch.setattr(bus, "publish", publish)
    drain(app, ("ledger", "notifications"))
    assert told(client, user_token, PEOPLE) == ([winner] if taken else [])
    with app.app_context():
        st = state(app)
        draws.sweep(st.db.session(), bus, datetime.now(UTC), lambda: 0, service.settings_of(st))
    drain(app, ("ledger", "notifications"))
    assert told(client, user_token, PEOPLE) == [winner]
    items = client.get("/v1/notifications", headers=bearer(user_token(winner))).json["items"]
    assert [i["count"] for i in items if i["kind"] == "lottery"] == [1]
    assert draw(client, token, winners=1).json["title"] == "Already drawn"


def test_an_erased_winner_is_not_announced_by_pseudonym(app, client, org, user_token, counted_october):
    """After a winner's erasure the announcement's lottery section (Markdown, HTML, the Teams or Slack
    post) lists "erased-<hex>" among the winners' names: it tells everyone that someone was erased.
    (The awards' own sections above it do the same with a frozen result's pseudonym.)"""
    from engagement.privacy import erasure
    record = draw(client, leader(user_token), winners=2).json
    with app.app_context():
        erasure.erase(state(app), record["draw"]["winners"][0]["person"])
    text = client.get(f"/v1/awards/{OCTOBER}/announcement?lang=en", headers=bearer(org)).text
    drawn = text[text.find("### Drawn in the lottery"):]
    assert "erased-" not in drawn, drawn
