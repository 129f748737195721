"""Signed outbound webhooks against real HTTP receivers that verify with the Standard Webhooks library."""
from __future__ import annotations

import json
import random
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from engagement.db import utcnow
from engagement.events import Event
from engagement.state import state
from engagement.webhooks import sender
from engagement.webhooks.events import public_id
from engagement.webhooks.model import WebhookMessage
from engagement.webhooks.service import Settings
from engagement.workers import ConsumerThreads
from tests.conftest import bearer, drain
from tests.receivers import Receiver, down_url

SUBSCRIPTIONS = "/v1/webhooks/subscriptions"
PEOPLE = [{"id": "kari", "name": "Kari Nordmann", "team": "T"}, {"id": "ola", "name": "Ola", "team": "T"},
          {"id": "ivar", "name": "Ivar Hemmelig", "team": "T", "leaderboard_opt_out": True}]


@pytest.fixture
def local(app):
    """The receivers run on 127.0.0.1, which Tillit refuses by default (SSRF)."""
    app.config["ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE"] = True
    return app


@pytest.fixture
def owner(client, make_key):
    return make_key("webhooks:manage", name="intranet")


@pytest.fixture
def writer(client, make_key):
    key = make_key("events:write", "directory:write", name="backend")
    assert client.post("/v1/directory/sync", json={"mode": "full", "teams": [{"id": "T", "name": "T", "parent": None}],
                                                   "people": PEOPLE}, headers=bearer(key)).status_code == 200
    return key


def subscribe(client, key, url, *types):
    response = client.post(SUBSCRIPTIONS, json={"url": url, "event_types": list(types or ("idea.submitted",))},
                           headers=bearer(key))
    assert response.status_code == 201, response.json
    return response.json


def idea(idea_id="i-1", actor="kari"):
    return {"id": f"submit-{idea_id}", "type": "idea.submitted", "actor": actor,
            "target": {"kind": "idea", "id": idea_id, "owner": actor}, "time": utcnow().isoformat() + "Z",
            "source": "tests", "data": {"title": "Salad bar", "text": "Kari's secret idea"}}


def kudos(event_id, giver, recipient, message="Takk!"):
    return {"id": event_id, "type": "kudos.given", "actor": giver, "time": utcnow().isoformat() + "Z",
            "target": {"kind": "person", "id": recipient, "owner": recipient}, "source": "tests",
            "data": {"message": message}}


def send(client, key, *events):
    response = client.post("/v1/events/batch", json={"events": list(events)}, headers=bearer(key))
    assert response.status_code == 202, response.json


def deliver(app, now=None):
    """One pass of the sender, as the thread beside the consumers runs it."""
    st = state(app)
    with Session(st.engine) as session:
        return sender.run_once(session, Settings.from_config(st.config), st.config["ENGAGEMENT_PUBLIC_RANKING"],
                               now, random.Random(7))


def log(client, key, subscription):
    response = client.get(f"{SUBSCRIPTIONS}/{subscription['id']}/deliveries", headers=bearer(key))
    assert response.status_code == 200, response.json
    return response.json["messages"]


