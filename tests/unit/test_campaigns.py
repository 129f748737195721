"""Idea campaigns through the API on the embedded default."""
from __future__ import annotations

from sqlalchemy import select

from engagement.ideas.model import IdeaCredit
from engagement.state import state
from tests.conftest import bearer, drain, like

NOW = "2026-11-23T09:00:00+01:00"


def idea(idea_id: str, author: str, title: str = "Salatbar", campaign: str = "canteen", text: str = "") -> dict:
    return {"id": f"submit-{idea_id}", "type": "idea.submitted",
            "target": {"kind": "idea", "id": idea_id, "owner": author}, "time": NOW,
            "data": {"campaign_id": campaign, "title": title, "text": text}}


def contribution(cid: str, idea_id: str, owner: str, text: str = "Og på fredager") -> dict:
    return {"id": f"contrib-{cid}", "type": "idea.contributed",
            "target": {"kind": "idea", "id": idea_id, "owner": owner}, "time": NOW,
            "data": {"contribution_id": cid, "text": text}}


def like_idea(event_id: str, idea_id: str, owner: str, remove: bool = False) -> dict:
    return {**like(event_id, type_="like.removed" if remove else "like.added", time=NOW),
            "target": {"kind": "idea", "id": idea_id, "owner": owner}}


def as_user(client, token, event):
    event = {k: v for k, v in event.items() if k != "actor"}
    return client.post("/v1/events", json=event, headers=bearer(token))


def test_only_leaders_open_campaigns(client, user_token, make_key):
    body = {"question": "Hva nå?"}
    assert client.post("/v1/campaigns", json=body, headers=bearer(user_token("kari"))).status_code == 403
    response = client.post("/v1/campaigns", json=body, headers=bearer(make_key("awards:manage")))
    assert response.status_code == 201 and response.json["id"].startswith("hva-n")
    assert response.json["status"] == "open"


def test_ideas_contributions_and_ranking_by_distinct_colleagues(app, client, campaign, user_token):
    kari, ola, per, siv = (user_token(p) for p in ("kari", "ola", "per", "siv"))
    assert as_user(client, kari, idea("i-salad", "kari", "Salatbar")).status_code == 202
    assert as_user(client, ola, idea("i-hours", "ola", "Lengre åpent")).status_code == 202
    assert as_user(client, ola, contribution("c1", "i-salad", "kari")).status_code == 202
    for n, (token, target, owner, remove) in enumerate([
            (kari, "i-salad", "kari", False),  # the author's own like: not support
            (ola, "i-salad", "kari", False), (per, "i-hours", "ola", False), (siv, "i-hours", "ola", False),
            (per, "i-salad", "kari", False), (per, "i-salad", "kari", True), (per, "i-salad", "kari", False),
            (kari, "i-hours", "ola", False)]):
        event = like_idea(f"lk-{n}", target, owner, remove)
        event["time"] = f"2026-11-23T09:{n:02d}:00+01:00"
        assert as_user(client, token, event).status_code == 202
    drain(app, ("ledger", "recognition", "ideas"))
    body = client.get("/v1/campaigns/canteen", headers=bearer(per)).json
    assert [(i["id"], i["support"]) for i in body["ideas"]] == [("i-hours", 3), ("i-salad", 2)]
    salad = body["ideas"][1]
    assert salad["liked_by_me"] is True and salad["status"] == "new"
    assert [(c["author"], c["text"]) for c in salad["contributions"]] == [("ola", "Og på fredager")]
    newest = client.get("/v1/campaigns/canteen?sort=newest", headers=bearer(per)).json
    assert {i["id"] for i in newest["ideas"]} == {"i-hours", "i-salad"}


