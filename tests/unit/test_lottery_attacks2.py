"""A second round of attacks on the monthly lottery (docs/features/lottery.md), on the circle rule,
the freezing of an ended month's tickets, the winners' event and the public check: each test states
what must hold and fails where it does not. Through real HTTP requests, as tests/unit/test_lottery.py."""
from __future__ import annotations

import json

from engagement.lottery import verify
from engagement.state import state
from tests.conftest import bearer, drain
from tests.unit.test_awards import ev, send
from tests.unit.test_lottery import OCTOBER, committed, draw, mine, sync
from tests.unit.test_lottery import org as org  # noqa: F401 - the directory as a fixture
from tests.unit.test_lottery_attacks import DAY, as_user, leader, organisation, people, told

# --- the circle rule ------------------------------------------------------------------------------


def ring(names: list[str], reach: int, day: int = 6) -> list[dict]:
    """Each of ``names`` publishes an article and likes the next ``reach`` round the ring's articles:
    one way each, so only the circle rule keeps the ring at its base tickets."""
    events = [ev("content.published", p, f"article:{p}", p, DAY.format(day=5), content_kind="article", title="C")
              for p in names]
    return events + [ev("like.added", fan, f"article:{names[(i + k) % len(names)]}", names[(i + k) % len(names)],
                        DAY.format(day=day)) for i, fan in enumerate(names) for k in range(1, reach + 1)]


def test_a_circle_joins_the_main_body_with_one_contribution_and_one_bra_nobody_outside_agreed_to(
        app, client, org, user_token):
    """The support graph's edges point from giver to receiver, and building on an idea is drawn as
    support *from the idea's owner* to the one who built on it. So c0 alone, from their own widget,
    makes an edge from m0 to the circle (a "+1" on m0's idea) and one back (a Bra! to m1): the circle
    and the organisation's main body now reach each other, form one component, the largest, and
    everything the nine give each other round the circle counts. Two events, no colleague's
    consent: each of the nine goes from 1 ticket to 3 (with nine liking the next eight of seventeen,
    each reaches the cap). What the two organisation members gave nobody in the circle, so the circle
    must keep its base tickets (c0 may gain at most what m0's idea gives: half a ticket)."""
    circle = [f"c{i}" for i in range(9)]
    people(client, org, circle)
    idea = ev("idea.submitted", "m0", "idea:m0", "m0", DAY.format(day=3), title="Idé")
    send(client, org, ring(circle, 4) + organisation(client, org) + [idea])
    drain(app, ("ledger", "awards"))
    assert {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in circle} == dict.fromkeys(circle, 1)
    as_user(client, user_token, ev("idea.contributed", "c0", "idea:m0", "m0", DAY.format(day=8),
                                   contribution_id="c0-on-m0", text="+1"))
    as_user(client, user_token, ev("kudos.given", "c0", "person:m1", "m1", DAY.format(day=8), message="Bra!"))
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in circle}
    assert held == dict.fromkeys(circle, 1), held


def test_a_circle_as_large_as_the_main_body_counts_as_one(app, client, org, user_token):
    """Ties: a circle of twelve liking the next four beside an organisation of twelve liking the next
    three. Both are "the largest", so the circle's support counts in full (3 tickets each) though
    nobody outside it gave it anything."""
    circle = [f"c{i}" for i in range(12)]
    people(client, org, circle)
    send(client, org, ring(circle, 4) + organisation(client, org))
    drain(app, ("ledger", "awards"))
    held = {p: mine(client, user_token, p, OCTOBER)["tickets"] for p in circle}
    assert held == dict.fromkeys(circle, 1), held


# --- the winners' event ---------------------------------------------------------------------------

def test_a_back_end_event_with_the_draws_id_keeps_every_winner_from_hearing(app, client, org, user_token):
    """Tillit's own lottery.drawn has the id ``lottery-drawn-<month>``, in the plain id space that API
    keys (the intranet's back end) share. A key with events:write that sends any event under that
    id first (a like, here, before the month is drawn) has the real event counted as its duplicate:
    the ledger keeps the like, every read model has claimed the id, and no winner is ever told.
    Server events need ids no client can send (as widget ids are scoped with "~"), or a refusal of
    client ids in Tillit's own prefixes (``pulse-opened-`` has the same exposure)."""
    from tests.unit.test_awards import PEOPLE, october
    squat = ev("like.added", "bo", "article:a1", "anna", DAY.format(day=20))
    squat["id"] = f"lottery-drawn-{OCTOBER}"
    send(client, org, [*october(), squat])
    drain(app, ("ledger", "awards"))
    committed(app)
    record = draw(client, leader(user_token), winners=2).json
    drain(app, ("ledger", "notifications"))
    winners = sorted(w["person"] for w in record["draw"]["winners"])
    assert told(client, user_token, PEOPLE) == winners