def test_a_delivered_event_verifies_and_says_nothing_private(local, client, owner, writer):
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        assert made["secret"].startswith("whsec_")
        send(client, writer, idea())
        drain(local, ("ledger", "webhooks"))
        assert deliver(local) == {"delivered": 1, "retrying": 0, "failed": 0}
    [got] = receiver.received
    payload = Webhook(made["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "idea.submitted" and payload["id"] == public_id("submit-i-1")
    assert payload["data"] == {"idea": "i-1", "campaign": None}
    assert b"kari" not in got.body and b"Salad" not in got.body and b"secret idea" not in got.body
    [message] = log(client, owner, made)
    assert message["id"] == got.headers["webhook-id"] and message["status"] == "delivered"
    assert [(a["outcome"], a["response_code"]) for a in message["attempts"]] == [("delivered", 200)]
    listed = client.get(SUBSCRIPTIONS, headers=bearer(owner)).json["subscriptions"]
    assert [s["id"] for s in listed] == [made["id"]] and "secret" not in listed[0]


def test_an_idea_sent_from_a_widget_does_not_name_its_author(local, client, owner, writer, user_token):
    """A widget's event is stored under an id that carries its sender ("~kari~..."): the id a
    receiver sees is opaque, so the author the body leaves out is not in it either."""
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        answer = client.post("/v1/events", json={k: v for k, v in idea("i-9").items() if k != "actor"},
                             headers=bearer(user_token("kari")))
        assert answer.status_code == 202, answer.json
        drain(local, ("ledger", "webhooks"))
        assert deliver(local)["delivered"] == 1
    [got] = receiver.received
    payload = Webhook(made["secret"]).verify(got.body, got.headers)
    assert payload["data"]["idea"] == "i-9" and b"kari" not in got.body.lower(), got.body


def test_an_event_seen_twice_is_enqueued_once(local, client, owner, writer):
    made = subscribe(client, owner, "http://127.0.0.1:9/never", "idea.submitted")
    st = state(local)
    model = st.read_model("webhooks")
    event = Event.from_wire(json.dumps({**idea(), "received_at": utcnow().isoformat() + "+00:00"}).encode())
    for _ in range(2):  # a batch retried after a crash, or a replay: the outbox keeps one
        with Session(st.engine) as session, session.begin():
            model.apply(session, [(event, None)])
    with Session(st.engine) as session:
        rows = session.scalars(select(WebhookMessage).where(WebhookMessage.subscription_id == made["id"])).all()
    assert [r.event_id for r in rows] == ["submit-i-1"]


def test_a_receiver_failing_twice_gets_three_attempts_with_one_webhook_id(local, client, owner, writer):
    with Receiver(statuses=[500, 503, 204]) as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        send(client, writer, idea())
        drain(local, ("ledger", "webhooks"))
        start = utcnow()
        assert deliver(local, start)["retrying"] == 1
        [message] = log(client, owner, made)
        wait = datetime.fromisoformat(message["next_attempt_at"][:-1]) - start
        assert timedelta(seconds=15) <= wait <= timedelta(seconds=30)  # the first backoff, with jitter
        assert deliver(local, start + timedelta(seconds=10))["retrying"] == 0  # not due yet: nothing sent
        assert deliver(local, start + timedelta(minutes=1))["retrying"] == 1
        assert deliver(local, start + timedelta(minutes=5))["delivered"] == 1
    ids = {got.headers["webhook-id"] for got in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1
    for got in receiver.received:
        assert Webhook(made["secret"]).verify(got.body, got.headers)["data"]["idea"] == "i-1"
    [message] = log(client, owner, made)
    assert message["status"] == "delivered" and message["next_attempt_at"] is None
    assert [(a["outcome"], a["response_code"]) for a in message["attempts"]] == [
        ("retrying", 500), ("retrying", 503), ("delivered", 204)]


def test_a_receiver_that_is_down_is_marked_failed_after_the_cap(local, client, owner, writer):
    local.config["ENGAGEMENT_WEBHOOK_MAX_ATTEMPTS"] = 3
    made = subscribe(client, owner, down_url(), "idea.submitted")
    send(client, writer, idea())
    drain(local, ("ledger", "webhooks"))
    now, outcomes = utcnow(), []
    for hour in range(5):
        outcomes.append(deliver(local, now + timedelta(hours=hour)))
    assert [o["retrying"] for o in outcomes] == [1, 1, 0, 0, 0] and [o["failed"] for o in outcomes] == [0, 0, 1, 0, 0]
    [message] = log(client, owner, made)
    assert message["status"] == "failed"
    assert [a["outcome"] for a in message["attempts"]] == ["retrying", "retrying", "failed"]
    assert all(a["response_code"] is None and "Refused" in a["error"] for a in message["attempts"])
    assert all("127.0.0.1" not in a["error"] for a in message["attempts"])  # no address in the log


def test_redelivery_sends_the_same_message_id_again(local, client, owner, writer):
    with Receiver(statuses=[200]) as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        send(client, writer, idea())
        drain(local, ("ledger", "webhooks"))
        deliver(local)
        [message] = log(client, owner, made)
        again = client.post(f"{SUBSCRIPTIONS}/{made['id']}/deliveries/{message['id']}/redeliver", headers=bearer(owner))
        assert again.status_code == 202 and again.json["status"] == "pending"
        deliver(local)
    assert [r.headers["webhook-id"] for r in receiver.received] == [message["id"]] * 2
    assert len(log(client, owner, made)[0]["attempts"]) == 2


def test_a_forged_or_altered_payload_fails_verification(local, client, owner, writer):
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        send(client, writer, idea())
        drain(local, ("ledger", "webhooks"))
        deliver(local)
    [got] = receiver.received
    verifier = Webhook(made["secret"])
    assert verifier.verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(got.body.replace(b"i-1", b"i-2"), got.headers)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(got.body, {**got.headers, "webhook-id": "msg_other"})
    with pytest.raises(WebhookVerificationError):  # signed by anyone else
        Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=").verify(got.body, got.headers)


def test_kudos_go_out_only_between_people_who_allow_public_lists(local, client, owner, writer):
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "kudos.given", "idea.submitted")
        send(client, writer, kudos("k-1", "kari", "ola"), kudos("k-2", "kari", "ivar"), kudos("k-3", "ivar", "ola"))
        drain(local, ("ledger", "webhooks"))
        assert deliver(local)["delivered"] == 1
    [got] = receiver.received
    payload = Webhook(made["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "kudos.given" and payload["data"] == {
        "from": {"id": "kari", "name": "Kari Nordmann"}, "to": {"id": "ola", "name": "Ola"}}
    assert b"Takk" not in got.body  # the Bra!'s own words stay between the two
    assert [m["event_id"] for m in log(client, owner, made)] == ["k-1"]


def test_a_subscription_made_after_an_event_does_not_get_it(local, client, owner, writer):
    send(client, writer, idea("i-old"))
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        drain(local, ("ledger", "webhooks"))
        deliver(local)
    assert receiver.received == [] and log(client, owner, made) == []


def test_disabling_stops_sending_and_deleting_forgets(local, client, owner, writer):
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        assert client.post(f"{SUBSCRIPTIONS}/{made['id']}/disable", headers=bearer(owner)).json["disabled"] is True
        send(client, writer, idea())
        drain(local, ("ledger", "webhooks"))
        deliver(local)
        assert receiver.received == []
    assert client.delete(f"{SUBSCRIPTIONS}/{made['id']}", headers=bearer(owner)).status_code == 204
    assert client.get(f"{SUBSCRIPTIONS}/{made['id']}/deliveries", headers=bearer(owner)).status_code == 404


def test_subscriptions_belong_to_a_key_with_the_scope(local, client, owner, make_key, user_token):
    made = subscribe(client, owner, "http://127.0.0.1:9/hook")
    other = make_key("webhooks:manage", name="another-intranet")
    assert client.get(f"{SUBSCRIPTIONS}/{made['id']}/deliveries", headers=bearer(other)).status_code == 404
    assert client.delete(f"{SUBSCRIPTIONS}/{made['id']}", headers=bearer(other)).status_code == 404
    assert client.get(SUBSCRIPTIONS, headers=bearer(other)).json["subscriptions"] == []
    assert client.get(SUBSCRIPTIONS).status_code == 401
    for who in (make_key("events:write"), user_token("kari", roles=("leader", "communications"))):
        answer = client.post(SUBSCRIPTIONS, json={"url": "http://127.0.0.1:9/h", "event_types": ["idea.submitted"]},
                             headers=bearer(who))
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json"


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://intranet.example/hook", "event_types": ["idea.submitted"]}, "url"),
    ({"url": "file:///etc/passwd", "event_types": ["idea.submitted"]}, "url"),
    ({"url": "http://user:pw@intranet.example/hook", "event_types": ["idea.submitted"]}, "url"),
    ({"url": "http://127.0.0.1:9/hook", "event_types": ["like.added"]}, "event_types.0"),
    ({"url": "http://127.0.0.1:9/hook", "event_types": []}, "event_types"),
    ({"event_types": ["idea.submitted"]}, "url"),
    ({"url": "http://[not-an-address/hook", "event_types": ["idea.submitted"]}, "url"),
    ({"url": "http://intranet.example:port/hook", "event_types": ["idea.submitted"]}, "url"),
])
def test_bad_subscriptions_answer_a_problem_naming_the_field(local, client, owner, body, field):
    answer = client.post(SUBSCRIPTIONS, json=body, headers=bearer(owner))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert [e["field"] for e in answer.json["errors"]] == [field]
    assert client.get(SUBSCRIPTIONS, headers=bearer(owner)).json["subscriptions"] == []  # nothing half-made


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                                 "http://[::1]/hook", "http://localhost/hook"])
def test_addresses_inside_the_network_are_refused_by_default(client, owner, url):
    answer = client.post(SUBSCRIPTIONS, json={"url": url, "event_types": ["idea.submitted"]}, headers=bearer(owner))
    assert answer.status_code == 422 and answer.json["errors"][0]["field"] == "url"


