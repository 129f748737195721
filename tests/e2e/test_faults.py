"""Faults on the production path, after the pattern of Kafka's own transactions system test.

100,000 mixed events go in through `engagement serve` on Kafka (Tansu), PostgreSQL and Redis.
Three `engagement consume` processes apply them; one is SIGKILLed three times as the ledger
passes 20, 40 and 60 %, and a fourth joins to force a rebalance. Afterwards every counter,
award, trust report and notification group must equal an independent recount: the same
events applied once, without faults, by the embedded default in this process, and for
recognition the oracle that shares no code with the consumers.
"""
from __future__ import annotations

import os
import random
import psycopg
import pytest
import requests

from engagement import create_app
from engagement.auth import create_api_key
from engagement.extension import state
from engagement.services import schema
from tests.conftest import bearer, drain
from tests.e2e.conftest import wait_for
from tests.recognition_oracle import random_events
from tests.recognition_oracle import recount as recount_recognition
from tests.services import Service, free_port, run_cli, wait_until_healthy

pytestmark = [pytest.mark.slow, pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis]
EVENTS = int(os.environ.get("TILLIT_FAULT_EVENTS", "100000"))
PEOPLE, TARGETS, TEAMS = 200, 300, 8
READER_SCOPES = ["events:write", "reports:read", "awards:manage", "trust:read", "directory:write"]


def organisation() -> dict:
    return {"mode": "full", "as_of": "2026-01-01T00:00:00+00:00",
            "teams": [{"id": f"team{t}", "name": f"Team {t}", "parent": None} for t in range(TEAMS)],
            "people": [{"id": f"p{p}", "name": f"Person {p}", "team": f"team{p % TEAMS}",
                        "role": "leader" if p < TEAMS else "member"} for p in range(PEOPLE)]}


def mixed_events() -> list[dict]:
    """Articles published by their owners, then likes, unlikes, comments, Bra!s and retries."""
    events = random_events(EVENTS - TARGETS, seed=11, people=PEOPLE, targets=TARGETS)
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
    out["trust"] = get("/v1/trust/report?period=2026-11")
    return out


@pytest.fixture
def recount(tmp_path):
    """The same events once, no faults: the embedded default in this process."""
    app = create_app({"TESTING": True, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "clean.sqlite3"),
                      "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'clean-db.sqlite3'}",
                      "ENGAGEMENT_TOKEN_SECRET": "clean-" + "c" * 40, "ENGAGEMENT_RATE_LIMIT_KEY": "off"})
    with app.app_context():
        schema.upgrade(state(app).engine)
        key = create_api_key(state(app).db.session, "recount", READER_SCOPES)
        state(app).db.session.commit()
    client = app.test_client()
    client.post("/v1/directory/sync", json=organisation(), headers=bearer(key))
    events = mixed_events()
    for start in range(0, len(events), 500):
        assert client.post("/v1/events/batch", json={"events": events[start:start + 500]},
                           headers=bearer(key)).status_code == 202
    drain(app, tuple(m.name for m in state(app).read_models))
    yield answers(lambda path: client.get(path, headers=bearer(key)).json)
    state(app).bus.close()


@pytest.fixture
def emptied_after(postgres_url):
    """The session's database is shared with later tests: leave it empty."""
    yield
    from engagement.models import Base
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(t.name for t in Base.metadata.sorted_tables))


def ledger_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM engagement_ledger").fetchone()[0]


def test_killed_consumers_and_a_rebalance_leave_everything_exact(kafka_bootstrap, postgres_url, redis_service,
                                                                topic, tmp_path, recount, emptied_after):
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "DATABASE_URL": postgres_url, "REDIS_URL": redis_service,
           "ENGAGEMENT_KAFKA_TOPIC": topic, "ENGAGEMENT_REDIS_PREFIX": f"{topic}:", "ENGAGEMENT_KAFKA_PARTITIONS": "6",
           "ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS": "6000",
           "ENGAGEMENT_KAFKA_HEARTBEAT_MS": "1000", "ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS": "10000",
           "ENGAGEMENT_RATE_LIMIT_KEY": "off", "ENGAGEMENT_LOG_LEVEL": "WARNING"}
    run_cli(["db", "upgrade"], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = Service(["serve", "--port", str(port)], env, tmp_path / "api.log").start()
    consumers = [Service(["consume"], env, tmp_path / f"consume-{i}.log") for i in range(3)]
    try:
        wait_until_healthy(base)
        key = run_cli(["keys", "create", "--name", "load"] + [a for s in READER_SCOPES for a in ("--scope", s)], env)
        session = requests.Session()
        session.headers.update(bearer(key))
        assert session.post(f"{base}/v1/directory/sync", json=organisation(), timeout=60).status_code == 200
        events = mixed_events()
        for start in range(0, len(events), 500):
            assert session.post(f"{base}/v1/events/batch", json={"events": events[start:start + 500]},
                                timeout=60).status_code == 202
        unique = len({e["id"] for e in events})
        for consumer in consumers:
            consumer.start()
        for round_, share in enumerate((0.2, 0.4, 0.6)):
            assert wait_for(lambda: ledger_count(postgres_url) >= share * unique, timeout=600, every=0.05)
            consumers[0].kill()  # SIGKILL, mid-batch as likely as not
            consumers[0] = Service(["consume"], env, tmp_path / f"consume-0-{round_}.log").start()
        consumers.append(Service(["consume"], env, tmp_path / "consume-3.log").start())  # a rebalance

        def caught_up() -> bool:
            lag = session.get(f"{base}/readyz", timeout=30).json()["consumer_lag"]
            return all(v == 0 for v in lag.values())
        assert wait_for(caught_up, timeout=1200, every=1)
        got = answers(lambda path: session.get(f"{base}{path}", timeout=60).json())
    finally:
        for consumer in consumers:
            consumer.kill()
        api.terminate()
    assert ledger_count(postgres_url) == unique
    for part in ("targets", "people", "teams", "notifications", "awards", "trust"):
        assert got[part] == recount[part], part
    oracle = recount_recognition(events)  # shares no code with the consumers
    for t in got["targets"]:
        want = oracle["targets"][("article", t["id"])]
        assert (t["likes"], t["comments"]) == (want["like"], want["comment"]), t
    for p, summary in got["people"].items():
        assert summary["received"] == {k: oracle["received"][f"p{p}"][k] for k in ("like", "comment", "kudos")}
        assert summary["given"] == {k: oracle["given"][f"p{p}"][k] for k in ("like", "comment", "kudos")}
        assert summary["colleagues"] == oracle["colleagues"].get(f"p{p}", 0)
    assert sum(t["likes"] for t in got["targets"]) > EVENTS // 10
