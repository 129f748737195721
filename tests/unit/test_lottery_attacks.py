"""Attacks on the monthly lottery (docs/features/lottery.md): what a hostile colleague, a curious
one and a careless operator can do to it, each test stating what must hold and failing where it
does not. Through real HTTP requests, as the lottery's own tests (tests/unit/test_lottery.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engagement.lottery import verify
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


def test_a_circle_liking_each_other_one_way_round_gains_past_its_base_ticket(app, client, org, user_token):
    """The docs: "a closed circle liking only each other's posts gains nothing past its base ticket:
    in a circle everyone has recognised everyone back". Not if the circle agrees on a direction:
    nine colleagues, each publishing one article and liking only the next four round the circle's
    articles, are each recognised by four colleagues none of whom they recognised, so each holds
    three tickets (1 + 4/2) for a closed circle's likes alone. Seventeen liking the next eight reach
    the cap. The rule counts only two-person reciprocity, not a circle."""
    ring = [f"c{i}" for i in range(9)]
    people(client, org, ring)
    events = [ev("content.published", p, f"article:{p}", p, DAY.format(day=5), content_kind="article", title="C")
              for p in ring]
    events += [ev("like.added", fan, f"article:{ring[(i + k) % 9]}", ring[(i + k) % 9], DAY.format(day=6))
               for i, fan in enumerate(ring) for k in range(1, 5)]
    send(client, org, events)
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in ring}
    assert held == dict.fromkeys(ring, 1), held


def test_colleagues_building_on_each_others_ideas_gain_past_their_base_ticket(app, client, org, user_token):
    """Ideas have no one-way rule at all: three colleagues, each from their own widget, submit an
    idea and put a "+1" on the other two's. Each has built on two colleagues' ideas and holds two
    tickets; five doing the same hold three each. A swap among friends is the very thing the
    recognition rule refuses to pay for."""
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


def test_a_ring_of_bra_from_colleagues_own_widgets_gains_past_the_base_ticket(app, client, org, user_token):
    """Without the intranet's back end at all: nine colleagues each submit an idea (a contribution)
    and give a Bra! to the next four round the circle, from their own user tokens. Each is
    recognised one way by four and holds three tickets."""
    ring = [f"k{i}" for i in range(9)]
    people(client, org, ring)
    for i, p in enumerate(ring):
        as_user(client, user_token, ev("idea.submitted", p, f"idea:{p}", p, DAY.format(day=5), title="Idé"))
        for k in range(1, 5):
            to = ring[(i + k) % 9]
            as_user(client, user_token, ev("kudos.given", p, f"person:{to}", to, DAY.format(day=6), message="Bra!"))
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in ring}
    assert held == dict.fromkeys(ring, 1), held
