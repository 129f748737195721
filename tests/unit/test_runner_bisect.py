"""A batch with bad records is bisected, not replayed one record at a time, and it keeps a deadline."""
from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.ledger.model import DeadLetter
from engagement.runner import ConsumerRunner
from engagement.state import state
from tests.conftest import like
from tests.unit.test_consumer_runner import LikeCounter, counts, engine_with_like_counts, publish

BAD = {5, 70, 71}  # actor 'boom' makes LikeCounter raise


@pytest.fixture
def engine(app):
    return engine_with_like_counts(app)


def publish_with_bad(app, n: int) -> None:
    publish(app, *[like(f"e{i}", actor="boom" if i in BAD else f"p{i}") for i in range(n)])


class Counting(ConsumerRunner):
    """Counts transactions and attempts (a transaction or a savepoint applying some records); a
    fake clock moves one tick per attempt (no wall clock)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.now, self.transactions, self.attempts = 0.0, 0, 0
        self.clock = lambda: self.now

    def _apply_in_one_transaction(self, records, *args):
        self.transactions += 1
        return super()._apply_in_one_transaction(records, *args)

    def _claim_and_apply(self, session, records):
        self.attempts += 1
        self.now += 1
        return super()._claim_and_apply(session, records)


def run(app, engine, runner: ConsumerRunner, batch: int) -> list[int]:
    """Poll until nothing is left; answer the attempts each process() call took."""
    source = state(app).bus.source(runner.group, runner.tracked_positions)
    per_call = []
    while records := source.poll(batch, 0):  # the embedded log: an empty read is the end
        before = runner.attempts
        runner.process(source, records)
        per_call.append(runner.attempts - before)
    return per_call


def dead_letters(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(DeadLetter))


def test_a_few_bad_records_cost_a_few_transactions_each_not_one_per_record(app, engine):
    publish_with_bad(app, 128)
    runner = Counting(LikeCounter(), state(app).bus, engine)
    run(app, engine, runner, 128)
    assert counts(engine) == {"news-1": 128 - len(BAD)}
    assert dead_letters(engine) == len(BAD)
    assert runner.transactions == 1  # bad records are bisected out with savepoints, one commit
    assert runner.attempts <= 1 + 2 * len(BAD) * math.log2(128)  # one at a time: 129


def test_a_batch_past_its_deadline_commits_what_it_applied_and_reads_the_rest_again(app, engine):
    publish_with_bad(app, 128)
    runner = Counting(LikeCounter(), state(app).bus, engine, batch_seconds=4)
    per_call = run(app, engine, runner, 128)
    assert len(per_call) > 1  # the first batch stopped at its deadline and the rest was polled again
    assert max(per_call) <= 4 + math.log2(128)  # the deadline, or the way down to the first record
    assert counts(engine) == {"news-1": 128 - len(BAD)}
    assert dead_letters(engine) == len(BAD)


def test_a_consumer_killed_while_bisecting_leaves_the_counts_exact(app, engine, monkeypatch):
    publish_with_bad(app, 128)
    runner = Counting(LikeCounter(), state(app).bus, engine)
    original = runner._claim_and_apply

    def killed_at_the_sixth(session, records):
        if runner.attempts == 5:
            raise SystemExit("killed")
        return original(session, records)
    monkeypatch.setattr(runner, "_claim_and_apply", killed_at_the_sixth)
    with pytest.raises(SystemExit):
        run(app, engine, runner, 128)
    run(app, engine, Counting(LikeCounter(), state(app).bus, engine), 128)
    assert counts(engine) == {"news-1": 128 - len(BAD)}
    assert dead_letters(engine) == len(BAD)


def test_replay_leaves_out_what_the_live_consumer_refused_and_goes_on(app, engine):
    from engagement.consumers.ledger import Ledger
    from engagement.replay import replay
    from tests.unit.test_consumer_runner import drain
    publish_with_bad(app, 128)
    model = LikeCounter()
    state(app).read_models.append(model)
    drain(app, engine, Ledger())
    drain(app, engine, model)
    live = counts(engine)
    assert replay(state(app), ["like_counter"]) == {"like_counter": 128 - len(BAD)}
    assert counts(engine) == live == {"news-1": 128 - len(BAD)}
    assert dead_letters(engine) == len(BAD)  # not dead-lettered a second time


@pytest.mark.parametrize("bad", [1, 4, 16, 64])
def test_k_refused_records_among_n_cost_about_k_log_n_applications(app, engine, bad):
    n = 512
    refused = set(random.Random(bad).sample(range(n), bad))
    publish(app, *[like(f"r{i}", actor="boom" if i in refused else f"p{i}") for i in range(n)])
    runner = Counting(LikeCounter(), state(app).bus, engine)
    run(app, engine, runner, n)
    assert counts(engine) == {"news-1": n - bad} and dead_letters(engine) == bad
    assert runner.transactions == 1
    assert runner.attempts <= 2 + bad * (math.log2(n) + 2)  # all at once, then about log n per refused record
    assert runner.attempts < n  # never one record at a time


def test_many_bad_records_cost_about_one_savepoint_each_and_one_commit(app, engine):
    publish(app, *[like(f"d{i}", actor="boom" if i % 4 == 0 else f"p{i}") for i in range(128)])
    runner = Counting(LikeCounter(), state(app).bus, engine)
    run(app, engine, runner, 128)
    assert counts(engine) == {"news-1": 96} and dead_letters(engine) == 32
    assert runner.transactions == 1 and runner.attempts <= 2 * 128
