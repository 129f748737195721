"""Claimed event ids are kept ENGAGEMENT_DEDUP_DAYS: a sender's retry within them counts once,
older claims are forgotten in whole chunks, and nothing a read model shows changes when they go.

On the embedded bus with SQLite, and with PostgreSQL as the database."""
from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session

from engagement import migrate as schema
from engagement import parking
from engagement.cli import prune as prune_command
from engagement.config import RefusedSetting
from engagement.db import utcnow
from engagement.ledger import pruning
from engagement.ledger.model import DeadLetter, ProcessedEvent
from engagement.state import state
from engagement.workers import ConsumerThreads
from tests.conftest import bearer, drain, like, migrated_app, upgraded
from tests.unit.test_campaigns import NOW, as_user, idea

MODELS = ("ledger", "recognition", "ideas", "profiles", "awards", "trust", "notifications", "webhooks", "pulses")
# The read models that claim a like: each claims only what it applies (ideas, profiles and webhooks
# skip a like), and the ledger's unique event id is its own claim.
CLAIMING = ["recognition", "awards", "trust", "notifications"]


def app_on(template, folder, postgres: str | None):
    """A real app on the embedded bus, its database SQLite or PostgreSQL."""
    yield from upgraded(migrated_app(template, folder, **({"ENGAGEMENT_DATABASE_URL": postgres} if postgres else {})))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request, sqlite_template, tmp_path):
    yield from app_on(sqlite_template, tmp_path,
                      request.getfixturevalue("empty_postgres_url") if request.param == "postgres" else None)


@pytest.fixture
def postgres_app(sqlite_template, tmp_path, empty_postgres_url):
    yield from app_on(sqlite_template, tmp_path, empty_postgres_url)


@pytest.fixture
def send(client, writer_key):
    def post(*events: dict) -> None:
        assert client.post("/v1/events/batch", json={"events": list(events)},
                           headers=bearer(writer_key)).status_code == 202
    return post


def shown(client, key) -> str:
    """What readers see of the likes and recognition the tests send."""
    return json.dumps([client.get("/v1/targets/article/news-1", headers=bearer(key)).json,
                       client.get("/v1/people/ola/recognition", headers=bearer(key)).json])


def claims(app, consumer: str | None = None) -> int:
    with Session(state(app).engine) as session:
        query = select(func.count()).select_from(ProcessedEvent)
        if consumer is not None:
            query = query.where(ProcessedEvent.consumer == consumer)
        return session.scalar(query)


def prune_after(app, days: float) -> dict:
    """Prune as a run ``days`` from now would: the window is ENGAGEMENT_DEDUP_DAYS (7)."""
    return pruning.prune(state(app).engine, MODELS, state(app).config["ENGAGEMENT_DEDUP_DAYS"],
                         now=utcnow() + timedelta(days=days))


def test_a_retry_within_the_window_counts_once(app, client, send, make_key):
    reader = make_key("events:write")
    send(like("retried"), like("other", actor="per"))
    drain(app, MODELS)
    assert prune_after(app, 6.9)["forgotten"]["recognition"] == 0
    send(like("retried"))  # the intranet's back end retries six days later
    drain(app, MODELS)
    assert client.get("/v1/targets/article/news-1", headers=bearer(reader)).json["likes"] == 2
    assert client.get("/v1/people/ola/recognition", headers=bearer(reader)).json["received"]["like"] == 2


def test_after_the_window_claims_are_gone_and_nothing_shown_changes(app, client, send, make_key):
    reader = make_key("events:write")
    send(*[like(f"l{i}", actor=f"p{i}") for i in range(12)])
    drain(app, MODELS)
    before, claimed = shown(client, reader), claims(app)
    assert claimed == 12 * len(CLAIMING)
    result = prune_after(app, 7.01)
    assert sum(result["forgotten"].values()) == claimed and claims(app) == 0
    assert shown(client, reader) == before
    send(like("fresh", actor="siv"))  # a new event still counts, once
    drain(app, MODELS)
    assert json.loads(shown(client, reader))[0]["likes"] == 13
    assert claims(app, "recognition") == 1
    forgotten = re.search(r'tillit_claims_forgotten_total\{consumer="recognition"\} (\S+)',
                          client.get("/metrics").get_data(as_text=True))
    assert forgotten and float(forgotten.group(1)) >= 12


