"""Recognition counters through the API on the embedded default: exact, idempotent, cached."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fakeredis
import pytest

from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer, drain, like
from tests.recognition_oracle import directory, random_events, recount, team_sums


@pytest.fixture
def send(client, writer_key):
    def post(*events):
        response = client.post("/v1/events/batch", json={"events": list(events)}, headers=bearer(writer_key))
        assert response.status_code == 202, response.json
    return post


def counts(client, token, *targets):
    query = "&".join(f"t=article:{t}" for t in targets)
    response = client.get(f"/v1/targets?{query}", headers=bearer(token))
    assert response.status_code == 200, response.json
    return {t["id"]: t for t in response.json["targets"]}


def test_like_unlike_and_liked_by_me(app, client, send, user_token):
    send(like("l1", actor="kari", target="n1"), like("l2", actor="per", target="n1"),
         like("l1", actor="kari", target="n1"))  # l1 twice
    drain(app)
    kari, ola = user_token("kari"), user_token("ola")
    assert counts(client, kari, "n1", "n2")["n1"] == {"kind": "article", "id": "n1", "likes": 2, "comments": 0,
                                                      "kudos": 0, "liked_by_me": True, "kudos_by_me": False}
    assert counts(client, kari, "n2")["n2"]["likes"] == 0
    assert counts(client, ola, "n1")["n1"]["liked_by_me"] is False
    send(like("u1", actor="kari", target="n1", type_="like.removed"))
    drain(app)
    assert counts(client, kari, "n1")["n1"]["likes"] == 1
    assert counts(client, kari, "n1")["n1"]["liked_by_me"] is False


def test_a_retried_like_arriving_after_its_unlike_changes_nothing(app, client, send, user_token):
    send(like("late-unlike", actor="kari", target="n1", type_="like.removed", time="2026-11-23T10:05:00+01:00"))
    send(like("early-like", actor="kari", target="n1", time="2026-11-23T10:00:00+01:00"))
    drain(app)
    assert counts(client, user_token("kari"), "n1")["n1"]["likes"] == 0


def test_self_likes_show_on_the_target_but_are_not_recognition(app, client, send, user_token):
    send(like("s1", actor="ola", target="n1", owner="ola"), like("s2", actor="kari", target="n1", owner="ola"),
         {**like("k1", actor="per", type_="kudos.given", data={"message": "Bra!"}),
          "target": {"kind": "person", "id": "ola", "owner": "ola"}},
         {**like("c1", actor="per", type_="comment.posted", data={"comment_id": "c1", "text": "Enig"}),
          "target": {"kind": "article", "id": "n1", "owner": "ola"}})
    drain(app)
    ola = user_token("ola")
    assert counts(client, ola, "n1")["n1"]["likes"] == 2
    summary = client.get("/v1/people/ola/recognition", headers=bearer(ola)).json
    assert summary == {"person": "ola", "received": {"like": 1, "comment": 1, "kudos": 1},
                       "given": {"like": 0, "comment": 0, "kudos": 0}, "colleagues": 2}
    per = client.get("/v1/people/per/recognition", headers=bearer(user_token("per"))).json
    assert per["given"] == {"like": 0, "comment": 1, "kudos": 1}


def test_a_person_sees_only_their_own_summary(client, user_token, make_key):
    assert client.get("/v1/people/ola/recognition", headers=bearer(user_token("kari"))).status_code == 403
    reader = make_key("reports:read")
    assert client.get("/v1/people/ola/recognition", headers=bearer(reader)).status_code == 200
    assert client.get("/v1/targets?t=nonsense", headers=bearer(reader)).status_code == 422


def test_etag_lets_the_browser_revalidate(app, client, send, user_token):
    send(like("e1", target="n1"))
    drain(app)
    token = user_token("kari")
    first = client.get("/v1/targets?t=article:n1", headers=bearer(token))
    again = client.get("/v1/targets?t=article:n1", headers={**bearer(token), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    send(like("e2", actor="per", target="n1"))
    drain(app)
    changed = client.get("/v1/targets?t=article:n1", headers={**bearer(token), "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["targets"][0]["likes"] == 2


def test_reads_survive_a_flushed_or_broken_cache(app, client, send, user_token, monkeypatch):
    monkeypatch.setattr(state(app), "_redis", fakeredis.FakeRedis())  # as ENGAGEMENT_REDIS_URL gives one
    send(like("f1", target="n1"), like("f2", actor="per", target="n1"))
    drain(app)
    token = user_token("kari")
    state(app).redis.flushall()
    assert counts(client, token, "n1")["n1"]["likes"] == 2
    assert state(app).redis.get("tillit:t:article:n1") is not None  # filled again from SQL

    def broken(*_args, **_kwargs):
        raise ConnectionError("redis down")
    monkeypatch.setattr(state(app).redis, "mget", broken)
    assert counts(client, token, "n1")["n1"]["likes"] == 2


def test_many_random_events_with_a_restart_match_an_independent_recount(app, client, send, user_token,
                                                                       make_key, monkeypatch):
    monkeypatch.setattr(state(app), "_redis", fakeredis.FakeRedis())  # the cache is rewritten by the replay too
    directory_key = make_key("directory:write", "reports:read")
    assert client.post("/v1/directory/sync", json=directory(), headers=bearer(directory_key)).status_code == 200
    sent = random_events(5000)
    for start in range(0, 2500, 250):
        send(*sent[start:start + 250])
    drain(app)  # the consumer stops here: a restart resumes from its tracking record
    for start in range(2500, 5000, 250):
        send(*sent[start:start + 250])
    drain(app)
    expected = recount(sent)
    _assert_matches(client, user_token, expected, directory_key)
    before = state(app).redis.get("tillit:p:p3")
    replay(state(app), ["recognition"])
    _assert_matches(client, user_token, expected, directory_key)
    assert state(app).redis.get("tillit:p:p3") == before


def _assert_matches(client, user_token, expected, team_reader: str | None = None) -> None:
    viewer = user_token("p1")
    got = counts(client, viewer, *[f"a{t}" for t in range(30)])
    for target in range(30):
        want = expected["targets"][("article", f"a{target}")]
        row = got[f"a{target}"]
        assert (row["likes"], row["comments"], row["kudos"]) == (want["like"], want["comment"], want["kudos"]), target
        assert row["liked_by_me"] == ((("article", f"a{target}"), "p1") in expected["likers"])
    for p in range(20):
        person = f"p{p}"
        summary = client.get(f"/v1/people/{person}/recognition", headers=bearer(user_token(person))).json
        assert summary["received"] == {k: expected["received"][person][k] for k in ("like", "comment", "kudos")}
        assert summary["given"] == {k: expected["given"][person][k] for k in ("like", "comment", "kudos")}
        assert summary["colleagues"] == expected["colleagues"].get(person, 0)
    if team_reader:
        for team_id, sums in team_sums(expected).items():
            got = client.get(f"/v1/teams/{team_id}/recognition", headers=bearer(team_reader)).json
            for side in ("received", "given"):
                assert got[side] == {k: sums[side][k] for k in ("like", "comment", "kudos")}, (team_id, side)


def kudos(event_id: str, actor: str, to: str, minute: int = 0, about: str | None = None) -> dict:
    return {"id": event_id, "type": "kudos.given", "actor": actor, "time": f"2026-11-02T10:{minute:02d}:00+01:00",
            "target": {"kind": "person", "id": to, "owner": to}, "data": {"about": about} if about else {}}


def test_one_person_cannot_multiply_the_kudos_count_a_page_shows(app, client, make_key, user_token):
    """Likes count once per person; a Bra! now does too: one widget token sending 40 kudos about
    an article leaves its button at 1 and its author's received kudos at 1."""
    key = make_key("events:write", name="intranet")
    published = {"id": "p1", "type": "content.published", "actor": "ola", "time": "2026-11-02T10:00:00+01:00",
                 "target": {"kind": "article", "id": "news-1", "owner": "ola"},
                 "data": {"content_kind": "article", "title": "T"}}
    assert client.post("/v1/events", json=published, headers=bearer(key)).status_code == 202
    forty = [kudos(f"k{i}", "kari", "ola", about="article:news-1") for i in range(40)]
    assert client.post("/v1/events/batch", json={"events": forty},
                       headers=bearer(user_token("kari"))).status_code == 202
    drain(app, ("ledger", "recognition"))
    counts = client.get("/v1/targets/article/news-1", headers=bearer(key)).json
    ola = client.get("/v1/people/ola/recognition", headers=bearer(key)).json
    assert (counts["kudos"], ola["received"]["kudos"]) == (1, 1), (counts, ola)


