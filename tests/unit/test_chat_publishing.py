"""Publishing to Teams and Slack channels, received by real local HTTP servers: the shape each chat
expects, and nothing the pages they come from would not show."""
from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from engagement.db import utcnow
from engagement.demo import trust_history as trust_org
from engagement.errors import EngagementError
from engagement.state import state
from engagement.webhooks.model import WebhookMessage
from tests.conftest import bearer, drain, migrated_app
from tests.receivers import Receiver, down_url
from tests.unit.test_awards import PEOPLE, TEAMS, october
from tests.unit.test_awards import send as send_events
from tests.unit.test_trust import send_all
from tests.unit.test_webhooks import deliver
from tests.worlds import seeded

ANNOUNCE = "/v1/awards/2026-10/announcement/publish"
SUMMARY = "/v1/trust/summary/publish"


@pytest.fixture
def chats(app):
    """A Teams channel, a Slack channel and one whose server is down, as an operator configures them."""
    with Receiver() as teams, Receiver() as slack:
        app.config["ENGAGEMENT_CHAT_CHANNELS"] = {
            "teams-all": {"kind": "teams", "url": teams.url}, "slack-comms": {"kind": "slack", "url": slack.url},
            "broken": {"kind": "slack", "url": down_url()}}
        yield teams, slack


@pytest.fixture
def leader(client, make_key):
    key = make_key("directory:write", "events:write", "awards:manage")
    people = [{"id": p, "name": p.capitalize(), "team": t, "leaderboard_opt_out": p == "ivar"}
              for p, t in PEOPLE.items()]
    synced = client.post("/v1/directory/sync", json={"mode": "full", "teams": TEAMS, "people": people,
                                                     "as_of": "2026-01-01T00:00:00Z"}, headers=bearer(key))
    assert synced.status_code == 200
    return key


@pytest.fixture
def october_final(app, client, leader):
    send_events(client, leader, october())
    drain(app, ("ledger", "awards"))
    assert client.post("/v1/awards/2026-10/finalise", headers=bearer(leader)).status_code == 201
    return leader


def card_texts(message: dict) -> list[str]:
    """The Adaptive Card's TextBlocks, after checking the Teams Workflows message around it."""
    assert message["type"] == "message" and len(message["attachments"]) == 1
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and tuple(map(int, card["version"].split("."))) >= (1, 4)
    assert all(block["type"] == "TextBlock" and isinstance(block["text"], str) for block in card["body"])
    return [block["text"] for block in card["body"]]