def test_an_allow_list_of_hosts(local, client, owner):
    local.config["ENGAGEMENT_WEBHOOK_ALLOWED_HOSTS"] = ["*.intranet.example", "127.0.0.1"]
    assert client.post(SUBSCRIPTIONS, json={"url": "https://evil.example/h", "event_types": ["idea.submitted"]},
                       headers=bearer(owner)).status_code == 422
    subscribe(client, owner, "http://127.0.0.1:9/hook")


def test_backoff_doubles_to_the_cap_with_jitter():
    settings, rng = Settings(backoff=30, backoff_cap=3600), random.Random(1)
    waits = [sender.backoff(n, settings, rng) for n in range(1, 10)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(3600, 30 * 2 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert max(waits) <= 3600


def test_erasing_a_person_deletes_the_messages_that_name_them(local, client, owner, writer):
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "kudos.given", "idea.submitted")
        send(client, writer, kudos("k-1", "kari", "ola"), idea("i-9", actor="ola"))
        drain(local, ("ledger", "webhooks"))
        deliver(local)
    assert sorted(m["event_type"] for m in log(client, owner, made)) == ["idea.submitted", "kudos.given"]
    assert client.post("/v1/directory/people/kari/erase", headers=bearer(writer)).status_code == 200
    assert [m["event_type"] for m in log(client, owner, made)] == ["idea.submitted"]


def test_the_sender_runs_where_the_consumers_run(local, client, owner, writer):
    """``engagement serve`` and ``engagement consume`` run ConsumerThreads: with the webhooks read
    model among them, its sender delivers without anything else being started."""
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        workers = ConsumerThreads(local, ["ledger", "webhooks"]).start()
        try:
            send(client, writer, idea())
            arrived = threading.Event()
            while not arrived.is_set() and workers.alive():
                arrived.wait(0.1) if not receiver.received else arrived.set()
        finally:
            workers.stop()
        assert not ConsumerThreads(local, ["ledger"]).sender  # no outbox, no sender
    [got] = receiver.received
    assert Webhook(made["secret"]).verify(got.body, got.headers)["data"]["idea"] == "i-1"


def test_one_receiver_that_is_down_does_not_hold_up_another(local, client, owner, writer):
    with Receiver() as receiver:
        down = subscribe(client, owner, down_url(), "idea.submitted")
        up = subscribe(client, owner, receiver.url, "idea.submitted")
        send(client, writer, *[idea(f"i-{n}") for n in range(30)])
        drain(local, ("ledger", "webhooks"))
        first = deliver(local)
    assert first["retrying"] == sender.PER_SUBSCRIPTION and first["delivered"] == sender.PER_SUBSCRIPTION
    assert len({r.headers["webhook-id"] for r in receiver.received}) == sender.PER_SUBSCRIPTION
    assert sum(1 for m in log(client, owner, down) if m["attempts"]) == sender.PER_SUBSCRIPTION
    assert sum(1 for m in log(client, owner, up) if m["status"] == "delivered") == sender.PER_SUBSCRIPTION
