"""Outbound webhooks against what a careless or hostile key holder or receiver may do: share a key's
name, hand in an address that cannot be requested, answer a byte at a time, point inside the network."""
from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from engagement import migrate
from engagement.cli import engagement_commands
from engagement.db import utcnow
from engagement.state import state
from engagement.webhooks import sender
from engagement.webhooks.model import WebhookMessage, WebhookSubscription
from engagement.webhooks.post import post
from engagement.workers import ConsumerThreads
from tests.conftest import bearer, drain
from tests.receivers import Receiver
from tests.unit.test_webhooks import SUBSCRIPTIONS, deliver, idea, log, send, subscribe

SECRET = "SECRETTOKEN"


@pytest.fixture
def local(app):
    app.config["ENGAGEMENT_WEBHOOK_ALLOW_PRIVATE"] = True
    return app


@pytest.fixture
def owner(make_key):
    return make_key("webhooks:manage", name="intranet")


@pytest.fixture
def writer(client, make_key):
    key = make_key("events:write", "directory:write", name="backend")
    assert client.post("/v1/directory/sync", json={"mode": "full", "teams": [{"id": "T", "name": "T", "parent": None}],
                                                   "people": [{"id": "kari", "name": "Kari", "team": "T"}]},
                       headers=bearer(key)).status_code == 200
    return key


def test_another_key_of_the_same_name_sees_nothing(local, client, owner, make_key):
    made = subscribe(client, owner, "http://127.0.0.1:9/hook", "idea.submitted")
    namesake = make_key("webhooks:manage", name="intranet")
    assert client.get(SUBSCRIPTIONS, headers=bearer(namesake)).json == {"subscriptions": []}
    for method, path in (("get", f"{SUBSCRIPTIONS}/{made['id']}/deliveries"),
                         ("post", f"{SUBSCRIPTIONS}/{made['id']}/disable"),
                         ("delete", f"{SUBSCRIPTIONS}/{made['id']}")):
        assert getattr(client, method)(path, headers=bearer(namesake)).status_code == 404
    assert [s["id"] for s in client.get(SUBSCRIPTIONS, headers=bearer(owner)).json["subscriptions"]] == [made["id"]]


def test_revoking_a_key_stops_its_subscriptions(local, client, owner, writer):
    with Receiver() as receiver:
        made = subscribe(client, owner, receiver.url, "idea.submitted")
        send(client, writer, idea("i-1"))
        drain(local, ("ledger", "webhooks"))
        done = local.test_cli_runner().invoke(engagement_commands, ["keys", "revoke", owner[4:12]])
        assert done.exit_code == 0, done.output
        send(client, writer, idea("i-2"))
        drain(local, ("ledger", "webhooks"))
        deliver(local)
        later = client.post(SUBSCRIPTIONS, json={"url": receiver.url, "event_types": ["idea.submitted"]},
                            headers=bearer(owner))  # the key is still in the 30-second cache
    assert receiver.received == [] and later.status_code == 401
    with Session(state(local).engine) as session:
        assert session.get(WebhookSubscription, made["id"]).disabled_at is not None
        assert set(session.scalars(select(WebhookMessage.status))) == {"failed"}


@pytest.mark.parametrize("url", [f"https://8.8.8.8/a b?token={SECRET}", f"https://8.8.8.8/x?token=SEC\u00a0{SECRET}",
                                 f"https://8.8.8.8/x\x7f?t={SECRET}", f"https://8.8.8.8/hook/{SECRET}\n",
                                 "https://bücher.example/hook"])
def test_an_address_with_a_space_or_control_character_is_refused(client, owner, url):
    answer = client.post(SUBSCRIPTIONS, json={"url": url, "event_types": ["idea.submitted"]}, headers=bearer(owner))
    assert answer.status_code == 422 and [e["field"] for e in answer.json["errors"]] == ["url"]
    assert SECRET not in answer.get_data(as_text=True)