def test_a_bra_counts_once_per_subject_the_earliest_whatever_order_it_arrives_in(app, client, make_key):
    """Kari's Bra!s count once per colleague and month, the earliest: a second one to Ola changes
    nothing; one to Per sent earlier (about news-2) but arriving later takes the place of the one
    about news-1; Siv's counts for her; repeats are ignored, not dead-lettered; a replay gives
    the same."""
    from sqlalchemy import func, select

    from engagement.ledger.model import DeadLetter
    key = make_key("events:write", "reports:read", name="intranet")

    def sent(*events):
        assert client.post("/v1/events/batch", json={"events": list(events)}, headers=bearer(key)).status_code == 202
        drain(app, ("ledger", "recognition"))

    def counted() -> dict:
        people = {p: client.get(f"/v1/people/{p}/recognition", headers=bearer(key)).json for p in ("per", "siv", "ola")}
        return {**{n: client.get(f"/v1/targets/article/{n}", headers=bearer(key)).json["kudos"]
                   for n in ("news-1", "news-2")},
                **{p: body["received"]["kudos"] for p, body in people.items()},
                "colleagues": {p: body["colleagues"] for p, body in people.items()},
                "kari": client.get("/v1/people/kari/recognition", headers=bearer(key)).json["given"]["kudos"]}

    sent(kudos("to-per", "kari", "per", 5, "article:news-1"), kudos("to-ola", "kari", "ola", 1))
    assert counted() == {"news-1": 1, "news-2": 0, "per": 1, "siv": 0, "ola": 1,
                         "colleagues": {"per": 1, "siv": 0, "ola": 1}, "kari": 2}
    sent(kudos("to-siv", "kari", "siv", 0, "article:news-1"), kudos("to-ola-again", "kari", "ola", 2),
         kudos("to-per-earlier", "kari", "per", 3, "article:news-2"),
         kudos("to-per-again", "kari", "per", 9, "article:news-1"))
    want = {"news-1": 1, "news-2": 1, "per": 1, "siv": 1, "ola": 1, "colleagues": {"per": 1, "siv": 1, "ola": 1},
            "kari": 3}
    assert counted() == want
    replay(state(app), ["recognition"])
    assert counted() == want
    with app.app_context():
        assert state(app).db.session.scalar(select(func.count()).select_from(DeadLetter)) == 0


