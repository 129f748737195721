"""Monthly awards against a hand-computed October 2026 (Europe/Oslo; summer time ends 25 October)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import fakeredis
import pytest

from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer, drain

TEAMS = [{"id": t, "name": f"Team {t}", "parent": None} for t in "ABCDE"]
PEOPLE = {"anna": "A", "bo": "B", "cy": "C", "dag": "D", "eva": "E", "finn": "A", "gro": "A", "hal": "A",
          "ivar": "B"}
OCT = "2026-10-{day:02d}T12:00:00+02:00"
n = iter(range(10_000))


def ev(kind: str, actor: str, target: str, owner: str, time: str, **data) -> dict:
    target_kind, target_id = target.split(":")
    return {"id": f"e{next(n)}", "type": kind, "actor": actor, "time": time, "data": data,
            "target": {"kind": target_kind, "id": target_id, "owner": owner}}


def october() -> list[dict]:
    events = [ev("content.published", "anna", "article:a1", "anna", OCT.format(day=2), content_kind="article",
                 title="A")]
    events += [ev("like.added", p, "article:a1", "anna", OCT.format(day=3)) for p in ("bo", "cy", "dag", "eva")]
    ring = ("finn", "gro", "hal")
    for author in ring:  # a ring: three articles each, all liked by the two others
        for k in range(3):
            events.append(ev("content.published", author, f"article:{author}{k}", author, OCT.format(day=4),
                             content_kind="article", title="R"))
            events += [ev("like.added", fan, f"article:{author}{k}", author, OCT.format(day=5))
                       for fan in ring if fan != author]
    events += [ev("like.added", p, "article:iv", "ivar", OCT.format(day=6)) for p in ("anna", "bo", "cy", "dag", "eva")]
    events += [ev("idea.submitted", "anna", "idea:ia", "anna", OCT.format(day=7), title="Idé A"),
               ev("idea.submitted", "dag", "idea:id", "dag", OCT.format(day=7), title="Idé D"),
               ev("idea.contributed", "eva", "idea:ia", "anna", OCT.format(day=8), contribution_id="ce", text="+"),
               ev("idea.contributed", "cy", "idea:id", "dag", OCT.format(day=8), contribution_id="cc", text="+"),
               ev("idea.contributed", "bo", "idea:id", "dag", OCT.format(day=8), contribution_id="cb", text="+"),
               ev("idea.adopted", "lena", "idea:ia", "anna", OCT.format(day=9), note="Ja"),
               # 30 Sep 22:30 UTC is 1 Oct 00:30 in Oslo (summer time): October
               ev("like.added", "eva", "article:d1", "dag", "2026-09-30T22:30:00Z"),
               # 31 Oct 23:30 UTC is 1 Nov 00:30 in Oslo (winter time since the 25th): November
               ev("like.added", "bo", "article:d1", "dag", "2026-10-31T23:30:00Z")]
    return events


@pytest.fixture
def org(client, make_key):
    key = make_key("directory:write", "events:write", "awards:manage", "reports:read")
    people = [{"id": p, "name": p.capitalize(), "team": t, "leaderboard_opt_out": p == "ivar"}
              for p, t in PEOPLE.items()]
    assert client.post("/v1/directory/sync", json={"mode": "full", "teams": TEAMS, "people": people,
                                                   "as_of": "2026-01-01T00:00:00Z"},
                       headers=bearer(key)).status_code == 200
    return key


def send(client, key, events):
    for start in range(0, len(events), 100):
        response = client.post("/v1/events/batch", json={"events": events[start:start + 100]}, headers=bearer(key))
        assert response.status_code == 202, response.json


def podium(body, category):
    return [(p["person"], p["score"]) for p in body["result"]["categories"][category]]


def test_a_hand_computed_october(app, client, org):
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    body = client.get("/v1/awards/2026-10", headers=bearer(org)).json
    assert body["status"] == "provisional"
    # Ivar has 5 likes from 5 colleagues (5.0) but opted out. Anna: 4 colleagues once each = 4.0.
    # The ring: 3 likes from each of 2 colleagues = 2 x (1 + .5 + .25) = 3.5; ties go by id.
    assert podium(body, "appreciated") == [("anna", 4.0), ("finn", 3.5), ("gro", 3.5)]
    # Contributor: own points + appreciated. Ring: 3 articles x 5 + 3.5 = 18.5; Anna: 5 + 4 + 4 (idea) = 13.
    assert podium(body, "contributor") == [("finn", 18.5), ("gro", 18.5), ("hal", 18.5)]
    # Developer: Eva's contribution to an adopted idea counts double (6); Bo and Cy tie at 3, by id.
    assert podium(body, "idea_developer") == [("eva", 6.0), ("bo", 3.0), ("cy", 3.0)]
    anna = body["result"]["categories"]["appreciated"][0]["facts"]
    assert (anna["colleagues"], anna["teams"]) == (4, 4)
    dag = client.get("/v1/awards/2026-10/leaderboard?category=appreciated&n=50", headers=bearer(org)).json
    assert ("dag", 1.0) in [(p["person"], p["score"]) for p in dag["top"]]  # the 1 Oct 00:30 like only
    november = client.get("/v1/awards/2026-11/leaderboard?category=appreciated", headers=bearer(org)).json
    assert [(p["person"], p["score"]) for p in november["top"]] == [("dag", 1.0)]
    assert all(p["person"] != "ivar" for p in dag["top"])


def test_live_top_lists_break_ties_as_the_result_does(app, client, org, monkeypatch):
    """Equal scores: more distinct colleagues first, then the person id, in the live list as in
    the result (a Redis sorted set alone orders ties by member, in reverse)."""
    monkeypatch.setattr(state(app), "_redis", fakeredis.FakeRedis())  # as ENGAGEMENT_REDIS_URL gives one
    # Ola: Anna and Bo once, Dag twice = 1 + 1 + 1.5 = 3.5 from three colleagues, like the ring's
    # 3.5 from two; Ola's id sorts after theirs, so only the colleagues can put Ola first.
    likes = [ev("like.added", p, "article:ola1", "ola", OCT.format(day=11)) for p in ("anna", "bo", "dag")]
    send(client, org, october() + likes + [ev("like.added", "dag", "article:ola2", "ola", OCT.format(day=11))])
    drain(app, ("ledger", "awards"))
    want = ["anna", "ola", "finn", "gro", "hal"]
    top = client.get("/v1/awards/2026-10/leaderboard?category=appreciated&n=5", headers=bearer(org)).json["top"]
    assert [p["person"] for p in top] == want
    assert [p["rank"] for p in top] == [1, 2, 3, 4, 5]
    result = client.get("/v1/awards/2026-10", headers=bearer(org)).json
    assert [p for p, _ in podium(result, "appreciated")] == want[:3]
    state(app).redis.flushall()  # refilled from SQL: the same order
    again = client.get("/v1/awards/2026-10/leaderboard?category=appreciated&n=5", headers=bearer(org)).json["top"]
    assert [p["person"] for p in again] == want

    def down():
        raise ConnectionError("Redis is down")
    monkeypatch.setattr(state(app).award_board, "_redis_factory", down)  # from SQL alone: the same order
    alone = client.get("/v1/awards/2026-10/leaderboard?category=appreciated&n=4", headers=bearer(org)).json["top"]
    assert [p["person"] for p in alone] == want[:4]


def test_the_migration_counts_existing_credits_as_the_consumer_does(app, client, org):
    """Upgrading a database with a month of credits: its tallies and summaries equal those the consumer keeps."""
    from sqlalchemy import select

    from engagement import migrate as schema
    from engagement.awards.model import AwardSummary, AwardTally
    send(client, org, october() + [ev("like.removed", "bo", "article:a1", "anna", OCT.format(day=20))])
    drain(app, ("ledger", "awards"))
    engine = state(app).engine

    def tallies() -> set:
        with engine.connect() as conn:
            counts = {tuple(r) for r in conn.execute(select(AwardTally.month, AwardTally.person, AwardTally.facet,
                                                            AwardTally.key, AwardTally.count)) if r.count}
            return counts | {tuple(r) for r in conn.execute(select(AwardSummary)) if any(r[2:])}
    kept = tallies()
    assert ("2026-10", "dag", "idea", "idea:id", 1) not in kept and ("2026-10", "cy", "idea", "idea:id", 1) in kept
    schema.upgrade(engine, "0011")  # at head already: nothing happens
    with engine.begin() as conn:
        from alembic import command
        command.downgrade(schema.alembic_config(conn), "0010")
    schema.upgrade(engine)
    assert tallies() == kept


def test_unlikes_take_back_and_leaderboards_are_top_only(app, client, org, caplog):
    likes = [ev("like.added", p, "article:x", "anna", OCT.format(day=3)) for p in ("bo", "cy")]
    send(client, org, likes + [ev("like.removed", "cy", "article:x", "anna", OCT.format(day=4))])
    drain(app, ("ledger", "awards"))
    assert "isolating the poison record" not in caplog.text  # a like and its unlike in one batch
    top = client.get("/v1/awards/2026-10/leaderboard?category=appreciated&n=1", headers=bearer(org)).json["top"]
    assert top == [{"rank": 1, "person": "anna", "name": "Anna", "score": 1.0}]
    bad = client.get("/v1/awards/2026-13/leaderboard?category=worst", headers=bearer(org))
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"month", "category"}


def test_finalising_freezes_the_month_late_events_count_until_then(app, client, org, user_token):
    events = october()
    send(client, org, events[:-5])
    drain(app, ("ledger", "awards"))
    assert client.post("/v1/awards/2026-10/finalise", headers=bearer(user_token("kari"))).status_code == 403
    coming = f"{datetime.now(UTC).year + 1}-01"  # never over yet, whatever the day the test runs
    assert client.post(f"/v1/awards/{coming}/finalise", headers=bearer(org)).status_code == 409  # not over
    send(client, org, events[-5:])  # late: October events arriving in November, before finalising
    drain(app, ("ledger", "awards"))
    final = client.post("/v1/awards/2026-10/finalise", headers=bearer(user_token("lena", roles=("leader",))))
    assert final.status_code == 201
    assert podium(final.json, "idea_developer")[0] == ("eva", 6.0)
    assert client.post("/v1/awards/2026-10/finalise", headers=bearer(org)).status_code == 409
    replay(state(app), ["awards"])
    from engagement.awards import service as awards
    with app.app_context():
        assert awards.result(state(app).db.session, "2026-10") == final.json["result"]
    send(client, org, [ev("like.added", "bo", "article:gro0", "gro", OCT.format(day=20))])  # after finalising
    drain(app, ("ledger", "awards"))
    frozen = client.get("/v1/awards/2026-10", headers=bearer(org)).json
    assert frozen["status"] == "final" and frozen["result"] == final.json["result"]


def test_announcements_in_four_languages(app, client, org):
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    client.post("/v1/awards/2026-10/finalise", headers=bearer(org))
    texts = {lang: client.get(f"/v1/awards/2026-10/announcement?lang={lang}",
                              headers=bearer(org)).get_data(as_text=True)
             for lang in ("nb", "nn", "da", "en")}
    assert texts["nb"].startswith("## Månedens bidragsytere – oktober 2026")  # under the news post's own title
    assert "### Månedens mest verdsatte kollega\n\n- Anna – 2 bidrag, anerkjent av 4 kolleger i 4 team" in texts["nb"]
    assert "Månadens idéutviklar" in texts["nn"] and "Månedens idéudvikler" in texts["da"]
    assert "- Eva – 1 contribution; built on 1 idea, 1 adopted\n" in texts["en"]  # nobody recognised her: not said
    assert " 0 " not in "".join(texts.values())
    assert "Ivar" not in "".join(texts.values())
    page = client.get("/v1/awards/2026-10/announcement?lang=en&format=html", headers=bearer(org))
    assert page.mimetype == "text/html" and page.get_data(as_text=True).startswith("<h2>Contributors of the month")
    text = page.get_data(as_text=True)
    assert "<h1" not in text and "<h3>Most appreciated colleague</h3>" in text
    text = client.get("/v1/awards/2026-10/announcement?lang=en&format=html&heading=3",
                      headers=bearer(org)).get_data(as_text=True)
    assert text.startswith("<h3>Contributors") and "<h4>Most appreciated" in text
    refused = client.get("/v1/awards/2026-10/announcement?lang=en&format=html&heading=6", headers=bearer(org))
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"


def test_with_opt_in_ranking_only_those_who_opted_in_are_shown(app, client, org):
    app.config["ENGAGEMENT_PUBLIC_RANKING"] = "opt-in"
    state(app).award_board.ranking_mode = "opt-in"
    people = [{"id": "finn", "name": "Finn", "team": "A", "leaderboard_opt_in": True}]
    client.post("/v1/directory/sync", json={"mode": "delta", "people": people}, headers=bearer(org))
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    body = client.get("/v1/awards/2026-10", headers=bearer(org)).json
    assert podium(body, "appreciated") == [("finn", 3.5)]
    top = client.get("/v1/awards/2026-10/leaderboard?category=contributor", headers=bearer(org)).json["top"]
    assert [p["person"] for p in top] == ["finn"]


def test_volume_appreciated_only_inside_a_closed_circle_does_not_win(app, client, make_key):
    """Four colleagues, each in a team of their own, publish 30 articles each and like only each
    other's; one person publishes 5 articles that 25 colleagues from 5 teams like. The old rule
    (points for volume, plus appreciation) gave the circle 156 each against 73.4."""
    key = make_key("directory:write", "events:write", "awards:manage")
    circle = [f"ring{i}" for i in range(4)]
    fans = [f"fan{t}{i}" for t in range(5) for i in range(5)]
    people = [{"id": p, "name": p, "team": f"R{i}"} for i, p in enumerate(circle)]
    people += [{"id": "solo", "name": "Solo", "team": "S"}] + [{"id": p, "name": p, "team": f"F{p[3]}"} for p in fans]
    teams = [{"id": t, "name": t, "parent": None} for t in {p["team"] for p in people}]
    assert client.post("/v1/directory/sync", json={"mode": "full", "teams": teams, "people": people},
                       headers=bearer(key)).status_code == 200
    events = []
    for author, likers, count in [(p, [q for q in circle if q != p], 30) for p in circle] + [("solo", fans, 5)]:
        for k in range(count):
            article = f"article:{author}-{k}"
            events.append(ev("content.published", author, article, author, OCT.format(day=2), content_kind="article",
                             title="T"))
            events += [ev("like.added", fan, article, author, OCT.format(day=3)) for fan in likers]
    send(client, key, events)
    drain(app, ("ledger", "awards"))
    body = client.get("/v1/awards/2026-10", headers=bearer(key)).json
    solo = 25 + 25 * (1 + .5 + .25 + .125 + .0625)  # own points, all backed; 25 colleagues liking 5 each
    ring = 5.0 * (3 + 3) + 3 * (2 - 0.5 ** 29)  # own points backed by 3 colleagues in 3 teams; 30 likes each
    assert podium(body, "contributor") == [("solo", round(solo, 4))] + [(p, round(ring, 4)) for p in circle[:2]]
    assert podium(body, "appreciated")[0] == ("solo", round(solo - 25, 4))


def test_volume_on_one_friends_idea_does_not_win_best_idea_developer(app, client, make_key, user_token):
    """Forty one-word "+1"s on one friend's idea (from one's own widget token, inside the rate
    limit), or one each on eleven of that friend's ideas, lose to developing four people's ideas,
    one of them adopted; a replay gives the same."""
    key = make_key("directory:write", "events:write", "awards:manage")
    people = ["mallory", "friend", "honest", "i1", "i2", "i3", "i4", "gullible"]
    assert client.post("/v1/directory/sync", json={"mode": "full", "teams": [{"id": "T", "name": "T", "parent": None}],
                                                   "as_of": "2026-01-01T00:00:00Z",
                                                   "people": [{"id": p, "name": p, "team": "T"} for p in people]},
                       headers=bearer(key)).status_code == 200
    day = OCT.format(day=8)
    friend_ideas = [f"idea:friend{k}" for k in range(11)]
    setup = [ev("idea.submitted", o, f"idea:{o}", o, day, title="Idé") for o in ("friend", "i1", "i2", "i3", "i4")]
    setup += [ev("idea.submitted", "friend", idea, "friend", day, title="Idé") for idea in friend_ideas]
    setup += [ev("idea.contributed", "honest", f"idea:{o}", o, day, contribution_id=f"c-honest-{o}",
                 text="Et gjennomarbeidet forslag") for o in ("i1", "i2", "i3", "i4")]
    setup.append(ev("idea.adopted", "lena", "idea:i1", "i1", day, note="Ja"))
    send(client, key, setup)
    spam = [ev("idea.contributed", "mallory", "idea:friend", "friend", day, contribution_id=f"c-m-{k}", text="+1")
            for k in range(40)]
    spam += [ev("idea.contributed", "gullible", idea, "friend", day, contribution_id=f"c-g-{idea}", text="+1")
             for idea in friend_ideas]
    send(client, user_token("mallory"), spam[:40])
    send(client, user_token("gullible"), spam[40:])
    drain(app, ("ledger", "awards"))
    body = client.get("/v1/awards/2026-10", headers=bearer(key)).json
    # Honest: 3 + 3 + 3 + 2 x 3 (adopted) = 15. Mallory: 3 x (1 + 1/2 + ... + 1/2**31); Gullible:
    # eleven ideas of one owner give at most 3 contributions' worth.
    assert podium(body, "idea_developer") == [("honest", 15.0), ("gullible", 9.0), ("mallory", round(3 * 2, 4))]
    honest = body["result"]["categories"]["idea_developer"][0]["facts"]
    assert (honest["developed_ideas"], honest["adopted_ideas"], honest["idea_owners"]) == (4, 1, 4)
    replay(state(app), ["awards"])
    again = client.get("/v1/awards/2026-10", headers=bearer(key)).json
    assert again["result"]["categories"] == body["result"]["categories"]


def test_a_bra_credits_once_per_giver_and_subject(app, client, org):
    """A Bra! credits once per giver, recipient and month: forty from Bo to Anna credit her once
    (not 2, as diminishing returns alone would); ten to Dag, each "about" a made-up article,
    credit him once; Bo's Bra! to Cy on the 13th, then an earlier one arriving later, credit
    Cy once; a replay gives the same."""
    def bra(to: str, day: int, about: str | None = None) -> dict:
        return ev("kudos.given", "bo", f"person:{to}", to, OCT.format(day=day), **({"about": about} if about else {}))

    send(client, org, [bra("anna", 3) for _ in range(40)] + [bra("cy", 13, "article:a1")]
         + [bra("dag", 5, f"article:made-up-{i}") for i in range(10)])
    drain(app, ("ledger", "awards"))
    send(client, org, [bra("cy", 12, "article:a2")])
    drain(app, ("ledger", "awards"))
    body = client.get("/v1/awards/2026-10", headers=bearer(org)).json
    assert podium(body, "appreciated") == [("anna", 1.0), ("cy", 1.0), ("dag", 1.0)]
    replay(state(app), ["awards"])
    assert client.get("/v1/awards/2026-10", headers=bearer(org)).json["result"] == body["result"]


EVIL = "<img src=x onerror=alert(1)> **[click](javascript:alert(1))** ![t](http://evil.example/px.png)"


def test_names_in_the_markdown_announcement_are_text_never_markup(app, client, org):
    """Bug: a directory name with HTML, a link or an image reached "Copy as Markdown" and "Copy for Teams"
    as markup; a line break in a name started a heading of its own."""
    send(client, org, october())
    drain(app, ("ledger", "awards"))
    renamed = [{"id": "anna", "name": EVIL, "team": "A"}, {"id": "eva", "name": "Eva\n# Boss", "team": "E"},
               {"id": "bo", "name": "- 1. [x]", "team": "B"}]
    assert client.post("/v1/directory/sync", json={"mode": "delta", "people": renamed},
                       headers=bearer(org)).status_code == 200
    client.post("/v1/awards/2026-10/finalise", headers=bearer(org))
    text = client.get("/v1/awards/2026-10/announcement?lang=en", headers=bearer(org)).get_data(as_text=True)
    escaped = (r"\<img src=x onerror=alert\(1\)\> \*\*\[click\]\(javascript:alert\(1\)\)\*\* "
               r"\!\[t\]\(http://evil.example/px.png\)")
    assert f"- {escaped} – 2 contributions" in text
    for markup in (r"<img", r"\*\*\[", r"\]\(", r"!\[", r"\[x\]"):
        assert not re.search(r"(?<!\\)" + markup, text), markup  # each sign escaped with a backslash
    assert "- Eva # Boss – 1 contribution" in text and "\n# Boss" not in text  # one line, not a heading
    page = client.get("/v1/awards/2026-10/announcement?lang=en&format=html", headers=bearer(org)).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; **[click](javascript:alert(1))**" in page and "<img" not in page


def test_a_month_still_running_says_nobody_yet_as_the_page_does(client, org):
    """Bug: the announcement of a month with nobody in it said "Nobody this time." while the page said
    "Nobody yet": only a month that is over has had its time."""
    coming = client.get("/v1/awards/2099-01/announcement?lang=en", headers=bearer(org)).get_data(as_text=True)
    assert "- Nobody yet.\n" in coming and "Nobody this time" not in coming
    assert "<li>Ingen ennå.</li>" in client.get("/v1/awards/2099-01/announcement?lang=nb&format=html",
                                                headers=bearer(org)).get_data(as_text=True)
    over = client.get("/v1/awards/2020-01/announcement?lang=en", headers=bearer(org)).get_data(as_text=True)
    assert "- Nobody this time.\n" in over and "Nobody yet" not in over