def test_the_prune_command_forgets_what_is_older_than_the_window(app, send):
    send(like("old"), like("new", actor="per"))
    drain(app, MODELS)
    with Session(state(app).engine) as session, session.begin():
        session.execute(update(ProcessedEvent).where(ProcessedEvent.event_id == "old")
                        .values(claimed_at=utcnow() - timedelta(days=7, minutes=1)))
    result = app.test_cli_runner().invoke(prune_command)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dedup_days"] == 7 and report["forgotten"] == {**dict.fromkeys(MODELS, 0),
                                                                 **dict.fromkeys(CLAIMING, 1)}
    with Session(state(app).engine) as session:
        assert set(session.scalars(select(ProcessedEvent.event_id))) == {"new"}


def test_pruning_in_chunks_deletes_whole_chunks_and_leaves_no_old_claim_behind(app):
    engine, now = state(app).engine, utcnow()
    old = [f"old-{i:02d}" for i in range(25)]
    rows = [{"consumer": "recognition", "event_id": i, "claimed_at": now - timedelta(days=8)} for i in old]
    rows += [{"consumer": "recognition", "event_id": f"new-{i}", "claimed_at": now} for i in range(10)]
    rows += [{"consumer": "ideas", "event_id": i, "claimed_at": now - timedelta(days=8)} for i in old]
    with Session(engine) as session, session.begin():
        session.execute(ProcessedEvent.__table__.insert(), rows)
    before = now - timedelta(days=7)
    stop, chunks = threading.Event(), []
    real_delete = Session.scalars

    def count_chunks(session, statement, *args, **kwargs):
        chunks.append(1)
        if len(chunks) == 2:
            stop.set()  # a stop asked during the second chunk: it finishes, the third never starts
        return real_delete(session, statement, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Session, "scalars", count_chunks)
        assert pruning.prune_claims(engine, "recognition", before, chunk=4, stop=stop) == 8
    assert claims(app, "recognition") == 35 - 8  # two whole chunks went, nothing of a third
    assert pruning.prune_claims(engine, "recognition", before, chunk=4) == 17  # the next run takes the rest
    with Session(engine) as session:
        left = set(session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == "recognition")))
    assert left == {f"new-{i}" for i in range(10)}
    assert claims(app, "ideas") == 25  # another read model's claims are its own
    for size in (1, 3, 25, 1000):  # any chunk size ends with the same table
        with Session(engine) as session, session.begin():
            session.execute(ProcessedEvent.__table__.insert(), rows[:25])
        assert pruning.prune_claims(engine, "recognition", before, chunk=size) == 25
        assert claims(app, "recognition") == 10


def test_the_claim_of_a_parked_event_outlives_the_window(app, client, campaign, leader, user_token):
    """An answer that came before its idea waits; its claim stays until it is applied, so a retry of
    it after the window neither parks it twice nor dead-letters it."""
    answer = {"id": "adopt-1", "type": "idea.answered", "target": {"kind": "idea", "id": "i-1", "owner": "kari"},
              "time": NOW, "data": {"status": "adopted", "note": "Vi starter i januar."}}
    assert client.post("/v1/events", json=answer, headers=bearer(leader)).status_code == 202
    assert as_user(client, user_token("kari"), idea("i-2", "kari")).status_code == 202
    drain(app, ("ledger", "ideas"))
    assert prune_after(app, 30)["forgotten"]["ideas"] == 1  # the other idea's claim went
    assert claims(app, "ideas") == 1
    assert client.post("/v1/events", json=answer, headers=bearer(leader)).status_code == 202
    drain(app, ("ledger", "ideas"))
    with Session(state(app).engine) as session:
        assert parking.waiting(session, "ideas") == {"ideas": 1}
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0


