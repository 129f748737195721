"""No pre-moderation: reports hide for review; authors edit only briefly."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engagement.ledger import service as ingest
from tests.conftest import bearer, drain
from tests.unit.test_campaigns import NOW, as_user, idea


def titles(client, token) -> list[str]:
    return [i["title"] for i in client.get("/v1/campaigns/canteen", headers=bearer(token)).json["ideas"]]


def edit(idea_id: str, author: str, minutes: int, title: str) -> dict:
    return {"id": f"edit-{idea_id}-{minutes}", "type": "idea.edited",
            "target": {"kind": "idea", "id": idea_id, "owner": author},
            "time": f"2026-11-23T09:{minutes:02d}:00+01:00", "data": {"title": title}}


def test_a_report_hides_an_idea_until_a_moderator_decides(app, client, campaign, user_token, make_key):
    kari, ola = user_token("kari"), user_token("ola")
    as_user(client, kari, idea("i-1", "kari", title="Salatbar"))
    as_user(client, kari, idea("i-2", "kari", title="Noe frekt"))
    drain(app, ("ideas",))
    report = {"id": "rep-1", "type": "content.reported", "target": {"kind": "idea", "id": "i-2", "owner": "kari"},
              "time": NOW, "data": {"reason": "Personangrep"}}
    assert as_user(client, ola, report).status_code == 202
    assert as_user(client, ola, {**report, "id": "rep-1b"}).status_code == 202  # the same person again
    as_user(client, user_token("siri"), {**report, "id": "rep-1c"})
    drain(app, ("ideas",))
    assert sorted(titles(client, ola)) == ["Noe frekt", "Salatbar"]  # two people are not enough
    below = client.get("/v1/moderation/reports", headers=bearer(make_key("moderation:manage"))).json["items"]
    assert below == [{"target": {"kind": "idea", "id": "i-2"}, "reporters": 2, "hidden": False, "reports_to_hide": 3,
                      "reasons": ["Personangrep"],  # what a moderator decides on, not just its id
                      "content": {"title": "Noe frekt", "text": "", "author": None, "team": None,
                                  "written_at": "2026-11-23T08:00:00Z", "idea": "Noe frekt",
                                  "campaign": "Hvordan bør kantina bli?"}}]
    as_user(client, user_token("jon"), {**report, "id": "rep-1d"})
    drain(app, ("ideas",))
    assert titles(client, ola) == ["Salatbar"]
    decision = {"id": "mod-1", "type": "content.moderated", "actor": "admin",
                "target": {"kind": "idea", "id": "i-2", "owner": "kari"}, "time": NOW, "data": {"decision": "restored"}}
    assert as_user(client, ola, decision).status_code == 403  # people cannot moderate
    assert client.post("/v1/events", json=decision, headers=bearer(make_key("events:write"))).status_code == 403
    moderator = make_key("moderation:manage")
    queue = client.get("/v1/moderation/reports", headers=bearer(moderator)).json["reports"]
    assert sorted((r["target"]["id"], r["reporter"]) for r in queue) == [  # all sent at one time
        ("i-2", "jon"), ("i-2", "ola"), ("i-2", "ola"), ("i-2", "siri")]
    assert client.get("/v1/moderation/reports", headers=bearer(ola)).status_code == 403
    assert client.post("/v1/events", json=decision, headers=bearer(moderator)).status_code == 202
    again = {**report, "id": "rep-2"}
    as_user(client, user_token("per"), again)  # a restored idea is not hidden by further reports
    drain(app, ("ideas",))
    assert sorted(titles(client, ola)) == ["Noe frekt", "Salatbar"]
    assert client.get("/v1/moderation/reports", headers=bearer(moderator)).json["reports"] == [
        {"target": {"kind": "idea", "id": "i-2"}, "reporter": "per", "reason": "Personangrep",
         "reported_at": "2026-11-23T08:00:00Z"}]


def received_at(monkeypatch, minutes: int) -> None:
    """The service's receive clock at 09:00 + ``minutes`` on the day of NOW (the client's times are separate)."""
    moment = datetime(2026, 11, 23, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    monkeypatch.setattr(ingest, "received_now", lambda: moment)



def test_the_queue_gives_every_open_reports_reason_whatever_the_page_size(app, client, campaign, user_token, make_key):
    """The reasons, like the count of reporters, come from all open reports of the item, not only
    from the reports that happen to fall on the page asked for."""
    as_user(client, user_token("kari"), idea("i-9", "kari", title="Noe frekt"))
    drain(app, ("ideas",))
    for n, (who, why) in enumerate((("ola", "Personangrep"), ("siri", "Reklame"))):
        as_user(client, user_token(who), {"id": f"rep-9{n}", "type": "content.reported", "time": NOW,
                                          "target": {"kind": "idea", "id": "i-9", "owner": "kari"},
                                          "data": {"reason": why}})
    drain(app, ("ideas",))
    page = client.get("/v1/moderation/reports?per_page=1", headers=bearer(make_key("moderation:manage"))).json
    assert len(page["reports"]) == 1 and page["more"] is True
    assert [(i["reporters"], i["reasons"]) for i in page["items"]] == [(2, ["Personangrep", "Reklame"])]

def test_authors_edit_within_the_window_and_nobody_else(app, client, campaign, user_token, monkeypatch):
    kari, ola = user_token("kari"), user_token("ola")
    received_at(monkeypatch, 0)
    as_user(client, kari, idea("i-1", "kari", title="Salatbar"))  # submitted 09:00
    drain(app, ("ideas",))
    received_at(monkeypatch, 10)
    assert as_user(client, kari, edit("i-1", "kari", 10, "Salatbar og suppe")).status_code == 202
    assert as_user(client, ola, edit("i-1", "kari", 11, "Kapret")).status_code == 422  # owner must be actor
    assert as_user(client, ola, edit("i-1", "ola", 12, "Kapret")).status_code == 403  # and the author
    received_at(monkeypatch, 30)
    late = as_user(client, kari, edit("i-1", "kari", 30, "For sent"))
    assert late.status_code == 409 and late.json["errors"][0]["field"] == "time"
    drain(app, ("ideas",))
    ideas = client.get("/v1/campaigns/canteen", headers=bearer(ola)).json["ideas"]
    assert (ideas[0]["title"], ideas[0]["edited"]) == ("Salatbar og suppe", True)


def test_a_back_dated_edit_after_the_window_is_refused(app, client, campaign, user_token, monkeypatch):
    """The window counts from when the service received the idea to when it receives the edit."""
    kari = user_token("kari")
    received_at(monkeypatch, 0)
    as_user(client, kari, idea("i-1", "kari", title="Salatbar"))
    drain(app, ("ideas",))
    received_at(monkeypatch, 45)
    back_dated = as_user(client, kari, edit("i-1", "kari", 5, "Skrevet om etterpå"))
    assert back_dated.status_code == 409
    drain(app, ("ideas",))
    assert titles(client, kari) == ["Salatbar"]


def test_the_consumer_counts_the_window_from_receipt_too(app, client, campaign, user_token, monkeypatch):
    """An edit sent before the API knew the idea cannot be checked there; the ideas consumer refuses
    it by the receive times, whatever ``time`` the client wrote."""
    kari = user_token("kari")
    received_at(monkeypatch, 0)
    as_user(client, kari, idea("i-1", "kari", title="Salatbar"))
    received_at(monkeypatch, 45)
    assert as_user(client, kari, edit("i-1", "kari", 5, "Skrevet om etterpå")).status_code == 202
    drain(app, ("ideas",))
    assert titles(client, kari) == ["Salatbar"]