def slack_texts(message: dict) -> list[str]:
    """The Block Kit blocks' texts, after checking the incoming-webhook message around them."""
    assert isinstance(message["text"], str) and message["text"]
    blocks = message["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["type"] == "plain_text"
    assert {b["type"] for b in blocks} <= {"header", "section", "context"}
    return [b["text"]["text"] if "text" in b else b["elements"][0]["text"] for b in blocks]


def test_a_finalised_month_goes_to_teams_as_an_adaptive_card(client, chats, october_final, user_token):
    teams, _ = chats
    answer = client.post(ANNOUNCE, json={"channel": "teams-all", "lang": "nb"},
                         headers=bearer(user_token("lena", roles=("leader",))))
    assert answer.status_code == 201, answer.json
    assert answer.json == {"channel": "teams-all", "kind": "teams", "what": "award:2026-10", "status": 200}
    [got] = teams.received
    texts = card_texts(got.json())
    assert texts[0] == "Månedens bidragsytere – oktober 2026"
    assert "Månedens mest verdsatte kollega" in texts
    assert "- Anna – 2 bidrag, anerkjent av 4 kolleger i 4 team" in texts
    assert "Ivar" not in got.body.decode() and "ivar" not in got.body.decode()  # opted out of public lists
    assert teams.url not in answer.get_data(as_text=True)
    again = client.post(ANNOUNCE, json={"channel": "teams-all"}, headers=bearer(october_final))
    assert again.status_code == 409 and len(teams.received) == 1  # once per channel


def test_someone_who_opts_out_after_finalising_stays_out_of_slack(client, chats, october_final):
    _, slack = chats
    client.post("/v1/directory/sync", json={"mode": "delta", "people": [
        {"id": "anna", "name": "Anna", "team": "A", "leaderboard_opt_out": True}]}, headers=bearer(october_final))
    answer = client.post(ANNOUNCE, json={"channel": "slack-comms", "lang": "en"}, headers=bearer(october_final))
    assert answer.status_code == 201, answer.json
    [got] = slack.received
    texts = slack_texts(got.json())
    assert texts[0] == "Contributors of the month – October 2026"
    assert any(t.startswith("*Best developer of other people's ideas*\n• Eva") for t in texts)
    assert "Anna" not in got.body.decode() and "Ivar" not in got.body.decode()


def test_the_lotterys_winners_go_to_slack_with_the_awards_less_one_who_opted_out_since(app, client, chats,
                                                                                     october_final, user_token):
    from tests.unit.test_lottery import committed
    committed(app)
    record = client.post("/v1/lottery/2026-10/draw", json={"winners": 3},
                         headers=bearer(user_token("lena", roles=("leader",)))).json
    first, *others = [w for w in record["draw"]["winners"]]
    client.post("/v1/directory/sync", json={"mode": "delta", "people": [
        {"id": first["person"], "name": first["name"], "team": PEOPLE[first["person"]], "leaderboard_opt_out": True}]},
        headers=bearer(october_final))
    _, slack = chats
    assert client.post(ANNOUNCE, json={"channel": "slack-comms", "lang": "nn"},
                       headers=bearer(october_final)).status_code == 201
    texts = slack_texts(slack.received[0].json())
    drawn = next(t for t in texts if t.startswith("*Trekt i lotteriet*"))
    assert drawn.split("\n")[1] == "• " + ", ".join(w["name"] for w in others)
    assert record["draw"]["seed"] in drawn and record["commitment"] in drawn


def test_an_unfinalised_month_is_refused(client, chats, leader):
    teams, _ = chats
    answer = client.post(ANNOUNCE, json={"channel": "teams-all"}, headers=bearer(leader))
    assert answer.status_code == 409 and answer.mimetype == "application/problem+json"
    assert teams.received == []


def test_a_channel_that_is_down_answers_502_without_its_address(client, chats, october_final, app):
    answer = client.post(ANNOUNCE, json={"channel": "broken"}, headers=bearer(october_final))
    assert answer.status_code == 502 and answer.mimetype == "application/problem+json"
    text = answer.get_data(as_text=True)
    assert "broken" in text and app.config["ENGAGEMENT_CHAT_CHANNELS"]["broken"]["url"] not in text
    assert "127.0.0.1" not in text
    assert client.post(ANNOUNCE, json={"channel": "teams-all"}, headers=bearer(october_final)).status_code == 201


def test_publishing_is_guarded_like_the_announcement(client, chats, october_final, user_token, make_key):
    teams, _ = chats
    assert client.post(ANNOUNCE, json={"channel": "teams-all"}).status_code == 401
    for who in (user_token("kari"), user_token("kari", roles=("communications",)), make_key("trust:read")):
        answer = client.post(ANNOUNCE, json={"channel": "teams-all"}, headers=bearer(who))
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert teams.received == []


@pytest.mark.parametrize(("body", "fields"), [
    ({"channel": "nowhere"}, ["channel"]),
    ({"channel": "teams-all", "lang": "sv"}, ["lang"]),
    ({}, ["channel"]),
    ({"channel": "teams-all", "url": "http://elsewhere.example"}, ["url"]),
])
def test_bad_publish_bodies_name_the_field(client, chats, october_final, body, fields):
    answer = client.post(ANNOUNCE, json=body, headers=bearer(october_final))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert [e["field"] for e in answer.json["errors"]] == fields
    assert chats[0].received == [] and chats[1].received == []
    for url in (chats[0].url, chats[1].url):  # a channel's address is never answered
        assert url not in answer.get_data(as_text=True)


@pytest.fixture
def trust_world(app, client, make_key, worlds):
    def seed():
        admin = make_key("directory:write", "events:write")
        assert client.post("/v1/directory/sync", json=trust_org.directory(), headers=bearer(admin)).status_code == 200
        send_all(client, admin, trust_org.events())
        drain(app, ("ledger", "trust"))
        return make_key("trust:read", "audit:read", name="kommunikasjon")
    return seeded(app, worlds, "trust", seed)


FLAGGED = {"Stilnet": "Sharing is declining", "Båret": "Resting on one person", "Tause ledere": "Quiet leaders",
           "Siloen": "Silo", "Lavt": "Little sharing", "Idéteamet": "Unanswered ideas"}


def test_a_trust_summary_in_slack_folds_small_teams_as_the_report_does(client, trust_world, chats, user_token):
    _, slack = chats
    answer = client.post(SUMMARY, json={"channel": "slack-comms", "period": "2026-10", "lang": "en"},
                         headers=bearer(user_token("siri", roles=("communications",))))
    assert answer.status_code == 201, answer.json
    [got] = slack.received
    texts = slack_texts(got.json())
    assert texts[0].replace("\u2009", " ") == "Trust signals – Oct 1 – 31, 2026"  # dates, not the code
    sections = {t.split("*")[1]: t for t in texts if t.startswith("*")}
    assert set(sections) == set(FLAGGED)  # the flagged groups, healthy ones and units not at all
    for team, title in FLAGGED.items():
        assert f"• {title}: " in sections[team] and "Suggested action: " in sections[team]
    report = client.get("/v1/trust/report?period=2026-10&lang=en", headers=bearer(trust_world)).json
    rows = {row["name"]: row for row in report["teams"]}
    for team in FLAGGED:  # the same reasons the report page gives, made by the same function
        assert all(flag["reason"] in sections[team] for flag in rows[team]["flags"])
    body = got.body.decode()
    assert "Lite team" not in body and "tiny" not in body  # folded into its parent, never named alone
    assert texts[-1].startswith("Teams with fewer than 5 people are counted in their parent unit")
    people = [p["id"] for p in trust_org.directory()["people"]]
    assert not [p for p in people if p in body]
    views = client.get("/v1/trust/audit", headers=bearer(trust_world)).json["views"]
    assert views[1]["who"] == "user:siri" and views[1]["view"] == "chat:slack-comms"


def test_a_trust_summary_in_teams_with_a_key_and_in_norwegian(client, trust_world, chats):
    teams, _ = chats
    answer = client.post(SUMMARY, json={"channel": "teams-all", "period": "2026-10"}, headers=bearer(trust_world))
    assert answer.status_code == 201, answer.json
    texts = card_texts(teams.received[0].json())
    assert texts[0].replace("\u2009", " ") == "Tillitssignaler – 1.–31. okt. 2026" and "Siloen" in texts
    assert "Lite team" not in teams.received[0].body.decode()


def test_a_trust_summary_needs_the_report_readers_right(client, trust_world, chats, user_token, make_key):
    assert client.post(SUMMARY, json={"channel": "teams-all"}).status_code == 401
    for who in (user_token("kari", roles=("leader",)), make_key("awards:manage")):
        assert client.post(SUMMARY, json={"channel": "teams-all"}, headers=bearer(who)).status_code == 403
    bad = client.post(SUMMARY, json={"channel": "teams-all", "period": "last year"}, headers=bearer(trust_world))
    assert bad.status_code == 422 and [e["field"] for e in bad.json["errors"]] == ["period"]
    assert chats[0].received == []


def test_a_finalised_month_goes_out_as_a_signed_webhook_once(app, client, leader, make_key):
    app.config["ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE"] = True
    owner = make_key("webhooks:manage", name="intranet")
    with Receiver() as receiver:
        made = client.post("/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["award.finalised"]},
                           headers=bearer(owner)).json
        send_events(client, leader, october())
        drain(app, ("ledger", "awards", "webhooks"))
        assert deliver(app)["delivered"] == 0  # nothing final yet
        assert client.post("/v1/awards/2026-10/finalise", headers=bearer(leader)).status_code == 201
        assert deliver(app)["delivered"] == 1
        for days in (1, 40, 80):  # delivered, then pruned from the log: never sent again
            deliver(app, utcnow() + timedelta(days=days))
    [got] = receiver.received
    payload = Webhook(made["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "award.finalised" and payload["data"]["month"] == "2026-10"
    assert payload["data"]["categories"]["appreciated"][0] == {"rank": 1, "person": "anna", "name": "Anna"}
    assert "ivar" not in got.body.decode().lower() and "score" not in got.body.decode()


def test_a_finalised_month_sends_no_one_erased_or_opted_out_after_it_was_enqueued(app, client, leader, make_key):
    """The message waits (its receiver is down); meanwhile one winner is erased and another opts
    out. Neither is in the outbox while it waits, nor in what is finally sent."""
    app.config["ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE"] = True
    owner = make_key("webhooks:manage", name="intranet")
    with Receiver(statuses=[503, 200]) as receiver:
        made = client.post("/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["award.finalised"]},
                           headers=bearer(owner)).json
        send_events(client, leader, october())
        drain(app, ("ledger", "awards", "webhooks"))
        assert client.post("/v1/awards/2026-10/finalise", headers=bearer(leader)).status_code == 201
        assert deliver(app)["retrying"] == 1
        first = receiver.received[0].body.decode()
        assert "Anna" in first and "Eva" in first  # the winners, as the month was finalised
        assert client.post("/v1/directory/people/anna/erase", headers=bearer(leader)).status_code == 200
        client.post("/v1/directory/sync", json={"mode": "delta", "people": [
            {"id": "eva", "name": "Eva", "team": "A", "leaderboard_opt_out": True}]}, headers=bearer(leader))
        with Session(state(app).engine) as session:
            [waiting] = session.scalars(select(WebhookMessage.body)).all()
        assert "Anna" not in waiting and "anna" not in waiting and "Eva" not in waiting
        assert deliver(app, utcnow() + timedelta(hours=2))["delivered"] == 1
    got = receiver.received[1]
    payload = Webhook(made["secret"]).verify(got.body, got.headers)
    assert payload["data"]["month"] == "2026-10"
    assert got.headers["webhook-id"] == receiver.received[0].headers["webhook-id"]
    people = [p for podium in payload["data"]["categories"].values() for p in podium] + payload["data"]["threshold"]
    assert people and not {"anna", "eva"} & {p["person"] for p in people}
    assert not any(p["person"].startswith("erased-") for p in people)  # nor as the pseudonym erasure left
    assert not {"Anna", "Eva"} & {p["name"] for p in people}


def test_a_month_is_announced_once_even_by_two_requests_at_the_same_time(app, client, october_final):
    """The first post is held at the channel until the second request has been answered."""
    second_answered, received = threading.Event(), []

    class Held(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            second_answered.wait(10)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Held)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["ENGAGEMENT_CHAT_CHANNELS"] = {"held": {"kind": "slack",
                                                       "url": f"http://127.0.0.1:{server.server_address[1]}/x"}}
    answers: list[int] = []
    first = threading.Thread(target=lambda: answers.append(
        app.test_client().post(ANNOUNCE, json={"channel": "held"}, headers=bearer(october_final)).status_code))
    try:
        first.start()
        while not received and first.is_alive():
            second_answered.wait(0.05)
        second = client.post(ANNOUNCE, json={"channel": "held"}, headers=bearer(october_final))
        second_answered.set()
        first.join()
    finally:
        server.shutdown()
        server.server_close()
    assert answers == [201] and second.status_code == 409 and len(received) == 1


def test_a_failed_post_leaves_the_month_free_to_announce_again(client, chats, october_final):
    for _ in range(2):
        assert client.post(ANNOUNCE, json={"channel": "broken"}, headers=bearer(october_final)).status_code == 502


def test_a_channel_address_with_a_space_stops_the_start(sqlite_template, tmp_path):
    channels = {"bad": {"kind": "slack", "url": "https://hooks.example/services/T/B/SE CRET"}}
    with pytest.raises(EngagementError) as refused:
        migrated_app(sqlite_template, tmp_path, ENGAGEMENT_CHAT_CHANNELS=channels)
    assert "'bad'" in str(refused.value) and "CRET" not in str(refused.value)


def test_a_channel_address_that_cannot_be_requested_answers_a_problem_without_it(client, october_final, app,
                                                                                caplog):
    app.config["ENGAGEMENT_CHAT_CHANNELS"] = {"bad": {"kind": "slack", "url": "http://127.0.0.1:9/T/B/SE\tCRET"}}
    answer = client.post(ANNOUNCE, json={"channel": "bad"}, headers=bearer(october_final))
    assert answer.status_code == 500 and answer.mimetype == "application/problem+json"
    assert "CRET" not in answer.get_data(as_text=True) and "CRET" not in caplog.text