def test_made_up_about_values_do_not_make_a_bra_count_again(app, client, make_key, user_token):
    """Ten Bra!s from one widget to Per, each "about" a different made-up article, give Per one."""
    key = make_key("reports:read", name="reader")
    events = [{**kudos(f"k-{n}", "mallory", "per", n, f"article:made-up-{n}"), "actor": "mallory"}
              for n in range(10)]
    assert client.post("/v1/events/batch", json={"events": events},
                       headers=bearer(user_token("mallory"))).status_code == 202
    drain(app, ("ledger", "recognition"))
    assert client.get("/v1/people/per/recognition", headers=bearer(key)).json["received"]["kudos"] == 1


def bra(event_id: str, giver: str, recipient: str, time: str, about: str | None = None) -> dict:
    return {"id": event_id, "type": "kudos.given", "actor": giver, "time": time,
            "target": {"kind": "person", "id": recipient, "owner": recipient},
            "data": {"about": about} if about else {}}


def test_kudos_by_me_says_whether_my_bra_counts_this_month(app, client, send, user_token):
    """Kari's Bra! to Ola this month about n1 counts: the widget learns it for Ola and for n1, so it
    sends no second one (which would not count); a repeat counts once; Per, and last month's Bra!
    to Siv, are not "mine this month"."""
    now = datetime.now(UTC).replace(microsecond=0)
    last_month = (now.replace(day=1) - timedelta(days=1)).isoformat()
    send(bra("b1", "kari", "ola", now.isoformat(), "article:n1"),
         bra("b2", "kari", "ola", now.isoformat(), "article:n1"), bra("b3", "kari", "siv", last_month))
    drain(app)

    def mine(token: str) -> dict:
        response = client.get("/v1/targets?t=article:n1&t=article:n2&t=person:ola&t=person:siv", headers=bearer(token))
        return {f'{t["kind"]}:{t["id"]}': (t["kudos"], t["kudos_by_me"]) for t in response.json["targets"]}
    assert mine(user_token("kari")) == {"article:n1": (1, True), "article:n2": (0, False),
                                        "person:ola": (1, True), "person:siv": (1, False)}
    assert {ref: by_me for ref, (_, by_me) in mine(user_token("per")).items()} == dict.fromkeys(
        ("article:n1", "article:n2", "person:ola", "person:siv"), False)
