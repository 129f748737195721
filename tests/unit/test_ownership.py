"""Ownership comes from an authority, never from the sender's claim: titles, recognition,
notifications and awards cannot be raised for someone else with made-up targets, whatever
order the events arrive in; a person's rate limit counts events."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engagement.ideas.model import Contribution
from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer, drain

PEOPLE = ("ola", "kari", "mallory", "per")
MODELS = ("ledger", "recognition", "notifications", "awards")
NOV = "2026-11-10T10:{:02d}:00+01:00"


def ev(event_id: str, type_: str, actor: str, target: str, owner: str, minute: int = 0, **data) -> dict:
    kind, target_id = target.split(":")
    return {"id": event_id, "type": type_, "actor": actor, "time": NOV.format(minute), "data": data,
            "target": {"kind": kind, "id": target_id, "owner": owner}}


def published(event_id: str, author: str, target: str, title: str, minute: int = 0) -> dict:
    return ev(event_id, "content.published", author, target, author, minute, content_kind="article", title=title)


@pytest.fixture
def org(client, make_key):
    key = make_key("directory:write", "events:write", "reports:read")
    people = [{"id": p, "name": p.capitalize(), "team": "t"} for p in PEOPLE]
    assert client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": [
        {"id": "t", "name": "Team", "parent": None}]}, headers=bearer(key)).status_code == 200
    return key


def post(client, token: str, events: list[dict]):
    return client.post("/v1/events/batch", json={"events": events}, headers=bearer(token))


def received_likes(client, key: str, person: str) -> int:
    return client.get(f"/v1/people/{person}/recognition", headers=bearer(key)).json["received"]["like"]


def unread(client, token: str, person: str) -> int:
    return client.get(f"/v1/notifications/unread-count?person={person}", headers=bearer(token)).json["unread"]


def test_someone_elses_content_published_changes_neither_the_title_nor_the_owner(app, client, org, user_token):
    ola, mallory, kari = user_token("ola"), user_token("mallory"), user_token("kari")
    assert post(client, org, [published("p-ola", "ola", "article:news-ola", "Ny kantineordning")]).status_code == 202
    phishing = published("p-mal", "mallory", "article:news-ola", "Logg inn på evil.example for å se hvem", 1)
    refused = post(client, mallory, [phishing])  # a browser never says what was published
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert post(client, org, [phishing]).status_code == 202  # before any consumer ran: in the log anyway
    assert post(client, kari, [ev("l-1", "like.added", "kari", "article:news-ola", "ola", 2)]).status_code == 202
    drain(app, MODELS)
    items = client.get("/v1/notifications?person=ola", headers=bearer(ola)).json["items"]
    assert [i["text"] for i in items] == ["Kari likte «Ny kantineordning»"], items
    assert (received_likes(client, org, "ola"), received_likes(client, org, "mallory")) == (1, 0)
    again = post(client, org, [{**phishing, "id": "p-mal-2"}])  # now the owner is known: refused
    assert again.status_code == 422 and again.mimetype == "application/problem+json"
    assert [e["field"] for e in again.json["errors"]] == ["target.owner"]


def test_a_user_token_cannot_claim_an_article_before_the_intranet_publishes_it(app, client, org, user_token):
    """Squatting: a browser that names a future article id first would own it; it cannot."""
    squat = published("p-squat", "mallory", "article:news-next", "Min artikkel")
    assert post(client, user_token("mallory"), [squat]).status_code == 403
    assert post(client, org, [published("p-real", "ola", "article:news-next", "Budsjett 2027")]).status_code == 202
    assert post(client, user_token("kari"), [ev("l-n", "like.added", "kari", "article:news-next", "ola", 3)]
                ).status_code == 202
    drain(app, MODELS)
    assert (received_likes(client, org, "ola"), received_likes(client, org, "mallory")) == (1, 0)


def test_500_likes_on_made_up_targets_owned_by_a_colleague_give_them_nothing(app, client, org, user_token):
    app.config["ENGAGEMENT_RATE_LIMIT_USER"] = "1000 per minute"
    likes = [ev(f"fake-{i}", "like.added", "mallory", f"article:made-up-{i}", "ola", i % 60) for i in range(500)]
    assert post(client, user_token("mallory"), likes).status_code == 202
    drain(app, MODELS)
    assert received_likes(client, org, "ola") == 0
    assert unread(client, user_token("ola"), "ola") == 0
    board = client.get("/v1/awards/2026-11/leaderboard?category=appreciated&n=50", headers=bearer(org)).json
    assert board["top"] == []
    assert client.get("/v1/targets/article/made-up-7", headers=bearer(org)).json["likes"] == 1  # the button moves


@pytest.mark.parametrize("published_first", [True, False], ids=["published first", "likes first"])
def test_likes_and_comments_before_the_authority_credit_the_owner_once_it_speaks(
        app, client, org, user_token, published_first):
    """Order independence: the same events in either order give the same counts, and a claim
    naming the wrong owner before the authority spoke credits the real author."""
    claim = "ola" if published_first else "mallory"  # a wrong claim is refused once the owner is known
    reactions = [ev("l-k", "like.added", "kari", "article:a", claim, 1),
                 ev("c-p", "comment.posted", "per", "article:a", "ola", 2, comment_id="c1", text="Bra!")]
    first = [published("p-a", "ola", "article:a", "Årsrapport")]
    batches = [first, reactions] if published_first else [reactions, first]
    for events in batches:
        for event in events:
            sender = org if event["type"] == "content.published" else user_token(event["actor"])
            assert post(client, sender, [event]).status_code == 202
        drain(app, MODELS)
    for rebuilt in (False, True):  # and the same again when rebuilt from the ledger
        if rebuilt:
            replay(state(app), ["recognition", "notifications", "awards"])
        recognition = client.get("/v1/people/ola/recognition", headers=bearer(org)).json
        assert (recognition["received"]["like"], recognition["received"]["comment"], recognition["colleagues"]) \
            == (1, 1, 2)
        assert received_likes(client, org, "mallory") == 0
        items = client.get("/v1/notifications?person=ola", headers=bearer(user_token("ola"))).json["items"]
        assert sorted((i["kind"], i["text"]) for i in items) == [("comment", "Per kommenterte «Årsrapport»"),
                                                                 ("like", "Kari likte «Årsrapport»")]
        board = client.get("/v1/awards/2026-11/leaderboard?category=appreciated", headers=bearer(org)).json["top"]
        assert [(p["person"], p["score"]) for p in board] == [("ola", 2.0)]


def test_a_claim_that_contradicts_a_known_owner_refuses_the_whole_batch(app, client, org, user_token):
    kari = user_token("kari")
    assert post(client, org, [published("p-b", "ola", "article:b", "Plan")]).status_code == 202
    drain(app, MODELS)
    good = ev("l-good", "like.added", "kari", "article:b", "ola", 3)
    forged = ev("l-forged", "like.added", "kari", "article:b", "mallory", 4)
    answer = post(client, kari, [good, forged])
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert [(e["index"], e["field"]) for e in answer.json["errors"]] == [(1, "target.owner")]
    person = post(client, kari, [ev("k-1", "like.added", "kari", "person:ola", "mallory", 5)])  # people own themselves
    assert [(e["index"], e["field"]) for e in person.json["errors"]] == [(0, "target.owner")]
    drain(app, MODELS)
    assert client.get("/v1/targets/article/b", headers=bearer(kari)).json["likes"] == 0  # nothing half-applied
    # in one batch, the first statement counts too: a key publishing, then a claim against it
    same_batch = [published("p-c", "ola", "article:c", "C"), ev("l-c", "like.added", "per", "article:c", "per", 5)]
    assert post(client, org, same_batch).json["errors"][0] == {
        "index": 1, "field": "target.owner",
        "message": "article:c belongs to 'ola'; its owner cannot be claimed or changed."}


def test_a_persons_rate_limit_counts_events_not_requests(app, client, org, user_token):
    app.config["ENGAGEMENT_RATE_LIMIT_USER"] = "100 per minute"
    kari = user_token("kari")

    def likes(prefix: str, count: int) -> list[dict]:
        return [ev(f"{prefix}-{i}", "like.added", "kari", f"article:r{i}", "ola") for i in range(count)]
    first = post(client, kari, likes("a", 60))
    assert first.status_code == 202
    assert post(client, kari, likes("b", 40)).status_code == 202  # 100 events in two requests
    refused = client.post("/v1/events", json=likes("c", 1)[0], headers=bearer(kari))
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    per = [{**e, "actor": "per"} for e in likes("d", 101)]
    assert post(client, user_token("per"), per).status_code == 429  # one request, 101 events
    assert post(client, user_token("ola"), [{**e, "actor": "ola"} for e in likes("e", 100)]).status_code == 202


def test_a_contribution_is_its_contributors_even_when_liked_first(app, client, org, user_token):
    """Likes on ``contribution:<id>`` credit whoever contributed it, once the contribution arrives."""
    like = ev("l-c1", "like.added", "ola", "contribution:c1", "mallory", 1)  # a wrong claim, before anyone knew
    assert post(client, user_token("ola"), [like]).status_code == 202
    drain(app, MODELS)
    idea = [ev("i-1", "idea.submitted", "kari", "idea:i1", "kari", 2, title="Salatbar"),
            ev("i-c1", "idea.contributed", "per", "idea:i1", "kari", 3, contribution_id="c1", text="Og fredag")]
    for event in idea:
        assert post(client, user_token(event["actor"]), [event]).status_code == 202
    drain(app, MODELS)
    assert (received_likes(client, org, "per"), received_likes(client, org, "mallory")) == (1, 0)
    items = client.get("/v1/notifications?person=per", headers=bearer(user_token("per"))).json["items"]
    assert [i["kind"] for i in items] == ["like"]
    again = post(client, user_token("ola"), [{**like, "id": "l-c1-again"}])
    assert [e["field"] for e in again.json["errors"]] == ["target.owner"]


def contributions(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        session = state(app).db.session
        return [(c.id, c.author, c.text) for c in session.scalars(select(Contribution).order_by(Contribution.id))]


def test_contribution_id_of_someone_else_is_not_acknowledged_and_then_dropped(app, client, org, user_token):
    """A contribution id is its first author's: Mallory naming Kari's is refused (422 naming the
    field), never acknowledged and then dropped as the same contribution."""
    ola, kari, mallory = user_token("ola"), user_token("kari"), user_token("mallory")
    submitted = ev("i-sub", "idea.submitted", "ola", "idea:i-1", "ola", 0, title="Idé")
    assert post(client, ola, [submitted]).status_code == 202
    assert post(client, kari, [ev("c", "idea.contributed", "kari", "idea:i-1", "ola", 1,
                                  contribution_id="c-1", text="Kari bygger videre")]).status_code == 202
    drain(app, MODELS + ("ideas",))
    answer = post(client, mallory, [ev("c", "idea.contributed", "mallory", "idea:i-1", "ola", 2,
                                       contribution_id="c-1", text="Mallory sin tekst")])
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json", answer.json
    assert [e["field"] for e in answer.json["errors"]] == ["data.contribution_id"]
    drain(app, MODELS + ("ideas",))
    assert contributions(app) == [("c-1", "kari", "Kari bygger videre")]


def test_a_user_cannot_take_a_colleagues_contribution_id_before_it_arrives(app, client, org, user_token, writer_key):
    """Mallory takes the id Kari's back-filled contribution will carry: the back-fill is refused
    (the back end hears of it), never acknowledged and then dropped."""
    ola, mallory = user_token("ola"), user_token("mallory")
    submitted = ev("i-sub", "idea.submitted", "ola", "idea:i-1", "ola", 0, title="Idé")
    assert post(client, ola, [submitted]).status_code == 202
    assert post(client, mallory, [ev("m", "idea.contributed", "mallory", "idea:i-1", "ola", 5,
                                     contribution_id="c-7", text="Mallory først")]).status_code == 202
    drain(app, MODELS + ("ideas",))
    backfill = post(client, writer_key, [ev("kari-c-7", "idea.contributed", "kari", "idea:i-1", "ola", 1,
                                            contribution_id="c-7", text="Karis bidrag")])
    assert backfill.status_code == 422
    assert [e["field"] for e in backfill.json["errors"]] == ["data.contribution_id"]
    drain(app, MODELS + ("ideas",))
    assert contributions(app) == [("c-7", "mallory", "Mallory først")]