@pytest.mark.parametrize("url", ["http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/",
                                 "http://[::ffff:10.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
                                 "http://8.8.8.8:22/", "https://8.8.8.8:5432/"])
def test_ipv6_forms_of_inside_addresses_and_other_ports_are_refused(client, owner, url):
    answer = client.post(SUBSCRIPTIONS, json={"url": url, "event_types": ["idea.submitted"]}, headers=bearer(owner))
    assert answer.status_code == 422 and [e["field"] for e in answer.json["errors"]] == ["url"]


def test_public_addresses_on_the_usual_ports_are_taken(client, owner):
    for url in ("https://8.8.8.8/hook", "http://8.8.8.8:80/hook", "https://[2606:4700:4700::1111]:443/hook"):
        assert client.post(SUBSCRIPTIONS, json={"url": url, "event_types": ["idea.submitted"]},
                           headers=bearer(owner)).status_code == 201


def test_a_stored_address_that_cannot_be_requested_is_logged_not_stuck(local, client, owner, writer, caplog):
    """A row from before the check (or a changed setting): the pass goes on, the attempt is
    logged, and neither the log nor the delivery log holds the address's secret part."""
    caplog.set_level(logging.DEBUG)
    with Receiver() as receiver:
        bad = subscribe(client, owner, receiver.url, "idea.submitted")
        good = subscribe(client, owner, receiver.url, "idea.submitted")
        with Session(state(local).engine) as session:
            session.get(WebhookSubscription, bad["id"]).url = f"http://127.0.0.1:1/a b?token={SECRET}"
            session.commit()
        send(client, writer, idea("i-1"))
        drain(local, ("ledger", "webhooks"))
        counts = deliver(local)
        assert [m["status"] for m in log(client, owner, good)] == ["delivered"]
        later = deliver(local, utcnow() + timedelta(days=60))  # and the pass goes on to prune
    assert counts == {"delivered": 1, "retrying": 1, "failed": 0}
    assert later == {"delivered": 0, "retrying": 1, "failed": 0} and log(client, owner, good) == []
    [attempt, *_] = log(client, owner, bad)[0]["attempts"]
    assert attempt["outcome"] == "retrying" and attempt["error"].startswith("Use only printable ASCII")
    assert SECRET not in attempt["error"] and "a b" not in attempt["error"]
    assert SECRET not in caplog.text


@pytest.mark.parametrize("tail", [f"a b?token={SECRET}", f"hook\t{SECRET}", f"x\x00{SECRET}"])
def test_a_post_to_an_address_that_cannot_be_requested_answers_an_error_without_it(tail):
    """The last guard, for a caller that did not check first: no exception, no part of the address."""
    with Receiver() as receiver:
        answer = post(receiver.url.rsplit("/", 1)[0] + "/" + tail, b"{}", {}, 2)
    assert answer.status is None and not answer.ok and receiver.received == []
    assert answer.error.startswith("InvalidURL") and SECRET not in answer.error