# --- the public check -----------------------------------------------------------------------------

FIXED_SEED = "5e" * 32


def test_a_hidden_winners_label_that_is_someone_elses_id_breaks_the_check(app, client, org, user_token,
                                                                          monkeypatch):
    """A winner who opted out since the draw stands as "winner-<place>", a label any directory id can
    also be (ids are the intranet's). Twelve colleagues each with one ticket, all drawn; six of them
    have ids "winner-1" to "winner-6", and the other six opt out after the draw. A hidden winner at
    place 3 is then labelled "winner-3", as the visible colleague "winner-3" at another place is: the
    checker tells holders apart by label, takes the second for someone who won already, draws on,
    and fails a correct draw. Hidden labels need a form no id can take, or the checker should tell
    holders apart by their numbers, not their labels."""
    from engagement.lottery import seed as seeds
    monkeypatch.setattr(seeds, "new_seed", lambda: FIXED_SEED)
    named = [f"winner-{i}" for i in range(1, 7)]
    others = [f"x{i}" for i in range(1, 7)]
    people(client, org, named + others)
    send(client, org, [ev("content.published", p, f"article:{p}", p, DAY.format(day=3), content_kind="article",
                          title="A")
                       for p in named + others])
    drain(app, ("ledger", "awards"))
    committed(app)
    record = draw(client, leader(user_token), winners=50).json
    assert record["draw"]["people"] == 12 and verify.problems(record) == []
    hidden_places = {w["place"] for w in record["draw"]["winners"] if w["person"] in others}
    assert hidden_places & set(range(1, 7)), "the fixed seed puts a hidden winner at places 1-6"
    assert sync(client, org, [{"id": p, "name": p, "team": "A", "leaderboard_opt_out": True}
                              for p in others]).status_code == 200
    shown = client.get(f"/v1/lottery/{OCTOBER}", headers=bearer(user_token("bo"))).json
    assert verify.problems(shown) == [], verify.problems(shown)


# --- freezing and who may be drawn ----------------------------------------------------------------

def test_whoever_can_unseal_the_seed_cannot_steer_the_draw_with_the_exclusion_list(app, client, org, user_token,
                                                                                  monkeypatch):
    """The commitment binds the seed, but who may be drawn is settled only at the draw, from an
    exclusion list any leader can change after the tickets froze. Whoever holds the database and the
    token secret (the operator, or anyone they hand a dump and the secret) unseals the seed, tries
    each way of excluding up to three colleagues "who run the lottery", and excludes those that
    make their favourite win; the draw then checks OK for everyone. October: eight people, 10
    tickets; the favourite Bo holds one. The list drawn from should be settled (and its digest and
    total published) when the tickets freeze, before anyone could use the seed on it."""
    from itertools import combinations

    from sqlalchemy import select

    from engagement.lottery import draw as drawing
    from engagement.lottery import seed as seeds
    from engagement.lottery.model import LotteryCommitment
    from engagement.lottery.service import frozen
    from tests.unit.test_awards import october
    from tests.unit.test_lottery import OCTOBER_TICKETS
    monkeypatch.setattr(seeds, "new_seed", lambda: FIXED_SEED)  # the same answer on every run
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    committed(app)
    assert mine(client, user_token, "bo")["frozen"]
    with app.app_context():
        st = state(app)
        session = st.db.session()
        sealed = session.scalars(select(LotteryCommitment.sealed_seed).where(LotteryCommitment.month == OCTOBER)).one()
        seed, held = seeds.unseal(st.token_secret, OCTOBER, sealed), frozen(session, OCTOBER)
    assert held == OCTOBER_TICKETS
    others = sorted(p for p in held if p != "bo")
    steer = next((left for k in (0, 1, 2, 3) for left in combinations(others, k)
                  if drawing.draw(seed, OCTOBER, drawing.numbered(seed, {p: n for p, n in held.items()
                                                                         if p not in left}), 1)[0].person == "bo"),
                 None)
    token = leader(user_token)
    for person in steer or ():
        assert client.put(f"/v1/lottery/exclusions/{person}", json={"reason": "runs the lottery"},
                          headers=bearer(token)).status_code == 200
    record = draw(client, token, winners=1).json
    assert verify.problems(record) == []
    assert record["draw"]["winners"][0]["person"] != "bo", f"steered by excluding {steer}"


