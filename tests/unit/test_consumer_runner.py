"""The consumer runner on the embedded bus: exact, idempotent, poison-tolerant, replayable."""
from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from engagement.consumers.base import Batch, ReadModel
from engagement.consumers.ledger import Ledger
from engagement.events import Event, EventType
from engagement.ledger.model import ConsumerPosition, DeadLetter, LedgerEvent
from engagement.replay import replay
from engagement.runner import ConsumerRunner
from engagement.schemas.events import EventSchema
from engagement.state import state
from tests.conftest import like

test_metadata = MetaData()
like_counts = Table("test_like_counts", test_metadata, Column("target", String, primary_key=True),
                    Column("likes", Integer, nullable=False))


def bump(session: Session, event: Event, delta: int) -> None:
    row = session.execute(select(like_counts.c.likes).where(like_counts.c.target == event.target.id)).first()
    if row is None:
        session.execute(like_counts.insert().values(target=event.target.id, likes=delta))
    else:
        session.execute(like_counts.update().where(like_counts.c.target == event.target.id)
                        .values(likes=row[0] + delta))


def added(rows: Batch, event: Event) -> None:
    if event.actor == "boom":
        raise RuntimeError("handler bug")
    bump(rows.session, event, 1)


def removed(rows: Batch, event: Event) -> None:
    bump(rows.session, event, -1)


class LikeCounter(ReadModel[Batch]):
    """A tiny read model for these tests; it fails on purpose for actor 'boom'."""

    name = "like_counter"
    tables = (like_counts,)
    handlers = {EventType.LIKE_ADDED: added, EventType.LIKE_REMOVED: removed}

    def begin(self, session, batch):
        return Batch(session, batch)


def engine_with_like_counts(app):
    """The app's engine, with the like counter's own table beside Tillit's."""
    with app.app_context():
        engine = state(app).engine
    test_metadata.create_all(engine)
    return engine


@pytest.fixture
def engine(app):
    return engine_with_like_counts(app)


def publish(app, *raw_events):
    from datetime import datetime
    loaded = [EventSchema().load(e) for e in raw_events]
    state(app).bus.publish([Event.from_loaded(e, datetime.now(UTC), "test") for e in loaded])


def drain(app, engine, model) -> ConsumerRunner:
    runner = ConsumerRunner(model, state(app).bus, engine, batch_size=50)
    source = state(app).bus.source(runner.group, runner.tracked_positions)
    while records := source.poll(50, 0):  # the embedded log: an empty read is the end
        runner.process(source, records)
    return runner


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(like_counts.c.target, like_counts.c.likes)).all())


def test_same_event_id_counts_once_across_batches(app, engine):
    events = [like(f"e{i}", target=f"t{i % 3}") for i in range(120)]
    publish(app, *events)
    publish(app, *events[:60])  # a client retrying half of them
    drain(app, engine, LikeCounter())
    assert counts(engine) == {"t0": 40, "t1": 40, "t2": 40}


def test_restart_resumes_from_the_tracking_record(app, engine):
    publish(app, *[like(f"a{i}") for i in range(30)])
    drain(app, engine, LikeCounter())
    publish(app, *[like(f"b{i}") for i in range(30)])
    drain(app, engine, LikeCounter())  # a fresh runner, as after a restart
    assert counts(engine) == {"news-1": 60}


def test_failed_transaction_applies_nothing_and_is_retried(app, engine, monkeypatch):
    publish(app, *[like(f"c{i}") for i in range(10)])
    model = LikeCounter()
    original = model.claim

    def crash(session, ids):
        raise SystemExit("killed mid-batch")
    monkeypatch.setattr(model, "claim", crash)
    with pytest.raises(SystemExit):
        drain(app, engine, model)
    assert counts(engine) == {}
    monkeypatch.setattr(model, "claim", original)
    drain(app, engine, model)
    assert counts(engine) == {"news-1": 10}