def test_a_bad_window_stops_the_consumers_and_the_command(app):
    app.config["ENGAGEMENT_DEDUP_DAYS"] = 0
    with pytest.raises(RefusedSetting, match="ENGAGEMENT_DEDUP_DAYS"):
        ConsumerThreads(app)
    result = app.test_cli_runner().invoke(prune_command)
    assert result.exit_code != 0 and "ENGAGEMENT_DEDUP_DAYS" in result.output


def test_consumer_processes_prune_the_claims_of_the_read_models_they_apply(app, send, monkeypatch):
    send(like("old"))
    drain(app, MODELS)
    with Session(state(app).engine) as session, session.begin():
        session.execute(update(ProcessedEvent).values(claimed_at=utcnow() - timedelta(days=8)))
    threads = ConsumerThreads(app, ["recognition", "awards"])
    assert (threads.pruner.consumers, threads.pruner.days) == (["recognition", "awards"], 7)
    runs = []

    def once(*args, **kwargs):
        runs.append(real(*args, **kwargs))
        threads.pruner.stopping.set()
    real = pruning.prune
    monkeypatch.setattr(pruning, "prune", once)
    threads.pruner.every = 0  # no wait for the first run (up to an hour in a process)
    threads.pruner._run()  # the pruner thread's loop, run here: it prunes, then the stop ends it
    assert runs[0]["forgotten"] == {"recognition": 1, "awards": 1}  # each claimed the like it applied
    assert claims(app, "recognition") == claims(app, "awards") == 0 and claims(app) == len(CLAIMING) - 2


@pytest.mark.postgres
def test_pruning_never_waits_for_a_transaction_that_holds_a_claim(postgres_app):
    """A replay resetting its read model holds its claims for as long as it runs: pruning skips
    them (and takes them at its next run) rather than wait, or make a consumer wait behind it.
    PostgreSQL's row locks; SQLite has one writer at a time."""
    engine = state(postgres_app).engine
    old = utcnow() - timedelta(days=8)
    with Session(engine) as session, session.begin():
        session.execute(ProcessedEvent.__table__.insert(), [
            {"consumer": "recognition", "event_id": f"e{i}", "claimed_at": old} for i in range(6)])
    # If pruning waited for the lock, this engine's lock_timeout turns the wait into an error.
    impatient = create_engine(engine.url, connect_args={"options": "-c lock_timeout=10000"})
    with Session(engine) as holder, holder.begin():
        holder.execute(select(ProcessedEvent).where(ProcessedEvent.event_id == "e3").with_for_update())
        assert pruning.prune_claims(impatient, "recognition", utcnow() - timedelta(days=7), chunk=2) == 5
    assert pruning.prune_claims(impatient, "recognition", utcnow() - timedelta(days=7), chunk=2) == 1
    impatient.dispose()


def test_claims_held_before_the_upgrade_are_kept_one_window_from_it(tmp_path):
    """Migration 0023: the claims already held get the upgrade's time, so a retry in flight still
    counts once and they go one window later."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    schema.upgrade(engine, "0022")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO engagement_processed_events (consumer, event_id) VALUES ('ideas', 'e1')"))
    schema.upgrade(engine)
    now = utcnow()
    assert pruning.prune(engine, ["ideas"], 7, now=now + timedelta(days=6))["forgotten"] == {"ideas": 0}
    assert pruning.prune(engine, ["ideas"], 7, now=now + timedelta(days=7, minutes=1))["forgotten"] == {"ideas": 1}
    engine.dispose()


def test_claims_written_by_a_query_get_the_database_time(app):
    """A read model that claims with INSERT ... SELECT (trust, after retention) gets the time from the
    column's default, in UTC like every other time Tillit keeps."""
    engine = state(app).engine
    with Session(engine) as session, session.begin():
        session.execute(ProcessedEvent.__table__.insert().from_select(
            ["consumer", "event_id"], select(text("'trust'"), text("'by-query'"))))
    with Session(engine) as session:
        claimed = session.scalar(select(ProcessedEvent.claimed_at))
    assert abs(claimed - utcnow()) < timedelta(minutes=5)