def forged_record(client, user_token) -> tuple[dict, str]:
    """A real October record and the commitment noted before its draw, and the same record forged
    whole: a seed of its own, that seed's hash as its commitment, Mallory the winner."""
    from engagement.lottery import draw as drawing
    record = draw(client, leader(user_token), winners=1).json
    total = record["draw"]["total_tickets"]
    ticket = next(drawing.tickets_drawn(FIXED_SEED, OCTOBER, total))
    forged = {**record, "commitment": drawing.commitment(FIXED_SEED), "draw": {
        **record["draw"], "seed": FIXED_SEED, "winners": [{"place": 1, "person": "mallory", "name": "Mallory",
                                                           "ticket": ticket, "first_ticket": ticket,
                                                           "last_ticket": ticket}]}}
    return forged, record["commitment"]


def test_an_empty_noted_commitment_does_not_skip_the_commitment_check(app, client, org, user_token, tmp_path):
    """``engagement lottery verify record.json --commitment "$NOTED"`` with the shell variable unset
    (or a blank pasted) passes an empty commitment: the command drops the option as if it had not
    been given and says OK to a record forged whole. ``python -m engagement.lottery.verify`` fails
    the same call, as it should."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from engagement.cli import engagement_commands
    from tests.unit.test_awards import october
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    committed(app)
    forged, _noted = forged_record(client, user_token)
    saved = tmp_path / "forged.json"
    saved.write_text(json.dumps(forged))
    assert verify.main([str(saved), "--commitment", ""]) == 1
    result = CliRunner().invoke(engagement_commands, ["lottery", "verify", str(saved), "--commitment", ""],
                                obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 1, result.output


# --- the ideas part -------------------------------------------------------------------------------

def test_one_colleague_alone_reaches_the_cap_with_eight_plus_ones(app, client, org, user_token):
    """The ideas part needs nobody's agreement: building on an idea is support *from* its owner, so a
    "+1" from one's own widget on eight colleagues' ideas (any month's ideas) is eight one-way idea
    owners, 1 + 8 // 2 = 5 tickets, the cap, from eight events and no colleague's recognition, where
    a colleague whose article three colleagues liked holds 2. Recognition needs colleagues; the
    ideas part should too (count an idea owner once the owner or another colleague recognised the
    contribution, or cap the ideas part at a ticket or two)."""
    owners = [f"o{i}" for i in range(8)]
    people(client, org, [*owners, "solo"])
    send(client, org, [ev("idea.submitted", p, f"idea:{p}", p, "2026-09-10T12:00:00+02:00", title="Idé")
                       for p in owners])
    for p in owners:
        as_user(client, user_token, ev("idea.contributed", "solo", f"idea:{p}", p, DAY.format(day=8),
                                       contribution_id=f"solo-on-{p}", text="+1"))
    drain(app, ("ledger", "awards"))
    assert mine(client, user_token, "solo", OCTOBER)["tickets"] <= 3


def test_two_processes_freezing_an_ended_month_at_once_freeze_it_once(app, client, org, monkeypatch):
    """Two freezers (a sweep and a colleague's first look, say) at the same moment, each in its own
    connection, the month's counting slowed to a second so they overlap: one claims the month and
    writes its tickets, the other waits for it and finds them; nothing is written twice. (Holds on
    SQLite here, and on PostgreSQL in the same race run by hand.)"""
    import threading
    import time
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from engagement.lottery import service
    from tests.unit.test_awards import october
    from tests.unit.test_lottery import OCTOBER_TICKETS
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    committed(app)
    counted = service.month_counts

    def slowly(session, month):
        time.sleep(1)
        return counted(session, month)
    monkeypatch.setattr(service, "month_counts", slowly)
    st, answers, start = state(app), [None, None], threading.Barrier(2)
    settings = service.settings_of(st)

    def freeze(i: int) -> None:
        with Session(st.engine) as session:
            start.wait()
            answers[i] = (service.freeze(session, OCTOBER, datetime(2026, 11, 3, tzinfo=UTC), lambda: 0, settings),
                          service.frozen(session, OCTOBER))
    threads = [threading.Thread(target=freeze, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert answers == [(True, OCTOBER_TICKETS)] * 2, answers