def test_poison_records_go_to_dead_letters_and_the_stream_goes_on(app, engine):
    publish(app, like("p1"), like("p2", actor="boom"), like("p3"))
    state(app).bus._connection().execute("INSERT INTO log (key, value) VALUES ('x', ?)", (b"not json",))
    publish(app, like("p4"))
    drain(app, engine, LikeCounter())
    assert counts(engine) == {"news-1": 3}
    with Session(engine) as session:
        letters = session.scalars(select(DeadLetter).order_by(DeadLetter.offset)).all()
    assert [(d.event_id, d.reason.split(":")[0]) for d in letters] == [("p2", "RuntimeError"),
                                                                      (None, "not a valid event")]


def test_a_database_outage_is_waited_out_not_dead_lettered(app, engine, monkeypatch):
    """Connection errors are the database's, not the record's: the runner waits, reads the batch
    again and applies it once; isolating it would dead-letter good events."""
    from sqlalchemy.exc import OperationalError

    import engagement.runner as runner_module
    monkeypatch.setattr(runner_module, "RETRY_PAUSE", 0.01)
    publish(app, *[like(f"o{i}") for i in range(10)])
    model, outage = LikeCounter(), {"left": 4, "begun": False}
    claim, positions = model.claim, ConsumerRunner.tracked_positions

    def away() -> bool:
        if outage["begun"] and outage["left"]:
            outage["left"] -= 1
            return True
        return False

    def claim_while_away(session, ids):
        outage["begun"] = True
        if away():
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return claim(session, ids)

    def positions_while_away(runner, topic, partitions):
        if away():
            raise OperationalError("SELECT", {}, Exception("connection refused"))
        return positions(runner, topic, partitions)
    monkeypatch.setattr(model, "claim", claim_while_away)
    monkeypatch.setattr(ConsumerRunner, "tracked_positions", positions_while_away)
    drain(app, engine, model)
    assert outage["left"] == 0
    assert counts(engine) == {"news-1": 10}
    with Session(engine) as session:
        assert session.scalars(select(DeadLetter)).all() == []


def test_two_runners_on_one_model_never_double_apply(app, engine):
    publish(app, *[like(f"d{i}") for i in range(40)])
    model = LikeCounter()
    first = ConsumerRunner(model, state(app).bus, engine, 20)
    second = ConsumerRunner(model, state(app).bus, engine, 20)
    source_a = state(app).bus.source(first.group, first.tracked_positions)
    source_b = state(app).bus.source(second.group, second.tracked_positions)
    batch_a, batch_b = source_a.poll(20, 0.1), source_b.poll(20, 0.1)  # both read the same records
    first.process(source_a, batch_a)
    second.process(source_b, batch_b)  # stale: must notice and seek back, not apply again
    for runner, source in ((first, source_a), (second, source_b)):
        while records := source.poll(20, 0.05):
            runner.process(source, records)
    assert counts(engine) == {"news-1": 40}


def test_ledger_holds_each_event_once_with_its_position(app, engine):
    events = [like(f"l{i}") for i in range(25)]
    publish(app, *events)
    publish(app, *events[:5])
    drain(app, engine, Ledger())
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(LedgerEvent)) == 25
        row = session.scalar(select(LedgerEvent).where(LedgerEvent.event_id == "l3"))
        assert (row.partition, row.offset, row.actor, row.target_owner) == (0, 4, "kari", "ola")
        assert session.get(ConsumerPosition, ("ledger", "engagement.events", 0)).position == 30


def test_replay_from_the_ledger_gives_the_same_answer(app, engine):
    events = [like(f"r{i}", target=f"t{i % 4}") for i in range(50)]
    events += [like(f"u{i}", target="t0", type_="like.removed") for i in range(5)]
    publish(app, *events)
    model = LikeCounter()
    state(app).read_models.append(model)
    drain(app, engine, Ledger())
    drain(app, engine, model)
    live = counts(engine)
    with engine.begin() as conn:
        conn.execute(like_counts.update().values(likes=999))  # damage the read model
    assert replay(state(app), ["like_counter"]) == {"like_counter": 55}
    assert counts(engine) == live == {"t0": 8, "t1": 13, "t2": 12, "t3": 12}
    publish(app, like("after-replay", target="t1"))
    drain(app, engine, model)
    assert counts(engine)["t1"] == 14