def test_closed_campaign_refuses_ideas_and_contributions(app, client, campaign, leader, user_token):
    kari = user_token("kari")
    assert as_user(client, kari, idea("i-1", "kari")).status_code == 202
    drain(app, ("ideas",))
    closed = client.patch("/v1/campaigns/canteen", json={"status": "closed"}, headers=bearer(leader))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    refused = as_user(client, kari, idea("i-2", "kari"))
    assert refused.status_code == 409 and refused.json["errors"][0]["field"] == "data.campaign_id"
    assert as_user(client, user_token("ola"), contribution("c9", "i-1", "kari")).status_code == 409
    unknown = as_user(client, kari, idea("i-3", "kari", campaign="nope"))
    assert unknown.status_code == 409


def test_campaign_past_its_closing_date_is_closed(client, leader, user_token):
    client.post("/v1/campaigns", json={"id": "old", "question": "Sommerfest?",
                                       "closes_at": "2026-06-01T00:00:00+02:00"}, headers=bearer(leader))
    assert client.get("/v1/campaigns/old", headers=bearer(leader)).json["campaign"]["status"] == "closed"
    assert as_user(client, user_token("kari"), idea("i-x", "kari", campaign="old")).status_code == 409


def test_only_the_owner_leader_changes_a_campaign(client, campaign, user_token):
    other_leader = user_token("arne", roles=("leader",))
    assert client.patch("/v1/campaigns/canteen", json={"status": "closed"},
                        headers=bearer(other_leader)).status_code == 403
    assert client.patch("/v1/campaigns/canteen", json={"status": "gone"},
                        headers=bearer(user_token("lena", roles=("leader",)))).status_code == 422


def test_members_cannot_answer_as_leaders(client, campaign, user_token):
    answer = {"id": "ans-1", "type": "idea.answered", "target": {"kind": "idea", "id": "i-1", "owner": "kari"},
              "time": NOW, "data": {"status": "adopted", "note": "Ja!"}}
    assert as_user(client, user_token("kari"), answer).status_code == 403


def test_script_in_texts_is_stored_as_text(app, client, campaign, user_token):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert as_user(client, user_token("kari"), idea("i-evil", "kari", title=evil, text=evil)).status_code == 202
    drain(app, ("ideas",))
    response = client.get("/v1/campaigns/canteen", headers=bearer(user_token("ola")))
    assert response.mimetype == "application/json"
    assert response.json["ideas"][0]["title"] == evil  # the widget renders it with textContent


def test_adoption_credits_author_and_contributors_and_the_summary_shows_it(app, client, campaign, leader,
                                                                         user_token, make_key):
    kari, ola = user_token("kari"), user_token("ola")
    as_user(client, kari, idea("i-salad", "kari"))
    as_user(client, kari, idea("i-quiet", "kari", title="Stille sone"))
    as_user(client, ola, contribution("c1", "i-salad", "kari"))
    as_user(client, ola, like_idea("lk", "i-salad", "kari"))
    adopt = {"id": "adopt-1", "type": "idea.answered", "target": {"kind": "idea", "id": "i-salad", "owner": "kari"},
             "time": "2026-11-23T10:00:00+01:00", "data": {"status": "adopted", "note": "Vi starter i januar."}}
    assert as_user(client, leader, adopt).status_code == 202
    drain(app, ("ledger", "recognition", "ideas"))
    salad = next(i for i in client.get("/v1/campaigns/canteen", headers=bearer(kari)).json["ideas"]
                 if i["id"] == "i-salad")
    assert (salad["status"], salad["answer"], salad["answered_by"]) == ("adopted", "Vi starter i januar.", "lena")
    with app.app_context():
        credits = state(app).db.session.execute(select(IdeaCredit.person, IdeaCredit.role)).all()
    assert sorted(credits) == [("kari", "author"), ("ola", "contributor")]
    summary = client.get("/v1/campaigns/canteen/summary", headers=bearer(leader)).json
    assert summary["participants"] == 2 and summary["unanswered"] == ["i-quiet"]
    assert [i["id"] for i in summary["ideas"]] == ["i-salad", "i-quiet"]
    assert client.get("/v1/campaigns/canteen/summary", headers=bearer(kari)).status_code == 403