class Trickler:
    """A receiver that answers one byte of its status line at a time, for ever unless cut off."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.cut_off = threading.Event()
        self.finished = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/hooks/slow"

    def serve(self) -> None:
        with self.server:
            connection, _ = self.server.accept()
            with connection:
                connection.recv(65536)
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                        connection.sendall(bytes([byte]))
                        time.sleep(0.2)
                    self.finished.set()
                except OSError:
                    self.cut_off.set()


def test_a_trickling_receiver_is_cut_off_at_the_timeout_and_holds_up_nobody(local, client, owner, writer):
    local.config["ENGAGEMENT_WEBHOOK_TIMEOUT"] = 1.0
    trickler = Trickler()
    with Receiver() as receiver:
        slow = subscribe(client, owner, trickler.url, "idea.submitted")
        subscribe(client, owner, receiver.url, "idea.submitted")
        send(client, writer, idea("i-1"))
        drain(local, ("ledger", "webhooks"))
        counts = deliver(local)
    assert counts == {"delivered": 1, "retrying": 1, "failed": 0} and len(receiver.received) == 1
    [attempt] = log(client, owner, slow)[0]["attempts"]
    assert attempt["error"] == "no complete answer within 1 s"
    trickler.cut_off.wait(10)
    assert trickler.cut_off.is_set() and not trickler.finished.is_set()


def test_a_pass_gives_back_what_it_had_no_time_to_post(local, client, owner, writer, monkeypatch):
    """One post at a time, six slow receivers: the pass stops waiting after three timeouts, and
    the messages it did not begin are due again at once, with no attempt, not held for the lease."""
    monkeypatch.setattr(sender, "WORKERS", 1)
    local.config["ENGAGEMENT_WEBHOOK_TIMEOUT"] = 0.5
    for trickler in [Trickler() for _ in range(6)]:
        subscribe(client, owner, trickler.url, "idea.submitted")
    send(client, writer, idea("i-1"))
    drain(local, ("ledger", "webhooks"))
    now = utcnow()
    counts = deliver(local, now)
    with Session(state(local).engine) as session:
        given_back = session.scalars(select(WebhookMessage).where(WebhookMessage.attempts == 0,
                                                                  WebhookMessage.next_attempt_at == now)).all()
    assert len(given_back) >= 2 and sum(counts.values()) + len(given_back) <= 6
    assert all(m.status == "pending" for m in given_back)


def test_readiness_sees_a_sender_that_stopped(local):
    workers = ConsumerThreads(local, ["ledger", "webhooks"]).start()
    try:
        assert workers.alive()
        workers.sender.stop()
        assert not workers.alive()
    finally:
        workers.stop()


def test_upgrading_gives_each_subscription_to_its_one_key_or_disables_it(tmp_path):
    """Before 0021 a subscription belonged to a key's name; after it, to the one active key of that
    name, and one whose name several keys share, or whose key is revoked, is disabled."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(engine, "0020")
    keys = [("aaaa1111", "intranet", None), ("bbbb2222", "shared", None), ("cccc3333", "shared", None),
            ("dddd4444", "gone", "2026-11-01 00:00:00")]
    with engine.begin() as db:
        for prefix, name, revoked in keys:
            db.execute(text("INSERT INTO engagement_api_keys (prefix, key_hash, name, scopes, created_at, revoked_at) "
                            "VALUES (:p, 'h', :n, 'webhooks:manage', '2026-11-01 00:00:00', :r)"),
                       {"p": prefix, "n": name, "r": revoked})
        for sub, owner in (("sub_one", "key:intranet"), ("sub_shared", "key:shared"), ("sub_gone", "key:gone")):
            db.execute(text("INSERT INTO engagement_webhook_subscriptions (id, owner, url, event_types, secret, "
                            "description, created_at) VALUES (:id, :o, 'https://8.8.8.8/', '[]', 's', '', "
                            "'2026-11-01 00:00:00')"), {"id": sub, "o": owner})
        db.execute(text("INSERT INTO engagement_webhook_messages (id, subscription_id, event_id, event_type, body, "
                        "status, attempts, created_at, next_attempt_at) VALUES ('msg_1', 'sub_shared', 'e', "
                        "'idea.submitted', '{}', 'pending', 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')"))
    migrate.upgrade(engine)
    with engine.connect() as db:
        rows = dict((s, (o, d is not None)) for s, o, d in db.execute(text(
            "SELECT id, owner, disabled_at FROM engagement_webhook_subscriptions")))
        waiting = db.scalar(text("SELECT status FROM engagement_webhook_messages"))
    assert rows == {"sub_one": ("key-id:aaaa1111", False), "sub_shared": ("key:shared", True),
                    "sub_gone": ("key:gone", True)}
    assert waiting == "failed"
